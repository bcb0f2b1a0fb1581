//! What the plugin learned from all Dockerfiles: counts, base images and bounded findings.
//!
//! Each [`Rule`] feeds one count fact (except [`Rule::Malformed`], which counts
//! files, and [`Rule::Note`], which counts nothing) and one finding rule id.
//! Findings are capped so a hostile file cannot flood the report; the number
//! left out is kept so the cap is visible. This module must not know about the
//! SDK: `lib.rs` converts.

use std::collections::BTreeSet;

/// Most entries kept in the `base_images` set.
pub const MAX_IMAGES: usize = 100;
/// Longest base image reference kept in the `base_images` set, in characters.
pub const MAX_IMAGE_CHARS: usize = 200;

/// How bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Context for a person; counts nothing.
    Info,
    /// Hygiene.
    Low,
    /// Weakens the image or its supply chain.
    Medium,
    /// Runs code or leaks credentials.
    High,
}

/// A check the plugin runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A base image not pinned by an `@sha256:` digest.
    UnpinnedBase,
    /// A base image tagged `:latest`, or with neither tag nor digest.
    LatestBase,
    /// The final stage runs as root.
    RunsAsRoot,
    /// `ADD` of a remote URL without `--checksum`.
    RemoteAdd,
    /// A download piped into a shell or interpreter.
    CurlPipeShell,
    /// A literal secret-looking `ENV` or `ARG` value.
    SecretEnv,
    /// A world-writable mode given to files.
    WorldWritable,
    /// A package install that leaves caches or pulls recommended packages.
    PackageHygiene,
    /// Something BuildKit would refuse: the file is not a valid Dockerfile.
    Malformed,
    /// Context for a person (an unresolved variable, a custom frontend).
    Note,
}

impl Rule {
    /// The rules that feed a count fact of their own, in report order.
    pub const COUNTED: [Rule; 8] = [
        Rule::UnpinnedBase,
        Rule::LatestBase,
        Rule::RunsAsRoot,
        Rule::RemoteAdd,
        Rule::CurlPipeShell,
        Rule::SecretEnv,
        Rule::WorldWritable,
        Rule::PackageHygiene,
    ];

    /// The count fact this rule feeds, if any.
    pub fn fact(self) -> Option<&'static str> {
        match self {
            Rule::UnpinnedBase => Some("unpinned_bases"),
            Rule::LatestBase => Some("latest_bases"),
            Rule::RunsAsRoot => Some("runs_as_root"),
            Rule::RemoteAdd => Some("remote_adds"),
            Rule::CurlPipeShell => Some("curl_pipe_shell"),
            Rule::SecretEnv => Some("secret_env"),
            Rule::WorldWritable => Some("world_writable"),
            Rule::PackageHygiene => Some("package_hygiene"),
            Rule::Malformed | Rule::Note => None,
        }
    }

    /// The finding rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::UnpinnedBase => "dockerfile/unpinned-base",
            Rule::LatestBase => "dockerfile/latest-base",
            Rule::RunsAsRoot => "dockerfile/runs-as-root",
            Rule::RemoteAdd => "dockerfile/remote-add",
            Rule::CurlPipeShell => "dockerfile/curl-pipe-shell",
            Rule::SecretEnv => "dockerfile/secret-env",
            Rule::WorldWritable => "dockerfile/world-writable",
            Rule::PackageHygiene => "dockerfile/package-hygiene",
            Rule::Malformed => "dockerfile/malformed",
            Rule::Note => "dockerfile/note",
        }
    }

    /// How bad a hit is.
    pub fn level(self) -> Level {
        match self {
            Rule::RunsAsRoot | Rule::CurlPipeShell | Rule::SecretEnv => Level::High,
            Rule::LatestBase | Rule::RemoteAdd | Rule::WorldWritable | Rule::Malformed => {
                Level::Medium
            }
            Rule::UnpinnedBase | Rule::PackageHygiene => Level::Low,
            Rule::Note => Level::Info,
        }
    }

    /// One line telling how to fix a hit (empty for notes).
    pub fn remediation(self) -> &'static str {
        match self {
            Rule::UnpinnedBase => "pin the base by digest (`FROM image:tag@sha256:...`)",
            Rule::LatestBase => "use an explicit version tag, ideally with a digest",
            Rule::RunsAsRoot => {
                "create an unprivileged user and end the final stage with `USER <name or uid>`"
            }
            Rule::RemoteAdd => {
                "add `--checksum=sha256:...`, or download in a RUN step and verify the checksum"
            }
            Rule::CurlPipeShell => {
                "download to a file, verify its checksum or signature, then run it"
            }
            Rule::SecretEnv => {
                "pass it at build time with `RUN --mount=type=secret` or at run time from a secret store"
            }
            Rule::WorldWritable => "grant write access to the owner or group only (e.g. 755, 775)",
            Rule::PackageHygiene => {
                "apt: `--no-install-recommends` and `rm -rf /var/lib/apt/lists/*`; apk: `--no-cache`; dnf/yum: `clean all`, in the same RUN"
            }
            Rule::Malformed => "fix the file so that `docker build` accepts it",
            Rule::Note => "",
        }
    }
}

