//! Keys from PEM files: Ed25519 and ECDSA P-256, private (PKCS#8 or SEC1) and public (SPKI).
//!
//! A key is identified by its keyid, the SHA-256 of its SPKI DER as this crate re-encodes
//! it, so the same key read from a private or a public file, in any PEM layout, has one
//! keyid (and it equals `openssl pkey -pubin -outform DER | sha256sum`). This module signs
//! and checks raw bytes only; what is signed (DSSE's PAE) is `dsse.rs`'s business.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::spki::{
    DecodePublicKey, Document, EncodePublicKey, ObjectIdentifier, SubjectPublicKeyInfoRef,
};
use ed25519_dalek::pkcs8::{DecodePrivateKey, PrivateKeyInfo, SecretDocument};
use ed25519_dalek::{Signer as _, Verifier as _};
use p256::pkcs8::AssociatedOid as _;
use sha2::{Digest as _, Sha256};

use crate::error::{AttestError, shown};

/// OID of id-ecPublicKey (RFC 5480), the algorithm of every EC key.
const EC_PUBLIC_KEY: ObjectIdentifier = p256::elliptic_curve::ALGORITHM_OID;
/// OID of Ed25519 (RFC 8410).
const ED25519: ObjectIdentifier = ed25519_dalek::pkcs8::ALGORITHM_OID;

/// A private key for signing: Ed25519 or ECDSA P-256.
///
/// Its `Debug` shows the algorithm and keyid, never the secret.
#[derive(Clone)]
pub struct SigningKey {
    inner: SecretInner,
    public: VerifyingKey,
}

#[derive(Clone)]
enum SecretInner {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

impl SigningKey {
    /// From PEM: PKCS#8 `PRIVATE KEY` (Ed25519 or P-256), or SEC1 `EC PRIVATE KEY` (P-256),
    /// as `openssl genpkey` and `openssl ec` write them. Text around the block and an `EC
    /// PARAMETERS` block (from `openssl ecparam -genkey`) are ignored.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keys");
    /// let pem = std::fs::read_to_string(format!("{dir}/test-gate.key"))?;
    /// let key = stagegate_attest::SigningKey::from_pem(&pem)?;
    /// assert_eq!(key.verifying_key().algorithm(), "ed25519");
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_pem(pem: &str) -> Result<SigningKey, AttestError> {
        let (label, block) = one_key_block(pem, AttestError::NotPemPrivateKey)?;
        let inner = match label {
            "PRIVATE KEY" => {
                let doc = secret_document(block, "PRIVATE KEY")?;
                from_pkcs8(doc.as_bytes())?
            }
            "EC PRIVATE KEY" => {
                let doc = secret_document(block, "EC PRIVATE KEY")?;
                let secret = p256::SecretKey::from_sec1_der(doc.as_bytes()).map_err(|_| {
                    AttestError::InvalidKey {
                        label: "EC PRIVATE KEY",
                        message: "not a SEC1 key on the curve P-256 (the only EC curve supported)"
                            .to_owned(),
                    }
                })?;
                SecretInner::P256(p256::ecdsa::SigningKey::from(secret))
            }
            "PUBLIC KEY" => return Err(AttestError::PublicKeyGiven),
            "ENCRYPTED PRIVATE KEY" => return Err(AttestError::EncryptedKey),
            other => {
                return Err(AttestError::UnexpectedPemLabel {
                    label: shown(other, 40),
                });
            }
        };
        let public = match &inner {
            SecretInner::Ed25519(key) => PublicInner::Ed25519(key.verifying_key()),
            SecretInner::P256(key) => PublicInner::P256(*key.verifying_key()),
        };
        Ok(SigningKey {
            inner,
            public: VerifyingKey::new(public)?,
        })
    }

    /// The public half, to hand to whoever verifies.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Signs `message`: Ed25519 (64 bytes), or ECDSA P-256 with SHA-256 and RFC 6979
    /// deterministic nonces, DER-encoded. Both are deterministic.
    pub(crate) fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, AttestError> {
        let failed = |e: ed25519_dalek::SignatureError| AttestError::Signing {
            message: e.to_string(),
        };
        match &self.inner {
            SecretInner::Ed25519(key) => Ok(key.try_sign(message).map_err(failed)?.to_vec()),
            SecretInner::P256(key) => {
                let signature: p256::ecdsa::Signature = key.try_sign(message).map_err(failed)?;
                Ok(signature.to_der().as_bytes().to_vec())
            }
        }
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.public.algorithm())
            .field("keyid", &self.public.keyid)
            .finish_non_exhaustive()
    }
}

