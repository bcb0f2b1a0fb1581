use super::*;
use crate::testing::{
    Expect, all, check, check_empty, deeply_nested, error, report, summary_of_bytes,
};

const T: Format = Format::Trivy;

/// Every Trivy fixture with its expected numbers. Files without a row have no vulnerabilities
/// (misconfiguration, secret and empty reports) and are checked by `reports_without_vulnerabilities`.
const EXPECTED: &[Expect] = &[
    // jq -c '[.Results[].Vulnerabilities[]? | select(.Status != "not_affected") | .Severity] | group_by(.) | map({(.[0]): length}) | add'
    //   => {"LOW":7}
    // jq '[.Results[].Vulnerabilities[]? | select(.Status == "not_affected")] | length' => 1
    // jq '[.Results[].Vulnerabilities[]? | select((.FixedVersion // "") != "")] | length' => 0
    // jq '[.Results[].Vulnerabilities[]? | select(.Status != "not_affected") | (.CVSS // {})[] | .V2Score, .V3Score, .V40Score | numbers] | max'
    //   => 9.8
    Expect {
        file: "trivy_all-vuln-statuses.json",
        counts: [0, 0, 0, 7, 0],
        fixable: [0, 0, 0, 0],
        not_affected: 1,
        max_cvss: "9.8",
    },
    // same jq as above => {"MEDIUM":4}; with `select((.FixedVersion // "") != "")` => {"MEDIUM":4}; max => 5.3
    Expect {
        file: "trivy_alpine-310-image.json",
        counts: [0, 0, 4, 0, 0],
        fixable: [0, 0, 4, 0],
        not_affected: 0,
        max_cvss: "5.3",
    },
    // same jq => {"LOW":2,"MEDIUM":1}; fixable {"LOW":2,"MEDIUM":1}; max (V40Score included) => 6.3
    Expect {
        file: "trivy_cvssv4.json",
        counts: [0, 0, 1, 2, 0],
        fixable: [0, 0, 1, 2],
        not_affected: 0,
        max_cvss: "6.3",
    },
    // same jq => {"CRITICAL":1,"LOW":1}; fixable {"CRITICAL":1}; max => 9.8
    Expect {
        file: "trivy_debian-buster-image.json",
        counts: [1, 0, 0, 1, 0],
        fixable: [1, 0, 0, 0],
        not_affected: 0,
        max_cvss: "9.8",
    },
    Expect {
        file: "trivy_fs-mixed-classes.json",
        counts: [0, 1, 1, 0, 0],
        fixable: [0, 1, 1, 0],
        not_affected: 0,
        max_cvss: "7.5",
    },
    // jq -c '[.Vulnerabilities[].Results[]?.Vulnerabilities[]? | [.VulnerabilityID,.PkgName,.InstalledVersion,.Severity]] | unique | group_by(.[3]) | map({(.[0][3]): length}) | add'
    //   => {"LOW":4,"MEDIUM":1} (10 raw entries: two deployments run the same image)
    // the same with `select((.FixedVersion // "") != "")` => 1 (the MEDIUM one); max => 7.8
    Expect {
        file: "trivy_k8s-cluster-report.json",
        counts: [0, 0, 1, 4, 0],
        fixable: [0, 0, 1, 0],
        not_affected: 0,
        max_cvss: "7.8",
    },
    // jq -c '[.[].Vulnerabilities[]? | .Severity] | group_by(.) | map({(.[0]): length}) | add'
    //   => {"HIGH":18,"LOW":65,"MEDIUM":9,"UNKNOWN":1}
    // jq '[.[].Vulnerabilities[]? | [.VulnerabilityID,.PkgName,.InstalledVersion]] | unique | length' => 93 (no duplicates)
    // jq '[.[].Vulnerabilities[]? | select((.FixedVersion // "") != "")] | length' => 0 ; max => 10
    Expect {
        file: "trivy_legacy-list-format.json",
        counts: [0, 18, 9, 65, 1],
        fixable: [0, 0, 0, 0],
        not_affected: 0,
        max_cvss: "10.0",
    },
    Expect {
        file: "trivy_npm-lockfile.json",
        counts: [0, 0, 1, 0, 0],
        fixable: [0, 0, 1, 0],
        not_affected: 0,
        max_cvss: "6.1",
    },
    Expect {
        file: "trivy_spring4shell-jre11.json",
        counts: [1, 0, 0, 0, 0],
        fixable: [1, 0, 0, 0],
        not_affected: 0,
        max_cvss: "9.8",
    },
];

#[test]
fn every_fixture_with_vulnerabilities() {
    for expect in EXPECTED {
        check(T, expect);
    }
}

