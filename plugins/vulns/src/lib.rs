//! The `vulns` built-in plugin: dependency and image vulnerabilities from Trivy, Grype,
//! CycloneDX (SBOM, VEX) and pip-audit JSON, deduplicated across scanners, with VEX
//! exclusions and a typosquat check of the package names the inputs list.
//!
//! This file is only the glue between the host and the pure modules: it reads each artifact
//! as a stream, hands it to the parser of its kind, and turns the [`summary::Summary`] into
//! facts and findings. All parsing and analysis lives in the other modules, which never call
//! the SDK, so they are tested natively.
//!
//! # How the numbers are made
//!
//! - **Severity** comes from Trivy's `Severity`, Grype's `vulnerability.severity` (Negligible
//!   counts as low) and the highest `ratings[].severity` of a CycloneDX vulnerability (info and
//!   none count as low; with no severity word, the CVSS v3 band of its highest score). pip-audit
//!   states none: its vulnerabilities are `unknown` unless a stated alias merges them with another
//!   scanner's record (see [`dedup`]).
//! - **Fix available**: Trivy `FixedVersion` non-empty; Grype `fix.state == "fixed"`; CycloneDX
//!   a non-empty `recommendation` or an `analysis.response` of `update` (affected-version ranges
//!   are not interpreted); pip-audit a non-empty `fix_versions`.
//! - **CVSS** is the highest base score given: Trivy `CVSS.*.V2Score/V3Score/V40Score`, Grype
//!   `cvss[].metrics.baseScore` (also of related vulnerabilities, and the old `cvssV2`/`cvssV3`),
//!   CycloneDX ratings whose method is CVSS (EPSS, OWASP and "other" ratings are not scores).
//! - **Not affected**: CycloneDX `analysis.state` `not_affected`, `false_positive`, `resolved` or
//!   `resolved_with_pedigree`; Trivy `Status: not_affected` and `ExperimentalModifiedFindings`
//!   with status `not_affected` or `fixed`; Grype `ignoredMatches` set aside by a rule with
//!   `vex-status` `not_affected` or `fixed`. A VEX statement in one file also excludes the same
//!   vulnerability of the same package reported by another file.
//! - **Deduplication** and its key are described in [`dedup`]; **typosquats** in [`typosquat`].

pub mod cyclonedx;
pub mod dedup;
pub mod format;
pub mod grype;
pub mod model;
pub mod pip_audit;
pub mod purl;
pub mod summary;
pub mod trivy;
pub mod typosquat;

use format::{Format, ParseError};
use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity, log,
};
use std::io::BufRead;
use summary::{Level, MAX_TYPOSQUATS, Options, Summary};

/// Reads one input of `format` from `reader`; `path` names it in errors.
pub fn read(format: Format, reader: impl BufRead, path: &str) -> Result<model::Report, ParseError> {
    match format {
        Format::Trivy => trivy::parse(reader, path),
        Format::Grype => grype::parse(reader, path),
        Format::CycloneDx => cyclonedx::parse(reader, path),
        Format::PipAudit => pip_audit::parse(reader, path),
    }
}

/// The plugin's configuration (a JSON object; unknown keys are errors).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Config {
    /// Look for typosquat suspects (default `true`).
    typosquat_check: bool,
    /// Package names never flagged as typosquats, e.g. internal packages.
    typosquat_allow: Vec<String>,
    /// Filled by the host from the `[[plugins.vulns.exceptions]]` in time:
    /// vulnerability ids (or aliases) not counted.
    exceptions: Vec<ConfigException>,
}

/// One exception as the host passes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigException {
    id: String,
    #[serde(rename = "match")]
    matches: String,
}

impl Default for Config {
    fn default() -> Self {
        let defaults = Options::default();
        Self {
            typosquat_check: defaults.typosquat_check,
            typosquat_allow: defaults.typosquat_allow,
            exceptions: Vec::new(),
        }
    }
}