/// A public key for verifying: Ed25519 or ECDSA P-256. Two are equal when their keyids are.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey {
    inner: PublicInner,
    spki_der: Vec<u8>,
    keyid: String,
}

#[derive(Clone, PartialEq, Eq)]
enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

impl VerifyingKey {
    /// From PEM SPKI `PUBLIC KEY` (Ed25519 or P-256), as `openssl pkey -pubout` writes it.
    pub fn from_pem(pem: &str) -> Result<VerifyingKey, AttestError> {
        let (label, block) = one_key_block(pem, AttestError::NotPemPublicKey)?;
        match label {
            "PUBLIC KEY" => {}
            "PRIVATE KEY" | "EC PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => {
                return Err(AttestError::PrivateKeyGiven);
            }
            other => {
                return Err(AttestError::UnexpectedPemLabel {
                    label: shown(other, 40),
                });
            }
        }
        let invalid = |message: String| AttestError::InvalidKey {
            label: "PUBLIC KEY",
            message,
        };
        let (_, doc) = Document::from_pem(block).map_err(|e| invalid(e.to_string()))?;
        let info = SubjectPublicKeyInfoRef::try_from(doc.as_bytes())
            .map_err(|e| invalid(e.to_string()))?;
        let inner = match info.algorithm.oid {
            ED25519 => PublicInner::Ed25519(
                ed25519_dalek::VerifyingKey::from_public_key_der(doc.as_bytes())
                    .map_err(|e| invalid(e.to_string()))?,
            ),
            EC_PUBLIC_KEY => {
                check_curve(info.algorithm.parameters_oid().ok())?;
                PublicInner::P256(
                    p256::ecdsa::VerifyingKey::from_public_key_der(doc.as_bytes())
                        .map_err(|e| invalid(e.to_string()))?,
                )
            }
            other => return Err(unsupported(other)),
        };
        VerifyingKey::new(inner)
    }

    fn new(inner: PublicInner) -> Result<VerifyingKey, AttestError> {
        let encoded = match &inner {
            PublicInner::Ed25519(key) => key.to_public_key_der(),
            PublicInner::P256(key) => key.to_public_key_der(),
        }
        .map_err(|e| AttestError::InvalidKey {
            label: "PUBLIC KEY",
            message: format!("cannot encode it as SPKI: {e}"),
        })?;
        let spki_der = encoded.as_bytes().to_vec();
        let keyid = format!("sha256:{}", hex(&Sha256::digest(&spki_der)));
        Ok(VerifyingKey {
            inner,
            spki_der,
            keyid,
        })
    }

    /// `sha256:` and the lowercase hex SHA-256 of the key's SPKI DER. Stable for a key
    /// whatever file it was read from; the `keyid` of the signatures this crate makes.
    pub fn keyid(&self) -> String {
        self.keyid.clone()
    }

    /// `"ed25519"` or `"ecdsa-p256"`.
    pub fn algorithm(&self) -> &'static str {
        match self.inner {
            PublicInner::Ed25519(_) => "ed25519",
            PublicInner::P256(_) => "ecdsa-p256",
        }
    }

    /// The key as PEM SPKI `PUBLIC KEY` text (LF line endings), readable by
    /// [`VerifyingKey::from_pem`] and OpenSSL.
    pub fn to_pem(&self) -> String {
        // Encoding a DER document this crate made cannot fail; an empty string would not
        // parse back, so a failure still cannot pass for a key.
        Document::try_from(self.spki_der.as_slice())
            .and_then(|doc| doc.to_pem("PUBLIC KEY", LineEnding::LF))
            .unwrap_or_default()
    }

    /// The key's SPKI DER, as hashed into the keyid.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// Whether `signature` is this key's signature of `message`. Ed25519 is checked
    /// strictly (RFC 8032, no small-order keys); ECDSA accepts DER and raw `r || s`, with
    /// either `s`.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            PublicInner::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| key.verify_strict(message, &s).is_ok()),
            PublicInner::P256(key) => p256::ecdsa::Signature::from_der(signature)
                .or_else(|e| {
                    if signature.len() == 64 {
                        p256::ecdsa::Signature::from_slice(signature)
                    } else {
                        Err(e)
                    }
                })
                .is_ok_and(|s| key.verify(message, &s).is_ok()),
        }
    }
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .field("keyid", &self.keyid)
            .finish()
    }
}

