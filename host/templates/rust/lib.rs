//! `{{name}}`: reads CycloneDX JSON SBOMs and reports the licences outside
//! the allow-list in its configuration (`allowed`, SPDX ids).
//!
//! The judgement is plain Rust ([`judge`]), tested with `cargo test`; the
//! [`Plugin`] impl only reads artifacts and builds facts.

use std::collections::BTreeSet;

use serde_json::Value;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};

/// Largest SBOM read whole.
const MAX_SBOM_BYTES: u64 = 64 * 1024 * 1024;

/// What the SBOMs hold, against the allow-list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Components seen.
    pub components: u64,
    /// Components that name no licence.
    pub unlicensed: u64,
    /// Licences (or expressions) outside the allow-list.
    pub denied: BTreeSet<String>,
    /// `(component, licence)` for each denied licence.
    pub offenders: Vec<(String, String)>,
}

/// Whether an SPDX expression is allowed: one alternative of an `OR` is
/// enough, every part of an `AND` (or `WITH`) must be allowed.
pub fn allowed(expression: &str, allow: &BTreeSet<String>) -> bool {
    let cleaned = expression.replace(['(', ')'], " ");
    cleaned.split(" OR ").any(|alternative| {
        alternative
            .split(" AND ")
            .flat_map(|part| part.split(" WITH ").next())
            .map(str::trim)
            .all(|id| allow.contains(id))
    })
}

/// Adds one SBOM (a parsed CycloneDX JSON document) to `tally`, nested
/// components included.
pub fn judge(sbom: &Value, allow: &BTreeSet<String>, tally: &mut Tally) {
    let mut stack: Vec<&Value> = vec![sbom];
    while let Some(node) = stack.pop() {
        let Some(components) = node.get("components").and_then(Value::as_array) else {
            continue;
        };
        for component in components {
            stack.push(component);
            tally.components += 1;
            let name = component.get("name").and_then(Value::as_str).unwrap_or("?");
            let version = component.get("version").and_then(Value::as_str).unwrap_or("");
            let licences: Vec<&str> = component
                .get("licenses")
                .and_then(Value::as_array)
                .map(|ls| {
                    ls.iter()
                        .filter_map(|l| {
                            l.get("expression").and_then(Value::as_str).or_else(|| {
                                let license = l.get("license")?;
                                license
                                    .get("id")
                                    .or_else(|| license.get("name"))
                                    .and_then(Value::as_str)
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if licences.is_empty() {
                tally.unlicensed += 1;
            }
            for licence in licences {
                if !allowed(licence, allow) {
                    tally.denied.insert(licence.to_owned());
                    tally
                        .offenders
                        .push((format!("{name}@{version}"), licence.to_owned()));
                }
            }
        }
    }
}

/// The allow-list from the plugin's configuration.
pub fn allow_list(config: &str) -> Result<BTreeSet<String>, String> {
    let config: Value =
        serde_json::from_str(config).map_err(|e| format!("config is not JSON: {e}"))?;
    let list = config
        .get("allowed")
        .and_then(Value::as_array)
        .ok_or("config needs `allowed`, a list of SPDX licence ids")?;
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| "`allowed` must hold only strings".to_owned())
        })
        .collect()
}

struct Licenses;

impl Plugin for Licenses {
    fn describe() -> Metadata {
        Metadata {
            name: "{{name}}".into(),
            version: "0.1.0".into(),
            description: "licences of CycloneDX SBOM components outside an allow-list".into(),
            reads: vec![ArtifactKind {
                name: "cyclonedx-json".into(),
                matchers: vec![Matcher::JsonKeys(vec![
                    "bomFormat".into(),
                    "specVersion".into(),
                ])],
            }],
            facts: vec![
                FactSpec::long("inputs", "SBOMs read"),
                FactSpec::long("components", "components in them"),
                FactSpec::long("unlicensed", "components naming no licence"),
                FactSpec::text_set("denied", "licences outside the allow-list"),
            ],
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let allow = allow_list(&config)?;
        let mut tally = Tally::default();
        let mut findings = Vec::new();
        for artifact in &artifacts {
            let bytes = artifact
                .read_bytes(MAX_SBOM_BYTES)
                .map_err(|e| e.to_string())?;
            let sbom: Value = serde_json::from_slice(&bytes)
                .map_err(|e| format!("`{}` is not JSON: {e}", artifact.path))?;
            let before = tally.offenders.len();
            judge(&sbom, &allow, &mut tally);
            for (component, licence) in tally.offenders.get(before..).unwrap_or_default() {
                findings.push(
                    Finding::new(
                        "{{name}}/denied",
                        Severity::Medium,
                        format!("{component}: licence {licence} is not allowed"),
                    )
                    .in_file(&artifact.path),
                );
            }
        }
        Ok(Facts::new()
            .long("inputs", artifacts.len())
            .long("components", tally.components)
            .long("unlicensed", tally.unlicensed)
            .text_set("denied", tally.denied)
            .with_findings(findings))
    }
}

stagegate_sdk::export!(Licenses);

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn expressions_follow_or_and_and() {
        let list = allow(&["MIT", "Apache-2.0"]);
        assert!(allowed("MIT", &list));
        assert!(allowed("GPL-3.0-only OR MIT", &list));
        assert!(allowed("(MIT AND Apache-2.0)", &list));
        assert!(!allowed("MIT AND GPL-3.0-only", &list));
        assert!(!allowed("BSD-2-Clause", &list));
    }

    #[test]
    fn components_outside_the_list_are_denied() {
        let sbom: Value = serde_json::from_str(
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
                {"name": "a", "version": "1", "licenses": [{"license": {"id": "MIT"}}]},
                {"name": "b", "version": "2", "licenses": [{"expression": "GPL-3.0-only"}],
                 "components": [{"name": "c", "licenses": [{"license": {"name": "Custom"}}]}]},
                {"name": "d"}]}"#,
        )
        .unwrap();
        let mut tally = Tally::default();
        judge(&sbom, &allow(&["MIT"]), &mut tally);
        assert_eq!(tally.components, 4);
        assert_eq!(tally.unlicensed, 1);
        assert_eq!(tally.denied, allow(&["Custom", "GPL-3.0-only"]));
        assert_eq!(tally.offenders.len(), 2);
    }

    #[test]
    fn the_config_must_name_the_allowed_licences() {
        assert!(allow_list("{}").is_err());
        assert!(allow_list(r#"{"allowed": [1]}"#).is_err());
        assert_eq!(allow_list(r#"{"allowed": ["MIT"]}"#), Ok(allow(&["MIT"])));
    }
}
