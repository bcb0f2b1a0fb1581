//! Builds the plugin's facts and findings from a coverage summary, and reads its config.
//!
//! Kept apart from the export glue so the exact facts are unit-tested natively. Every fact
//! declared in [`fact_specs`] is produced by [`evaluation`], with zero values when no report
//! was read. Percentages are percent (0–100), never fractions.

use serde::Deserialize;
use stagegate_sdk::{Evaluation, FactSpec, Facts, Finding, Severity};

use crate::model::Coverage;
use crate::summary::{BasisPoints, percent, summarise};

/// At most this many `coverage/file-below-threshold` findings are returned.
pub const MAX_FINDINGS: usize = 1000;

/// The longest path reported in the `lowest_file` fact, in characters.
pub const MAX_PATH_CHARS: usize = 300;

/// Plugin configuration, a JSON object such as `{"file_threshold": 75}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Percent (0–100) under which a file counts in `files_below_threshold`. Default 50.
    #[serde(default = "default_threshold")]
    pub file_threshold: f64,
}

fn default_threshold() -> f64 {
    50.0
}

impl Config {
    /// Parses and checks the configuration text (`{}` when none is given).
    pub fn parse(text: &str) -> Result<Config, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        let invalid =
            |e: serde_json::Error| format!("invalid `coverage` plugin configuration: {e}");
        // Through a map first: serde would also accept a JSON array for a struct.
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(invalid)?;
        let config = Config::deserialize(serde_json::Value::Object(object)).map_err(invalid)?;
        if !(0.0..=100.0).contains(&config.file_threshold) {
            return Err(format!(
                "invalid `coverage` plugin configuration: `file_threshold` must be a percent \
                 from 0 to 100, got {}",
                config.file_threshold
            ));
        }
        Ok(config)
    }

    /// The threshold in hundredths of a percent.
    pub fn threshold(&self) -> BasisPoints {
        (self.file_threshold * 100.0).round() as BasisPoints
    }
}

/// The facts this plugin declares, in the order it reports them.
pub fn fact_specs() -> Vec<FactSpec> {
    vec![
        FactSpec::long(
            "inputs",
            "coverage reports (Cobertura XML, JaCoCo XML, LCOV) that count at least one line, \
             covered or not (a 0% report counts); a report of no line, such as an empty c8 or \
             nyc report, is not evidence",
        ),
        FactSpec::decimal(
            "line_rate",
            "percent (0-100, not a fraction) of lines covered over all reports, 2 decimals \
             rounded down; \"0.00\" with lines_total 0 means no data",
        ),
        FactSpec::decimal(
            "branch_rate",
            "percent (0-100, not a fraction) of branches covered, 2 decimals rounded down; \
             \"0.00\" with branches_total 0 means no branch data",
        ),
        FactSpec::long("lines_total", "lines with code, merged over all reports"),
        FactSpec::long(
            "lines_covered",
            "lines that ran at least once in any report",
        ),
        FactSpec::long("branches_total", "branches, merged over all reports"),
        FactSpec::long("branches_covered", "branches taken at least once"),
        FactSpec::decimal(
            "lowest_file_line_rate",
            "lowest line rate of any file with at least one line, in percent (0-100), 2 \
             decimals rounded down; \"100.00\" when there is no such file",
        ),
        FactSpec::text(
            "lowest_file",
            "path of the file with the lowest line rate (first in path order on ties, at most \
             300 chars); empty when there is none",
        ),
        FactSpec::long(
            "files_below_threshold",
            "files with at least one line whose line rate is below the file_threshold config \
             percent (default 50)",
        ),
        FactSpec::long(
            "files",
            "distinct source files over all reports (merged by normalised path)",
        ),
    ]
}

