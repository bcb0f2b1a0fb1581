//! The compiled patterns, built once per scanner.
//!
//! A [`RegexSet`] over every rule tells in one pass which rules can match a
//! window; only those rules' own regexes then run to extract the values. The
//! AWS secret-key shape (any 40-character base64 run) is deliberately not in
//! the set: it matches far too often and makes the set's automaton slow on
//! base64 data, so it only runs on the few lines around an AWS key id. This
//! module only holds patterns; deciding what a match means lives elsewhere.

use std::sync::OnceLock;

use regex::{Regex, RegexSet};

/// Which rule of the set matched; the discriminant is the pattern's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `-----BEGIN … PRIVATE KEY-----` armor.
    PrivateKey = 0,
    /// `AKIA`/`ASIA` access key ids.
    AwsKeyId = 1,
    /// `aws_secret_access_key = <40 chars>` and its spellings.
    AwsSecretAssignment = 2,
    /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and `github_pat_` tokens.
    GithubToken = 3,
    /// `glpat-` and the other GitLab token prefixes.
    GitlabToken = 4,
    /// `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-` tokens.
    SlackToken = 5,
    /// `https://hooks.slack.com/…` webhook URLs.
    SlackWebhook = 6,
    /// Three base64url segments starting with `eyJ`.
    Jwt = 7,
    /// `password=`, `secret:`, `token=`, `api_key:` … assignments.
    Generic = 8,
}

impl Rule {
    /// A match of this rule followed by `next` is only part of a longer token.
    pub fn continues(self, next: char) -> bool {
        match self {
            Rule::AwsKeyId => next.is_ascii_alphanumeric(),
            Rule::AwsSecretAssignment => is_base64_char(next),
            Rule::GithubToken => next.is_ascii_alphanumeric() || next == '_',
            _ => false,
        }
    }
}

/// A character of the standard base64 alphabet, padding included.
pub fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

/// Every rule, in pattern order.
pub const ALL_RULES: [Rule; 9] = [
    Rule::PrivateKey,
    Rule::AwsKeyId,
    Rule::AwsSecretAssignment,
    Rule::GithubToken,
    Rule::GitlabToken,
    Rule::SlackToken,
    Rule::SlackWebhook,
    Rule::Jwt,
    Rule::Generic,
];

const PRIVATE_KEY: &str = r"-----BEGIN ([A-Z0-9_ -]{0,100}?) ?PRIVATE KEY(?: BLOCK)?-----";
// Token patterns consume the character before a token (so `\nAKIA…` and
// `,token` match) but not the one after it: a following token stays
// findable, and [`Rule::continues`] checks the right edge instead.
const AWS_KEY_ID: &str = r"(?:^|[^A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})";
const AWS_SECRET_ASSIGNMENT: &str = r#"(?i:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)(?:\\?["'])?[ \t]*(?:=>|:=|=|:)[ \t]*(?:\\?["'])?([A-Za-z0-9+/]{40})"#;
const GITHUB_TOKEN: &str = r"(?:^|[^A-Za-z0-9_])((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})";
const GITLAB_TOKEN: &str = r"(?:^|[^A-Za-z0-9_-])((?:glpat|gldt|glrt|glptt|glsoat|glcbt|glimt|glagent|gloas|glffct|glft)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_-]+)*|GR1348941[A-Za-z0-9_-]{20,})";
const SLACK_TOKEN: &str = r"(?:^|[^A-Za-z0-9])(xox[baprs]-[A-Za-z0-9-]{10,})";
const SLACK_WEBHOOK: &str =
    r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{20,}";
const JWT: &str = r"(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*)";
/// Group 1: the key, which must end with a keyword; group 2: the value, quoted
/// (`"…"`, `'…'`, `` `…` ``, JSON-escaped `\"…\"`) or bare. A YAML tag
/// (`!!binary`) between separator and value is skipped. Like every pattern
/// here, it never matches across a line break: windows hold many lines.
const GENERIC: &str = r#"(?i)([A-Za-z0-9_.-]*(?:passw(?:or)?d|pwd|[_.-]pass|secret|token|credentials?|creds|auth|[A-Za-z0-9_.-]key))(?:\\?["'])?[ \t]*(?:=>|:=|=|:)[ \t]*(?:![A-Za-z0-9!:/._-]*[ \t]+)?(\\"[^"\\\n]*\\"|"[^"\n]*"|'[^'\n]*'|`[^`\n]*`|[^\s"'`,;]+)"#;
/// A 40-character base64 run: the shape of an AWS secret access key.
const AWS_SECRET_SHAPE: &str = r"(?:^|[^A-Za-z0-9+/])([A-Za-z0-9+/]{40})";
/// A cheap first look: every rule above, and the AWS secret-key context,
/// needs one of these words somewhere in the text. A text without any of them
/// (most text) is passed without running the set. Only literals, so the regex
/// engine runs it as a fast multi-substring search.
const ANCHORS: &str = r"(?i:pass|pwd|secret|token|cred|auth|key|aws)|AKIA|ASIA|gh[pousr]_|github_pat_|gl[a-z]{2,6}-|GR1348941|xox[baprs]-|hooks\.slack\.com|eyJ|-----BEGIN";
/// The end of an armored key block.
const END_ARMOR: &str = r"-----END [A-Z0-9_ -]{0,100}-----";

