//! Envelopes: sign and verify both ways round, and every edit an attacker can make fails
//! with the error that names it.

use serde_json::{Value, json};
use stagegate_attest::{
    AttestError, Envelope, MAX_ENVELOPE_BYTES, MAX_SIGNATURES, PAYLOAD_TYPE, STATEMENT_TYPE,
    Statement, pae, sign, sign_payload, verify,
};

use crate::support::{COMMIT, b64, decision, edited, parse, payload, public, sig, signing};

#[test]
fn round_trip_for_both_algorithms_and_sec1() {
    for name in ["test-gate", "prod-gate-p256", "sec1-p256"] {
        let statement = decision(COMMIT, "allow", "test");
        let envelope = sign(&statement, &signing(name)).unwrap();
        let verified = verify(envelope.as_bytes(), &[public(name)]).unwrap();
        assert_eq!(verified.statement, statement, "{name}");
        assert_eq!(verified.keyid, public(name).keyid(), "{name}");
        // Deterministic: Ed25519 by design, ECDSA by RFC 6979.
        assert_eq!(
            sign(&statement, &signing(name)).unwrap(),
            envelope,
            "{name}"
        );
    }
}

#[test]
fn envelope_has_the_dsse_shape() {
    let envelope = parse(&sign(&decision(COMMIT, "allow", "test"), &signing("test-gate")).unwrap());
    // Sorted here: the map order of a parsed Value depends on serde_json's
    // features in the build.
    let mut keys: Vec<&String> = envelope.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["payload", "payloadType", "signatures"]);
    assert_eq!(envelope["payloadType"], PAYLOAD_TYPE);
    assert_eq!(envelope["signatures"].as_array().unwrap().len(), 1);
    assert_eq!(
        envelope["signatures"][0]["keyid"],
        public("test-gate").keyid()
    );
    assert_eq!(sig(&envelope).len(), 64);
    let statement: Value = serde_json::from_slice(&payload(&envelope)).unwrap();
    assert_eq!(statement["_type"], STATEMENT_TYPE);
    assert_eq!(
        statement["subject"][0],
        json!({"name": "commit", "digest": {"gitCommit": COMMIT}})
    );
    assert_eq!(
        statement["subject"][1]["digest"]["sha256"],
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    );
    // ECDSA signatures are DER: SEQUENCE { INTEGER r, INTEGER s }.
    let p256 = parse(
        &sign(
            &decision(COMMIT, "allow", "test"),
            &signing("prod-gate-p256"),
        )
        .unwrap(),
    );
    let der = sig(&p256);
    assert_eq!((der[0], usize::from(der[1]) + 2), (0x30, der.len()));
}

#[test]
fn raw_ecdsa_signature_is_accepted() {
    let envelope = sign(
        &decision(COMMIT, "allow", "test"),
        &signing("prod-gate-p256"),
    )
    .unwrap();
    let der = sig(&parse(&envelope));
    let raw = der_to_raw(&der);
    let bytes = edited(&envelope, |e| e["signatures"][0]["sig"] = b64(&raw).into());
    verify(&bytes, &[public("prod-gate-p256")]).unwrap();
}

/// An ECDSA DER signature as raw `r || s`, 32 bytes each.
fn der_to_raw(der: &[u8]) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut at = 2;
    for _ in 0..2 {
        assert_eq!(der[at], 0x02);
        let len = usize::from(der[at + 1]);
        let int = &der[at + 2..at + 2 + len];
        let int = &int[int.len().saturating_sub(32)..];
        raw.extend(std::iter::repeat_n(0, 32 - int.len()));
        raw.extend_from_slice(int);
        at += 2 + len;
    }
    raw
}

