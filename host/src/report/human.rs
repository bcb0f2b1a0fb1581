//! The human report: one screen saying what was decided and why, the key
//! facts, each plugin's outcome, the first findings, and what the gate did
//! not look at. Every line goes through [`text::Writer`]: untrusted text is
//! redacted and made visible there, never formatted here.

use std::io::{self, Write};

use super::text::{self, Part, Writer};
use crate::decision::explain::Explanation;
use crate::facts::FactValue;
use crate::gate::{GateDecision, GateReport};
use crate::plugin::Outcome;

/// How many findings are listed before "and N more".
const SHOWN_FINDINGS: usize = 10;
/// How many paths of each "not looked at" list are shown.
const SHOWN_PATHS: usize = 5;
/// Longest finding message shown.
const MESSAGE_CHARS: usize = 160;

/// Writes `report` for a person.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut w = Writer::new(out);
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
    w.line(&[
        Part::Lit(if dry_run { "dry run: " } else { "" }),
        Part::Lit("stagegate: promotion "),
        Part::Text(from),
        Part::Lit(" → "),
        Part::Text(&report.to),
        Part::Lit(" "),
        Part::Lit(verdict),
    ])?;

    if !report.reasons.is_empty() {
        w.blank()?;
        for reason in &report.reasons {
            let (mark, note) = match reason.effect {
                "permit" => ("✓", ""),
                "advisory" => ("!", " (advisory: reported, does not block)"),
                "waived" => ("~", " (waived by "),
                _ => ("✗", ""),
            };
            let waiver = reason.waiver.as_deref().unwrap_or("");
            w.line(&[
                Part::Lit("  "),
                Part::Lit(mark),
                Part::Lit(" "),
                Part::Text(&reason.policy),
                Part::Lit(": "),
                Part::Text(&reason.reason),
                Part::Lit(note),
                Part::Text(waiver),
                Part::Lit(if reason.effect == "waived" { ")" } else { "" }),
            ])?;
            if let Some(explained) = &reason.explain {
                explain(&mut w, explained)?;
            }
        }
    }
    if let Some(chain) = &report.chain {
        w.blank()?;
        let state = match (chain.required, chain.passed) {
            (false, _) => "chain: not needed: ",
            (true, true) => "chain: previous stage passed: ",
            (true, false) => "chain: previous stage NOT passed: ",
        };
        w.line(&[Part::Lit(state), Part::Text(&chain.detail)])?;
        if chain.passed {
            w.line(&[Part::Lit("  signed by "), Part::Text(&chain.signer)])?;
        }
    }
    if !report.waivers.is_empty() {
        w.blank()?;
        w.line(&[Part::Lit("waivers")])?;
        for waiver in &report.waivers {
            attributed(
                &mut w,
                [&waiver.id, waiver.status.as_str(), &waiver.policy],
                [&waiver.expires, &waiver.approver, &waiver.ticket],
            )?;
        }
    }
    if !report.exceptions.is_empty() {
        w.blank()?;
        w.line(&[Part::Lit("exceptions")])?;
        for e in &report.exceptions {
            let subject = format!("{} {}", e.plugin, e.matches);
            attributed(
                &mut w,
                [&e.id, e.status, &subject],
                [&e.expires, &e.approver, &e.ticket],
            )?;
        }
    }
    if !report.warnings.is_empty() {
        w.blank()?;
        for warning in &report.warnings {
            w.line(&[Part::Lit("warning: "), Part::Text(warning)])?;
        }
    }
    if !report.errors.is_empty() {
        w.blank()?;
        w.line(&[Part::Lit("errors")])?;
        for error in &report.errors {
            // One line each: an error may quote a plugin's text, whose line
            // breaks are shown, never obeyed.
            w.line(&[Part::Lit("  - "), Part::Text(error)])?;
        }
    }
    facts(&mut w, report)?;
    plugins(&mut w, report)?;
    findings(&mut w, report)?;
    not_looked_at(&mut w, report)?;

    w.blank()?;
    let skipped = report.skipped.len() as u128;
    let unclaimed = report.claims.unclaimed.len() as u128;
    w.line(&[
        Part::Lit("bundle: "),
        Part::Num(report.artifacts.len() as u128),
        Part::Lit(" artifact(s), "),
        Part::Num(unclaimed),
        Part::Lit(" unclaimed, "),
        Part::Num(skipped),
        Part::Lit(" skipped; config: "),
        Part::Text(&report.config),
        Part::Lit("; policies: "),
        Part::Text(&report.policy_source),
    ])?;
    let code = super::exit_code(report, dry_run);
    let meaning = match (report.decision, dry_run) {
        (GateDecision::Allow, _) => "allowed",
        (GateDecision::Deny, true) => "denied, but this is a dry run",
        (GateDecision::Deny, false) => "denied",
        (GateDecision::Error, _) => "cannot decide",
    };
    w.line(&[
        Part::Lit("exit "),
        Part::Num(u128::from(code)),
        Part::Lit(" ("),
        Part::Lit(meaning),
        Part::Lit(")"),
    ])
}

