//! The chain check: which envelope shows that the previous stage passed, and for every one
//! that does not, why, in one sentence.

use stagegate_attest::{ChainOutcome, PAYLOAD_TYPE, Statement, check_chain, sign, sign_payload};

use crate::support::{COMMIT, decision, edited, public, signing};

fn envelope(statement: &Statement, key: &str) -> Vec<u8> {
    sign(statement, &signing(key)).unwrap().into_bytes()
}

fn why(outcome: ChainOutcome) -> String {
    match outcome {
        ChainOutcome::NotPassed { why } => why,
        passed @ ChainOutcome::Passed { .. } => panic!("unexpected {passed:?}"),
    }
}

#[test]
fn an_allow_of_the_previous_stage_for_this_commit_passes() {
    let trusted = [public("test-gate"), public("prod-gate-p256")];
    for key in ["test-gate", "prod-gate-p256"] {
        let bundle = [
            ("attest/a.json".to_owned(), b"garbage".to_vec()),
            (
                "attest/b.json".to_owned(),
                envelope(&decision(COMMIT, "allow", "test"), key),
            ),
        ];
        assert_eq!(
            check_chain(&bundle, &trusted, COMMIT, "test"),
            ChainOutcome::Passed {
                path: "attest/b.json".to_owned(),
                keyid: public(key).keyid()
            }
        );
    }
}

#[test]
fn each_envelope_that_does_not_pass_is_named_with_why() {
    let trusted = [public("test-gate")];
    let good = envelope(&decision(COMMIT, "allow", "test"), "test-gate");
    let mut other_predicate = decision(COMMIT, "allow", "test");
    other_predicate.predicate_type = "https://slsa.dev/provenance/v1".to_owned();
    let mut other_change = decision(COMMIT, "allow", "test");
    other_change.predicate["change"]["commit"] = "1111111".into();
    let forged = decision(COMMIT, "allow", "test").to_json().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "other-commit.json",
            envelope(
                &decision("0000000000000000000000000000000000000000", "allow", "test"),
                "test-gate",
            ),
            "attests other commit `0000000000000000000000000000000000000000`",
        ),
        (
            "deny.json",
            envelope(&decision(COMMIT, "deny", "test"), "test-gate"),
            "decision `deny`",
        ),
        (
            "other-stage.json",
            envelope(&decision(COMMIT, "allow", "prod"), "test-gate"),
            "allowed promotion to other stage `prod`, not `test`",
        ),
        (
            "untrusted.json",
            envelope(&decision(COMMIT, "allow", "test"), "other"),
            "signed by untrusted key sha256:",
        ),
        (
            "forged.json",
            edited(std::str::from_utf8(&good).unwrap(), |e| {
                e["payload"] =
                    crate::support::b64(&forged.iter().copied().chain(*b" ").collect::<Vec<_>>())
                        .into();
            }),
            "bad signature",
        ),
        (
            "slsa.json",
            envelope(&other_predicate, "test-gate"),
            "predicate type `https://slsa.dev/provenance/v1` is not a stagegate decision",
        ),
        (
            "other-change.json",
            envelope(&other_change, "test-gate"),
            "its predicate is about other commit `1111111`",
        ),
        (
            "not-a-statement.json",
            sign_payload(PAYLOAD_TYPE, b"{}", &signing("test-gate"))
                .unwrap()
                .into_bytes(),
            "payload is not an in-toto Statement v1: missing `_type`",
        ),
    ];
    let bundle: Vec<(String, Vec<u8>)> = cases
        .iter()
        .map(|(path, bytes, _)| ((*path).to_owned(), bytes.clone()))
        .collect();
    let why = why(check_chain(&bundle, &trusted, COMMIT, "test"));
    assert!(
        why.starts_with(&format!(
            "no decision attestation shows that `test` passed commit `{COMMIT}`: "
        )),
        "{why}"
    );
    assert!(!why.contains('\n'), "{why}");
    let mut at = 0;
    for (path, _, reason) in &cases {
        let entry = format!("`{path}`: {reason}");
        let found = why[at..]
            .find(&entry)
            .unwrap_or_else(|| panic!("no `{entry}` in order in: {why}"));
        at += found + entry.len();
    }
    // Each case alone says the same.
    for (path, bytes, reason) in cases {
        let why = self::why(check_chain(
            &[(path.to_owned(), bytes)],
            &trusted,
            COMMIT,
            "test",
        ));
        assert!(why.contains(&format!("`{path}`: {reason}")), "{why}");
    }
}

#[test]
fn an_empty_commit_never_passes() {
    let trusted = [public("test-gate")];
    let bundle = [(
        "a.json".to_owned(),
        envelope(&decision("", "allow", "test"), "test-gate"),
    )];
    assert_eq!(
        why(check_chain(&bundle, &trusted, "", "test")),
        "there is no commit to check `test` for (an empty commit never passes)"
    );
}

#[test]
fn hostile_strings_are_clipped_and_escaped() {
    let trusted = [public("test-gate")];
    let stage = format!("\u{1b}[32m{}", "x".repeat(500));
    let bundle = [(
        "a.json".to_owned(),
        envelope(&decision(COMMIT, "allow", &stage), "test-gate"),
    )];
    let why = why(check_chain(&bundle, &trusted, COMMIT, "test"));
    assert!(!why.contains('\u{1b}'), "{why}");
    assert!(why.len() < 400, "{why}");
}

#[test]
fn a_dry_run_allow_is_not_a_pass() {
    let mut dry = decision(COMMIT, "allow", "test");
    dry.predicate["dry_run"] = serde_json::Value::Bool(true);
    let mut silent = decision(COMMIT, "allow", "test");
    silent.predicate.as_object_mut().unwrap().remove("dry_run");
    for statement in [dry, silent] {
        let outcome = check_chain(
            &[("a.json".to_owned(), envelope(&statement, "test-gate"))],
            &[public("test-gate")],
            COMMIT,
            "test",
        );
        match outcome {
            ChainOutcome::NotPassed { why } => assert!(why.contains("dry run"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