#[test]
fn an_edited_payload_fails() {
    for name in ["test-gate", "prod-gate-p256"] {
        let envelope = sign(&decision(COMMIT, "deny", "test"), &signing(name)).unwrap();
        let forged = decision(COMMIT, "allow", "test").to_json().unwrap();
        let bytes = edited(&envelope, |e| e["payload"] = b64(&forged).into());
        let err = verify(&bytes, &[public(name)]).unwrap_err();
        assert!(
            matches!(err, AttestError::BadSignature { .. }),
            "{name}: {err}"
        );
        assert!(
            err.to_string()
                .starts_with("signature does not verify under any trusted key (tried sha256:"),
            "{err}"
        );
    }
}

#[test]
fn a_wrong_key_fails() {
    let envelope = sign(&decision(COMMIT, "allow", "test"), &signing("other")).unwrap();
    let trusted = [public("test-gate"), public("prod-gate-p256")];
    let err = verify(envelope.as_bytes(), &trusted).unwrap_err();
    let other = public("other").keyid();
    assert_eq!(
        err.to_string(),
        format!(
            "signed by untrusted key sha256:{}… (trusted: sha256:{}…, sha256:{}…)",
            &other[7..19],
            &trusted[0].keyid()[7..19],
            &trusted[1].keyid()[7..19]
        )
    );
    // Claiming a trusted keyid does not help: the keyid is a hint, the signature decides.
    let claimed = edited(&envelope, |e| {
        e["signatures"][0]["keyid"] = trusted[0].keyid().into();
    });
    assert!(matches!(
        verify(&claimed, &trusted).unwrap_err(),
        AttestError::BadSignature { .. }
    ));
    // The keyid reported is the trusted key's own, whatever the envelope claims.
    let good = sign(&decision(COMMIT, "allow", "test"), &signing("test-gate")).unwrap();
    let renamed = edited(&good, |e| e["signatures"][0]["keyid"] = "me".into());
    assert_eq!(
        verify(&renamed, &trusted).unwrap().keyid,
        trusted[0].keyid()
    );
    let unnamed = edited(&good, |e| {
        e["signatures"][0].as_object_mut().unwrap().remove("keyid");
    });
    assert_eq!(
        verify(&unnamed, &trusted).unwrap().keyid,
        trusted[0].keyid()
    );
    assert_eq!(
        verify(good.as_bytes(), &[]).unwrap_err(),
        AttestError::NoTrustedKeys
    );
}

#[test]
fn a_swapped_payload_type_fails() {
    let key = signing("test-gate");
    let envelope = sign(&decision(COMMIT, "allow", "test"), &key).unwrap();
    let swapped = edited(&envelope, |e| e["payloadType"] = "application/json".into());
    assert_eq!(
        verify(&swapped, &[public("test-gate")])
            .unwrap_err()
            .to_string(),
        "the envelope's payloadType is `application/json`, not `application/vnd.in-toto+json`"
    );
    // Even when the signature covers the other type.
    let payload = decision(COMMIT, "allow", "test").to_json().unwrap();
    let other = sign_payload("application/json", &payload, &key).unwrap();
    assert!(matches!(
        verify(other.as_bytes(), &[public("test-gate")]).unwrap_err(),
        AttestError::WrongPayloadType { .. }
    ));
    // And a signature over another type, relabelled: PAE binds the type.
    let relabelled = edited(&other, |e| e["payloadType"] = PAYLOAD_TYPE.into());
    assert!(matches!(
        verify(&relabelled, &[public("test-gate")]).unwrap_err(),
        AttestError::BadSignature { .. }
    ));
}

#[test]
fn a_signed_payload_that_is_no_statement_is_refused() {
    let key = signing("prod-gate-p256");
    let cases: &[(&[u8], &str)] = &[
        (b"not json", "payload is not an in-toto Statement v1: expected ident at line 1 column 2"),
        (
            br#"{"_type":"https://in-toto.io/Statement/v1","predicateType":"x","predicate":{}}"#,
            "payload is not an in-toto Statement v1: missing `subject`",
        ),
        (
            br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"x","predicate":"allow"}"#,
            "payload is not an in-toto Statement v1: `predicate` is not an object",
        ),
    ];
    for (payload, message) in cases {
        let envelope = sign_payload(PAYLOAD_TYPE, payload, &key).unwrap();
        let err = verify(envelope.as_bytes(), &[public("prod-gate-p256")]).unwrap_err();
        assert_eq!(err.to_string(), *message);
    }
}

