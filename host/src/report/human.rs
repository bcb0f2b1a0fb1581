//! The human report: one screen saying what was decided and why, the key
//! facts, each plugin's outcome, and the first findings.

use std::io::{self, Write};

use crate::facts::FactValue;
use crate::gate::{GateDecision, GateReport};
use crate::plugin::Outcome;

/// How many findings are listed before "and N more".
const SHOWN_FINDINGS: usize = 10;

/// Writes `report` for a person.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let verdict = match report.decision {
        GateDecision::Allow => "ALLOWED",
        GateDecision::Deny => "DENIED",
        GateDecision::Error => "CANNOT DECIDE",
    };
    let from = if report.from.is_empty() {
        "?"
    } else {
        &report.from
    };
    let prefix = if dry_run { "dry run: " } else { "" };
    writeln!(
        out,
        "{prefix}stagegate: promotion {from} → {} {verdict}",
        report.to
    )?;

    if !report.reasons.is_empty() {
        writeln!(out)?;
        for reason in &report.reasons {
            let mark = if reason.effect == "permit" {
                "✓"
            } else {
                "✗"
            };
            writeln!(out, "  {mark} {}: {}", reason.policy, reason.reason)?;
        }
    }
    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "errors")?;
        for error in &report.errors {
            for (i, line) in error.lines().enumerate() {
                let bullet = if i == 0 { "  - " } else { "    " };
                writeln!(out, "{bullet}{line}")?;
            }
        }
    }
    if !report.facts.is_empty() {
        writeln!(out)?;
        writeln!(out, "facts")?;
        for (plugin, facts) in &report.facts {
            if facts.get("inputs") == Some(&FactValue::Long(0)) {
                writeln!(out, "  {plugin:<10} no input")?;
                continue;
            }
            let shown: Vec<String> = facts
                .iter()
                .map(|(name, value)| format!("{name}={}", value.display()))
                .collect();
            writeln!(out, "  {plugin:<10} {}", shown.join(" "))?;
        }
    }
    if !report.plugins.is_empty() {
        writeln!(out)?;
        writeln!(out, "plugins")?;
        for run in &report.plugins {
            let status = match &run.outcome {
                Outcome::Ok { .. } => "ok".to_owned(),
                Outcome::Failed(_) => "FAILED".to_owned(),
            };
            writeln!(
                out,
                "  {:<10} {:<8} {:<6} {} artifact(s)  {} ms  sha256:{}",
                run.name,
                run.version,
                status,
                run.artifacts,
                run.duration.as_millis(),
                run.sha256.get(..12).unwrap_or(&run.sha256)
            )?;
        }
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
        let total = report.findings.len();
        if total > SHOWN_FINDINGS {
            writeln!(out, "findings ({total}, first {SHOWN_FINDINGS})")?;
        } else {
            writeln!(out, "findings ({total})")?;
        }
        let mut findings: Vec<_> = report.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for f in findings.iter().take(SHOWN_FINDINGS) {
            let location = match (&f.path, f.line) {
                (Some(path), Some(line)) => format!("{path}:{line}"),
                (Some(path), None) => path.clone(),
                _ => String::new(),
            };
            let message: String = f
                .message
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(160)
                .collect();
            writeln!(
                out,
                "  {:<8} {:<22} {location}  {message}",
                f.severity.as_str(),
                f.rule
            )?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "bundle: {} artifact(s){}; config: {}; policies: {}",
        report.artifacts.len(),
        if report.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", report.skipped.len())
        },
        report.config,
        report.policy_source
    )?;
    let code = super::exit_code(report, dry_run);
    let meaning = match (report.decision, dry_run) {
        (GateDecision::Allow, _) => "allowed",
        (GateDecision::Deny, true) => "denied, but this is a dry run",
        (GateDecision::Deny, false) => "denied",
        (GateDecision::Error, _) => "cannot decide",
    };
    writeln!(out, "exit {code} ({meaning})")
}
