//! Reading one Dockerfile as text, within limits, before anything parses it.
//!
//! A Dockerfile is small; anything that is not (a file past the size cap, a
//! binary file, a line of a megabyte) is refused here with an error naming the
//! file and the limit, so the parser only ever sees bounded text. This module
//! must not interpret the text.

use std::io::Read;

/// Largest line read, in bytes (BuildKit's own scanner refuses far shorter ones).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Why a file could not be read as a Dockerfile.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file is larger than the configured cap.
    #[error(
        "`{path}` is larger than {limit} bytes (`max_file_mib`); a Dockerfile that large is refused"
    )]
    TooLarge {
        /// Bundle-relative path.
        path: String,
        /// The cap, in bytes.
        limit: u64,
    },
    /// The file holds a NUL byte: it is not text.
    #[error("`{path}` is not a text file (a NUL byte at offset {offset}); a Dockerfile is text")]
    Binary {
        /// Bundle-relative path.
        path: String,
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// One line is longer than [`MAX_LINE_BYTES`].
    #[error("`{path}` line {line} is longer than {limit} bytes")]
    LineTooLong {
        /// Bundle-relative path.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The cap, in bytes.
        limit: usize,
    },
    /// Reading failed.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// Bundle-relative path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Reads at most `max_bytes` of `reader` as text: refuses a larger file, a
/// NUL byte or a line past [`MAX_LINE_BYTES`]; decodes invalid UTF-8 lossily
/// (BuildKit reads bytes) and drops a leading UTF-8 byte-order mark.
pub fn read_text<R: Read>(reader: R, path: &str, max_bytes: u64) -> Result<String, SourceError> {
    let mut bytes = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| SourceError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > max_bytes {
        return Err(SourceError::TooLarge {
            path: path.to_owned(),
            limit: max_bytes,
        });
    }
    if let Some(offset) = bytes.iter().position(|b| *b == 0) {
        return Err(SourceError::Binary {
            path: path.to_owned(),
            offset,
        });
    }
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(SourceError::LineTooLong {
                path: path.to_owned(),
                line: index + 1,
                limit: MAX_LINE_BYTES,
            });
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_passes_and_limits_name_the_file() {
        let text = read_text(&b"\xef\xbb\xbfFROM alpine\n"[..], "Dockerfile", 100).unwrap();
        assert_eq!(text, "FROM alpine\n");
        let err = read_text(&b"FROM alpine\n"[..], "big/Dockerfile", 4).unwrap_err();
        assert!(
            err.to_string()
                .contains("`big/Dockerfile` is larger than 4 bytes")
        );
        let err = read_text(&b"FROM\0alpine"[..], "bin/Dockerfile", 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`bin/Dockerfile` is not a text file (a NUL byte at offset 4); a Dockerfile is text"
        );
        let long = format!("FROM alpine\nRUN {}\n", "x".repeat(MAX_LINE_BYTES));
        let err = read_text(long.as_bytes(), "Dockerfile", 1 << 24).unwrap_err();
        assert!(err.to_string().contains("line 2 is longer than"), "{err}");
        // Latin-1 in a comment is read, not refused.
        let text = read_text(&b"# caf\xe9\nFROM alpine\n"[..], "Dockerfile", 100).unwrap();
        assert!(text.ends_with("FROM alpine\n"));
    }
}
