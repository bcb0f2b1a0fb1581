//! Reads Trivy's JSON output: the `SchemaVersion: 2` report (image, filesystem, repository and
//! SBOM scans), the two `trivy k8s` report layouts (`ClusterName` with `Resources[]` or with a
//! top-level `Vulnerabilities[]` of resources), and the legacy pre-v2 top-level list of results.
//! Only vulnerabilities are read: misconfigurations, secrets and licences belong to other plugins,
//! and a secret's matched text must never be kept here.

use crate::format::{Format, ParseError, nullable, read_json};
use crate::model::{Ecosystem, Package, Record, Report, Severity, max_score};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

/// The only report schema version this parser reads.
const SCHEMA_VERSION: i64 = 2;

/// A whole Trivy output: a report object or the legacy list of results.
enum Document {
    Report(TrivyReport),
    Legacy(Vec<TrivyResult>),
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = Document;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Trivy report object or a legacy list of results")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Document, A::Error> {
                TrivyReport::deserialize(MapAccessDeserializer::new(map)).map(Document::Report)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Document, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(Document::Legacy)
            }
        }
        deserializer.deserialize_any(DocumentVisitor)
    }
}

#[derive(Deserialize)]
struct TrivyReport {
    #[serde(rename = "SchemaVersion", default)]
    schema_version: Option<i64>,
    #[serde(rename = "ClusterName", default)]
    cluster_name: Option<serde::de::IgnoredAny>,
    #[serde(rename = "ArtifactName", default, deserialize_with = "nullable")]
    artifact_name: String,
    #[serde(rename = "Results", default, deserialize_with = "nullable")]
    results: Vec<TrivyResult>,
    #[serde(rename = "Resources", default, deserialize_with = "nullable")]
    resources: Vec<Resource>,
    /// In the k8s cluster layout this top-level key lists resources, each with results.
    #[serde(rename = "Vulnerabilities", default, deserialize_with = "nullable")]
    cluster_vulnerabilities: Vec<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(rename = "Results", default, deserialize_with = "nullable")]
    results: Vec<TrivyResult>,
}

#[derive(Deserialize)]
struct TrivyResult {
    #[serde(rename = "Target", default, deserialize_with = "nullable")]
    target: String,
    #[serde(rename = "Type", default, deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "Vulnerabilities", default, deserialize_with = "nullable")]
    vulnerabilities: Vec<Vulnerability>,
    #[serde(rename = "Packages", default, deserialize_with = "nullable")]
    packages: Vec<ListedPackage>,
    #[serde(
        rename = "ExperimentalModifiedFindings",
        default,
        deserialize_with = "nullable"
    )]
    modified: Vec<ModifiedFinding>,
}

