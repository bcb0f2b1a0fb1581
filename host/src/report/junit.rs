//! JUnit XML, so that test-report UIs show the gates as tests: one test case
//! per evaluated policy (see [`super::gates`]), passed, failed with the
//! policy's reason as the failure message, or skipped (advisory, waived, or
//! not evaluated), and one errored test case per plugin that failed. Every
//! value passes [`super::text::xml`].

use std::io::{self, Write};

use super::text::xml;
use super::{GateStatus, gates};
use crate::gate::GateReport;
use crate::plugin::Outcome;

/// One `<testcase>` to write.
struct Case {
    classname: &'static str,
    name: String,
    /// `failure`, `error` or `skipped`, with its message.
    outcome: Option<(&'static str, String)>,
}

/// Writes `report` as one JUnit XML document.
pub fn render(report: &GateReport, out: &mut dyn Write) -> io::Result<()> {
    let mut cases: Vec<Case> = gates(report)
        .into_iter()
        .map(|gate| Case {
            classname: if gate.host {
                "stagegate.host"
            } else {
                "stagegate.policy"
            },
            name: gate.policy.to_owned(),
            outcome: match gate.status {
                GateStatus::Passed => None,
                GateStatus::Failed => Some(("failure", gate.note)),
                GateStatus::Errored => Some(("error", gate.note)),
                GateStatus::Skipped => Some(("skipped", gate.note)),
            },
        })
        .collect();
    for plugin in &report.plugins {
        let outcome = match &plugin.outcome {
            Outcome::Ok { .. } => None,
            Outcome::Failed(why) => Some(("error", why.clone())),
        };
        cases.push(Case {
            classname: "stagegate.plugin",
            name: plugin.name.clone(),
            outcome,
        });
    }
    // Errors not tied to a plugin (configuration, bundle, policies).
    let plugin_errors = report
        .plugins
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Failed(_)))
        .count();
    if report.errors.len() > plugin_errors {
        cases.push(Case {
            classname: "stagegate.gate",
            name: "gate".into(),
            outcome: Some(("error", report.errors.join("; "))),
        });
    }

    let count = |kind: &str| {
        cases
            .iter()
            .filter(|c| c.outcome.as_ref().is_some_and(|(k, _)| *k == kind))
            .count()
    };
    let (failures, errors, skipped) = (count("failure"), count("error"), count("skipped"));
    let suite = format!("stagegate {} -> {}", report.from, report.to);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="stagegate" tests="{}" failures="{failures}" errors="{errors}" skipped="{skipped}">"#,
        cases.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="{errors}" skipped="{skipped}">"#,
        xml(&suite),
        cases.len()
    )?;
    writeln!(out, "    <properties>")?;
    for (name, value) in [
        ("decision", report.decision.as_str()),
        ("from", report.from.as_str()),
        ("to", report.to.as_str()),
        ("commit", report.change.commit.as_str()),
    ] {
        writeln!(
            out,
            r#"      <property name="{name}" value="{}"/>"#,
            xml(value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    for case in &cases {
        let open = format!(
            r#"    <testcase classname="{}" name="{}""#,
            case.classname,
            xml(&case.name)
        );
        match &case.outcome {
            None => writeln!(out, "{open}/>")?,
            Some((kind, message)) => {
                writeln!(out, "{open}>")?;
                let message = xml(message);
                if *kind == "skipped" {
                    writeln!(out, r#"      <skipped message="{message}"/>"#)?;
                } else {
                    writeln!(
                        out,
                        r#"      <{kind} message="{message}" type="{}">{message}</{kind}>"#,
                        if *kind == "failure" {
                            "policy"
                        } else {
                            "evaluation"
                        }
                    )?;
                }
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
