//! The kinds of credentials the detectors recognise, and how bad each is.

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
