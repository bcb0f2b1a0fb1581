//! Reads CycloneDX JSON (spec 1.2 to 1.7): SBOMs, BOMs with `vulnerabilities[]`, and
//! standalone VEX documents. Components (nested ones included) give the package inventory and
//! resolve each vulnerability's `affects[].ref`; a ref that names no component is read as a
//! BOM-Link fragment or a package URL. `analysis.state` `not_affected`, `false_positive`,
//! `resolved` and `resolved_with_pedigree` mark a vulnerability as not affecting the product.
//! CycloneDX XML is not read here. It keeps no licences, hashes or dependency graph.

use crate::format::{Format, ParseError, nullable, read_json};
use crate::model::{Package, Record, Report, Severity, clip, max_score};
use serde::Deserialize;
use std::collections::HashMap;
use std::io::BufRead;

/// The spec versions this parser reads.
const SPEC_VERSIONS: [&str; 6] = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// Analysis states that say the product is not affected by the vulnerability.
const NOT_AFFECTED_STATES: [&str; 4] = [
    "not_affected",
    "false_positive",
    "resolved",
    "resolved_with_pedigree",
];

#[derive(Deserialize)]
struct Bom {
    #[serde(rename = "bomFormat")]
    bom_format: String,
    #[serde(rename = "specVersion")]
    spec_version: String,
    #[serde(default, deserialize_with = "nullable")]
    metadata: Metadata,
    #[serde(default, deserialize_with = "nullable")]
    components: Vec<Component>,
    #[serde(default, deserialize_with = "nullable")]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata {
    component: Option<Component>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Component {
    #[serde(rename = "bom-ref", deserialize_with = "nullable")]
    bom_ref: String,
    #[serde(deserialize_with = "nullable")]
    group: String,
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    version: String,
    #[serde(deserialize_with = "nullable")]
    purl: String,
    #[serde(deserialize_with = "nullable")]
    components: Vec<Component>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Vulnerability {
    #[serde(deserialize_with = "nullable")]
    id: String,
    #[serde(deserialize_with = "nullable")]
    references: Vec<Reference>,
    #[serde(deserialize_with = "nullable")]
    ratings: Vec<Rating>,
    #[serde(deserialize_with = "nullable")]
    recommendation: String,
    #[serde(deserialize_with = "nullable")]
    affects: Vec<Affects>,
    #[serde(deserialize_with = "nullable")]
    analysis: Analysis,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Reference {
    #[serde(deserialize_with = "nullable")]
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rating {
    score: Option<f64>,
    #[serde(deserialize_with = "nullable")]
    severity: String,
    #[serde(deserialize_with = "nullable")]
    method: String,
    #[serde(deserialize_with = "nullable")]
    vector: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Affects {
    #[serde(rename = "ref", deserialize_with = "nullable")]
    reference: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Analysis {
    #[serde(deserialize_with = "nullable")]
    state: String,
    #[serde(deserialize_with = "nullable")]
    response: Vec<String>,
}

/// Reads one CycloneDX JSON document from `reader`; `path` names it in errors.
pub fn parse(reader: impl BufRead, path: &str) -> Result<Report, ParseError> {
    let bom: Bom = read_json(reader, path, Format::CycloneDx)?;
    if bom.bom_format != "CycloneDX" {
        return Err(ParseError::content(
            path,
            Format::CycloneDx,
            format!(
                "`bomFormat` is `{}`, not `CycloneDX`",
                clip(&bom.bom_format)
            ),
        ));
    }
    if !SPEC_VERSIONS.contains(&bom.spec_version.as_str()) {
        return Err(ParseError::content(
            path,
            Format::CycloneDx,
            format!(
                "`specVersion` `{}` is not one of {}",
                clip(&bom.spec_version),
                SPEC_VERSIONS.join(", ")
            ),
        ));
    }
    let mut out = Report::default();
    let mut by_ref: HashMap<String, Package> = HashMap::new();
    let mut stack: Vec<(Component, bool)> = bom.components.into_iter().map(|c| (c, true)).collect();
    // The described product itself is not a dependency: it resolves refs but is no typosquat.
    stack.extend(bom.metadata.component.map(|c| (c, false)));
    while let Some((mut component, is_dependency)) = stack.pop() {
        let package = component_package(&component);
        if is_dependency {
            out.packages.push(package.clone());
        }
        if !component.bom_ref.is_empty() {
            by_ref.insert(component.bom_ref.clone(), package);
        }
        let children = std::mem::take(&mut component.components);
        stack.extend(children.into_iter().map(|c| (c, is_dependency)));
    }
    out.scanned = (out.packages.len() + bom.vulnerabilities.len()) as u64;
    for vulnerability in bom.vulnerabilities {
        read_vulnerability(vulnerability, &by_ref, &mut out);
    }
    Ok(out)
}

fn component_package(c: &Component) -> Package {
    let from_purl = Package::from_purl(&c.purl);
    let ecosystem = from_purl.as_ref().and_then(|p| p.ecosystem);
    // The package URL's name carries the npm scope or Maven group in the form scanners use.
    let name = match (from_purl.as_ref(), c.group.as_str()) {
        (Some(p), _) => p.name.clone(),
        (None, "") => c.name.clone(),
        (None, group) if group.starts_with('@') => format!("{group}/{}", c.name),
        (None, group) => format!("{group}:{}", c.name),
    };
    let version = match (c.version.is_empty(), from_purl.as_ref()) {
        (true, Some(p)) => p.version.clone(),
        _ => c.version.clone(),
    };
    Package::new(&name, &version, ecosystem)
}

/// The package an `affects[].ref` points at.
fn resolve(reference: &str, by_ref: &HashMap<String, Package>) -> Package {
    let fragment = reference.rsplit_once('#').map_or(reference, |(_, f)| f);
    by_ref
        .get(reference)
        .or_else(|| by_ref.get(fragment))
        .cloned()
        .or_else(|| Package::from_purl(fragment))
        .unwrap_or_else(|| Package::new(reference, "", None))
}

fn read_vulnerability(v: Vulnerability, by_ref: &HashMap<String, Package>, out: &mut Report) {
    let id = if v.id.trim().is_empty() {
        "(no id)".to_owned()
    } else {
        clip(&v.id)
    };
    let cvss = max_score(
        v.ratings
            .iter()
            .filter(|r| is_cvss(r))
            .filter_map(|r| r.score),
    );
    let stated = v
        .ratings
        .iter()
        .map(|r| r.severity.trim())
        .filter(|s| !s.is_empty());
    let severity = match stated.map(Severity::parse).max() {
        Some(s) => s,
        None => cvss.map_or(Severity::Unknown, Severity::from_cvss),
    };
    let recommendation = v.recommendation.trim();
    let updates = v.analysis.response.iter().any(|r| r == "update");
    let template = Record {
        id,
        aliases: v
            .references
            .iter()
            .filter(|r| !r.id.trim().is_empty())
            .map(|r| clip(&r.id))
            .collect(),
        package: Package::default(),
        severity,
        cvss,
        fixable: !recommendation.is_empty() || updates,
        fix: (!recommendation.is_empty()).then(|| clip(recommendation)),
        not_affected: NOT_AFFECTED_STATES.contains(&v.analysis.state.as_str()),
    };
    if v.affects.is_empty() {
        out.records.push(template);
        return;
    }
    for affects in &v.affects {
        out.records.push(Record {
            package: resolve(&affects.reference, by_ref),
            ..template.clone()
        });
    }
}

/// Whether a rating is a CVSS score: its method says CVSS, or it has no method but a vector.
/// EPSS, OWASP and "other" ratings are not CVSS.
fn is_cvss(rating: &Rating) -> bool {
    let method = rating.method.to_ascii_lowercase();
    method.starts_with("cvss") || (method.is_empty() && !rating.vector.trim().is_empty())
}

#[cfg(test)]
mod tests;