/// A waiver or exception: `[id, status, what it covers]` and
/// `[expires, approver, ticket]`.
fn attributed(w: &mut Writer<'_>, what: [&str; 3], who: [&str; 3]) -> io::Result<()> {
    let [id, status, subject] = what;
    let [expires, approver, ticket] = who;
    w.line(&[
        Part::Lit("  "),
        Part::Padded(id, 14),
        Part::Lit(" "),
        Part::Padded(status, 13),
        Part::Lit(" "),
        Part::Text(subject),
        Part::Lit(" until "),
        Part::Text(expires),
        Part::Lit(", approved by "),
        Part::Text(approver),
        Part::Lit(" ("),
        Part::Text(ticket),
        Part::Lit(")"),
    ])
}

/// The facts a policy read, what would make it pass, and the findings behind it.
fn explain(w: &mut Writer<'_>, explained: &Explanation) -> io::Result<()> {
    for read in &explained.reads {
        let value = match &read.value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "(absent)".to_owned(),
            other => other.to_string(),
        };
        w.line(&[
            Part::Lit("      reads "),
            Part::Text(&read.attr),
            Part::Lit(" = "),
            Part::Clipped(&value, 200),
        ])?;
    }
    for need in &explained.needs {
        w.line(&[Part::Lit("      needs "), Part::Clipped(need, 400)])?;
    }
    for finding in &explained.findings {
        let place = match (&finding.path, finding.line) {
            (Some(path), Some(line)) => format!("{path}:{line}"),
            (Some(path), None) => path.clone(),
            _ => String::new(),
        };
        w.line(&[
            Part::Lit("      finding "),
            Part::Text(&finding.plugin),
            Part::Lit(" "),
            Part::Text(&place),
            Part::Lit(" "),
            Part::Clipped(&finding.message, MESSAGE_CHARS),
        ])?;
    }
    Ok(())
}

fn facts(w: &mut Writer<'_>, report: &GateReport) -> io::Result<()> {
    if report.facts.is_empty() {
        return Ok(());
    }
    w.blank()?;
    w.line(&[Part::Lit("facts")])?;
    for (plugin, facts) in &report.facts {
        if facts.get("inputs") == Some(&FactValue::Long(0)) {
            w.line(&[
                Part::Lit("  "),
                Part::Padded(plugin, 10),
                Part::Lit(" no input"),
            ])?;
            continue;
        }
        let shown: Vec<String> = facts
            .iter()
            .map(|(name, value)| format!("{name}={}", display(value)))
            .collect();
        w.line(&[
            Part::Lit("  "),
            Part::Padded(plugin, 10),
            Part::Lit(" "),
            Part::Text(&shown.join(" ")),
        ])?;
    }
    Ok(())
}

/// A short rendering of a fact value, its strings redacted before quoting.
pub(crate) fn display(value: &FactValue) -> String {
    let quote = |s: &str| format!("{:?}", text::redact(s));
    match value {
        FactValue::Bool(b) => b.to_string(),
        FactValue::Long(n) => n.to_string(),
        FactValue::String(s) => quote(s),
        FactValue::Set(set) => {
            let shown: Vec<String> = set.iter().take(3).map(|s| quote(s)).collect();
            match set.len().saturating_sub(3) {
                0 => format!("[{}]", shown.join(", ")),
                more => format!("[{}, +{more} more]", shown.join(", ")),
            }
        }
    }
}

