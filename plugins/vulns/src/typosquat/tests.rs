use super::*;
use crate::format::Format;
use crate::summary::{Options, summarise};
use crate::testing::{all, report};

/// A small SBOM with typo'd names next to names that must not be flagged.
const SBOM: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
  "metadata": {"component": {"name": "reqeust", "purl": "pkg:pypi/reqeust@0.1.0"}},
  "components": [
    {"name": "reqeusts", "version": "2.31.0", "purl": "pkg:pypi/reqeusts@2.31.0"},
    {"name": "lodahs", "version": "4.17.21", "purl": "pkg:npm/lodahs@4.17.21"},
    {"name": "crossenv", "version": "6.1.1", "purl": "pkg:npm/crossenv@6.1.1"},
    {"name": "serde_jsno", "version": "1.0.0", "purl": "pkg:cargo/serde_jsno@1.0.0"},
    {"name": "app", "components": [
      {"name": "chlak", "version": "5.0.0", "purl": "pkg:npm/chlak@5.0.0"}]},
    {"group": "@types", "name": "lodahs", "version": "4.0.0", "purl": "pkg:npm/%40types/lodahs@4.0.0"},
    {"name": "Requests", "version": "2.31.0", "purl": "pkg:pypi/Requests@2.31.0"},
    {"name": "python_dateutil", "version": "2.9.0", "purl": "pkg:pypi/python_dateutil@2.9.0"},
    {"name": "binaryextensions", "version": "6.0.0", "purl": "pkg:npm/binaryextensions@6.0.0"},
    {"name": "gbol", "version": "1.0.0", "purl": "pkg:npm/gbol@1.0.0"},
    {"name": "mz", "version": "2.7.0", "purl": "pkg:npm/mz@2.7.0"},
    {"name": "bsah", "version": "5.0", "purl": "pkg:deb/debian/bsah@5.0"},
    {"name": "lodahs-unknown-ecosystem", "version": "1"}
  ]}"#;

fn flagged(options: &Options) -> Vec<(String, String, usize)> {
    let report = crate::read(Format::CycloneDx, SBOM.as_bytes(), "sbom.json").unwrap();
    let s = summarise(vec![("sbom.json".to_owned(), report)], options);
    s.typosquats
        .into_iter()
        .map(|t| (t.name, t.resembles, t.distance))
        .collect()
}

#[test]
fn flags_typos_of_popular_names() {
    let got = flagged(&Options::default());
    // Ordered by ecosystem (npm, PyPI, crates.io), then name.
    let want = [
        ("chlak", "chalk", 1),
        ("crossenv", "cross-env", 1),
        ("lodahs", "lodash", 1),
        ("reqeusts", "requests", 1),
        ("serde_jsno", "serde-json", 1),
    ];
    let want: Vec<(String, String, usize)> = want
        .iter()
        .map(|(a, b, d)| ((*a).to_owned(), (*b).to_owned(), *d))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn findings_and_facts_name_the_resemblance() {
    let report = crate::read(Format::CycloneDx, SBOM.as_bytes(), "sbom.json").unwrap();
    let s = summarise(vec![("sbom.json".to_owned(), report)], &Options::default());
    assert_eq!(s.issues.len(), 5);
    let lodahs = &s.issues[2];
    assert_eq!(lodahs.rule, "vulns/typosquat");
    assert_eq!(lodahs.level, crate::summary::Level::High);
    assert_eq!(lodahs.path.as_deref(), Some("sbom.json"));
    assert_eq!(
        lodahs.message,
        "npm package `lodahs` is 1 edit away from the popular package `lodash`: check it is the package you meant"
    );
}

#[test]
fn allow_list_and_switch() {
    let options = Options {
        typosquat_check: true,
        typosquat_allow: vec!["REQEUSTS".into(), "lodahs".into()],
        ..Options::default()
    };
    let names: Vec<String> = flagged(&options).into_iter().map(|t| t.0).collect();
    assert_eq!(names, ["chlak", "crossenv", "serde_jsno"]);
    let off = Options {
        typosquat_check: false,
        ..Options::default()
    };
    assert!(flagged(&off).is_empty());
}

#[test]
fn distance_rules() {
    let check_one = |eco: Ecosystem, name: &str| {
        let names = BTreeSet::from([(eco, name.to_owned())]);
        check(&names, &[])
            .into_iter()
            .next()
            .map(|s| (s.resembles, s.distance))
    };
    // Distance 2 on long names, transpositions count 1.
    assert_eq!(
        check_one(Ecosystem::Npm, "expresss-"),
        Some(("express".into(), 2))
    );
    assert_eq!(
        check_one(Ecosystem::PyPi, "beautifulsoop"),
        Some(("beautifulsoup4".into(), 2))
    );
    assert_eq!(
        check_one(Ecosystem::PyPi, "nmupy"),
        Some(("numpy".into(), 1))
    );
    // Short names: distance 1 only; under 4 characters: not checked.
    assert_eq!(check_one(Ecosystem::Npm, "glbo"), Some(("glob".into(), 1)));
    assert_eq!(check_one(Ecosystem::Npm, "gbol"), None);
    assert_eq!(check_one(Ecosystem::Npm, "mz"), None);
    // Popular and established names, and names far from everything.
    assert_eq!(check_one(Ecosystem::Npm, "lodash"), None);
    assert_eq!(check_one(Ecosystem::PyPi, "Django-Filer"), None);
    assert_eq!(
        check_one(Ecosystem::PyPi, "stagegate-internal-tooling"),
        None
    );
    assert_eq!(check_one(Ecosystem::Crates, "wasm_bindgen"), None);
    assert_eq!(check_one(Ecosystem::Npm, &"x".repeat(300)), None);
}

#[test]
fn normalisation() {
    assert_eq!(
        normalise(Ecosystem::PyPi, "Zope.Interface"),
        "zope-interface"
    );
    assert_eq!(normalise(Ecosystem::PyPi, "a__b-.c"), "a-b-c");
    assert_eq!(normalise(Ecosystem::Crates, "serde_json"), "serde-json");
    assert_eq!(normalise(Ecosystem::Npm, "JSONStream"), "jsonstream");
    assert_eq!(normalise(Ecosystem::Npm, "cross_env"), "cross_env");
}

#[test]
fn popular_lists_load() {
    for (eco, at_least) in [
        (Ecosystem::Npm, 2000),
        (Ecosystem::PyPi, 1990),
        (Ecosystem::Crates, 300),
    ] {
        let list = Popular::of(eco);
        assert!(
            list.names.len() >= at_least,
            "{eco:?}: {}",
            list.names.len()
        );
        assert!(list.known.len() >= list.names.len());
    }
}

#[test]
fn no_false_positives_on_the_real_package_lists() {
    // Every SBOM, scan and audit fixture together: 2,000+ package names across npm, PyPI,
    // Maven, Debian, RPM, Alpine, gems and composer. The check flags none of them.
    let mut inputs = Vec::new();
    for format in [
        Format::CycloneDx,
        Format::Trivy,
        Format::Grype,
        Format::PipAudit,
    ] {
        for file in all(format) {
            inputs.push((file.clone(), report(format, &file)));
        }
    }
    let names: usize = inputs.iter().map(|(_, r)| r.packages.len()).sum();
    assert!(names > 2000, "{names}");
    let s = summarise(inputs, &Options::default());
    assert!(s.typosquats.is_empty(), "{:?}", s.typosquats);
}
