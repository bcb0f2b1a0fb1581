//! A Markdown job summary (GitHub's `$GITHUB_STEP_SUMMARY`, or any Markdown
//! view): the verdict, a table of the gates, the key facts and the first
//! findings. Untrusted text passes [`super::text::markdown`], which escapes
//! everything Markdown or HTML could read as syntax. The whole summary stays
//! under [`MAX_BYTES`]: GitHub refuses a step summary over 1 MiB.

use std::io::{self, Write};

use super::text::markdown as md;
use super::{GateStatus, gates};
use crate::facts::FactValue;
use crate::gate::{GateDecision, GateReport};
use crate::plugin::Outcome;

/// The most bytes a summary takes; GitHub's limit is 1 MiB per step.
pub const MAX_BYTES: usize = 1_000_000;
/// How many findings are listed.
const SHOWN_FINDINGS: usize = 50;
/// Longest finding message or fact list shown.
const CELL_CHARS: usize = 300;

/// Lines of the summary, kept within a byte budget: once a line would not
/// fit, it and every later optional line are dropped and counted.
struct Budget {
    text: String,
    /// Bytes kept back for the closing lines.
    reserve: usize,
    dropped: usize,
}

impl Budget {
    fn line(&mut self, line: &str) {
        if self.dropped > 0 || self.text.len() + line.len() + 1 + self.reserve > MAX_BYTES {
            self.dropped += 1;
            return;
        }
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// Writes `report` as a Markdown summary.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(summary(report, dry_run).as_bytes())
}

/// The summary as text, at most [`MAX_BYTES`] long.
pub fn summary(report: &GateReport, dry_run: bool) -> String {
    let mut b = Budget {
        text: String::new(),
        reserve: 400,
        dropped: 0,
    };
    let (mark, verdict) = match report.decision {
        GateDecision::Allow => ("✅", "ALLOWED"),
        GateDecision::Deny => ("❌", "DENIED"),
        GateDecision::Error => ("⚠️", "CANNOT DECIDE"),
    };
    let from = if report.from.is_empty() {
        "?"
    } else {
        &report.from
    };
    b.line(&format!(
        "## {mark} stagegate: {}{} → {} {verdict}",
        if dry_run { "dry run: " } else { "" },
        md(from),
        md(&report.to)
    ));
    b.line("");
    let change = &report.change;
    let mut about = Vec::new();
    for (label, value) in [
        ("commit", &change.commit),
        ("branch", &change.branch),
        ("author", &change.author),
        ("run", &change.run_url),
    ] {
        if !value.is_empty() {
            // Plain escaped text: a backslash escape would show inside a code span.
            about.push(format!("{label} {}", md(value)));
        }
    }
    if !about.is_empty() {
        b.line(&about.join(" · "));
        b.line("");
    }
    for error in &report.errors {
        b.line(&format!(
            "> **error:** {}",
            md(&super::text::clip(error, 4 * CELL_CHARS))
        ));
    }
    if !report.errors.is_empty() {
        b.line("");
    }

    if let Some(chain) = report.chain.as_ref().filter(|c| c.required) {
        let state = if chain.passed {
            "✅ passed"
        } else {
            "❌ not passed"
        };
        b.line(&format!(
            "**previous stage {}:** {state}: {}",
            md(&chain.previous),
            md(&chain.detail)
        ));
        b.line("");
    }
    let gates = gates(report);
    let (passed, shown): (Vec<_>, Vec<_>) =
        gates.iter().partition(|g| g.status == GateStatus::Passed);
    if !shown.is_empty() {
        b.line("| status | gate | reason |");
        b.line("|---|---|---|");
        for gate in &shown {
            let status = match gate.status {
                GateStatus::Failed => "❌ failed",
                GateStatus::Errored => "⚠️ errored",
                GateStatus::Skipped => "⏭️ skipped",
                GateStatus::Passed => "✅ passed",
            };
            b.line(&format!(
                "| {status} | {} | {} |",
                md(gate.policy),
                md(&gate.note)
            ));
        }
        b.line("");
    }
    if !passed.is_empty() {
        let names: Vec<String> = passed.iter().map(|g| md(g.policy)).collect();
        b.line(&format!(
            "<details><summary>{} gate(s) passed</summary>\n\n{}\n\n</details>",
            passed.len(),
            names.join(", ")
        ));
        b.line("");
    }

    if !report.waivers.is_empty() {
        b.line("### Waivers");
        b.line("");
        b.line("| waiver | status | policy | expires | approver | ticket |");
        b.line("|---|---|---|---|---|---|");
        for w in &report.waivers {
            b.line(&format!(
                "| {} | {} | {} | {} | {} | {} |",
                md(&w.id),
                md(w.status.as_str()),
                md(&w.policy),
                md(&w.expires),
                md(&w.approver),
                md(&w.ticket)
            ));
        }
        b.line("");
    }

    if !report.facts.is_empty() {
        b.line("### Key facts");
        b.line("");
        b.line("| plugin | facts |");
        b.line("|---|---|");
        for (plugin, facts) in &report.facts {
            let shown = if facts.get("inputs") == Some(&FactValue::Long(0)) {
                "no input".to_owned()
            } else {
                let all: Vec<String> = facts
                    .iter()
                    .map(|(name, value)| format!("{name}={}", super::human::display(value)))
                    .collect();
                md(&super::text::clip(&all.join(" "), CELL_CHARS))
            };
            b.line(&format!("| {} | {shown} |", md(plugin)));
        }
        b.line("");
    }

    let failed: Vec<&str> = report
        .plugins
        .iter()
        .filter_map(|p| match &p.outcome {
            Outcome::Failed(_) => Some(p.name.as_str()),
            Outcome::Ok { .. } => None,
        })
        .collect();
    if !failed.is_empty() {
        let names: Vec<String> = failed.iter().map(|n| md(n)).collect();
        b.line(&format!("**plugins that failed:** {}", names.join(", ")));
        b.line("");
    }

    if !report.findings.is_empty() {
        let mut findings: Vec<_> = report.findings.iter().collect();
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let total = findings.len();
        b.line(&if total > SHOWN_FINDINGS {
            format!("### Findings ({total}, first {SHOWN_FINDINGS})")
        } else {
            format!("### Findings ({total})")
        });
        b.line("");
        b.line("| severity | rule | location | message |");
        b.line("|---|---|---|---|");
        for f in findings.iter().take(SHOWN_FINDINGS) {
            let place = match (&f.path, f.line) {
                (Some(path), Some(line)) => format!("{path}:{line}"),
                (Some(path), None) => path.clone(),
                _ => String::new(),
            };
            b.line(&format!(
                "| {} | {} | {} | {} |",
                f.severity.as_str(),
                md(&f.rule),
                md(&place),
                md(&super::text::clip(&f.message, CELL_CHARS))
            ));
        }
        b.line("");
    }

    let dropped = b.dropped;
    b.reserve = 0;
    b.dropped = 0;
    if dropped > 0 {
        b.line(&format!(
            "*{dropped} more line(s) left out to keep the summary under {MAX_BYTES} bytes; the JSON report has everything.*"
        ));
        b.line("");
    }
    b.line(&format!(
        "exit {} · {} artifact(s) · config: {} · policies: {}",
        super::exit_code(report, dry_run),
        report.artifacts.len(),
        md(&report.config),
        md(&report.policy_source)
    ));
    b.text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_of_a_huge_report_is_cut_under_the_cap_and_says_so() {
        let mut report = GateReport::failed("prod", "first".into());
        for i in 0..5_000 {
            report
                .errors
                .push(format!("error {i}: {}", "x".repeat(2_000)));
        }
        let text = summary(&report, false);
        assert!(text.len() <= MAX_BYTES, "{} bytes", text.len());
        assert!(text.len() > MAX_BYTES - 10_000, "the budget is used");
        assert!(text.contains("more line(s) left out"), "the cut is said");
        assert!(
            text.trim_end().ends_with("policies:"),
            "the last line is kept"
        );
    }
}
