//! Every attestation fixture of `tests/fixtures/provenance`, run through the plugin as the
//! host would hand it over, with exact expected facts.
//!
//! Independent derivation: `tests/fixtures/provenance/check.py` reads each fixture with
//! securesystemslib's own DSSE verifier and `sha256sum`-style digests of `dist/`; its
//! output is `expected.txt` there. The lines quoted above each assertion are from it. The
//! configuration is [`common::config`]: both builder keys trusted, the release and hardened
//! runners trusted, the hardened one at L3, `git+https://github.com/acme/shop` the source.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

mod common;

use common::{config, facts, findings, run, run_owned, with_dist, with_rule};

/// The facts of a bundle with no finding but verified ones: one attestation, verified.
const ONE_VERIFIED_L2: &str = "inputs=1 attestations=1 verified=1 unverified=0 \
    subject_mismatches=0 builders=[https://ci.example.com/builders/release-runner@v1] \
    sources=[https://github.com/acme/shop] untrusted_builders=0 untrusted_sources=0 \
    slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0";

#[test]
fn slsa_v1_ed25519_jsonl_verifies_at_l2() {
    // record 1: envelope keyless=False verified_by=['builder-ed25519']
    //   _type=https://in-toto.io/Statement/v1 predicateType=https://slsa.dev/provenance/v1
    //   builder=https://ci.example.com/builders/release-runner@v1 source=git+https://github.com/acme/shop@refs/tags/v1.4.2
    //   subject shop-1.4.2.tar.gz sha256=2599ecdf… match; subject shop-linux-amd64 sha256=fef08bbd… match
    let e = run_owned(&with_dist("slsa-v1_ed25519.intoto.jsonl"), &config());
    assert_eq!(facts(&e), ONE_VERIFIED_L2);
    assert_eq!(
        findings(&e),
        [
            "provenance/verified info attestations/slsa-v1_ed25519.intoto.jsonl:1 envelope at \
          line 1: SLSA v1 provenance (Statement v1) signed by sha256:8cccc8e61181…, builder \
          `https://ci.example.com/builders/release-runner@v1`, source \
          `https://github.com/acme/shop`, 2 subject(s), SLSA Build L2"
        ]
    );
}

#[test]
fn slsa_v02_in_a_v01_statement_signed_with_p256_verifies() {
    // record 1: envelope keyless=False verified_by=['builder-p256']
    //   _type=https://in-toto.io/Statement/v0.1 predicateType=https://slsa.dev/provenance/v0.2
    //   builder=https://ci.example.com/builders/release-runner@v1 source=git+https://github.com/acme/shop@refs/tags/v1.4.2
    let e = run_owned(
        &with_dist("slsa-v02_statement-v0.1_p256.intoto.json"),
        &config(),
    );
    assert_eq!(facts(&e), ONE_VERIFIED_L2);
    assert!(
        findings(&e)[0]
            .contains("SLSA v0.2 provenance (Statement v0.1) signed by sha256:ce0da9964e5b…")
    );
}

#[test]
fn a_hardened_builder_reaches_l3() {
    // builder=https://ci.example.com/builders/hardened-runner@v2, verified_by=['builder-ed25519']
    let e = run_owned(
        &with_dist("slsa-v1_hardened-builder.intoto.json"),
        &config(),
    );
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=1 verified=1 unverified=0 subject_mismatches=0 \
         builders=[https://ci.example.com/builders/hardened-runner@v2] \
         sources=[https://github.com/acme/shop] untrusted_builders=0 untrusted_sources=0 \
         slsa_build_level=3 artifacts_without_provenance=0 findings_dropped=0"
    );
    // Without l3_builders the same evidence is L2.
    let mut plain = config();
    plain["l3_builders"] = serde_json::json!([]);
    let e = run_owned(&with_dist("slsa-v1_hardened-builder.intoto.json"), &plain);
    assert!(facts(&e).contains("slsa_build_level=2"));
}

#[test]
fn a_tampered_payload_is_unverified() {
    // record 1: envelope keyless=False verified_by=none
    //   builder=https://ci.example.com/builders/hardened-runner@v2 (edited after signing)
    let e = run_owned(&with_dist("tampered-payload.intoto.json"), &config());
    // Its claim still parses and names the bundle's digests: L1, which says nothing of
    // authenticity; unverified=1 is what a policy reads.
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=1 verified=0 unverified=1 subject_mismatches=0 builders=[] \
         sources=[] untrusted_builders=0 untrusted_sources=0 slsa_build_level=1 \
         artifacts_without_provenance=0 findings_dropped=0"
    );
    assert_eq!(
        findings(&e),
        [
            "provenance/unverified high attestations/tampered-payload.intoto.json:1 envelope at \
          line 1 is not verified, so it attests nothing: its signature does not verify under \
          any configured key (tried sha256:8cccc8e61181…, sha256:ce0da9964e5b…; it names keyid \
          691805c7841a9ece6f7fabb2…): it was signed by another key, or edited after it was \
          signed"
        ]
    );
}

