//! The input formats this plugin reads, the typed error every parser returns, and the one
//! streaming entry point that turns a reader into a typed document. Parsers deserialize into
//! structs that keep only the fields they need, so no input is ever held as a generic JSON tree;
//! serde_json's recursion limit (128 levels) turns hostile nesting into an error, not a crash.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::io::BufRead;

/// One of the JSON formats the plugin reads; each is one artifact kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `trivy ... --format json` (SchemaVersion 2, k8s reports, and the legacy list).
    Trivy,
    /// `grype -o json`.
    Grype,
    /// CycloneDX JSON, spec versions 1.2 to 1.7 (SBOMs, VEX, BOVs).
    CycloneDx,
    /// `pip-audit -f json`.
    PipAudit,
}

impl Format {
    /// The artifact kind name the plugin declares for this format.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Trivy => "trivy-json",
            Self::Grype => "grype-json",
            Self::CycloneDx => "cyclonedx-json",
            Self::PipAudit => "pip-audit-json",
        }
    }

    /// The format of an artifact kind name, if it is one of this plugin's.
    pub fn from_kind(kind: &str) -> Option<Self> {
        [Self::Trivy, Self::Grype, Self::CycloneDx, Self::PipAudit]
            .into_iter()
            .find(|f| f.kind() == kind)
    }

    /// What a person calls a document of this format, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Self::Trivy => "Trivy JSON report",
            Self::Grype => "Grype JSON report",
            Self::CycloneDx => "CycloneDX JSON document",
            Self::PipAudit => "pip-audit JSON report",
        }
    }
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The bytes are not JSON, are cut short, nest too deeply, or hold a value of the wrong type.
    #[error("`{path}` is not a valid {}: {message}", format.title())]
    Json {
        /// The artifact path.
        path: String,
        /// The expected format.
        format: Format,
        /// What the JSON reader said, with its line and column; quoted input text removed.
        message: String,
    },
    /// The JSON is well formed but is not (a supported version of) the format.
    #[error("`{path}` is not a supported {}: {reason}", format.title())]
    Content {
        /// The artifact path.
        path: String,
        /// The expected format.
        format: Format,
        /// What is wrong, in lowercase words.
        reason: String,
    },
}

impl ParseError {
    /// A [`ParseError::Content`] for `path`.
    pub fn content(path: &str, format: Format, reason: impl Into<String>) -> Self {
        Self::Content {
            path: path.to_owned(),
            format,
            reason: reason.into(),
        }
    }
}

/// Streams one JSON document of type `T` from `reader`; trailing non-whitespace is an error.
pub fn read_json<T: DeserializeOwned>(
    reader: impl BufRead,
    path: &str,
    format: Format,
) -> Result<T, ParseError> {
    serde_json::from_reader(reader).map_err(|error| ParseError::Json {
        path: path.to_owned(),
        format,
        message: describe(&error),
    })
}

/// The JSON error without the input text it may quote (a wrong-typed value can be a secret or
/// megabytes long), bounded in length, with its position.
fn describe(error: &serde_json::Error) -> String {
    let full = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let text = full.strip_suffix(&position).unwrap_or(&full);
    let mut scrubbed = String::new();
    for (index, part) in text.split('"').enumerate() {
        // Odd parts sit between double quotes: input text.
        scrubbed.push_str(if index % 2 == 1 { "\"…\"" } else { part });
    }
    let mut message = stagegate_sdk::text::prefix(&scrubbed, MAX_MESSAGE).to_owned();
    if error.line() > 0 {
        message.push_str(&position);
    }
    message
}

/// The most characters kept from a JSON error's description.
const MAX_MESSAGE: usize = 200;

/// Deserializes a field that may be `null`, giving the type's default for `null`.
/// Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Doc {
        #[serde(default, deserialize_with = "nullable")]
        items: Vec<String>,
    }

    #[test]
    fn kinds_round_trip() {
        for f in [
            Format::Trivy,
            Format::Grype,
            Format::CycloneDx,
            Format::PipAudit,
        ] {
            assert_eq!(Format::from_kind(f.kind()), Some(f));
        }
        assert_eq!(Format::from_kind("sarif"), None);
    }

    #[test]
    fn null_becomes_default_and_errors_name_the_file() {
        let doc: Doc = read_json(&b"{\"items\": null}"[..], "a.json", Format::Grype).unwrap();
        assert!(doc.items.is_empty());
        let err = read_json::<Doc>(&b"{\"items\": 3}"[..], "a.json", Format::Grype).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("`a.json` is not a valid Grype JSON report: invalid type"));
        assert!(text.contains("line 1 column"), "{text}");
    }

    #[test]
    fn errors_never_quote_input_text() {
        let input = br#"{"items": ["ok", 1], "x": 2} "#;
        let err = read_json::<Doc>(&input[..], "a.json", Format::Grype).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`a.json` is not a valid Grype JSON report: invalid type: integer `1`, expected a string at line 1 column 19"
        );
        #[derive(Deserialize, Debug)]
        #[expect(dead_code, reason = "only the field's type matters here")]
        struct Score {
            score: f64,
        }
        let secret = format!(r#"{{"score": "AKIA{}"}}"#, "X".repeat(1 << 20));
        let err = read_json::<Score>(secret.as_bytes(), "s.json", Format::CycloneDx).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("AKIA") && text.len() < 300, "{text}");
        assert!(
            text.contains("invalid type: string \"…\", expected f64 at line 1 column"),
            "{text}"
        );
    }
}
