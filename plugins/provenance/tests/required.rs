//! `required` and `subjects`: which artifacts must have verified provenance, how the whole
//! bundle's listing keeps a file out of the plugin's view from passing, and digests named in
//! the configuration.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

mod common;

use common::{config, facts, fixture, run, run_bytes, with_rule};
use serde_json::json;

/// `sha256sum dist/shop-1.4.2.tar.gz` (`digests.txt`).
const TARBALL: &str = "2599ecdf4d216fe8caae3b150d7e8a3de9fa9a9e8de40f84858adc91f1f6bcdf";

fn required(globs: &[&str]) -> serde_json::Value {
    let mut c = config();
    c["required"] = json!(globs);
    c
}

#[test]
fn required_artifacts_with_verified_provenance_pass() {
    let e = run(
        &[
            common::DIST[0],
            common::DIST[1],
            (
                "attestations/shop.intoto.jsonl",
                "slsa-v1_ed25519.intoto.jsonl",
            ),
        ],
        &required(&["dist/*.tar.gz", "dist/shop-linux-*"]),
    );
    assert!(
        facts(&e).ends_with("slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0"),
        "{}",
        facts(&e)
    );
}

#[test]
fn a_required_artifact_attested_only_by_an_unverified_envelope_counts() {
    let e = run(
        &[
            common::DIST[0],
            ("attestations/w.intoto.json", "wrong-key.intoto.json"),
        ],
        &required(&["dist/*.tar.gz"]),
    );
    // L1: its provenance exists, unverified.
    assert!(
        facts(&e).ends_with("slsa_build_level=1 artifacts_without_provenance=1 findings_dropped=0")
    );
    assert_eq!(
        with_rule(&e, "provenance/missing"),
        [format!(
            "provenance/missing high dist/shop-1.4.2.tar.gz:0 `dist/shop-1.4.2.tar.gz` matches \
             required `dist/*.tar.gz`, and no verified provenance attests its digest sha256:{TARBALL}"
        )]
    );
}

#[test]
fn a_required_glob_matching_nothing_counts() {
    let e = run(
        &[(
            "attestations/shop.intoto.jsonl",
            "slsa-v1_ed25519.intoto.jsonl",
        )],
        &required(&["dist/*.tar.gz"]),
    );
    assert!(
        facts(&e).ends_with("slsa_build_level=0 artifacts_without_provenance=1 findings_dropped=0")
    );
    assert_eq!(
        with_rule(&e, "provenance/missing"),
        [
            "provenance/missing high -:0 required `dist/*.tar.gz` matches no artifact of the \
          bundle: the artifact that needs provenance is missing"
        ]
    );
}

#[test]
fn a_bundle_file_the_plugin_was_not_given_counts() {
    // `run_bytes` hands over every file; list one more path that was not handed over, as
    // the glue's listing of the bundle view would show it.
    let config =
        stagegate_plugin_provenance::Config::parse(&required(&["bin/*"]).to_string()).unwrap();
    let attestation = std::fs::read(fixture("slsa-v1_ed25519.intoto.jsonl")).unwrap();
    let artifacts = vec![stagegate_sdk::Artifact {
        path: "a.intoto.jsonl".into(),
        kind: stagegate_plugin_provenance::ATTESTATION_KIND.into(),
        size: attestation.len() as u64,
        sha256: "00".into(),
    }];
    let mut open = |_: &stagegate_sdk::Artifact| -> std::io::Result<Box<dyn std::io::BufRead>> {
        Ok(Box::new(std::io::Cursor::new(attestation.clone())))
    };
    let e = stagegate_plugin_provenance::evaluate_with(
        &artifacts,
        &config,
        vec!["a.intoto.jsonl".into(), "bin/shop".into()],
        &mut open,
    )
    .unwrap();
    assert!(facts(&e).ends_with("artifacts_without_provenance=1 findings_dropped=0"));
    let missing = &with_rule(&e, "provenance/missing")[0];
    assert!(
        missing.contains(
            "`bin/shop` matches required `bin/*`, and the host did not hand it to the plugin"
        ),
        "{missing}"
    );
    assert!(missing.contains("`provenance-subject` kind"), "{missing}");
}

#[test]
fn attestation_files_are_never_required() {
    let e = run(
        &[
            common::DIST[0],
            ("dist/shop.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl"),
        ],
        &required(&["dist/**"]),
    );
    assert!(
        facts(&e).ends_with("slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0"),
        "{}",
        facts(&e)
    );
}

