use super::*;
use crate::model::Ecosystem;
use crate::testing::{Expect, all, check, check_empty, deeply_nested, error, report, summary};

const C: Format = Format::CycloneDx;

// Independent counts: distinct (id, affects ref) per highest rating severity (4 critical,
// 3 high, 2 medium, 1 low/info/none, 0 unknown), skipping VEX-excluded analysis states:
//   jq -c '[.vulnerabilities[]? | select((.analysis.state // "") | IN("not_affected","false_positive","resolved","resolved_with_pedigree") | not) | . as $v | (.affects // [{}])[] | [$v.id, .ref, ([$v.ratings[]?.severity // empty | {"critical":4,"high":3,"medium":2,"low":1,"info":1,"none":1}[.] // 0] | max // 0)]] | unique | group_by(.[2]) | map({(.[0][2]|tostring): length}) | add'
// not affected:
//   jq '[.vulnerabilities[]? | select((.analysis.state // "") | IN("not_affected","false_positive","resolved","resolved_with_pedigree"))] | length'
// with a recommendation (fix available): jq '[.vulnerabilities[]? | select((.recommendation // "") != "") | .affects[]?] | length'
// max CVSS over CVSS-method ratings:
//   jq '[.vulnerabilities[]? | select(...not excluded...) | .ratings[]? | select((.method // "" | ascii_downcase | startswith("cvss")) or ((.method == null) and (.vector != null))) | .score | numbers] | max'
const EXPECTED: &[Expect] = &[
    // => null; not affected 19 (every analysis.state is not_affected)
    Expect {
        file: "bom-examples_cisa-vex-case2.json",
        counts: [0; 5],
        fixable: [0; 4],
        not_affected: 19,
        max_cvss: "0.0",
    },
    // => null; not affected 1 (refs are BOM-Links into another BOM)
    Expect {
        file: "bom-examples_vex-standalone.json",
        counts: [0; 5],
        fixable: [0; 4],
        not_affected: 1,
        max_cvss: "0.0",
    },
    Expect {
        file: "cdx-1.4_valid-vulnerability.json",
        counts: [0; 5],
        fixable: [0; 4],
        not_affected: 1,
        max_cvss: "0.0",
    },
    // => {"1":2,"2":7,"3":5} (10 vulnerabilities affecting 14 packages); recommendations 0; max 8.6
    Expect {
        file: "cdx_issue-9277.json",
        counts: [0, 5, 7, 2, 0],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "8.6",
    },
    // => {"2":4,"3":3}; max 7.5
    Expect {
        file: "cdx_jake-python.json",
        counts: [0, 3, 4, 0, 0],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "7.5",
    },
    // => {"2":3,"3":1,"4":4} (in_triage counts); max 10
    Expect {
        file: "cdx_nested-components-log4j.json",
        counts: [4, 1, 3, 0, 0],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "10.0",
    },
    // checkov reports IaC misconfigurations as vulnerabilities with severity "unknown": => {"0":121}
    Expect {
        file: "checkov_iac-insecure-mixed.cdx.json",
        counts: [0, 0, 0, 0, 121],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "0.0",
    },
    // => {"1":1,"4":1}; max 8.5 (EPSS 0.08 and the KEV "score" 1 are method "other": not CVSS)
    Expect {
        file: "grype_image-with-vulns.cdx.json",
        counts: [1, 0, 0, 1, 0],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "8.5",
    },
    // => {"1":3,"2":166,"3":8}: 40 vulnerabilities over 177 affects (no analysis: none excluded);
    //    no scores => 0.0
    Expect {
        file: "retire-5.7_cdx1.7-vex_jquery1-bootstrap3.cdx.json",
        counts: [0, 8, 166, 3, 0],
        fixable: [0; 4],
        not_affected: 0,
        max_cvss: "0.0",
    },
    // => {"2":1}; recommendation 1; max 6.1
    Expect {
        file: "trivy_npm.cdx.json",
        counts: [0, 0, 1, 0, 0],
        fixable: [0, 0, 1, 0],
        not_affected: 0,
        max_cvss: "6.1",
    },
    // => {"3":1,"4":1}; recommendations 2; max 9.8
    Expect {
        file: "trivy_pom.cdx.json",
        counts: [1, 1, 0, 0, 0],
        fixable: [1, 1, 0, 0],
        not_affected: 0,
        max_cvss: "9.8",
    },
];

/// SBOMs without vulnerabilities; also the typosquat check's false-positive corpus.
const SBOMS: &[&str] = &[
    "bom-examples_keycloak-10.0.2_spec1.2.json",
    "bom-examples_laravel_spec1.2.json",
    "conftest_cyclonedx-minimal.json",
    "cyclonedx-npm-6.0.1_jest-eslint-toolchain.cdx.json",
    "cyclonedx-py-7.5_env_pytest-venv.cdx.json",
    "syft-1.18.1_dir_checkov-site-packages.cdx.json",
    "trivy_fluentd-multiple-lockfiles.cdx.json",
];

