//! SARIF: the `sarif` plugin's counts by level against sarif-tools and a plain JSON walk.
//!
//! py/sarif_counts.py gives, per file, the level sarif-tools assigns to every result
//! (`read_result_severity`, behind its `summary` command) and a plain walk of the JSON by
//! SARIF 2.1.0 §3.27.10 that also applies the plugin's documented rules for what counts as
//! open (kind pass/notApplicable, baselineState absent and effective suppressions are left
//! out). The plugin must equal the walk exactly; against sarif-tools, which counts every
//! result and finds rules only in the driver, each difference is an entry below.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stagegate_plugin_sarif::{ParseError, Tally, parse_one};

use crate::support::{Mismatches, file_name, files, fixture_dir, num, python};

const LEVELS: [&str; 4] = ["error", "warning", "note", "none"];

/// Files with results that sarif-tools counts and the plugin deliberately does not count as
/// open: (file, kind pass/notApplicable, baselineState absent, suppressed, why). Files not
/// listed have none; every entry must be met exactly. The generated mix computes its own
/// entry while it is generated (see [`large_mix`]).
const LEFT_OUT: &[(&str, [u64; 3], &str)] = &[
    (
        "flawfinder.sarif",
        [1, 0, 0],
        "one result has kind `pass` (with level `note`): a check that found nothing; \
         sarif-tools counts it as a note",
    ),
    (
        "spec-appendix-k_suppressions.sarif",
        [0, 0, 1],
        "the spec's suppression example: an accepted suppression; sarif-tools counts the \
         result as an error, the plugin only as suppressed",
    ),
    (
        "kinds.sarif",
        [3, 0, 0],
        "two `pass` and one `notApplicable` result",
    ),
    (
        "suppressions-and-baseline.sarif",
        [0, 2, 3],
        "suppressions in source (no status), accepted, and accepted next to rejected; two \
         baselineState `absent` results (gone since the baseline)",
    ),
];

