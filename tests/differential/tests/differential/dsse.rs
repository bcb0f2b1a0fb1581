//! DSSE: stagegate-attest's envelopes against securesystemslib (the library in-toto uses),
//! both ways, with the OpenSSL-made keys of `tests/fixtures/keys`.
//!
//! py/dsse_roundtrip.py verifies the envelopes stagegate-attest signs (`Envelope.from_dict`,
//! `Envelope.verify` with an `SSlibKey`) and signs payloads with a `CryptoSigner` for
//! stagegate-attest to verify. Both must accept the other's good envelopes and refuse the
//! same edited ones; the one difference, keyids, is asserted where it is (see
//! [`KEYID_DIFFERS`]).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use stagegate_attest::{
    AttestError, ChainOutcome, PAYLOAD_TYPE, SigningKey, Statement, VerifyingKey, check_chain,
    decision_subjects, pae, sign, verify,
};

use crate::support::{Mismatches, fixture_dir};

/// The fixture keys: (name, securesystemslib keytype, scheme, signatures per direction).
/// ECDSA gets many so that OpenSSL's random nonces give both low and high `s`.
const KEYS: [(&str, &str, &str, usize); 3] = [
    ("test-gate", "ed25519", "ed25519", 4),
    ("prod-gate-p256", "ecdsa", "ecdsa-sha2-nistp256", 24),
    ("sec1-p256", "ecdsa", "ecdsa-sha2-nistp256", 24),
];

/// What differs by design: securesystemslib's default keyid is the SHA-256 of its own
/// canonical-JSON key record, stagegate-attest's the SHA-256 of the SPKI DER, and
/// securesystemslib's `Envelope.verify` only tries a key whose keyid a signature names (its
/// issue #416: not what DSSE asks). So it verifies stagegate's envelopes when the
/// `SSlibKey` carries stagegate's keyid, and finds no signature under its default keyid;
/// stagegate-attest treats the keyid as the hint DSSE says it is and verifies
/// securesystemslib's envelopes whatever keyid they carry.
const KEYID_DIFFERS: &str = "keyids: securesystemslib's default (canonical-JSON key record) \
    is not stagegate's (SPKI DER); securesystemslib matches signatures to keys by keyid";

fn keys_dir() -> PathBuf {
    fixture_dir("keys")
}

fn signing(name: &str) -> SigningKey {
    let path = keys_dir().join(format!("{name}.key"));
    SigningKey::from_pem(&std::fs::read_to_string(&path).expect("read key")).expect("key")
}

fn public_path(name: &str) -> PathBuf {
    keys_dir().join(format!("{name}.pub"))
}

fn public(name: &str) -> VerifyingKey {
    VerifyingKey::from_pem(&std::fs::read_to_string(public_path(name)).expect("read key"))
        .expect("key")
}

/// The `index`-th statement: decisions of every shape the gate writes, with non-ASCII text
/// and many subjects in some, and one statement of another predicate type.
fn statement(index: usize) -> Statement {
    let commit = format!(
        "{index:02x}{}",
        &"9fceb02d0ae598e95dc970b74767f19372d61af8"[2..]
    );
    let artifacts: Vec<(String, String)> = (0..index % 7 * 9)
        .map(|n| (format!("reports/part-{n}.xml"), format!("sha256:{n:064x}")))
        .collect();
    if index % 5 == 4 {
        return Statement {
            subjects: decision_subjects(&commit, &artifacts),
            predicate_type: "https://slsa.dev/provenance/v1".to_owned(),
            predicate: json!({"buildDefinition": {"buildType": "https://example.invalid/ci"}}),
        };
    }
    let decision = if index % 3 == 2 { "deny" } else { "allow" };
    let to = if index.is_multiple_of(2) {
        "test"
    } else {
        "prod"
    };
    Statement::decision(
        decision_subjects(&commit, &artifacts),
        json!({
            "decision": decision,
            "dry_run": false,
            "from": "dev",
            "to": to,
            "change": {"commit": commit, "title": format!("naïve ✓ change #{index} \u{1F680}")},
            "reasons": ["tests-pass", "no \"secrets\"\n\tleaked"],
            "facts": {"junit": {"passed": index * 11, "failed": 0}},
        }),
    )
}

