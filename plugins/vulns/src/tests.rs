use super::*;
use stagegate_sdk::{FactType, FactValue};

#[test]
fn every_declared_fact_is_returned_with_its_type() {
    let specs = fact_specs();
    for summary in [
        summary::summarise(Vec::new(), &Options::default()),
        testing::summary(&[(Format::Trivy, "trivy_cvssv4.json")]),
    ] {
        let facts = facts(&summary).into_vec();
        assert_eq!(facts.len(), specs.len());
        for (spec, fact) in specs.iter().zip(&facts) {
            assert_eq!(spec.name, fact.name);
            let matches = matches!(
                (&spec.type_, &fact.value),
                (FactType::Long, FactValue::Long(_))
                    | (FactType::Decimal, FactValue::Decimal(_))
                    | (FactType::TextSet, FactValue::TextSet(_))
            );
            assert!(matches, "{}", spec.name);
        }
    }
}

#[test]
fn fact_names_and_docs_follow_the_contract() {
    for spec in fact_specs() {
        let mut chars = spec.name.chars();
        assert!(
            chars.next().is_some_and(|c| c.is_ascii_lowercase()),
            "{}",
            spec.name
        );
        assert!(chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        assert!(!spec.doc.is_empty() && !spec.doc.contains('\n'));
    }
}

#[test]
fn metadata_declares_the_four_kinds() {
    let meta = Vulns::describe();
    assert_eq!(meta.name, "vulns");
    let kinds: Vec<&str> = meta.reads.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "trivy-json",
            "grype-json",
            "cyclonedx-json",
            "pip-audit-json"
        ]
    );
    assert!(meta.reads.iter().all(|k| !k.matchers.is_empty()));
    assert!(
        meta.reads
            .iter()
            .all(|k| Format::from_kind(&k.name).is_some())
    );
}

#[test]
fn configuration() {
    assert_eq!(parse_config("{}").unwrap(), Options::default());
    assert_eq!(parse_config("").unwrap(), Options::default());
    let options =
        parse_config(r#"{"typosquat_check": false, "typosquat_allow": ["acme-utils"]}"#).unwrap();
    assert!(!options.typosquat_check);
    assert_eq!(options.typosquat_allow, ["acme-utils"]);
    let unknown = parse_config(r#"{"max_findings": 5}"#).unwrap_err();
    assert!(
        unknown.contains("unknown field `max_findings`"),
        "{unknown}"
    );
    assert!(parse_config(r#"{"typosquat_check": "yes"}"#).is_err());
    assert!(parse_config("[]").is_err());
}

#[test]
fn findings_convert_with_locations() {
    let s = testing::summary(&[(Format::Trivy, "trivy_debian-buster-image.json")]);
    let findings = findings(&s);
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].rule, "vulns/vulnerability");
    assert!(matches!(findings[0].severity, Severity::Critical));
    assert_eq!(
        findings[0].path.as_deref(),
        Some("trivy_debian-buster-image.json")
    );
    assert_eq!(findings[0].line, None);
}