/// (file, [(reason key, results)], why).
type LevelDiffers = (&'static str, &'static [(&'static str, u64)], &'static str);

/// Open results that sarif-tools gives another level than the plugin and the walk, by
/// py/sarif_counts.py's reason key (`why: walk-level -> sarif-tools-level`), with why.
/// Files not listed agree exactly.
const LEVEL_DIFFERS: &[LevelDiffers] = &[
    (
        "extensions.sarif",
        &[
            ("extension-rule: error -> note", 1),
            ("extension-rule: error -> warning", 1),
        ],
        "the rules live in tool.extensions (as CodeQL query packs put them), named by \
         rule.toolComponent (§3.52.7) or found by id; sarif-tools reads rule.index in the \
         driver's rules whatever the component, and ids only there, else `warning`",
    ),
    (
        "rule-defaults.sarif",
        &[("hierarchical-id: error -> warning", 1)],
        "ruleId `E1/sub-check` is a hierarchical id (§3.27.5) of rule `E1`; sarif-tools \
         matches whole ids only and falls back to `warning`",
    ),
];

/// Files sarif-tools' loader refuses although they are valid SARIF 2.1.0, with why; they
/// are compared with the walk only (its level function still runs on every result).
const TOOLS_REFUSE: &[(&str, &str)] = &[(
    "runs-null.sarif",
    "`\"runs\": null` means the tool could not start (§3.13.4); sarif-tools' loader \
     iterates `runs` without a null check (TypeError)",
)];

/// What one file may differ in: results left out, and levels sarif-tools sees otherwise.
struct Expected {
    file: String,
    left_out: [u64; 3],
    differs: Vec<(String, u64)>,
}

fn expected(extra: &[Expected]) -> Vec<Expected> {
    let mut all: Vec<Expected> = Vec::new();
    let entry = |all: &mut Vec<Expected>, file: &str| -> usize {
        if let Some(i) = all.iter().position(|e| e.file == file) {
            return i;
        }
        all.push(Expected {
            file: file.to_owned(),
            left_out: [0; 3],
            differs: Vec::new(),
        });
        all.len() - 1
    };
    for (file, left_out, _) in LEFT_OUT {
        let i = entry(&mut all, file);
        all[i].left_out = *left_out;
    }
    for (file, differs, _) in LEVEL_DIFFERS {
        let i = entry(&mut all, file);
        all[i].differs = differs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
    }
    for e in extra {
        let i = entry(&mut all, &e.file);
        all[i].left_out = e.left_out;
        all[i].differs.clone_from(&e.differs);
    }
    all
}

fn plugin(path: &Path) -> Result<Tally, ParseError> {
    let file = File::open(path).unwrap_or_else(|e| panic!("open `{}`: {e}", path.display()));
    parse_one(BufReader::new(file), &file_name(path))
}

fn levels(tally: &Tally) -> [u64; 4] {
    [tally.errors, tally.warnings, tally.notes, tally.nones]
}

fn their_levels(counts: &Value) -> [u64; 4] {
    LEVELS.map(|level| num(&counts[level], level))
}

fn compare(paths: &[PathBuf], extra: &[Expected], comparison: &str) -> usize {
    let python = python("sarif_counts.py", paths);
    let expected = expected(extra);
    let mut mismatches = Mismatches::default();
    for path in paths {
        let name = file_name(path);
        let other = &python[path];
        mismatches.compared();
        if let Some(error) = other.get("error") {
            mismatches.add(&name, format!("Python cannot read it as JSON: {error}"));
            continue;
        }
        let refused = TOOLS_REFUSE.iter().any(|(file, _)| *file == name);
        match &other["sarif_tools_error"] {
            Value::Null if refused => mismatches.add(&name, "sarif-tools now loads it"),
            Value::Null => {}
            error if !refused => mismatches.add(&name, format!("sarif-tools refuses it: {error}")),
            _ => {}
        }
        // sarif-tools has no level other than the four; anything else would be a key here
        if let Some(map) = other["sarif_tools"].as_object()
            && map.len() != LEVELS.len()
        {
            mismatches.add(&name, format!("sarif-tools levels {map:?}"));
        }
        let version = other["version"].as_str().unwrap_or_default();
        // sarif-tools' own commands build records from the same levels, when they can
        match (
            &other["sarif_tools_records"],
            &other["sarif_tools_records_error"],
        ) {
            (Value::Null, Value::Null) => {} // the loader refused the file (above)
            (Value::Null, error) => {
                // Its record builder reads `result["ruleId"]`, `run["results"]` and
                // `run["tool"]["driver"]` unchecked: a valid 2.1.0 log whose results name
                // their rule by index only (Fortify's), or with a run whose `results` is
                // null or absent (§3.14.23: the tool failed or did not compute them), has no
                // records, nor does a pre-2.1.0 log (no `driver`).
                let text = error.as_str().unwrap_or_default();
                let without_id = num(&other["results_without_rule_id"], "results_without_rule_id");
                let without_results = num(&other["runs_without_results"], "runs_without_results");
                let explained = version != "2.1.0"
                    || (text.contains("'ruleId'") && without_id > 0)
                    || ((text.contains("'results'") || text.contains("'NoneType'"))
                        && without_results > 0);
                if !explained {
                    mismatches.add(&name, format!("sarif-tools makes no records: {error}"));
                }
            }
            (records, _) => mismatches.expect(
                &name,
                "sarif-tools' records by severity against its levels",
                their_levels(records),
                their_levels(&other["sarif_tools"]),
            ),
        }
        let tally = match plugin(path) {
            // SARIF 2.0.0 and 1.0.0 logs are refused by design (the plugin reads 2.1.0
            // only); sarif-tools reads whatever parses as JSON with `runs`.
            Err(ParseError::Version { found, .. }) if version != "2.1.0" => {
                mismatches.check(&name, "refused version", found.as_str(), version);
                continue;
            }
            Err(error) => {
                mismatches.add(&name, format!("only the plugin refuses it: {error}"));
                continue;
            }
            Ok(_) if version != "2.1.0" => {
                mismatches.add(&name, format!("the plugin reads version {version}"));
                continue;
            }
            Ok(tally) => tally,
        };
        let walk = &other["walk"];
        // 1. the plain walk: exactly
        mismatches.check(
            &name,
            "open results by level (error, warning, note, none) against the walk",
            levels(&tally),
            their_levels(&walk["open"]),
        );
        mismatches.check(
            &name,
            "suppressed against the walk",
            tally.suppressed,
            num(&walk["suppressed"], "suppressed"),
        );
        mismatches.check(&name, "open", tally.open, levels(&tally).iter().sum());
        // 2. sarif-tools: every result, minus what the plugin leaves out on purpose
        let left_out = [
            num(&walk["passed"], "passed"),
            num(&walk["absent"], "absent"),
            num(&walk["suppressed"], "suppressed"),
        ];
        let this = expected.iter().find(|e| e.file == name);
        let expected_left_out = this.map_or([0, 0, 0], |e| e.left_out);
        mismatches.expect(
            &name,
            "results left out (pass/notApplicable, absent, suppressed)",
            left_out,
            expected_left_out,
        );
        let all: u64 = their_levels(&other["sarif_tools"]).iter().sum();
        mismatches.check(
            &name,
            "every result (open + left out) against sarif-tools' count",
            tally.open + left_out.iter().sum::<u64>(),
            all,
        );
        // 3. sarif-tools' level of each open result
        let differs: Vec<(String, u64)> = other["differs"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), num(v, k))).collect())
            .unwrap_or_default();
        let mut expected_differs = this.map(|e| e.differs.clone()).unwrap_or_default();
        expected_differs.sort();
        mismatches.expect(
            &name,
            "open results sarif-tools gives another level",
            differs.clone(),
            expected_differs,
        );
        let mut adjusted = levels(&tally);
        for (key, count) in &differs {
            let (_, change) = key.split_once(": ").unwrap_or_default();
            let (from, to) = change.split_once(" -> ").unwrap_or_default();
            let index = |level: &str| LEVELS.iter().position(|l| *l == level);
            if let (Some(from), Some(to)) = (index(from), index(to)) {
                adjusted[from] -= count;
                adjusted[to] += count;
            } else {
                mismatches.add(&name, format!("unreadable difference `{key}`"));
            }
        }
        mismatches.check(
            &name,
            "open results by level against sarif-tools (after the listed differences)",
            adjusted,
            their_levels(&other["sarif_tools_open"]),
        );
    }
    mismatches.finish(comparison)
}