/// Runs the script on `request` (written into `dir`).
fn python(dir: &Path, request: &Value) -> Value {
    let path = dir.join("request.json");
    std::fs::write(&path, serde_json::to_vec(request).expect("json")).expect("write request");
    let venv = stagegate_differential::venv().unwrap_or_else(|e| panic!("{e}"));
    venv.run_json("dsse_roundtrip.py", &[&path])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[test]
fn stagegate_envelopes_verify_in_securesystemslib() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut entries = Vec::new();
    // (entry name, envelope, public key, securesystemslib verifies, statement index)
    let mut expected: Vec<(String, PathBuf, &str, bool, usize)> = Vec::new();
    for (name, _, _, count) in KEYS {
        let key = signing(name);
        let keyid = key.verifying_key().keyid();
        // A key of the same algorithm that did not sign.
        let wrong = if name == "test-gate" {
            "other"
        } else if name == "sec1-p256" {
            "prod-gate-p256"
        } else {
            "sec1-p256"
        };
        for index in 0..count {
            let envelope = sign(&statement(index), &key).expect("sign");
            let path = dir.path().join(format!("{name}-{index}.json"));
            std::fs::write(&path, &envelope).expect("write");
            let mut tampered: Value = serde_json::from_str(&envelope).expect("json");
            let mut edited = statement(index);
            edited.predicate["decision"] = "allow-all".into();
            tampered["payload"] = STANDARD.encode(edited.to_json().expect("json")).into();
            let tampered_path = dir.path().join(format!("{name}-{index}-tampered.json"));
            std::fs::write(&tampered_path, tampered.to_string()).expect("write");
            for (case, envelope, public_key, keyid, ok) in [
                ("own-keyid", &path, name, Some(&keyid), true),
                ("default-keyid", &path, name, None, false),
                ("tampered", &tampered_path, name, Some(&keyid), false),
                ("wrong-key", &path, wrong, Some(&keyid), false),
            ] {
                let entry = format!("{name}/{index}/{case}");
                entries.push(json!({
                    "name": entry,
                    "envelope": envelope,
                    "public_key": public_path(public_key),
                    "keyid": keyid,
                }));
                expected.push((entry, envelope.clone(), public_key, ok, index));
            }
        }
    }
    let out = python(dir.path(), &json!({"verify": entries}));
    let mut mismatches = Mismatches::default();
    for (entry, envelope, public_key, ok, index) in &expected {
        mismatches.compared();
        let result = &out["verify"][entry];
        mismatches.expect(
            entry,
            "securesystemslib verifies",
            result["ok"].as_bool(),
            Some(*ok),
        );
        // stagegate-attest refuses the same envelopes, and takes the keyid as a hint only.
        let bytes = std::fs::read(envelope).expect("read envelope");
        mismatches.expect(
            entry,
            "stagegate-attest verifies",
            verify(&bytes, &[public(public_key)]).is_ok(),
            *ok || entry.ends_with("/default-keyid"),
        );
        if entry.ends_with("/default-keyid") {
            mismatches.expect(
                entry,
                KEYID_DIFFERS,
                result["error"]
                    .as_str()
                    .map(|e| e.starts_with("VerificationError")),
                Some(true),
            );
        }
        if entry.ends_with("/own-keyid") {
            let payload = statement(*index).to_json().expect("json");
            mismatches.check(
                entry,
                "payloadType",
                PAYLOAD_TYPE,
                text(&result["payload_type"]),
            );
            mismatches.check(
                entry,
                "payload",
                std::str::from_utf8(&payload).expect("utf-8"),
                text(&result["payload"]),
            );
            mismatches.check(
                entry,
                "PAE",
                String::from_utf8(pae(PAYLOAD_TYPE, &payload)).expect("utf-8"),
                text(&result["pae"]).to_owned(),
            );
        }
    }
    let compared = mismatches.finish("DSSE: stagegate-attest → securesystemslib");
    assert_eq!(compared, expected.len());
}

