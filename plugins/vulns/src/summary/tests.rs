use super::*;
use crate::format::Format;
use crate::testing::summary;

#[test]
fn decimals() {
    assert_eq!(decimal(None), "0.0");
    assert_eq!(decimal(Some(9.8)), "9.8");
    assert_eq!(decimal(Some(10.0)), "10.0");
    assert_eq!(decimal(Some(7.0)), "7.0");
}

#[test]
fn findings_are_capped_and_the_cap_is_visible() {
    // 1509 matches, all distinct: jq '[.matches[] | [.vulnerability.id, .artifact.name, .artifact.version]] | unique | length'
    let s = summary(&[(Format::Grype, "grype_0.7_debian-image-many-vulns.json")]);
    assert_eq!(s.issues_dropped, 509);
    assert_eq!(s.issues.len(), MAX_FINDINGS + 1);
    let last = s.issues.last().unwrap();
    assert_eq!(last.rule, "vulns/truncated");
    assert!(
        last.message
            .starts_with("509 more findings were not listed")
    );
    assert_eq!(s.ids.len(), MAX_SET);
    // The most severe come first, so the kept ids and findings are the high ones.
    assert_eq!(s.issues[0].level, Level::High);
    assert!(s.issues[..32].iter().all(|i| i.level == Level::High));
    assert!(s.packages.len() <= MAX_SET);
}

#[test]
fn finding_text_and_location() {
    let s = summary(&[(Format::Trivy, "trivy_debian-buster-image.json")]);
    let messages: Vec<&str> = s.issues.iter().map(|i| i.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "CVE-2019-18224 (critical, CVSS 9.8) in libidn2-0@2.0.5-1; fix: 2.0.5-1+deb10u1",
            "CVE-2019-18276 (low, CVSS 7.8) in bash@5.0-4; no fix available",
        ]
    );
    assert_eq!(s.issues[0].level, Level::Critical);
    assert_eq!(
        s.issues[0].path.as_deref(),
        Some("trivy_debian-buster-image.json")
    );
    let s = summary(&[(Format::PipAudit, "pip-audit_handmade_vulnerable-pins.json")]);
    assert!(s.issues.iter().all(|i| i.level == Level::Info));
}

#[test]
fn nothing_read_gives_zero_values() {
    let s = summarise(Vec::new(), &Options::default());
    assert_eq!(s.inputs, 0);
    assert_eq!(s.counts, Counts::default());
    assert_eq!(decimal(s.max_cvss), "0.0");
    assert!(s.issues.is_empty() && s.ids.is_empty() && s.typosquats.is_empty());
}

#[test]
fn a_bundle_of_every_format() {
    let s = summary(&[
        (Format::Trivy, "trivy_spring4shell-jre11.json"),
        (Format::Grype, "grype_0.96_redhat-image.json"),
        (Format::CycloneDx, "trivy_pom.cdx.json"),
        (Format::CycloneDx, "bom-examples_cisa-vex-case2.json"),
        (Format::PipAudit, "pip-audit_handmade_vulnerable-pins.json"),
    ]);
    assert_eq!(s.inputs, 5);
    // 1 + 1 + 1 critical; 18 + 1 high; 13 medium; 2 low; 1 (grype) + 6 (pip-audit) unknown.
    assert_eq!(
        s.counts,
        Counts {
            critical: 3,
            high: 19,
            medium: 13,
            low: 2,
            unknown: 7
        }
    );
    assert_eq!(s.not_affected, 19);
    assert_eq!(decimal(s.max_cvss), "9.8");
    assert!(s.ids.contains("CVE-2022-22965"));
    assert!(s.packages.contains("org.springframework:spring-beans"));
    assert!(
        s.packages.iter().all(|p| *p == p.to_lowercase()),
        "{:?}",
        s.packages
    );
}
