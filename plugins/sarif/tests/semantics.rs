//! The counting rules on small hand-written logs: rule lookup (by index, by id, in
//! extensions, tool after results), level and severity defaults, kinds, baselines,
//! suppressions, message templates, bounded sets and the finding cap across files.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use common::{counts, list, parse_text};
use stagegate_plugin_sarif::level::SecuritySeverity;
use stagegate_plugin_sarif::tally::MAX_FINDINGS;
use stagegate_plugin_sarif::{Tally, parse_sarif, report};
use stagegate_sdk::FactValue;

fn log(runs: &str) -> String {
    format!(r#"{{"version": "2.1.0", "runs": [{runs}]}}"#)
}

#[test]
fn tool_after_results_still_resolves_rules() {
    let text = log(
        r#"{"results": [{"ruleId": "R1", "message": {"text": "m"}}, {"ruleIndex": 1, "message": {"text": "n"}}],
            "tool": {"driver": {"name": "late", "rules": [
              {"id": "R1", "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "9.8"}},
              {"id": "R2", "defaultConfiguration": {"level": "note"}}]}}}"#,
    );
    let tally = parse_text(&text).unwrap();
    assert_eq!(
        counts(&tally),
        "open=2 errors=1 warnings=0 notes=1 nones=0 critical=1 high=0 medium=0 low=1 \
         error_high=1 new=0 baseline=false suppressed=0 dropped=0"
    );
    assert_eq!(list(&tally.rules), "R1,R2");
    assert_eq!(tally.findings[1].message, "[late] R2: n");
}

#[test]
fn extension_rules_by_component_index_and_name() {
    let text = log(
        r#"{"tool": {"driver": {"name": "CodeQL", "rules": [{"id": "D0"}]},
                     "extensions": [
                       {"name": "pack-a", "rules": [{"id": "A0", "properties": {"security-severity": 3.0}}]},
                       {"name": "pack-b", "rules": [{"id": "B0", "defaultConfiguration": {"level": "error"}, "properties": {"security-severity": "7.1"}}]}]},
            "results": [
              {"rule": {"index": 0, "toolComponent": {"index": 1}}, "message": {"text": "b by index"}},
              {"ruleIndex": 0, "rule": {"toolComponent": {"name": "pack-a"}}, "message": {"text": "a by name"}},
              {"ruleId": "A0", "message": {"text": "a by id in an extension"}},
              {"ruleIndex": 0, "message": {"text": "driver"}}]}"#,
    );
    let tally = parse_text(&text).unwrap();
    assert_eq!(
        counts(&tally),
        "open=4 errors=1 warnings=3 notes=0 nones=0 critical=0 high=1 medium=1 low=2 \
         error_high=1 new=0 baseline=false suppressed=0 dropped=0"
    );
    assert_eq!(list(&tally.rules), "A0,B0,D0");
    assert_eq!(list(&tally.tools), "CodeQL");
}

#[test]
fn invocation_overrides_set_the_level_of_their_rules() {
    // §3.27.10: without a level, a result takes the level its invocation's
    // ruleConfigurationOverrides give its rule (by descriptor id or index, the extension
    // named by toolComponent included), before the rule's default. Invocations may follow
    // the results; results of another invocation, or of none, keep the default.
    let text = log(r#"{"results": [
              {"ruleId": "E1", "provenance": {"invocationIndex": 0}, "message": {"text": "overridden by id"}},
              {"ruleId": "N1", "provenance": {"invocationIndex": 0}, "message": {"text": "overridden by index"}},
              {"ruleId": "X1", "provenance": {"invocationIndex": 0}, "message": {"text": "extension rule"}},
              {"ruleId": "W1", "provenance": {"invocationIndex": 0}, "message": {"text": "override without a level"}},
              {"ruleId": "E1", "provenance": {"invocationIndex": 0}, "level": "warning", "message": {"text": "own level"}},
              {"ruleId": "E1", "provenance": {"invocationIndex": 0}, "kind": "review", "message": {"text": "not a failure"}},
              {"ruleId": "E1", "provenance": {"invocationIndex": 1}, "message": {"text": "other invocation"}},
              {"ruleId": "E1", "provenance": {"invocationIndex": 9}, "message": {"text": "no such invocation"}},
              {"ruleId": "E1", "message": {"text": "no provenance"}}],
            "tool": {"driver": {"name": "t", "rules": [
                       {"id": "E1", "defaultConfiguration": {"level": "error"}},
                       {"id": "N1", "defaultConfiguration": {"level": "note"}},
                       {"id": "W1"}]},
                     "extensions": [{"name": "ext", "rules": [{"id": "X1", "defaultConfiguration": {"level": "error"}}]}]},
            "invocations": [
              {"executionSuccessful": true, "ruleConfigurationOverrides": [
                {"descriptor": {"id": "E1"}, "configuration": {"level": "none"}},
                {"descriptor": {"index": 1}, "configuration": {"level": "warning"}},
                {"descriptor": {"index": 0, "toolComponent": {"name": "ext"}}, "configuration": {"level": "note"}},
                {"descriptor": {"id": "W1"}, "configuration": {"enabled": false}}]},
              {"executionSuccessful": true}]}"#);
    let tally = parse_text(&text).unwrap();
    assert_eq!(
        (tally.errors, tally.warnings, tally.notes, tally.nones),
        (3, 3, 1, 2),
        "{}",
        counts(&tally)
    );
    let wrong = log(r#"{"tool": {"driver": {"name": "t"}}, "invocations": {"x": 1}}"#);
    assert!(parse_text(&wrong).is_err());
}