fn plugins(w: &mut Writer<'_>, report: &GateReport) -> io::Result<()> {
    if report.plugins.is_empty() {
        return Ok(());
    }
    w.blank()?;
    w.line(&[Part::Lit("plugins")])?;
    for run in &report.plugins {
        let status = match &run.outcome {
            Outcome::Ok { .. } => "ok    ",
            Outcome::Failed(_) => "FAILED",
        };
        w.line(&[
            Part::Lit("  "),
            Part::Padded(&run.name, 10),
            Part::Lit(" "),
            Part::Padded(&run.version, 8),
            Part::Lit(" "),
            Part::Lit(status),
            Part::Lit(" "),
            Part::Num(run.artifacts as u128),
            Part::Lit(" artifact(s)  "),
            Part::Num(run.duration.as_millis()),
            Part::Lit(" ms  sha256:"),
            Part::Text(run.sha256.get(..12).unwrap_or(&run.sha256)),
            Part::Lit("  code: "),
            Part::Lit(run.cache.as_str()),
        ])?;
    }
    Ok(())
}

fn findings(w: &mut Writer<'_>, report: &GateReport) -> io::Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    w.blank()?;
    let total = report.findings.len() as u128;
    if report.findings.len() > SHOWN_FINDINGS {
        w.line(&[
            Part::Lit("findings ("),
            Part::Num(total),
            Part::Lit(", first "),
            Part::Num(SHOWN_FINDINGS as u128),
            Part::Lit(")"),
        ])?;
    } else {
        w.line(&[Part::Lit("findings ("), Part::Num(total), Part::Lit(")")])?;
    }
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    for f in findings.iter().take(SHOWN_FINDINGS) {
        let line = f.line.map(|l| format!(":{l}")).unwrap_or_default();
        w.line(&[
            Part::Lit("  "),
            Part::Lit(severity_padded(f.severity.as_str())),
            Part::Lit(" "),
            Part::Padded(&f.rule, 22),
            Part::Lit(" "),
            Part::Text(f.path.as_deref().unwrap_or_default()),
            Part::Text(&line),
            Part::Lit("  "),
            Part::Clipped(&f.message, MESSAGE_CHARS),
        ])?;
    }
    Ok(())
}

fn severity_padded(severity: &'static str) -> &'static str {
    match severity {
        "info" => "info    ",
        "low" => "low     ",
        "medium" => "medium  ",
        "high" => "high    ",
        _ => "critical",
    }
}

/// What the gate did not look at, or looked at twice: skipped entries,
/// unclaimed artifacts, artifacts several plugins read.
fn not_looked_at(w: &mut Writer<'_>, report: &GateReport) -> io::Result<()> {
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|s| format!("{} ({})", s.path, s.reason))
        .collect();
    let shared: Vec<String> = report
        .claims
        .shared
        .iter()
        .map(|(path, names)| format!("{path} ({})", names.join(", ")))
        .collect();
    let sections: [(&'static str, &[String]); 3] = [
        ("skipped (not read by anyone)", &skipped),
        ("unclaimed (no plugin reads them)", &report.claims.unclaimed),
        ("read by several plugins", &shared),
    ];
    if sections.iter().all(|(_, items)| items.is_empty()) {
        return Ok(());
    }
    w.blank()?;
    w.line(&[Part::Lit("bundle coverage")])?;
    for (title, items) in sections {
        if items.is_empty() {
            continue;
        }
        w.line(&[
            Part::Lit("  "),
            Part::Lit(title),
            Part::Lit(": "),
            Part::Num(items.len() as u128),
        ])?;
        for item in items.iter().take(SHOWN_PATHS) {
            w.line(&[Part::Lit("    "), Part::Text(item)])?;
        }
        if items.len() > SHOWN_PATHS {
            w.line(&[
                Part::Lit("    … "),
                Part::Num((items.len() - SHOWN_PATHS) as u128),
                Part::Lit(" more (--format json lists them all)"),
            ])?;
        }
    }
    Ok(())
}
