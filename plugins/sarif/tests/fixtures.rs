//! Every real SARIF fixture, parsed the way the plugin does, with exact expected counts.
//!
//! Independent check: the jq program below applies the same rules (skip kind pass/
//! notApplicable and baselineState absent; suppressed = any suppression with status accepted
//! or none; level = result level, else the rule's defaultConfiguration.level, else warning,
//! none for other kinds; severity = security-severity of the result, else the rule, else
//! error→high, warning→medium, note→low). Run inside `tests/fixtures/sarif/` as
//! `jq -c "$JQ" FILE`, it prints suppressed, open, new, error_high and the level and severity
//! histograms of open results:
//!
//! JQ='[.runs[] | (.tool.driver.rules // []) as $r | .results[]? | select((.kind // "fail") | IN("pass","notApplicable") | not) | select(.baselineState != "absent") | {s: any(.suppressions[]?; (.status // "accepted") == "accepted"), new: (.baselineState == "new"), rule: (if .ruleIndex then $r[.ruleIndex] else (.ruleId as $id | $r | map(select(.id == $id)) | first) end), r: .} | .level = (.r.level // (if (.r.kind // "fail") == "fail" then (.rule.defaultConfiguration.level // "warning") else "none" end)) | (.r.properties["security-severity"] // .rule.properties["security-severity"]) as $x | .sev = (if $x then ($x | tonumber | if . >= 9 then "critical" elif . >= 7 then "high" elif . >= 4 then "medium" elif . > 0 then "low" else "none" end) else {"error":"high","warning":"medium","note":"low","none":"none"}[.level] end)] | {suppressed: map(select(.s)) | length} + (map(select(.s | not)) | {open: length, new: map(select(.new)) | length, error_high: map(select(.level == "error" and (.sev == "high" or .sev == "critical"))) | length, levels: (group_by(.level) | map({(.[0].level): length}) | add), sev: (group_by(.sev) | map({(.[0].sev): length}) | add)})'

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use common::{counts, list, parse};
use stagegate_plugin_sarif::ParseError;
use stagegate_plugin_sarif::level::SecuritySeverity;