#[test]
fn reports_without_vulnerabilities() {
    let with_rows: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    let rest: Vec<String> = all(T)
        .into_iter()
        .filter(|f| !with_rows.contains(&f.as_str()))
        .collect();
    assert_eq!(rest.len(), 8, "{rest:?}");
    for file in rest {
        assert!(report(T, &file).records.is_empty(), "{file}");
        check_empty(T, &file);
    }
}

#[test]
fn record_details() {
    let r = report(T, "trivy_spring4shell-jre11.json");
    let v = &r.records[0];
    assert_eq!(v.id, "CVE-2022-22965");
    assert_eq!(v.package.label(), "org.springframework:spring-beans@5.3.15");
    assert_eq!(v.fix.as_deref(), Some("5.3.18"));
    let r = report(T, "trivy_npm-lockfile.json");
    // jq '[.Results[].Packages[]?] | length' => 12, plus the one vulnerable package
    assert_eq!(r.packages.len(), 13);
    assert!(
        r.packages
            .iter()
            .all(|p| p.ecosystem == Some(Ecosystem::Npm))
    );
}

#[test]
fn vex_suppressed_findings_count_apart() {
    let doc = r#"{"SchemaVersion": 2, "ArtifactName": "x", "Results": [{"Target": "t", "Type": "npm",
      "Vulnerabilities": [{"VulnerabilityID": "CVE-1", "PkgName": "a", "InstalledVersion": "1", "Severity": "HIGH"}],
      "ExperimentalModifiedFindings": [
        {"Type": "vulnerability", "Status": "not_affected", "Statement": "vulnerable_code_not_present", "Source": "openvex",
         "Finding": {"VulnerabilityID": "CVE-2", "PkgName": "a", "InstalledVersion": "1", "Severity": "CRITICAL"}},
        {"Type": "vulnerability", "Status": "ignored", "Source": ".trivyignore",
         "Finding": {"VulnerabilityID": "CVE-3", "PkgName": "a", "InstalledVersion": "1", "Severity": "CRITICAL"}},
        {"Type": "secret", "Status": "not_affected", "Finding": {"RuleID": "aws", "Severity": "CRITICAL", "Match": "AKIA-redacted"}}
      ]}]}"#;
    let s = summary_of_bytes(&[(T, doc)]);
    assert_eq!(
        (s.counts.high, s.counts.critical, s.not_affected),
        (1, 0, 1)
    );
}

#[test]
fn malformed_inputs() {
    let full = std::fs::read(crate::testing::path(T, "trivy_npm-lockfile.json")).unwrap();
    let truncated = error(T, &full[..full.len() / 2]);
    assert!(truncated.contains("EOF while parsing"), "{truncated}");
    let wrong = error(
        T,
        br#"{"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{"Severity": 3}]}]}"#,
    );
    assert!(
        wrong.contains("invalid type: integer `3`, expected a string"),
        "{wrong}"
    );
    // 10,000-deep nesting: skipped without recursion where the field is ignored, a type error
    // where a structure is expected; never a stack overflow.
    let ignored = deeply_nested(r#"{"SchemaVersion": 2, "Metadata": "#, 10_000);
    assert!(
        crate::read(T, &ignored[..], "deep.json")
            .unwrap()
            .records
            .is_empty()
    );
    let deep = error(
        T,
        &deeply_nested(r#"{"SchemaVersion": 2, "Results": "#, 10_000),
    );
    assert!(deep.contains("invalid type: sequence"), "{deep}");
    let version = error(T, br#"{"SchemaVersion": 3, "Results": []}"#);
    assert!(version.contains("`SchemaVersion` is 3"), "{version}");
    let neither = error(T, br#"{"Results": []}"#);
    assert!(
        neither.contains("neither `SchemaVersion` nor `ClusterName`"),
        "{neither}"
    );
    let no_id = error(T, br#"{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"PkgName": "a"}]}]}"#);
    assert!(
        no_id.contains("target `t` has no `VulnerabilityID`"),
        "{no_id}"
    );
    let not_json = error(T, b"<html>not a report</html>");
    assert!(
        not_json.starts_with(
            "`input.json` is not a valid Trivy JSON report: expected value at line 1 column 1"
        ),
        "{not_json}"
    );
}

#[test]
fn huge_strings_are_clipped() {
    let huge = "A".repeat(1 << 20);
    let ignored = "B".repeat(16 << 20);
    let doc = format!(
        r#"{{"SchemaVersion": 2, "Results": [{{"Vulnerabilities": [{{"VulnerabilityID": "{huge}", "PkgName": "{huge}", "Description": "{ignored}"}}]}}]}}"#
    );
    let r = crate::read(T, doc.as_bytes(), "big.json").unwrap();
    assert_eq!(r.records[0].id.chars().count(), crate::model::MAX_TEXT);
    assert_eq!(
        r.records[0].package.name.chars().count(),
        crate::model::MAX_TEXT
    );
}
