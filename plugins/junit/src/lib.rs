//! The `junit` built-in plugin: test results from JUnit XML reports.
//!
//! This file is thin glue between the host and the pure parser in [`parse`]:
//! it declares what the plugin reads and reports, reads its configuration,
//! passes each artifact to the parser (held whole up to
//! [`WHOLE_REPORT_BYTES`], else streamed) and turns the totals into facts
//! and findings. It must not interpret XML itself; the counting rules are
//! documented (and tested) in [`parse`].
//!
//! Facts appear in policies at `context.junit.<fact>`; every fact is present on
//! every evaluation, with zero values when no report was read. `inputs`
//! counts only reports in which a test ran, so required test evidence cannot
//! be met by a report of skipped tests.
//!
//! Configuration (a JSON object, unknown keys are errors):
//!
//! | key | type | default | meaning |
//! |---|---|---|---|
//! | `max_failed_names` | integer, 0..=1000 | 100 | names kept in `failed_tests` |

pub mod parse;

use std::io::{self, BufRead, Read};

use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};

use parse::{IssueKind, Limits, Summary, parse_bytes_with, parse_report_with};

/// Findings returned per evaluation at most; the rest are counted in the
/// `findings_dropped` fact.
pub const MAX_FINDINGS: usize = 1000;

/// The largest accepted `max_failed_names`.
pub const MAX_FAILED_NAMES: usize = 1000;

/// The plugin.
pub struct Junit;

/// The plugin's configuration.
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Names kept in `failed_tests`.
    #[serde(default = "default_max_failed_names")]
    max_failed_names: usize,
}

fn default_max_failed_names() -> usize {
    Limits::default().max_failed_names
}

fn parse_config(text: &str) -> Result<Config, String> {
    let invalid = |e: serde_json::Error| format!("invalid `junit` configuration: {e}");
    let value: serde_json::Value = serde_json::from_str(text).map_err(invalid)?;
    if !value.is_object() {
        return Err("invalid `junit` configuration: it must be a JSON object".into());
    }
    let config = Config::deserialize(value).map_err(invalid)?;
    if config.max_failed_names > MAX_FAILED_NAMES {
        return Err(format!(
            "invalid `junit` configuration: `max_failed_names` is {}, at most {MAX_FAILED_NAMES} is allowed",
            config.max_failed_names
        ));
    }
    Ok(config)
}

/// Reports up to this size are read whole and parsed in memory, the faster
/// way; larger ones are streamed, in memory bounded by their largest tag or
/// text node. A transcoded UTF-16 report may take up to 1.5 times its size.
pub const WHOLE_REPORT_BYTES: u64 = 32 * 1024 * 1024;

/// One report to parse: held whole in memory, or streamed from a reader.
#[derive(Debug)]
pub enum Report<R> {
    /// The report's bytes (UTF-8).
    Bytes(Vec<u8>),
    /// A reader yielding the report as UTF-8.
    Reader(R),
}

/// Opens `reader`, a report of `size` bytes: read whole when it is at most
/// [`WHOLE_REPORT_BYTES`], else left to stream.
pub fn open_report<R: BufRead>(mut reader: R, size: u64) -> io::Result<Report<R>> {
    if size > WHOLE_REPORT_BYTES {
        return Ok(Report::Reader(reader));
    }
    // One byte more than the size, so reading the end needs no new allocation.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    reader
        .by_ref()
        .take(WHOLE_REPORT_BYTES * 2)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 >= WHOLE_REPORT_BYTES * 2 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it grew past {} bytes while being read",
                WHOLE_REPORT_BYTES * 2
            ),
        ));
    }
    Ok(Report::Bytes(bytes))
}

/// Parses every report and combines the results; `reports` yields each
/// artifact's path with its opened reader.
pub fn evaluate_reports<R, I>(reports: I, config: &str) -> Result<Evaluation, String>
where
    R: BufRead,
    I: IntoIterator<Item = (String, io::Result<R>)>,
{
    let reports = reports
        .into_iter()
        .map(|(path, reader)| (path, reader.map(Report::Reader)));
    evaluate_opened(reports, config)
}