#[test]
fn a_wrong_key_is_unverified() {
    // record 1: envelope keyless=False verified_by=none (signed by attacker-ed25519)
    let e = run_owned(&with_dist("wrong-key.intoto.json"), &config());
    assert!(facts(&e).starts_with("inputs=1 attestations=1 verified=0 unverified=1 "));
    assert_eq!(with_rule(&e, "provenance/unverified").len(), 1);
    // Trusting the attacker's key verifies it: the key decides, nothing else.
    let mut trusting = config();
    trusting["trusted_keys"] = serde_json::json!([common::text("keys/attacker-ed25519.pub")]);
    let e = run_owned(&with_dist("wrong-key.intoto.json"), &trusting);
    assert!(facts(&e).contains(" verified=1 unverified=0 "));
    assert!(findings(&e)[0].contains("signed by sha256:fd7a5de8f380…"));
}

#[test]
fn a_subject_mismatch_names_path_and_both_digests() {
    // subject shop-1.4.2.tar.gz sha256=16ab3545… MISMATCH actual=2599ecdf…
    // subject shop-linux-amd64 sha256=fef08bbd… match
    let e = run_owned(&with_dist("subject-mismatch.intoto.json"), &config());
    assert!(facts(&e).contains(" verified=1 unverified=0 subject_mismatches=1 "));
    // The binary is still attested at L2, the tarball by nothing: without `required` the
    // level is over the attested artifacts.
    assert!(facts(&e).contains("slsa_build_level=2"));
    assert_eq!(
        with_rule(&e, "provenance/subject-mismatch"),
        [
            "provenance/subject-mismatch critical attestations/subject-mismatch.intoto.json:1 \
          envelope at line 1: subject `shop-1.4.2.tar.gz` is attested as \
          sha256:16ab354571b93f42b07c2a94df3ff9a141e924378e925a9fde485d12121d6510, but \
          `dist/shop-1.4.2.tar.gz` is \
          sha256:2599ecdf4d216fe8caae3b150d7e8a3de9fa9a9e8de40f84858adc91f1f6bcdf"
        ]
    );
    // With the tarball required, it has no verified provenance: level 0.
    let mut required = config();
    required["required"] = serde_json::json!(["dist/*.tar.gz"]);
    let e = run_owned(&with_dist("subject-mismatch.intoto.json"), &required);
    assert!(facts(&e).contains("slsa_build_level=0 artifacts_without_provenance=1"));
}

#[test]
fn an_untrusted_builder_is_counted_and_named() {
    // verified_by=['builder-ed25519'] builder=https://evil.example.net/laptop
    let e = run_owned(&with_dist("untrusted-builder.intoto.json"), &config());
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=1 verified=1 unverified=0 subject_mismatches=0 \
         builders=[https://evil.example.net/laptop] sources=[https://github.com/acme/shop] \
         untrusted_builders=1 untrusted_sources=0 slsa_build_level=1 \
         artifacts_without_provenance=0 findings_dropped=0"
    );
    assert_eq!(
        with_rule(&e, "provenance/untrusted-builder"),
        [
            "provenance/untrusted-builder high attestations/untrusted-builder.intoto.json:1 \
          envelope at line 1: built by `https://evil.example.net/laptop`: `trusted_builders` \
          does not name it"
        ]
    );
}

#[test]
fn a_bare_statement_is_unverified() {
    // record 1: statement keyless=False verified_by=none
    let e = run_owned(&with_dist("bare-statement.intoto.json"), &config());
    assert!(facts(&e).starts_with(
        "inputs=1 attestations=1 verified=0 unverified=1 subject_mismatches=0 builders=[] "
    ));
    assert!(findings(&e)[0].ends_with("it is a bare statement, not in a signed envelope"));
}

