//! One record of an attestation file, recognised by its keys and judged on its own: which
//! form it has, whether a trusted key signed it, and what it claims.
//!
//! - a DSSE envelope (`payloadType`, `payload`, `signatures`);
//! - a Sigstore bundle (`mediaType` `application/vnd.dev.sigstore.bundle…+json`) with a
//!   `dsseEnvelope` (a bundle with a message signature instead attests no statement);
//! - a bare in-toto statement (`_type`), which no one signed.
//!
//! Verification authenticates with [`stagegate_attest`]: every signature against every
//! configured key over DSSE's PAE. A keyless Sigstore signature (a short-lived key vouched
//! for by a Fulcio certificate and a Rekor entry) is not checked here: that needs the
//! certificate chain and the log's inclusion proof against a Sigstore trust root, and this
//! plugin does not implement it. Such an envelope is unverified, and its finding says so.
//!
//! The payload is read before its signature is checked, but only to tell provenance from
//! other predicates; a payload that claims not to be provenance is skipped, which can only
//! take evidence away, never add it.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use stagegate_attest::{AttestError, Envelope, PAYLOAD_TYPE, VerifyingKey};
use stagegate_sdk::text::shorten;

use crate::records::Record;
use crate::statement::{self, Claim, Provenance};

/// How an attestation was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A DSSE envelope.
    Envelope,
    /// The DSSE envelope of a Sigstore bundle.
    SigstoreBundle,
    /// A statement without an envelope.
    Statement,
    /// Not recognisable as any of those.
    Unknown,
}

impl Form {
    /// `envelope`, `Sigstore bundle`, `bare statement` or `record`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Form::Envelope => "envelope",
            Form::SigstoreBundle => "Sigstore bundle",
            Form::Statement => "bare statement",
            Form::Unknown => "record",
        }
    }
}

/// Whether a configured key signed the attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// A signature verified under this configured key (its keyid).
    Verified(String),
    /// No signature verified; why, in one sentence.
    Unverified(String),
}

/// A provenance attestation (or a record that may have been one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// The file it was read from.
    pub path: String,
    /// The line it starts on.
    pub line: usize,
    /// Its form.
    pub form: Form,
    /// The signature check.
    pub signature: Signature,
    /// What its statement claims, or why it could not be read.
    pub claim: Result<Provenance, String>,
}

impl Attestation {
    /// Signed by a configured key, and its provenance read: the only kind that attests.
    pub fn verified(&self) -> bool {
        matches!(self.signature, Signature::Verified(_)) && self.claim.is_ok()
    }

    /// The keyid that verified it, if any.
    pub fn signer(&self) -> Option<&str> {
        match &self.signature {
            Signature::Verified(keyid) => Some(keyid),
            Signature::Unverified(_) => None,
        }
    }
}

/// What one record was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// Provenance, or a record that cannot be shown not to be.
    Attestation(Attestation),
    /// A statement of another predicate, or an envelope of another payload type.
    Skipped {
        /// The file.
        path: String,
        /// The line.
        line: usize,
        /// What it is, e.g. ``a statement of predicate type `https://spdx.dev/Document` ``.
        what: String,
    },
}

/// The top-level keys that tell the forms apart; everything else is skipped unread.
#[derive(Deserialize)]
struct Shape<'a> {
    #[serde(rename = "payloadType")]
    payload_type: Option<IgnoredAny>,
    payload: Option<IgnoredAny>,
    signatures: Option<IgnoredAny>,
    #[serde(rename = "_type")]
    type_: Option<IgnoredAny>,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    #[serde(rename = "dsseEnvelope", borrow)]
    dsse_envelope: Option<&'a RawValue>,
    #[serde(rename = "verificationMaterial")]
    verification_material: Option<VerificationMaterial>,
}

#[derive(Deserialize, Default)]
struct VerificationMaterial {
    certificate: Option<IgnoredAny>,
    #[serde(rename = "x509CertificateChain")]
    chain: Option<IgnoredAny>,
    #[serde(rename = "publicKey")]
    public_key: Option<PublicKey>,
}

#[derive(Deserialize)]
struct PublicKey {
    hint: Option<String>,
}

/// The media types of Sigstore bundles start with this.
const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle";

