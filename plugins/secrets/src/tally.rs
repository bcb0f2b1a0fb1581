//! Turning hits into counts and a bounded list of findings.
//!
//! Every hit is counted exactly once: as accepted (its fingerprint is in the
//! configured allow list), as a documented example, or as a leak of its kind.
//! Counts are exact however many hits there are; the findings list keeps the
//! first [`MAX_FINDINGS`] and counts the rest, and the `files` set keeps at most
//! [`MAX_FILES`] paths of at most [`MAX_PATH_CHARS`] characters. Nothing here
//! sees a matched value: hits carry only fingerprints.

use crate::hit::{Hit, Kind, Level};
use std::collections::BTreeSet;

/// Findings returned at most; the rest are counted in [`Report::findings_dropped`].
pub const MAX_FINDINGS: usize = 1000;
/// Paths kept at most in the `files` fact.
pub const MAX_FILES: usize = 100;
/// Characters kept at most of each path in the `files` fact.
pub const MAX_PATH_CHARS: usize = 200;

/// One reportable finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// Kind of credential.
    pub kind: Kind,
    /// Bundle-relative path.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// Redacted fingerprint.
    pub fingerprint: String,
    /// Documented example (reported at info level, not counted as a leak).
    pub example: bool,
    /// Safe context (key name, key type).
    pub detail: String,
}

impl Leak {
    /// Rule id: `secrets/<kind>`.
    pub fn rule(&self) -> String {
        format!("secrets/{}", self.kind.name())
    }

    /// Severity: the kind's, or info for an example.
    pub fn level(&self) -> Level {
        if self.example {
            Level::Info
        } else {
            self.kind.level()
        }
    }

    /// A message naming the kind and fingerprint, never the value.
    pub fn message(&self) -> String {
        let what = match (self.kind, self.detail.is_empty()) {
            (Kind::GenericSecret, false) => {
                format!("{} assigned to `{}`", self.kind.label(), self.detail)
            }
            (Kind::PrivateKey, false) => format!("{} ({})", self.kind.label(), self.detail),
            _ => self.kind.label().to_owned(),
        };
        let tail = if self.example {
            "; a publicly documented example or placeholder value, not counted as a leak"
        } else {
            "; rotate it and remove it from the bundle, or accept this fingerprint with an expiring `[[plugins.secrets.exceptions]]` entry"
        };
        format!("{what}, fingerprint `{}`{tail}", self.fingerprint)
    }
}

/// Counts and findings of one evaluation.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files scanned.
    pub inputs: u64,
    /// Real leaks of every kind.
    pub leaks: u64,
    /// Documented example values seen.
    pub example_values: u64,
    /// Hits whose fingerprint the configuration accepts.
    pub allowed: u64,
    /// `aws-access-key` leaks (id with secret key).
    pub aws_keys: u64,
    /// `aws-key-id` leaks (id alone).
    pub aws_key_ids: u64,
    /// `private-key` leaks.
    pub private_keys: u64,
    /// `github-token` leaks.
    pub github_tokens: u64,
    /// `gitlab-token` leaks.
    pub gitlab_tokens: u64,
    /// `slack-token` and `slack-webhook` leaks.
    pub slack_tokens: u64,
    /// `jwt` leaks.
    pub jwts: u64,
    /// `generic-secret` leaks.
    pub generic_secrets: u64,
    /// Kinds with at least one leak.
    pub kinds: BTreeSet<String>,
    /// Files with at least one leak (bounded).
    pub files: BTreeSet<String>,
    /// Findings, leaks and examples, in file and line order.
    pub findings: Vec<Leak>,
    /// Findings past [`MAX_FINDINGS`], counted but not listed.
    pub findings_dropped: u64,
}