#[test]
fn securesystemslib_envelopes_verify_in_stagegate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut entries = Vec::new();
    for (name, _, _, count) in KEYS {
        for index in 0..count {
            let payload = dir.path().join(format!("{name}-{index}.payload"));
            std::fs::write(&payload, statement(index).to_json().expect("json")).expect("write");
            entries.push(json!({
                "name": format!("{name}/{index}"),
                "private_key": keys_dir().join(format!("{name}.key")),
                "payload": payload,
                "out": dir.path().join(format!("{name}-{index}.sslib.json")),
            }));
        }
    }
    let out = python(dir.path(), &json!({"sign": entries}));
    let mut mismatches = Mismatches::default();
    let (mut high_s, mut low_s) = (0, 0);
    for (name, keytype, scheme, count) in KEYS {
        let trusted = public(name);
        for index in 0..count {
            let entry = format!("{name}/{index}");
            mismatches.compared();
            let signed = &out["sign"][&entry];
            mismatches.expect(&entry, "keytype", text(&signed["keytype"]), keytype);
            mismatches.expect(&entry, "scheme", text(&signed["scheme"]), scheme);
            mismatches.expect(
                &entry,
                KEYID_DIFFERS,
                text(&signed["keyid"]) != trusted.keyid(),
                true,
            );
            let path = dir.path().join(format!("{name}-{index}.sslib.json"));
            let bytes = std::fs::read(&path).expect("read envelope");
            match verify(&bytes, &[public("other"), trusted.clone()]) {
                Ok(verified) => {
                    mismatches.check(&entry, "statement", &verified.statement, &statement(index));
                    mismatches.check(&entry, "verifying keyid", verified.keyid, trusted.keyid());
                }
                Err(e) => mismatches.add(&entry, format!("stagegate-attest refuses it: {e}")),
            }
            // Not under another key: the envelope names securesystemslib's keyid, which is
            // not trusted.
            let other = if name == "test-gate" {
                public("other")
            } else {
                public("test-gate")
            };
            mismatches.expect(
                &entry,
                "refused under another key",
                matches!(
                    verify(&bytes, &[other]),
                    Err(AttestError::UntrustedKey { .. })
                ),
                true,
            );
            let theirs: Value = serde_json::from_slice(&bytes).expect("json");
            if keytype == "ed25519" {
                // Ed25519 is deterministic: the same key signs the same PAE to the same bytes.
                let ours: Value =
                    serde_json::from_str(&sign(&statement(index), &signing(name)).expect("sign"))
                        .expect("json");
                mismatches.check(
                    &entry,
                    "Ed25519 signature",
                    &ours["signatures"][0]["sig"],
                    &theirs["signatures"][0]["sig"],
                );
                mismatches.check(&entry, "payload", &ours["payload"], &theirs["payload"]);
            } else if signed["high_s"].as_bool() == Some(true) {
                high_s += 1;
            } else {
                low_s += 1;
            }
        }
    }
    // OpenSSL's nonces are random: 48 signatures give both halves of `s` but with
    // probability 2^-47.
    assert!(
        high_s > 0 && low_s > 0,
        "high s {high_s}, low s {low_s}: both must be tried"
    );
    mismatches.finish("DSSE: securesystemslib → stagegate-attest");

    // The chain check takes securesystemslib's decision envelopes as its own.
    let path = dir.path().join("prod-gate-p256-0.sslib.json");
    let bundle = [(
        "attest/test.json".to_owned(),
        std::fs::read(&path).expect("read"),
    )];
    let commit = statement(0).predicate["change"]["commit"]
        .as_str()
        .expect("commit")
        .to_owned();
    assert_eq!(
        check_chain(&bundle, &[public("prod-gate-p256")], &commit, "test"),
        ChainOutcome::Passed {
            path: "attest/test.json".to_owned(),
            keyid: public("prod-gate-p256").keyid()
        }
    );
}
