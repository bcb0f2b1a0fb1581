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

/// Evaluates fixtures through [`evaluate_inputs`], as the plugin evaluates artifacts.
fn evaluate_fixtures(files: &[(Format, &str)]) -> Evaluation {
    let inputs = files.iter().map(|(format, file)| {
        let reader = std::fs::File::open(testing::path(*format, file)).map(std::io::BufReader::new);
        ((*file).to_owned(), format.kind().to_owned(), reader)
    });
    evaluate_inputs(inputs, "{}", &mut |_| {}).unwrap()
}

fn long(evaluation: &Evaluation, name: &str) -> i64 {
    stagegate_sdk::EvaluationExt::long(evaluation, name)
        .unwrap_or_else(|| panic!("{name} is not a Long fact"))
}

#[test]
fn inputs_count_only_reports_that_name_what_they_scanned() {
    // Inputs that scanned nothing, or list nothing: an SBOM with no component (only the
    // described image in `metadata`), a pip-audit run that skipped every dependency.
    for (format, file) in [
        (Format::CycloneDx, "conftest_cyclonedx-minimal.json"),
        (Format::PipAudit, "pip-audit-2.10.1_all-skipped.json"),
    ] {
        let evaluation = evaluate_fixtures(&[(format, file)]);
        assert_eq!(long(&evaluation, "inputs"), 0, "{file}");
    }
    // Every other fixture of every format names a target, package or component; clean
    // scans among them (Trivy with only `ArtifactName`, Grype with no match) count.
    let mut every = Vec::new();
    for format in [
        Format::Trivy,
        Format::Grype,
        Format::CycloneDx,
        Format::PipAudit,
    ] {
        for file in testing::all(format) {
            every.push((format, file));
        }
    }
    let mut counted = 0;
    for (format, file) in &every {
        let evaluation = evaluate_fixtures(&[(*format, file.as_str())]);
        let empty = [
            "conftest_cyclonedx-minimal.json",
            "pip-audit-2.10.1_all-skipped.json",
        ];
        let expected = i64::from(!empty.contains(&file.as_str()));
        assert_eq!(long(&evaluation, "inputs"), expected, "{file}");
        counted += expected;
    }
    let all: Vec<(Format, &str)> = every.iter().map(|(f, n)| (*f, n.as_str())).collect();
    assert_eq!(long(&evaluate_fixtures(&all), "inputs"), counted);
    let clean = evaluate_fixtures(&[
        (Format::Trivy, "trivy_no-results.json"),
        (Format::Grype, "grype_empty-matches.json"),
    ]);
    assert_eq!(long(&clean, "inputs"), 2);
    assert_eq!(long(&clean, "critical") + long(&clean, "high"), 0);
}

#[test]
fn inputs_that_name_nothing_are_not_evidence() {
    let docs = [
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}"#,
        r#"{"SchemaVersion": 2, "Results": []}"#,
        r#"{"dependencies": [], "fixes": []}"#,
        "[]",
    ];
    let kinds = [
        "cyclonedx-json",
        "trivy-json",
        "pip-audit-json",
        "trivy-json",
    ];
    let inputs = docs
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(i, (doc, kind))| (format!("doc{i}.json"), kind.to_owned(), Ok(doc.as_bytes())));
    let evaluation = evaluate_inputs(inputs, "{}", &mut |_| {}).unwrap();
    assert_eq!(long(&evaluation, "inputs"), 0);
    let one = [(
        "a.json".to_owned(),
        "grype-json".to_owned(),
        Ok(&br#"{"matches": [], "source": {"type": "image", "target": {"userInput": "alpine:3.20"}}}"#[..]),
    )];
    let evaluation = evaluate_inputs(one, "{}", &mut |_| {}).unwrap();
    assert_eq!(long(&evaluation, "inputs"), 1);
}

use stagegate_sdk::text::bom::utf16_with_mark as utf16;

#[test]
fn utf16_reports_with_a_byte_order_mark_are_read() {
    use stagegate_sdk::text::bom::BomReader;
    let file = "trivy_debian-buster-image.json";
    let text = std::fs::read_to_string(testing::path(Format::Trivy, file)).unwrap();
    let plain = evaluate_fixtures(&[(Format::Trivy, file)]);
    for little_endian in [true, false] {
        let bytes = utf16(&text, little_endian);
        let reader = Ok(std::io::BufReader::new(BomReader::new(&bytes[..])));
        let inputs = [(file.to_owned(), "trivy-json".to_owned(), reader)];
        let evaluation = evaluate_inputs(inputs, "{}", &mut |_| {}).unwrap();
        assert_eq!(
            format!("{:?}", evaluation.facts),
            format!("{:?}", plain.facts),
            "{little_endian}"
        );
        assert_eq!(long(&evaluation, "critical"), long(&plain, "critical"));
    }
}

