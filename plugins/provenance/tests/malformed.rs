//! Malformed and hostile attestations: each is a clear finding naming the file (and line),
//! counted as an unverified attestation, never a panic and never verified.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{config, facts, findings, run_bytes, text};
use proptest::prelude::*;
use serde_json::json;

/// The reference envelope of the fixtures (one line), as JSON.
fn reference() -> serde_json::Value {
    serde_json::from_str(text("slsa-v1_ed25519.intoto.jsonl").trim()).unwrap()
}

/// Runs one attestation file, alone in the bundle.
fn one(path: &str, bytes: Vec<u8>) -> stagegate_sdk::Evaluation {
    run_bytes(&[(path, bytes)], &config()).unwrap()
}

/// The only finding of an evaluation, which must be an unverified attestation.
fn unverified(evaluation: &stagegate_sdk::Evaluation) -> String {
    let all = findings(evaluation);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        all[0].starts_with("provenance/unverified high "),
        "{}",
        all[0]
    );
    assert!(
        facts(evaluation).starts_with("inputs=1 attestations=1 verified=0 unverified=1 "),
        "{}",
        facts(evaluation)
    );
    all[0].clone()
}

#[test]
fn truncated_json_names_the_file_and_line() {
    let whole = serde_json::to_string_pretty(&reference()).unwrap();
    let cut = whole.get(..whole.len() / 2).unwrap().as_bytes().to_vec();
    let finding = unverified(&one("a/cut.intoto.json", cut));
    assert!(
        finding.starts_with("provenance/unverified high a/cut.intoto.json:1 record at line 1"),
        "{finding}"
    );
    assert!(finding.contains("the JSON ends early at line"), "{finding}");
}

#[test]
fn a_broken_line_among_good_ones_is_named_by_its_line() {
    let good = serde_json::to_string(&reference()).unwrap();
    let text = format!("{good}\n{{\"payloadType\": \n{good}\n");
    let e = one("a/multi.intoto.jsonl", text.into_bytes());
    assert!(facts(&e).starts_with("inputs=1 attestations=3 verified=2 unverified=1 "));
    let bad: Vec<String> = findings(&e)
        .into_iter()
        .filter(|f| f.starts_with("provenance/unverified"))
        .collect();
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].contains("a/multi.intoto.jsonl:2 record at line 2"),
        "{}",
        bad[0]
    );
}

#[test]
fn base64_that_does_not_decode() {
    let mut envelope = reference();
    envelope["payload"] = "not base64 at all!".into();
    let finding = unverified(&one("a.intoto.json", envelope.to_string().into_bytes()));
    assert!(
        finding.ends_with("the DSSE envelope is malformed: the envelope's `payload` is not base64"),
        "{finding}"
    );
    // A signature that is not base64 never verifies.
    let mut envelope = reference();
    envelope["signatures"][0]["sig"] = "%%%".into();
    let finding = unverified(&one("a.intoto.json", envelope.to_string().into_bytes()));
    assert!(
        finding.contains("its signature does not verify"),
        "{finding}"
    );
}

#[test]
fn a_signed_payload_that_is_not_a_statement() {
    // Signed by the trusted key: the signature verifies, the payload does not read.
    let key = stagegate_attest::SigningKey::from_pem(&text("keys/builder-ed25519.key")).unwrap();
    for (payload, why) in [
        (&b"hello"[..], "its payload is not an in-toto statement: not a JSON object"),
        (
            br#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#,
            "its payload is unusable: the statement has no subject",
        ),
        (
            br#"{"_type":"x","subject":[]}"#,
            "its payload is unusable: `_type` is `x`, not an in-toto statement (v1 or v0.1)",
        ),
    ] {
        let envelope = stagegate_attest::sign_payload(stagegate_attest::PAYLOAD_TYPE, payload, &key)
            .unwrap();
        let finding = unverified(&one("p.intoto.json", envelope.into_bytes()));
        assert!(
            finding.contains(&format!("signed by sha256:8cccc8e61181…, but {why}")),
            "{finding}"
        );
    }
}

#[test]
fn huge_payloads_and_lines_are_bounded() {
    // A document past 16 MiB is refused without being parsed.
    let mut envelope = reference();
    envelope["padding"] = "x".repeat(stagegate_attest::MAX_ENVELOPE_BYTES).into();
    let pretty = serde_json::to_string_pretty(&envelope).unwrap();
    let finding = unverified(&one("big.intoto.json", pretty.into_bytes()));
    assert!(finding.contains("the document is"), "{finding}");
    assert!(
        finding.contains("more than the 16777216 bytes of an attestation"),
        "{finding}"
    );
    // One line past it, between good ones: only that line is lost.
    let good = serde_json::to_string(&reference()).unwrap();
    let long = envelope.to_string();
    let text = format!("{good}\n{long}\n{good}\n");
    let e = one("big.intoto.jsonl", text.into_bytes());
    assert!(facts(&e).starts_with("inputs=1 attestations=3 verified=2 unverified=1 "));
    assert!(findings(&e).iter().any(|f| f.contains("big.intoto.jsonl:2 record at line 2")
        && f.contains("the line is")));
}