#[test]
fn sarif_fixtures_agree_with_sarif_tools_and_the_walk() {
    let paths = files(&fixture_dir("sarif"), &[".sarif"]);
    assert_eq!(compare(&paths, &[], "sarif fixtures"), paths.len());
}

#[test]
fn sarif_generated_variants_agree_with_sarif_tools_and_the_walk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mix, mix_expected) = large_mix();
    let mut variants = variants();
    variants.push(("large-mix.sarif", mix));
    let paths: Vec<PathBuf> = variants
        .into_iter()
        .map(|(name, log)| {
            let path = dir.path().join(name);
            std::fs::write(&path, serde_json::to_vec_pretty(&log).expect("json")).expect("write");
            path
        })
        .collect();
    assert_eq!(
        compare(&paths, &[mix_expected], "sarif generated variants"),
        paths.len()
    );
    let listed = LEFT_OUT.iter().map(|e| e.0);
    let listed = listed.chain(LEVEL_DIFFERS.iter().map(|e| e.0));
    for name in listed.chain(TOOLS_REFUSE.iter().map(|e| e.0)) {
        let exists =
            paths.iter().any(|p| file_name(p) == name) || fixture_dir("sarif").join(name).is_file();
        assert!(
            exists,
            "exception for `{name}`, which is neither a variant nor a fixture"
        );
    }
}

fn log(runs: Value) -> Value {
    json!({"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": runs})
}

