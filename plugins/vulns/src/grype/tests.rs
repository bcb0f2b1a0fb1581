use super::*;
use crate::testing::{
    Expect, all, check, check_empty, deeply_nested, error, report, summary_of_bytes,
};

const G: Format = Format::Grype;

// Independent counts: distinct (id, package, version) per severity, and those with a fix:
//   jq -c '[.matches[] | [.vulnerability.id, .artifact.name, .artifact.version, .vulnerability.severity]] | unique | group_by(.[3]) | map({(.[0][3]|tostring): length}) | add'
//   jq -c '[.matches[] | select(.vulnerability.fix.state == "fixed") | [.vulnerability.id, .artifact.name, .artifact.version, .vulnerability.severity]] | unique | group_by(.[3]) | map({(.[0][3]|tostring): length}) | add'
//   jq '[.matches[] | (.vulnerability.cvss[]?, .relatedVulnerabilities[]?.cvss[]?).metrics.baseScore, .vulnerability.cvssV2.baseScore?, .vulnerability.cvssV3.baseScore? | numbers] | max'
// Negligible counts as low; a null severity as unknown.
const EXPECTED: &[Expect] = &[
    // => {"Critical":2,"High":2,"Negligible":1} (6 matches: Django's GHSA is matched twice);
    //    fixed {"High":1}; max 9.8
    Expect {
        file: "grype_0.28_all-fields.json",
        counts: [2, 2, 0, 1, 0],
        fixable: [0, 1, 0, 0],
        not_affected: 0,
        max_cvss: "9.8",
    },
    // => {"High":1}; fixed null (state "unknown"); max 7.5
    Expect {
        file: "grype_0.75_fix-not-available.json",
        counts: [0, 1, 0, 0, 0],
        fixable: [0, 0, 0, 0],
        not_affected: 0,
        max_cvss: "7.5",
    },
    // => {"High":32,"Low":107,"Medium":613,"Negligible":681,"Unknown":76}; fixed null; max 10
    Expect {
        file: "grype_0.7_debian-image-many-vulns.json",
        counts: [0, 32, 613, 788, 76],
        fixable: [0, 0, 0, 0],
        not_affected: 0,
        max_cvss: "10.0",
    },
    // => {"Critical":1,"High":10,"Low":2,"Medium":2}; fixed {"Medium":1}; max 9.8
    Expect {
        file: "grype_0.94_busybox-epss.json",
        counts: [1, 10, 2, 2, 0],
        fixable: [0, 0, 1, 0],
        not_affected: 0,
        max_cvss: "9.8",
    },
    // => {"null":1,"Critical":1,"High":18,"Low":2,"Medium":13};
    //    fixed {"null":1,"Critical":1,"High":8,"Medium":13}; max 9.1
    Expect {
        file: "grype_0.96_redhat-image.json",
        counts: [1, 18, 13, 2, 1],
        fixable: [1, 8, 13, 0],
        not_affected: 0,
        max_cvss: "9.1",
    },
    Expect {
        file: "grype_keycloak-explain-input.json",
        counts: [0, 0, 0, 6, 0],
        fixable: [0, 0, 0, 0],
        not_affected: 0,
        max_cvss: "5.9",
    },
];

#[test]
fn every_fixture() {
    for expect in EXPECTED {
        check(G, expect);
    }
    check_empty(G, "grype_empty-matches.json");
    assert_eq!(all(G).len(), EXPECTED.len() + 1);
}

#[test]
fn record_details() {
    let r = report(G, "grype_0.28_all-fields.json");
    let django = r
        .records
        .iter()
        .find(|v| v.id.starts_with("GHSA-"))
        .unwrap();
    assert_eq!(django.aliases, ["CVE-2021-44420"]);
    assert_eq!(django.package.ecosystem, Some(Ecosystem::PyPi));
    assert_eq!(django.fix.as_deref(), Some("3.2.10"));
    let s = crate::testing::summary(&[(G, "grype_0.28_all-fields.json")]);
    assert!(s.ids.contains("CVE-2021-44420"), "{:?}", s.ids);
}

#[test]
fn vex_ignored_matches_count_apart() {
    let doc = r#"{"source": {}, "matches": [
        {"vulnerability": {"id": "CVE-1", "severity": "High"}, "artifact": {"name": "a", "version": "1"}}],
      "ignoredMatches": [
        {"vulnerability": {"id": "CVE-2", "severity": "Critical"}, "artifact": {"name": "a", "version": "1"},
         "appliedIgnoreRules": [{"namespace": "vex", "vex-status": "not_affected"}]},
        {"vulnerability": {"id": "CVE-3", "severity": "Critical"}, "artifact": {"name": "a", "version": "1"},
         "appliedIgnoreRules": [{"namespace": "vex", "vex-status": "fixed"}]},
        {"vulnerability": {"id": "CVE-4", "severity": "Critical"}, "artifact": {"name": "a", "version": "1"},
         "appliedIgnoreRules": [{"vulnerability": "CVE-4", "reason": "accepted"}]}]}"#;
    let s = summary_of_bytes(&[(G, doc)]);
    assert_eq!(
        (s.counts.high, s.counts.critical, s.not_affected),
        (1, 0, 2)
    );
}

#[test]
fn malformed_inputs() {
    let full = std::fs::read(crate::testing::path(G, "grype_0.75_fix-not-available.json")).unwrap();
    assert!(error(G, &full[..full.len() - 10]).contains("EOF while parsing"));
    let wrong = error(G, br#"{"matches": {"a": 1}, "source": {}}"#);
    assert!(
        wrong.contains("invalid type: map, expected a sequence"),
        "{wrong}"
    );
    let missing = error(G, br#"{"matches": null, "source": {}}"#);
    assert!(
        missing.contains("`matches` is missing or null"),
        "{missing}"
    );
    let no_id = error(
        G,
        br#"{"matches": [{"vulnerability": {"id": ""}, "artifact": {"name": "x"}}]}"#,
    );
    assert!(
        no_id.contains("package `x` has an empty vulnerability `id`"),
        "{no_id}"
    );
    let ignored = deeply_nested(r#"{"matches": [], "source": "#, 10_000);
    assert!(
        crate::read(G, &ignored[..], "deep.json")
            .unwrap()
            .records
            .is_empty()
    );
    let deep = error(G, &deeply_nested(r#"{"source": {}, "matches": "#, 10_000));
    assert!(deep.contains("invalid type: sequence"), "{deep}");
    let huge = format!(
        r#"{{"matches": [], "descriptor": {{"name": "{}"}}}}"#,
        "x".repeat(8 << 20)
    );
    assert!(
        crate::read(G, huge.as_bytes(), "big.json")
            .unwrap()
            .records
            .is_empty()
    );
    let not_json = error(G, b"matches: []\nsource: {}\n");
    assert!(
        not_json.contains("expected value at line 1 column 1"),
        "{not_json}"
    );
}
