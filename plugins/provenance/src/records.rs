//! How one attestation file is cut into records: a JSON document (an envelope, a statement,
//! a Sigstore bundle, or a list of them), or JSON lines with one of those per line, as
//! `*.intoto.jsonl` files from slsa-github-generator hold them.
//!
//! A file is read as JSON lines when its first non-blank line is a whole JSON value by
//! itself; otherwise it is one document (pretty-printed JSON). Memory stays bounded: a line
//! or a document longer than [`MAX_RECORD_BYTES`] is not kept (it becomes a [`Record`]
//! with an error), and at most [`MAX_RECORDS`] records are read from one file; the rest
//! become one last error record, so a cut can never hide an attestation.

use std::io::{self, BufRead, Read as _};

use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::bounded::Bounded;

/// Largest record read, in bytes: [`stagegate_attest::MAX_ENVELOPE_BYTES`] (16 MiB).
pub const MAX_RECORD_BYTES: usize = stagegate_attest::MAX_ENVELOPE_BYTES;
/// Most records read from one file.
pub const MAX_RECORDS: usize = 1000;

/// One record of a file: its bytes, or why they could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The 1-based line it starts on.
    pub line: usize,
    /// The record's JSON text, or why there is none.
    pub bytes: Result<Vec<u8>, String>,
}

/// Reads every record of a file. Only a failing read is an error; malformed content comes
/// back as records whose `bytes` say what is wrong.
pub fn read(mut reader: impl BufRead) -> io::Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut number = 0usize;
    // The first non-blank line decides how the file is read.
    let first = loop {
        match next_line(&mut reader)? {
            None => return Ok(records),
            Some(line) => {
                number += 1;
                if !is_blank(&line) {
                    break line;
                }
            }
        }
    };
    let first_line = number;
    let is_lines = match &first {
        Line::Whole(bytes) => serde_json::from_slice::<IgnoredAny>(bytes).is_ok(),
        Line::TooLong(_) => false,
    };
    if is_lines {
        push(&mut records, first_line, Ok(first.into_bytes()));
        while let Some(line) = next_line(&mut reader)? {
            number += 1;
            if is_blank(&line) {
                continue;
            }
            if records.len() >= MAX_RECORDS {
                records.push(Record {
                    line: number,
                    bytes: Err(format!(
                        "the file holds more than {MAX_RECORDS} records; from this line on it \
                         was not read"
                    )),
                });
                return Ok(records);
            }
            let bytes = match line {
                Line::Whole(bytes) => Ok(bytes),
                Line::TooLong(size) => Err(too_long("the line", size)),
            };
            push(&mut records, number, bytes);
        }
        return Ok(records);
    }
    // One document: the first line and the rest, bounded.
    let mut document = match first {
        Line::Whole(mut bytes) => {
            // Keep the line break, so that errors count lines as the file does.
            bytes.push(b'\n');
            bytes
        }
        Line::TooLong(size) => {
            return Ok(vec![Record {
                line: first_line,
                bytes: Err(too_long(
                    "the document",
                    size.saturating_add(rest_len(reader)?),
                )),
            }]);
        }
    };
    let limit = MAX_RECORD_BYTES.saturating_sub(document.len());
    let read = (&mut reader)
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut document)?;
    if read > limit {
        let size = document.len().saturating_add(rest_len(reader)?);
        return Ok(vec![Record {
            line: first_line,
            bytes: Err(too_long("the document", size)),
        }]);
    }
    // A list of records.
    if document.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Ok(
            match serde_json::from_slice::<Bounded<Box<RawValue>, MAX_RECORDS>>(&document) {
                Ok(list) => {
                    let mut out: Vec<Record> = list
                        .items
                        .into_iter()
                        .map(|item| Record {
                            line: first_line,
                            bytes: Ok(item.get().as_bytes().to_vec()),
                        })
                        .collect();
                    if list.total > MAX_RECORDS {
                        out.push(Record {
                            line: first_line,
                            bytes: Err(format!(
                                "the list holds {} records; only the first {MAX_RECORDS} were read",
                                list.total
                            )),
                        });
                    }
                    out
                }
                Err(e) => vec![Record {
                    line: first_line,
                    bytes: Err(not_json(&e, first_line)),
                }],
            },
        );
    }
    Ok(vec![Record {
        line: first_line,
        bytes: Ok(document),
    }])
}

fn push(records: &mut Vec<Record>, line: usize, bytes: Result<Vec<u8>, String>) {
    records.push(Record { line, bytes });
}

