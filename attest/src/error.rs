//! The one error type of the crate: what is wrong with a key file, a statement to sign or
//! an envelope to verify, each in one sentence with the offending input in backticks.
//!
//! Inputs that come from an envelope (labels, keyids) are clipped and escaped before they
//! reach a message, so a hostile file cannot flood or forge a report line.

/// Why a key could not be read, a statement signed or an envelope verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttestError {
    /// No PEM private key block in the key file.
    #[error("the key file is not a PEM private key (PKCS#8 or SEC1)")]
    NotPemPrivateKey,
    /// No PEM public key block in the key file.
    #[error("the key file is not a PEM public key (SPKI `PUBLIC KEY`)")]
    NotPemPublicKey,
    /// A public key where a private key is needed.
    #[error("the key file holds a public key where a private key is needed")]
    PublicKeyGiven,
    /// A private key where a public key is needed.
    #[error(
        "the key file holds a private key where a public key is needed; give its public half \
         (`openssl pkey -in KEY -pubout`)"
    )]
    PrivateKeyGiven,
    /// A password-protected PKCS#8 key.
    #[error("the key file holds an encrypted private key, which is not supported")]
    EncryptedKey,
    /// A PEM block of another kind (certificate, OpenSSH or RSA key, ...).
    #[error("the key file holds a PEM `{label}` block, not a supported key")]
    UnexpectedPemLabel {
        /// The block's label, clipped and escaped.
        label: String,
    },
    /// More than one key in one file.
    #[error("the key file holds {count} PEM key blocks; give one key per file")]
    SeveralKeys {
        /// How many key blocks were found.
        count: usize,
    },
    /// The block has the right label but is not a valid key of that format.
    #[error("the key file's `{label}` block is not a valid key: {message}")]
    InvalidKey {
        /// The block's label.
        label: &'static str,
        /// What the decoder said.
        message: String,
    },
    /// A well-formed key of an algorithm this crate does not sign with.
    #[error("unsupported key algorithm {algorithm} (supported: Ed25519, ECDSA P-256)")]
    UnsupportedAlgorithm {
        /// The algorithm's name or OID.
        algorithm: String,
    },
    /// The statement breaks a rule of in-toto Statement v1 and is not signed.
    #[error("the statement cannot be signed: {what}")]
    InvalidStatement {
        /// The broken rule.
        what: String,
    },
    /// The signing primitive failed.
    #[error("signing failed: {message}")]
    Signing {
        /// What the signer said.
        message: String,
    },
    /// The envelope exceeds [`crate::MAX_ENVELOPE_BYTES`].
    #[error("the envelope is {size} bytes, more than the limit of {limit} bytes")]
    EnvelopeTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The envelope is not DSSE JSON.
    #[error("the envelope is not DSSE JSON: {message}")]
    NotAnEnvelope {
        /// What the JSON parser said.
        message: String,
    },
    /// The envelope's `payloadType` is not [`crate::PAYLOAD_TYPE`].
    #[error(
        "the envelope's payloadType is `{found}`, not `{}`",
        crate::PAYLOAD_TYPE
    )]
    WrongPayloadType {
        /// The payload type found, clipped and escaped.
        found: String,
    },
    /// The envelope's `payload` is not base64.
    #[error("the envelope's `payload` is not base64")]
    PayloadNotBase64,
    /// The envelope has an empty `signatures` list.
    #[error("the envelope has no signatures")]
    NoSignatures,
    /// The envelope has more than [`crate::MAX_SIGNATURES`] signatures.
    #[error("the envelope has {count} signatures, more than the limit of {limit}")]
    TooManySignatures {
        /// How many it has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// `verify` was given no trusted key.
    #[error("no trusted key to verify against")]
    NoTrustedKeys,
    /// No signature verifies, and at least one claims a trusted key (or none names a key).
    #[error("signature does not verify under any trusted key (tried {tried})")]
    BadSignature {
        /// The trusted keyids, abbreviated.
        tried: String,
    },
    /// No signature verifies, and every one names a key that is not trusted.
    #[error("signed by untrusted key {signed_by} (trusted: {tried})")]
    UntrustedKey {
        /// The first keyid the envelope names, abbreviated, clipped and escaped.
        signed_by: String,
        /// The trusted keyids, abbreviated.
        tried: String,
    },
    /// The verified payload is not an in-toto Statement v1.
    #[error("payload is not an in-toto Statement v1: {what}")]
    NotAStatement {
        /// The broken rule.
        what: String,
    },
}

/// `text` for a message: control characters escaped, clipped to `max` characters.
pub(crate) fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A keyid for a message: `sha256:` and the first 12 hex digits, `…` for the rest.
pub(crate) fn short_keyid(keyid: &str) -> String {
    match keyid.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 && hex.is_ascii() => {
            format!("sha256:{}…", hex.get(..12).unwrap_or(hex))
        }
        _ => shown(keyid, 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_and_clips() {
        assert_eq!(shown("a\u{1b}[31mb", 40), "a\\u{1b}[31mb");
        assert_eq!(shown("abcdef", 3), "abc…");
        assert_eq!(shown("abc", 3), "abc");
    }

    #[test]
    fn keyids_are_abbreviated() {
        assert_eq!(
            short_keyid("sha256:716fc19c3aba40978bed68a30dea7a7b"),
            "sha256:716fc19c3aba…"
        );
        assert_eq!(short_keyid(""), "");
        assert_eq!(short_keyid("sha256:ab"), "sha256:ab");
    }
}
