//! One self-contained HTML page, for a person who would rather look than
//! read: the verdict as a banner in the decision's colour, then the gates,
//! the deciding reasons, waivers and exceptions, findings, facts, plugins
//! and artifacts.
//!
//! The page loads nothing. Its style is inline ([`STYLE`]), it has no script,
//! no image, no font and no link that fetches, and its Content-Security-Policy
//! forbids everything but that style, so it opens offline as a CI artifact and
//! stays inert whatever the bundle held. Every untrusted string passes
//! [`text::html`] or [`text::html_clipped`]; this module writes only literals,
//! numbers and names it chose itself (statuses, severities, decisions), and
//! only those reach an attribute other than `title`. The output is
//! deterministic, and every long list is capped so a huge report stays a page
//! a browser opens at once; `--format json` has everything.

mod sections;

use std::io::{self, Write};

use super::text::{self, html as h};
use super::{Gate, GateStatus, gates};
use crate::facts::Severity;
use crate::gate::{GateDecision, GateReport};
use crate::plugin::Outcome;

/// The page's stylesheet.
pub const STYLE: &str = include_str!("html/style.css");

/// The policy that lets the page apply its own inline style and nothing else.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// Writes `report` as one HTML page.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::new(out);
    let gates = gates(report);
    head(&mut w, report)?;
    writeln!(w, "<body>")?;
    banner(&mut w, report, dry_run, &gates)?;
    toc(&mut w)?;
    writeln!(w, r#"<main class="wrap">"#)?;
    tiles(&mut w, report, &gates)?;
    sections::errors(&mut w, report)?;
    sections::reasons(&mut w, report)?;
    gate_table(&mut w, report, &gates)?;
    sections::waivers(&mut w, report)?;
    sections::findings(&mut w, report)?;
    sections::facts(&mut w, report)?;
    sections::plugins(&mut w, report)?;
    sections::artifacts(&mut w, report)?;
    writeln!(w, "</main>")?;
    footer(&mut w, report, dry_run)?;
    writeln!(w, "</body>\n</html>")?;
    w.flush()
}

/// `ALLOWED`, `DENIED` or `CANNOT DECIDE`, and the banner's mark.
fn verdict(decision: GateDecision) -> (&'static str, &'static str) {
    match decision {
        GateDecision::Allow => ("ALLOWED", "✓"),
        GateDecision::Deny => ("DENIED", "✗"),
        GateDecision::Error => ("CANNOT DECIDE", "!"),
    }
}

/// The source stage, or `?` when it could not be determined.
fn from(report: &GateReport) -> &str {
    if report.from.is_empty() {
        "?"
    } else {
        &report.from
    }
}

