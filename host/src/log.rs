//! Stage 6: the decision log, an append-only JSON-lines file with one
//! [decision record](crate::report::record) per `check`.
//!
//! Each line carries `seq`, its 1-based line number, and `prev`, the SHA-256
//! of the previous line's bytes (`null` on the first line), so an edited,
//! removed, reordered or inserted line breaks the chain at the first line
//! after it. Removing lines from the end leaves a shorter valid chain: keep
//! the head hash that [`verify`] prints somewhere else, and check it with
//! `--head`.
//!
//! Appends take an exclusive lock on the file and write the whole line with
//! one `write_all` on a file opened for appending, then sync it: two gates
//! writing the same log at once each see the other's line as the previous
//! one, and a reader never sees half a line from a live writer.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::report::record::SCHEMA;
use crate::report::text;

/// The longest line the log reads back (a record with every fact is far smaller).
pub const MAX_LINE: usize = 16 << 20;

/// Why the log could not be appended to or read.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The file could not be opened, locked, read or written.
    #[error("decision log {path}: {action}: {source}")]
    Io {
        /// The log.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The error.
        source: io::Error,
    },
    /// The file does not end with a complete record, so nothing is appended to it.
    #[error("decision log {path}: {message}; run `stagegate log verify {path}`")]
    Damaged {
        /// The log.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Where an appended record went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Its line number.
    pub seq: u64,
    /// The SHA-256 of its line: the new head.
    pub hash: String,
}

/// Appends `record` to the log at `path` (created when missing), chained to
/// the last line. The record is redacted and written as one line.
pub fn append(path: &Path, record: Value) -> Result<Appended, LogError> {
    let io = |action: &'static str| {
        move |source| LogError::Io {
            path: path.to_owned(),
            action,
            source,
        }
    };
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io("cannot open"))?;
    file.lock().map_err(io("cannot lock"))?;
    let (seq, prev) = match last_line(&mut file).map_err(io("cannot read"))? {
        None => (1, Value::Null),
        Some(Tail::Torn) => {
            return Err(LogError::Damaged {
                path: path.to_owned(),
                message: "the last line is incomplete (no newline at the end)".into(),
            });
        }
        Some(Tail::Line(line)) => {
            let seq = serde_json::from_slice::<Value>(&line)
                .ok()
                .and_then(|v| v.get("seq").and_then(Value::as_u64))
                .ok_or_else(|| LogError::Damaged {
                    path: path.to_owned(),
                    message: "the last line is not a decision record with a `seq`".into(),
                })?;
            (seq + 1, Value::String(hash(&line)))
        }
    };
    let mut record = record;
    if let Value::Object(map) = &mut record {
        map.insert("seq".into(), Value::from(seq));
        map.insert("prev".into(), prev);
    }
    let mut line = text::json_line(record).into_bytes();
    let head = hash(&line);
    line.push(b'\n');
    file.write_all(&line).map_err(io("cannot append"))?;
    file.sync_data().map_err(io("cannot sync"))?;
    // Dropping the file releases the lock.
    Ok(Appended { seq, hash: head })
}

/// The end of a log file.
enum Tail {
    /// The last complete line, without its newline.
    Line(Vec<u8>),
    /// The file does not end with a newline.
    Torn,
}

/// The last line of `file`, read backwards from its end; `None` when empty.
fn last_line(file: &mut File) -> io::Result<Option<Tail>> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(None);
    }
    let mut end = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut end)?;
    if end != [b'\n'] {
        return Ok(Some(Tail::Torn));
    }
    // Find the newline before the last one.
    let body_end = len - 1;
    let mut start = body_end;
    let mut chunk = vec![0u8; 64 << 10];
    while start > 0 {
        let step = (start).min(chunk.len() as u64);
        let from = start - step;
        let buf = chunk.get_mut(..step as usize).unwrap_or_default();
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(buf)?;
        if let Some(at) = buf.iter().rposition(|b| *b == b'\n') {
            start = from + at as u64 + 1;
            break;
        }
        start = from;
        if body_end - start > MAX_LINE as u64 {
            return Err(io::Error::other("the last line is longer than 16 MiB"));
        }
    }
    let mut line = vec![0u8; (body_end - start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut line)?;
    Ok(Some(Tail::Line(line)))
}

/// SHA-256 of a line's bytes, `sha256:` and hex.
fn hash(line: &[u8]) -> String {
    let digest = Sha256::digest(line);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every line is a record chained to the one before.
    Intact {
        /// How many records.
        records: u64,
        /// The last line's hash, or `None` for an empty log.
        head: Option<String>,
        /// Whether the expected head (`--head`) is one of the lines.
        anchored: Option<bool>,
    },
    /// The first line that breaks the chain.
    Broken {
        /// Its line number.
        line: u64,
        /// What is wrong with it.
        why: String,
        /// How many lines from the first are known to be intact.
        intact: u64,
    },
}

/// Checks every line of the log at `path`; with `expected_head`, also that
/// a line with that hash is in it (so the log was not cut short after it).
pub fn verify(path: &Path, expected_head: Option<&str>) -> Result<Verdict, LogError> {
    let file = File::open(path).map_err(|source| LogError::Io {
        path: path.to_owned(),
        action: "cannot open",
        source,
    })?;
    verify_lines(BufReader::new(file), path, expected_head)
}

