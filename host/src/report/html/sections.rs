//! The page's sections below the gates: errors and warnings, the deciding
//! reasons, waivers and exceptions, findings, facts, plugins and artifacts.
//! Each writes one `<section>` with a stable id; untrusted text passes
//! [`text::html`] or [`text::html_clipped`], never a format string.

use std::io::{self, Write};

use super::super::text::{self, html as h};
use super::SEVERITIES;
use crate::facts::{FactValue, Finding};
use crate::gate::GateReport;
use crate::plugin::Outcome;

/// How many findings are listed.
pub const SHOWN_FINDINGS: usize = 500;
/// How many artifacts are listed.
pub const SHOWN_ARTIFACTS: usize = 500;
/// How many paths of each bundle-coverage list are shown.
pub const SHOWN_PATHS: usize = 100;
/// How many entries of a `Set<String>` fact are shown.
pub const SHOWN_SET: usize = 20;
/// How many log lines of each plugin are shown.
pub const SHOWN_LOGS: usize = 50;
/// Longest finding message, error or log line shown.
pub const MESSAGE_CHARS: usize = 1000;
/// Longest rule or plugin name shown in a finding's row.
pub const RULE_CHARS: usize = 60;
/// Longest fact value, path or name shown.
pub const VALUE_CHARS: usize = 300;

