//! Parser for JUnit XML test reports, pure and host-independent.
//!
//! It reads one report with quick-xml, one event at a time, streamed through a
//! [`BufRead`] into one reused buffer or borrowed from the report held in
//! memory, and keeps only counters, a bounded set of failed
//! test names and a bounded list of findings. It never builds a tree of the
//! document, never expands entities, never fetches anything a DTD names and
//! never panics on hostile input: every problem is a [`ParseError`] that names
//! the file (and, for XML problems, the line). It must not call the SDK, so it
//! runs natively in tests and in the `native_parse` example.
//!
//! # What is counted
//!
//! The dialects of Maven Surefire, Gradle, pytest, jest-junit,
//! go-junit-report, cargo-nextest, ctest, Catch2 and PHPUnit differ in how
//! they nest suites and fill suite attributes, so the counts come from the
//! `<testcase>` elements, never from the `tests`/`failures` attributes of the
//! suites (jest-junit, for one, leaves `test.todo` cases out of `tests`).
//!
//! - The root element is `<testsuites>` or `<testsuite>` (namespace prefixes are
//!   ignored); suites nest to any depth, also inside other wrapper elements,
//!   and every `<testcase>` outside another test case is one test (anything
//!   nested inside a test case, another `<testcase>` included, only counts
//!   through the rules below). Empty reports count zero tests.
//! - A test case is **failed** when it has a `<failure>` child, else **errored**
//!   when it has an `<error>` child, else failed when its `status` attribute is
//!   `failed`, `failure`, `fail`, `error` or `errored` (ctest, Boost.Test), else
//!   **skipped** when it has a `<skipped>` child or a `status` of `disabled`,
//!   `skipped` or `notrun`, else **passed**. Skipped includes pytest's xfail.
//! - Several `<failure>` children count the case once; each `<failure>` and
//!   `<error>` becomes its own finding. A failed status without such a child
//!   gets one finding too.
//! - Maven Surefire reruns: a case whose only problems are `<flakyFailure>` or
//!   `<flakyError>` passed on a rerun: it counts as passed and as **flaky**.
//!   `<rerunFailure>`/`<rerunError>` next to a `<failure>`/`<error>` add
//!   nothing; alone, they make the case failed/errored.
//! - Retried cases that a runner repeats under the same name (pytest-rerunfailures,
//!   TestNG) are counted once per `<testcase>` element: three attempts are three
//!   tests.
//! - A `<failure>` or `<error>` directly inside a suite (a suite that failed to
//!   run) counts as one **errored** test named after the suite, with a finding
//!   (`junit/failure` or `junit/error` after the element).
//! - A suite with no test cases, no child suites and no such element whose
//!   `failures`/`errors` attributes are above zero (a crashed suite) counts that
//!   many failed/errored tests, named after the suite, with one finding per
//!   attribute: a report never looks green when its own attributes say red.
//! - Test names are `classname.name`, or `name` alone when the class name is
//!   empty or `name` already starts with it. Messages are the name plus the
//!   first non-blank line of the `message` attribute, else of the text, else the
//!   `type` attribute. A finding points at the `file`/`line` attributes of the
//!   failure element or else of the test case when present, and otherwise at the
//!   report and the line of the `<testcase>` start tag (lines are counted by
//!   `\n`, so a lone `\r` does not start a line).
//!
//! # Limits
//!
//! Elements may nest at most [`MAX_DEPTH`] levels. A `<!DOCTYPE>` that declares
//! entities is refused; only the five predefined entities and character
//! references are decoded, any other reference is an error. A file that ends
//! inside an element is an error, and so is a file without a root element (an
//! empty file included). Text that is not UTF-8 is decoded lossily.
//! Streamed ([`parse_report_with`]), memory is bounded by the largest single
//! tag or text node of the file plus the [`Limits`]; held whole
//! ([`parse_bytes_with`], the same rules and results), by the file itself.
//!
//! ```
//! use stagegate_plugin_junit::parse::parse_report;
//!
//! let xml = r#"<testsuite name="s"><testcase classname="a.B" name="c">
//!   <failure message="boom"/></testcase><testcase name="d"/></testsuite>"#;
//! let summary = parse_report(xml.as_bytes(), "reports/t.xml").unwrap();
//! assert_eq!((summary.total, summary.failed, summary.passed), (2, 1, 1));
//! assert_eq!(summary.findings[0].message, "a.B.c: boom");
//! ```

