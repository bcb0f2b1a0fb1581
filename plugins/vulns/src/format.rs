//! The input formats this plugin reads, the typed error every parser returns, and the one
//! entry point that turns a reader into a typed document. Parsers deserialize into
//! structs that keep only the fields they need, so no input is ever held as a generic JSON tree;
//! serde_json's recursion limit (128 levels) turns hostile nesting into an error, not a crash.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::io::{BufRead, Read};

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

/// Documents up to this size are read whole and parsed from memory, faster
/// than through a reader, which serde_json reads a byte at a time; a larger one is parsed as a
/// stream, continuing from where that read stopped. Both give the same
/// documents and errors, except that a streamed error's column is one byte
/// past the value it names.
pub const WHOLE_JSON_BYTES: u64 = 32 * 1024 * 1024;

/// Reads one JSON document of type `T` from `reader`; trailing non-whitespace is an error.
pub fn read_json<T: DeserializeOwned>(
    reader: impl BufRead,
    path: &str,
    format: Format,
) -> Result<T, ParseError> {
    read_json_within(reader, path, format, WHOLE_JSON_BYTES)
}

/// [`read_json`], holding documents of at most `whole` bytes in memory.
fn read_json_within<T: DeserializeOwned>(
    mut reader: impl BufRead,
    path: &str,
    format: Format,
    whole: u64,
) -> Result<T, ParseError> {
    let mut head = Vec::new();
    let parsed = match reader
        .by_ref()
        .take(whole.saturating_add(1))
        .read_to_end(&mut head)
    {
        Err(error) => Err(serde_json::Error::io(error)),
        Ok(_) if head.len() as u64 <= whole => serde_json::from_slice(&head),
        Ok(_) => serde_json::from_reader(std::io::Cursor::new(head).chain(reader)),
    };
    parsed.map_err(|error| ParseError::Json {
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
            "`a.json` is not a valid Grype JSON report: invalid type: integer `1`, expected a string at line 1 column 18"
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
    #[test]
    fn documents_held_whole_and_streamed_parse_alike() {
        let secret = format!(r#"{{"items": ["AKIA{}"]}}"#, "X".repeat(300));
        let inputs: [&[u8]; 7] = [
            br#"{"items": ["a", "b"]}"#,
            br#"{"items": null}   "#,
            br#"{"items": ["a", 1]}"#,
            br#"{"items": ["a"]} trailing"#,
            br#"{"items": ["a""#,
            b"",
            secret.as_bytes(),
        ];
        for input in inputs {
            // serde_json's reader reports an error's column one byte later
            // than its slice parser, which points at the value itself.
            let shown = |whole| match read_json_within::<Doc>(input, "a.json", Format::Grype, whole)
            {
                Ok(doc) => format!("{doc:?}"),
                Err(e) => {
                    let text = e.to_string();
                    text.split(" at line ")
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                }
            };
            let expected = shown(u64::MAX);
            let len = input.len() as u64;
            for whole in [0, 1, 7, len.saturating_sub(1), len] {
                assert_eq!(shown(whole), expected, "{whole} bytes held whole");
            }
        }
    }

    #[test]
    fn a_read_error_is_a_json_error_naming_the_file() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let err = read_json::<Doc>(std::io::BufReader::new(Failing), "a.json", Format::Grype)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("`a.json` is not a valid Grype JSON report: disk on fire"),
            "{err}"
        );
    }
}
