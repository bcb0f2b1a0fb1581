use super::*;
use crate::format::Format;
use crate::testing::{summary, summary_of_bytes};

fn record(id: &str, aliases: &[&str], name: &str, version: &str, severity: Severity) -> Record {
    Record {
        id: id.into(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        package: Package::new(name, version, None),
        severity,
        ..Record::default()
    }
}

/// The same package scanned by Trivy (CVE id, GHSA as vendor id) and Grype (GHSA id, CVE as
/// related vulnerability), plus one finding only each scanner has.
const TRIVY: &str = r#"{"SchemaVersion": 2, "ArtifactName": ".", "Results": [{"Target": "requirements.txt", "Type": "pip",
  "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2023-32681", "VendorIDs": ["GHSA-j8r2-6x86-q33q"], "PkgName": "requests",
     "InstalledVersion": "2.19.0", "FixedVersion": "2.31.0", "Severity": "MEDIUM",
     "CVSS": {"nvd": {"V3Score": 6.1}}},
    {"VulnerabilityID": "CVE-2018-18074", "PkgName": "requests", "InstalledVersion": "2.19.0",
     "FixedVersion": "2.20.0", "Severity": "HIGH", "CVSS": {"nvd": {"V3Score": 7.5}}}]}]}"#;
const GRYPE: &str = r#"{"descriptor": {"name": "grype"}, "matches": [
  {"vulnerability": {"id": "GHSA-j8r2-6x86-q33q", "severity": "Medium", "fix": {"state": "fixed", "versions": ["2.31.0"]},
    "cvss": [{"metrics": {"baseScore": 6.1}}]},
   "relatedVulnerabilities": [{"id": "CVE-2023-32681", "cvss": [{"metrics": {"baseScore": 6.1}}]}],
   "artifact": {"name": "requests", "version": "2.19.0", "type": "python", "purl": "pkg:pypi/requests@2.19.0"}},
  {"vulnerability": {"id": "CVE-2024-35195", "severity": "Medium", "fix": {"state": "fixed", "versions": ["2.32.0"]}},
   "artifact": {"name": "requests", "version": "2.19.0", "type": "python"}}]}"#;

#[test]
fn trivy_and_grype_report_the_same_package() {
    let s = summary_of_bytes(&[(Format::Trivy, TRIVY), (Format::Grype, GRYPE)]);
    // CVE-2023-32681 (both scanners, joined by the stated GHSA alias), CVE-2018-18074 (Trivy),
    // CVE-2024-35195 (Grype): three, not four.
    assert_eq!((s.counts.high, s.counts.medium), (1, 2));
    let ids: Vec<&str> = s.ids.iter().map(String::as_str).collect();
    assert_eq!(ids, ["CVE-2018-18074", "CVE-2023-32681", "CVE-2024-35195"]);
    let merged = s
        .issues
        .iter()
        .find(|i| i.message.starts_with("CVE-2023-32681"))
        .unwrap();
    assert!(
        merged.message.ends_with("(reported by 2 inputs)"),
        "{}",
        merged.message
    );
    assert_eq!(merged.path.as_deref(), Some("doc0.json"));
}

#[test]
fn pip_audit_takes_the_severity_of_an_aliased_record() {
    let pip = std::fs::read_to_string(crate::testing::path(
        Format::PipAudit,
        "pip-audit_handmade_vulnerable-pins.json",
    ))
    .unwrap();
    let alone = summary_of_bytes(&[(Format::PipAudit, &pip)]);
    assert_eq!(alone.counts.unknown, 6);
    let both = summary_of_bytes(&[(Format::PipAudit, &pip), (Format::Trivy, TRIVY)]);
    // Trivy's two requests CVEs are aliases of pip-audit's PYSEC ids: they merge and lend
    // their severities; nothing is counted twice.
    assert_eq!(
        (both.counts.unknown, both.counts.high, both.counts.medium),
        (4, 1, 1)
    );
    assert_eq!(decimal_of(both.max_cvss), "7.5");
}

fn decimal_of(score: Option<f64>) -> String {
    crate::summary::decimal(score)
}

#[test]
fn real_trivy_json_and_cyclonedx_of_the_same_scan() {
    // Both files come from the same Trivy scan of an npm lockfile: CVE-2019-11358 in jquery@3.3.9.
    let s = summary(&[
        (Format::Trivy, "trivy_npm-lockfile.json"),
        (Format::CycloneDx, "trivy_npm.cdx.json"),
    ]);
    assert_eq!(s.counts.medium, 1);
    assert_eq!(s.fixable.medium, 1);
}

#[test]
fn a_vex_document_excludes_a_scanner_finding() {
    let vex = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [
        {"id": "CVE-2018-18074", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
         "affects": [{"ref": "pkg:pypi/requests@2.19.0"}]}]}"#;
    let s = summary_of_bytes(&[(Format::Trivy, TRIVY), (Format::CycloneDx, vex)]);
    assert_eq!((s.counts.high, s.counts.medium, s.not_affected), (0, 1, 1));
}

#[test]
fn key_rules() {
    assert_eq!(name_key("org.springframework:spring-beans"), "spring-beans");
    assert_eq!(name_key("PyYAML"), "pyyaml");
    assert_eq!(name_key("zope.interface"), "zope-interface");
    assert_eq!(version_key(" 0:1.2-3 "), "1.2-3");
    let merged = merge(vec![
        (
            0,
            record("CVE-1", &[], "org.example:lib", "1.0", Severity::Low),
        ),
        (1, record("CVE-1", &[], "lib", "1.0", Severity::High)),
        (1, record("CVE-1", &[], "lib", "2.0", Severity::High)),
    ]);
    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0].severity, Severity::High);
    assert_eq!(merged[0].inputs.len(), 2);
}

#[test]
fn advisories_covering_many_cves_do_not_merge() {
    let merged = merge(vec![
        (
            0,
            record(
                "CVE-2019-18224",
                &["DSA-4613-1"],
                "libidn2-0",
                "2.0.5-1",
                Severity::High,
            ),
        ),
        (
            0,
            record(
                "CVE-2019-12290",
                &["DSA-4613-1"],
                "libidn2-0",
                "2.0.5-1",
                Severity::High,
            ),
        ),
    ]);
    assert_eq!(merged.len(), 2);
}

#[test]
fn aliases_chain_transitively() {
    let merged = merge(vec![
        (
            0,
            record("PYSEC-1", &["GHSA-aaaa"], "p", "1", Severity::Unknown),
        ),
        (1, record("CVE-2", &[], "p", "1", Severity::Low)),
        (
            2,
            record("GHSA-aaaa", &["CVE-2"], "p", "1", Severity::Critical),
        ),
    ]);
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].id, "CVE-2");
    assert_eq!(merged[0].severity, Severity::Critical);
}
