//! The entry point: read one SARIF file from a stream into a shared [`Tally`].
//!
//! The bytes pass through [`Clamp`] (bounded strings and numbers, BOM skipped) into
//! serde_json's streaming deserializer driven by the visitors in [`crate::stream`], so memory
//! stays proportional to the rules and the open results kept, not to the file. Deep nesting
//! cannot exhaust the stack: skipped values are walked iteratively by serde_json, and typed
//! positions accept only the SARIF shape (and serde_json's recursion limit of 128 still
//! applies). Errors are mapped to [`ParseError`] with the file named and the position given.

use std::io::{BufRead, BufReader};

use serde::de::DeserializeSeed;

use crate::clamp::{Clamp, NUMBER_LIMIT, NumberTooLong};
use crate::error::ParseError;
use crate::stream::{FileState, LogSeed, SUPPORTED_VERSION};
use crate::tally::Tally;
use crate::text::shorten;

/// Reads one SARIF 2.1.0 log from `input` into `tally`; `path` names it in errors and is
/// the location of findings whose result has none. On error `tally` may hold part of the
/// file's counts: the caller must not report them.
pub fn parse_sarif<R: BufRead>(input: R, path: &str, tally: &mut Tally) -> Result<(), ParseError> {
    let runs_before = tally.runs;
    let reader = BufReader::with_capacity(64 * 1024, Clamp::new(input));
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut state = FileState {
        path,
        version: None,
        saw_runs: false,
        tally,
    };
    let outcome = LogSeed(&mut state)
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if let Some(found) = state.version.as_deref().filter(|v| *v != SUPPORTED_VERSION) {
        return Err(ParseError::Version {
            path: path.to_owned(),
            found: shorten(found, 40),
        });
    }
    outcome.map_err(|error| json_error(path, error))?;
    let missing = match (&state.version, state.saw_runs) {
        (None, _) => Some("version"),
        (_, false) => Some("runs"),
        _ => None,
    };
    match missing {
        Some(member) => Err(ParseError::Missing {
            path: path.to_owned(),
            member,
        }),
        None => {
            // `"runs": []`, `null`, or runs naming no tool driver: no tool ran, so
            // nothing was measured.
            if state.tally.runs > runs_before {
                state.tally.inputs += 1;
            }
            Ok(())
        }
    }
}

/// Parses one file into a fresh tally (convenient for tests and tools).
///
/// ```
/// let log = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "demo"}},
///   "results": [{"ruleId": "R1", "level": "error", "message": {"text": "boom"}}]}]}"#;
/// let tally = stagegate_plugin_sarif::parse_one(log.as_bytes(), "demo.sarif").unwrap();
/// assert_eq!((tally.open, tally.errors, tally.high, tally.error_high), (1, 1, 1, 1));
/// assert_eq!(tally.findings[0].message, "[demo] R1: boom");
/// ```
pub fn parse_one<R: BufRead>(input: R, path: &str) -> Result<Tally, ParseError> {
    let mut tally = Tally::default();
    parse_sarif(input, path, &mut tally)?;
    Ok(tally)
}

fn json_error(path: &str, error: serde_json::Error) -> ParseError {
    use serde_json::error::Category;
    let path = path.to_owned();
    let (line, column) = (error.line(), error.column());
    let message = bare_message(&error);
    match error.classify() {
        Category::Io => {
            let io: std::io::Error = error.into();
            if io.get_ref().is_some_and(|e| e.is::<NumberTooLong>()) {
                ParseError::NumberTooLong {
                    path,
                    limit: NUMBER_LIMIT,
                }
            } else {
                ParseError::Io { path, source: io }
            }
        }
        Category::Eof => ParseError::Truncated { path, line, column },
        Category::Syntax => ParseError::NotJson {
            path,
            line,
            column,
            message,
        },
        Category::Data => ParseError::Invalid {
            path,
            line,
            column,
            message,
        },
    }
}

/// serde_json's message without the " at line L column C" it appends.
fn bare_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}
