//! The fixture keys, a decision statement, and envelope surgery for the tests.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use stagegate_attest::{SigningKey, Statement, VerifyingKey, decision_subjects};

/// A commit as the gate would see it.
pub const COMMIT: &str = "9fceb02d0ae598e95dc970b74767f19372d61af8";

/// `tests/fixtures/keys/<name>` of the workspace, as text.
pub fn key_file(name: &str) -> String {
    let path = format!(
        "{}/../tests/fixtures/keys/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read `{path}`: {e}"))
}

/// The private key `<name>.key`.
pub fn signing(name: &str) -> SigningKey {
    SigningKey::from_pem(&key_file(&format!("{name}.key"))).unwrap()
}

/// The public key `<name>.pub`.
pub fn public(name: &str) -> VerifyingKey {
    VerifyingKey::from_pem(&key_file(&format!("{name}.pub"))).unwrap()
}

/// The keyid OpenSSL computed for `<name>` (`keyids.txt`).
pub fn openssl_keyid(name: &str) -> String {
    key_file("keyids.txt")
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no keyid for `{name}` in keyids.txt"))
        .to_owned()
}

/// A decision of the gate: `decision` for the promotion to `to` of `commit`.
pub fn decision(commit: &str, decision: &str, to: &str) -> Statement {
    Statement::decision(
        decision_subjects(
            commit,
            &[(
                "reports/junit.xml".to_owned(),
                "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
                    .to_owned(),
            )],
        ),
        json!({
            "decision": decision,
            "from": "dev",
            "to": to,
            "dry_run": false,
            "change": {"commit": commit},
            "reasons": ["tests-pass"],
        }),
    )
}

/// The envelope as JSON.
pub fn parse(envelope: &str) -> Value {
    serde_json::from_str(envelope).unwrap()
}

/// The envelope's payload, decoded.
pub fn payload(envelope: &Value) -> Vec<u8> {
    STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap()
}

/// The envelope's first signature, decoded.
pub fn sig(envelope: &Value) -> Vec<u8> {
    STANDARD
        .decode(envelope["signatures"][0]["sig"].as_str().unwrap())
        .unwrap()
}

/// `envelope` as bytes after `edit`.
pub fn edited(envelope: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut value = parse(envelope);
    edit(&mut value);
    serde_json::to_vec(&value).unwrap()
}

/// base64 (standard, padded).
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}
