//! Reads one configuration file into the [`Report`].
//!
//! This is the pure entry point: bytes in, counts and findings out, no SDK
//! calls. A configuration file is read whole, up to [`Limits::max_file_bytes`]
//! (they are small; the cap makes a large one an error, not a memory spike),
//! its format recognised, its settings flattened and every rule applied.
//! Every error names the file and, where known, the line.

use crate::formats::{self, Format, ReadError};
use crate::report::Report;
use crate::rules::Checker;
use crate::yaml::{Limits, YamlError};
use std::io::Read;

/// Why a configuration file could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("`{path}` could not be read: {message}")]
    Io {
        /// Bundle-relative path.
        path: String,
        /// What the reader said.
        message: String,
    },
    /// The file is over the size cap.
    #[error("`{path}` is larger than {limit} bytes, the most this plugin reads")]
    TooLarge {
        /// Bundle-relative path.
        path: String,
        /// The cap.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("`{path}` is not UTF-8 text (bad byte at offset {offset})")]
    NotText {
        /// Bundle-relative path.
        path: String,
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// YAML or JSON that does not parse or breaks a cap.
    #[error("`{path}` {source}")]
    Yaml {
        /// Bundle-relative path.
        path: String,
        /// What went wrong.
        source: YamlError,
    },
    /// Another format that does not parse.
    #[error("`{path}` {invalid} at line {line}: {message}")]
    Syntax {
        /// Bundle-relative path.
        path: String,
        /// How the format is named in the message.
        invalid: &'static str,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads the configuration file `reader` (bundle path `path`) into `report`.
///
/// ```
/// use stagegate_plugin_config::{parse::read_config, report::{Report, Rule}, yaml::Limits};
/// let mut report = Report::new(100);
/// read_config("DEBUG=true\n".as_bytes(), "app/.env", &Limits::default(), &mut report).unwrap();
/// assert_eq!(report.count(Rule::DebugEnabled), 1);
/// ```
pub fn read_config<R: Read>(
    reader: R,
    path: &str,
    limits: &Limits,
    report: &mut Report,
) -> Result<Format, ConfigError> {
    let text = read_text(reader, path, limits.max_file_bytes)?;
    let (format, guessed) = Format::detect(path, &text);
    // A guess from the content that does not parse is read as directives, which
    // never fail: a `.conf` file that only looked like YAML is not an error.
    if guessed && format != Format::Directives {
        let mut scratch = Report::new(0);
        let mut probe = Checker::new(path, format, &mut scratch);
        if formats::read(&text, format, limits, &mut |entry| probe.entry(&entry)).is_err() {
            return read_as(&text, path, Format::Directives, limits, report);
        }
    }
    read_as(&text, path, format, limits, report)
}

fn read_as(
    text: &str,
    path: &str,
    format: Format,
    limits: &Limits,
    report: &mut Report,
) -> Result<Format, ConfigError> {
    let mut checker = Checker::new(path, format, report);
    formats::read(text, format, limits, &mut |entry| checker.entry(&entry)).map_err(
        |e| match e {
            ReadError::Yaml(source) => ConfigError::Yaml {
                path: path.to_owned(),
                source,
            },
            ReadError::Line(format, e) => ConfigError::Syntax {
                path: path.to_owned(),
                invalid: format.invalid(),
                line: e.line,
                message: e.message,
            },
        },
    )?;
    checker.finish();
    Ok(format)
}

fn read_text<R: Read>(reader: R, path: &str, limit: u64) -> Result<String, ConfigError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > limit {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| ConfigError::NotText {
        path: path.to_owned(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if text.contains('\0') {
        let offset = text.find('\0').unwrap_or(0);
        return Err(ConfigError::NotText {
            path: path.to_owned(),
            offset,
        });
    }
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

#[cfg(test)]
mod tests;
