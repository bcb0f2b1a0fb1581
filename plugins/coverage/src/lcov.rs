//! LCOV tracefiles (`lcov`, `genhtml`, coverage.py, istanbul/nyc, coverlet, c8, grcov…).
//!
//! A tracefile is a sequence of records, one per source file: `SF:<path>`, then `DA:<line>,
//! <hits>[,<checksum>]`, `BRDA:<line>,<block>,<branch>,<taken|->`, the summaries `LF/LH/BRF/BRH`,
//! and `end_of_record`. Lines come from `DA:` records (a line repeated in one record, as
//! coverlet writes for a getter/setter pair, counts once: covered if any repeat ran), branches
//! from `BRDA:` (one per distinct block/branch id). `LF/LH` and `BRF/BRH` are used only for a
//! record without `DA:` or `BRDA:` records. Unknown record types (`TN`, `FN*`, `VER`, newer
//! additions) are skipped. A file whose last record has no `end_of_record` is reported as
//! truncated: dropping its tail could hide uncovered lines. Lines are read with a length cap.

use std::collections::BTreeMap;
use std::io::BufRead;

use crate::bounded::{Bounded, TOKEN_LIMIT};
use crate::error::{ParseError, shorten};
use crate::model::{Counts, Coverage};

/// One `SF:` record being read.
#[derive(Debug, Default)]
struct Record {
    path: String,
    lines: BTreeMap<u32, bool>,
    branches: BTreeMap<(u32, String), bool>,
    lines_found: u64,
    lines_hit: u64,
    branches_found: u64,
    branches_hit: u64,
}

