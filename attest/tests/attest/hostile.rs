//! Hostile input never panics: random bytes, random edits of a good envelope, random key
//! files. An edit that still verifies must still give the signed statement.

use proptest::prelude::*;
use stagegate_attest::{SigningKey, VerifyingKey, check_chain, sign, verify};

use crate::support::{COMMIT, decision, public, signing};

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let trusted = [public("test-gate"), public("prod-gate-p256")];
        prop_assert!(verify(&bytes, &trusted).is_err());
        let _ = check_chain(&[("a".to_owned(), bytes)], &trusted, COMMIT, "test");
    }

    #[test]
    fn random_json_envelopes_never_panic(
        payload in "[A-Za-z0-9+/=_-]{0,200}",
        sig in "[A-Za-z0-9+/=_-]{0,120}",
        keyid in ".{0,80}",
    ) {
        let text = serde_json::json!({
            "payloadType": stagegate_attest::PAYLOAD_TYPE,
            "payload": payload,
            "signatures": [{"keyid": keyid, "sig": sig}],
        })
        .to_string();
        prop_assert!(verify(text.as_bytes(), &[public("prod-gate-p256")]).is_err());
    }

    #[test]
    fn edited_envelopes_never_panic(index in any::<prop::sample::Index>(), byte in any::<u8>(), p256 in any::<bool>()) {
        let name = if p256 { "prod-gate-p256" } else { "test-gate" };
        let statement = decision(COMMIT, "allow", "test");
        let mut bytes = sign(&statement, &signing(name)).unwrap().into_bytes();
        let at = index.index(bytes.len());
        bytes[at] = byte;
        if let Ok(verified) = verify(&bytes, &[public(name)]) {
            prop_assert_eq!(verified.statement, statement);
        }
    }

    #[test]
    fn random_key_files_never_panic(
        label in prop::sample::select(vec!["PRIVATE KEY", "EC PRIVATE KEY", "PUBLIC KEY", "X"]),
        body in "[A-Za-z0-9+/=\n]{0,300}",
    ) {
        let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        let _ = SigningKey::from_pem(&text);
        let _ = VerifyingKey::from_pem(&text);
    }
}
