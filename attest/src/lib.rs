//! Signed decision attestations: a gate decision as an in-toto Statement v1 inside a DSSE
//! v1.0 envelope, signed with an Ed25519 or ECDSA P-256 key read from a PEM file.
//!
//! The envelopes are the ones in-toto, securesystemslib and sigstore read and write
//! (payload type [`PAYLOAD_TYPE`], signature over DSSE's PAE, ECDSA signatures in DER);
//! `tests/differential` checks that against securesystemslib both ways. [`check_chain`]
//! answers the one question the gate asks of them: did the previous stage pass this commit?
//!
//! The crate is pure: it reads no files and prints nothing. The caller reads key files and
//! envelopes and decides what to do with the answer. Hostile envelopes are bounded
//! ([`MAX_ENVELOPE_BYTES`], [`MAX_SIGNATURES`]) and never make it panic.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keys");
//! use stagegate_attest::{ChainOutcome, SigningKey, Statement, VerifyingKey};
//!
//! let key = SigningKey::from_pem(&std::fs::read_to_string(format!("{dir}/test-gate.key"))?)?;
//! let trusted = VerifyingKey::from_pem(&std::fs::read_to_string(format!("{dir}/test-gate.pub"))?)?;
//! let commit = "9fceb02d0ae598e95dc970b74767f19372d61af8";
//! let statement = Statement::decision(
//!     stagegate_attest::decision_subjects(commit, &[("reports/junit.xml".into(), "ab12".into())]),
//!     serde_json::json!({"decision": "allow", "dry_run": false, "from": "dev", "to": "test", "change": {"commit": commit}}),
//! );
//! let envelope = stagegate_attest::sign(&statement, &key)?;
//!
//! let bundle = [("attestations/test.intoto.json".to_owned(), envelope.into_bytes())];
//! let outcome = stagegate_attest::check_chain(&bundle, &[trusted.clone()], commit, "test");
//! assert_eq!(
//!     outcome,
//!     ChainOutcome::Passed { path: "attestations/test.intoto.json".into(), keyid: trusted.keyid() }
//! );
//! # Ok(())
//! # }
//! ```

mod chain;
mod dsse;
mod error;
mod keys;
mod statement;

pub use chain::{ChainOutcome, check_chain, decision_subjects};
pub use dsse::{
    Envelope, EnvelopeSignature, MAX_ENVELOPE_BYTES, MAX_SIGNATURES, Verified, pae, sign,
    sign_payload, verify,
};
pub use error::AttestError;
pub use keys::{SigningKey, VerifyingKey};
pub use statement::{Statement, Subject};

/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The `_type` of an in-toto Statement v1.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a stagegate gate decision.
pub const PREDICATE_TYPE: &str = "https://stagegate.dev/attestation/decision/v1";
