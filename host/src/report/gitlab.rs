//! A GitLab Code Quality report: a JSON array with one issue per finding
//! that has a location (`description`, `check_name`, `fingerprint`,
//! `severity`, `location.path`, `location.lines.begin`). GitLab requires a
//! path, so findings without one are only in the other formats.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::facts::Severity;
use crate::gate::GateReport;

/// Longest description written.
const DESCRIPTION_CHARS: usize = 1_000;

/// Writes `report` as a Code Quality report.
pub fn render(report: &GateReport, out: &mut dyn Write) -> io::Result<()> {
    super::text::write_json(issues(report), out)
}

/// The Code Quality issues as a JSON array.
pub fn issues(report: &GateReport) -> Value {
    let text = |s: &str| super::text::line(&super::text::clip(s, DESCRIPTION_CHARS));
    let issues: Vec<Value> = report
        .findings
        .iter()
        .filter_map(|f| {
            let path = f.path.as_deref()?;
            Some(json!({
                "type": "issue",
                "description": text(&f.message),
                "check_name": text(&f.rule),
                "fingerprint": super::fingerprint(f),
                "severity": severity(f.severity),
                "categories": ["Security"],
                "location": {
                    "path": text(path.trim_start_matches("./")),
                    "lines": { "begin": f.line.filter(|l| *l > 0).unwrap_or(1) },
                },
            }))
        })
        .collect();
    Value::Array(issues)
}

/// Code Quality's severities: info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}
