//! Keys: every fixture reads, keyids equal OpenSSL's, and wrong key files say what is wrong.

use stagegate_attest::{AttestError, SigningKey, VerifyingKey};

use crate::support::{key_file, openssl_keyid, public, signing};

const KEYS: [(&str, &str); 4] = [
    ("test-gate", "ed25519"),
    ("prod-gate-p256", "ecdsa-p256"),
    ("other", "ed25519"),
    ("sec1-p256", "ecdsa-p256"),
];

#[test]
fn every_fixture_reads_and_its_keyid_is_openssls() {
    for (name, algorithm) in KEYS {
        let private = signing(name).verifying_key();
        let public = public(name);
        assert_eq!(private, public, "{name}");
        assert_eq!(public.algorithm(), algorithm, "{name}");
        assert_eq!(public.keyid(), openssl_keyid(name), "{name}");
        assert_eq!(private.keyid(), public.keyid(), "{name}");
    }
}

#[test]
fn sec1_file_is_really_sec1() {
    assert!(key_file("sec1-p256.key").starts_with("-----BEGIN EC PRIVATE KEY-----"));
    assert!(key_file("prod-gate-p256.key").starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn to_pem_is_what_openssl_wrote() {
    for (name, _) in KEYS {
        let pem = public(name).to_pem();
        assert_eq!(pem, key_file(&format!("{name}.pub")), "{name}");
        assert_eq!(VerifyingKey::from_pem(&pem).unwrap(), public(name));
    }
}

#[test]
fn text_around_the_block_and_ec_parameters_are_ignored() {
    // What `openssl ecparam -genkey -name prime256v1` writes before the key.
    let params = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";
    let text = format!("a comment\n{params}{}trailing\n", key_file("sec1-p256.key"));
    let key = SigningKey::from_pem(&text).unwrap();
    assert_eq!(key.verifying_key(), public("sec1-p256"));
    let crlf = key_file("test-gate.pub").replace('\n', "\r\n");
    assert_eq!(VerifyingKey::from_pem(&crlf).unwrap(), public("test-gate"));
}

#[test]
fn debug_shows_no_secret() {
    let shown = format!("{:?}", signing("test-gate"));
    assert!(
        shown.contains("ed25519") && shown.contains(&openssl_keyid("test-gate")),
        "{shown}"
    );
    assert!(!shown.to_lowercase().contains("secret"), "{shown}");
}

#[test]
fn wrong_key_files_say_what_is_wrong() {
    let private = |text: &str| SigningKey::from_pem(text).unwrap_err();
    let public = |text: &str| VerifyingKey::from_pem(text).unwrap_err();
    assert_eq!(private("not a key"), AttestError::NotPemPrivateKey);
    assert_eq!(
        private("not a key").to_string(),
        "the key file is not a PEM private key (PKCS#8 or SEC1)"
    );
    assert_eq!(public(""), AttestError::NotPemPublicKey);
    assert_eq!(
        private(&key_file("test-gate.pub")),
        AttestError::PublicKeyGiven
    );
    assert_eq!(
        public(&key_file("test-gate.key")),
        AttestError::PrivateKeyGiven
    );
    assert_eq!(
        public(&key_file("sec1-p256.key")),
        AttestError::PrivateKeyGiven
    );
    assert_eq!(
        private(&key_file("unsupported-p384.key")).to_string(),
        "unsupported key algorithm ECDSA on P-384 (supported: Ed25519, ECDSA P-256)"
    );
    assert_eq!(
        private(&key_file("unsupported-ed448.key")).to_string(),
        "unsupported key algorithm Ed448 (supported: Ed25519, ECDSA P-256)"
    );
    let two = format!("{}{}", key_file("test-gate.key"), key_file("other.key"));
    assert_eq!(private(&two), AttestError::SeveralKeys { count: 2 });
    assert_eq!(
        private("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        AttestError::UnexpectedPemLabel {
            label: "CERTIFICATE".to_owned()
        }
    );
    assert_eq!(
        private(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ),
        AttestError::EncryptedKey
    );
    let broken = key_file("test-gate.key").replace("MC4CAQAw", "MC4CAQA!");
    assert!(
        matches!(
            private(&broken),
            AttestError::InvalidKey {
                label: "PRIVATE KEY",
                ..
            }
        ),
        "{broken}"
    );
    // A P-384 key in a SEC1 block: refused, naming the one curve supported.
    assert_eq!(
        private(&key_file("unsupported-sec1-p384.key")).to_string(),
        "the key file's `EC PRIVATE KEY` block is not a valid key: not a SEC1 key on the curve \
         P-256 (the only EC curve supported)"
    );
}
