//! SARIF 2.1.0 for code scanning: one run per plugin, whose `tool.driver` is
//! the plugin with the rules its findings name. A finding with a path is a
//! result with a relative `artifactLocation.uri` and a `region.startLine`;
//! one without a path is a notification of the run's invocation (code
//! scanning rejects results without a location). Every run's invocation
//! carries the gate's decision and the policies that decided it.
//!
//! GitHub's upload limits are kept: at most 20 runs, 25,000 results and
//! 25,000 rules per run, and a distinct `automationDetails.id` per run,
//! `stagegate/STAGE/PLUGIN/`, so the gates of different target stages in one
//! repository do not replace each other's code-scanning results.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::facts::{Finding, Severity};
use crate::gate::GateReport;
use crate::plugin::Outcome;

/// The schema URI in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Most results in one run that GitHub code scanning accepts.
const MAX_RESULTS: usize = 25_000;
/// Most runs in one file that GitHub code scanning accepts.
const MAX_RUNS: usize = 20;
/// Longest message text written.
const MESSAGE_CHARS: usize = 1_000;

/// Writes `report` as one SARIF 2.1.0 log.
pub fn render(report: &GateReport, out: &mut dyn Write) -> io::Result<()> {
    super::text::write_json(log(report), out)
}

/// The SARIF log as a JSON value.
pub fn log(report: &GateReport) -> Value {
    let invocation_properties = json!({
        "decision": report.decision.as_str(),
        "from": report.from,
        "to": report.to,
        "commit": report.change.commit,
        "reasons": report.reasons.iter().map(|r| json!({
            "policy": r.policy, "effect": r.effect, "reason": text(&r.reason),
        })).collect::<Vec<_>>(),
        "waivers": report.waivers.iter().map(|w| json!({
            "id": w.id, "policy": w.policy, "status": w.status, "expires": w.expires,
        })).collect::<Vec<_>>(),
        "errors": report.errors.iter().map(|e| text(e)).collect::<Vec<_>>(),
    });
    let exit_code = super::exit_code(report, false);
    let runs: Vec<Value> = report
        .plugins
        .iter()
        .take(MAX_RUNS)
        .map(|plugin| {
            let findings: Vec<&Finding> = report
                .findings
                .iter()
                .filter(|f| f.plugin == plugin.name)
                .collect();
            run(
                plugin,
                &report.to,
                &findings,
                &invocation_properties,
                exit_code,
            )
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": runs,
    })
}

fn run(
    plugin: &crate::plugin::PluginRun,
    stage: &str,
    findings: &[&Finding],
    properties: &Value,
    exit_code: u8,
) -> Value {
    // Rules: every rule id its findings name, at its worst severity.
    let mut rules: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in findings {
        let worst = rules.entry(&finding.rule).or_insert(finding.severity);
        *worst = (*worst).max(finding.severity);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, r)| (*r, i)).collect();
    let rule_values: Vec<Value> = rules
        .iter()
        .map(|(rule, severity)| {
            let mut properties = serde_json::Map::new();
            properties.insert("tags".into(), json!(["stagegate", plugin.name]));
            if let Some(score) = security_severity(*severity) {
                properties.insert("security-severity".into(), json!(score));
            }
            json!({
                "id": text(rule),
                "name": text(rule),
                "shortDescription": { "text": text(&format!("{}: {rule}", plugin.name)) },
                "defaultConfiguration": { "level": level(*severity) },
                "properties": properties,
            })
        })
        .collect();
    let (located, unlocated): (Vec<&&Finding>, Vec<&&Finding>) =
        findings.iter().partition(|f| f.path.is_some());
    let results: Vec<Value> = located
        .iter()
        .take(MAX_RESULTS)
        .map(|f| {
            let mut location = serde_json::Map::new();
            location.insert(
                "artifactLocation".into(),
                json!({ "uri": uri(f.path.as_deref().unwrap_or_default()) }),
            );
            if let Some(line) = f.line.filter(|l| *l > 0) {
                location.insert("region".into(), json!({ "startLine": line }));
            }
            json!({
                "ruleId": text(&f.rule),
                "ruleIndex": index.get(f.rule.as_str()).copied().unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": text(&f.message) },
                "locations": [{ "physicalLocation": location }],
                "partialFingerprints": { "stagegateFinding/v1": super::fingerprint(f) },
                "properties": { "severity": f.severity.as_str() },
            })
        })
        .collect();
    let mut notifications: Vec<Value> = unlocated
        .iter()
        .map(|f| {
            json!({
                "level": level(f.severity),
                "message": { "text": text(&format!("{}: {}", f.rule, f.message)) },
                "descriptor": { "id": text(&f.rule) },
            })
        })
        .collect();
    let successful = matches!(plugin.outcome, Outcome::Ok { .. });
    if let Outcome::Failed(why) = &plugin.outcome {
        notifications.push(json!({
            "level": "error",
            "message": { "text": text(why) },
        }));
    }
    if located.len() > MAX_RESULTS {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("{} more results not written (code scanning takes at most {MAX_RESULTS} per run)", located.len() - MAX_RESULTS) },
        }));
    }
    json!({
        "tool": { "driver": {
            "name": text(&plugin.name),
            "fullName": text(&format!("stagegate plugin {} {}", plugin.name, plugin.version)),
            "version": text(&plugin.version),
            "rules": rule_values,
            "properties": { "sha256": plugin.sha256, "origin": text(&plugin.origin) },
        }},
        "automationDetails": { "id": text(&format!("stagegate/{stage}/{}/", plugin.name)) },
        "columnKind": "unicodeCodePoints",
        "invocations": [{
            "executionSuccessful": successful,
            "exitCode": exit_code,
            "toolExecutionNotifications": notifications,
            "properties": properties,
        }],
        "results": results,
    })
}

/// Untrusted text for a SARIF string: redacted (again, by the writer),
/// one visible line, and bounded.
fn text(untrusted: &str) -> String {
    super::text::line(&super::text::clip(untrusted, MESSAGE_CHARS))
}

/// A relative URI reference for a bundle or source path: every byte outside
/// RFC 3986's unreserved characters and `/` percent-encoded, and no leading
/// `/` or `./`, so it resolves against the repository root. A value that
/// already is a `file:` URI is kept, encoded the same way.
fn uri(path: &str) -> String {
    let path = path.strip_prefix("file://").unwrap_or(path);
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score (critical > 9.0, high 7.0–8.9, medium
/// 4.0–6.9, low 0.1–3.9), none for information.
fn security_severity(severity: Severity) -> Option<&'static str> {
    match severity {
        Severity::Critical => Some("9.5"),
        Severity::High => Some("8.0"),
        Severity::Medium => Some("5.5"),
        Severity::Low => Some("3.0"),
        Severity::Info => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(uri("src/app.py"), "src/app.py");
        assert_eq!(uri("./a b/c#d?.xml"), "a%20b/c%23d%3F.xml");
        assert_eq!(uri("/abs/x"), "abs/x");
        assert_eq!(uri("file:///repo/é"), "repo/%C3%A9");
        assert_eq!(uri("e\u{1b}[2J"), "e%1B%5B2J");
    }
}