mod lines;
mod text;
mod walker;

use std::collections::BTreeSet;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

use lines::{LineCounter, SliceLines};
use walker::Walker;

/// Deepest element nesting accepted; deeper documents are refused.
pub const MAX_DEPTH: usize = 256;

/// Longest failed-test name kept in [`Summary::failed_tests`], in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest finding message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The file is not well-formed XML, or uses a feature that is refused.
    #[error("`{path}` is not valid XML at line {line}: {message}")]
    Xml {
        /// The artifact path.
        path: String,
        /// 1-based line where the problem starts.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The file is XML but its root element is not a JUnit one.
    #[error("`{path}` is not a JUnit report: root element is `{root}`")]
    NotJunit {
        /// The artifact path.
        path: String,
        /// The local name of the root element found.
        root: String,
    },
    /// The file could not be read.
    #[error("cannot read `{path}`: {message}")]
    Io {
        /// The artifact path.
        path: String,
        /// The I/O error.
        message: String,
    },
}

/// Bounds on what one parse keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Findings kept; the rest are counted in [`Summary::findings_dropped`].
    pub max_findings: usize,
    /// Names kept in [`Summary::failed_tests`].
    pub max_failed_names: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_findings: 1000,
            max_failed_names: 100,
        }
    }
}

/// What a finding reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueKind {
    /// A `<failure>` (or a failed status): the test ran and an assertion failed.
    Failure,
    /// An `<error>`: the test (or its suite) could not run to completion.
    Error,
}

/// One failure or error, located in the test source when the report says
/// where, else in the report itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFinding {
    /// Failure or error.
    pub kind: IssueKind,
    /// Test name and first line of the message, at most [`MAX_MESSAGE_CHARS`].
    pub message: String,
    /// The source file the report names, or the report's own path.
    pub path: String,
    /// 1-based line in `path`, when known.
    pub line: Option<u64>,
}

/// The counts of one or more reports (see the module docs for the rules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Tests counted: passed + failed + errored + skipped.
    pub total: u64,
    /// Tests that passed (including flaky ones).
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests that errored.
    pub errored: u64,
    /// Tests that were skipped or disabled.
    pub skipped: u64,
    /// Passed tests that failed first and passed on a rerun.
    pub flaky: u64,
    /// Names of failed or errored tests, at most [`Limits::max_failed_names`].
    pub failed_tests: BTreeSet<String>,
    /// Findings, at most [`Limits::max_findings`].
    pub findings: Vec<TestFinding>,
    /// Findings left out because of [`Limits::max_findings`].
    pub findings_dropped: u64,
}

/// Parses one report with the default [`Limits`]; `path` names it in errors
/// and findings.
pub fn parse_report(reader: impl BufRead, path: &str) -> Result<Summary, ParseError> {
    parse_report_with(reader, path, Limits::default())
}

/// Parses one report, streamed from `input`, keeping at most what `limits`
/// allow.
pub fn parse_report_with(
    mut input: impl BufRead,
    path: &str,
    limits: Limits,
) -> Result<Summary, ParseError> {
    // quick-xml would skip a byte-order mark without counting it in its
    // positions; skipping it first keeps positions and line counts aligned.
    if input
        .fill_buf()
        .map_err(|e| io_error(path, &e))?
        .starts_with(UTF8_MARK)
    {
        input.consume(UTF8_MARK.len());
    }
    let mut reader = Reader::from_reader(LineCounter::new(input));
    configure(&mut reader);
    walk(
        Streamed {
            reader,
            buf: Vec::with_capacity(16 * 1024),
        },
        path,
        limits,
    )
}

/// Parses one report held whole in memory, with the same rules, results and
/// errors as [`parse_report_with`] on the same bytes. Events are borrowed from
/// `data` instead of copied out of a stream, which makes it the faster path
/// for a report that fits in memory.
pub fn parse_bytes_with(data: &[u8], path: &str, limits: Limits) -> Result<Summary, ParseError> {
    let data = data.strip_prefix(UTF8_MARK).unwrap_or(data);
    let mut reader = Reader::from_reader(data);
    configure(&mut reader);
    walk(
        Sliced {
            reader,
            lines: SliceLines::new(data),
        },
        path,
        limits,
    )
}