#[test]
fn a_keyless_sigstore_bundle_without_trust_root_is_unverified_and_says_why() {
    // record 1: bundle keyless=True verified_by=none
    let e = run_owned(
        &with_dist("sigstore-bundle_keyless_no-trust-root.sigstore.json"),
        &config(),
    );
    assert!(facts(&e).starts_with("inputs=1 attestations=1 verified=0 unverified=1 "));
    let finding = &with_rule(&e, "provenance/unverified")[0];
    assert!(
        finding.contains("Sigstore bundle at line 1 is not verified"),
        "{finding}"
    );
    assert!(
        finding.contains("signed keylessly, with a Sigstore certificate"),
        "{finding}"
    );
    assert!(
        finding.contains("Fulcio certificate chain and Rekor entry"),
        "{finding}"
    );
    assert!(finding.contains("never counted as verified"), "{finding}");
}

#[test]
fn a_sigstore_bundle_signed_with_a_configured_key_verifies() {
    // record 1: bundle keyless=False verified_by=['builder-p256']
    let e = run_owned(
        &with_dist("sigstore-bundle_trusted-key.sigstore.json"),
        &config(),
    );
    assert_eq!(facts(&e), ONE_VERIFIED_L2);
    assert!(findings(&e)[0].contains("Sigstore bundle at line 1: SLSA v1 provenance"));
}

#[test]
fn json_lines_are_judged_line_by_line() {
    // record 1: verified_by=['builder-ed25519'] release-runner
    // record 2: predicateType=https://spdx.dev/Document (not provenance)
    // record 3: verified_by=['builder-ed25519'] builder=https://evil.example.net/laptop
    let e = run_owned(&with_dist("multi.intoto.jsonl"), &config());
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=2 verified=2 unverified=0 subject_mismatches=0 \
         builders=[https://ci.example.com/builders/release-runner@v1,https://evil.example.net/laptop] \
         sources=[https://github.com/acme/shop] untrusted_builders=1 untrusted_sources=0 \
         slsa_build_level=2 artifacts_without_provenance=0 findings_dropped=0"
    );
    let lines: Vec<String> = findings(&e)
        .iter()
        .map(|f| f.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        [
            "provenance/not-provenance info attestations/multi.intoto.jsonl:2",
            "provenance/verified info attestations/multi.intoto.jsonl:1",
            "provenance/verified info attestations/multi.intoto.jsonl:3",
            "provenance/untrusted-builder high attestations/multi.intoto.jsonl:3",
        ]
    );
}

#[test]
fn an_untrusted_source_is_counted() {
    let mut other = config();
    other["trusted_sources"] = serde_json::json!(["https://github.com/acme/other"]);
    let e = run_owned(&with_dist("slsa-v1_ed25519.intoto.jsonl"), &other);
    assert!(facts(&e).contains("untrusted_builders=0 untrusted_sources=1 "));
    assert!(with_rule(&e, "provenance/untrusted-source")[0].ends_with(
        "built from source `https://github.com/acme/shop`, which `trusted_sources` does not name"
    ));
    // Without trusted_sources every source passes.
    let mut any = config();
    any.as_object_mut().unwrap().remove("trusted_sources");
    let e = run_owned(&with_dist("slsa-v1_ed25519.intoto.jsonl"), &any);
    assert!(facts(&e).contains("untrusted_sources=0 "));
}

#[test]
fn no_trusted_builders_means_every_builder_is_untrusted() {
    let mut none = config();
    none["trusted_builders"] = serde_json::json!([]);
    none["l3_builders"] = serde_json::json!([]);
    let e = run_owned(&with_dist("slsa-v1_ed25519.intoto.jsonl"), &none);
    assert!(facts(&e).contains("untrusted_builders=1 untrusted_sources=0 slsa_build_level=1 "));
    assert!(
        with_rule(&e, "provenance/untrusted-builder")[0]
            .ends_with("`trusted_builders` is empty, so no builder is trusted")
    );
}

#[test]
fn no_trusted_keys_verifies_nothing() {
    let mut none = config();
    none["trusted_keys"] = serde_json::json!([]);
    let e = run_owned(&with_dist("slsa-v1_ed25519.intoto.jsonl"), &none);
    assert!(facts(&e).starts_with("inputs=1 attestations=1 verified=0 unverified=1 "));
    assert!(with_rule(&e, "provenance/unverified")[0].contains(
        "no key is configured in `trusted_keys` to verify it against; it names keyid 691805c7841a9ece6f7fabb2…"
    ));
}

#[test]
fn public_slsa_verifier_testdata_is_unverified_with_its_reasons() {
    // slsa-framework/slsa-verifier verifiers/internal/gha/testdata/dsse-valid-v1.intoto.jsonl:
    // record 1: envelope keyless=False verified_by=none
    //   _type=https://in-toto.io/Statement/v0.1 predicateType=https://slsa.dev/provenance/v1.0
    let e = run(
        &[(
            "attestations/dsse-valid-v1.intoto.jsonl",
            "public/slsa-verifier_dsse-valid-v1.intoto.jsonl",
        )],
        &config(),
    );
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=1 verified=0 unverified=1 subject_mismatches=0 builders=[] \
         sources=[] untrusted_builders=0 untrusted_sources=0 slsa_build_level=0 \
         artifacts_without_provenance=0 findings_dropped=0"
    );
    let finding = &findings(&e)[0];
    assert!(
        finding.contains("its signature does not verify under any configured key"),
        "{finding}"
    );
    assert!(
        finding.contains(
            "also, its payload is unusable: predicate type `https://slsa.dev/provenance/v1.0` is a \
         SLSA provenance version this plugin does not read"
        ),
        "{finding}"
    );
}

