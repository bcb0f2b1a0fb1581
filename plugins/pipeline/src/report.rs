//! What the plugin learned from every pipeline file: counts and bounded findings.
//!
//! Each [`Rule`] feeds one count fact and one finding rule id. The same node
//! reached twice through a YAML alias or merge key (`<<: *defaults`) is one
//! hit, not two: hits are told apart by rule, file, line and message. Findings
//! are capped so a huge file cannot flood the report; the number left out is
//! kept so the cap is visible. This module must not know about the SDK:
//! `lib.rs` converts.

use std::collections::BTreeSet;

/// Longest quoted name (action, context, variable, image) in a message, in characters.
pub const MAX_QUOTED: usize = 120;

/// How bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Hygiene.
    Low,
    /// Widens what a compromise reaches.
    Medium,
    /// A known route to running attacker code or stealing credentials.
    High,
    /// Attacker code runs with the repository's credentials.
    Critical,
}

/// A check the plugin runs, one per count fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A third-party action or reusable workflow not pinned to a commit SHA.
    UnpinnedAction,
    /// `pull_request_target`/`workflow_run` checking out and running the untrusted head.
    DangerousTrigger,
    /// An attacker-controlled value expanded into a script.
    ScriptInjection,
    /// `write-all`, or write scopes a job does not use.
    ExcessivePermissions,
    /// A workflow whose jobs run with the repository's default token permissions.
    MissingPermissions,
    /// Secrets handed to code nobody pinned, or inherited by another repository's workflow.
    SecretsToUnpinned,
    /// A downloaded script piped into an interpreter.
    CurlPipeShell,
    /// A self-hosted runner reachable from outside contributors' events.
    SelfHostedPublic,
    /// A GitLab image without a tag or tagged `:latest`.
    UnpinnedImage,
    /// A GitLab variable holding a literal secret.
    SecretVariable,
    /// `CI_JOB_TOKEN` sent to a host outside GitLab.
    JobTokenExfil,
    /// A GitLab remote include without an `integrity` hash.
    UnpinnedInclude,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 12] = [
        Rule::UnpinnedAction,
        Rule::DangerousTrigger,
        Rule::ScriptInjection,
        Rule::ExcessivePermissions,
        Rule::MissingPermissions,
        Rule::SecretsToUnpinned,
        Rule::CurlPipeShell,
        Rule::SelfHostedPublic,
        Rule::UnpinnedImage,
        Rule::SecretVariable,
        Rule::JobTokenExfil,
        Rule::UnpinnedInclude,
    ];

    /// The count fact this rule feeds.
    pub fn fact(self) -> &'static str {
        match self {
            Rule::UnpinnedAction => "unpinned_actions",
            Rule::DangerousTrigger => "dangerous_triggers",
            Rule::ScriptInjection => "script_injections",
            Rule::ExcessivePermissions => "excessive_permissions",
            Rule::MissingPermissions => "missing_permissions",
            Rule::SecretsToUnpinned => "secrets_to_unpinned",
            Rule::CurlPipeShell => "curl_pipe_shell",
            Rule::SelfHostedPublic => "self_hosted_public",
            Rule::UnpinnedImage => "unpinned_images",
            Rule::SecretVariable => "secret_variables",
            Rule::JobTokenExfil => "job_token_exfil",
            Rule::UnpinnedInclude => "unpinned_includes",
        }
    }

    /// The finding rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnpinnedAction => "pipeline/unpinned-action",
            Rule::DangerousTrigger => "pipeline/dangerous-trigger",
            Rule::ScriptInjection => "pipeline/script-injection",
            Rule::ExcessivePermissions => "pipeline/excessive-permissions",
            Rule::MissingPermissions => "pipeline/missing-permissions",
            Rule::SecretsToUnpinned => "pipeline/secrets-to-unpinned",
            Rule::CurlPipeShell => "pipeline/curl-pipe-shell",
            Rule::SelfHostedPublic => "pipeline/self-hosted-public",
            Rule::UnpinnedImage => "pipeline/unpinned-image",
            Rule::SecretVariable => "pipeline/secret-variable",
            Rule::JobTokenExfil => "pipeline/job-token-exfil",
            Rule::UnpinnedInclude => "pipeline/unpinned-include",
        }
    }

    /// How bad a hit is.
    pub fn level(self) -> Level {
        match self {
            Rule::DangerousTrigger => Level::Critical,
            Rule::ScriptInjection
            | Rule::SecretsToUnpinned
            | Rule::SelfHostedPublic
            | Rule::JobTokenExfil
            | Rule::SecretVariable => Level::High,
            Rule::UnpinnedAction
            | Rule::ExcessivePermissions
            | Rule::CurlPipeShell
            | Rule::UnpinnedInclude => Level::Medium,
            Rule::MissingPermissions | Rule::UnpinnedImage => Level::Low,
        }
    }

    /// One line telling how to fix a hit.
    pub fn remediation(self) -> &'static str {
        match self {
            Rule::UnpinnedAction => {
                "pin it to a full 40-character commit SHA (keep the version in a comment)"
            }
            Rule::DangerousTrigger => {
                "run untrusted code under `pull_request` instead, or check out only the base and treat the head as data"
            }
            Rule::ScriptInjection => {
                "pass the value through `env:` and quote the variable (\"$VAR\") instead of expanding it into the script"
            }
            Rule::ExcessivePermissions => {
                "grant only the scopes the job uses, at job level (`permissions: {contents: read}`)"
            }
            Rule::MissingPermissions => {
                "add `permissions: {}` (or read scopes) at workflow level and grant writes per job"
            }
            Rule::SecretsToUnpinned => {
                "pin the action or workflow to a commit SHA, and pass only the secrets it needs"
            }
            Rule::CurlPipeShell => {
                "download to a file, verify its checksum or signature, then run it"
            }
            Rule::SelfHostedPublic => {
                "use GitHub-hosted or ephemeral runners for events outsiders can trigger"
            }
            Rule::UnpinnedImage => "use an explicit version tag, ideally with an @sha256 digest",
            Rule::SecretVariable => {
                "move the value to a masked, protected CI/CD variable or a secrets manager, and rotate it"
            }
            Rule::JobTokenExfil => {
                "send CI_JOB_TOKEN only to this GitLab instance ($CI_API_V4_URL, $CI_SERVER_URL)"
            }
            Rule::UnpinnedInclude => {
                "add `integrity: sha256-…` to the remote include, or vendor the file"
            }
        }
    }
}

