//! Reads Grype's JSON output (`grype -o json`), from the 0.7-era layout (`cvssV2`/`cvssV3`
//! objects) to current releases (`cvss[]`, `relatedVulnerabilities[]`, `ignoredMatches[]`).
//! Matches are vulnerabilities; ignored matches count only when a VEX rule (`vex-status`
//! `not_affected` or `fixed`) set them aside, since other ignore rules are the user's own
//! configuration and say nothing about the package. It keeps no descriptor or source data.

use crate::format::{Format, ParseError, nullable, read_json};
use crate::model::{Ecosystem, Package, Record, Report, Severity, clip, max_score};
use serde::Deserialize;
use std::io::BufRead;

#[derive(Deserialize)]
struct Document {
    matches: Option<Vec<Match>>,
    #[serde(default, deserialize_with = "nullable")]
    source: Source,
    #[serde(rename = "ignoredMatches", default, deserialize_with = "nullable")]
    ignored: Vec<Match>,
}

/// What was scanned: only whether a target is named matters.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Source {
    target: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct Match {
    vulnerability: Vulnerability,
    #[serde(
        rename = "relatedVulnerabilities",
        default,
        deserialize_with = "nullable"
    )]
    related: Vec<Related>,
    #[serde(default, deserialize_with = "nullable")]
    artifact: Artifact,
    #[serde(rename = "appliedIgnoreRules", default, deserialize_with = "nullable")]
    ignore_rules: Vec<IgnoreRule>,
}

#[derive(Deserialize)]
struct Vulnerability {
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    severity: String,
    #[serde(default, deserialize_with = "nullable")]
    cvss: Vec<Cvss>,
    #[serde(rename = "cvssV2", default)]
    cvss_v2: Option<Metrics>,
    #[serde(rename = "cvssV3", default)]
    cvss_v3: Option<Metrics>,
    #[serde(default, deserialize_with = "nullable")]
    fix: Fix,
}

#[derive(Deserialize)]
struct Related {
    #[serde(default, deserialize_with = "nullable")]
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    cvss: Vec<Cvss>,
}

#[derive(Deserialize)]
struct Cvss {
    #[serde(default)]
    metrics: Option<Metrics>,
}

#[derive(Deserialize)]
struct Metrics {
    #[serde(rename = "baseScore", default)]
    base_score: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Fix {
    #[serde(deserialize_with = "nullable")]
    state: String,
    #[serde(deserialize_with = "nullable")]
    versions: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Artifact {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(rename = "type", deserialize_with = "nullable")]
    kind: String,
    #[serde(deserialize_with = "nullable")]
    purl: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IgnoreRule {
    #[serde(rename = "vex-status", deserialize_with = "nullable")]
    vex_status: String,
}

/// Reads one Grype JSON report from `reader`; `path` names it in errors.
pub fn parse(reader: impl BufRead, path: &str) -> Result<Report, ParseError> {
    let document: Document = read_json(reader, path, Format::Grype)?;
    let Some(matches) = document.matches else {
        return Err(ParseError::content(
            path,
            Format::Grype,
            "`matches` is missing or null",
        ));
    };
    let mut out = Report {
        scanned: u64::from(document.source.target.is_some())
            + (matches.len() + document.ignored.len()) as u64,
        ..Report::default()
    };
    for m in matches {
        let record = to_record(m, path, false)?;
        out.packages.push(record.package.clone());
        out.records.push(record);
    }
    for m in document.ignored {
        let vex = m
            .ignore_rules
            .iter()
            .any(|r| matches!(r.vex_status.as_str(), "not_affected" | "fixed"));
        let record = to_record(m, path, true)?;
        out.packages.push(record.package.clone());
        if vex {
            out.records.push(record);
        }
    }
    Ok(out)
}

fn to_record(m: Match, path: &str, not_affected: bool) -> Result<Record, ParseError> {
    let v = m.vulnerability;
    if v.id.trim().is_empty() {
        return Err(ParseError::content(
            path,
            Format::Grype,
            format!(
                "a match for package `{}` has an empty vulnerability `id`",
                clip(&m.artifact.name)
            ),
        ));
    }
    let scores = v
        .cvss
        .iter()
        .chain(m.related.iter().flat_map(|r| r.cvss.iter()))
        .filter_map(|c| c.metrics.as_ref())
        .chain(v.cvss_v2.as_ref())
        .chain(v.cvss_v3.as_ref())
        .filter_map(|metrics| metrics.base_score);
    let fixable = v.fix.state == "fixed";
    let versions: Vec<&str> = v.fix.versions.iter().map(|s| s.trim()).collect();
    let ecosystem = Package::from_purl(&m.artifact.purl)
        .and_then(|p| p.ecosystem)
        .or_else(|| ecosystem_of_type(&m.artifact.kind));
    Ok(Record {
        id: clip(&v.id),
        aliases: m
            .related
            .iter()
            .filter(|r| !r.id.trim().is_empty())
            .map(|r| clip(&r.id))
            .collect(),
        package: Package::new(&m.artifact.name, &m.artifact.version, ecosystem),
        severity: Severity::parse(&v.severity),
        cvss: max_score(scores),
        fixable,
        fix: (fixable && !versions.is_empty()).then(|| clip(&versions.join(", "))),
        not_affected,
    })
}

/// The ecosystem of a Grype artifact `type`.
fn ecosystem_of_type(kind: &str) -> Option<Ecosystem> {
    match kind {
        "npm" => Some(Ecosystem::Npm),
        "python" => Some(Ecosystem::PyPi),
        "rust-crate" => Some(Ecosystem::Crates),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