fn head(w: &mut dyn Write, report: &GateReport) -> io::Result<()> {
    let (word, _) = verdict(report.decision);
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, r#"<html lang="en">"#)?;
    writeln!(w, "<head>")?;
    writeln!(w, r#"<meta charset="utf-8">"#)?;
    writeln!(
        w,
        r#"<meta http-equiv="Content-Security-Policy" content="{CSP}">"#
    )?;
    writeln!(w, r#"<meta name="referrer" content="no-referrer">"#)?;
    writeln!(
        w,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#
    )?;
    writeln!(
        w,
        "<title>stagegate: {} → {} {word}</title>",
        h(from(report)),
        h(&report.to)
    )?;
    writeln!(w, "<style>\n{STYLE}</style>")?;
    writeln!(w, "</head>")
}

/// The verdict at a glance: decision, transition, dry run, a one-line tally
/// and the change.
fn banner(
    w: &mut dyn Write,
    report: &GateReport,
    dry_run: bool,
    gates: &[Gate<'_>],
) -> io::Result<()> {
    let decision = report.decision.as_str();
    let (word, mark) = verdict(report.decision);
    writeln!(
        w,
        r#"<header id="verdict" class="verdict {decision}" data-decision="{decision}" data-dry-run="{dry_run}">"#
    )?;
    writeln!(w, r#"<div class="wrap">"#)?;
    writeln!(w, r#"<p class="eyebrow">stagegate · promotion gate</p>"#)?;
    writeln!(w, r#"<div class="headline">"#)?;
    writeln!(w, r#"<span class="mark" aria-hidden="true">{mark}</span>"#)?;
    writeln!(w, "<h1>{word}</h1>")?;
    writeln!(
        w,
        r#"<span class="transition"><span class="stage">{}</span><span class="arrow">→</span><span class="stage">{}</span></span>"#,
        h(from(report)),
        h(&report.to)
    )?;
    if dry_run {
        writeln!(w, r#"<span class="badge" id="dry-run">dry run</span>"#)?;
    }
    writeln!(w, "</div>")?;

    let mut tally = Vec::new();
    let blocking = count(gates, |g| {
        matches!(g.status, GateStatus::Failed | GateStatus::Errored)
    });
    if !gates.is_empty() {
        tally.push(if blocking > 0 {
            format!("{blocking} of {} gates failed", gates.len())
        } else {
            format!("{} gates, none failed", gates.len())
        });
    }
    if !report.errors.is_empty() {
        tally.push(format!("{} error(s)", report.errors.len()));
    }
    tally.push(format!("{} finding(s)", report.findings.len()));
    let code = super::exit_code(report, dry_run);
    tally.push(match (report.decision, dry_run) {
        (GateDecision::Deny, true) => format!("exit {code}: denied, but this is a dry run"),
        _ => format!("exit {code}"),
    });
    writeln!(
        w,
        r#"<p class="summary">{}</p>"#,
        tally.join(r#"<span class="sep">·</span>"#)
    )?;

    let change = &report.change;
    let about: Vec<(&str, &str, bool)> = [
        ("commit", change.commit.as_str(), true),
        ("branch", change.branch.as_str(), true),
        ("author", change.author.as_str(), false),
        ("CI", change.ci.as_str(), false),
        ("run", change.run_url.as_str(), false),
    ]
    .into_iter()
    .filter(|(_, value, _)| !value.is_empty())
    .collect();
    if !about.is_empty() {
        writeln!(w, r#"<dl class="change" id="change">"#)?;
        for (label, value, mono) in about {
            // The run URL is text, never a link: it comes from CI variables.
            let shown = text::html_clipped(value, 300);
            if mono {
                writeln!(
                    w,
                    "<div><dt>{label}</dt><dd><code>{shown}</code></dd></div>"
                )?;
            } else {
                writeln!(w, "<div><dt>{label}</dt><dd>{shown}</dd></div>")?;
            }
        }
        writeln!(w, "</dl>")?;
    }
    writeln!(w, "</div>\n</header>")
}

/// In-page links to the sections (fragments only: nothing loads).
fn toc(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, r#"<nav class="toc"><div class="wrap">"#)?;
    for (id, label) in [
        ("reasons", "Reasons"),
        ("gates", "Gates"),
        ("waivers", "Waivers"),
        ("findings", "Findings"),
        ("facts", "Facts"),
        ("plugins", "Plugins"),
        ("artifacts", "Artifacts"),
    ] {
        writeln!(w, r##"<a href="#{id}">{label}</a>"##)?;
    }
    writeln!(w, "</div></nav>")
}

fn count<T>(items: &[T], pred: impl Fn(&T) -> bool) -> usize {
    items.iter().filter(|i| pred(i)).count()
}

/// Four tiles: gates, findings, plugins, artifacts.
fn tiles(w: &mut dyn Write, report: &GateReport, gates: &[Gate<'_>]) -> io::Result<()> {
    writeln!(w, r#"<div class="tiles" id="tiles">"#)?;

    let failed = count(gates, |g| g.status == GateStatus::Failed);
    let errored = count(gates, |g| g.status == GateStatus::Errored);
    let skipped = count(gates, |g| g.status == GateStatus::Skipped);
    let passed = count(gates, |g| g.status == GateStatus::Passed);
    let (tone, big, label) = if failed + errored > 0 {
        ("bad", failed + errored, "gates failed")
    } else if gates.is_empty() {
        ("warn", 0, "gates evaluated")
    } else {
        ("good", passed, "gates passed")
    };
    tile(
        w,
        "gates",
        tone,
        label,
        big,
        &tally(&[
            (passed, "passed"),
            (failed, "failed"),
            (errored, "errored"),
            (skipped, "skipped"),
        ]),
    )?;

    let mut severities: Vec<String> = Vec::new();
    for severity in SEVERITIES {
        let n = count(&report.findings, |f| f.severity == severity);
        if n > 0 {
            severities.push(format!("{n} {}", severity.as_str()));
        }
    }
    let worst = report.findings.iter().map(|f| f.severity).max();
    let ran = !report.plugins.is_empty();
    let tone = match worst {
        None if !ran => "warn",
        None => "good",
        Some(Severity::Critical | Severity::High) => "bad",
        Some(_) => "warn",
    };
    let sub = if !ran {
        "no plugin ran".to_owned()
    } else if severities.is_empty() {
        "nothing to look at".to_owned()
    } else {
        severities.join(" · ")
    };
    tile(w, "findings", tone, "findings", report.findings.len(), &sub)?;

    let failed_plugins = count(&report.plugins, |p| matches!(p.outcome, Outcome::Failed(_)));
    tile(
        w,
        "plugins",
        match (failed_plugins, ran) {
            (0, true) => "good",
            (0, false) => "warn",
            _ => "bad",
        },
        "plugins",
        report.plugins.len(),
        &if ran {
            tally(&[
                (report.plugins.len() - failed_plugins, "ok"),
                (failed_plugins, "failed"),
            ])
        } else {
            "none ran".to_owned()
        },
    )?;

    let unclaimed = report.claims.unclaimed.len();
    tile(
        w,
        "artifacts",
        if unclaimed > 0 || report.artifacts.is_empty() {
            "warn"
        } else {
            "good"
        },
        "artifacts",
        report.artifacts.len(),
        &if report.artifacts.is_empty() {
            "none read".to_owned()
        } else if unclaimed + report.skipped.len() == 0 {
            "every one read by a plugin".to_owned()
        } else {
            tally(&[(unclaimed, "unclaimed"), (report.skipped.len(), "skipped")])
        },
    )?;
    writeln!(w, "</div>")
}

/// `3 passed · 1 failed`: the counts that are not zero, or `none`.
fn tally(counts: &[(usize, &str)]) -> String {
    let shown: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if shown.is_empty() {
        "none".to_owned()
    } else {
        shown.join(" · ")
    }
}

/// One tile. `label` and `sub` are the page's own words.
fn tile(
    w: &mut dyn Write,
    section: &str,
    tone: &str,
    label: &str,
    big: usize,
    sub: &str,
) -> io::Result<()> {
    writeln!(
        w,
        r##"<a class="tile {tone}" href="#{section}"><span class="label">{label}</span><span class="n">{big}</span><span class="sub">{sub}</span></a>"##
    )
}

/// Severities, worst first.
const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// Where a status sorts: what needs a look first.
fn rank(status: GateStatus) -> u8 {
    match status {
        GateStatus::Failed => 0,
        GateStatus::Errored => 1,
        GateStatus::Skipped => 2,
        GateStatus::Passed => 3,
    }
}

/// Every policy and how it came out: failed, errored and skipped ones in
/// the open, passed ones behind a `<details>` (open when nothing else is).
fn gate_table(w: &mut dyn Write, report: &GateReport, gates: &[Gate<'_>]) -> io::Result<()> {
    let mut sorted: Vec<&Gate<'_>> = gates.iter().collect();
    sorted.sort_by_key(|g| rank(g.status));
    let (passed, open): (Vec<&Gate<'_>>, Vec<&Gate<'_>>) = sorted
        .into_iter()
        .partition(|g| g.status == GateStatus::Passed);
    writeln!(w, r#"<section id="gates">"#)?;
    writeln!(
        w,
        r#"<h2>Gates <span class="count">{} policies · {} passed</span></h2>"#,
        gates.len(),
        passed.len()
    )?;
    if gates.is_empty() {
        writeln!(
            w,
            r#"<p class="empty">No policy was evaluated: the gate stopped before it could (see the errors).</p>"#
        )?;
        return writeln!(w, "</section>");
    }
    if !open.is_empty() {
        gate_rows(w, report, &open)?;
    }
    if !passed.is_empty() {
        writeln!(
            w,
            r#"<details class="passed"{}><summary>{} gate(s) passed</summary>"#,
            if open.is_empty() { " open" } else { "" },
            passed.len()
        )?;
        gate_rows(w, report, &passed)?;
        writeln!(w, "</details>")?;
    }
    writeln!(w, "</section>")
}

fn gate_rows(w: &mut dyn Write, report: &GateReport, gates: &[&Gate<'_>]) -> io::Result<()> {
    writeln!(
        w,
        r#"<table class="gates"><thead><tr><th>status</th><th>policy</th><th>effect</th><th>reason</th></tr></thead><tbody>"#
    )?;
    for gate in gates {
        let status = gate.status.as_str();
        let host = if gate.host {
            r#"<span class="tag" title="enforced by the host">host</span>"#
        } else {
            ""
        };
        let note = if gate.note.is_empty() {
            let reason = report
                .policies
                .iter()
                .find(|p| p.policy == gate.policy)
                .map_or("", |p| p.reason.as_str());
            // A passed policy: what it checks. A forbid's @reason is what it
            // says when it fires.
            let lead = if gate.effect == "forbid" {
                "blocks if: "
            } else {
                ""
            };
            format!(r#"<span class="muted">{lead}{}</span>"#, h(reason))
        } else {
            h(&gate.note)
        };
        writeln!(
            w,
            r#"<tr class="gate" data-status="{status}"><td><span class="pill {status}">{status}</span></td><td><code class="policy">{}</code>{host}</td><td class="nowrap">{}</td><td>{note}</td></tr>"#,
            h(gate.policy),
            gate.effect
        )?;
    }
    writeln!(w, "</tbody></table>")
}

fn footer(w: &mut dyn Write, report: &GateReport, dry_run: bool) -> io::Result<()> {
    let code = super::exit_code(report, dry_run);
    let meaning = match (report.decision, dry_run) {
        (GateDecision::Allow, _) => "allowed",
        (GateDecision::Deny, true) => "denied, but this is a dry run",
        (GateDecision::Deny, false) => "denied",
        (GateDecision::Error, _) => "cannot decide",
    };
    writeln!(w, r#"<footer class="wrap">"#)?;
    writeln!(
        w,
        "<p>exit {code} ({meaning}) · config: {} · policies: {}{}</p>",
        h(&report.config),
        h(&report.policy_source),
        match &report.policy_digest {
            Some(digest) => format!(
                r#" <span class="mono">sha256:{}</span>"#,
                h(digest.get(..12).unwrap_or(digest))
            ),
            None => String::new(),
        }
    )?;
    writeln!(
        w,
        "<p>stagegate {} · a self-contained page: no script, nothing loaded</p>",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(w, "</footer>")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::time::Duration;

    use super::*;
    use crate::bundle::Skipped;
    use crate::config::Limits;
    use crate::decision::{
        Change, ExceptionStatus, PolicyEntry, Reason, WaiverState, WaiverStatus,
    };
    use crate::facts::{FactValue, Facts, Finding};
    use crate::gate::ArtifactSummary;
    use crate::plugin::{CacheStatus, LogLine, PluginRun};

    const TOKEN: &str = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";

    /// Text that tries to close a cell and open a script, add an event
    /// handler, move the terminal, reverse the line, and leak a token.
    fn evil(tag: &str) -> String {
        format!(
            "{tag}</td><script>alert(1)</script>\"><img src=x onerror=alert(1)>' onmouseover='x\u{1b}[31mRED\u{202e}txt.exe {TOKEN}"
        )
    }

    fn render_page(report: &GateReport, dry_run: bool) -> String {
        let mut out = Vec::new();
        render(report, dry_run, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A report in which every string the page shows is hostile.
    fn hostile() -> GateReport {
        let mut r = GateReport::failed("prod", evil("error"));
        r.decision = GateDecision::Deny;
        r.from = evil("from");
        r.change = Change {
            commit: evil("commit"),
            branch: evil("branch"),
            author: evil("author"),
            run_url: format!("javascript:alert(1)//{}", evil("run")),
            ci: evil("ci"),
        };
        r.reasons = vec![
            Reason {
                policy: evil("policy"),
                reason: evil("reason"),
                effect: "forbid",
                waiver: None,
                explain: None,
            },
            Reason {
                policy: "coverage-floor".into(),
                reason: evil("waived"),
                effect: "waived",
                waiver: Some(evil("waiver-id")),
                explain: None,
            },
        ];
        r.policies = vec![
            PolicyEntry {
                policy: evil("policy"),
                effect: "forbid",
                reason: evil("reason"),
                host: false,
            },
            PolicyEntry {
                policy: "a-passing-gate".into(),
                effect: "forbid",
                reason: evil("passing"),
                host: true,
            },
            PolicyEntry {
                policy: "coverage-floor".into(),
                effect: "forbid",
                reason: evil("waived"),
                host: false,
            },
        ];
        r.plugins = vec![PluginRun {
            name: evil("plugin"),
            version: evil("version"),
            sha256: evil("sha"),
            origin: evil("origin"),
            artifacts: 1,
            duration: Duration::from_millis(3),
            logs: vec![LogLine {
                level: "info",
                message: evil("log"),
            }],
            outcome: Outcome::Failed(evil("failure")),
            limits: Limits::default(),
            cache: CacheStatus::Builtin,
        }];
        let mut facts = Facts::new();
        facts.insert("inputs".into(), FactValue::Long(1));
        facts.insert(evil("name"), FactValue::String(evil("value")));
        facts.insert(
            "failed_tests".into(),
            FactValue::Set(BTreeSet::from([evil("set")])),
        );
        r.facts = BTreeMap::from([(evil("plugin"), facts)]);
        r.findings = vec![Finding {
            plugin: evil("finding-plugin"),
            rule: evil("rule"),
            severity: Severity::High,
            message: evil("message"),
            path: Some(evil("path")),
            line: Some(7),
        }];
        r.artifacts = vec![ArtifactSummary {
            path: evil("artifact"),
            size: 2048,
            sha256: evil("digest"),
        }];
        r.skipped = vec![Skipped {
            path: evil("skipped"),
            reason: evil("why"),
        }];
        r.claims.unclaimed = vec![evil("unclaimed")];
        r.claims.shared = vec![(evil("shared"), vec![evil("a"), evil("b")])];
        r.waivers = vec![WaiverStatus {
            id: evil("waiver-id"),
            policy: "coverage-floor".into(),
            status: WaiverState::Applied,
            expires: evil("expires"),
            approver: evil("approver"),
            ticket: evil("ticket"),
            reason: evil("waiver-reason"),
        }];
        r.exceptions = vec![ExceptionStatus {
            plugin: evil("exception-plugin"),
            id: evil("exception-id"),
            matches: evil("match"),
            status: "active",
            expires: evil("expires"),
            approver: evil("approver"),
            ticket: evil("ticket"),
            reason: evil("exception-reason"),
        }];
        r.warnings = vec![evil("warning")];
        r.config = evil("config");
        r.policy_source = evil("policies");
        r.policy_digest = Some(evil("digest"));
        r
    }

    /// Every tag of `page`: its name and attributes. Untrusted text is
    /// escaped, so every `<` in the page opens a tag the page wrote, and
    /// every attribute value ends at the next `"`.
    fn tags(page: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut found = Vec::new();
        let mut rest = page;
        while let Some(at) = rest.find('<') {
            rest = &rest[at + 1..];
            if rest.starts_with('/') || rest.starts_with('!') {
                continue;
            }
            let end = rest.find(['>', ' ']).unwrap();
            let name = rest[..end].to_owned();
            rest = &rest[end..];
            let mut attrs = Vec::new();
            loop {
                rest = rest.trim_start();
                if rest.starts_with('>') {
                    break;
                }
                let end = rest.find(['=', ' ', '>']).unwrap();
                let attr = rest[..end].to_owned();
                rest = &rest[end..];
                let mut value = String::new();
                if let Some(quoted) = rest.strip_prefix("=\"") {
                    let close = quoted.find('"').unwrap();
                    value = quoted[..close].to_owned();
                    rest = &quoted[close + 1..];
                } else {
                    assert!(
                        !attr.is_empty() && !rest.starts_with('='),
                        "an unquoted attribute: {rest:.40}"
                    );
                }
                attrs.push((attr, value));
            }
            found.push((name, attrs));
        }
        found
    }

    const TAGS: &[&str] = &[
        "html", "head", "meta", "title", "style", "body", "header", "div", "p", "span", "h1", "h2",
        "h3", "dl", "dt", "dd", "code", "nav", "a", "main", "section", "table", "thead", "tbody",
        "tr", "th", "td", "details", "summary", "ol", "ul", "li", "b", "br", "footer",
    ];
    const ATTRIBUTES: &[&str] = &[
        "lang",
        "charset",
        "http-equiv",
        "content",
        "name",
        "id",
        "class",
        "title",
        "href",
        "colspan",
        "open",
        "aria-hidden",
    ];

    fn assert_inert(page: &str) {
        for (name, attrs) in tags(page) {
            assert!(TAGS.contains(&name.as_str()), "tag <{name}> in the page");
            for (attr, value) in attrs {
                assert!(
                    ATTRIBUTES.contains(&attr.as_str()) || attr.starts_with("data-"),
                    "attribute {attr}={value:?} on <{name}>"
                );
                if attr == "href" {
                    assert!(value.starts_with('#'), "a link that navigates: {value:?}");
                }
            }
        }
        let lower = page.to_lowercase();
        for raw in [
            "<script", "<img", "<iframe", "<link", "<object", "url(", "@import",
        ] {
            assert!(!lower.contains(raw), "{raw} in the page");
        }
        assert!(!page.contains(TOKEN), "the planted token is in the page");
        assert!(
            !page
                .chars()
                .any(|c| c != '\n' && stagegate_text::is_unsafe(c)),
            "a raw control or bidi character is in the page"
        );
    }

    #[test]
    fn hostile_strings_never_appear_raw() {
        let page = render_page(&hostile(), false);
        assert_inert(&page);
        assert!(
            page.contains(r#"content="default-src 'none'; style-src 'unsafe-inline'""#),
            "{page}"
        );
        // Shown as text, visibly, and the token by its fingerprint.
        assert!(page.contains("&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("&#39; onmouseover=&#39;x"));
        assert!(page.contains("\\u{1b}[31mRED\\u{202e}txt.exe"));
        assert!(page.contains("ghp_…"), "the fingerprint is shown");
        // The run URL is text, never a link.
        assert!(page.contains("javascript:alert(1)//run"));
        assert!(!page.contains("href=\"javascript"));
    }

    #[test]
    fn a_cut_never_leaves_part_of_a_token() {
        let mut report = hostile();
        let filler = "x".repeat(sections::MESSAGE_CHARS - 20);
        report.findings[0].message = format!("{filler} {TOKEN} and more");
        let page = render_page(&report, false);
        assert!(!page.contains(&TOKEN[..12]), "part of the token was shown");
    }

    #[test]
    fn the_verdict_and_every_gate_are_marked_for_tests() {
        let report = hostile();
        let page = render_page(&report, true);
        assert!(page.contains(r#"id="verdict" class="verdict deny" data-decision="deny""#));
        assert!(page.contains(r#"id="dry-run""#));
        assert_eq!(page.matches(r#"<tr class="gate" "#).count(), 3);
        assert_eq!(page.matches(r#"data-status="failed""#).count(), 1);
        // What needs a look comes first; passed gates are folded away.
        let failed = page.find(r#"data-status="failed""#).unwrap();
        let skipped = page
            .find(r#"<tr class="gate" data-status="skipped""#)
            .unwrap();
        let passed = page
            .find(r#"<tr class="gate" data-status="passed""#)
            .unwrap();
        assert!(failed < skipped && skipped < passed);
        assert!(page.contains(r#"<details class="passed"><summary>1 gate(s) passed"#));
        for id in [
            "gates",
            "findings",
            "facts",
            "waivers",
            "plugins",
            "artifacts",
            "reasons",
        ] {
            assert!(page.contains(&format!(r#"<section id="{id}""#)), "no #{id}");
        }

        let mut error = GateReport::failed("prod", "no config".into());
        error.decision = GateDecision::Error;
        let page = render_page(&error, false);
        assert!(page.contains(r#"data-decision="error""#));
        assert!(page.contains(r#"<section id="errors""#));
        assert_inert(&page);
    }

    #[test]
    fn long_lists_are_capped() {
        let mut report = hostile();
        let finding = report.findings[0].clone();
        report.findings = (0..2000)
            .map(|i| Finding {
                severity: if i == 1999 {
                    Severity::Critical
                } else {
                    Severity::Low
                },
                ..finding.clone()
            })
            .collect();
        let set: BTreeSet<String> = (0..100).map(|i| format!("test_{i:03}")).collect();
        report
            .facts
            .values_mut()
            .for_each(|f| drop(f.insert("failed_tests".into(), FactValue::Set(set.clone()))));
        let page = render_page(&report, false);
        assert_eq!(page.matches(r#"<tr class="finding" "#).count(), 500);
        assert!(page.contains("1500 more finding(s) not shown"));
        // The worst finding is listed first, whatever its position.
        let first = page.find(r#"<tr class="finding" "#).unwrap();
        assert!(page[first..].starts_with(r#"<tr class="finding" data-severity="critical""#));
        assert!(page.contains("+80 more"));
        assert!(page.contains("test_019") && !page.contains("test_020"));
        assert!(page.len() < 2_000_000, "{} bytes", page.len());
    }

    #[test]
    fn plugins_without_input_say_so_and_output_is_deterministic() {
        let mut report = hostile();
        let idle = Facts::from([("inputs".to_owned(), FactValue::Long(0))]);
        report.facts.insert("coverage".into(), idle);
        let page = render_page(&report, false);
        assert!(page.contains(r#"<li data-plugin="coverage"><b>coverage</b> no input</li>"#));
        assert_eq!(page, render_page(&report, false));
    }
}