/// One problem found, located in a pipeline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule that fired.
    pub rule: Rule,
    /// Bundle-relative path of the file.
    pub path: String,
    /// 1-based line of the offending key, 0 when unknown.
    pub line: usize,
    /// What was found and how to fix it; never a secret value.
    pub message: String,
}

/// Totals over every file read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// GitHub Actions workflow documents read.
    pub workflows: u64,
    /// GitHub composite, Docker or JavaScript action definitions read.
    pub actions: u64,
    /// Files holding at least one GitLab CI document.
    pub gitlab_files: u64,
    /// Hits per rule, in [`Rule::ALL`] order.
    pub counts: [u64; 12],
    /// Findings kept, at most `max_hits`.
    pub hits: Vec<Hit>,
    /// Findings left out because of the cap.
    pub hits_dropped: u64,
    /// Notes on skipped documents, for the log (bounded like the hits).
    pub notes: Vec<String>,
    /// The cap on kept findings.
    pub max_hits: usize,
    seen: BTreeSet<(Rule, String, usize, String)>,
}

impl Report {
    /// An empty report keeping at most `max_hits` findings.
    pub fn new(max_hits: usize) -> Self {
        Self {
            max_hits,
            ..Self::default()
        }
    }

    /// How many hits `rule` had.
    pub fn count(&self, rule: Rule) -> u64 {
        let index = Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0);
        self.counts.get(index).copied().unwrap_or(0)
    }

    /// Counts a hit of `rule` and keeps its finding while under the cap.
    /// `detail` tells hits on the same line apart (the expression, image,
    /// variable or job); a second hit with the same rule, file, line and
    /// detail is the same node reached again through an alias, and is dropped.
    pub fn hit(&mut self, rule: Rule, path: &str, line: usize, detail: &str, what: String) {
        if !self
            .seen
            .insert((rule, path.to_owned(), line, detail.to_owned()))
        {
            return;
        }
        if let Some(index) = Rule::ALL.iter().position(|r| *r == rule)
            && let Some(count) = self.counts.get_mut(index)
        {
            *count += 1;
        }
        if self.hits.len() >= self.max_hits {
            self.hits_dropped += 1;
            return;
        }
        let message = format!("{what}; fix: {}", rule.remediation());
        self.hits.push(Hit {
            rule,
            path: path.to_owned(),
            line,
            message,
        });
    }

    /// Keeps a note on something skipped, bounded by the finding cap.
    pub fn note(&mut self, note: String) {
        if self.notes.len() < self.max_hits {
            self.notes.push(note);
        }
    }
}

/// `text` as quoted in a message: one line, at most [`MAX_QUOTED`] characters.
pub fn quote(text: &str) -> String {
    stagegate_sdk::text::clip_plain(text, MAX_QUOTED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_node_reached_twice_is_one_hit() {
        let mut report = Report::new(10);
        report.hit(Rule::UnpinnedImage, "a.yml", 3, "img", "x".into());
        report.hit(Rule::UnpinnedImage, "a.yml", 3, "img", "x".into());
        report.hit(Rule::UnpinnedImage, "a.yml", 4, "img", "x".into());
        assert_eq!(report.count(Rule::UnpinnedImage), 2);
        assert_eq!(report.hits.len(), 2);
    }

    #[test]
    fn findings_past_the_cap_are_counted_not_kept() {
        let mut report = Report::new(1);
        for line in 1..=3 {
            report.hit(Rule::CurlPipeShell, "a.yml", line, "", "x".into());
        }
        assert_eq!(report.count(Rule::CurlPipeShell), 3);
        assert_eq!((report.hits.len(), report.hits_dropped), (1, 2));
    }

    #[test]
    fn rule_ids_and_facts_are_distinct_and_well_formed() {
        let ids: BTreeSet<_> = Rule::ALL.iter().map(|r| r.id()).collect();
        let facts: BTreeSet<_> = Rule::ALL.iter().map(|r| r.fact()).collect();
        assert_eq!((ids.len(), facts.len()), (12, 12));
        for rule in Rule::ALL {
            assert!(rule.id().starts_with("pipeline/"));
            assert!(
                rule.fact()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }
}
