//! Reads pip-audit's JSON output (`pip-audit -f json`, with or without `--aliases`, `--desc` and
//! `--fix`). pip-audit gives no severity and no CVSS score, so its vulnerabilities are `unknown`
//! unless deduplication merges them, through a stated alias, with another scanner's record that
//! has a severity. Skipped dependencies are listed packages but carry no vulnerabilities, and
//! were not audited: a report whose every dependency was skipped measured nothing.

use crate::format::{Format, ParseError, nullable, read_json};
use crate::model::{Ecosystem, Package, Record, Report, Severity, clip};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::io::BufRead;

#[derive(Deserialize)]
struct Document {
    dependencies: Option<Vec<Dependency>>,
    #[serde(default)]
    fixes: Option<Vec<IgnoredAny>>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    version: String,
    #[serde(default, deserialize_with = "nullable")]
    vulns: Vec<Vulnerability>,
    /// Set when pip-audit could not audit the dependency.
    #[serde(default)]
    skip_reason: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Vulnerability {
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    fix_versions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    aliases: Vec<String>,
}

/// Reads one pip-audit JSON report from `reader`; `path` names it in errors.
pub fn parse(reader: impl BufRead, path: &str) -> Result<Report, ParseError> {
    let document: Document = read_json(reader, path, Format::PipAudit)?;
    let Some(dependencies) = document.dependencies else {
        return Err(ParseError::content(
            path,
            Format::PipAudit,
            "`dependencies` is missing or null",
        ));
    };
    // `fixes` is optional in old releases; when present it must be a list (checked by serde).
    let _ = document.fixes;
    let mut out = Report::default();
    for dependency in dependencies {
        out.scanned += u64::from(dependency.skip_reason.is_none());
        let package = Package::new(&dependency.name, &dependency.version, Some(Ecosystem::PyPi));
        for v in dependency.vulns {
            if v.id.trim().is_empty() {
                return Err(ParseError::content(
                    path,
                    Format::PipAudit,
                    format!("a vulnerability of `{}` has an empty `id`", package.name),
                ));
            }
            let fixes: Vec<&str> = v
                .fix_versions
                .iter()
                .map(|f| f.trim())
                .filter(|f| !f.is_empty())
                .collect();
            out.records.push(Record {
                id: clip(&v.id),
                aliases: v.aliases.iter().map(|a| clip(a)).collect(),
                package: package.clone(),
                severity: Severity::Unknown,
                cvss: None,
                fixable: !fixes.is_empty(),
                fix: (!fixes.is_empty()).then(|| clip(&fixes.join(", "))),
                not_affected: false,
            });
        }
        out.packages.push(package);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn fixture(name: &str) -> Report {
        let path = format!(
            "{}/../../tests/fixtures/pip-audit/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let file = std::fs::File::open(&path).unwrap();
        parse(std::io::BufReader::new(file), name).unwrap()
    }

    #[test]
    fn handmade_vulnerable_pins() {
        // jq '[.dependencies[].vulns[]?] | length' => 6
        // jq '[.dependencies[].vulns[]? | select(.fix_versions | length > 0)] | length' => 5
        // jq '[.dependencies[]] | length' => 8
        let report = fixture("pip-audit_handmade_vulnerable-pins.json");
        assert_eq!(report.records.len(), 6);
        assert_eq!(report.records.iter().filter(|r| r.fixable).count(), 5);
        assert_eq!(report.packages.len(), 8);
        assert!(
            report
                .records
                .iter()
                .all(|r| r.severity == Severity::Unknown)
        );
        let requests = &report.records[1];
        assert_eq!(requests.id, "PYSEC-2023-74");
        assert_eq!(requests.aliases, ["CVE-2023-32681", "GHSA-j8r2-6x86-q33q"]);
        assert_eq!(requests.package.label(), "requests@2.19.0");
        assert_eq!(requests.fix.as_deref(), Some("2.31.0"));
    }

    #[test]
    fn real_run_with_every_dependency_skipped() {
        // jq '[.dependencies[].vulns[]?] | length' => 0 ; jq '.dependencies | length' => 9
        let report = fixture("pip-audit-2.10.1_all-skipped.json");
        assert!(report.records.is_empty());
        assert_eq!(report.packages.len(), 9);
        assert_eq!(report.packages[0].version, "");
    }

    #[test]
    fn shape_errors() {
        let err = parse(&br#"{"dependencies": null, "fixes": []}"#[..], "p.json").unwrap_err();
        assert!(
            err.to_string().contains("`dependencies` is missing"),
            "{err}"
        );
        let err = parse(
            &br#"{"dependencies": [{"name": 1}], "fixes": []}"#[..],
            "p.json",
        );
        assert!(err.unwrap_err().to_string().contains("invalid type"));
        let bad = br#"{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": " "}]}]}"#;
        assert!(parse(&bad[..], "p.json").is_err());
        assert!(parse(&br#"{"dependencies": [], "fixes": {}}"#[..], "p.json").is_err());
    }
}
