//! Telling a JSON Web Token from any other dotted base64 string.
//!
//! The pattern only finds three base64url segments starting with `eyJ` (the
//! encoding of `{"`). A token counts when its first segment decodes to a JSON
//! object with an `alg` member, as every JWS and JWE header has. Only the
//! header is decoded, and only up to [`MAX_HEADER`] characters; the payload and
//! signature are never decoded or looked at beyond their shape.

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;

/// Longest header segment that is decoded; longer ones are not JWTs we judge.
pub const MAX_HEADER: usize = 4096;

const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The only header member that matters; serde skips every other member.
#[derive(Deserialize)]
struct Header {
    #[expect(dead_code, reason = "only its presence is checked")]
    alg: serde::de::IgnoredAny,
}

/// `token` is `header.payload.signature` and its header is JSON with `alg`.
pub fn is_jwt(token: &str) -> bool {
    let Some(header) = token.split('.').next() else {
        return false;
    };
    if header.len() > MAX_HEADER {
        return false;
    }
    match URL_SAFE_LENIENT.decode(header) {
        Ok(bytes) => serde_json::from_slice::<Header>(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_headers_with_alg() {
        // python3 -c "import base64;print(base64.urlsafe_b64decode('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'))"
        assert!(is_jwt(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2ln"
        ));
        // {"alg":"none"} unsecured token, empty signature.
        assert!(is_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."));
    }

    #[test]
    fn rejects_other_dotted_base64() {
        // {"typ":"JWT"} has no alg.
        assert!(!is_jwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln"));
        // Not JSON once decoded.
        assert!(!is_jwt("eyJub3QganNvbg.eyJzdWIiOiIxIn0.c2ln"));
        // Not base64url at all.
        assert!(!is_jwt("eyJ!!!.x.y"));
        assert!(!is_jwt(&format!("eyJ{}.a.b", "A".repeat(MAX_HEADER))));
    }
}