/// What `serde_json` said, with the line counted in the file.
fn not_json(error: &serde_json::Error, first_line: usize) -> String {
    let line = error.line().saturating_add(first_line).saturating_sub(1);
    if error.is_eof() {
        format!("the JSON ends early at line {line} (truncated file?)")
    } else {
        format!("not valid JSON at line {line} column {}", error.column())
    }
}

fn too_long(what: &str, size: usize) -> String {
    format!("{what} is {size} bytes, more than the {MAX_RECORD_BYTES} bytes of an attestation")
}

/// A line of the file, without its end of line.
enum Line {
    /// The line, at most [`MAX_RECORD_BYTES`] long.
    Whole(Vec<u8>),
    /// A longer line, skipped to its end; its length.
    TooLong(usize),
}

impl Line {
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Line::Whole(bytes) => bytes,
            Line::TooLong(_) => Vec::new(),
        }
    }
}

fn is_blank(line: &Line) -> bool {
    match line {
        Line::Whole(bytes) => bytes.iter().all(u8::is_ascii_whitespace),
        Line::TooLong(_) => false,
    }
}

/// The next line, `None` at the end of the file; never keeps more than
/// [`MAX_RECORD_BYTES`] of it.
fn next_line(reader: &mut impl BufRead) -> io::Result<Option<Line>> {
    let mut kept = Vec::new();
    let mut size = 0usize;
    let mut any = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match buffer.iter().position(|b| *b == b'\n') {
            Some(end) => (buffer.get(..end).unwrap_or_default(), Some(end + 1)),
            None => (buffer, None),
        };
        size = size.saturating_add(chunk.len());
        if size <= MAX_RECORD_BYTES {
            kept.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if size > MAX_RECORD_BYTES {
        return Ok(Some(Line::TooLong(size)));
    }
    if kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Ok(Some(Line::Whole(kept)))
}

/// How many bytes are left, read and dropped.
fn rest_len(reader: impl BufRead) -> io::Result<usize> {
    let count = io::copy(&mut { reader }, &mut io::sink())?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<(usize, Result<String, String>)> {
        read(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.bytes.map(|b| String::from_utf8(b).unwrap())))
            .collect()
    }

    #[test]
    fn json_lines_are_one_record_each_with_their_line() {
        assert_eq!(
            records("\n{\"a\":1}\r\n\n{\"b\":2}\n{broken\n"),
            [
                (2, Ok("{\"a\":1}".into())),
                (4, Ok("{\"b\":2}".into())),
                (5, Ok("{broken".into())),
            ]
        );
    }

    #[test]
    fn a_pretty_printed_document_is_one_record() {
        let text = "{\n  \"a\": 1\n}\n";
        assert_eq!(records(text), [(1, Ok(text.into()))]);
        // Truncated: still one record, for the reader to refuse.
        assert_eq!(records("{\n  \"a\": "), [(1, Ok("{\n  \"a\": ".into()))]);
    }

    #[test]
    fn a_list_is_one_record_per_element() {
        assert_eq!(
            records("[\n {\"a\":1},\n {\"b\":2}\n]"),
            [(1, Ok("{\"a\":1}".into())), (1, Ok("{\"b\":2}".into()))]
        );
        let err = records("\n[\n {\"a\":1},\n");
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].0, 2);
        assert!(
            err[0]
                .1
                .as_ref()
                .unwrap_err()
                .contains("ends early at line 4")
        );
    }

    #[test]
    fn empty_and_blank_files_have_no_record() {
        assert!(records("").is_empty());
        assert!(records("\n \n\t\n").is_empty());
    }

    #[test]
    fn overlong_lines_and_documents_are_named_not_kept() {
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_RECORD_BYTES));
        let text = format!("{{\"ok\":1}}\n{long}\n{{\"ok\":2}}\n");
        let got = records(&text);
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].0, 2);
        assert!(
            got[1]
                .1
                .as_ref()
                .unwrap_err()
                .starts_with("the line is 16777224 bytes")
        );
        assert_eq!(got[2], (3, Ok("{\"ok\":2}".into())));
        let document = format!("{{\n\"a\":\"{}\"}}", "x".repeat(MAX_RECORD_BYTES));
        let got = records(&document);
        assert_eq!(got.len(), 1);
        let err = got[0].1.as_ref().unwrap_err();
        assert!(err.starts_with("the document is 16777225 bytes"), "{err}");
    }

    #[test]
    fn records_past_the_limit_are_one_error() {
        let text = "{}\n".repeat(MAX_RECORDS + 5);
        let got = records(&text);
        assert_eq!(got.len(), MAX_RECORDS + 1);
        assert_eq!(got[MAX_RECORDS].0, MAX_RECORDS + 1);
        assert!(got[MAX_RECORDS].1.is_err());
    }
}
