//! The plugin's configuration: which fingerprints are accepted.
//!
//! The only key is `exceptions`, which the host fills from the
//! `[[plugins.secrets.exceptions]]` of `stagegate.toml` that are in time
//! (each has an approver, a ticket and a mandatory expiry there): a list of
//! `{"id": …, "match": fingerprint}`, the fingerprint as the findings print it
//! (`ghp_…3fa2b1c9`: 4 characters, `…` or `...`, 8 lowercase hex digits). A
//! hit with an accepted fingerprint is counted in `allowed` instead of
//! `leaks`. Exceptions live in the protected gate configuration, never in the
//! bundle: inline markers such as `# pragma: allowlist secret` are written by
//! whoever wrote the bundle and are deliberately ignored.
//! Error messages point at a bad entry by its index and never repeat it, in
//! case someone pasted a whole secret instead of its fingerprint.

use serde::Deserialize;
use std::collections::BTreeSet;

/// The configuration as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exceptions: Vec<RawException>,
}

/// One exception as the host passes it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    /// Named in the host's report; not needed to match.
    #[serde(rename = "id")]
    _id: String,
    #[serde(rename = "match")]
    matches: String,
}

/// A checked configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Config {
    /// Accepted fingerprints, normalised to the `…` form.
    pub allow_fingerprints: BTreeSet<String>,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Not a JSON object of the expected shape.
    #[error("invalid `secrets` configuration: {0}")]
    Json(String),
    /// The `match` of an exception is not a fingerprint.
    #[error(
        "invalid `secrets` configuration: the `match` of exception #{0} is not a fingerprint \
         (expected 4 characters, `…`, then 8 lowercase hex digits, as printed in findings, e.g. `ghp_…3fa2b1c9`)"
    )]
    Fingerprint(usize),
}

impl Config {
    /// Parses the JSON object the host passes (`{}` or blank when none is configured).
    ///
    /// ```
    /// use stagegate_plugin_secrets::config::Config;
    /// let c = Config::parse(r#"{"exceptions": [{"id": "E-1", "match": "ghp_...3fa2b1c9"}]}"#).unwrap();
    /// assert!(c.allow_fingerprints.contains("ghp_…3fa2b1c9"));
    /// ```
    ///
    /// # Errors
    /// Unknown keys, wrong types, or an entry that is not a fingerprint.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(describe(&e)))?;
        let mut allow_fingerprints = BTreeSet::new();
        for (index, entry) in raw.exceptions.iter().enumerate() {
            let normalized =
                normalize(&entry.matches).ok_or(ConfigError::Fingerprint(index + 1))?;
            allow_fingerprints.insert(normalized);
        }
        Ok(Self { allow_fingerprints })
    }
}

/// serde_json's message without the offending text (it may be a pasted secret).
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Data => {
            let text = e.to_string();
            if text.starts_with("unknown field") {
                // Named only when it looks like a key someone meant to type.
                let name = text.split('`').nth(1).unwrap_or_default();
                let plain = (1..=32).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
                let shown = if plain {
                    format!("`{name}`")
                } else {
                    "(not shown)".to_owned()
                };
                if name == "allow_fingerprints" {
                    "`allow_fingerprints` is replaced by `[[plugins.secrets.exceptions]]` in \
                     stagegate.toml, each with `id`, `match` (the fingerprint), `reason`, `ticket`, \
                     `approver` and `expires`"
                        .to_owned()
                } else {
                    format!("unknown key {shown} (the only key is `exceptions`, set by the host)")
                }
            } else {
                "`exceptions` must be a list of `{id, match}` objects".to_owned()
            }
        }
        Category::Syntax | Category::Eof => "not a valid JSON object".to_owned(),
        Category::Io => "could not be read".to_owned(),
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// `abcd…0123abcd` or `abcd...0123abcd` to the `…` form; `None` if malformed.
fn normalize(entry: &str) -> Option<String> {
    let (prefix, hex) = entry.split_once('…').or_else(|| entry.split_once("..."))?;
    let hex_ok = hex.len() == 8
        && hex
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    (prefix.chars().count() == 4 && hex_ok).then(|| format!("{prefix}…{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_blank_configs() {
        assert_eq!(Config::parse("{}").unwrap(), Config::default());
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn both_ellipsis_spellings_are_accepted() {
        let c = Config::parse(
            r#"{"exceptions": [{"id": "a", "match": "ghp_…3fa2b1c9"}, {"id": "b", "match": "----...0011aabb"}]}"#,
        )
        .unwrap();
        assert!(c.allow_fingerprints.contains("ghp_…3fa2b1c9"));
        assert!(c.allow_fingerprints.contains("----…0011aabb"));
    }

    #[test]
    fn unknown_keys_and_bad_entries_are_errors() {
        let e = Config::parse(r#"{"allow": []}"#).unwrap_err().to_string();
        assert!(e.contains("unknown key `allow`"), "{e}");
        let e = Config::parse(r#"{"exceptions": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be a list of `{id, match}` objects"), "{e}");
        let e = Config::parse(r#"{"allow_fingerprints": []}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("replaced by `[[plugins.secrets.exceptions]]`"),
            "{e}"
        );
        assert!(Config::parse("[1").is_err());
        let secret = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6";
        let e = Config::parse(&format!(
            r#"{{"exceptions": [{{"id": "a", "match": "ghp_…3fa2b1c9"}}, {{"id": "b", "match": "{secret}"}}]}}"#
        ))
        .unwrap_err();
        assert_eq!(e, ConfigError::Fingerprint(2));
        assert!(!e.to_string().contains(secret));
        let e = Config::parse(&format!(r#"{{"exceptions": [{{"{secret}": 1}}]}}"#)).unwrap_err();
        assert!(!e.to_string().contains(secret), "{e}");
    }
}