/// Reads an LCOV tracefile from `input`; `path` names it in errors.
pub fn parse_lcov<R: BufRead>(input: R, path: &str) -> Result<Coverage, ParseError> {
    let mut reader = Bounded::new(input, TOKEN_LIMIT);
    let mut coverage = Coverage::default();
    let mut record: Option<Record> = None;
    let mut raw = Vec::new();
    let mut number = 0u64;
    loop {
        raw.clear();
        reader.mark();
        let read = reader.read_until(b'\n', &mut raw).map_err(|source| {
            if reader.overflowed() {
                ParseError::TokenTooLarge {
                    path: path.to_owned(),
                    line: reader.line_at_mark(),
                    limit: reader.limit(),
                }
            } else {
                ParseError::Io {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = String::from_utf8_lossy(&raw);
        let text = text.trim_start_matches('\u{feff}').trim();
        let error = |message: String| ParseError::Lcov {
            path: path.to_owned(),
            line: number,
            message,
        };
        if text.is_empty() {
            continue;
        }
        if text == "end_of_record" {
            if let Some(done) = record.take() {
                flush(&mut coverage, done);
            }
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            return Err(error(format!(
                "expected `KEY:value` or `end_of_record`, found `{}`",
                shorten(text, 40)
            )));
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(error(format!(
                "`{}` is not an LCOV record",
                shorten(text, 40)
            )));
        }
        if key == "SF" {
            if let Some(done) = record.take() {
                flush(&mut coverage, done);
            }
            record = Some(Record {
                path: value.to_owned(),
                ..Record::default()
            });
            continue;
        }
        if !matches!(key, "DA" | "BRDA" | "LF" | "LH" | "BRF" | "BRH") {
            continue;
        }
        let Some(current) = record.as_mut() else {
            return Err(error(format!("`{key}:` record before any `SF:` record")));
        };
        apply(current, key, value).map_err(error)?;
    }
    if let Some(open) = record {
        return Err(ParseError::Lcov {
            path: path.to_owned(),
            line: number,
            message: format!(
                "the record for `{}` has no `end_of_record` (truncated file?)",
                shorten(&open.path, 120)
            ),
        });
    }
    Ok(coverage)
}

fn apply(record: &mut Record, key: &str, value: &str) -> Result<(), String> {
    match key {
        "DA" => {
            let mut fields = value.split(',');
            let line = line_number(fields.next().unwrap_or_default(), key)?;
            let hits = fields.next().unwrap_or_default().trim();
            let hits: i128 = hits
                .parse()
                .map_err(|_| format!("`DA:` hit count `{}` is not a number", shorten(hits, 20)))?;
            *record.lines.entry(line).or_default() |= hits > 0;
        }
        "BRDA" => {
            let (line, rest) = value
                .split_once(',')
                .ok_or_else(|| "`BRDA:` needs line,block,branch,taken".to_owned())?;
            let (id, taken) = rest
                .rsplit_once(',')
                .ok_or_else(|| "`BRDA:` needs line,block,branch,taken".to_owned())?;
            let line = line_number(line, key)?;
            let taken = taken.trim();
            let hit = if taken == "-" {
                false
            } else {
                taken.parse::<i128>().map_err(|_| {
                    format!(
                        "`BRDA:` taken count `{}` is not a number",
                        shorten(taken, 20)
                    )
                })? > 0
            };
            let slot = record.branches.entry((line, id.to_owned())).or_default();
            *slot |= hit;
        }
        _ => {
            let count: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{key}:` value `{}` is not a count", shorten(value, 20)))?;
            let slot = match key {
                "LF" => &mut record.lines_found,
                "LH" => &mut record.lines_hit,
                "BRF" => &mut record.branches_found,
                _ => &mut record.branches_hit,
            };
            *slot = slot.saturating_add(count);
        }
    }
    Ok(())
}

fn line_number(text: &str, key: &str) -> Result<u32, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{key}:` line `{}` is not a line number", shorten(text, 20)))
}

fn flush(coverage: &mut Coverage, record: Record) {
    let file = coverage.file_mut(&record.path);
    if record.lines.is_empty() {
        file.line_summary
            .add(Counts::new(record.lines_found, record.lines_hit));
    }
    for (line, covered) in record.lines {
        file.add_line(line, covered);
    }
    if record.branches.is_empty() {
        file.branch_summary
            .add(Counts::new(record.branches_found, record.branches_hit));
        return;
    }
    let mut per_line: BTreeMap<u32, Counts> = BTreeMap::new();
    for ((line, _), hit) in record.branches {
        per_line
            .entry(line)
            .or_default()
            .add(Counts::new(1, u64::from(hit)));
    }
    for (line, counts) in per_line {
        file.add_branches(line, counts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Coverage, ParseError> {
        parse_lcov(text.as_bytes(), "t.lcov")
    }

    #[test]
    fn records_and_summaries() {
        let coverage = parse(
            "TN:\nSF:a.c\nDA:1,1\nDA:2,0\nDA:2,3\nBRDA:1,0,0,-\nBRDA:1,0,1,2\nLF:3\nLH:1\nend_of_record\n\
             SF:b.c\nLF:10\nLH:4\nBRF:2\nBRH:1\nend_of_record\n",
        )
        .unwrap();
        let a = &coverage.files["a.c"];
        assert_eq!(a.line_counts(), Counts::new(2, 2));
        assert_eq!(a.branch_counts(), Counts::new(2, 1));
        let b = &coverage.files["b.c"];
        assert_eq!(b.line_counts(), Counts::new(10, 4));
        assert_eq!(b.branch_counts(), Counts::new(2, 1));
    }

    #[test]
    fn errors_name_file_and_line() {
        let error = parse("SF:a.c\nDA:x,1\nend_of_record\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`t.lcov` is not a valid LCOV tracefile at line 2: `DA:` line `x` is not a line number"
        );
        let error = parse("DA:1,1\n").unwrap_err();
        assert!(error.to_string().contains("before any `SF:`"), "{error}");
        let error = parse("SF:a.c\nDA:1,1\n").unwrap_err();
        assert!(error.to_string().contains("truncated"), "{error}");
        let error = parse("{\"not\": \"lcov\"}\n").unwrap_err();
        assert!(error.to_string().contains("at line 1"), "{error}");
    }

    #[test]
    fn empty_tracefile_has_no_files() {
        assert_eq!(parse("").unwrap(), Coverage::default());
        assert_eq!(parse("TN:\n\n").unwrap(), Coverage::default());
    }
}
