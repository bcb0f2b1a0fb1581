//! Scanning files: windows in, counted hits out.
//!
//! A [`Scanner`] holds the compiled rules and the configuration for one
//! evaluation. For every file it reads bounded windows of lines, decodes them
//! lossily (invalid UTF-8 becomes U+FFFD and scanning goes on), runs the
//! detectors over the whole window, maps each match to its line, and then:
//! keeps one hit per value and line when several rules match the same value or
//! overlapping text (the most specific rule wins), follows private-key blocks
//! over lines, and pairs AWS key ids with secret keys. Hits are counted into a
//! [`Report`] as soon as they are final. The scanner never prints, and never
//! keeps a matched value past fingerprinting.

use crate::aws::Pairing;
use crate::config::Config;
use crate::detect::{Role, Spot, detect, is_aws_secret_shaped};
use crate::hit::{Hit, Kind};
use crate::keyblock::{Fed, KeyBlock};
use crate::rules::Rules;
use crate::tally::Report;
use crate::value::fingerprint;
use crate::window::{LineIndex, LineWindows, Window};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, BufRead};
use std::ops::Range;

/// Distinct values remembered per window for deduplication; past this, further
/// hits are counted without deduplication.
pub const MAX_VALUES_PER_WINDOW: usize = 65_536;

/// Why a scan could not finish.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// A built-in pattern failed to compile (a defect of this plugin).
    #[error("internal error: a built-in detection pattern does not compile: {0}")]
    Rules(#[from] regex::Error),
    /// The file could not be read to its end.
    #[error("`{path}` could not be read: {source}")]
    Read {
        /// Bundle-relative path.
        path: String,
        /// What the reader reported.
        source: io::Error,
    },
}

/// Scans files and counts what it finds.
///
/// ```
/// use stagegate_plugin_secrets::{config::Config, scanner::Scanner};
///
/// let mut scanner = Scanner::new(Config::default()).unwrap();
/// let file = "deploy:\n  token: ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6\n";
/// scanner.scan("ci/deploy.yml", file.as_bytes()).unwrap();
/// let report = scanner.finish();
/// assert_eq!((report.inputs, report.leaks, report.github_tokens), (1, 1, 1));
/// assert_eq!(report.findings[0].line, 2);
/// assert!(!report.findings[0].message().contains("ghp_aB3d"));
/// ```
#[derive(Debug)]
pub struct Scanner {
    rules: Rules,
    sink: Sink,
}

/// Where final hits go.
#[derive(Debug)]
struct Sink {
    allow: BTreeSet<String>,
    report: Report,
    /// Fingerprints found in the current file (bounded), so that a second view of
    /// it ([`Scanner::scan_again`]) does not count them twice.
    this_file: HashSet<String>,
    /// The current scan is a second view of the file.
    again: bool,
    /// Every value a hit was made from, kept in test builds only.
    #[cfg(test)]
    seen_values: Vec<String>,
}

impl Sink {
    fn record(&mut self, path: &str, hits: &mut Vec<Hit>) {
        for hit in hits.drain(..) {
            if self.again {
                if self.this_file.contains(&hit.fingerprint) {
                    continue;
                }
            } else if self.this_file.len() < MAX_VALUES_PER_WINDOW {
                self.this_file.insert(hit.fingerprint.clone());
            }
            #[cfg(test)]
            self.seen_values.push(hit.value.clone());
            let allowed = self.allow.contains(&hit.fingerprint);
            self.report.add(path, hit, allowed);
        }
    }
}

/// The state of the file being scanned.
struct FileScan<'r> {
    rules: &'r Rules,
    pairing: Pairing,
    block: Option<KeyBlock>,
    /// (line, fingerprint) of the values reported in the current window.
    seen: HashSet<(u64, String)>,
    index: LineIndex,
    out: Vec<Hit>,
}

impl Scanner {
    /// A scanner with the built-in rules and `config`.
    ///
    /// # Errors
    /// Only if a built-in pattern does not compile.
    pub fn new(config: Config) -> Result<Self, ScanError> {
        Ok(Self {
            rules: Rules::new()?,
            sink: Sink {
                allow: config.allow_fingerprints,
                report: Report::default(),
                this_file: HashSet::new(),
                again: false,
                #[cfg(test)]
                seen_values: Vec::new(),
            },
        })
    }