/// A PKCS#8 `PrivateKeyInfo` as Ed25519 or P-256, naming any other algorithm or curve.
fn from_pkcs8(der: &[u8]) -> Result<SecretInner, AttestError> {
    let invalid = |message: String| AttestError::InvalidKey {
        label: "PRIVATE KEY",
        message,
    };
    let info = PrivateKeyInfo::try_from(der).map_err(|e| invalid(e.to_string()))?;
    match info.algorithm.oid {
        ED25519 => Ok(SecretInner::Ed25519(
            ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(|e| invalid(e.to_string()))?,
        )),
        EC_PUBLIC_KEY => {
            check_curve(info.algorithm.parameters_oid().ok())?;
            Ok(SecretInner::P256(
                p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(|e| invalid(e.to_string()))?,
            ))
        }
        other => Err(unsupported(other)),
    }
}

/// Refuses an EC key whose named curve is not P-256.
fn check_curve(curve: Option<ObjectIdentifier>) -> Result<(), AttestError> {
    match curve {
        Some(p256::NistP256::OID) => Ok(()),
        Some(oid) => Err(AttestError::UnsupportedAlgorithm {
            algorithm: format!("ECDSA on {}", curve_name(oid)),
        }),
        None => Err(AttestError::UnsupportedAlgorithm {
            algorithm: "ECDSA without a named curve".to_owned(),
        }),
    }
}

fn unsupported(oid: ObjectIdentifier) -> AttestError {
    let algorithm = match oid.to_string().as_str() {
        "1.3.101.113" => "Ed448".to_owned(),
        "1.3.101.110" => "X25519".to_owned(),
        "1.2.840.113549.1.1.1" => "RSA".to_owned(),
        "1.2.840.113549.1.1.10" => "RSA-PSS".to_owned(),
        "1.2.840.10040.4.1" => "DSA".to_owned(),
        other => format!("`{other}`"),
    };
    AttestError::UnsupportedAlgorithm { algorithm }
}

fn curve_name(oid: ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.3.132.0.34" => "P-384".to_owned(),
        "1.3.132.0.35" => "P-521".to_owned(),
        "1.3.132.0.10" => "secp256k1".to_owned(),
        other => format!("curve `{other}`"),
    }
}

fn secret_document(block: &str, label: &'static str) -> Result<SecretDocument, AttestError> {
    SecretDocument::from_pem(block)
        .map(|(_, doc)| doc)
        .map_err(|e| AttestError::InvalidKey {
            label,
            message: e.to_string(),
        })
}

/// The one PEM block of `text` that is not `EC PARAMETERS`: its label and its text from
/// `-----BEGIN` to the end line. `none` when there is no block.
fn one_key_block(text: &str, none: AttestError) -> Result<(&str, &str), AttestError> {
    let blocks: Vec<(&str, &str)> = pem_blocks(text)
        .into_iter()
        .filter(|(label, _)| *label != "EC PARAMETERS")
        .collect();
    match blocks.as_slice() {
        [] => Err(none),
        [only] => Ok(*only),
        several => Err(AttestError::SeveralKeys {
            count: several.len(),
        }),
    }
}

/// The PEM blocks of `text` (label, text), in order. A block without its end line runs to
/// the end of the text, for the decoder to refuse.
fn pem_blocks(text: &str) -> Vec<(&str, &str)> {
    const BEGIN: &str = "-----BEGIN ";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let block = rest.get(start..).unwrap_or_default();
        let after = block.get(BEGIN.len()..).unwrap_or_default();
        let Some(label_len) = after.find("-----") else {
            break;
        };
        let label = after.get(..label_len).unwrap_or_default();
        let end_line = format!("-----END {label}-----");
        match block.find(&end_line) {
            Some(end) => {
                let len = end + end_line.len();
                blocks.push((label, block.get(..len).unwrap_or(block)));
                rest = block.get(len..).unwrap_or_default();
            }
            None => {
                blocks.push((label, block));
                break;
            }
        }
    }
    blocks
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_found_among_text() {
        let text = "junk\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
                    -----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\ntrailer";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].0, "EC PRIVATE KEY");
        assert!(blocks[1].1.ends_with("-----END EC PRIVATE KEY-----"));
        let (label, _) = one_key_block(text, AttestError::NotPemPrivateKey).unwrap();
        assert_eq!(label, "EC PRIVATE KEY");
    }

    #[test]
    fn unterminated_and_empty_blocks_do_not_panic() {
        for text in [
            "",
            "-----BEGIN ",
            "-----BEGIN X",
            "-----BEGIN X-----",
            "-----BEGIN -----",
        ] {
            let _ = pem_blocks(text);
            assert!(SigningKey::from_pem(text).is_err());
            assert!(VerifyingKey::from_pem(text).is_err());
        }
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }
}
