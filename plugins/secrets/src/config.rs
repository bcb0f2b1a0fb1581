//! The plugin's configuration: which fingerprints are accepted.
//!
//! The only key is `allow_fingerprints`, a list of fingerprints as the
//! findings print them (`ghp_…3fa2b1c9`: 4 characters, `…` or `...`, 8 lowercase
//! hex digits). A hit with an accepted fingerprint is counted in `allowed`
//! instead of `leaks`. Waivers live here, in the protected gate configuration,
//! and never in the bundle: inline markers such as `# pragma: allowlist secret`
//! are written by whoever wrote the bundle and are deliberately ignored.
//! Error messages point at a bad entry by its index and never repeat it, in
//! case someone pasted a whole secret instead of its fingerprint.

use serde::Deserialize;
use std::collections::BTreeSet;

/// The configuration as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    allow_fingerprints: Vec<String>,
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
    /// An entry of `allow_fingerprints` is not a fingerprint.
    #[error(
        "invalid `secrets` configuration: `allow_fingerprints[{0}]` is not a fingerprint \
         (expected 4 characters, `…`, then 8 lowercase hex digits, as printed in findings, e.g. `ghp_…3fa2b1c9`)"
    )]
    Fingerprint(usize),
}

impl Config {
    /// Parses the JSON object the host passes (`{}` or blank when none is configured).
    ///
    /// ```
    /// use stagegate_plugin_secrets::config::Config;
    /// let c = Config::parse(r#"{"allow_fingerprints": ["ghp_...3fa2b1c9"]}"#).unwrap();
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
        for (index, entry) in raw.allow_fingerprints.iter().enumerate() {
            let normalized = normalize(entry).ok_or(ConfigError::Fingerprint(index))?;
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
                format!("unknown key {shown} (the only key is `allow_fingerprints`)")
            } else {
                "`allow_fingerprints` must be a list of strings".to_owned()
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
        let c = Config::parse(r#"{"allow_fingerprints": ["ghp_…3fa2b1c9", "----...0011aabb"]}"#)
            .unwrap();
        assert!(c.allow_fingerprints.contains("ghp_…3fa2b1c9"));
        assert!(c.allow_fingerprints.contains("----…0011aabb"));
    }

    #[test]
    fn unknown_keys_and_bad_entries_are_errors() {
        let e = Config::parse(r#"{"allow": []}"#).unwrap_err().to_string();
        assert!(e.contains("unknown key `allow`"), "{e}");
        let e = Config::parse(r#"{"allow_fingerprints": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be a list of strings"), "{e}");
        assert!(Config::parse("[1").is_err());
        let secret = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6";
        let e = Config::parse(&format!(
            r#"{{"allow_fingerprints": ["ghp_…3fa2b1c9", "{secret}"]}}"#
        ))
        .unwrap_err();
        assert_eq!(e, ConfigError::Fingerprint(1));
        assert!(!e.to_string().contains(secret));
        let e = Config::parse(&format!(r#"{{"allow_fingerprints": [{{"{secret}": 1}}]}}"#))
            .unwrap_err();
        assert!(!e.to_string().contains(secret), "{e}");
    }
}