    /// Scans one file, `path` being its bundle-relative path for findings.
    ///
    /// # Errors
    /// When the reader fails before the end of the file.
    pub fn scan<R: BufRead>(&mut self, path: &str, reader: R) -> Result<(), ScanError> {
        self.sink.report.inputs += 1;
        self.sink.this_file.clear();
        self.sink.again = false;
        self.scan_view(path, reader)
    }

    /// Scans another view of the file last given to [`Scanner::scan`] (its raw bytes, when
    /// that scan read a transcoding): no input is counted, and a credential already found
    /// in the file is not counted again.
    ///
    /// # Errors
    /// When the reader fails before the end of the file.
    pub fn scan_again<R: BufRead>(&mut self, path: &str, reader: R) -> Result<(), ScanError> {
        self.sink.again = true;
        let scanned = self.scan_view(path, reader);
        self.sink.again = false;
        scanned
    }

    fn scan_view<R: BufRead>(&mut self, path: &str, reader: R) -> Result<(), ScanError> {
        let first_finding = self.sink.report.findings.len();
        let mut file = FileScan {
            rules: &self.rules,
            pairing: Pairing::default(),
            block: None,
            seen: HashSet::new(),
            index: LineIndex::default(),
            out: Vec::new(),
        };
        let mut windows = LineWindows::new(reader);
        loop {
            let window = windows.next_window().map_err(|source| ScanError::Read {
                path: path.to_owned(),
                source,
            })?;
            let Some(window) = window else { break };
            // Valid UTF-8 (the common case) is checked by the fast validator;
            // only invalid windows pay for the lossy decoder.
            let text = match std::str::from_utf8(window.bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) => String::from_utf8_lossy(window.bytes),
            };
            file.window(&window, &text);
            self.sink.record(path, &mut file.out);
        }
        if let Some(block) = file.block.take() {
            file.out.extend(block.close());
        }
        file.pairing.finish(&mut file.out);
        self.sink.record(path, &mut file.out);
        self.sink.report.sort_findings_from(first_finding);
        Ok(())
    }

    /// The counts and findings of everything scanned.
    pub fn finish(self) -> Report {
        self.sink.report
    }

    /// Every value a hit was made from (test builds only).
    #[cfg(test)]
    pub fn seen_values(&self) -> &[String] {
        &self.sink.seen_values
    }
}

