//! GitHub Actions workflow commands: an annotation per deciding policy and
//! per finding (`::error file=…,line=…,title=…::message`), then the human
//! report folded into a log group. Data and property values are escaped
//! exactly as GitHub's toolkit (`@actions/core`) escapes them (see
//! [`super::text::workflow_data`]), so untrusted text can never end a
//! command or start another; the human lines are defused by their writer.

use std::io::{self, Write};

use super::text::{workflow_data as data, workflow_property as property};
use crate::facts::Severity;
use crate::gate::{GateDecision, GateReport};

/// How many findings become annotations; GitHub shows at most 50 per job.
const ANNOTATED_FINDINGS: usize = 50;
/// Longest annotation message.
const MESSAGE_CHARS: usize = 1_000;

/// Writes `report` as workflow commands.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let transition = format!("{} → {}", report.from, report.to);
    let verdict = match report.decision {
        GateDecision::Allow => "allowed",
        GateDecision::Deny => "denied",
        GateDecision::Error => "cannot decide",
    };
    let blocking = if dry_run { "warning" } else { "error" };
    for error in &report.errors {
        command(out, blocking, None, "stagegate: cannot decide", error)?;
    }
    for reason in &report.reasons {
        let (level, what) = match reason.effect {
            "permit" => continue,
            "advisory" => ("warning", "advisory"),
            "waived" => ("notice", "waived"),
            _ => (blocking, "blocks"),
        };
        let title = format!("stagegate {transition} {verdict}: {} {what}", reason.policy);
        command(out, level, None, &title, &reason.reason)?;
    }
    if report.decision == GateDecision::Allow {
        let title = format!("stagegate {transition} allowed");
        command(out, "notice", None, &title, "no gate blocks this promotion")?;
    }
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings.iter().take(ANNOTATED_FINDINGS) {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let title = format!("{} ({})", f.rule, f.severity.as_str());
        let place = f.path.as_deref().map(|path| (path, f.line));
        command(out, level, place, &title, &f.message)?;
    }
    if findings.len() > ANNOTATED_FINDINGS {
        let more = format!(
            "{} more finding(s) are in the report below",
            findings.len() - ANNOTATED_FINDINGS
        );
        command(out, "notice", None, "stagegate", &more)?;
    }
    writeln!(out, "::group::stagegate report")?;
    super::human::render(report, dry_run, out)?;
    writeln!(out, "::endgroup::")
}

/// One annotation line, without its newline: `::LEVEL title=…,file=…,line=…::message`,
/// with the properties in the order the toolkit's `toCommandProperties` writes them.
pub fn annotation(
    level: &str,
    place: Option<(&str, Option<u32>)>,
    title: &str,
    message: &str,
) -> String {
    let mut properties = vec![format!("title={}", property(title))];
    if let Some((path, line)) = place {
        properties.push(format!("file={}", property(path)));
        if let Some(line) = line.filter(|l| *l > 0) {
            properties.push(format!("line={line}"));
        }
    }
    let message = super::text::clip(message, MESSAGE_CHARS);
    format!("::{level} {}::{}", properties.join(","), data(&message))
}

fn command(
    out: &mut dyn Write,
    level: &str,
    place: Option<(&str, Option<u32>)>,
    title: &str,
    message: &str,
) -> io::Result<()> {
    writeln!(out, "{}", annotation(level, place, title, message))
}