#[test]
fn other_base64_spellings_verify() {
    let envelope = sign(
        &decision(COMMIT, "allow", "test"),
        &signing("prod-gate-p256"),
    )
    .unwrap();
    let url_safe = |text: &str| text.replace('+', "-").replace('/', "_").replace('=', "");
    let bytes = edited(&envelope, |e| {
        e["payload"] = url_safe(e["payload"].as_str().unwrap()).into();
        e["signatures"][0]["sig"] = url_safe(e["signatures"][0]["sig"].as_str().unwrap()).into();
    });
    verify(&bytes, &[public("prod-gate-p256")]).unwrap();
    let not_base64 = edited(&envelope, |e| e["payload"] = "not base64!".into());
    assert_eq!(
        verify(&not_base64, &[public("prod-gate-p256")]).unwrap_err(),
        AttestError::PayloadNotBase64
    );
}

#[test]
fn any_one_good_signature_among_several_verifies() {
    let statement = decision(COMMIT, "allow", "test");
    let good = parse(&sign(&statement, &signing("test-gate")).unwrap());
    let other = parse(&sign(&statement, &signing("other")).unwrap());
    let bytes = serde_json::to_vec(&json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": good["payload"],
        "signatures": [
            {"keyid": "x", "sig": "not base64!"},
            other["signatures"][0],
            good["signatures"][0],
        ],
    }))
    .unwrap();
    let verified = verify(&bytes, &[public("test-gate")]).unwrap();
    assert_eq!(verified.statement, statement);
}

#[test]
fn bounds_are_enforced() {
    let envelope = sign(&decision(COMMIT, "allow", "test"), &signing("test-gate")).unwrap();
    let trusted = [public("test-gate")];
    let mut huge = envelope.clone().into_bytes();
    huge.resize(MAX_ENVELOPE_BYTES + 1, b' ');
    assert_eq!(
        verify(&huge, &trusted).unwrap_err().to_string(),
        "the envelope is 16777217 bytes, more than the limit of 16777216 bytes"
    );
    let mut at_limit = envelope.clone().into_bytes();
    at_limit.resize(MAX_ENVELOPE_BYTES, b' ');
    verify(&at_limit, &trusted).unwrap();

    let many = edited(&envelope, |e| {
        let one = e["signatures"][0].clone();
        e["signatures"] = Value::Array(vec![one; MAX_SIGNATURES + 1]);
    });
    assert_eq!(
        verify(&many, &trusted).unwrap_err(),
        AttestError::TooManySignatures {
            count: 17,
            limit: 16
        }
    );
    let sixteen = edited(&envelope, |e| {
        let one = e["signatures"][0].clone();
        e["signatures"] = Value::Array(vec![one; MAX_SIGNATURES]);
    });
    verify(&sixteen, &trusted).unwrap();
    let none = edited(&envelope, |e| e["signatures"] = json!([]));
    assert_eq!(
        verify(&none, &trusted).unwrap_err(),
        AttestError::NoSignatures
    );
}

#[test]
fn truncated_and_garbage_envelopes_error() {
    let envelope = sign(
        &decision(COMMIT, "allow", "test"),
        &signing("prod-gate-p256"),
    )
    .unwrap();
    let trusted = [public("prod-gate-p256")];
    for len in 0..envelope.len() {
        let err = verify(&envelope.as_bytes()[..len], &trusted).unwrap_err();
        assert!(
            matches!(err, AttestError::NotAnEnvelope { .. }),
            "{len}: {err}"
        );
    }
    for garbage in [
        &b"\xff\xfe\x00"[..],
        b"null",
        b"[]",
        b"{\"payloadType\": 1}",
        b"{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"\",\"signatures\":[{}]}",
    ] {
        let err = verify(garbage, &trusted).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the envelope is not DSSE JSON: "),
            "{err}"
        );
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(verify(deep.as_bytes(), &trusted).is_err());
}

