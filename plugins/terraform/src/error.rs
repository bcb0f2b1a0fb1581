//! Why a plan could not be judged.
//!
//! Every message names the file in backticks and says what is wrong. Parser messages come
//! from serde_json, which quotes offending input (`invalid type: string "..."`); a plan
//! can hold secrets in plain text, so quoted input is replaced by `"…"` before it reaches a
//! message, and so are backticked names that serde echoes.

use serde_json::error::Category as JsonCategory;
use thiserror::Error;

/// A plan that cannot be judged.
#[derive(Debug, Error)]
pub enum PlanError {
    /// The file could not be read.
    #[error("`{path}` could not be read: {message}")]
    Io {
        /// Bundle-relative path.
        path: String,
        /// What the reader said.
        message: String,
    },
    /// The file ends before the JSON document does.
    #[error("`{path}` is truncated: {message}")]
    Truncated {
        /// Bundle-relative path.
        path: String,
        /// Where it ends.
        message: String,
    },
    /// The file is not JSON.
    #[error("`{path}` is not valid JSON: {message}")]
    Syntax {
        /// Bundle-relative path.
        path: String,
        /// The parser's message with its position.
        message: String,
    },
    /// The JSON nests deeper than the parser's limit.
    #[error("`{path}` nests JSON deeper than 128 levels ({message}); a Terraform plan never does")]
    TooDeep {
        /// Bundle-relative path.
        path: String,
        /// The position.
        message: String,
    },
    /// JSON of the wrong shape.
    #[error("`{path}` is not a Terraform plan: {message}")]
    Shape {
        /// Bundle-relative path.
        path: String,
        /// What was found instead.
        message: String,
    },
    /// A JSON object without `format_version`.
    #[error("`{path}` has no `format_version`, so it is not `terraform show -json` plan output")]
    MissingVersion {
        /// Bundle-relative path.
        path: String,
    },
    /// Neither `resource_changes` nor `planned_values`.
    #[error("`{path}` has neither `resource_changes` nor `planned_values`, so it is not a plan")]
    NotAPlan {
        /// Bundle-relative path.
        path: String,
    },
    /// A `format_version` whose major version this plugin does not read.
    #[error(
        "`{path}` has plan format_version `{version}`; this plugin reads major versions 0 and 1"
    )]
    UnsupportedVersion {
        /// Bundle-relative path.
        path: String,
        /// The version found (shortened).
        version: String,
    },
    /// An action list outside the known set.
    #[error(
        "`{path}`: resource `{address}` has the action list {actions}, which this plugin does not \
         know, so it cannot judge what the plan destroys"
    )]
    UnknownActions {
        /// Bundle-relative path.
        path: String,
        /// The resource address (shortened).
        address: String,
        /// The actions (shortened).
        actions: String,
    },
}

/// Shortens attacker-controlled text for a message (the shared helper).
pub use stagegate_sdk::text::shorten;

/// Shows `word` only when it looks like a format word (lowercase letters, digits, `.`, `-`,
/// at most 20 characters), else `…`: version strings and action names come from the input.
pub fn plain_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.len() <= 20
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    if plain {
        word.to_owned()
    } else {
        "…".to_owned()
    }
}

/// Replaces quoted (`"..."`) text in a parser message by `"…"`, and backticked text too
/// unless it is a short lowercase field name such as `address`.
pub fn redact(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(512));
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '`' {
            let mut inner_text = String::new();
            let mut escaped = false;
            for inner in chars.by_ref() {
                if inner == c && !escaped {
                    break;
                }
                escaped = inner == '\\' && !escaped;
                if inner_text.len() <= 40 {
                    inner_text.push(inner);
                }
            }
            let field_name = c == '`'
                && !inner_text.is_empty()
                && inner_text.len() <= 40
                && inner_text
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_');
            out.push(c);
            out.push_str(if field_name { &inner_text } else { "…" });
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

impl PlanError {
    /// Classifies a serde_json error for the file at `path`.
    pub fn from_json(path: &str, error: &serde_json::Error) -> PlanError {
        let path = path.to_owned();
        let message = redact(&error.to_string());
        match error.classify() {
            JsonCategory::Io => PlanError::Io { path, message },
            JsonCategory::Eof => PlanError::Truncated { path, message },
            JsonCategory::Syntax if message.starts_with("recursion limit exceeded") => {
                PlanError::TooDeep { path, message }
            }
            JsonCategory::Syntax => PlanError::Syntax { path, message },
            JsonCategory::Data => PlanError::Shape { path, message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_quoted_and_backticked_input() {
        let m =
            r#"invalid type: string "AKIAIOSFODNN7EXAMPLE \" x", expected a sequence at line 1"#;
        assert_eq!(
            redact(m),
            r#"invalid type: string "…", expected a sequence at line 1"#
        );
        assert_eq!(
            redact("unknown variant `sk_live_X1`, expected `address`"),
            "unknown variant `…`, expected `address`"
        );
        assert_eq!(redact("no quotes"), "no quotes");
    }

    #[test]
    fn plain_words_only() {
        assert_eq!(plain_word("1.2"), "1.2");
        assert_eq!(plain_word("no-op"), "no-op");
        assert_eq!(plain_word("AKIAIOSFODNN7EXAMPLE"), "…");
        assert_eq!(plain_word(""), "…");
    }

    #[test]
    fn shortens_on_characters() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("ab", 2), "ab");
    }

    #[test]
    fn classifies_parser_errors() {
        let e = serde_json::from_str::<serde_json::Value>("{\"a\": ").unwrap_err();
        let e = PlanError::from_json("p.json", &e);
        assert!(matches!(e, PlanError::Truncated { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("`p.json` is truncated: EOF while parsing")
        );
        let deep = "[".repeat(200);
        let e = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
        assert!(matches!(
            PlanError::from_json("d.json", &e),
            PlanError::TooDeep { .. }
        ));
        let e = serde_json::from_str::<Vec<u8>>("\"secret\"").unwrap_err();
        let text = PlanError::from_json("s.json", &e).to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("string \"…\""), "{text}");
    }
}