/// Errors (which mean the gate could not decide) and warnings, when any.
pub fn errors(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    for (id, class, title, items) in [
        ("errors", "callout", "Errors", &report.errors),
        ("warnings", "callout warnings", "Warnings", &report.warnings),
    ] {
        if items.is_empty() {
            continue;
        }
        writeln!(w, r#"<section id="{id}" class="{class}">"#)?;
        writeln!(
            w,
            r#"<h2>{title} <span class="count">{}</span></h2><ul>"#,
            items.len()
        )?;
        for item in items {
            writeln!(
                w,
                "<li>{}</li>",
                text::html_clipped(item, 4 * MESSAGE_CHARS)
            )?;
        }
        writeln!(w, "</ul></section>")?;
    }
    Ok(())
}

/// The policies that decided, and, with `--explain`, why.
pub fn reasons(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    writeln!(w, r#"<section id="reasons">"#)?;
    writeln!(
        w,
        r#"<h2>Deciding reasons <span class="count">{}</span></h2>"#,
        report.reasons.len()
    )?;
    if report.reasons.is_empty() {
        writeln!(
            w,
            r#"<p class="empty">No policy decided: the gate stopped before evaluating (see the errors).</p>"#
        )?;
        return writeln!(w, "</section>");
    }
    writeln!(w, r#"<ol class="reasons">"#)?;
    for reason in &report.reasons {
        let effect = match reason.effect {
            "permit" => "permit",
            "advisory" => "advisory",
            "waived" => "waived",
            "default" => "default",
            _ => "forbid",
        };
        let waived = match &reason.waiver {
            Some(id) => format!(" <span class=\"muted\">(waived by {})</span>", h(id)),
            None => String::new(),
        };
        writeln!(
            w,
            r#"<li data-effect="{effect}"><span class="pill {effect}">{effect}</span><div class="text"><code>{}</code> {}{waived}"#,
            h(&reason.policy),
            h(&reason.reason)
        )?;
        if let Some(explained) = &reason.explain {
            writeln!(w, r#"<ul class="explain">"#)?;
            for read in &explained.reads {
                let value = match &read.value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => "(absent)".to_owned(),
                    other => other.to_string(),
                };
                writeln!(
                    w,
                    "<li>reads <code>{}</code> = <code>{}</code></li>",
                    h(&read.attr),
                    text::html_clipped(&value, VALUE_CHARS)
                )?;
            }
            for need in &explained.needs {
                writeln!(
                    w,
                    "<li>needs <code>{}</code></li>",
                    text::html_clipped(need, VALUE_CHARS)
                )?;
            }
            for finding in &explained.findings {
                writeln!(
                    w,
                    "<li>finding {} {} {}</li>",
                    h(&finding.plugin),
                    h(&place(finding)),
                    text::html_clipped(&finding.message, VALUE_CHARS)
                )?;
            }
            writeln!(w, "</ul>")?;
        }
        writeln!(w, "</div></li>")?;
    }
    writeln!(w, "</ol></section>")
}

/// Waivers (policy-level) and exceptions (plugin-level), with who accepted
/// the risk and until when.
pub fn waivers(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    writeln!(w, r#"<section id="waivers">"#)?;
    writeln!(
        w,
        r#"<h2>Waivers and exceptions <span class="count">{} waiver(s) · {} exception(s)</span></h2>"#,
        report.waivers.len(),
        report.exceptions.len()
    )?;
    if report.waivers.is_empty() && report.exceptions.is_empty() {
        writeln!(
            w,
            r#"<p class="empty">None configured: every policy applies as written.</p>"#
        )?;
        return writeln!(w, "</section>");
    }
    if !report.waivers.is_empty() {
        writeln!(
            w,
            r#"<table class="waivers"><thead><tr><th>waiver</th><th>status</th><th>policy</th><th>expires</th><th>approver</th><th>ticket</th><th>reason</th></tr></thead><tbody>"#
        )?;
        for waiver in &report.waivers {
            let status = waiver.status.as_str();
            writeln!(
                w,
                r#"<tr class="waiver" data-status="{status}"><td><code>{}</code></td><td><span class="pill {status}">{status}</span></td><td><code>{}</code></td><td class="nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                h(&waiver.id),
                h(&waiver.policy),
                h(&waiver.expires),
                h(&waiver.approver),
                h(&waiver.ticket),
                text::html_clipped(&waiver.reason, MESSAGE_CHARS)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    if !report.exceptions.is_empty() {
        writeln!(w, r#"<h3 id="exceptions">Exceptions</h3>"#)?;
        writeln!(
            w,
            r#"<table class="exceptions"><thead><tr><th>exception</th><th>status</th><th>plugin</th><th>matches</th><th>expires</th><th>approver</th><th>ticket</th><th>reason</th></tr></thead><tbody>"#
        )?;
        for e in &report.exceptions {
            let status = match e.status {
                "active" => "active",
                "expired" => "expired",
                _ => "not-yet-valid",
            };
            writeln!(
                w,
                r#"<tr class="exception" data-status="{status}"><td><code>{}</code></td><td><span class="pill {status}">{status}</span></td><td>{}</td><td><code>{}</code></td><td class="nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                h(&e.id),
                h(&e.plugin),
                text::html_clipped(&e.matches, VALUE_CHARS),
                h(&e.expires),
                h(&e.approver),
                h(&e.ticket),
                text::html_clipped(&e.reason, MESSAGE_CHARS)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
    }
    writeln!(w, "</section>")
}

/// `path:line`, `path`, or nothing.
fn place(finding: &Finding) -> String {
    match (&finding.path, finding.line) {
        (Some(path), Some(line)) => format!("{path}:{line}"),
        (Some(path), None) => path.clone(),
        _ => String::new(),
    }
}

/// Findings, worst first, the first [`SHOWN_FINDINGS`] of them.
pub fn findings(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    let total = report.findings.len();
    writeln!(w, r#"<section id="findings">"#)?;
    write!(w, r#"<h2>Findings <span class="count">{total}</span>"#)?;
    for severity in SEVERITIES {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count();
        if n > 0 {
            let name = severity.as_str();
            write!(w, r#" <span class="pill {name}">{n} {name}</span>"#)?;
        }
    }
    writeln!(w, "</h2>")?;
    if total == 0 {
        writeln!(w, r#"<p class="empty">No plugin reported a finding.</p>"#)?;
        return writeln!(w, "</section>");
    }
    let mut sorted: Vec<&Finding> = report.findings.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.severity));
    writeln!(
        w,
        r#"<table class="findings"><thead><tr><th>severity</th><th>plugin / rule</th><th>message and location</th></tr></thead><tbody>"#
    )?;
    for f in sorted.iter().take(SHOWN_FINDINGS) {
        let severity = f.severity.as_str();
        // Most rules already start with their plugin's name (`junit/failure`).
        let rule = if f.rule.starts_with(&format!("{}/", f.plugin)) {
            text::html_clipped(&f.rule, RULE_CHARS)
        } else {
            format!(
                r#"<span class="muted">{}/</span>{}"#,
                text::html_clipped(&f.plugin, RULE_CHARS),
                text::html_clipped(&f.rule, RULE_CHARS)
            )
        };
        let place = place(f);
        let place = if place.is_empty() {
            String::new()
        } else {
            format!(
                r#"<div class="loc mono">{}</div>"#,
                text::html_clipped(&place, VALUE_CHARS)
            )
        };
        writeln!(
            w,
            r#"<tr class="finding" data-severity="{severity}"><td><span class="pill {severity}">{severity}</span></td><td class="rule mono">{rule}</td><td><div class="msg">{}</div>{place}</td></tr>"#,
            text::html_clipped(&f.message, MESSAGE_CHARS)
        )?;
    }
    writeln!(w, "</tbody></table>")?;
    if total > SHOWN_FINDINGS {
        writeln!(
            w,
            r#"<p class="note" id="findings-more">{} more finding(s) not shown: the first {SHOWN_FINDINGS} by severity are listed; <code>--format json</code> has them all.</p>"#,
            total - SHOWN_FINDINGS
        )?;
    }
    writeln!(w, "</section>")
}

/// Facts per plugin: a table for each that measured something, and one
/// line naming those that had no input.
pub fn facts(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    writeln!(w, r#"<section id="facts">"#)?;
    writeln!(
        w,
        r#"<h2>Facts <span class="count">{} plugin(s)</span></h2>"#,
        report.facts.len()
    )?;
    if report.facts.is_empty() {
        writeln!(w, r#"<p class="empty">No plugin reported facts.</p>"#)?;
        return writeln!(w, "</section>");
    }
    let (idle, measured): (Vec<_>, Vec<_>) = report
        .facts
        .iter()
        .partition(|(_, facts)| facts.get("inputs") == Some(&FactValue::Long(0)));
    if !measured.is_empty() {
        writeln!(w, r#"<div class="facts-grid">"#)?;
        for (plugin, facts) in measured {
            let specs = report.fact_specs.get(plugin);
            let wide = facts
                .values()
                .any(|v| matches!(v, FactValue::Set(set) if set.len() > 3));
            writeln!(
                w,
                r#"<div class="plugin-facts{}" data-plugin="{}"><h3>{}</h3><table><tbody>"#,
                if wide { " wide" } else { "" },
                h(plugin),
                h(plugin)
            )?;
            for (name, value) in facts {
                let doc = specs
                    .and_then(|s| s.iter().find(|spec| &spec.name == name))
                    .map_or("", |spec| spec.doc.as_str());
                writeln!(
                    w,
                    r#"<tr><td class="name" title="{}">{}</td><td>{}</td></tr>"#,
                    text::html_clipped(doc, VALUE_CHARS),
                    h(name),
                    fact_value(value)
                )?;
            }
            writeln!(w, "</tbody></table></div>")?;
        }
        writeln!(w, "</div>")?;
    }
    if !idle.is_empty() {
        writeln!(w, r#"<ul class="noinput">"#)?;
        for (plugin, _) in idle {
            writeln!(
                w,
                r#"<li data-plugin="{}"><b>{}</b> no input</li>"#,
                h(plugin),
                h(plugin)
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "</section>")
}

/// A fact's value as markup: numbers and booleans plain (zero muted),
/// strings as code, sets as a list of at most [`SHOWN_SET`] entries.
fn fact_value(value: &FactValue) -> String {
    match value {
        FactValue::Bool(b) => format!(
            r#"<span class="{}">{b}</span>"#,
            if *b { "" } else { "zero" }
        ),
        FactValue::Long(0) => r#"<span class="zero">0</span>"#.to_owned(),
        FactValue::Long(n) => format!("<b>{n}</b>"),
        FactValue::String(s) if s.is_empty() => r#"<span class="zero">(empty)</span>"#.to_owned(),
        FactValue::String(s) => format!("<code>{}</code>", text::html_clipped(s, VALUE_CHARS)),
        FactValue::Set(set) if set.is_empty() => r#"<span class="zero">none</span>"#.to_owned(),
        FactValue::Set(set) => {
            let mut out = String::from(r#"<ul class="set">"#);
            for item in set.iter().take(SHOWN_SET) {
                out.push_str("<li><code>");
                out.push_str(&text::html_clipped(item, VALUE_CHARS));
                out.push_str("</code></li>");
            }
            let more = set.len().saturating_sub(SHOWN_SET);
            if more > 0 {
                out.push_str(&format!(r#"<li class="more">+{more} more</li>"#));
            }
            out.push_str("</ul>");
            out
        }
    }
}

/// Each plugin's run: version, outcome, artifacts, time, digest and where
/// its native code came from; a failure's reason, and its logs.
pub fn plugins(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    writeln!(w, r#"<section id="plugins">"#)?;
    writeln!(
        w,
        r#"<h2>Plugins <span class="count">{}</span></h2>"#,
        report.plugins.len()
    )?;
    if report.plugins.is_empty() {
        writeln!(w, r#"<p class="empty">No plugin ran.</p>"#)?;
        return writeln!(w, "</section>");
    }
    writeln!(
        w,
        r#"<table class="plugins"><thead><tr><th>plugin</th><th>version</th><th>outcome</th><th class="n">artifacts</th><th class="n">time</th><th>sha256</th><th>code</th></tr></thead><tbody>"#
    )?;
    for run in &report.plugins {
        let (outcome, error) = match &run.outcome {
            Outcome::Ok { .. } => ("ok", None),
            Outcome::Failed(why) => ("failed", Some(why)),
        };
        let origin = if run.origin == "built-in" {
            String::new()
        } else {
            format!(
                r#"<br><span class="muted mono">{}</span>"#,
                text::html_clipped(&run.origin, VALUE_CHARS)
            )
        };
        writeln!(
            w,
            r#"<tr class="plugin" data-outcome="{outcome}"><td><b>{}</b>{origin}</td><td>{}</td><td><span class="pill {outcome}">{outcome}</span></td><td class="n">{}</td><td class="n">{} ms</td><td class="mono">{}</td><td>{}</td></tr>"#,
            h(&run.name),
            h(&run.version),
            run.artifacts,
            run.duration.as_millis(),
            h(run.sha256.get(..12).unwrap_or(&run.sha256)),
            run.cache.as_str()
        )?;
        if let Some(why) = error {
            writeln!(
                w,
                r#"<tr class="plugin-error"><td colspan="7"><span class="pill failed">error</span> {}</td></tr>"#,
                text::html_clipped(why, 4 * MESSAGE_CHARS)
            )?;
        }
    }
    writeln!(w, "</tbody></table>")?;
    for run in report.plugins.iter().filter(|r| !r.logs.is_empty()) {
        writeln!(
            w,
            r#"<details class="logs"><summary>{} logged {} line(s)</summary><ul class="logs mono">"#,
            h(&run.name),
            run.logs.len()
        )?;
        for line in run.logs.iter().take(SHOWN_LOGS) {
            writeln!(
                w,
                r#"<li><span class="muted">{}</span> {}</li>"#,
                line.level,
                text::html_clipped(&line.message, MESSAGE_CHARS)
            )?;
        }
        if run.logs.len() > SHOWN_LOGS {
            writeln!(
                w,
                r#"<li class="muted">… {} more</li>"#,
                run.logs.len() - SHOWN_LOGS
            )?;
        }
        writeln!(w, "</ul></details>")?;
    }
    writeln!(w, "</section>")
}

/// A size for a person: bytes, KiB, MiB or GiB.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = "KiB";
    for next in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    format!("{value:.1} {unit}")
}

/// The bundle's artifacts with their digests, and what the gate did not
/// look at or looked at twice.
pub fn artifacts(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    let total = report.artifacts.len();
    let bytes: u64 = report.artifacts.iter().map(|a| a.size).sum();
    writeln!(w, r#"<section id="artifacts">"#)?;
    writeln!(
        w,
        r#"<h2>Artifacts <span class="count">{total} · {}</span></h2>"#,
        size(bytes)
    )?;
    if total == 0 {
        writeln!(w, r#"<p class="empty">The bundle holds no artifact.</p>"#)?;
    } else {
        writeln!(
            w,
            r#"<table class="artifacts"><thead><tr><th>path</th><th class="n">size</th><th>sha256</th></tr></thead><tbody>"#
        )?;
        for a in report.artifacts.iter().take(SHOWN_ARTIFACTS) {
            writeln!(
                w,
                r#"<tr class="artifact"><td class="mono">{}</td><td class="n">{}</td><td class="mono">{}</td></tr>"#,
                text::html_clipped(&a.path, VALUE_CHARS),
                size(a.size),
                h(&a.sha256)
            )?;
        }
        writeln!(w, "</tbody></table>")?;
        if total > SHOWN_ARTIFACTS {
            writeln!(
                w,
                r#"<p class="note">{} more artifact(s) not shown; <code>--format json</code> lists them all.</p>"#,
                total - SHOWN_ARTIFACTS
            )?;
        }
    }

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
    for (id, title, items) in [
        (
            "unclaimed",
            "Unclaimed: no plugin reads them",
            &report.claims.unclaimed,
        ),
        ("skipped", "Skipped: not artifacts", &skipped),
        ("shared", "Read by several plugins", &shared),
    ] {
        if items.is_empty() {
            continue;
        }
        writeln!(
            w,
            r#"<h3 id="{id}">{title} <span class="count muted">{}</span></h3><ul class="paths mono">"#,
            items.len()
        )?;
        for item in items.iter().take(SHOWN_PATHS) {
            writeln!(w, "<li>{}</li>", text::html_clipped(item, VALUE_CHARS))?;
        }
        if items.len() > SHOWN_PATHS {
            writeln!(
                w,
                r#"<li class="muted">… {} more</li>"#,
                items.len() - SHOWN_PATHS
            )?;
        }
        writeln!(w, "</ul>")?;
    }
    writeln!(w, "</section>")
}
