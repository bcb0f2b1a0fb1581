//! `uses:` references of GitHub Actions: what they point at and whether they are pinned.
//!
//! A reference is pinned when nobody but its author can change what it runs
//! under the same text: a local action (`./…`), an action or reusable
//! workflow of the repository itself (when the configuration names it), a
//! third-party one at a full 40-hex commit SHA, or a Docker image by
//! `@sha256:` digest. Branches, tags (`@v4`, `@main`), short SHAs, a missing
//! ref and `docker://image:tag` are not.

/// What a `uses:` value points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `./path`: code of the repository at the same commit.
    Local,
    /// `docker://image[:tag][@digest]`.
    Docker {
        /// Whether an `@sha256:` digest of 64 hex digits pins it.
        digest: bool,
    },
    /// `owner/repo[/path]@ref`.
    Remote {
        /// `owner/repo`, lowercase.
        repository: String,
        /// The ref after `@` (empty when there is none).
        git_ref: String,
    },
}

/// A parsed `uses:` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uses {
    /// The text as written.
    pub raw: String,
    /// What it points at.
    pub target: Target,
}

impl Uses {
    /// Parses a `uses:` value.
    pub fn parse(raw: &str) -> Self {
        let text = raw.trim();
        let target = if text.starts_with("./") || text.starts_with(".\\") {
            Target::Local
        } else if let Some(image) = text.strip_prefix("docker://") {
            let digest = image.split_once("@sha256:").is_some_and(|(_, hex)| {
                hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())
            });
            Target::Docker { digest }
        } else {
            let (path, git_ref) = text.split_once('@').unwrap_or((text, ""));
            let mut parts = path.split('/');
            let owner = parts.next().unwrap_or_default();
            let repo = parts.next().unwrap_or_default();
            Target::Remote {
                repository: format!("{owner}/{repo}").to_ascii_lowercase(),
                git_ref: git_ref.to_owned(),
            }
        };
        Self {
            raw: text.to_owned(),
            target,
        }
    }

    /// Whether the reference is pinned; `repository` is this repository's `owner/name`, if known.
    pub fn is_pinned(&self, repository: Option<&str>) -> bool {
        match &self.target {
            Target::Local => true,
            Target::Docker { digest } => *digest,
            Target::Remote {
                repository: theirs,
                git_ref,
            } => {
                repository.is_some_and(|ours| ours.eq_ignore_ascii_case(theirs))
                    || is_full_sha(git_ref)
            }
        }
    }

    /// Whether the code comes from another repository (not local, not this repository's own).
    pub fn is_other_repository(&self, repository: Option<&str>) -> bool {
        match &self.target {
            Target::Local => false,
            Target::Docker { .. } => true,
            Target::Remote {
                repository: theirs, ..
            } => !repository.is_some_and(|ours| ours.eq_ignore_ascii_case(theirs)),
        }
    }

    /// `owner/repo[/path]` without the ref, lowercase: what the action is.
    pub fn name(&self) -> String {
        self.raw
            .split_once('@')
            .map_or(self.raw.as_str(), |(name, _)| name)
            .to_ascii_lowercase()
    }
}

/// Whether `text` is a full 40-hex-digit commit SHA.
pub fn is_full_sha(text: &str) -> bool {
    text.len() == 40 && text.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_rules() {
        let sha = "11bd71901bbe5b1630ceea73d27597364c9af683";
        let digest = "a".repeat(64);
        let cases = [
            (format!("actions/checkout@{sha}"), None, true),
            ("actions/checkout@v4".to_owned(), None, false),
            ("actions/checkout".to_owned(), None, false),
            ("actions/checkout@11bd719".to_owned(), None, false),
            (
                "pypa/gh-action-pypi-publish@release/v1".to_owned(),
                None,
                false,
            ),
            ("./.github/actions/setup".to_owned(), None, true),
            (format!("docker://alpine@sha256:{digest}"), None, true),
            ("docker://alpine:3.20".to_owned(), None, false),
            ("docker://ubuntu".to_owned(), None, false),
            (
                "Acme/Tools/.github/actions/x@v1".to_owned(),
                Some("acme/tools"),
                true,
            ),
            (
                "acme/tools/.github/workflows/ci.yml@main".to_owned(),
                Some("acme/other"),
                false,
            ),
        ];
        for (raw, repository, pinned) in cases {
            assert_eq!(Uses::parse(&raw).is_pinned(repository), pinned, "{raw}");
        }
    }

    #[test]
    fn names_and_repositories() {
        let uses = Uses::parse("github/codeql-action/init@v3");
        assert_eq!(uses.name(), "github/codeql-action/init");
        assert!(uses.is_other_repository(None));
        assert!(!uses.is_other_repository(Some("GitHub/CodeQL-Action")));
        assert!(!Uses::parse("./x").is_other_repository(None));
    }
}
