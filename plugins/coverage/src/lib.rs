//! stagegate built-in plugin `coverage`: line and branch coverage from Cobertura XML,
//! JaCoCo XML and LCOV reports, merged across every report in the bundle.
//!
//! This file is only the export glue: it reads each artifact through the sandbox, hands it
//! to the pure parsers ([`xml`], [`lcov`]), merges the results ([`model`], which documents the
//! merge rules for monorepos) and reports the facts built in [`report`]. Percentages are
//! percent (0–100) with two decimals, never fractions. It must not parse anything itself.

pub mod bounded;
mod cobertura;
pub mod error;
mod jacoco;
pub mod lcov;
pub mod model;
pub mod report;
pub mod summary;
pub mod xml;

use std::io::BufRead;

use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, Matcher, Metadata, Plugin, log,
};

pub use error::ParseError;
pub use model::{Counts, Coverage, FileCoverage};
pub use report::Config;

/// Artifact kind name for Cobertura XML reports.
pub const KIND_COBERTURA: &str = "cobertura-xml";
/// Artifact kind name for JaCoCo XML reports.
pub const KIND_JACOCO: &str = "jacoco-xml";
/// Artifact kind name for LCOV tracefiles.
pub const KIND_LCOV: &str = "lcov";

/// Reads one report of artifact kind `kind` (LCOV for [`KIND_LCOV`], XML otherwise; the XML
/// root decides between Cobertura and JaCoCo).
///
/// ```
/// use stagegate_plugin_coverage::{Counts, KIND_LCOV, read_report};
///
/// let lcov = "TN:\nSF:src/a.c\nDA:1,4\nDA:2,0\nend_of_record\n";
/// let coverage = read_report(KIND_LCOV, lcov.as_bytes(), "a.lcov").unwrap();
/// assert_eq!(coverage.files["src/a.c"].line_counts(), Counts::new(2, 1));
/// ```
pub fn read_report<R: BufRead>(kind: &str, input: R, path: &str) -> Result<Coverage, ParseError> {
    if kind == KIND_LCOV {
        lcov::parse_lcov(input, path)
    } else {
        xml::parse_xml(input, path).map(|(_, coverage)| coverage)
    }
}

/// The `coverage` plugin.
pub struct CoveragePlugin;

impl Plugin for CoveragePlugin {
    fn describe() -> Metadata {
        Metadata {
            name: "coverage".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "line and branch coverage (percent) from Cobertura XML, JaCoCo XML and \
                          LCOV, merged over all reports in the bundle"
                .into(),
            reads: vec![
                ArtifactKind {
                    name: KIND_COBERTURA.into(),
                    matchers: vec![Matcher::XmlRoot("coverage".into())],
                },
                ArtifactKind {
                    name: KIND_JACOCO.into(),
                    matchers: vec![Matcher::XmlRoot("report".into())],
                },
                ArtifactKind {
                    name: KIND_LCOV.into(),
                    matchers: vec![
                        Matcher::TextPrefix("TN:".into()),
                        Matcher::TextPrefix("SF:".into()),
                        Matcher::Glob("**/*.lcov".into()),
                        Matcher::Glob("**/lcov.info".into()),
                    ],
                },
            ],
            facts: report::fact_specs(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let reports = artifacts
            .iter()
            .map(|a| (a.path.clone(), a.kind.clone(), a.text_reader()));
        evaluate_reports(reports, &config, &mut |note| match note {
            Note::Skipped(line) => log::warn(&line),
            Note::Empty(line) => log::info(&line),
        })
    }
}

/// A line the evaluation logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// An input that is not a coverage report was skipped.
    Skipped(String),
    /// A report covers no line: read, but not counted as an input.
    Empty(String),
}

/// What the plugin's `evaluate` does, without the host: reads every report, given as its
/// path, its artifact kind and a reader, merges them and reports the facts. A report counts
/// in `inputs` only when it covers at least one line ([`Coverage::lines_total`] > 0): an empty
/// c8 or nyc report measured nothing, and would otherwise meet a coverage requirement.
pub fn evaluate_reports<R: BufRead>(
    reports: impl IntoIterator<Item = (String, String, std::io::Result<R>)>,
    config: &str,
    log: &mut dyn FnMut(Note),
) -> Result<Evaluation, String> {
    let config = Config::parse(config)?;
    let mut coverage = Coverage::default();
    let mut inputs = 0usize;
    for (path, kind, input) in reports {
        let input = input.map_err(|e| e.to_string())?;
        let report = match read_report(&kind, input, &path) {
            Ok(report) => report,
            Err(skip @ ParseError::NotCoverage { .. }) => {
                log(Note::Skipped(skip.to_string()));
                continue;
            }
            Err(error) => return Err(error.to_string()),
        };
        if report.lines_total() > 0 {
            inputs += 1;
        } else {
            log(Note::Empty(format!(
                "`{path}` covers no line: not counted as an input"
            )));
        }
        coverage.merge(report);
    }
    Ok(report::evaluation(&coverage, inputs, &config))
}

stagegate_sdk::export!(CoveragePlugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_declares_kinds_and_facts() {
        let metadata = CoveragePlugin::describe();
        assert_eq!(metadata.name, "coverage");
        let kinds: Vec<&str> = metadata.reads.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(kinds, [KIND_COBERTURA, KIND_JACOCO, KIND_LCOV]);
        assert!(matches!(&metadata.reads[1].matchers[..], [Matcher::XmlRoot(r)] if r == "report"));
        assert_eq!(metadata.reads[2].matchers.len(), 4);
        for fact in &metadata.facts {
            assert!(
                fact.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                fact.name
            );
            assert!(!fact.doc.is_empty());
        }
    }

    #[test]
    fn evaluate_rejects_a_bad_config_before_reading() {
        let error = CoveragePlugin::evaluate(Vec::new(), "{\"threshold\": 1}".into()).unwrap_err();
        assert!(error.contains("unknown field `threshold`"), "{error}");
        let evaluation = CoveragePlugin::evaluate(Vec::new(), "{}".into()).unwrap();
        assert_eq!(evaluation.facts.len(), report::fact_specs().len());
    }
}
