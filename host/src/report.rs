//! Stage 5: reports. One renderer per format, each writing a [`GateReport`]
//! to a `&mut dyn Write`; the library itself never prints.
//!
//! Output is deterministic: sorted keys, no timestamps, no absolute temporary
//! paths beyond what the caller passed in. Every string passes [`text`], the
//! one writer that redacts secrets and defuses control characters.

pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod record;
pub mod sarif;
pub mod suite;
pub mod text;

use std::io::{self, Write};

use crate::gate::{GateDecision, GateReport};

/// The formats a gate report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// For people, on one screen.
    Human,
    /// One JSON object, `stagegate.report/v1`.
    Json,
    /// SARIF 2.1.0: one run per plugin, for code scanning.
    Sarif,
    /// JUnit XML: one test case per policy.
    Junit,
    /// A Markdown job summary.
    Markdown,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
    /// One self-contained HTML page.
    Html,
}

impl Format {
    /// Every format, in the order of the command line's list.
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
        Format::Github,
        Format::Gitlab,
        Format::Html,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Gitlab => "gitlab",
            Format::Html => "html",
        }
    }

    /// The format of this name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Writes `report` in `format` to `out`.
pub fn render(
    format: Format,
    report: &GateReport,
    dry_run: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, dry_run, out),
        Format::Json => json::render(report, dry_run, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Markdown => markdown::render(report, dry_run, out),
        Format::Github => github::render(report, dry_run, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Html => html::render(report, dry_run, out),
    }
}

/// The process exit code for a report: 0 allow, 1 deny, 2 cannot decide. A
/// dry run exits 0 on allow or deny, and still 2 when it cannot decide.
pub fn exit_code(report: &GateReport, dry_run: bool) -> u8 {
    match (report.decision, dry_run) {
        (GateDecision::Allow, _) => 0,
        (GateDecision::Deny, true) => 0,
        (GateDecision::Deny, false) => 1,
        (GateDecision::Error, _) => 2,
    }
}

/// How one policy came out for the transition, as the reports that list
/// every gate (JUnit, Markdown, HTML) show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateStatus {
    /// It did not block the promotion.
    Passed,
    /// It blocked the promotion.
    Failed,
    /// It fired but does not block here (advisory or waived), or it was not
    /// evaluated because the gate could not decide.
    Skipped,
    /// Its evaluation failed, which denies.
    Errored,
}

impl GateStatus {
    /// `passed`, `failed`, `skipped` or `errored`.
    pub fn as_str(self) -> &'static str {
        match self {
            GateStatus::Passed => "passed",
            GateStatus::Failed => "failed",
            GateStatus::Skipped => "skipped",
            GateStatus::Errored => "errored",
        }
    }
}

/// One policy and how it came out.
#[derive(Debug, Clone)]
pub struct Gate<'r> {
    /// The policy's id.
    pub policy: &'r str,
    /// `permit` or `forbid`.
    pub effect: &'static str,
    /// Whether the host enforces it.
    pub host: bool,
    /// How it came out.
    pub status: GateStatus,
    /// Its reason, for a policy that failed or was skipped; for a skipped
    /// one, also why it was skipped.
    pub note: String,
}

/// Every evaluated policy of `report` and how it came out, sorted by id.
///
/// A forbid fails when it fired and blocks, is skipped when it fired but is
/// advisory or waived, and passes otherwise. A permit passes unless nothing
/// permitted the promotion (Cedar's default deny), when every permit fails.
/// When the gate could not decide before evaluating, every policy is skipped.
pub fn gates(report: &GateReport) -> Vec<Gate<'_>> {
    let evaluated = !report.reasons.is_empty();
    let default_deny = report.reasons.iter().any(|r| r.effect == "default");
    report
        .policies
        .iter()
        .map(|entry| {
            let fired = report.reasons.iter().find(|r| r.policy == entry.policy);
            let (status, note) = match fired {
                _ if !evaluated => (
                    GateStatus::Skipped,
                    "not evaluated: the gate could not decide".to_owned(),
                ),
                Some(r) if r.reason.ends_with(crate::decision::EVALUATION_FAILED) => {
                    (GateStatus::Errored, r.reason.clone())
                }
                Some(r) if r.effect == "advisory" => {
                    (GateStatus::Skipped, format!("advisory here: {}", r.reason))
                }
                Some(r) if r.effect == "waived" => (
                    GateStatus::Skipped,
                    format!(
                        "waived by {}: {}",
                        r.waiver.as_deref().unwrap_or("a waiver"),
                        r.reason
                    ),
                ),
                Some(r) if r.effect == "forbid" => (GateStatus::Failed, r.reason.clone()),
                Some(_) => (GateStatus::Passed, String::new()),
                None if entry.effect == "permit" && default_deny => (
                    GateStatus::Failed,
                    "its conditions were not met, and nothing else permits the promotion"
                        .to_owned(),
                ),
                None => (GateStatus::Passed, String::new()),
            };
            Gate {
                policy: &entry.policy,
                effect: entry.effect,
                host: entry.host,
                status,
                note,
            }
        })
        .collect()
}

/// A stable fingerprint of a finding, the same in every format that carries
/// one (SARIF `partialFingerprints`, GitLab `fingerprint`): SHA-256 over its
/// plugin, rule, path, line and message, in hex.
pub fn fingerprint(finding: &crate::facts::Finding) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for part in [
        finding.plugin.as_str(),
        finding.rule.as_str(),
        finding.path.as_deref().unwrap_or(""),
        &finding.line.map(|l| l.to_string()).unwrap_or_default(),
        finding.message.as_str(),
    ] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
