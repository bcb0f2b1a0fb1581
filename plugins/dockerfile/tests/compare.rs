//! Re-checks, on the stored raw outputs of hadolint 2.15.1 and checkov 3.3.30
//! (`tests/fixtures/dockerfile/{hadolint,checkov}/`), the agreement recorded
//! in `plugins/dockerfile/COMPARISON.md`: per fixture and rule, the plugin
//! and the tools agree except for the differences listed here, each with the
//! reason. CI needs no PyPI for it; a change of behaviour on either side
//! fails this test until COMPARISON.md and the lists below say why.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

use stagegate_sdk::EvaluationExt;
use std::collections::BTreeSet;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/dockerfile"
);

/// Files hadolint 2.15.1 cannot parse (DL1000): here-documents after a first one, a
/// `--mount` without `type`, and the hostile files. The plugin reads all but the binary one.
const HADOLINT_PARSE_FAILURES: [&str; 6] = [
    "docker_buildx_Dockerfile",
    "handmade_heredocs-and-exec-forms",
    "handmade_risky",
    "hostile_binary",
    "hostile_refused-by-docker",
    "hostile_unterminated-heredoc",
];

/// CKV_DOCKER_7 fails, latest_bases is 0: checkov does not substitute ARGs.
/// `FROM ${base}` (no default: the plugin counts it unpinned, not latest), `FROM
/// $ROOT_CONTAINER` (= ubuntu:22.04), and `FROM` without an image (malformed).
const LATEST_CHECKOV_ONLY: [&str; 3] = [
    "gitpod-io_workspace-images_chunks_lang-rust_Dockerfile",
    "jupyter_docker-stacks_images_docker-stacks-foundation_Dockerfile",
    "hostile_refused-by-docker",
];

/// Root disagreements with checkov (CKV_DOCKER_3 no USER anywhere, CKV_DOCKER_8 last
/// USER in the file is literally `root`): the inherited-user file ends with a `debug`
/// stage's `USER root`, but its final stage inherits `USER app`; the Windows file's
/// `USER ContainerAdministrator` is the Windows administrator, which checkov does not know;
/// the hostile file's `USER` names nobody (malformed: no user is set), which checkov
/// takes as a USER instruction.
const ROOT_DIFFERS_FROM_CHECKOV: [&str; 3] = [
    "handmade_inherited-user",
    "handmade_windows-escape",
    "hostile_refused-by-docker",
];

/// hadolint's DL3002 fires on a `USER root` that is last in any stage; only the final
/// stage's user counts here.
const DL3002_NOT_ROOT: [&str; 1] = ["handmade_inherited-user"];

/// CKV_DOCKER_4 flags every ADD; remote_adds counts only remote sources without
/// `--checksum`. These have local ADDs only, or a verified remote one.
const ADD_LOCAL_OR_VERIFIED: [&str; 3] = [
    "GoogleContainerTools_distroless_examples_go_Dockerfile",
    "GoogleContainerTools_distroless_examples_nodejs_node-express_Dockerfile",
    "handmade_fixed",
];

/// Neither tool has a rule for downloads run by a shell (hadolint's DL4006 is about
/// `pipefail`); these are the files where the plugin finds one.
const REMOTE_CODE: [&str; 4] = [
    "gitpod-io_workspace-images_chunks_lang-rust_Dockerfile",
    "handmade_heredocs-and-exec-forms",
    "handmade_risky",
    "handmade_windows-escape",
];

/// hadolint rules about package hygiene the plugin also judges (recommends, apt lists,
/// apk cache, dnf/yum clean). Version pinning (DL3008, DL3018, DL3041) is not judged.
const HYGIENE_RULES: [&str; 5] = ["DL3009", "DL3015", "DL3019", "DL3032", "DL3040"];

struct Fixture {
    name: String,
    hadolint: BTreeSet<String>,
    checkov_failed: BTreeSet<String>,
    ours: Option<stagegate_sdk::Evaluation>,
}

impl Fixture {
    fn ours(&self, fact: &str) -> bool {
        self.ours.as_ref().unwrap().long(fact).unwrap() > 0
    }
    fn hadolint_parsed(&self) -> bool {
        !self.hadolint.contains("DL1000")
    }
    fn hadolint_any(&self, codes: &[&str]) -> bool {
        codes.iter().any(|c| self.hadolint.contains(*c))
    }
    fn checkov(&self, id: &str) -> bool {
        self.checkov_failed.contains(id)
    }
}

