//! Builds the plugin's facts and findings from a [`Tally`], and reads its (empty) config.
//!
//! Kept apart from the export glue so the exact facts are unit-tested natively. Every fact
//! declared in [`fact_specs`] is produced by [`evaluation`], with zero values when no SARIF
//! file was read.

use serde::Deserialize;
use stagegate_sdk::{Evaluation, FactSpec, Facts, Finding, Severity};

use crate::level::SecuritySeverity;
use crate::tally::{MAX_FINDINGS, Tally};

/// Plugin configuration: no keys yet, so only `{}` is accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

impl Config {
    /// Parses the configuration text (`{}` when none is given).
    pub fn parse(text: &str) -> Result<Config, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        let invalid = |e: serde_json::Error| format!("invalid `sarif` plugin configuration: {e}");
        // Through a map first: serde would also accept a JSON array for a struct.
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(invalid)?;
        Config::deserialize(serde_json::Value::Object(object)).map_err(invalid)
    }
}

/// The facts this plugin declares, in the order it reports them.
pub fn fact_specs() -> Vec<FactSpec> {
    vec![
        FactSpec::long(
            "inputs",
            "SARIF 2.1.0 files with at least one run that names its tool driver (a scan that ran counts, even with no result; `runs: []` does not)",
        ),
        FactSpec::long(
            "open",
            "open results: not suppressed, not kind pass/notApplicable, not baselineState absent",
        ),
        FactSpec::long(
            "errors",
            "open results of level error (result level, else rule defaultConfiguration.level, \
             else warning)",
        ),
        FactSpec::long("warnings", "open results of level warning"),
        FactSpec::long("notes", "open results of level note"),
        FactSpec::long("nones", "open results of level none"),
        FactSpec::long(
            "critical",
            "open results with security-severity >= 9.0 (result property, else rule property)",
        ),
        FactSpec::long(
            "high",
            "open results with security-severity 7.0-8.9, or level error when none is given",
        ),
        FactSpec::long(
            "medium",
            "open results with security-severity 4.0-6.9, or level warning when none is given",
        ),
        FactSpec::long(
            "low",
            "open results with security-severity 0.1-3.9, or level note when none is given",
        ),
        FactSpec::long(
            "error_high",
            "open results of level error whose security severity is high or critical",
        ),
        FactSpec::long("new", "open results whose baselineState is new"),
        FactSpec::boolean(
            "baseline_present",
            "true when any result has a baselineState or any run a baselineGuid",
        ),
        FactSpec::long(
            "suppressed",
            "results with a suppression of status accepted or without status (never open)",
        ),
        FactSpec::text_set(
            "rules",
            "ids of rules with open results (the first 100 in sorted order, each at most 200 chars)",
        ),
        FactSpec::text_set(
            "tools",
            "tool driver names of all runs (the first 100 in sorted order, each at most 200 chars)",
        ),
        FactSpec::long(
            "findings_dropped",
            "open results not listed as findings because of the 1000-finding cap",
        ),
    ]
}

fn severity(severity: SecuritySeverity) -> Severity {
    match severity {
        SecuritySeverity::Critical => Severity::Critical,
        SecuritySeverity::High => Severity::High,
        SecuritySeverity::Medium => Severity::Medium,
        SecuritySeverity::Low => Severity::Low,
        SecuritySeverity::None => Severity::Info,
    }
}

/// The evaluation for everything counted in `tally`.
pub fn evaluation(tally: &Tally) -> Evaluation {
    let facts = Facts::new()
        .long("inputs", tally.inputs)
        .long("open", tally.open)
        .long("errors", tally.errors)
        .long("warnings", tally.warnings)
        .long("notes", tally.notes)
        .long("nones", tally.nones)
        .long("critical", tally.critical)
        .long("high", tally.high)
        .long("medium", tally.medium)
        .long("low", tally.low)
        .long("error_high", tally.error_high)
        .long("new", tally.new)
        .boolean("baseline_present", tally.baseline_present)
        .long("suppressed", tally.suppressed)
        .text_set("rules", tally.rules.iter().cloned())
        .text_set("tools", tally.tools.iter().cloned())
        .long("findings_dropped", tally.findings_dropped);
    let mut findings: Vec<Finding> = tally
        .findings
        .iter()
        .map(|f| {
            let finding = Finding::new("sarif/result", severity(f.severity), f.message.clone());
            match f.line {
                Some(line) => finding.at(&f.path, line as usize),
                None => finding.in_file(&f.path),
            }
        })
        .collect();
    if tally.findings_dropped > 0 {
        findings.push(Finding::new(
            "sarif/findings-capped",
            Severity::Info,
            format!(
                "{} more open results are not listed (limit {MAX_FINDINGS}); see the \
                 `findings_dropped` fact",
                tally.findings_dropped
            ),
        ));
    }
    facts.with_findings(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_accepts_only_an_empty_object() {
        assert_eq!(Config::parse("{}"), Ok(Config {}));
        assert_eq!(Config::parse(""), Ok(Config {}));
        let error = Config::parse(r#"{"max_findings": 5}"#).unwrap_err();
        assert!(error.contains("unknown field `max_findings`"), "{error}");
        assert!(Config::parse("[]").is_err());
        assert!(Config::parse("nope").is_err());
    }

    #[test]
    fn every_declared_fact_is_reported_with_zero_values() {
        let evaluation = evaluation(&Tally::default());
        let specs = fact_specs();
        assert_eq!(evaluation.facts.len(), specs.len());
        for (spec, fact) in specs.iter().zip(&evaluation.facts) {
            assert_eq!(spec.name, fact.name);
            assert_eq!(
                std::mem::discriminant(&spec.type_),
                std::mem::discriminant(&match fact.value {
                    stagegate_sdk::FactValue::Boolean(_) => stagegate_sdk::FactType::Boolean,
                    stagegate_sdk::FactValue::Long(_) => stagegate_sdk::FactType::Long,
                    stagegate_sdk::FactValue::Text(_) => stagegate_sdk::FactType::Text,
                    stagegate_sdk::FactValue::TextSet(_) => stagegate_sdk::FactType::TextSet,
                    stagegate_sdk::FactValue::Decimal(_) => stagegate_sdk::FactType::Decimal,
                }),
                "{}",
                spec.name
            );
        }
        assert!(evaluation.findings.is_empty());
    }
}