#[test]
fn too_many_subjects_are_refused() {
    let key = stagegate_attest::SigningKey::from_pem(&text("keys/builder-ed25519.key")).unwrap();
    let subjects: Vec<_> = (0..10_001)
        .map(|i| json!({"name": format!("f{i}"), "digest": {"sha256": "00"}}))
        .collect();
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {},
    });
    let envelope = stagegate_attest::sign_payload(
        stagegate_attest::PAYLOAD_TYPE,
        statement.to_string().as_bytes(),
        &key,
    )
    .unwrap();
    let finding = unverified(&one("many.intoto.json", envelope.into_bytes()));
    assert!(
        finding.contains("the statement has 10001 subjects, more than the 10000 this plugin reads"),
        "{finding}"
    );
}

#[test]
fn deeply_nested_json_is_refused_or_skipped() {
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    // As a whole record: refused at the first level.
    let finding = unverified(&one("deep.intoto.json", deep.clone().into_bytes()));
    assert!(finding.contains("it is not a JSON object"), "{finding}");
    // Inside an envelope, where a string is read.
    let envelope = format!(r#"{{"payloadType":{deep},"payload":"","signatures":[]}}"#);
    let finding = unverified(&one("deep.intoto.json", envelope.into_bytes()));
    assert!(
        finding.contains("the DSSE envelope is malformed"),
        "{finding}"
    );
    // Nested objects where keys are read.
    let nested = format!(
        r#"{{"_type":{}0{}}}"#,
        r#"{"a":"#.repeat(50_000),
        "}".repeat(50_000)
    );
    let e = one("deep.intoto.json", nested.into_bytes());
    assert!(facts(&e).contains(" unverified=1 "));
    // A signed payload nested deep inside its predicate: its signature verifies, the nested
    // part is skipped unread.
    let key = stagegate_attest::SigningKey::from_pem(&text("keys/builder-ed25519.key")).unwrap();
    let statement = String::from_utf8(
        STANDARD
            .decode(reference()["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    let payload = statement.replacen(
        r#""predicate":{"#,
        &format!(r#""predicate":{{"deep":{deep},"#),
        1,
    );
    assert_ne!(payload, statement);
    let envelope =
        stagegate_attest::sign_payload(stagegate_attest::PAYLOAD_TYPE, payload.as_bytes(), &key)
            .unwrap();
    let e = one("deep-signed.intoto.json", envelope.into_bytes());
    assert!(
        facts(&e).contains(" verified=1 unverified=0 "),
        "{}",
        facts(&e)
    );
}

#[test]
fn records_that_are_not_attestations() {
    for (body, why) in [
        ("{}", "it is neither a DSSE envelope"),
        ("\"text\"", "it is not a JSON object"),
        (
            "{\"payloadType\":\"application/vnd.in-toto+json\"}",
            "missing field `payload`",
        ),
        (
            "{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"e30=\",\"signatures\":[]}",
            "the envelope has no signatures",
        ),
    ] {
        let finding = unverified(&one("x.intoto.json", body.as_bytes().to_vec()));
        assert!(finding.contains(why), "{body}: {finding}");
    }
}

#[test]
fn utf16_attestations_are_transcoded_first() {
    let mut bytes = vec![0xff, 0xfe];
    for unit in reference().to_string().encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let e = one("u16.intoto.json", bytes);
    assert!(facts(&e).starts_with("inputs=1 attestations=1 verified=1 unverified=0 "));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let e = one("r.intoto.json", bytes.clone());
        prop_assert_eq!(e.facts.len(), 12);
        let e = one("r.intoto.jsonl", bytes);
        prop_assert_eq!(e.facts.len(), 12);
    }

    #[test]
    fn edited_envelopes_never_verify_or_panic(index in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = text("slsa-v1_ed25519.intoto.jsonl").into_bytes();
        let at = index.index(bytes.len());
        let changed = bytes[at] != byte;
        bytes[at] = byte;
        let e = one("e.intoto.jsonl", bytes);
        let line = facts(&e);
        // Changing a byte of payload or signature breaks the signature; a change outside
        // them (a key's spelling, whitespace, the keyid hint) may leave it valid, or make
        // the record unreadable. It never verifies a different statement.
        if changed && line.contains(" verified=1 ") {
            prop_assert!(line.contains("builders=[https://ci.example.com/builders/release-runner@v1]"));
        }
    }

    #[test]
    fn random_json_records_never_panic(
        keys in proptest::collection::vec(
            prop::sample::select(vec!["payloadType", "payload", "signatures", "_type", "subject",
                "predicateType", "predicate", "mediaType", "dsseEnvelope", "verificationMaterial"]),
            0..6,
        ),
        values in proptest::collection::vec(
            prop::sample::select(vec!["null", "1", "\"x\"", "[]", "{}", "[{}]",
                "\"application/vnd.in-toto+json\"", "\"https://in-toto.io/Statement/v1\"",
                "\"application/vnd.dev.sigstore.bundle.v0.3+json\"", "{\"sig\":\"\"}",
                "[{\"sig\":\"AA==\",\"keyid\":\"k\"}]", "{\"certificate\":{}}"]),
            6,
        ),
    ) {
        let body = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect::<Vec<_>>()
            .join(",");
        let e = one("j.intoto.json", format!("{{{body}}}").into_bytes());
        prop_assert_eq!(e.facts.len(), 12);
        prop_assert!(!facts(&e).contains(" verified=1 "));
    }
}