/// Judges one record of the file `path` against the configured `keys`.
pub fn read(path: &str, record: Record, keys: &[VerifyingKey]) -> Read {
    let unreadable = |form: Form, why: String| {
        Read::Attestation(Attestation {
            path: path.to_owned(),
            line: record.line,
            form,
            signature: Signature::Unverified(why.clone()),
            claim: Err(why),
        })
    };
    let bytes = match &record.bytes {
        Ok(bytes) => bytes,
        Err(why) => return unreadable(Form::Unknown, why.clone()),
    };
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return unreadable(
            Form::Unknown,
            "it is not a JSON object, so not an attestation".to_owned(),
        );
    }
    let shape: Shape<'_> = match serde_json::from_slice(bytes) {
        Ok(shape) => shape,
        Err(e) => return unreadable(Form::Unknown, json_error(&e, record.line)),
    };
    if let Some(media_type) = shape
        .media_type
        .as_deref()
        .filter(|m| m.starts_with(SIGSTORE_BUNDLE))
    {
        let Some(envelope) = shape.dsse_envelope else {
            return Read::Skipped {
                path: path.to_owned(),
                line: record.line,
                what: format!(
                    "a Sigstore bundle (`{}`) with a message signature, not a DSSE envelope: it \
                     attests no statement",
                    shorten(media_type, 60)
                ),
            };
        };
        let material = shape.verification_material.unwrap_or_default();
        let keyless = material.certificate.is_some() || material.chain.is_some();
        let hint = material.public_key.and_then(|k| k.hint);
        return envelope_read(
            path,
            record.line,
            Form::SigstoreBundle,
            envelope.get().as_bytes(),
            keys,
            Keyless {
                certificate: keyless,
                hint,
            },
        );
    }
    if shape.payload_type.is_some() || shape.payload.is_some() || shape.signatures.is_some() {
        return envelope_read(
            path,
            record.line,
            Form::Envelope,
            bytes,
            keys,
            Keyless::default(),
        );
    }
    if shape.type_.is_some() {
        let claim = match statement::parse(bytes) {
            Ok(Claim::Other { predicate_type }) => {
                return Read::Skipped {
                    path: path.to_owned(),
                    line: record.line,
                    what: format!("a statement of predicate type `{predicate_type}`"),
                };
            }
            Ok(Claim::Provenance(p)) => Ok(p),
            Err(why) => Err(why),
        };
        return Read::Attestation(Attestation {
            path: path.to_owned(),
            line: record.line,
            form: Form::Statement,
            signature: Signature::Unverified(
                "it is a bare statement, not in a signed envelope".to_owned(),
            ),
            claim,
        });
    }
    unreadable(
        Form::Unknown,
        "it is neither a DSSE envelope (`payloadType`, `payload`, `signatures`), a Sigstore \
         bundle (`mediaType`, `dsseEnvelope`) nor an in-toto statement (`_type`)"
            .to_owned(),
    )
}

/// What the envelope's surroundings say about its signer.
#[derive(Default)]
struct Keyless {
    /// The bundle carries a signing certificate (Sigstore keyless).
    certificate: bool,
    /// The bundle's public-key hint.
    hint: Option<String>,
}

fn envelope_read(
    path: &str,
    line: usize,
    form: Form,
    bytes: &[u8],
    keys: &[VerifyingKey],
    keyless: Keyless,
) -> Read {
    let opened = match Envelope::parse(bytes) {
        Ok(opened) => opened,
        Err(e) => {
            let why = format!("the {} is malformed: {e}", form_noun(form));
            return Read::Attestation(Attestation {
                path: path.to_owned(),
                line,
                form,
                signature: Signature::Unverified(why.clone()),
                claim: Err(why),
            });
        }
    };
    if opened.payload_type != PAYLOAD_TYPE {
        return Read::Skipped {
            path: path.to_owned(),
            line,
            what: format!(
                "a DSSE envelope of payload type `{}`, not an in-toto statement",
                shorten(&opened.payload_type, 80)
            ),
        };
    }
    let claim = match statement::parse(&opened.payload) {
        Ok(Claim::Other { predicate_type }) => {
            return Read::Skipped {
                path: path.to_owned(),
                line,
                what: format!("a statement of predicate type `{predicate_type}`"),
            };
        }
        Ok(Claim::Provenance(p)) => Ok(p),
        Err(why) => Err(format!("its payload is {}", payload_phrase(&why))),
    };
    let certificate = keyless.certificate || opened.signatures.iter().any(|s| s.has_certificate);
    let signature = match opened.verify_signature(keys) {
        Ok(keyid) => Signature::Verified(keyid),
        Err(e) => {
            let named: Vec<String> = opened
                .signatures
                .iter()
                .filter_map(|s| s.keyid.clone())
                .collect();
            Signature::Unverified(unverified_reason(
                &e,
                certificate,
                keyless.hint.as_deref(),
                keys,
                &named,
            ))
        }
    };
    Read::Attestation(Attestation {
        path: path.to_owned(),
        line,
        form,
        signature,
        claim,
    })
}

fn form_noun(form: Form) -> &'static str {
    match form {
        Form::SigstoreBundle => "bundle's DSSE envelope",
        _ => "DSSE envelope",
    }
}

/// "not an in-toto statement: …" reads as "its payload is not an in-toto statement: …".
fn payload_phrase(why: &str) -> String {
    if why.starts_with("not ") {
        why.to_owned()
    } else {
        format!("unusable: {why}")
    }
}