#[test]
fn result_scores_beat_rule_scores_and_levels() {
    let text = log(
        r#"{"tool": {"driver": {"name": "t", "rules": [{"id": "R", "properties": {"security-severity": "2.0"}}]}},
            "results": [
              {"ruleId": "R", "level": "error", "properties": {"security-severity": "9.0"}},
              {"ruleId": "R", "level": "error"},
              {"ruleId": "X", "level": "error", "properties": {"security-severity": "not a number"}},
              {"ruleId": "X", "level": "warning", "properties": {"security-severity": 0}},
              {"ruleId": "R/sub", "level": "note"}]}"#,
    );
    let tally = parse_text(&text).unwrap();
    // 9.0 critical; rule 2.0 low; unparsable -> level error -> high; 0 -> none; R/sub -> rule R 2.0 low.
    assert_eq!(
        counts(&tally),
        "open=5 errors=3 warnings=1 notes=1 nones=0 critical=1 high=1 medium=0 low=2 \
         error_high=2 new=0 baseline=false suppressed=0 dropped=0"
    );
    let severities: Vec<_> = tally.findings.iter().map(|f| f.severity).collect();
    assert_eq!(
        severities,
        [
            SecuritySeverity::Critical,
            SecuritySeverity::Low,
            SecuritySeverity::High,
            SecuritySeverity::None,
            SecuritySeverity::Low
        ]
    );
}

#[test]
fn kinds_baselines_and_suppressions() {
    let text = log(
        r#"{"tool": {"driver": {"name": "t", "rules": [{"id": "R", "defaultConfiguration": {"level": "error"}}]}},
            "results": [
              {"ruleId": "R", "kind": "pass"},
              {"ruleId": "R", "kind": "notApplicable", "level": "error"},
              {"ruleId": "R", "kind": "review"},
              {"ruleId": "R", "kind": "informational", "level": "note"},
              {"ruleId": "R", "baselineState": "absent"},
              {"ruleId": "R", "baselineState": "new"},
              {"ruleId": "R", "baselineState": "new", "suppressions": [{"kind": "inSource"}]},
              {"ruleId": "R", "suppressions": [{"kind": "external", "status": "accepted"}]},
              {"ruleId": "R", "suppressions": [{"kind": "external", "status": "underReview"}]},
              {"ruleId": "R", "suppressions": [{"kind": "external", "status": "rejected"}]},
              {"ruleId": "R", "suppressions": []}]}"#,
    );
    let tally = parse_text(&text).unwrap();
    // open: review (none), informational (note), new (error), underReview, rejected, [] (errors);
    // suppressed: inSource without status, and accepted; absent, pass, notApplicable: not counted
    assert_eq!(
        counts(&tally),
        "open=6 errors=4 warnings=0 notes=1 nones=1 critical=0 high=4 medium=0 low=1 \
         error_high=4 new=1 baseline=true suppressed=2 dropped=0"
    );
}