/// The host's `json-keys` rule: the document's top-level object, or the first element of a
/// top-level array when that is an object, holds every listed key.
fn json_keys_match(document: &serde_json::Value, keys: &[String]) -> bool {
    let object = match document {
        serde_json::Value::Array(items) => items.first(),
        other => Some(other),
    };
    object
        .and_then(serde_json::Value::as_object)
        .is_some_and(|o| keys.iter().all(|k| o.contains_key(k)))
}

/// The kinds of this plugin whose matchers take `document`.
fn kinds_matching(document: &serde_json::Value) -> Vec<String> {
    Vulns::describe()
        .reads
        .into_iter()
        .filter(|kind| {
            kind.matchers.iter().any(|m| match m {
                Matcher::JsonKeys(keys) => json_keys_match(document, keys),
                _ => false,
            })
        })
        .map(|kind| kind.name)
        .collect()
}

#[test]
fn legacy_trivy_lists_are_recognised_and_read_through_the_evaluation() {
    let file = "trivy_legacy-list-format.json";
    let text = std::fs::read_to_string(testing::path(Format::Trivy, file)).unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(kinds_matching(&document), ["trivy-json"]);
    // Legacy lists with an empty first result: `Vulnerabilities` omitted (0.9 to 0.19) or
    // `null` (before 0.9, when there was no `Type`).
    for legacy in [
        r#"[{"Target": "alpine:3.10 (alpine 3.10.2)", "Type": "alpine"}]"#,
        r#"[{"Target": "alpine:3.10 (alpine 3.10.2)", "Vulnerabilities": null}]"#,
    ] {
        let document: serde_json::Value = serde_json::from_str(legacy).unwrap();
        assert_eq!(kinds_matching(&document), ["trivy-json"], "{legacy}");
        let inputs = [(
            "legacy.json".to_owned(),
            "trivy-json".to_owned(),
            Ok(legacy.as_bytes()),
        )];
        let evaluation = evaluate_inputs(inputs, "{}", &mut |_| {}).unwrap();
        assert_eq!(long(&evaluation, "inputs"), 1, "{legacy}");
    }
    // Every other fixture keeps its kind, and no other JSON fixture is taken for Trivy.
    for format in [
        Format::Trivy,
        Format::Grype,
        Format::CycloneDx,
        Format::PipAudit,
    ] {
        for name in testing::all(format) {
            let text = std::fs::read_to_string(testing::path(format, &name)).unwrap();
            let document: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(kinds_matching(&document), [format.kind()], "{name}");
        }
    }
    // Read the way the plugin reads an artifact of that kind.
    let evaluation = evaluate_fixtures(&[(Format::Trivy, file)]);
    assert_eq!(long(&evaluation, "inputs"), 1);
    let counts = ["critical", "high", "medium", "low", "unknown"].map(|n| long(&evaluation, n));
    assert_eq!(counts, [0, 18, 9, 65, 1]);
    let max_cvss = evaluation.facts.iter().find(|f| f.name == "max_cvss");
    assert!(
        matches!(max_cvss.map(|f| &f.value), Some(FactValue::Decimal(d)) if d == "10.0"),
        "{max_cvss:?}"
    );
}

#[test]
fn an_exception_in_time_stops_counting_its_vulnerability_by_id_or_alias() {
    let evaluate = |config: &str| {
        let file = "trivy_debian-buster-image.json";
        let reader =
            std::fs::File::open(testing::path(Format::Trivy, file)).map(std::io::BufReader::new);
        let inputs = [(file.to_owned(), Format::Trivy.kind().to_owned(), reader)];
        evaluate_inputs(inputs, config, &mut |_| {}).unwrap()
    };
    let plain = evaluate("{}");
    assert_eq!((long(&plain, "critical"), long(&plain, "excepted")), (1, 0));
    // The host passes the exceptions in time; case does not matter.
    let excepted = evaluate(r#"{"exceptions": [{"id": "E-7", "match": "cve-2019-18224"}]}"#);
    assert_eq!(long(&excepted, "critical"), 0);
    assert_eq!(long(&excepted, "excepted"), 1);
    assert_eq!(
        long(&excepted, "high") + long(&excepted, "medium"),
        long(&plain, "high") + long(&plain, "medium")
    );
    let note = excepted
        .findings
        .iter()
        .find(|f| f.rule == "vulns/excepted")
        .unwrap();
    assert!(
        note.message
            .starts_with("CVE-2019-18224 in libidn2-0@2.0.5-1 is accepted by exception `E-7`"),
        "{}",
        note.message
    );
    // An id nobody reported changes nothing.
    let other = evaluate(r#"{"exceptions": [{"id": "E-8", "match": "CVE-1999-0001"}]}"#);
    assert_eq!((long(&other, "critical"), long(&other, "excepted")), (1, 0));
    assert!(parse_config(r#"{"exceptions": [{"id": "E-9"}]}"#).is_err());
}