/// Why no signature verified, naming the keys tried and the keyids the envelope names.
fn unverified_reason(
    error: &AttestError,
    certificate: bool,
    hint: Option<&str>,
    keys: &[VerifyingKey],
    named: &[String],
) -> String {
    let tried = keys
        .iter()
        .map(|k| crate::judge::short_keyid(&k.keyid()))
        .collect::<Vec<_>>()
        .join(", ");
    if certificate {
        let keys = if keys.is_empty() {
            "no key is configured".to_owned()
        } else {
            format!("no configured key verifies it (tried {tried})")
        };
        return keyless_reason(&keys);
    }
    let hint = hint
        .map(|h| format!("; its public-key hint is `{}`", shorten(h, 60)))
        .unwrap_or_default();
    let named = if named.is_empty() {
        String::new()
    } else {
        format!(
            "; it names keyid {}",
            named
                .iter()
                .take(3)
                .map(|k| crate::judge::short_keyid(k))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match error {
        AttestError::NoTrustedKeys => {
            format!("no key is configured in `trusted_keys` to verify it against{hint}{named}")
        }
        AttestError::BadSignature { .. } | AttestError::UntrustedKey { .. } => format!(
            "its signature does not verify under any configured key (tried {tried}{named}{hint}): \
             it was signed by another key, or edited after it was signed"
        ),
        other => format!("{other}{hint}{named}"),
    }
}

fn keyless_reason(keys: &str) -> String {
    format!(
        "it is signed keylessly, with a Sigstore certificate, and {keys}: checking a keyless \
         signature needs its Fulcio certificate chain and Rekor entry against a Sigstore trust \
         root, which this plugin does not verify, so it is never counted as verified (give \
         the signer's public key in `trusted_keys` if it has one)"
    )
}

fn json_error(error: &serde_json::Error, first_line: usize) -> String {
    let line = error.line().saturating_add(first_line).saturating_sub(1);
    if error.is_eof() {
        format!("the JSON ends early at line {line} (truncated file?)")
    } else {
        format!(
            "not valid JSON, or not an attestation, at line {line} column {}: {}",
            error.column(),
            shorten(&error.to_string(), 160)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(text: &str) -> Record {
        Record {
            line: 3,
            bytes: Ok(text.as_bytes().to_vec()),
        }
    }

    fn attestation(read: Read) -> Attestation {
        match read {
            Read::Attestation(a) => a,
            skipped @ Read::Skipped { .. } => panic!("skipped: {skipped:?}"),
        }
    }

    #[test]
    fn unrecognisable_records_are_unverified_attestations() {
        for (text, why) in [
            ("{\"x\":1}", "it is neither a DSSE envelope"),
            ("{\"payload\":", "the JSON ends early at line 3"),
            ("[1]", "it is not a JSON object"),
            ("", "it is not a JSON object"),
            (
                "{\"mediaType\":1}",
                "not valid JSON, or not an attestation, at line 3 column 14: invalid type: integer",
            ),
            (
                "{\"payloadType\":\"x\"}",
                "the DSSE envelope is malformed: the envelope is not DSSE JSON: missing field",
            ),
            (
                "{\"payloadType\":1,\"payload\":\"\",\"signatures\":[]}",
                "the DSSE envelope is malformed: the envelope is not DSSE JSON: invalid type",
            ),
        ] {
            let a = attestation(read("a.json", record(text), &[]));
            assert_eq!(a.line, 3);
            assert!(!a.verified());
            match &a.signature {
                Signature::Unverified(reason) => {
                    assert!(reason.starts_with(why), "{text}: {reason}");
                }
                Signature::Verified(_) => panic!("verified"),
            }
        }
        let err = Record {
            line: 9,
            bytes: Err("too long".into()),
        };
        assert_eq!(
            attestation(read("a.json", err, &[])).claim,
            Err("too long".to_owned())
        );
    }

    #[test]
    fn other_payload_types_and_message_bundles_are_skipped() {
        let envelope =
            r#"{"payloadType":"text/plain","payload":"aGk=","signatures":[{"sig":"AA=="}]}"#;
        assert!(matches!(
            read("a.json", record(envelope), &[]),
            Read::Skipped { what, .. } if what.contains("payload type `text/plain`")
        ));
        let bundle = r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{}}"#;
        assert!(matches!(
            read("a.json", record(bundle), &[]),
            Read::Skipped { what, .. } if what.contains("message signature")
        ));
    }

    #[test]
    fn a_bare_statement_is_never_verified() {
        let text = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}"#;
        let a = attestation(read("s.json", record(text), &[]));
        assert_eq!(a.form, Form::Statement);
        assert!(a.claim.is_ok());
        assert!(!a.verified());
        let other = r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://example.com/x","predicate":{}}"#;
        assert!(matches!(
            read("s.json", record(other), &[]),
            Read::Skipped { .. }
        ));
    }
}