/// The UTF-8 byte-order mark.
const UTF8_MARK: &[u8] = b"\xEF\xBB\xBF";

fn io_error(path: &str, e: &std::io::Error) -> ParseError {
    ParseError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

fn configure<R>(reader: &mut Reader<R>) {
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = false;
}

/// Where the parse reads its events from, and the lines of their positions.
trait Source {
    /// Bytes of the report read so far: where the next event starts.
    fn position(&self) -> u64;
    /// Remembers `start`, where the next event starts, and returns its line.
    fn mark(&mut self, start: u64) -> u64;
    /// The next event.
    fn next(&mut self) -> quick_xml::Result<Event<'_>>;
    /// The line of the last error's position, or of `start` if that is later.
    fn error_line(&mut self, start: u64) -> u64;
    /// The line the reading has reached.
    fn current_line(&mut self) -> u64;
}

/// A report streamed through a [`BufRead`], each event copied into `buf`.
struct Streamed<R> {
    reader: Reader<LineCounter<R>>,
    buf: Vec<u8>,
}

impl<R: BufRead> Source for Streamed<R> {
    fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn mark(&mut self, start: u64) -> u64 {
        self.reader.get_mut().mark(start);
        self.reader.get_ref().marked_line()
    }

    fn next(&mut self) -> quick_xml::Result<Event<'_>> {
        if self.buf.capacity() > 1 << 20 {
            self.buf = Vec::with_capacity(16 * 1024);
        }
        self.buf.clear();
        self.reader.read_event_into(&mut self.buf)
    }

    fn error_line(&mut self, start: u64) -> u64 {
        let at = self.reader.error_position().max(start);
        self.reader.get_ref().line_at(at)
    }

    fn current_line(&mut self) -> u64 {
        self.reader.get_ref().current_line()
    }
}

/// A report held in memory, its events borrowed from it.
struct Sliced<'a> {
    reader: Reader<&'a [u8]>,
    lines: SliceLines<'a>,
}

impl Sliced<'_> {
    /// Bytes the reader has consumed.
    fn consumed(&self) -> u64 {
        self.lines
            .len()
            .saturating_sub(self.reader.get_ref().len() as u64)
    }
}

impl Source for Sliced<'_> {
    fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn mark(&mut self, start: u64) -> u64 {
        let consumed = self.consumed();
        self.lines.mark(start, consumed)
    }

    fn next(&mut self) -> quick_xml::Result<Event<'_>> {
        self.reader.read_event()
    }

    fn error_line(&mut self, start: u64) -> u64 {
        let at = self.reader.error_position().max(start);
        let consumed = self.consumed();
        self.lines.line_at(at, consumed)
    }

    fn current_line(&mut self) -> u64 {
        let consumed = self.consumed();
        self.lines.current_line(consumed)
    }
}

/// Reads every event of `source` through the counting rules.
fn walk(mut source: impl Source, path: &str, limits: Limits) -> Result<Summary, ParseError> {
    let mut walker = Walker::new(path, limits);
    loop {
        let start = source.position();
        let line = source.mark(start);
        let event = match source.next() {
            Ok(event) => event,
            Err(quick_xml::Error::Io(e)) => return Err(io_error(path, &e)),
            Err(e) => {
                let line = source.error_line(start);
                return Err(walker.xml_error(line, walker::describe(&e)));
            }
        };
        match event {
            Event::Start(e) => walker.start(&e, line, false)?,
            Event::Empty(e) => walker.start(&e, line, true)?,
            Event::End(_) => walker.end(line)?,
            Event::Text(e) => walker.text(&e, line)?,
            Event::CData(e) => walker.cdata(&e, line)?,
            Event::GeneralRef(e) => walker.reference(&e, line)?,
            Event::DocType(e) => walker.doctype(&e, line)?,
            Event::Decl(e) => walker.declaration(&e, line)?,
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                let line = source.current_line();
                return walker.finish(line, start == 0);
            }
        }
    }
}