fn fixtures() -> Vec<Fixture> {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(".Dockerfile").map(str::to_owned))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let read = |dir: &str| -> serde_json::Value {
                let text = std::fs::read_to_string(format!("{DIR}/{dir}/{name}.json")).unwrap();
                serde_json::from_str(&text).unwrap()
            };
            let hadolint = read("hadolint")
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.get("code").and_then(|c| c.as_str()).unwrap().to_owned())
                .collect();
            let checkov = read("checkov");
            let checkov_failed = checkov
                .pointer("/results/failed_checks")
                .and_then(|v| v.as_array())
                .map(|checks| {
                    checks
                        .iter()
                        .map(|c| {
                            c.get("check_id")
                                .and_then(|i| i.as_str())
                                .unwrap()
                                .to_owned()
                        })
                        .collect()
                })
                .unwrap_or_default();
            let path = format!("{name}.Dockerfile");
            let bytes = std::fs::read(format!("{DIR}/{path}")).unwrap();
            let ours = stagegate_plugin_dockerfile::evaluate_files(
                vec![(path, Ok(&bytes[..]))],
                "{}",
                &mut |_| {},
            )
            .ok();
            Fixture {
                name,
                hadolint,
                checkov_failed,
                ours,
            }
        })
        .collect()
}

fn listed(list: &[&str], name: &str) -> bool {
    list.contains(&name)
}

#[test]
fn every_fixture_has_both_tool_outputs() {
    let all = fixtures();
    assert_eq!(all.len(), 30);
    let failures: Vec<&str> = all
        .iter()
        .filter(|f| !f.hadolint_parsed())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(failures, HADOLINT_PARSE_FAILURES);
    let unread: Vec<&str> = all
        .iter()
        .filter(|f| f.ours.is_none())
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(unread, vec!["hostile_binary"]);
    // checkov found no Dockerfile resource in the binary file either.
    let binary = all.iter().find(|f| f.name == "hostile_binary").unwrap();
    assert!(binary.checkov_failed.is_empty());
}

#[test]
fn latest_and_untagged_bases() {
    let mut disagreements = Vec::new();
    for f in fixtures().iter().filter(|f| f.ours.is_some()) {
        let ours = f.ours("latest_bases");
        if f.hadolint_parsed() && ours != f.hadolint_any(&["DL3006", "DL3007"]) {
            disagreements.push(format!("{} (hadolint)", f.name));
        }
        let checkov = f.checkov("CKV_DOCKER_7");
        if ours != checkov && !(checkov && listed(&LATEST_CHECKOV_ONLY, &f.name)) {
            disagreements.push(format!("{} (checkov)", f.name));
        }
        if ours == checkov && listed(&LATEST_CHECKOV_ONLY, &f.name) {
            disagreements.push(format!(
                "{} now agrees with checkov: update the list",
                f.name
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:?}");
}

#[test]
fn final_stage_runs_as_root() {
    let mut disagreements = Vec::new();
    for f in fixtures().iter().filter(|f| f.ours.is_some()) {
        let ours = f.ours("runs_as_root");
        let checkov = f.checkov("CKV_DOCKER_3") || f.checkov("CKV_DOCKER_8");
        if (ours != checkov) != listed(&ROOT_DIFFERS_FROM_CHECKOV, &f.name) {
            disagreements.push(format!("{} (checkov: {checkov}, ours: {ours})", f.name));
        }
        let dl3002 = f.hadolint.contains("DL3002");
        if (dl3002 && !ours) != listed(&DL3002_NOT_ROOT, &f.name) {
            disagreements.push(format!("{} (DL3002: {dl3002}, ours: {ours})", f.name));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:?}");
}

#[test]
fn remote_adds_are_adds() {
    let mut disagreements = Vec::new();
    for f in fixtures().iter().filter(|f| f.ours.is_some()) {
        let ours = f.ours("remote_adds");
        let checkov = f.checkov("CKV_DOCKER_4");
        if ours && !checkov {
            disagreements.push(format!("{}: a remote ADD checkov did not flag", f.name));
        }
        if (checkov && !ours) != listed(&ADD_LOCAL_OR_VERIFIED, &f.name) {
            disagreements.push(format!("{} (checkov: {checkov}, ours: {ours})", f.name));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:?}");
}

#[test]
fn package_hygiene() {
    let mut disagreements = Vec::new();
    for f in fixtures()
        .iter()
        .filter(|f| f.ours.is_some() && f.hadolint_parsed())
    {
        if f.ours("package_hygiene") != f.hadolint_any(&HYGIENE_RULES) {
            disagreements.push(f.name.clone());
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:?}");
}

#[test]
fn downloads_run_by_a_shell_have_no_counterpart() {
    let found: Vec<String> = fixtures()
        .into_iter()
        .filter(|f| f.ours.is_some() && f.ours("curl_pipe_shell"))
        .map(|f| f.name)
        .collect();
    assert_eq!(found, REMOTE_CODE);
}
