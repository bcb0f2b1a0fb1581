//! One self-contained HTML page: no script, no network resource. Every
//! untrusted string passes [`super::text::html`].

use std::io::{self, Write};

use super::text::html as h;
use super::{GateStatus, gates};
use crate::gate::{GateDecision, GateReport};

/// Writes `report` as one HTML page.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let (class, verdict) = match report.decision {
        GateDecision::Allow => ("allow", "ALLOWED"),
        GateDecision::Deny => ("deny", "DENIED"),
        GateDecision::Error => ("error", "CANNOT DECIDE"),
    };
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, r#"<html lang="en"><head><meta charset="utf-8">"#)?;
    writeln!(
        out,
        r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">"#
    )?;
    writeln!(
        out,
        "<title>stagegate {} → {} {verdict}</title>",
        h(&report.from),
        h(&report.to)
    )?;
    writeln!(out, "</head><body>")?;
    writeln!(
        out,
        r#"<h1 id="verdict" class="{class}">{}{} → {} {verdict}</h1>"#,
        if dry_run { "dry run: " } else { "" },
        h(&report.from),
        h(&report.to)
    )?;
    writeln!(out, r#"<table id="gates">"#)?;
    for gate in gates(report) {
        let status = match gate.status {
            GateStatus::Passed => "passed",
            GateStatus::Failed => "failed",
            GateStatus::Skipped => "skipped",
            GateStatus::Errored => "errored",
        };
        writeln!(
            out,
            r#"<tr class="{status}"><td>{status}</td><td>{}</td><td>{}</td></tr>"#,
            h(gate.policy),
            h(&gate.note)
        )?;
    }
    writeln!(out, "</table>")?;
    writeln!(out, "</body></html>")
}