/// [`evaluate_reports`] for reports that may be held whole ([`open_report`]).
pub fn evaluate_opened<R, I>(reports: I, config: &str) -> Result<Evaluation, String>
where
    R: BufRead,
    I: IntoIterator<Item = (String, io::Result<Report<R>>)>,
{
    let config = parse_config(config)?;
    let mut inputs = 0u64;
    let mut all = Summary::default();
    for (path, reader) in reports {
        let reader = reader.map_err(|e| format!("cannot read `{path}`: {e}"))?;
        let limits = Limits {
            max_findings: MAX_FINDINGS.saturating_sub(all.findings.len()),
            max_failed_names: config
                .max_failed_names
                .saturating_sub(all.failed_tests.len()),
        };
        let one = match reader {
            Report::Bytes(bytes) => parse_bytes_with(&bytes, &path, limits),
            Report::Reader(reader) => parse_report_with(reader, &path, limits),
        }
        .map_err(|e| e.to_string())?;
        // Evidence means a test ran: a report with no test case, or whose
        // every test was skipped, measured nothing.
        if measured(&one) {
            inputs += 1;
        }
        merge(&mut all, one);
    }
    Ok(into_evaluation(inputs, all))
}

/// Whether a report shows at least one test that ran (passed, failed or errored).
fn measured(summary: &Summary) -> bool {
    summary
        .passed
        .saturating_add(summary.failed)
        .saturating_add(summary.errored)
        > 0
}

fn merge(all: &mut Summary, one: Summary) {
    let add = |a: &mut u64, b: u64| *a = a.saturating_add(b);
    add(&mut all.total, one.total);
    add(&mut all.passed, one.passed);
    add(&mut all.failed, one.failed);
    add(&mut all.errored, one.errored);
    add(&mut all.skipped, one.skipped);
    add(&mut all.flaky, one.flaky);
    add(&mut all.findings_dropped, one.findings_dropped);
    all.failed_tests.extend(one.failed_tests);
    all.findings.extend(one.findings);
}

fn into_evaluation(inputs: u64, all: Summary) -> Evaluation {
    let findings = all
        .findings
        .into_iter()
        .map(|f| {
            let line = f.line.and_then(|l| usize::try_from(l).ok()).unwrap_or(0);
            Finding::new(rule(f.kind), Severity::High, f.message).at(&f.path, line)
        })
        .collect();
    Facts::new()
        .long("inputs", inputs)
        .long("total", all.total)
        .long("passed", all.passed)
        .long("failed", all.failed)
        .long("errored", all.errored)
        .long("skipped", all.skipped)
        .long("flaky", all.flaky)
        .text_set("failed_tests", all.failed_tests)
        .long("findings_dropped", all.findings_dropped)
        .with_findings(findings)
}

/// The rule id of a kind of finding.
fn rule(kind: IssueKind) -> &'static str {
    match kind {
        IssueKind::Failure => "junit/failure",
        IssueKind::Error => "junit/error",
    }
}

impl Plugin for Junit {
    fn describe() -> Metadata {
        Metadata {
            name: "junit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "test results from JUnit XML reports (Surefire, Gradle, pytest, jest, \
                          go-junit-report, nextest, ctest, Catch2, PHPUnit)"
                .into(),
            reads: vec![ArtifactKind {
                name: "junit-xml".into(),
                matchers: vec![
                    Matcher::XmlRoot("testsuites".into()),
                    Matcher::XmlRoot("testsuite".into()),
                ],
            }],
            facts: vec![
                FactSpec::long(
                    "inputs",
                    "JUnit XML reports in which at least one test ran (passed, failed or errored); \
                     a report of only skipped tests, or of none, is not evidence",
                ),
                FactSpec::long("total", "test cases: passed + failed + errored + skipped"),
                FactSpec::long("passed", "test cases that passed, flaky ones included"),
                FactSpec::long("failed", "test cases with a failure (or a failed status)"),
                FactSpec::long(
                    "errored",
                    "test cases with an error, plus suites that failed to run",
                ),
                FactSpec::long(
                    "skipped",
                    "test cases skipped or disabled (pytest xfail included)",
                ),
                FactSpec::long("flaky", "test cases that passed only on a rerun (Surefire)"),
                FactSpec::text_set(
                    "failed_tests",
                    "names (classname.name) of failed or errored tests: at most \
                     max_failed_names (default 100), each at most 200 characters",
                ),
                FactSpec::long(
                    "findings_dropped",
                    "failures and errors not returned as findings past the cap of 1000",
                ),
            ],
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let reports = artifacts.iter().map(|a| {
            let report = a.text_reader().and_then(|r| open_report(r, a.size));
            (a.path.clone(), report)
        });
        evaluate_opened(reports, &config)
    }
}

stagegate_sdk::export!(Junit);

#[cfg(test)]
mod tests;
