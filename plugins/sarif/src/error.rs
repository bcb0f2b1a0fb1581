//! Why a SARIF file could not be read.
//!
//! Every message names the file in backticks, says what is wrong and, for JSON problems,
//! where (line and column). Messages quote at most a short, shortened value from the input
//! (such as an unsupported version), never message text, snippets or other content.

use thiserror::Error;

/// A SARIF file that cannot be judged.
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
    /// The bytes are not JSON.
    #[error("`{path}` is not valid JSON at line {line} column {column}: {message}")]
    NotJson {
        /// Artifact path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser reported.
        message: String,
    },
    /// The JSON ends in the middle of a value.
    #[error("`{path}` ends early at line {line} column {column} (truncated file?)")]
    Truncated {
        /// Artifact path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A number token is too long to be a real value.
    #[error("`{path}` holds a number longer than {limit} characters")]
    NumberTooLong {
        /// Artifact path.
        path: String,
        /// The limit in characters.
        limit: usize,
    },
    /// Valid JSON, but not shaped like a SARIF 2.1.0 log.
    #[error("`{path}` is not a valid SARIF 2.1.0 log at line {line} column {column}: {message}")]
    Invalid {
        /// Artifact path.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A SARIF log of another version.
    #[error(
        "`{path}` is SARIF version `{found}`; only version 2.1.0 is supported (convert older \
         logs, e.g. with the SARIF multitool's `transform` command)"
    )]
    Version {
        /// Artifact path.
        path: String,
        /// The version found (shortened).
        found: String,
    },
    /// A required top-level member is missing.
    #[error("`{path}` has no `{member}`: not a SARIF log")]
    Missing {
        /// Artifact path.
        path: String,
        /// `version` or `runs`.
        member: &'static str,
    },
}