impl FileScan<'_> {
    fn window(&mut self, window: &Window<'_>, text: &str) {
        self.index.reset(text, window.line, window.continues);
        self.pairing.begin_window(window.line, &mut self.out);
        if window.continues {
            self.seen.retain(|(line, _)| *line == window.line);
        } else {
            self.seen.clear();
        }
        let spots = detect(self.rules, text, window.ends_line);
        let starts: Vec<(u64, String)> = spots
            .iter()
            .filter(|s| s.role == Role::KeyBlockStart)
            .map(|s| (self.index.line_of(s.span.start), s.detail.clone()))
            .collect();
        if self.block.is_some() || !starts.is_empty() {
            self.follow_key_blocks(text, window.ends_line, starts);
        }
        let id_lines = self.route(text, spots);
        self.pairing
            .window(self.rules, text, &self.index, &id_lines);
    }

    /// Walks the window's lines in order, feeding the open key block and
    /// opening blocks at headers that end their line.
    fn follow_key_blocks(&mut self, text: &str, ends_line: bool, starts: Vec<(u64, String)>) {
        let mut starts = starts.into_iter().peekable();
        for line in self.index.first()..=self.index.last() {
            let Some(span) = self.index.span(line) else {
                break;
            };
            let whole = self.index.starts_here(line) && (line < self.index.last() || ends_line);
            if let Some(block) = self.block.take() {
                if block.line() < line {
                    match block.feed(text.get(span).unwrap_or_default(), whole) {
                        Fed::Open(block) => self.block = Some(block),
                        Fed::Closed(hit) => self.out.extend(hit),
                    }
                } else {
                    self.block = Some(block);
                }
            }
            while let Some((_, detail)) = starts.next_if(|(l, _)| *l == line) {
                if self.block.is_none() {
                    self.block = Some(KeyBlock::start(line, detail));
                }
            }
            if self.block.is_none() && starts.peek().is_none() {
                break;
            }
        }
    }

    /// Deduplicates the spots of one window and sends each where it belongs;
    /// returns the lines of the AWS key ids found. Lookups are sorted or hashed,
    /// so a window crowded with matches costs O(n log n), not O(n²).
    fn route(&mut self, text: &str, spots: Vec<Spot>) -> Vec<u64> {
        let (generic, specific): (Vec<Spot>, Vec<Spot>) =
            spots.into_iter().partition(|s| s.role == Role::Generic);
        let mut taken: Vec<Range<usize>> = Vec::new();
        // (line, fingerprint) of AWS secret assignments -> (real, generic fallback).
        let mut assigned: HashMap<(u64, String), (bool, Option<Hit>)> = HashMap::new();
        let mut id_lines = Vec::new();
        for spot in specific {
            if spot.role == Role::KeyBlockStart {
                continue;
            }
            let line = self.index.line_of(spot.span.start);
            let value = match &spot.canonical {
                Some(canonical) => canonical.as_str(),
                None => text.get(spot.span.clone()).unwrap_or_default(),
            };
            let fp = fingerprint(value);
            if spot.role == Role::AwsAssigned {
                assigned.entry((line, fp)).or_insert((!spot.example, None));
                continue;
            }
            if !self.first_time(line, &fp) {
                continue;
            }
            taken.push(spot.span.clone());
            let kind = match spot.role {
                Role::AwsKeyId => Kind::AwsKeyId,
                Role::Token(kind) => kind,
                Role::AwsAssigned | Role::Generic | Role::KeyBlockStart => continue,
            };
            let hit = Hit::new(kind, line, value, spot.example, &spot.detail);
            if kind == Kind::AwsKeyId {
                id_lines.push(line);
                self.pairing.id(hit);
            } else {
                self.out.push(hit);
            }
        }
        let taken = Taken::new(taken);
        for spot in generic {
            if taken.overlaps(&spot.span) {
                continue;
            }
            let line = self.index.line_of(spot.span.start);
            let value = text.get(spot.span.clone()).unwrap_or_default();
            let hit = Hit::new(Kind::GenericSecret, line, value, spot.example, &spot.detail);
            if let Some((_, fallback @ None)) = assigned.get_mut(&(line, hit.fingerprint.clone())) {
                *fallback = Some(hit);
            } else if !self.first_time(line, &hit.fingerprint) {
                continue;
            } else if is_aws_secret_shaped(value) {
                self.pairing.hold(hit, &mut self.out);
            } else {
                self.out.push(hit);
            }
        }
        let mut assigned: Vec<_> = assigned.into_iter().collect();
        assigned.sort_by(|a, b| a.0.cmp(&b.0));
        for ((line, fp), (real, fallback)) in assigned {
            if self.first_time(line, &fp) {
                self.pairing.assigned(real, fallback, &mut self.out);
            }
        }
        id_lines
    }

    /// Remembers a value for its line; false when it was already reported there.
    fn first_time(&mut self, line: u64, fp: &str) -> bool {
        if self.seen.len() >= MAX_VALUES_PER_WINDOW {
            return true;
        }
        self.seen.insert((line, fp.to_owned()))
    }
}

/// Byte ranges claimed by specific rules in one window, for overlap checks.
struct Taken {
    /// Sorted by start.
    spans: Vec<Range<usize>>,
    /// `max_end[i]`: the largest end among `spans[..=i]`.
    max_end: Vec<usize>,
}

impl Taken {
    fn new(mut spans: Vec<Range<usize>>) -> Self {
        spans.sort_unstable_by_key(|s| s.start);
        let max_end = spans
            .iter()
            .scan(0, |max, s| {
                *max = s.end.max(*max);
                Some(*max)
            })
            .collect();
        Self { spans, max_end }
    }

    /// Some claimed range shares a byte with `span`.
    fn overlaps(&self, span: &Range<usize>) -> bool {
        let starting_before_end = self.spans.partition_point(|s| s.start < span.end);
        starting_before_end
            .checked_sub(1)
            .and_then(|last| self.max_end.get(last))
            .is_some_and(|end| *end > span.start)
    }
}

#[cfg(test)]
mod tests {
    use super::Taken;

    #[test]
    fn taken_spans_detect_overlaps() {
        let taken = Taken::new(vec![10..20, 0..5, 12..40]);
        assert!(taken.overlaps(&(4..6)));
        assert!(taken.overlaps(&(39..50)));
        assert!(!taken.overlaps(&(5..10)));
        assert!(!taken.overlaps(&(40..45)));
        assert!(!Taken::new(Vec::new()).overlaps(&(0..1)));
    }
}