impl Report {
    /// Counts one hit found in the file `path`; `allowed` when its fingerprint is accepted.
    pub fn add(&mut self, path: &str, hit: Hit, allowed: bool) {
        if allowed {
            self.allowed += 1;
            return;
        }
        if hit.example {
            self.example_values += 1;
        } else {
            self.leaks += 1;
            *self.counter(hit.kind) += 1;
            self.kinds.insert(hit.kind.name().to_owned());
            if self.files.len() < MAX_FILES {
                self.files
                    .insert(stagegate_sdk::text::prefix(path, MAX_PATH_CHARS).to_owned());
            }
        }
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(Leak {
                kind: hit.kind,
                path: path.to_owned(),
                line: hit.line,
                fingerprint: hit.fingerprint,
                example: hit.example,
                detail: hit.detail,
            });
        } else {
            self.findings_dropped += 1;
        }
    }

    /// Puts the findings listed from index `from` on (one file's) in line order.
    pub fn sort_findings_from(&mut self, from: usize) {
        if let Some(tail) = self.findings.get_mut(from..) {
            tail.sort_by_key(|leak| leak.line);
        }
    }

    fn counter(&mut self, kind: Kind) -> &mut u64 {
        match kind {
            Kind::AwsAccessKey => &mut self.aws_keys,
            Kind::AwsKeyId => &mut self.aws_key_ids,
            Kind::PrivateKey => &mut self.private_keys,
            Kind::GithubToken => &mut self.github_tokens,
            Kind::GitlabToken => &mut self.gitlab_tokens,
            Kind::SlackToken | Kind::SlackWebhook => &mut self.slack_tokens,
            Kind::Jwt => &mut self.jwts,
            Kind::GenericSecret => &mut self.generic_secrets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hit_lands_in_exactly_one_bucket() {
        let mut r = Report::default();
        r.add(
            "a",
            Hit::new(Kind::GithubToken, 1, "ghp_secretvalue", false, ""),
            false,
        );
        r.add("a", Hit::new(Kind::Jwt, 2, "eyJexample", true, ""), false);
        r.add(
            "b",
            Hit::new(Kind::SlackWebhook, 3, "https://hooks", false, ""),
            true,
        );
        r.add(
            "c",
            Hit::new(Kind::SlackToken, 4, "xoxb-1", false, ""),
            false,
        );
        assert_eq!((r.leaks, r.example_values, r.allowed), (2, 1, 1));
        assert_eq!((r.github_tokens, r.slack_tokens, r.jwts), (1, 1, 0));
        assert_eq!(
            r.kinds.iter().collect::<Vec<_>>(),
            vec!["github-token", "slack-token"]
        );
        assert_eq!(r.files.len(), 2);
        assert_eq!(r.findings.len(), 3);
        assert_eq!(r.findings[1].level(), Level::Info);
    }

    #[test]
    fn findings_and_files_are_bounded() {
        let mut r = Report::default();
        for i in 0..(MAX_FINDINGS + 5) {
            r.add(
                &format!("f{i}{}", "x".repeat(300)),
                Hit::new(Kind::GenericSecret, 1, "v", false, "k"),
                false,
            );
        }
        assert_eq!(r.findings.len(), MAX_FINDINGS);
        assert_eq!(r.findings_dropped, 5);
        assert_eq!(r.leaks, (MAX_FINDINGS + 5) as u64);
        assert_eq!(r.files.len(), MAX_FILES);
        assert!(r.files.iter().all(|f| f.chars().count() <= MAX_PATH_CHARS));
    }

    #[test]
    fn message_names_kind_key_and_fingerprint() {
        let mut r = Report::default();
        r.add(
            "a",
            Hit::new(Kind::GenericSecret, 1, "s3cr3tV4lue!", false, "DB_PASSWORD"),
            false,
        );
        let m = r.findings[0].message();
        assert!(m.contains("`DB_PASSWORD`") && m.contains("`s3cr…"), "{m}");
        assert_eq!(r.findings[0].rule(), "secrets/generic-secret");
    }
}