/// Every field is optional so a modified secret or misconfiguration finding also parses
/// (and is then skipped by its `Type`).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Vulnerability {
    #[serde(rename = "VulnerabilityID", deserialize_with = "nullable")]
    id: String,
    #[serde(rename = "VendorIDs", deserialize_with = "nullable")]
    vendor_ids: Vec<String>,
    #[serde(rename = "PkgName", deserialize_with = "nullable")]
    pkg_name: String,
    #[serde(rename = "PkgIdentifier", deserialize_with = "nullable")]
    identifier: Identifier,
    #[serde(rename = "InstalledVersion", deserialize_with = "nullable")]
    installed: String,
    #[serde(rename = "FixedVersion", deserialize_with = "nullable")]
    fixed: String,
    #[serde(rename = "Status", deserialize_with = "nullable")]
    status: String,
    #[serde(rename = "Severity", deserialize_with = "nullable")]
    severity: String,
    #[serde(rename = "CVSS", deserialize_with = "nullable")]
    cvss: BTreeMap<String, Cvss>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Identifier {
    #[serde(rename = "PURL", deserialize_with = "nullable")]
    purl: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cvss {
    #[serde(rename = "V2Score")]
    v2: Option<f64>,
    #[serde(rename = "V3Score")]
    v3: Option<f64>,
    #[serde(rename = "V40Score")]
    v40: Option<f64>,
}

#[derive(Deserialize)]
struct ListedPackage {
    #[serde(rename = "Name", default, deserialize_with = "nullable")]
    name: String,
    #[serde(rename = "Version", default, deserialize_with = "nullable")]
    version: String,
    #[serde(rename = "Identifier", default, deserialize_with = "nullable")]
    identifier: Identifier,
}

#[derive(Deserialize)]
struct ModifiedFinding {
    #[serde(rename = "Type", default, deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "Status", default, deserialize_with = "nullable")]
    status: String,
    #[serde(rename = "Finding", default, deserialize_with = "nullable")]
    finding: Vulnerability,
}

/// Reads one Trivy JSON output from `reader`; `path` names it in errors.
pub fn parse(reader: impl BufRead, path: &str) -> Result<Report, ParseError> {
    let mut scanned = 0u64;
    let results = match read_json::<Document>(reader, path, Format::Trivy)? {
        Document::Legacy(results) => results,
        Document::Report(report) => {
            match (report.schema_version, report.cluster_name.is_some()) {
                (Some(SCHEMA_VERSION), _) | (None, true) => {}
                (Some(other), _) => {
                    return Err(ParseError::content(
                        path,
                        Format::Trivy,
                        format!(
                            "`SchemaVersion` is {other}, this plugin reads version {SCHEMA_VERSION}"
                        ),
                    ));
                }
                (None, false) => {
                    return Err(ParseError::content(
                        path,
                        Format::Trivy,
                        "it has neither `SchemaVersion` nor `ClusterName`",
                    ));
                }
            }
            scanned += u64::from(!report.artifact_name.trim().is_empty());
            scanned += (report.resources.len() + report.cluster_vulnerabilities.len()) as u64;
            let nested = report
                .resources
                .into_iter()
                .chain(report.cluster_vulnerabilities);
            let mut results = report.results;
            results.extend(nested.flat_map(|r| r.results));
            results
        }
    };
    let mut out = Report::default();
    for result in results {
        scanned += u64::from(!result.target.trim().is_empty());
        read_result(result, path, &mut out)?;
    }
    out.scanned = scanned;
    Ok(out)
}

fn read_result(result: TrivyResult, path: &str, out: &mut Report) -> Result<(), ParseError> {
    let ecosystem = ecosystem_of_type(&result.kind);
    for listed in &result.packages {
        let purl = Package::from_purl(&listed.identifier.purl);
        let eco = purl.and_then(|p| p.ecosystem).or(ecosystem);
        out.packages
            .push(Package::new(&listed.name, &listed.version, eco));
    }
    for vulnerability in result.vulnerabilities {
        if vulnerability.id.trim().is_empty() {
            return Err(ParseError::content(
                path,
                Format::Trivy,
                format!(
                    "a vulnerability of target `{}` has no `VulnerabilityID`",
                    crate::model::clip(&result.target)
                ),
            ));
        }
        let record = to_record(vulnerability, ecosystem, false);
        out.packages.push(record.package.clone());
        out.records.push(record);
    }
    for modified in result.modified {
        let vex = matches!(modified.status.as_str(), "not_affected" | "fixed");
        if modified.kind == "vulnerability" && vex && !modified.finding.id.trim().is_empty() {
            out.records
                .push(to_record(modified.finding, ecosystem, true));
        }
    }
    Ok(())
}

fn to_record(v: Vulnerability, ecosystem: Option<Ecosystem>, suppressed: bool) -> Record {
    let from_purl = Package::from_purl(&v.identifier.purl);
    let eco = from_purl.and_then(|p| p.ecosystem).or(ecosystem);
    let scores = v.cvss.values().flat_map(|c| [c.v2, c.v3, c.v40]).flatten();
    let fixed = v.fixed.trim();
    Record {
        id: crate::model::clip(&v.id),
        aliases: v.vendor_ids.iter().map(|a| crate::model::clip(a)).collect(),
        package: Package::new(&v.pkg_name, &v.installed, eco),
        severity: Severity::parse(&v.severity),
        cvss: max_score(scores),
        fixable: !fixed.is_empty(),
        fix: (!fixed.is_empty()).then(|| crate::model::clip(fixed)),
        not_affected: suppressed || v.status == "not_affected",
    }
}

/// The ecosystem of a Trivy result `Type` (the lockfile or package database it read).
fn ecosystem_of_type(kind: &str) -> Option<Ecosystem> {
    match kind {
        "npm" | "yarn" | "pnpm" | "bun" | "node-pkg" => Some(Ecosystem::Npm),
        "pip" | "pipenv" | "poetry" | "uv" | "python-pkg" => Some(Ecosystem::PyPi),
        "cargo" | "rust-binary" => Some(Ecosystem::Crates),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