#[test]
fn public_sigstore_python_bundle_is_keyless_hence_unverified_but_l1() {
    // sigstore/sigstore-python test/assets/a.dsse.staging-rekor-v2.txt.sigstore.json:
    // record 1: bundle keyless=True verified_by=none
    //   builder=https://github.com/octo-org/octo-repo/.github/workflows/docker.yaml@refs/heads/development
    //   subject a.txt sha256=e248a5db4933dba6578200238c91a57f5e65b925b73050ae786933468b7ac101
    // (`sha256sum public/sigstore-python_a.txt` prints the same digest.)
    let e = run(
        &[
            (
                "a.sigstore.json",
                "public/sigstore-python_a.dsse.staging-rekor-v2.txt.sigstore.json",
            ),
            ("dist/a.txt", "public/sigstore-python_a.txt"),
        ],
        &config(),
    );
    assert_eq!(
        facts(&e),
        "inputs=1 attestations=1 verified=0 unverified=1 subject_mismatches=0 builders=[] \
         sources=[] untrusted_builders=0 untrusted_sources=0 slsa_build_level=1 \
         artifacts_without_provenance=0 findings_dropped=0"
    );
    assert!(findings(&e)[0].contains("signed keylessly, with a Sigstore certificate"));
}

#[test]
fn a_bundle_without_attestations_has_no_input() {
    let e = run(&common::DIST, &config());
    assert_eq!(
        facts(&e),
        "inputs=0 attestations=0 verified=0 unverified=0 subject_mismatches=0 builders=[] \
         sources=[] untrusted_builders=0 untrusted_sources=0 slsa_build_level=0 \
         artifacts_without_provenance=0 findings_dropped=0"
    );
    assert!(findings(&e).is_empty());
}

#[test]
fn the_weakest_attested_artifact_sets_the_level() {
    // The hardened attestation covers both files at L3; an attestation of the binary alone
    // cannot lift a file it does not attest, and two attestations of one file take the best.
    let files = [
        ("dist/shop-1.4.2.tar.gz", "dist/shop-1.4.2.tar.gz"),
        ("dist/shop-linux-amd64", "dist/shop-linux-amd64"),
        (
            "a/hardened.intoto.json",
            "slsa-v1_hardened-builder.intoto.json",
        ),
        ("a/release.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl"),
    ];
    let e = run(&files, &config());
    assert!(facts(&e).contains("slsa_build_level=3"), "{}", facts(&e));
    let e = run(
        &[
            files[0],
            files[1],
            ("a/release.intoto.jsonl", "slsa-v1_ed25519.intoto.jsonl"),
            ("a/evil.intoto.json", "untrusted-builder.intoto.json"),
        ],
        &config(),
    );
    // Both attest both files: the release runner's L2 is the best for each.
    assert!(facts(&e).contains("slsa_build_level=2"), "{}", facts(&e));
}
