//! DSSE v1.0 envelopes: sign a statement's bytes under PAE, and verify an envelope against
//! a set of trusted keys.
//!
//! Verification authenticates before it interprets: the payload is only parsed as a
//! statement once a trusted key has verified its signature. A signature's `keyid` is an
//! unauthenticated hint (DSSE §Protocol), so every signature is tried against every trusted
//! key, and the keyid reported is the trusted key's own. Input is bounded
//! ([`MAX_ENVELOPE_BYTES`], [`MAX_SIGNATURES`]) and nothing here panics on it.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::{Deserialize, Serialize};

use crate::PAYLOAD_TYPE;
use crate::error::{AttestError, short_keyid, shown};
use crate::keys::{SigningKey, VerifyingKey};
use crate::statement::Statement;

/// The largest envelope [`verify`] reads: 16 MiB.
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;
/// The most signatures [`verify`] accepts in one envelope.
pub const MAX_SIGNATURES: usize = 16;

/// A verified envelope: its statement, and the keyid of the trusted key that verified it.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The statement of the payload.
    pub statement: Statement,
    /// The keyid ([`VerifyingKey::keyid`]) of the trusted key whose signature verified.
    pub keyid: String,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    #[serde(rename = "payloadType")]
    payload_type: &'a str,
    payload: String,
    signatures: [SignatureOut; 1],
}

#[derive(Serialize)]
struct SignatureOut {
    keyid: String,
    sig: String,
}

#[derive(Deserialize)]
struct EnvelopeIn {
    #[serde(rename = "payloadType")]
    payload_type: String,
    payload: String,
    signatures: Vec<SignatureIn>,
}

#[derive(Deserialize)]
struct SignatureIn {
    /// Optional in DSSE; securesystemslib always writes one.
    #[serde(default)]
    keyid: Option<String>,
    sig: String,
    /// Sigstore's keyless signatures carry the signing certificate here.
    #[serde(default)]
    cert: Option<serde::de::IgnoredAny>,
}

/// DSSE's pre-authentication encoding, the bytes that are signed:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths as ASCII decimal byte
/// counts.
///
/// ```
/// assert_eq!(
///     stagegate_attest::pae("http://example.com/HelloWorld", b"hello world"),
///     b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
/// );
/// ```
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        10 + type_len.len() + payload_type.len() + body_len.len() + payload.len(),
    );
    for part in [
        b"DSSEv1".as_slice(),
        type_len.as_bytes(),
        payload_type.as_bytes(),
        body_len.as_bytes(),
    ] {
        out.extend_from_slice(part);
        out.push(b' ');
    }
    out.extend_from_slice(payload);
    out
}

/// Signs `statement` with `key`: the DSSE envelope as compact JSON text, one signature
/// whose `keyid` is the key's. Deterministic: the same key and statement give the same
/// text (Ed25519 is deterministic, ECDSA uses RFC 6979 nonces).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keys");
/// use stagegate_attest::{SigningKey, Statement, decision_subjects, sign, verify};
///
/// let key = SigningKey::from_pem(&std::fs::read_to_string(format!("{dir}/prod-gate-p256.key"))?)?;
/// let statement = Statement::decision(
///     decision_subjects("0123abcd", &[]),
///     serde_json::json!({"decision": "allow", "to": "test", "change": {"commit": "0123abcd"}}),
/// );
/// let envelope = sign(&statement, &key)?;
/// let verified = verify(envelope.as_bytes(), &[key.verifying_key()])?;
/// assert_eq!(verified.statement, statement);
/// assert_eq!(verified.keyid, key.verifying_key().keyid());
/// # Ok(())
/// # }
/// ```
pub fn sign(statement: &Statement, key: &SigningKey) -> Result<String, AttestError> {
    sign_payload(PAYLOAD_TYPE, &statement.to_json()?, key)
}

/// Signs any `payload` of `payload_type` with `key`: the DSSE envelope as compact JSON
/// text, one signature whose `keyid` is the key's. [`sign`] is this for a statement;
/// [`verify`] reads only in-toto statements, so this is for other DSSE consumers (and for
/// tests that need a well-signed envelope around a payload that is not a statement).
pub fn sign_payload(
    payload_type: &str,
    payload: &[u8],
    key: &SigningKey,
) -> Result<String, AttestError> {
    let sig = key.sign_bytes(&pae(payload_type, payload))?;
    serde_json::to_string(&EnvelopeOut {
        payload_type,
        payload: STANDARD.encode(payload),
        signatures: [SignatureOut {
            keyid: key.verifying_key().keyid(),
            sig: STANDARD.encode(sig),
        }],
    })
    .map_err(|e| AttestError::Signing {
        message: e.to_string(),
    })
}