/// The evaluation for merged `coverage` read from `inputs` files.
pub fn evaluation(coverage: &Coverage, inputs: usize, config: &Config) -> Evaluation {
    let threshold = config.threshold();
    let summary = summarise(coverage, threshold);
    let (lowest_rate, lowest_file) = match &summary.lowest {
        Some((path, counts)) => (
            percent(*counts),
            crate::error::shorten(path, MAX_PATH_CHARS),
        ),
        None => ("100.00".to_owned(), String::new()),
    };
    let facts = Facts::new()
        .long("inputs", inputs)
        .decimal("line_rate", percent(summary.lines))
        .decimal("branch_rate", percent(summary.branches))
        .long("lines_total", summary.lines.total)
        .long("lines_covered", summary.lines.covered)
        .long("branches_total", summary.branches.total)
        .long("branches_covered", summary.branches.covered)
        .decimal("lowest_file_line_rate", lowest_rate)
        .text("lowest_file", lowest_file)
        .long("files_below_threshold", summary.below_threshold.len())
        .long("files", summary.files);
    let threshold_text = format!("{}.{:02}", threshold / 100, threshold % 100);
    let mut findings: Vec<Finding> = summary
        .below_threshold
        .iter()
        .take(MAX_FINDINGS)
        .map(|(path, counts)| {
            Finding::new(
                "coverage/file-below-threshold",
                Severity::Low,
                format!(
                    "{}% of {} lines covered, below the {threshold_text}% file threshold",
                    percent(*counts),
                    counts.total
                ),
            )
            .in_file(path)
        })
        .collect();
    let dropped = summary.below_threshold.len().saturating_sub(MAX_FINDINGS);
    if dropped > 0 {
        findings.push(Finding::new(
            "coverage/findings-capped",
            Severity::Info,
            format!(
                "{dropped} more files below the threshold are not listed (limit {MAX_FINDINGS})"
            ),
        ));
    }
    facts.with_findings(findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stagegate_sdk::FactValue;

    fn fact<'a>(evaluation: &'a Evaluation, name: &str) -> &'a FactValue {
        &evaluation
            .facts
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no fact {name}"))
            .value
    }

    #[test]
    fn config_defaults_and_errors() {
        assert_eq!(Config::parse("{}").unwrap().threshold(), 5000);
        assert_eq!(Config::parse("").unwrap().threshold(), 5000);
        assert_eq!(
            Config::parse(r#"{"file_threshold": 75.5}"#)
                .unwrap()
                .threshold(),
            7550
        );
        let error = Config::parse(r#"{"file_treshold": 75}"#).unwrap_err();
        assert!(error.contains("unknown field `file_treshold`"), "{error}");
        assert!(Config::parse(r#"{"file_threshold": 101}"#).is_err());
        assert!(Config::parse(r#"{"file_threshold": "50"}"#).is_err());
        assert!(Config::parse("[]").is_err());
    }

    #[test]
    fn every_declared_fact_is_reported_with_zero_values() {
        let evaluation = evaluation(&Coverage::default(), 0, &Config::parse("{}").unwrap());
        let specs = fact_specs();
        assert_eq!(evaluation.facts.len(), specs.len());
        for (spec, fact) in specs.iter().zip(&evaluation.facts) {
            assert_eq!(spec.name, fact.name);
        }
        assert!(matches!(fact(&evaluation, "line_rate"), FactValue::Decimal(d) if d == "0.00"));
        assert!(matches!(
            fact(&evaluation, "lines_total"),
            FactValue::Long(0)
        ));
        assert!(
            matches!(fact(&evaluation, "lowest_file_line_rate"), FactValue::Decimal(d) if d == "100.00")
        );
        assert!(matches!(fact(&evaluation, "lowest_file"), FactValue::Text(t) if t.is_empty()));
        assert!(evaluation.findings.is_empty());
    }

    #[test]
    fn findings_are_capped_visibly() {
        let mut coverage = Coverage::default();
        for index in 0..1005 {
            coverage
                .file_mut(&format!("f{index:04}.c"))
                .add_line(1, false);
        }
        let evaluation = evaluation(&coverage, 1, &Config::parse("{}").unwrap());
        assert_eq!(evaluation.findings.len(), MAX_FINDINGS + 1);
        let last = evaluation.findings.last().unwrap();
        assert_eq!(last.rule, "coverage/findings-capped");
        assert!(last.message.starts_with("5 more files"));
        assert_eq!(
            evaluation.findings[0].message,
            "0.00% of 1 lines covered, below the 50.00% file threshold"
        );
        assert_eq!(evaluation.findings[0].path.as_deref(), Some("f0000.c"));
    }
}