/// The patterns of [`ALL_RULES`], in that order.
const PATTERNS: [&str; 9] = [
    PRIVATE_KEY,
    AWS_KEY_ID,
    AWS_SECRET_ASSIGNMENT,
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    SLACK_TOKEN,
    SLACK_WEBHOOK,
    JWT,
    GENERIC,
];

/// All compiled patterns.
#[derive(Debug, Clone)]
pub struct Rules {
    /// One pass over a window: which rules may match.
    pub set: RegexSet,
    /// The same patterns one by one, in [`ALL_RULES`] order, to extract
    /// matches; each compiled the first time the set reports its rule.
    each: [OnceLock<Option<Regex>>; PATTERNS.len()],
    /// AWS secret-key shape, run only near AWS key ids.
    pub aws_secret_shape: Regex,
    /// End of an armored block.
    pub end_armor: Regex,
    /// Words one of which every rule needs: when none is in a text, no rule matches.
    pub anchors: Regex,
}

impl Rules {
    /// Compiles every pattern.
    ///
    /// # Errors
    /// Only if a pattern of this module is invalid, which a unit test rules out.
    pub fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            set: RegexSet::new(PATTERNS)?,
            each: Default::default(),
            aws_secret_shape: Regex::new(AWS_SECRET_SHAPE)?,
            end_armor: Regex::new(END_ARMOR)?,
            anchors: Regex::new(ANCHORS)?,
        })
    }

    /// The regex of one rule. Compiled on first use: most texts need one or
    /// two rules, and compiling all nine costs more than scanning a small
    /// file. It cannot fail where [`Rules::new`] succeeded: the set compiled
    /// the same pattern, under the same limits.
    pub fn regex(&self, rule: Rule) -> Option<&Regex> {
        let index = rule as usize;
        self.each
            .get(index)?
            .get_or_init(|| Regex::new(PATTERNS.get(index)?).ok())
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_and_line_up_with_rules() {
        let rules = Rules::new().unwrap();
        assert_eq!(rules.set.len(), ALL_RULES.len());
        for (i, rule) in ALL_RULES.iter().enumerate() {
            assert_eq!(*rule as usize, i);
            assert!(rules.regex(*rule).is_some());
        }
    }

    #[test]
    fn set_reports_the_rules_that_match() {
        let rules = Rules::new().unwrap();
        let hits: Vec<usize> = rules
            .set
            .matches("export GITHUB_TOKEN=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")
            .iter()
            .collect();
        assert_eq!(
            hits,
            vec![Rule::GithubToken as usize, Rule::Generic as usize]
        );
        assert!(
            rules
                .set
                .matches("nothing to see here")
                .iter()
                .next()
                .is_none()
        );
    }

    #[test]
    fn every_rule_needs_an_anchor() {
        let rules = Rules::new().unwrap();
        let samples = [
            "-----BEGIN RSA PRIVATE KEY-----",
            "id AKIAZ7Q2LW8KD0PVB7XM",
            "SecretAccessKey: Zx9q2Lw8Kd0pVb7Xm4Rt6Yu1Io3Pa5Sd7Fg9Hj2K",
            "ghs_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            "glagent-Zx9Lw2Qp8Rt5Yu1Io3PaXX",
            "GR1348941Zx9Lw2Qp8Rt5Yu1Io3Pa",
            "xoxs-1234567890-abc",
            "https://hooks.slack.com/services/T0000/B0000/abcdefghij",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4eTcifQ.sig",
            "DB_PASSWD=x",
            "PWD=x",
            "smtp_pass: x",
            "client_secret=x",
            "x-auth-token: x",
            "CREDENTIALS=x",
            "creds: x",
            "basic_auth: x",
            "signing-key: x",
        ];
        for sample in samples {
            assert!(rules.set.is_match(sample), "{sample}");
            assert!(rules.anchors.is_match(sample), "{sample}");
        }
        assert!(!rules.anchors.is_match("assert '\"z\"' == 'z' at line 3"));
    }

    #[test]
    fn generic_captures_key_and_value_in_common_syntaxes() {
        let rules = Rules::new().unwrap();
        let re = rules.regex(Rule::Generic).unwrap();
        let cases = [
            ("DB_PASSWORD=abc123", "DB_PASSWORD", "abc123"),
            ("  password: \"hunter2\"", "password", "\"hunter2\""),
            ("{\"api_key\": \"k1\"}", "api_key", "\"k1\""),
            ("secret_key = 'v'", "secret_key", "'v'"),
            ("token := `t`", "token", "`t`"),
            ("'auth' => 'x'", "auth", "'x'"),
            ("signing-key: !!binary Zm9v", "signing-key", "Zm9v"),
            ("\"m\": \"apikey = \\\"abc\\\"\"", "apikey", "\\\"abc\\\""),
        ];
        for (line, key, value) in cases {
            let caps = re
                .captures(line)
                .unwrap_or_else(|| panic!("no match in {line}"));
            assert_eq!(&caps[1], key, "{line}");
            assert_eq!(&caps[2], value, "{line}");
        }
    }
}
