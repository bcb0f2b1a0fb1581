//! Turns the reports of every input into what the plugin returns: counts by severity (all and
//! fixable), the highest CVSS score, bounded id and package sets, the not-affected count, the
//! typosquat suspects, and the findings (capped, with the number left out). Pure data: the SDK
//! types are built in `lib.rs`, so this is unit-tested natively.

use crate::dedup::{self, Vulnerability};
use crate::model::{Ecosystem, Report, Severity};
use crate::typosquat::{self, Suspect};
use std::collections::{BTreeMap, BTreeSet};

/// The most findings returned; the rest are counted in `findings_dropped`.
pub const MAX_FINDINGS: usize = 1000;
/// The most entries of each set fact.
pub const MAX_SET: usize = 200;
/// The most typosquat names in the `typosquats` fact.
pub const MAX_TYPOSQUATS: usize = 100;

/// What the evaluation is asked to do besides counting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Whether to look for typosquat suspects.
    pub typosquat_check: bool,
    /// Names never flagged as typosquats.
    pub typosquat_allow: Vec<String>,
    /// Vulnerability ids (uppercased) the gate's exceptions accept, each with
    /// the exception's id.
    pub exceptions: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            typosquat_check: true,
            typosquat_allow: Vec::new(),
            exceptions: BTreeMap::new(),
        }
    }
}

/// Counts per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// Unknown.
    pub unknown: u64,
}

impl Counts {
    fn add(&mut self, severity: Severity) {
        let slot = match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Unknown => &mut self.unknown,
        };
        *slot = slot.saturating_add(1);
    }
}

/// How loud a finding is (the SDK severity, kept apart from the SDK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

/// One finding before it becomes an SDK `Finding`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// `vulns/vulnerability`, `vulns/typosquat` or `vulns/truncated`.
    pub rule: &'static str,
    /// How loud it is.
    pub level: Level,
    /// What a person reads.
    pub message: String,
    /// The input that reported it.
    pub path: Option<String>,
}

/// Everything one evaluation reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Files read.
    pub inputs: usize,
    /// Distinct affecting vulnerabilities by severity.
    pub counts: Counts,
    /// The same, restricted to those with a fix available (`unknown` is not reported).
    pub fixable: Counts,
    /// The highest CVSS score among affecting vulnerabilities.
    pub max_cvss: Option<f64>,
    /// Ids of affecting vulnerabilities, most severe first, at most [`MAX_SET`].
    pub ids: BTreeSet<String>,
    /// Lowercased names of affected packages, most severe first, at most [`MAX_SET`].
    pub packages: BTreeSet<String>,
    /// Distinct vulnerabilities a VEX statement marks as not affecting.
    pub not_affected: u64,
    /// Distinct vulnerabilities an exception of the gate accepts.
    pub excepted: u64,
    /// Typosquat suspects.
    pub typosquats: Vec<Suspect>,
    /// Findings, at most [`MAX_FINDINGS`] plus one summary when some were left out.
    pub issues: Vec<Issue>,
    /// Findings left out by the cap.
    pub issues_dropped: usize,
}

/// Formats a CVSS score as a Cedar decimal with one fractional digit (`"0.0"` for none).
pub fn decimal(score: Option<f64>) -> String {
    format!("{:.1}", score.unwrap_or(0.0))
}