/// A DSSE envelope as read, before any signature is checked: its payload type, its decoded
/// payload and its signatures. Nothing in it is authenticated until
/// [`Envelope::verify_signature`] says which trusted key signed it; until then the payload
/// is only a claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The `payloadType`, as written.
    pub payload_type: String,
    /// The decoded `payload` bytes.
    pub payload: Vec<u8>,
    /// The signatures, in order; at least one and at most [`MAX_SIGNATURES`].
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature of an [`Envelope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The `keyid` hint, when given and not empty. Unauthenticated.
    pub keyid: Option<String>,
    /// The decoded `sig`, or `None` when it is not base64 (such a signature never verifies).
    pub sig: Option<Vec<u8>>,
    /// Whether the signature carries a `cert` (an X.509 certificate, as Sigstore's keyless
    /// signing writes): such a signature is made by a short-lived key that no configured key
    /// can stand for.
    pub has_certificate: bool,
}

impl Envelope {
    /// Reads a DSSE envelope: JSON with `payloadType`, `payload` (base64, standard or
    /// URL-safe, padded or not) and a non-empty list of `signatures` (`sig`, optional
    /// `keyid`). Bounded by [`MAX_ENVELOPE_BYTES`] and [`MAX_SIGNATURES`]; any payload type
    /// is accepted (the caller decides what it reads).
    ///
    /// ```
    /// let envelope = br#"{"payloadType":"text/plain","payload":"aGk=","signatures":[{"keyid":"k","sig":"AAAA"}]}"#;
    /// let opened = stagegate_attest::Envelope::parse(envelope).unwrap();
    /// assert_eq!(opened.payload, b"hi");
    /// assert_eq!(opened.signatures[0].keyid.as_deref(), Some("k"));
    /// ```
    pub fn parse(envelope: &[u8]) -> Result<Envelope, AttestError> {
        Envelope::decode(read_json(envelope)?)
    }

    /// The sizes and the base64 of an envelope whose JSON is already read.
    fn decode(parsed: EnvelopeIn) -> Result<Envelope, AttestError> {
        if parsed.signatures.is_empty() {
            return Err(AttestError::NoSignatures);
        }
        if parsed.signatures.len() > MAX_SIGNATURES {
            return Err(AttestError::TooManySignatures {
                count: parsed.signatures.len(),
                limit: MAX_SIGNATURES,
            });
        }
        let payload = decode_base64(&parsed.payload).ok_or(AttestError::PayloadNotBase64)?;
        let signatures = parsed
            .signatures
            .into_iter()
            .map(|s| EnvelopeSignature {
                keyid: s.keyid.filter(|k| !k.is_empty()),
                sig: decode_base64(&s.sig),
                has_certificate: s.cert.is_some(),
            })
            .collect();
        Ok(Envelope {
            payload_type: parsed.payload_type,
            payload,
            signatures,
        })
    }

    /// Which of `trusted` signed this envelope: the keyid ([`VerifyingKey::keyid`]) of the
    /// first trusted key under which some signature verifies over PAE. Every signature is
    /// tried against every key, whatever its `keyid` hint says. The payload type is not
    /// checked here.
    pub fn verify_signature(&self, trusted: &[VerifyingKey]) -> Result<String, AttestError> {
        if trusted.is_empty() {
            return Err(AttestError::NoTrustedKeys);
        }
        let message = pae(&self.payload_type, &self.payload);
        let signer = self.signatures.iter().find_map(|signature| {
            let sig = signature.sig.as_deref()?;
            trusted.iter().find(|key| key.verifies(&message, sig))
        });
        match signer {
            Some(key) => Ok(key.keyid()),
            None => Err(no_signer(&self.signatures, trusted)),
        }
    }
}

/// The envelope's JSON, bounded in size.
fn read_json(envelope: &[u8]) -> Result<EnvelopeIn, AttestError> {
    if envelope.len() > MAX_ENVELOPE_BYTES {
        return Err(AttestError::EnvelopeTooLarge {
            size: envelope.len(),
            limit: MAX_ENVELOPE_BYTES,
        });
    }
    serde_json::from_slice(envelope).map_err(|e| AttestError::NotAnEnvelope {
        message: e.to_string(),
    })
}

/// Verifies `envelope` against any of `trusted`: the envelope is DSSE JSON (`payloadType`,
/// `payload` in base64, `signatures` with `sig` and optional `keyid`), `payloadType` is
/// [`PAYLOAD_TYPE`], at least one signature verifies over PAE under a trusted key, and the
/// payload is an in-toto Statement v1 (see [`Statement::from_json`]). Base64 may be
/// standard or URL-safe, padded or not, as DSSE allows.
pub fn verify(envelope: &[u8], trusted: &[VerifyingKey]) -> Result<Verified, AttestError> {
    let parsed = read_json(envelope)?;
    if parsed.payload_type != PAYLOAD_TYPE {
        return Err(AttestError::WrongPayloadType {
            found: shown(&parsed.payload_type, 80),
        });
    }
    let opened = Envelope::decode(parsed)?;
    let keyid = opened.verify_signature(trusted)?;
    Ok(Verified {
        statement: Statement::from_json(&opened.payload)?,
        keyid,
    })
}

/// Why no signature verified: a bad signature when one names a trusted key (or none names
/// a key), an untrusted key when every one names another key.
fn no_signer(signatures: &[EnvelopeSignature], trusted: &[VerifyingKey]) -> AttestError {
    let tried = trusted
        .iter()
        .map(|key| short_keyid(&key.keyid()))
        .collect::<Vec<_>>()
        .join(", ");
    let named: Vec<&str> = signatures
        .iter()
        .filter_map(|s| s.keyid.as_deref())
        .collect();
    let names_trusted = named
        .iter()
        .any(|keyid| trusted.iter().any(|key| key.keyid() == *keyid));
    match named.first() {
        Some(first) if !names_trusted && named.len() == signatures.len() => {
            AttestError::UntrustedKey {
                signed_by: short_keyid(first),
                tried,
            }
        }
        _ => AttestError::BadSignature { tried },
    }
}

/// Base64 in either alphabet, padded or not.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    GeneralPurpose::new(&alphabet::STANDARD, config)
        .decode(text)
        .or_else(|_| GeneralPurpose::new(&alphabet::URL_SAFE, config).decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_counts_bytes_not_chars() {
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
        assert_eq!(pae("ü", "é".as_bytes()), "DSSEv1 2 ü 2 é".as_bytes());
    }

    #[test]
    fn base64_of_either_alphabet_and_padding() {
        assert_eq!(decode_base64("+/8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64("+/8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64("-_8=").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64("-_8").unwrap(), [0xfb, 0xff]);
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("a b").is_none());
        assert!(decode_base64("a").is_none());
    }
}