fn check(name: &str, expected: &str) -> stagegate_plugin_sarif::Tally {
    let tally = parse(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(counts(&tally), expected, "{name}");
    assert_eq!(tally.inputs, 1);
    tally
}

#[test]
fn trivy_rule_security_severity() {
    // jq -c '[.runs[] | .tool.driver.rules as $r | .results[] | $r[.ruleIndex].properties["security-severity"] | tonumber | if . >= 9 then "critical" elif . >= 7 then "high" elif . >= 4 then "medium" else "low" end] | group_by(.) | map({(.[0]): length}) | add' trivy_alpine-310.sarif
    // prints {"medium":4}  (both rules score 5.3; results are level warning)
    let tally = check(
        "trivy_alpine-310.sarif",
        "open=4 errors=0 warnings=4 notes=0 nones=0 critical=0 high=0 medium=4 low=0 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
    // jq -c '[.runs[].results[].ruleId] | unique' trivy_alpine-310.sarif
    assert_eq!(list(&tally.rules), "CVE-2019-1549,CVE-2019-1551");
    assert_eq!(list(&tally.tools), "Trivy");
    let first = &tally.findings[0];
    assert_eq!(first.severity, SecuritySeverity::Medium);
    assert_eq!(first.path, "testdata/fixtures/images/alpine-310.tar.gz");
    assert_eq!(first.line, Some(1));
    assert_eq!(
        first.message,
        "[Trivy] CVE-2019-1549: Package: libcrypto1.1 Installed Version: 1.1.1c-r0 \
         Vulnerability CVE-2019-1549 Severity: MEDIUM Fixed Version: 1.1.1d-r0 Link: \
         [CVE-2019-1549](https://avd.aquasec.com/nvd/cve-2019-1549)"
    );
}

#[test]
fn grype_rule_scores_beat_levels() {
    // jq -c "$JQ" grype_image.sarif
    // prints {"suppressed":0,"open":2,"new":0,"error_high":1,"levels":{"error":1,"note":1},"sev":{"high":2}}
    check(
        "grype_image.sarif",
        "open=2 errors=1 warnings=0 notes=1 nones=0 critical=0 high=2 medium=0 low=0 \
         error_high=1 new=0 baseline=false suppressed=0 dropped=0",
    );
}

#[test]
fn taint_python_baseline_state_new() {
    // jq '[.runs[].results[] | select(.baselineState == "new")] | length' taint-python_baselinestate.sarif
    // prints 11
    // jq -c '[.runs[] | .tool.driver.rules as $r | .results[] | (.level // $r[.ruleIndex].defaultConfiguration.level // "warning")] | group_by(.) | map({(.[0]): length}) | add' taint-python_baselinestate.sarif
    // prints {"error":8,"note":2,"warning":1}
    let tally = check(
        "taint-python_baselinestate.sarif",
        "open=11 errors=8 warnings=1 notes=2 nones=0 critical=0 high=8 medium=1 low=2 \
         error_high=8 new=11 baseline=true suppressed=0 dropped=0",
    );
    assert_eq!(
        list(&tally.rules),
        "taint-basic-xss,taint-file-write,taint-idor,taint-xmli"
    );
    assert_eq!(list(&tally.tools), "Python Security Analysis");
}

#[test]
fn appendix_k_suppression_without_status_is_not_open() {
    // jq '[.runs[].results[] | select(any(.suppressions[]?; (.status // "accepted") == "accepted"))] | length' spec-appendix-k_suppressions.sarif
    // prints 1  (its only result; baselineState "existing", run.baselineGuid present)
    let tally = check(
        "spec-appendix-k_suppressions.sarif",
        "open=0 errors=0 warnings=0 notes=0 nones=0 critical=0 high=0 medium=0 low=0 \
         error_high=0 new=0 baseline=true suppressed=1 dropped=0",
    );
    assert!(tally.rules.is_empty());
    assert!(tally.findings.is_empty());
    assert_eq!(list(&tally.tools), "CodeScanner");
}

#[test]
fn multitool_merge_four_runs_four_tools() {
    // jq -c "$JQ" multitool-merge_4-runs_checkov-gitleaks-hadolint-semgrep.sarif
    // prints {"suppressed":0,"open":52,"new":0,"error_high":15,"levels":{"error":15,"note":5,"warning":32},"sev":{"high":15,"low":5,"medium":32}}
    let tally = check(
        "multitool-merge_4-runs_checkov-gitleaks-hadolint-semgrep.sarif",
        "open=52 errors=15 warnings=32 notes=5 nones=0 critical=0 high=15 medium=32 low=5 \
         error_high=15 new=0 baseline=false suppressed=0 dropped=0",
    );
    // jq -c '[.runs[].tool.driver.name]' prints ["Checkov","gitleaks","Hadolint","Semgrep OSS"]
    assert_eq!(list(&tally.tools), "Checkov,Hadolint,Semgrep OSS,gitleaks");
    // jq '[.runs[].results[].ruleId] | unique | length' prints 25
    assert_eq!(tally.rules.len(), 25);
}

#[test]
fn flawfinder_skips_the_pass_result() {
    // jq -c "$JQ" flawfinder.sarif
    // prints {"suppressed":0,"open":53,"new":0,"error_high":2,"levels":{"error":2,"note":50,"warning":1},"sev":{"high":2,"low":50,"medium":1}}
    // (54 results, one of kind "pass"; one result without a message)
    let tally = check(
        "flawfinder.sarif",
        "open=53 errors=2 warnings=1 notes=50 nones=0 critical=0 high=2 medium=1 low=50 \
         error_high=2 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(tally.findings.len(), 53);
}

#[test]
fn codeql_levels_from_rule_defaults() {
    // jq -c "$JQ" codeql_defectdojo-sample.sarif
    // prints {"suppressed":0,"open":72,"new":0,"error_high":11,"levels":{"error":11,"note":57,"warning":4},"sev":{"high":11,"low":57,"medium":4}}
    let tally = check(
        "codeql_defectdojo-sample.sarif",
        "open=72 errors=11 warnings=4 notes=57 nones=0 critical=0 high=11 medium=4 low=57 \
         error_high=11 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(tally.rules.len(), 13);
}

#[test]
fn bandit() {
    // jq -c "$JQ" bandit_ansible-core-2.19.14.sarif
    // prints {"suppressed":0,"open":189,"new":0,"error_high":6,"levels":{"error":6,"note":148,"warning":35},"sev":{"high":6,"low":148,"medium":35}}
    let tally = check(
        "bandit_ansible-core-2.19.14.sarif",
        "open=189 errors=6 warnings=35 notes=148 nones=0 critical=0 high=6 medium=35 low=148 \
         error_high=6 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(tally.rules.len(), 23);
}

#[test]
fn checkov_iac_and_plan() {
    check(
        "checkov_iac-insecure-mixed.sarif",
        "open=121 errors=121 warnings=0 notes=0 nones=0 critical=0 high=121 medium=0 low=0 \
         error_high=121 new=0 baseline=false suppressed=0 dropped=0",
    );
    let plan = check(
        "checkov_terraform-plan_tfc-aws-29-creates.sarif",
        "open=8 errors=8 warnings=0 notes=0 nones=0 critical=0 high=8 medium=0 low=0 \
         error_high=8 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(
        list(&plan.rules),
        "CKV2_AWS_11,CKV2_AWS_12,CKV2_AWS_19,CKV_AWS_130"
    );
}

#[test]
fn eslint_warnings_only() {
    let tally = check(
        "eslint-10.15_microsoft-sarif-formatter_cart-service.sarif",
        "open=10 errors=0 warnings=10 notes=0 nones=0 critical=0 high=0 medium=10 low=0 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(list(&tally.rules), "complexity,max-len");
    assert!(tally.findings[0].path.starts_with("file:///"));
}

#[test]
fn gitleaks_findings_never_carry_the_snippet() {
    let tally = check(
        "gitleaks-8.30.1_dir_planted.sarif",
        "open=10 errors=0 warnings=10 notes=0 nones=0 critical=0 high=0 medium=10 low=0 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
    // jq -r '.runs[].results[].locations[].physicalLocation.region.snippet.text' lists the
    // matched secrets; none of them may appear in a finding.
    let snippets =
        std::fs::read_to_string(common::fixture("gitleaks-8.30.1_dir_planted.sarif")).unwrap();
    let log: serde_json::Value = serde_json::from_str(&snippets).unwrap();
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let secret = result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"]
            .as_str()
            .unwrap();
        for finding in &tally.findings {
            assert!(
                !finding.message.contains(secret.trim()),
                "{}",
                finding.message
            );
        }
    }
    assert_eq!(tally.rules.len(), 6);
}

#[test]
fn hadolint_without_rule_metadata() {
    check(
        "hadolint-2.15.1_ubuntu-latest-dockerfile.sarif",
        "open=10 errors=1 warnings=6 notes=3 nones=0 critical=0 high=1 medium=6 low=3 \
         error_high=1 new=0 baseline=false suppressed=0 dropped=0",
    );
}

#[test]
fn owasp_dependency_check() {
    check(
        "owasp-dependency-check.sarif",
        "open=13 errors=13 warnings=0 notes=0 nones=0 critical=0 high=13 medium=0 low=0 \
         error_high=13 new=0 baseline=false suppressed=0 dropped=0",
    );
}

#[test]
fn ruff_large_caps_findings() {
    let tally = check(
        "ruff_ansible-core-2.19.14_module_utils.sarif",
        "open=1976 errors=1976 warnings=0 notes=0 nones=0 critical=0 high=1976 medium=0 \
         low=0 error_high=1976 new=0 baseline=false suppressed=0 dropped=976",
    );
    assert_eq!(tally.findings.len(), 1000);
    assert_eq!(tally.rules.len(), 74);
}

#[test]
fn semgrep_owasp_benchmark_caps_findings() {
    let tally = check(
        "semgrep_owasp-benchmark.sarif",
        "open=1768 errors=0 warnings=1768 notes=0 nones=0 critical=0 high=0 medium=1768 \
         low=0 error_high=0 new=0 baseline=false suppressed=0 dropped=768",
    );
    assert_eq!(tally.findings.len(), 1000);
}

#[test]
fn semgrep_local_rules() {
    // jq -c "$JQ" semgrep_local-rules_ansible-core-2.19.14.sarif
    // prints {"suppressed":0,"open":28,"new":0,"error_high":10,"levels":{"error":10,"note":2,"warning":16},"sev":{"high":10,"low":2,"medium":16}}
    let tally = check(
        "semgrep_local-rules_ansible-core-2.19.14.sarif",
        "open=28 errors=10 warnings=16 notes=2 nones=0 critical=0 high=10 medium=16 low=2 \
         error_high=10 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(tally.rules.len(), 5);
}

#[test]
fn fortify_rules_by_index_only() {
    // jq -c "$JQ" sarif-sdk_fortify-large.sarif
    // prints {"suppressed":0,"open":452,"new":0,"error_high":77,"levels":{"error":77,"note":209,"warning":166},"sev":{"high":77,"low":209,"medium":166}}
    // jq '[.runs[] | .tool.driver.rules as $r | .results[] | $r[.ruleIndex].id] | unique | length' prints 39
    let tally = check(
        "sarif-sdk_fortify-large.sarif",
        "open=452 errors=77 warnings=166 notes=209 nones=0 critical=0 high=77 medium=166 \
         low=209 error_high=77 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(tally.rules.len(), 39);
    // Locations name artifacts by index only: the finding points at the SARIF file, no line.
    assert_eq!(tally.findings[0].path, "sarif-sdk_fortify-large.sarif");
    assert_eq!(tally.findings[0].line, None);
}

#[test]
fn spotbugs_notes() {
    check(
        "spotbugs.sarif",
        "open=56 errors=0 warnings=0 notes=56 nones=0 critical=0 high=0 medium=0 low=56 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
}

#[test]
fn nessus_two_runs_no_results() {
    let tally = check(
        "sarif-sdk_nessus-no-results.sarif",
        "open=0 errors=0 warnings=0 notes=0 nones=0 critical=0 high=0 medium=0 low=0 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(list(&tally.tools), "Nessus");
}

#[test]
fn utf8_bom_is_accepted() {
    let tally = check(
        "sarif-sdk_utf8-bom.sarif",
        "open=5 errors=0 warnings=5 notes=0 nones=0 critical=0 high=0 medium=5 low=0 \
         error_high=0 new=0 baseline=false suppressed=0 dropped=0",
    );
    assert_eq!(list(&tally.rules), "CSCAN0050/0,CSCAN0060/0");
}

#[test]
fn other_versions_are_rejected_by_name() {
    for (name, version) in [
        ("sarif-sdk_androidstudio-10-runs.sarif", "2.0.0"),
        ("sarif-sdk_pylint-large.sarif", "2.0.0"),
        ("sarif-sdk_spec-comprehensive.sarif", "2.0.0"),
        ("sarif-sdk_spec-minimal.sarif", "2.0.0"),
        ("sarif-sdk_v1-binskim.sarif", "1.0.0"),
    ] {
        let error = parse(name).unwrap_err();
        assert!(
            matches!(&error, ParseError::Version { found, .. } if found == version),
            "{name}: {error}"
        );
        assert!(
            error.to_string().starts_with(&format!(
                "`{name}` is SARIF version `{version}`; only version 2.1.0 is supported"
            )),
            "{error}"
        );
    }
}

/// `inputs` counts the files with at least one run that names its tool driver: every real
/// scan counts, a clean one too (Nessus with empty `results`); logs where no tool ran do not.
#[test]
fn inputs_count_files_with_a_run_of_a_named_tool() {
    let dir = common::fixture("");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sarif"))
        .collect();
    names.sort();
    let mut read = 0;
    for name in &names {
        // Logs of other SARIF versions are refused (tested above), not counted.
        let Ok(tally) = parse(name) else { continue };
        assert_eq!(tally.inputs, 1, "{name}");
        assert!(tally.runs >= 1, "{name}");
        read += 1;
    }
    assert!(read >= 20, "{read} fixtures read");
    let clean = parse("sarif-sdk_nessus-no-results.sarif").unwrap();
    assert_eq!((clean.inputs, clean.open), (1, 0));

    for (runs, inputs) in [
        ("[]", 0),
        ("null", 0),
        (r#"[{"results": []}]"#, 0),
        (r#"[{"tool": {}, "results": []}]"#, 0),
        (
            r#"[{"tool": {"driver": {"name": "scan"}}, "results": []}]"#,
            1,
        ),
        (
            r#"[{"tool": {}}, {"tool": {"driver": {"name": "scan"}}}]"#,
            1,
        ),
    ] {
        let text = format!(r#"{{"version": "2.1.0", "runs": {runs}}}"#);
        let tally = common::parse_text(&text).unwrap();
        assert_eq!(tally.inputs, inputs, "{runs}");
    }
}

use stagegate_sdk::text::bom::utf16_with_mark as utf16;

#[test]
fn utf16_logs_with_a_byte_order_mark_are_read() {
    use stagegate_sdk::text::bom::BomReader;
    for name in ["trivy_alpine-310.sarif", "sarif-sdk_utf8-bom.sarif"] {
        let text = std::fs::read_to_string(common::fixture(name)).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        let plain = counts(&parse(name).unwrap());
        for little_endian in [true, false] {
            let bytes = utf16(text, little_endian);
            let reader = std::io::BufReader::new(BomReader::new(&bytes[..]));
            let tally = stagegate_plugin_sarif::parse_one(reader, name).unwrap();
            assert_eq!(counts(&tally), plain, "{name} {little_endian}");
            assert_eq!(tally.inputs, 1);
        }
    }
}
