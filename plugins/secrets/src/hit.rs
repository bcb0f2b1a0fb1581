//! What the detectors report: a kind of credential at a line, redacted.
//!
//! A [`Hit`] carries the kind, the line, the redacted fingerprint, whether the
//! value is a documented example, and a short safe detail (the assignment's key
//! name, the key block's type). It never carries the matched value, except in
//! test builds, where the value is kept so a test can prove it leaks nowhere.

pub use stagegate_redact::kind::{Kind, Level};

/// One credential found at one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// What was found.
    pub kind: Kind,
    /// 1-based line (the first line of a multi-line block).
    pub line: u64,
    /// First 4 characters, `…`, 8 hex digits of the value's SHA-256.
    pub fingerprint: String,
    /// A publicly documented example or filler value, not a leak.
    pub example: bool,
    /// Safe context: the key an assignment sets, the type of a key block; may be empty.
    pub detail: String,
    /// The matched value, kept in test builds only to prove it is never echoed.
    #[cfg(test)]
    pub value: String,
}

impl Hit {
    /// A hit for `value`; the value itself is dropped after fingerprinting.
    pub fn new(kind: Kind, line: u64, value: &str, example: bool, detail: &str) -> Self {
        Self {
            kind,
            line,
            fingerprint: crate::value::fingerprint(value),
            example,
            detail: detail.to_owned(),
            #[cfg(test)]
            value: value.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_severities_follow_the_issue() {
        assert_eq!(Kind::AwsAccessKey.name(), "aws-access-key");
        assert_eq!(Kind::GenericSecret.level(), Level::High);
        assert_eq!(Kind::AwsKeyId.level(), Level::Medium);
        assert_eq!(Kind::PrivateKey.level(), Level::Critical);
        let hit = Hit::new(Kind::Jwt, 3, "eyJabc", false, "");
        assert!(hit.fingerprint.starts_with("eyJa…"));
    }
}