/// Parses the configuration text into [`Options`].
pub fn parse_config(text: &str) -> Result<Options, String> {
    let invalid =
        |e: serde_json::Error| format!("the `vulns` plugin configuration is invalid: {e}");
    let text = if text.trim().is_empty() { "{}" } else { text };
    // The configuration is a few bytes of trusted text: a JSON tree is fine here.
    let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
    if !value.is_object() {
        return Err("the `vulns` plugin configuration must be a JSON object".to_owned());
    }
    let config: Config = serde_json::from_value(value).map_err(invalid)?;
    Ok(Options {
        typosquat_check: config.typosquat_check,
        typosquat_allow: config.typosquat_allow,
        exceptions: config
            .exceptions
            .into_iter()
            .map(|e| (e.matches.trim().to_ascii_uppercase(), e.id))
            .collect(),
    })
}

/// The plugin.
pub struct Vulns;

impl Plugin for Vulns {
    fn describe() -> Metadata {
        let keys =
            |keys: &[&str]| Matcher::JsonKeys(keys.iter().map(|k| (*k).to_owned()).collect());
        let kind = |format: Format, matchers: Vec<Matcher>| ArtifactKind {
            name: format.kind().to_owned(),
            matchers,
        };
        Metadata {
            name: "vulns".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "dependency and image vulnerabilities from Trivy, Grype, CycloneDX and pip-audit JSON, deduplicated, with VEX exclusions and typosquat suspects".into(),
            reads: vec![
                kind(
                    Format::Trivy,
                    vec![
                        keys(&["SchemaVersion", "Results"]),
                        keys(&["SchemaVersion", "ArtifactName"]),
                        // `trivy k8s` reports carry no SchemaVersion.
                        keys(&["ClusterName", "Resources"]),
                        // Trivy before 0.20 wrote a top-level array of
                        // results; the host matches the keys of its first
                        // object. `Target` is always there; `Type` from 0.9
                        // on (when `Vulnerabilities` is omitted if empty),
                        // `Vulnerabilities` (`null` when empty) before it.
                        keys(&["Target", "Type"]),
                        keys(&["Target", "Vulnerabilities"]),
                        keys(&["ClusterName", "Vulnerabilities"]),
                    ],
                ),
                kind(
                    Format::Grype,
                    vec![keys(&["matches", "source"]), keys(&["matches", "descriptor"])],
                ),
                kind(Format::CycloneDx, vec![keys(&["bomFormat", "specVersion"])]),
                kind(Format::PipAudit, vec![keys(&["dependencies", "fixes"])]),
            ],
            facts: fact_specs(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let inputs = artifacts
            .iter()
            .map(|a| (a.path.clone(), a.kind.clone(), a.text_reader()));
        evaluate_inputs(inputs, &config, &mut |line| log::debug(line))
    }
}

/// What the plugin's `evaluate` does, without the host: reads every input, given as its
/// path, its artifact kind and a reader, with the parser of its kind, and summarises them.
/// `log` receives one line per input. An input counts in `inputs` when it names at least one
/// scanned target, package or component ([`model::Report::scanned`]).
pub fn evaluate_inputs<R: BufRead>(
    inputs: impl IntoIterator<Item = (String, String, std::io::Result<R>)>,
    config: &str,
    log: &mut dyn FnMut(&str),
) -> Result<Evaluation, String> {
    let options = parse_config(config)?;
    let mut reports = Vec::new();
    let mut measured = 0usize;
    for (path, kind, reader) in inputs {
        let format = Format::from_kind(&kind).ok_or_else(|| {
            format!("`{path}` has kind `{kind}`, which the `vulns` plugin does not read")
        })?;
        let reader = reader.map_err(|e| e.to_string())?;
        let report = read(format, reader, &path).map_err(|e| e.to_string())?;
        log(&format!(
            "`{path}`: {} vulnerability records, {} packages, {} scanned targets",
            report.records.len(),
            report.packages.len(),
            report.scanned
        ));
        // An SBOM without components, or a report naming nothing it scanned, measured
        // nothing; a scan of a named target counts even when it found nothing.
        if report.scanned > 0 {
            measured += 1;
        }
        reports.push((path, report));
    }
    let mut summary = summary::summarise(reports, &options);
    summary.inputs = measured;
    Ok(facts(&summary).with_findings(findings(&summary)))
}

/// The declared facts, in the order [`facts`] returns them.
fn fact_specs() -> Vec<FactSpec> {
    vec![
        FactSpec::long(
            "inputs",
            "inputs that name at least one scanned target, package or component: a Trivy or \
             Grype scan of a named target counts even when clean; a CycloneDX file needs a \
             component or vulnerability; a pip-audit report needs a dependency not skipped",
        ),
        FactSpec::long(
            "critical",
            "distinct vulnerabilities of critical severity (deduplicated across inputs, not-affected ones excluded)",
        ),
        FactSpec::long("high", "distinct vulnerabilities of high severity"),
        FactSpec::long("medium", "distinct vulnerabilities of medium severity"),
        FactSpec::long(
            "low",
            "distinct vulnerabilities of low (or negligible) severity",
        ),
        FactSpec::long(
            "unknown",
            "distinct vulnerabilities without a known severity (pip-audit gives none)",
        ),
        FactSpec::long(
            "critical_fixable",
            "critical vulnerabilities for which a fix is available",
        ),
        FactSpec::long(
            "high_fixable",
            "high vulnerabilities for which a fix is available",
        ),
        FactSpec::long(
            "medium_fixable",
            "medium vulnerabilities for which a fix is available",
        ),
        FactSpec::long(
            "low_fixable",
            "low vulnerabilities for which a fix is available",
        ),
        FactSpec::decimal(
            "max_cvss",
            "highest CVSS base score of any counted vulnerability, e.g. 9.8 (0.0 when none)",
        ),
        FactSpec::text_set(
            "ids",
            "ids (CVE preferred, else GHSA, else the scanner's) of counted vulnerabilities; at most 200 (the most severe) of at most 200 chars",
        ),
        FactSpec::text_set(
            "packages",
            "lowercased names of packages with counted vulnerabilities; at most 200 (the most severe) of at most 200 chars",
        ),
        FactSpec::long(
            "not_affected",
            "distinct vulnerabilities a VEX statement marks not affected (CycloneDX not_affected/false_positive/resolved, Trivy/Grype VEX-suppressed), excluded from the counts",
        ),
        FactSpec::long(
            "excepted",
            "distinct vulnerabilities an exception in time accepts (`[[plugins.vulns.exceptions]]`, by id or alias), excluded from the counts",
        ),
        FactSpec::long(
            "typosquat_suspects",
            "npm, PyPI and crates.io package names 1-2 edits away from a popular package name",
        ),
        FactSpec::text_set(
            "typosquats",
            "the suspected typosquat package names, at most 100 of at most 200 chars",
        ),
        FactSpec::long(
            "findings_dropped",
            "findings not listed because of the 1000-finding cap (the counts include them)",
        ),
    ]
}

/// The facts of `summary`, every declared fact exactly once.
fn facts(summary: &Summary) -> Facts {
    let counts = summary.counts;
    let fixable = summary.fixable;
    Facts::new()
        .long("inputs", summary.inputs)
        .long("critical", counts.critical)
        .long("high", counts.high)
        .long("medium", counts.medium)
        .long("low", counts.low)
        .long("unknown", counts.unknown)
        .long("critical_fixable", fixable.critical)
        .long("high_fixable", fixable.high)
        .long("medium_fixable", fixable.medium)
        .long("low_fixable", fixable.low)
        .decimal("max_cvss", summary::decimal(summary.max_cvss))
        .text_set("ids", summary.ids.iter().cloned())
        .text_set("packages", summary.packages.iter().cloned())
        .long("not_affected", summary.not_affected)
        .long("excepted", summary.excepted)
        .long("typosquat_suspects", summary.typosquats.len())
        .text_set(
            "typosquats",
            summary
                .typosquats
                .iter()
                .take(MAX_TYPOSQUATS)
                .map(|s| s.name.clone()),
        )
        .long("findings_dropped", summary.issues_dropped)
}

fn findings(summary: &Summary) -> Vec<Finding> {
    summary
        .issues
        .iter()
        .map(|issue| {
            let severity = match issue.level {
                Level::Info => Severity::Info,
                Level::Low => Severity::Low,
                Level::Medium => Severity::Medium,
                Level::High => Severity::High,
                Level::Critical => Severity::Critical,
            };
            let finding = Finding::new(issue.rule, severity, issue.message.clone());
            match &issue.path {
                Some(path) => finding.in_file(path),
                None => finding,
            }
        })
        .collect()
}

stagegate_sdk::export!(Vulns);

#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