/// Summarises the `(path, report)` of every input read.
pub fn summarise(inputs: Vec<(String, Report)>, options: &Options) -> Summary {
    let mut summary = Summary {
        inputs: inputs.len(),
        ..Summary::default()
    };
    let mut paths = Vec::with_capacity(inputs.len());
    let mut records = Vec::new();
    // Each (ecosystem, package name) with the index of the first input listing it.
    let mut listed: BTreeMap<(Ecosystem, String), usize> = BTreeMap::new();
    for (index, (path, report)) in inputs.into_iter().enumerate() {
        paths.push(path);
        records.extend(report.records.into_iter().map(|r| (index, r)));
        for package in report.packages {
            if let Some(ecosystem) = package.ecosystem {
                listed.entry((ecosystem, package.name)).or_insert(index);
            }
        }
    }
    let mut affecting: Vec<Vulnerability> = Vec::new();
    let mut excepted: Vec<(Vulnerability, &String)> = Vec::new();
    for vulnerability in dedup::merge(records) {
        let exception = vulnerability
            .ids
            .iter()
            .find_map(|id| options.exceptions.get(id));
        if vulnerability.not_affected {
            summary.not_affected = summary.not_affected.saturating_add(1);
        } else if let Some(exception) = exception {
            summary.excepted = summary.excepted.saturating_add(1);
            excepted.push((vulnerability, exception));
        } else {
            affecting.push(vulnerability);
        }
    }
    affecting.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| b.cvss.unwrap_or(-1.0).total_cmp(&a.cvss.unwrap_or(-1.0)))
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
    });
    for v in &affecting {
        summary.counts.add(v.severity);
        if v.fixable {
            summary.fixable.add(v.severity);
        }
        if summary.ids.len() < MAX_SET {
            summary.ids.insert(v.id.clone());
        }
        if summary.packages.len() < MAX_SET && !v.package.name.is_empty() {
            summary.packages.insert(v.package.name.to_lowercase());
        }
    }
    summary.max_cvss = crate::model::max_score(affecting.iter().filter_map(|v| v.cvss));
    if options.typosquat_check {
        let names: BTreeSet<(Ecosystem, String)> = listed.keys().cloned().collect();
        summary.typosquats = typosquat::check(&names, &options.typosquat_allow);
    }
    let mut issues: Vec<Issue> = summary
        .typosquats
        .iter()
        .map(|s| {
            let input = listed.get(&(s.ecosystem, s.name.clone()));
            typosquat_issue(s, input.and_then(|i| paths.get(*i)))
        })
        .collect();
    issues.extend(affecting.iter().map(|v| vulnerability_issue(v, &paths)));
    issues.extend(excepted.iter().map(|(v, exception)| Issue {
        rule: "vulns/excepted",
        level: Level::Info,
        message: format!(
            "{} in {} is accepted by exception `{exception}`: not counted",
            v.id,
            v.package.label()
        ),
        path: v.inputs.first().and_then(|i| paths.get(*i)).cloned(),
    }));
    summary.issues_dropped = issues.len().saturating_sub(MAX_FINDINGS);
    issues.truncate(MAX_FINDINGS);
    if summary.issues_dropped > 0 {
        issues.push(Issue {
            rule: "vulns/truncated",
            level: Level::Info,
            message: format!(
                "{} more findings were not listed (at most {MAX_FINDINGS} are); the counts include them",
                summary.issues_dropped
            ),
            path: None,
        });
    }
    summary.issues = issues;
    summary
}

fn typosquat_issue(s: &Suspect, path: Option<&String>) -> Issue {
    Issue {
        rule: "vulns/typosquat",
        level: Level::High,
        message: format!(
            "{} package `{}` is {} edit{} away from the popular package `{}`: check it is the package you meant",
            s.ecosystem.name(),
            s.name,
            s.distance,
            if s.distance == 1 { "" } else { "s" },
            s.resembles
        ),
        path: path.cloned(),
    }
}

fn vulnerability_issue(v: &Vulnerability, paths: &[String]) -> Issue {
    let level = match v.severity {
        Severity::Critical => Level::Critical,
        Severity::High => Level::High,
        Severity::Medium => Level::Medium,
        Severity::Low => Level::Low,
        Severity::Unknown => Level::Info,
    };
    let cvss = v.cvss.map(|s| format!(", CVSS {s:.1}")).unwrap_or_default();
    let fix = match (&v.fix, v.fixable) {
        (Some(fix), _) => format!("; fix: {fix}"),
        (None, true) => "; a fix is available".to_owned(),
        (None, false) => "; no fix available".to_owned(),
    };
    let also = match v.inputs.len() {
        0 | 1 => String::new(),
        n => format!(" (reported by {n} inputs)"),
    };
    Issue {
        rule: "vulns/vulnerability",
        level,
        message: format!(
            "{} ({}{cvss}) in {}{fix}{also}",
            v.id,
            v.severity.name(),
            v.package.label()
        ),
        path: v.inputs.first().and_then(|i| paths.get(*i)).cloned(),
    }
}

#[cfg(test)]
mod tests;