#[test]
fn every_fixture() {
    for expect in EXPECTED {
        check(C, expect);
    }
    for file in SBOMS {
        check_empty(C, file);
    }
    assert_eq!(all(C).len(), EXPECTED.len() + SBOMS.len());
}

#[test]
fn vex_exclusions() {
    let s = summary(&[(C, "bom-examples_cisa-vex-case2.json")]);
    assert_eq!((s.not_affected, s.ids.len()), (19, 0));
    // The standalone VEX names its package through a BOM-Link whose fragment is a package URL.
    let r = report(C, "bom-examples_vex-standalone.json");
    assert_eq!(
        r.records[0].package.label(),
        "com.fasterxml.jackson.core:jackson-databind@2.10.0"
    );
    assert!(r.records[0].not_affected);
    // retire.js "VEX" output states no analysis: all 40 vulnerabilities count.
    let s = summary(&[(C, "retire-5.7_cdx1.7-vex_jquery1-bootstrap3.cdx.json")]);
    assert_eq!((s.not_affected, s.ids.len()), (0, 40));
}

#[test]
fn components_nested_and_resolved() {
    // jq '[.components[] | recurse(.components[]?)] | length' => 720 (nested components included)
    let r = report(C, "cyclonedx-npm-6.0.1_jest-eslint-toolchain.cdx.json");
    assert_eq!(r.packages.len(), 720);
    assert!(r.packages.iter().any(|p| p.name == "@jest/core"));
    assert!(
        r.packages
            .iter()
            .all(|p| p.ecosystem == Some(Ecosystem::Npm))
    );
    let r = report(C, "cdx_nested-components-log4j.json");
    assert!(
        r.records
            .iter()
            .all(|v| v.package.name.ends_with("log4j-core")),
        "{:?}",
        r.records[0]
    );
    let r = report(C, "cdx_jake-python.json");
    assert_eq!(r.records[0].package.label(), "django@2.0");
    // The product described in metadata resolves refs but is not in the package inventory.
    let r = report(C, "bom-examples_cisa-vex-case2.json");
    assert_eq!(r.records[0].package.label(), "ABC@4.2");
    assert!(r.packages.is_empty());
}

#[test]
fn malformed_inputs() {
    let full = std::fs::read(crate::testing::path(C, "trivy_pom.cdx.json")).unwrap();
    assert!(error(C, &full[..4000]).contains("EOF while parsing"));
    let version = error(C, br#"{"bomFormat": "CycloneDX", "specVersion": "1.1"}"#);
    assert!(
        version.contains("`specVersion` `1.1` is not one of 1.2, 1.3, 1.4, 1.5, 1.6, 1.7"),
        "{version}"
    );
    assert!(error(C, br#"{"bomFormat": "CycloneDX", "specVersion": "2.0"}"#).contains("`2.0`"));
    let format = error(C, br#"{"bomFormat": "SPDX", "specVersion": "1.6"}"#);
    assert!(
        format.contains("`bomFormat` is `SPDX`, not `CycloneDX`"),
        "{format}"
    );
    let wrong = error(C, br#"{"bomFormat": "CycloneDX", "specVersion": 1.6}"#);
    assert!(
        wrong.contains("invalid type: floating point `1.6`, expected a string"),
        "{wrong}"
    );
    let ratings = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": [{"ratings": [{"score": "high"}]}]}"#;
    assert!(error(C, ratings).contains("invalid type: string"));
    let ignored = deeply_nested(
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": "#,
        10_000,
    );
    assert!(
        crate::read(C, &ignored[..], "deep.json")
            .unwrap()
            .records
            .is_empty()
    );
    let nested = format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{}{}]}}"#,
        r#"{"name": "a", "components": ["#.repeat(10_000),
        "]}".repeat(10_000)
    );
    assert!(error(C, nested.as_bytes()).contains("recursion limit exceeded"));
    let xml = std::fs::read(crate::testing::path(
        C,
        "retire-5.7_cdx1.4_jquery1-bootstrap3.cdx.xml",
    ))
    .unwrap();
    let not_json = error(C, &xml);
    assert!(
        not_json.contains("is not a valid CycloneDX JSON document: expected value at line 1"),
        "{not_json}"
    );
}

#[test]
fn severity_from_scores_when_no_rating_names_one() {
    let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [
        {"id": "CVE-1", "ratings": [{"score": 9.1, "method": "CVSSv31"}, {"score": 0.9, "method": "other"}],
         "analysis": {"state": "exploitable", "response": ["update"]}}]}"#;
    let r = crate::read(C, &doc[..], "x.json").unwrap();
    assert_eq!(r.records[0].severity, crate::model::Severity::Critical);
    assert_eq!(r.records[0].cvss, Some(9.1));
    assert!(r.records[0].fixable && !r.records[0].not_affected);
    assert_eq!(r.records[0].package.label(), "(no package named)");
}
