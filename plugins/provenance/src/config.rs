//! The plugin's configuration, `[plugins.provenance.config]`, checked once before any
//! artifact is read. The plugin reads nothing outside the bundle, so keys come inline, as
//! PEM text.
//!
//! ```toml
//! [plugins.provenance.config]
//! trusted_keys = ['''-----BEGIN PUBLIC KEY-----
//! MCowBQYDK2VwAyEA…
//! -----END PUBLIC KEY-----''']            # Ed25519 or ECDSA P-256, SPKI PEM
//! trusted_builders = ["https://ci.example.com/builders/release-runner@v1"]
//! l3_builders = []                         # trusted builders that are hardened (SLSA Build L3)
//! trusted_sources = ["git+https://github.com/acme/shop"]   # optional
//! required = ["dist/*.tar.gz"]             # optional: these must have verified provenance
//! subjects = { "images/app" = "sha256:…" } # optional: digests of artifacts not in the bundle
//! ```
//!
//! A builder entry with an `@` matches that id exactly; one without matches the id itself
//! and the id followed by `@` and any version (`https://github.com/x/y/.github/workflows/b.yml`
//! matches `…/b.yml@refs/tags/v1.9.0`). Sources match after normalisation
//! ([`crate::slsa::normalise_source`]). Unknown keys are errors.

use std::collections::BTreeMap;

use serde::Deserialize;
use stagegate_attest::VerifyingKey;

use crate::glob::Glob;
use crate::slsa::normalise_source;

/// Why the configuration is refused; each names the key and entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Not the JSON object the host passes, or a key of the wrong type or unknown.
    #[error("the `provenance` plugin configuration is invalid: {0}")]
    Invalid(String),
    /// A `trusted_keys` entry is not a usable public key.
    #[error("`trusted_keys[{index}]` is not an Ed25519 or ECDSA P-256 public key: {message}")]
    Key {
        /// Its index.
        index: usize,
        /// What the key reader said.
        message: String,
    },
    /// An empty builder id or source.
    #[error("`{key}[{index}]` is empty")]
    Empty {
        /// `trusted_builders`, `l3_builders` or `trusted_sources`.
        key: &'static str,
        /// Its index.
        index: usize,
    },
    /// An `l3_builders` entry that `trusted_builders` does not trust.
    #[error(
        "`l3_builders` names `{builder}`, which `trusted_builders` does not trust: a hardened \
         builder must also be trusted"
    )]
    UntrustedL3 {
        /// The entry.
        builder: String,
    },
    /// A `required` glob that cannot match a bundle path.
    #[error("`required` pattern `{pattern}` {why}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// What is wrong.
        why: String,
    },
    /// A `subjects` digest that is not `sha256:` and 64 hex digits.
    #[error("`subjects.\"{name}\"` is `{digest}`, not `sha256:` followed by 64 hex digits")]
    Digest {
        /// The subject's name.
        name: String,
        /// The value given.
        digest: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Raw {
    trusted_keys: Vec<String>,
    trusted_builders: Vec<String>,
    l3_builders: Vec<String>,
    trusted_sources: Vec<String>,
    required: Vec<String>,
    subjects: BTreeMap<String, String>,
}

/// The checked configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The keys that may sign provenance.
    pub keys: Vec<VerifyingKey>,
    /// The trusted builder ids (see the module's matching rule).
    pub trusted_builders: Vec<String>,
    /// The trusted builders that are hardened (SLSA Build L3).
    pub l3_builders: Vec<String>,
    /// The trusted source repositories, normalised; empty when not configured.
    pub trusted_sources: Vec<String>,
    /// The artifacts that must have verified provenance.
    pub required: Vec<Glob>,
    /// Digests of artifacts not in the bundle: name → lowercase hex SHA-256.
    pub subjects: BTreeMap<String, String>,
}