#[test]
fn pae_is_the_spec_example() {
    // DSSE v1.0 protocol.md, "Test vectors".
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
}

#[test]
fn statements_that_break_the_rules_are_not_signed() {
    let empty = Statement::decision(Vec::new(), json!({}));
    assert_eq!(
        sign(&empty, &signing("test-gate")).unwrap_err().to_string(),
        "the statement cannot be signed: `subject` is empty"
    );
}

#[test]
fn an_opened_envelope_is_read_before_it_is_verified() {
    let key = signing("test-gate");
    let payload = br#"{"_type":"https://in-toto.io/Statement/v0.1"}"#;
    let envelope = sign_payload("application/x-other", payload, &key).unwrap();
    let opened = Envelope::parse(envelope.as_bytes()).unwrap();
    assert_eq!(opened.payload_type, "application/x-other");
    assert_eq!(opened.payload, payload);
    assert_eq!(opened.signatures.len(), 1);
    assert_eq!(
        opened.signatures[0].keyid.as_deref(),
        Some(public("test-gate").keyid().as_str())
    );
    assert!(!opened.signatures[0].has_certificate);
    // Any payload type: the signature still binds it.
    assert_eq!(
        opened.verify_signature(&[public("other"), public("test-gate")]),
        Ok(public("test-gate").keyid())
    );
    assert!(matches!(
        opened.verify_signature(&[public("other")]),
        Err(AttestError::UntrustedKey { .. })
    ));
    assert_eq!(
        opened.verify_signature(&[]),
        Err(AttestError::NoTrustedKeys)
    );
    let relabelled = Envelope {
        payload_type: PAYLOAD_TYPE.to_owned(),
        ..opened
    };
    assert!(matches!(
        relabelled.verify_signature(&[public("test-gate")]),
        Err(AttestError::BadSignature { .. })
    ));
}

#[test]
fn an_opened_envelope_keeps_the_hints_and_the_certificate_mark() {
    let bytes = serde_json::to_vec(&json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": "e30",
        "signatures": [
            {"keyid": "", "sig": "not base64!", "cert": "-----BEGIN CERTIFICATE-----"},
            {"sig": "AAAA"},
        ],
    }))
    .unwrap();
    let opened = Envelope::parse(&bytes).unwrap();
    assert_eq!(opened.payload, b"{}");
    assert_eq!(opened.signatures[0].keyid, None);
    assert_eq!(opened.signatures[0].sig, None);
    assert!(opened.signatures[0].has_certificate);
    assert_eq!(
        opened.signatures[1].sig.as_deref(),
        Some([0u8; 3].as_slice())
    );
    assert!(!opened.signatures[1].has_certificate);
    assert!(matches!(
        opened.verify_signature(&[public("test-gate")]),
        Err(AttestError::BadSignature { .. })
    ));
    for (broken, error) in [
        (&b"{"[..], "the envelope is not DSSE JSON"),
        (
            br#"{"payloadType":"x","payload":"e30","signatures":[]}"#,
            "the envelope has no signatures",
        ),
        (
            br#"{"payloadType":"x","payload":"e30=!","signatures":[{"sig":""}]}"#,
            "the envelope's `payload` is not base64",
        ),
    ] {
        let err = Envelope::parse(broken).unwrap_err().to_string();
        assert!(err.starts_with(error), "{err}");
    }
    let huge = vec![b' '; MAX_ENVELOPE_BYTES + 1];
    assert!(matches!(
        Envelope::parse(&huge),
        Err(AttestError::EnvelopeTooLarge { .. })
    ));
}
