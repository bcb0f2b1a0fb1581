//! stagegate built-in plugin `sarif`: results of any static-analysis or scanner tool that
//! writes SARIF 2.1.0 (semgrep, CodeQL, bandit, checkov, trivy, gitleaks, ESLint…), counted by
//! level and by security severity, with suppressions and baselines taken into account.
//!
//! This file is only the export glue: it reads each artifact through the sandbox and hands it
//! to the streaming parser ([`parse`]), which never holds a whole log in memory, then reports
//! the facts built in [`report`]. The counting rules are documented in [`tally`] and
//! [`level`]. It must not parse anything itself.

pub mod clamp;
pub mod error;
pub mod level;
mod model;
pub mod parse;
pub mod report;
mod run;
mod stream;
pub mod tally;
pub mod text;

use stagegate_sdk::{Artifact, ArtifactExt, ArtifactKind, Evaluation, Matcher, Metadata, Plugin};

pub use error::ParseError;
pub use parse::{parse_one, parse_sarif};
pub use report::Config;
pub use tally::Tally;

/// Artifact kind name for SARIF logs.
pub const KIND_SARIF: &str = "sarif";

/// The `sarif` plugin.
pub struct SarifPlugin;

impl Plugin for SarifPlugin {
    fn describe() -> Metadata {
        Metadata {
            name: "sarif".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "results of static-analysis and scanner tools from SARIF 2.1.0 logs, \
                          by level and security severity"
                .into(),
            reads: vec![ArtifactKind {
                name: KIND_SARIF.into(),
                matchers: vec![
                    Matcher::JsonKeys(vec!["version".into(), "runs".into()]),
                    Matcher::Glob("**/*.sarif".into()),
                ],
            }],
            facts: report::fact_specs(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        Config::parse(&config)?;
        let mut tally = Tally::default();
        for artifact in &artifacts {
            let input = artifact.text_reader().map_err(|e| e.to_string())?;
            parse_sarif(input, &artifact.path, &mut tally).map_err(|e| e.to_string())?;
        }
        Ok(report::evaluation(&tally))
    }
}

stagegate_sdk::export!(SarifPlugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_declares_the_kind_and_facts() {
        let metadata = SarifPlugin::describe();
        assert_eq!(metadata.name, "sarif");
        assert_eq!(metadata.reads.len(), 1);
        assert_eq!(metadata.reads[0].name, KIND_SARIF);
        assert!(matches!(
            &metadata.reads[0].matchers[..],
            [Matcher::JsonKeys(keys), Matcher::Glob(glob)]
                if keys == &["version", "runs"] && glob == "**/*.sarif"
        ));
        for fact in &metadata.facts {
            assert!(
                fact.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            );
        }
    }

    #[test]
    fn evaluate_without_artifacts_reports_zeroes() {
        let evaluation = SarifPlugin::evaluate(Vec::new(), "{}".into()).unwrap();
        assert_eq!(evaluation.facts.len(), report::fact_specs().len());
        assert!(SarifPlugin::evaluate(Vec::new(), "{\"x\":1}".into()).is_err());
    }
}