impl Config {
    /// Reads the JSON object text the host passes (`{}` when nothing is configured).
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(ConfigError::Invalid("it is not a JSON object".to_owned()));
        }
        let raw: Raw =
            serde_json::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let keys = raw
            .trusted_keys
            .iter()
            .enumerate()
            .map(|(index, pem)| {
                VerifyingKey::from_pem(pem).map_err(|e| ConfigError::Key {
                    index,
                    message: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        non_empty("trusted_builders", &raw.trusted_builders)?;
        non_empty("l3_builders", &raw.l3_builders)?;
        non_empty("trusted_sources", &raw.trusted_sources)?;
        if let Some(builder) = raw
            .l3_builders
            .iter()
            .find(|b| !raw.trusted_builders.contains(b))
        {
            return Err(ConfigError::UntrustedL3 {
                builder: builder.clone(),
            });
        }
        let required = raw
            .required
            .iter()
            .map(|pattern| {
                Glob::new(pattern).map_err(|why| ConfigError::Glob {
                    pattern: pattern.clone(),
                    why,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let subjects = raw
            .subjects
            .into_iter()
            .map(|(name, digest)| match sha256_hex(&digest) {
                Some(hex) => Ok((name, hex)),
                None => Err(ConfigError::Digest { name, digest }),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        Ok(Config {
            keys,
            trusted_builders: raw.trusted_builders,
            l3_builders: raw.l3_builders,
            trusted_sources: raw
                .trusted_sources
                .iter()
                .filter_map(|s| normalise_source(s))
                .collect(),
            required,
            subjects,
        })
    }

    /// Whether `builder` is a trusted builder id.
    pub fn trusts_builder(&self, builder: &str) -> bool {
        self.trusted_builders
            .iter()
            .any(|entry| builder_matches(entry, builder))
    }

    /// Whether `builder` is a hardened (L3) builder id.
    pub fn is_l3_builder(&self, builder: &str) -> bool {
        self.l3_builders
            .iter()
            .any(|entry| builder_matches(entry, builder))
    }

    /// Whether the (normalised) `source` is trusted. Always true when no
    /// `trusted_sources` are configured.
    pub fn trusts_source(&self, source: &str) -> bool {
        self.trusted_sources.is_empty() || self.trusted_sources.iter().any(|s| s == source)
    }
}

/// An entry with `@` matches exactly; without, the id or the id and any `@version`.
fn builder_matches(entry: &str, builder: &str) -> bool {
    if entry.contains('@') {
        return entry == builder;
    }
    builder == entry
        || builder
            .strip_prefix(entry)
            .is_some_and(|rest| rest.starts_with('@'))
}

fn non_empty(key: &'static str, list: &[String]) -> Result<(), ConfigError> {
    match list.iter().position(|s| s.trim().is_empty()) {
        Some(index) => Err(ConfigError::Empty { key, index }),
        None => Ok(()),
    }
}

/// `sha256:HEX` or `HEX` (64 hex digits) as lowercase hex.
fn sha256_hex(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../../../tests/fixtures/provenance/keys/builder-ed25519.pub");

    fn json(value: serde_json::Value) -> String {
        value.to_string()
    }

    #[test]
    fn an_empty_configuration_trusts_nothing() {
        let config = Config::parse("{}").unwrap();
        assert!(config.keys.is_empty());
        assert!(!config.trusts_builder("https://ci/b"));
        assert!(config.trusts_source("https://anything"));
        assert!(Config::parse("").is_ok());
    }

    #[test]
    fn a_full_configuration_reads() {
        let config = Config::parse(&json(serde_json::json!({
            "trusted_keys": [KEY],
            "trusted_builders": ["https://ci/b@v1", "https://github.com/x/y/.github/workflows/b.yml"],
            "l3_builders": ["https://ci/b@v1"],
            "trusted_sources": ["git+https://GitHub.com/acme/shop.git"],
            "required": ["dist/*.tar.gz"],
            "subjects": {"img": format!("sha256:{}", "AB".repeat(32))},
        })))
        .unwrap();
        assert_eq!(config.keys.len(), 1);
        assert!(config.trusts_builder("https://ci/b@v1"));
        assert!(!config.trusts_builder("https://ci/b@v2"));
        assert!(!config.trusts_builder("https://ci/b"));
        assert!(
            config.trusts_builder("https://github.com/x/y/.github/workflows/b.yml@refs/tags/v1")
        );
        assert!(config.trusts_builder("https://github.com/x/y/.github/workflows/b.yml"));
        assert!(!config.trusts_builder("https://github.com/x/y/.github/workflows/b.yml2"));
        assert!(config.is_l3_builder("https://ci/b@v1"));
        assert!(config.trusts_source("https://github.com/acme/shop"));
        assert!(!config.trusts_source("https://github.com/acme/other"));
        assert_eq!(config.subjects["img"], "ab".repeat(32));
        assert!(config.required[0].matches("dist/a.tar.gz"));
    }

    #[test]
    fn bad_configurations_say_what_is_wrong() {
        let cases = [
            (
                serde_json::json!([]),
                "the `provenance` plugin configuration is invalid: it is not a JSON object",
            ),
            (
                serde_json::json!({"trusted_key": []}),
                "unknown field `trusted_key`",
            ),
            (
                serde_json::json!({"trusted_keys": ["nope"]}),
                "`trusted_keys[0]` is not an Ed25519 or ECDSA P-256 public key: the key file is not a PEM public key",
            ),
            (
                serde_json::json!({"trusted_builders": ["a", " "]}),
                "`trusted_builders[1]` is empty",
            ),
            (
                serde_json::json!({"trusted_builders": ["a"], "l3_builders": ["b"]}),
                "`l3_builders` names `b`, which `trusted_builders` does not trust",
            ),
            (
                serde_json::json!({"required": ["/x"]}),
                "`required` pattern `/x` is absolute",
            ),
            (
                serde_json::json!({"subjects": {"a": "sha256:12"}}),
                "`subjects.\"a\"` is `sha256:12`, not `sha256:` followed by 64 hex digits",
            ),
        ];
        for (value, why) in cases {
            let err = Config::parse(&json(value.clone())).unwrap_err().to_string();
            assert!(err.contains(why), "{value}: {err}");
        }
    }
}
