//! Why a coverage report could not be read.
//!
//! Every message names the artifact in backticks and says what is wrong and, where known,
//! near which line, so a person can open the file and look. Messages never quote more of the
//! input than a short element name or value.

use thiserror::Error;

/// A report that cannot be judged.
#[derive(Debug, Error)]
pub enum ParseError {
    /// Reading the file failed.
    #[error("`{path}` could not be read: {source}")]
    Io {
        /// Artifact path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The XML is not well formed.
    #[error("`{path}` is not valid XML near line {line}: {message}")]
    Xml {
        /// Artifact path.
        path: String,
        /// 1-based line near the problem.
        line: u64,
        /// What the XML reader reported.
        message: String,
    },
    /// The DOCTYPE declares entities, which are refused (entity-expansion bombs).
    #[error(
        "`{path}` declares entities in its DOCTYPE near line {line}; entity declarations are refused"
    )]
    Entity {
        /// Artifact path.
        path: String,
        /// 1-based line near the DOCTYPE.
        line: u64,
    },
    /// One tag, text run or line is larger than the reader accepts at once.
    #[error("`{path}` holds a single token or line longer than {limit} bytes near line {line}")]
    TokenTooLarge {
        /// Artifact path.
        path: String,
        /// 1-based line where the token starts.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// The document ends while elements are still open.
    #[error("`{path}` ends before `<{open}>` is closed (truncated file?)")]
    Truncated {
        /// Artifact path.
        path: String,
        /// The innermost element left open.
        open: String,
    },
    /// The file holds no root element at all.
    #[error("`{path}` holds no XML element")]
    NoRoot {
        /// Artifact path.
        path: String,
    },
    /// The root element is not one this plugin reads.
    #[error(
        "`{path}` has root element `<{root}>`: not a Cobertura (`<coverage>`) or JaCoCo (`<report>`) report"
    )]
    UnknownRoot {
        /// Artifact path.
        path: String,
        /// The root's local name (shortened).
        root: String,
    },
    /// A well-formed XML file that matched a coverage kind but is another format; the plugin
    /// skips it with a log line instead of failing the gate.
    #[error("`{path}` is not a {expected} report: {reason}; skipped")]
    NotCoverage {
        /// Artifact path.
        path: String,
        /// The format its root suggested.
        expected: &'static str,
        /// Why it is not.
        reason: &'static str,
    },
    /// A value in a well-formed report has the wrong type or is missing.
    #[error("`{path}` near line {line}: {message}")]
    Invalid {
        /// Artifact path.
        path: String,
        /// 1-based line near the problem.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// An LCOV tracefile record is malformed.
    #[error("`{path}` is not a valid LCOV tracefile at line {line}: {message}")]
    Lcov {
        /// Artifact path.
        path: String,
        /// 1-based line of the record.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

/// Shortens untrusted text quoted in a message (the shared helper).
pub(crate) use stagegate_sdk::text::shorten;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file() {
        let error = ParseError::Invalid {
            path: "reports/cov.xml".into(),
            line: 12,
            message: "`<line number=\"x\">` is not a line number".into(),
        };
        assert_eq!(
            error.to_string(),
            "`reports/cov.xml` near line 12: `<line number=\"x\">` is not a line number"
        );
    }

    #[test]
    fn shorten_cuts_on_char_boundaries() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("ééééé", 2), "éé…");
    }
}