fn result(rule: &str, extra: Value) -> Value {
    let mut result = json!({"ruleId": rule, "message": {"text": format!("{rule} found")}});
    if let (Some(r), Some(e)) = (result.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    result
}

fn rules() -> Value {
    json!([
        {"id": "E1", "defaultConfiguration": {"level": "error"}},
        {"id": "N1", "defaultConfiguration": {"level": "note"}},
        {"id": "X1", "defaultConfiguration": {"level": "none"}},
        {"id": "W1", "defaultConfiguration": {"level": "warning"}},
        {"id": "D1"},
        {"id": "C1", "defaultConfiguration": {"enabled": true}}
    ])
}

fn variants() -> Vec<(&'static str, Value)> {
    let driver = |name: &str| json!({"driver": {"name": name, "rules": rules()}});
    vec![
        (
            "mixed-levels.sarif",
            log(json!([
                {"tool": driver("one"), "results": [
                    result("E1", json!({"level": "error"})),
                    result("E1", json!({"level": "warning"})),
                    result("N1", json!({"level": "note"})),
                    result("N1", json!({"level": "none"})),
                    result("unknown-rule", json!({"level": "error"})),
                ]},
                {"results": [result("R", json!({"level": "note"}))], "tool": driver("results-before-tool")},
            ])),
        ),
        (
            "rule-defaults.sarif",
            log(json!([{"tool": driver("defaults"), "results": [
                result("E1", json!({})),
                result("N1", json!({})),
                result("X1", json!({})),
                result("W1", json!({})),
                result("D1", json!({})),
                result("C1", json!({})),
                result("no-such-rule", json!({})),
                result("E1/sub-check", json!({})),
                {"ruleIndex": 1, "message": {"text": "by index only"}},
                {"rule": {"index": 0}, "message": {"text": "by rule.index"}},
                {"rule": {"id": "N1"}, "message": {"text": "by rule.id"}},
                result("E1", json!({"ruleIndex": 1})),
                result("N1", json!({"ruleIndex": 99})),
                {"message": {"text": "no rule at all"}},
            ]}])),
        ),
        (
            "kinds.sarif",
            log(json!([{"tool": driver("kinds"), "results": [
                result("E1", json!({"kind": "pass"})),
                result("E1", json!({"kind": "pass", "level": "note"})),
                result("E1", json!({"kind": "notApplicable"})),
                result("E1", json!({"kind": "review"})),
                result("E1", json!({"kind": "open"})),
                result("E1", json!({"kind": "informational"})),
                result("E1", json!({"kind": "review", "level": "error"})),
                result("E1", json!({"kind": "fail"})),
                result("N1", json!({"kind": "fail"})),
            ]}])),
        ),
        (
            "suppressions-and-baseline.sarif",
            log(
                json!([{"tool": driver("suppressions"), "baselineGuid": "b", "results": [
                    result("E1", json!({"suppressions": [{"kind": "inSource"}]})),
                    result("E1", json!({"suppressions": [{"kind": "external", "status": "accepted"}]})),
                    result("E1", json!({"suppressions": [{"kind": "external", "status": "underReview"}]})),
                    result("E1", json!({"suppressions": [{"kind": "external", "status": "rejected"}]})),
                    result("E1", json!({"suppressions": [{"status": "rejected"}, {"status": "accepted"}]})),
                    result("N1", json!({"suppressions": []})),
                    result("E1", json!({"baselineState": "absent"})),
                    result("W1", json!({"baselineState": "absent", "level": "error"})),
                    result("E1", json!({"baselineState": "new"})),
                    result("E1", json!({"baselineState": "unchanged"})),
                    result("E1", json!({"baselineState": "updated"})),
                ]}]),
            ),
        ),
        (
            "extensions.sarif",
            log(json!([{"tool": {
            "driver": {"name": "codeql", "rules": [{"id": "D", "defaultConfiguration": {"level": "note"}}]},
            "extensions": [
                {"name": "pack-a", "rules": [{"id": "A1", "defaultConfiguration": {"level": "error"}}]},
                {"name": "pack-b", "rules": [{"id": "B1", "defaultConfiguration": {"level": "note"}}]}
            ]},
            "results": [
                {"ruleId": "A1", "rule": {"id": "A1", "index": 0, "toolComponent": {"index": 0}}, "message": {"text": "by index"}},
                {"rule": {"index": 0, "toolComponent": {"name": "pack-b"}}, "message": {"text": "by name"}},
                result("A1", json!({})),
                result("D", json!({})),
                {"ruleId": "D", "rule": {"index": 0, "toolComponent": {"name": "codeql"}}, "message": {"text": "the driver by name"}},
            ]}])),
        ),
        (
            "invocation-override.sarif",
            log(json!([{
                "tool": driver("overrides"),
                "invocations": [{"executionSuccessful": true, "ruleConfigurationOverrides": [
                    {"descriptor": {"id": "E1"}, "configuration": {"level": "none"}},
                    {"descriptor": {"index": 1}, "configuration": {"level": "warning"}},
                    {"descriptor": {"id": "W1"}, "configuration": {"enabled": false}}
                ]}],
                "results": [
                    result("E1", json!({"provenance": {"invocationIndex": 0}})),
                    result("N1", json!({"provenance": {"invocationIndex": 0}})),
                    result("E1", json!({})),
                    result("E1", json!({"provenance": {"invocationIndex": 0}, "level": "warning"})),
                    result("W1", json!({"provenance": {"invocationIndex": 0}})),
                    result("E1", json!({"provenance": {"invocationIndex": 7}})),
                ],
            }])),
        ),
        ("runs-empty.sarif", log(json!([]))),
        ("runs-null.sarif", log(Value::Null)),
        (
            "results-null-and-missing.sarif",
            log(json!([
                {"tool": driver("a"), "results": null},
                {"tool": driver("b")},
                {"tool": driver("c"), "results": []},
            ])),
        ),
    ]
}

/// Three runs of 1000 results whose level, kind, rule, baseline state and suppression come
/// from a fixed linear congruential sequence: the same log on every run. Returns what the
/// comparison must find, computed while generating: the results left out, and the open
/// results without a level whose rule sarif-tools resolves otherwise (an extension's rule,
/// default `note`, that sarif-tools reads as the driver's rule 0, default `error`; and the
/// hierarchical id `E1/sub`, which sarif-tools does not match to `E1`).
fn large_mix() -> (Value, Expected) {
    let mut state: u64 = 0x5A21F;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((state >> 33) % n as u64).expect("small")
    };
    let levels = [
        None,
        None,
        Some("error"),
        Some("warning"),
        Some("note"),
        Some("none"),
    ];
    let kinds = [
        None,
        None,
        None,
        None,
        Some("fail"),
        Some("pass"),
        Some("notApplicable"),
        Some("review"),
    ];
    let rule_ids = ["E1", "N1", "X1", "W1", "D1", "C1", "missing", "E1/sub"];
    let states = [
        None,
        None,
        None,
        Some("new"),
        Some("unchanged"),
        Some("absent"),
    ];
    let statuses = [
        None,
        None,
        None,
        None,
        Some("accepted"),
        Some("underReview"),
        Some("rejected"),
    ];
    let (mut left_out, mut extension, mut hierarchical) = ([0u64; 3], 0u64, 0u64);
    let mut runs = Vec::new();
    for run in 0..3 {
        let mut results = Vec::new();
        for _ in 0..1000 {
            let level = levels[next(levels.len())];
            let kind = kinds[next(kinds.len())];
            let baseline = states[next(states.len())];
            let suppression = (next(5) == 0).then(|| statuses[next(statuses.len())]);
            let rule = rule_ids[next(rule_ids.len())];
            let in_extension = next(10) == 0;
            let mut result = if in_extension {
                json!({"rule": {"index": 0, "toolComponent": {"index": 0}}, "message": {"text": "extension rule"}})
            } else {
                json!({"ruleId": rule, "message": {"text": format!("{rule} found")}})
            };
            let fields = result.as_object_mut().expect("object");
            if let Some(level) = level {
                fields.insert("level".into(), json!(level));
            }
            if let Some(kind) = kind {
                fields.insert("kind".into(), json!(kind));
            }
            if let Some(state) = baseline {
                fields.insert("baselineState".into(), json!(state));
            }
            if let Some(status) = suppression {
                let one = status.map_or_else(
                    || json!({"kind": "inSource"}),
                    |s| json!({"kind": "external", "status": s}),
                );
                fields.insert("suppressions".into(), json!([one]));
            }
            results.push(result);
            if matches!(kind, Some("pass" | "notApplicable")) {
                left_out[0] += 1;
            } else if baseline == Some("absent") {
                left_out[1] += 1;
            } else if suppression.is_some_and(|s| matches!(s, None | Some("accepted"))) {
                left_out[2] += 1;
            } else if level.is_none() && matches!(kind, None | Some("fail")) {
                if in_extension {
                    extension += 1;
                } else if rule == "E1/sub" {
                    hierarchical += 1;
                }
            }
        }
        runs.push(json!({
            "tool": {"driver": {"name": format!("mix-{run}"), "rules": rules()},
                     "extensions": [{"name": "ext", "rules": [{"id": "XN", "defaultConfiguration": {"level": "note"}}]}]},
            "results": results,
        }));
    }
    let mut differs = Vec::new();
    if hierarchical > 0 {
        differs.push(("hierarchical-id: error -> warning".to_owned(), hierarchical));
    }
    if extension > 0 {
        differs.push(("extension-rule: note -> error".to_owned(), extension));
    }
    let expected = Expected {
        file: "large-mix.sarif".into(),
        left_out,
        differs,
    };
    (log(Value::Array(runs)), expected)
}