#[test]
fn configured_subjects_stand_for_artifacts_outside_the_bundle() {
    // The attestation names `shop-1.4.2.tar.gz`; the bundle holds no such file, the
    // configuration gives its digest.
    let mut c = required(&["shop-1.4.2.tar.gz"]);
    c["subjects"] = json!({"shop-1.4.2.tar.gz": format!("sha256:{TARBALL}")});
    let e = run(&[("a.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl")], &c);
    assert!(facts(&e).contains("subject_mismatches=0 "), "{}", facts(&e));
    assert!(
        facts(&e).ends_with("slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0")
    );
    // A configured digest that differs is a mismatch.
    c["subjects"] = json!({"shop-1.4.2.tar.gz": format!("sha256:{}", "0".repeat(64))});
    let e = run(&[("a.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl")], &c);
    assert!(facts(&e).contains("subject_mismatches=1 "), "{}", facts(&e));
    assert!(
        facts(&e).ends_with("slsa_build_level=0 artifacts_without_provenance=1 findings_dropped=0")
    );
}

#[test]
fn subjects_absent_from_the_bundle_are_an_info_finding() {
    let e = run(
        &[("a.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl")],
        &config(),
    );
    // Nothing in the bundle is attested: level 0, no mismatch.
    assert!(facts(&e).contains("subject_mismatches=0 "));
    assert!(facts(&e).contains("slsa_build_level=0 "));
    assert_eq!(
        with_rule(&e, "provenance/subject-not-in-bundle"),
        [
            "provenance/subject-not-in-bundle info a.intoto.jsonl:1 envelope at line 1: 2 \
          subject(s), e.g. `shop-1.4.2.tar.gz`, name no artifact the plugin was given and \
          match none by digest"
        ]
    );
}

#[test]
fn a_renamed_artifact_is_attested_by_its_digest() {
    let tarball = std::fs::read(fixture("dist/shop-1.4.2.tar.gz")).unwrap();
    let attestation = std::fs::read(fixture("slsa-v1_ed25519.intoto.jsonl")).unwrap();
    let e = run_bytes(
        &[
            ("out/renamed.tgz", tarball),
            ("a.intoto.jsonl", attestation),
        ],
        &required(&["out/*.tgz"]),
    )
    .unwrap();
    assert!(
        facts(&e).ends_with("slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0")
    );
}

#[test]
fn findings_past_the_cap_are_counted() {
    // 1,200 bare statements: one finding each, 1,000 listed.
    let line = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(&common::text("bare-statement.intoto.json"))
            .unwrap(),
    )
    .unwrap();
    let mut files = Vec::new();
    for i in 0..2 {
        files.push((
            if i == 0 {
                "a.intoto.jsonl"
            } else {
                "b.intoto.jsonl"
            },
            format!("{line}\n").repeat(600).into_bytes(),
        ));
    }
    let e = run_bytes(&files, &config()).unwrap();
    assert!(facts(&e).starts_with("inputs=2 attestations=1200 verified=0 unverified=1200 "));
    assert!(facts(&e).ends_with("findings_dropped=200"));
    assert_eq!(e.findings.len(), 1000);
}

#[test]
fn many_subjects_against_many_artifacts_are_matched_by_index() {
    use stagegate_plugin_provenance::attestation::{Attestation, Form, Signature};
    use stagegate_plugin_provenance::judge::{Evidence, Known, judge};
    use stagegate_plugin_provenance::slsa::SlsaVersion;
    use stagegate_plugin_provenance::statement::{Provenance, Subject};

    let digest = |i: usize| format!("{i:064x}");
    let artifacts: Vec<Known> = (0..20_000)
        .map(|i| Known {
            path: format!("dist/d{}/f{i}", i % 50),
            sha256: digest(i),
            is_attestation: false,
        })
        .collect();
    // 10,000 subjects by base name: the even ones match, the odd ones name another digest.
    let subjects = (0..10_000)
        .map(|i| Subject {
            name: format!("f{i}"),
            sha256: Some(if i % 2 == 0 {
                digest(i)
            } else {
                digest(i + 1_000_000)
            }),
            others: Vec::new(),
        })
        .collect();
    let evidence = Evidence {
        attestations: vec![Attestation {
            path: "a.intoto.jsonl".into(),
            line: 1,
            form: Form::Envelope,
            signature: Signature::Verified("sha256:00".into()),
            claim: Ok(Provenance {
                legacy_statement: false,
                version: SlsaVersion::V1,
                subjects,
                builder: Some(common::BUILDER.into()),
                source: Some("https://github.com/acme/shop".into()),
            }),
        }],
        artifacts,
        ..Evidence::default()
    };
    let config = stagegate_plugin_provenance::Config::parse(&config().to_string()).unwrap();
    let summary = judge(&evidence, &config);
    assert_eq!(summary.subject_mismatches, 5_000);
    assert_eq!(summary.findings.len() + summary.findings_dropped, 5_001);
    // Without `required`: the attested artifacts are at L2.
    assert_eq!(summary.slsa_build_level, 2);
}