#[test]
fn baseline_guid_marks_a_baseline() {
    let tally = parse_text(&log(
        r#"{"tool": {"driver": {"name": "t"}}, "baselineGuid": "0", "results": []}"#,
    ))
    .unwrap();
    assert!(tally.baseline_present);
    let tally = parse_text(&log(
        r#"{"tool": {"driver": {"name": "t"}}, "results": null}"#,
    ))
    .unwrap();
    assert!(!tally.baseline_present);
    let tally = parse_text(r#"{"version": "2.1.0", "runs": null}"#).unwrap();
    assert_eq!(tally.open, 0);
}

#[test]
fn message_templates_locations_and_trimming() {
    let long = "word ".repeat(200);
    let text = log(&format!(
        r#"{{"tool": {{"driver": {{"name": "t", "rules": [{{"id": "C1",
              "messageStrings": {{"default": {{"text": "Variable \"{{0}}\" used at {{1}}."}}}}}}]}}}},
            "results": [
              {{"ruleId": "C1", "message": {{"id": "default", "arguments": ["ptr", "line 8"]}},
                "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "src/a.c"}}, "region": {{"startLine": 15}}}}}}]}},
              {{"ruleId": "C1", "message": {{"text": "  {long}\n"}}, "locations": []}},
              {{"message": {{"text": "no rule"}}, "locations": [{{"physicalLocation": {{"region": {{"startLine": 3}}}}}}]}}]}}"#
    ));
    let tally = parse_text(&text).unwrap();
    let first = &tally.findings[0];
    assert_eq!(first.message, r#"[t] C1: Variable "ptr" used at line 8."#);
    assert_eq!((first.path.as_str(), first.line), ("src/a.c", Some(15)));
    let second = &tally.findings[1];
    assert_eq!(second.message.chars().count(), "[t] C1: ".len() + 300 + 1);
    assert!(second.message.ends_with("wor…") || second.message.ends_with('…'));
    assert_eq!((second.path.as_str(), second.line), ("input.sarif", None));
    assert_eq!(tally.findings[2].message, "[t] no rule");
    assert_eq!(tally.findings[2].line, None);
}

#[test]
fn sets_are_bounded_and_order_independent() {
    let results: Vec<String> = (0..150)
        .rev()
        .map(|i| {
            format!(
                r#"{{"ruleId": "rule-{i:03}{}"}}"#,
                if i == 0 {
                    "x".repeat(300)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    let tools: Vec<String> = (0..120)
        .map(|i| format!(r#"{{"tool": {{"driver": {{"name": "tool-{i:03}"}}}}}}"#))
        .collect();
    let text = log(&format!(
        r#"{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{}]}}, {}"#,
        results.join(","),
        tools.join(",")
    ));
    let tally = parse_text(&text).unwrap();
    assert_eq!(tally.rules.len(), 100);
    let first = tally.rules.first().unwrap();
    assert_eq!(first.chars().count(), 201);
    assert!(first.starts_with("rule-000xxx") && first.ends_with('…'));
    assert_eq!(tally.rules.last().unwrap(), "rule-099");
    assert_eq!(tally.tools.len(), 100);
    assert_eq!(tally.tools.last().unwrap(), "tool-098");
}

#[test]
fn the_finding_cap_spans_files_and_is_reported() {
    let results: Vec<&str> = vec![r#"{"ruleId": "R", "level": "error"}"#; 700];
    let text = log(&format!(
        r#"{{"tool": {{"driver": {{"name": "t"}}}}, "results": [{}]}}"#,
        results.join(",")
    ));
    let mut tally = Tally::default();
    parse_sarif(text.as_bytes(), "a.sarif", &mut tally).unwrap();
    parse_sarif(text.as_bytes(), "b.sarif", &mut tally).unwrap();
    assert_eq!(tally.inputs, 2);
    assert_eq!(tally.open, 1400);
    assert_eq!(tally.findings.len(), MAX_FINDINGS);
    assert_eq!(tally.findings_dropped, 400);
    let evaluation = report::evaluation(&tally);
    assert_eq!(evaluation.findings.len(), MAX_FINDINGS + 1);
    let last = evaluation.findings.last().unwrap();
    assert_eq!(last.rule, "sarif/findings-capped");
    assert!(last.message.starts_with("400 more open results"));
    assert_eq!(evaluation.findings[0].rule, "sarif/result");
    let dropped = evaluation
        .facts
        .iter()
        .find(|f| f.name == "findings_dropped")
        .unwrap();
    assert!(matches!(dropped.value, FactValue::Long(400)));
}
