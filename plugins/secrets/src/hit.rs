//! What the detectors report: a kind of credential at a line, redacted.
//!
//! A [`Hit`] carries the kind, the line, the redacted fingerprint, whether the
//! value is a documented example, and a short safe detail (the assignment's key
//! name, the key block's type). It never carries the matched value, except in
//! test builds, where the value is kept so a test can prove it leaks nowhere.

/// How bad a finding is; mapped one-to-one onto the contract's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Documented example values.
    Info,
    /// An AWS key id without its secret.
    Medium,
    /// A generic high-entropy assignment or a Slack webhook.
    High,
    /// Keys and tokens of a known format.
    Critical,
}

/// The kinds of credentials this plugin recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An AWS access key id with a secret access key near it.
    AwsAccessKey,
    /// An AWS access key id alone.
    AwsKeyId,
    /// An armored private key block with key material.
    PrivateKey,
    /// A GitHub token.
    GithubToken,
    /// A GitLab token.
    GitlabToken,
    /// A Slack API token.
    SlackToken,
    /// A Slack incoming webhook URL.
    SlackWebhook,
    /// A JSON Web Token whose header names an `alg`.
    Jwt,
    /// A high-entropy value assigned to a password, secret, token or key.
    GenericSecret,
}

impl Kind {
    /// The kind's name, used in rule ids (`secrets/<name>`) and the `kinds` fact.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AwsAccessKey => "aws-access-key",
            Kind::AwsKeyId => "aws-key-id",
            Kind::PrivateKey => "private-key",
            Kind::GithubToken => "github-token",
            Kind::GitlabToken => "gitlab-token",
            Kind::SlackToken => "slack-token",
            Kind::SlackWebhook => "slack-webhook",
            Kind::Jwt => "jwt",
            Kind::GenericSecret => "generic-secret",
        }
    }

    /// Words for a person reading a finding.
    pub fn label(self) -> &'static str {
        match self {
            Kind::AwsAccessKey => "AWS access key id with its secret access key",
            Kind::AwsKeyId => "AWS access key id (no secret key found near it)",
            Kind::PrivateKey => "private key block",
            Kind::GithubToken => "GitHub token",
            Kind::GitlabToken => "GitLab token",
            Kind::SlackToken => "Slack token",
            Kind::SlackWebhook => "Slack webhook URL",
            Kind::Jwt => "JSON Web Token",
            Kind::GenericSecret => "high-entropy secret",
        }
    }

    /// Severity of a real (non-example) finding of this kind.
    pub fn level(self) -> Level {
        match self {
            Kind::AwsKeyId => Level::Medium,
            Kind::GenericSecret | Kind::SlackWebhook => Level::High,
            _ => Level::Critical,
        }
    }
}

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