/// [`verify`] on a log already open; `path` only names it in errors.
pub fn verify_lines(
    mut reader: impl BufRead,
    path: &Path,
    expected_head: Option<&str>,
) -> Result<Verdict, LogError> {
    let mut prev: Option<String> = None;
    let mut seen_head = false;
    let mut number = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|source| LogError::Io {
                path: path.to_owned(),
                action: "cannot read",
                source,
            })?;
        if read == 0 {
            break;
        }
        number += 1;
        let broken = |why: String| Verdict::Broken {
            line: number,
            why,
            intact: number - 1,
        };
        let Some(body) = line.strip_suffix(b"\n") else {
            let why = if line.len() > MAX_LINE {
                "longer than 16 MiB".to_owned()
            } else {
                "incomplete: no newline at its end (a torn write, or a truncated file)".to_owned()
            };
            return Ok(broken(why));
        };
        let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(body) else {
            return Ok(broken("not a JSON object".into()));
        };
        if record.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
            return Ok(broken(format!("not a `{SCHEMA}` record")));
        }
        if record.get("seq").and_then(Value::as_u64) != Some(number) {
            return Ok(broken(format!(
                "its `seq` is not {number}: a line before it was removed or added, or lines were reordered"
            )));
        }
        let recorded = record.get("prev").cloned().unwrap_or(Value::Null);
        let expected = prev.clone().map_or(Value::Null, Value::String);
        if recorded != expected {
            // The line before may be the edited one: only those before it
            // are known to be intact.
            return Ok(Verdict::Broken {
                line: number,
                intact: number.saturating_sub(2),
                why: if number == 1 {
                    "its `prev` is not null: lines before it were removed".into()
                } else {
                    format!(
                        "its `prev` is not the hash of line {}: that line was edited, or lines were removed or reordered",
                        number - 1
                    )
                },
            });
        }
        let this = hash(body);
        if expected_head == Some(this.as_str()) {
            seen_head = true;
        }
        prev = Some(this);
    }
    Ok(Verdict::Intact {
        records: number,
        head: prev,
        anchored: expected_head.map(|_| seen_head),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(n: u32) -> Value {
        json!({ "schema": SCHEMA, "decision": "allow", "n": n })
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write(path: &Path, lines: &[String]) {
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::write(path, text).unwrap();
    }

    fn broken_at(path: &Path) -> u64 {
        match verify(path, None).unwrap() {
            Verdict::Broken { line, .. } => line,
            other => panic!("expected a broken chain, got {other:?}"),
        }
    }

    fn log_of(n: u32) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        for i in 1..=n {
            let appended = append(&path, record(i)).unwrap();
            assert_eq!(appended.seq, u64::from(i));
        }
        (dir, path)
    }

    #[test]
    fn an_intact_log_verifies_and_names_its_head() {
        let (_dir, path) = log_of(4);
        let last = lines(&path).pop().unwrap();
        let Verdict::Intact { records, head, .. } = verify(&path, None).unwrap() else {
            panic!("not intact")
        };
        assert_eq!(records, 4);
        assert_eq!(head.unwrap(), hash(last.as_bytes()));
    }

    #[test]
    fn an_edit_a_removal_a_reorder_and_an_insertion_are_each_caught_at_the_first_bad_line() {
        let (_dir, path) = log_of(5);
        let original = lines(&path);

        let mut edited = original.clone();
        edited[2] = edited[2].replace("\"allow\"", "\"deny\"");
        write(&path, &edited);
        assert_eq!(
            broken_at(&path),
            4,
            "an edit of line 3 breaks line 4's prev"
        );

        let mut removed = original.clone();
        removed.remove(1);
        write(&path, &removed);
        assert_eq!(broken_at(&path), 2);

        let mut reordered = original.clone();
        reordered.swap(1, 3);
        write(&path, &reordered);
        assert_eq!(broken_at(&path), 2);

        let mut inserted = original.clone();
        inserted.insert(2, original[1].clone());
        write(&path, &inserted);
        assert_eq!(broken_at(&path), 3);

        let mut first_gone = original.clone();
        first_gone.remove(0);
        write(&path, &first_gone);
        assert_eq!(broken_at(&path), 1);
    }

    #[test]
    fn a_cut_end_is_caught_by_the_kept_head() {
        let (_dir, path) = log_of(3);
        let Verdict::Intact { head, .. } = verify(&path, None).unwrap() else {
            panic!()
        };
        let head = head.unwrap();
        let mut cut = lines(&path);
        cut.pop();
        write(&path, &cut);
        assert!(matches!(
            verify(&path, Some(&head)).unwrap(),
            Verdict::Intact {
                anchored: Some(false),
                records: 2,
                ..
            }
        ));
    }

    #[test]
    fn a_torn_last_line_is_refused_for_appends_and_named_by_verify() {
        let (_dir, path) = log_of(2);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"schema\":\"stagegate.deci").unwrap();
        drop(file);
        assert!(matches!(
            append(&path, record(3)),
            Err(LogError::Damaged { .. })
        ));
        assert!(matches!(
            verify(&path, None).unwrap(),
            Verdict::Broken { line: 3, .. }
        ));
    }

    #[test]
    fn concurrent_appends_from_many_threads_make_one_intact_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        // Each open takes its own lock, as separate processes do.
                        append(&path, record(t * 100 + i)).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(matches!(
            verify(&path, None).unwrap(),
            Verdict::Intact { records: 200, .. }
        ));
    }

    #[test]
    fn a_secret_in_a_record_is_redacted_and_controls_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let token = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
        append(
            &path,
            json!({ "schema": SCHEMA, "m": format!("{token}\n\u{1b}[2J\u{2028}") }),
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(token), "{text}");
        assert_eq!(text.matches('\n').count(), 1);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{2028}'));
    }
}
