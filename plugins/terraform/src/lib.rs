//! stagegate built-in plugin `terraform`: reads Terraform plan JSON
//! (`terraform show -json plan.out`) and reports what the plan changes and destroys, and
//! which security rules it breaks (public buckets, admin ports open to the internet,
//! wildcard IAM, unencrypted storage, public databases).
//!
//! This file is only the glue to the stagegate contract: configuration, reading each
//! artifact through the sandbox, and converting the pure [`report`] into SDK facts and
//! findings. Parsing and analysis live in [`plan`], [`analysis`] and [`rules`], which know
//! nothing of the SDK and are tested natively.
//!
//! Choices a policy author should know:
//! - Security rules look at the state the plan leaves behind: every resource that is
//!   created, updated, replaced or left unchanged (no-op), as checkov does; deleted and
//!   forgotten resources are only counted.
//! - A value Terraform only knows after apply is never guessed: the check counts in
//!   `unknown_security_values` with a low finding. An attribute the configuration does not
//!   set and the provider computes from separate resources (a security group's `ingress`
//!   when rules are separate resources, a bucket's `acl`) is not "unknown": those
//!   resources are checked on their own.
//! - S3: a bucket without any public-access block counts as public (medium), as checkov's
//!   CKV2_AWS_6, unless the plan sets an account-wide block with all four flags on; a
//!   bucket without encryption settings is not unencrypted (S3 encrypts every object
//!   since January 2023; checkov's CKV_AWS_19 passes it too).

pub mod address;
pub mod analysis;
pub mod changes;
pub mod config;
pub mod error;
pub mod plan;
pub mod report;
pub mod rules;
pub mod value;

use report::{FACTS, FactKind, FactValue, Report};
use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};

/// The plugin's configuration: no keys yet, and unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// Parses the configuration text (`{}` when none is given).
pub fn parse_config(text: &str) -> Result<Config, String> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .and_then(|object| serde_json::from_value(serde_json::Value::Object(object)))
        .map_err(|e| {
            format!(
                "the `terraform` plugin takes no configuration keys (config must be `{{}}`): {}",
                error::redact(&e.to_string())
            )
        })
}

/// The `terraform` plugin.
pub struct Terraform;

impl Plugin for Terraform {
    fn describe() -> Metadata {
        Metadata {
            name: "terraform".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Terraform plan JSON: change counts, destroyed resources and security \
                          rules (public buckets, open admin ports, wildcard IAM, unencrypted \
                          storage, public databases)"
                .into(),
            reads: vec![ArtifactKind {
                name: "terraform-plan".into(),
                matchers: vec![
                    Matcher::JsonKeys(vec!["format_version".into(), "resource_changes".into()]),
                    Matcher::JsonKeys(vec!["format_version".into(), "planned_values".into()]),
                ],
            }],
            facts: FACTS
                .iter()
                .map(|(name, kind, doc)| match kind {
                    FactKind::Long => FactSpec::long(name, doc),
                    FactKind::TextSet => FactSpec::text_set(name, doc),
                })
                .collect(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        parse_config(&config)?;
        let mut files = Vec::with_capacity(artifacts.len());
        for artifact in &artifacts {
            let reader = artifact.text_reader().map_err(|e| e.to_string())?;
            let analysis = plan::analyze(reader, &artifact.path).map_err(|e| e.to_string())?;
            files.push(analysis);
        }
        Ok(to_evaluation(report::build(&files)))
    }
}

fn severity(s: rules::Severity) -> Severity {
    match s {
        rules::Severity::Info => Severity::Info,
        rules::Severity::Low => Severity::Low,
        rules::Severity::Medium => Severity::Medium,
        rules::Severity::High => Severity::High,
    }
}

/// Converts the pure report into the contract's evaluation.
fn to_evaluation(report: Report) -> Evaluation {
    let mut facts = Facts::new();
    for (name, value) in report.facts {
        facts = match value {
            FactValue::Long(v) => facts.long(&name, v),
            FactValue::TextSet(v) => facts.text_set(&name, v),
        };
    }
    let findings = report
        .findings
        .into_iter()
        .map(|f| {
            let finding = Finding::new(&f.rule, severity(f.severity), f.message);
            match (f.path.is_empty(), usize::try_from(f.line).unwrap_or(0)) {
                (true, _) => finding,
                (false, 0) => finding.in_file(&f.path),
                (false, line) => finding.at(&f.path, line),
            }
        })
        .collect();
    facts.with_findings(findings)
}

stagegate_sdk::export!(Terraform);

#[cfg(test)]
mod tests {
    use super::*;
    use stagegate_sdk::FactValue as SdkValue;

    #[test]
    fn config_accepts_empty_and_rejects_unknown_keys() {
        assert!(parse_config("{}").is_ok());
        assert!(parse_config("  ").is_ok());
        let err = parse_config(r#"{"strict": true}"#).unwrap_err();
        assert!(err.contains("takes no configuration keys"), "{err}");
        assert!(parse_config("[]").is_err());
    }

    #[test]
    fn describe_declares_every_fact_and_both_matchers() {
        let meta = Terraform::describe();
        assert_eq!(meta.name, "terraform");
        assert_eq!(meta.facts.len(), FACTS.len());
        let kind = &meta.reads[0];
        assert_eq!(kind.name, "terraform-plan");
        assert_eq!(kind.matchers.len(), 2);
    }

    #[test]
    fn evaluation_of_nothing_reports_zero_inputs() {
        let evaluation = to_evaluation(report::build(&[]));
        assert_eq!(evaluation.facts.len(), FACTS.len());
        assert!(matches!(evaluation.facts[0].value, SdkValue::Long(0)));
    }
}