/// One problem found, located in a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule that fired.
    pub rule: Rule,
    /// Bundle-relative path of the Dockerfile.
    pub path: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// What was found and how to fix it; never a secret value.
    pub message: String,
}

/// Totals over every Dockerfile read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Build stages (`FROM` instructions) read.
    pub stages: u64,
    /// Files with at least one problem BuildKit would refuse.
    pub malformed: u64,
    /// Hits of [`Rule::Malformed`] over all files.
    pub malformed_hits: u64,
    /// Hits per rule, in [`Rule::COUNTED`] order.
    pub counts: [u64; 8],
    /// Distinct external base images, at most [`MAX_IMAGES`].
    pub images: BTreeSet<String>,
    /// Findings kept, at most `max_hits`.
    pub hits: Vec<Hit>,
    /// Findings left out because of the cap.
    pub hits_dropped: u64,
    /// The cap on kept findings.
    pub max_hits: usize,
}

impl Report {
    /// An empty report keeping at most `max_hits` findings.
    pub fn new(max_hits: usize) -> Self {
        Self {
            max_hits,
            ..Self::default()
        }
    }

    /// How many hits `rule` had (0 for the rules without a count fact).
    pub fn count(&self, rule: Rule) -> u64 {
        Rule::COUNTED
            .iter()
            .position(|r| *r == rule)
            .and_then(|i| self.counts.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// Counts a hit of `rule` and keeps its finding while under the cap.
    pub fn hit(&mut self, rule: Rule, path: &str, line: usize, what: String) {
        if rule == Rule::Malformed {
            self.malformed_hits += 1;
        }
        if let Some(index) = Rule::COUNTED.iter().position(|r| *r == rule)
            && let Some(count) = self.counts.get_mut(index)
        {
            *count += 1;
        }
        if self.hits.len() >= self.max_hits {
            self.hits_dropped += 1;
            return;
        }
        let fix = rule.remediation();
        let message = if fix.is_empty() {
            what
        } else {
            format!("{what}; fix: {fix}")
        };
        self.hits.push(Hit {
            rule,
            path: path.to_owned(),
            line,
            message,
        });
    }

    /// Adds `image` to the bounded base image set.
    pub fn image(&mut self, image: &str) {
        if self.images.len() >= MAX_IMAGES {
            return;
        }
        let kept = stagegate_sdk::text::prefix(image, MAX_IMAGE_CHARS);
        self.images.insert(kept.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_rules_and_the_cap_keeps_counting() {
        let mut report = Report::new(1);
        report.hit(Rule::LatestBase, "Dockerfile", 1, "a".into());
        report.hit(Rule::LatestBase, "Dockerfile", 2, "b".into());
        report.hit(Rule::Note, "Dockerfile", 3, "c".into());
        assert_eq!(report.count(Rule::LatestBase), 2);
        assert_eq!(report.count(Rule::Note), 0);
        assert_eq!(report.hits.len(), 1);
        assert_eq!(report.hits_dropped, 2);
        assert!(report.hits[0].message.contains("fix: "));
    }

    #[test]
    fn every_counted_rule_has_a_distinct_fact() {
        let mut facts: Vec<&str> = Rule::COUNTED.iter().filter_map(|r| r.fact()).collect();
        assert_eq!(facts.len(), Rule::COUNTED.len());
        facts.sort_unstable();
        facts.dedup();
        assert_eq!(facts.len(), Rule::COUNTED.len());
    }

    #[test]
    fn the_image_set_is_bounded() {
        let mut report = Report::new(10);
        for i in 0..(MAX_IMAGES + 10) {
            report.image(&format!("img{i}:{}", "x".repeat(MAX_IMAGE_CHARS)));
        }
        assert_eq!(report.images.len(), MAX_IMAGES);
        assert!(
            report
                .images
                .iter()
                .all(|i| i.chars().count() <= MAX_IMAGE_CHARS)
        );
    }
}
