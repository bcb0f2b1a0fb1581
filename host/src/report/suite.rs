//! The results of `stagegate test`: one line per case and a closing count
//! for people, one JSON object, or JUnit XML for CI test-report views. Case
//! files, descriptions and the facts quoted in failures pass the one writer
//! ([`super::text`]) like every other string that leaves the gate.

use std::io::{self, Write};

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};

use super::text::{self, Part, Writer};
use crate::suite::{CaseOutcome, CaseResult, SuiteReport};

/// The exit code of a run: 2 when a case is invalid or there are none, 1
/// when a case failed (or, with `require_coverage`, a policy fired in no
/// case), else 0.
pub fn exit_code(report: &SuiteReport, require_coverage: bool) -> u8 {
    if report.cases.is_empty() || report.invalid() > 0 {
        2
    } else if report.failed() > 0 || (require_coverage && !report.uncovered.is_empty()) {
        1
    } else {
        0
    }
}

fn file(case: &CaseResult) -> String {
    case.file.display().to_string()
}

/// Writes `report` for a person.
pub fn human(report: &SuiteReport, require_coverage: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut w = Writer::new(out);
    if report.cases.is_empty() {
        w.line(&[Part::Lit(
            "no cases found: case files are named *.case.toml",
        )])?;
    }
    for case in &report.cases {
        let path = file(case);
        match &case.outcome {
            CaseOutcome::Passed => w.line(&[
                Part::Lit("ok      "),
                Part::Text(&path),
                Part::Lit("  "),
                Part::Clipped(&case.description, 100),
            ])?,
            CaseOutcome::Failed(problems) => {
                w.line(&[
                    Part::Lit("FAIL    "),
                    Part::Text(&path),
                    Part::Lit("  "),
                    Part::Clipped(&case.description, 100),
                ])?;
                for problem in problems {
                    w.line(&[Part::Lit("          "), Part::Text(problem)])?;
                }
                for error in &case.errors {
                    w.line(&[Part::Lit("          error: "), Part::Clipped(error, 400)])?;
                }
            }
            CaseOutcome::Invalid(why) => w.line(&[
                Part::Lit("INVALID "),
                Part::Text(&path),
                Part::Lit(": "),
                Part::Text(why),
            ])?,
        }
    }
    if !report.uncovered.is_empty() {
        w.blank()?;
        w.line(&[
            Part::Lit(if require_coverage {
                "FAIL: policies decisive in no case ("
            } else {
                "policies decisive in no case ("
            }),
            Part::Num(report.uncovered.len() as u128),
            Part::Lit(" of "),
            Part::Num(report.policies as u128),
            Part::Lit("): "),
            Part::Text(&report.uncovered.join(", ")),
        ])?;
    }
    w.blank()?;
    let invalid = report.invalid();
    w.line(&[
        Part::Num(report.passed() as u128),
        Part::Lit(" passed, "),
        Part::Num(report.failed() as u128),
        Part::Lit(" failed"),
        Part::Lit(if invalid > 0 { ", " } else { "" }),
        Part::Text(&if invalid > 0 {
            format!("{invalid} invalid")
        } else {
            String::new()
        }),
    ])
}

fn status(case: &CaseResult) -> &'static str {
    match case.outcome {
        CaseOutcome::Passed => "ok",
        CaseOutcome::Failed(_) => "fail",
        CaseOutcome::Invalid(_) => "invalid",
    }
}

fn problems(case: &CaseResult) -> Vec<String> {
    match &case.outcome {
        CaseOutcome::Passed => Vec::new(),
        CaseOutcome::Failed(p) => p.clone(),
        CaseOutcome::Invalid(why) => vec![why.clone()],
    }
}

/// Writes `report` as one JSON object.
pub fn json(report: &SuiteReport, require_coverage: bool, out: &mut dyn Write) -> io::Result<()> {
    let cases: Vec<Value> = report
        .cases
        .iter()
        .map(|case| {
            json!({
                "file": file(case),
                "description": case.description,
                "status": status(case),
                "problems": problems(case),
                "decision": case.decision.map(|d| d.as_str()),
                "reasons": case.reasons,
                "errors": case.errors,
            })
        })
        .collect();
    let value = json!({
        "schema": "stagegate.test/v1",
        "cases": cases,
        "passed": report.passed(),
        "failed": report.failed(),
        "invalid": report.invalid(),
        "policies": report.policies,
        "uncovered": report.uncovered,
        "exit_code": exit_code(report, require_coverage),
    });
    let value = text::redact_json(super::json::sorted(value));
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, text::SafeJson::new());
    serde::Serialize::serialize(&value, &mut serializer).map_err(io::Error::other)?;
    writeln!(out)
}

/// Writes `report` as JUnit XML: one test case per case file, and one for
/// policy coverage.
pub fn junit(report: &SuiteReport, require_coverage: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut xml = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    let coverage_failed = require_coverage && !report.uncovered.is_empty();
    let tests = (report.cases.len() + 1).to_string();
    let failures = (report.failed() + usize::from(coverage_failed)).to_string();
    let errors = report.invalid().to_string();
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(io::Error::other)?;
    let attrs = [
        ("name", "stagegate test"),
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", errors.as_str()),
    ];
    xml.write_event(Event::Start(
        BytesStart::new("testsuites").with_attributes(attrs),
    ))
    .map_err(io::Error::other)?;
    xml.write_event(Event::Start(
        BytesStart::new("testsuite").with_attributes(attrs),
    ))
    .map_err(io::Error::other)?;
    for case in &report.cases {
        let name = text::line(&file(case));
        let description = text::line(&case.description);
        let start = BytesStart::new("testcase")
            .with_attributes([("classname", "stagegate.cases"), ("name", name.as_str())]);
        let (tag, lines) = match &case.outcome {
            CaseOutcome::Passed => {
                xml.write_event(Event::Empty(start))
                    .map_err(io::Error::other)?;
                continue;
            }
            CaseOutcome::Failed(p) => ("failure", p.clone()),
            CaseOutcome::Invalid(why) => ("error", vec![why.clone()]),
        };
        xml.write_event(Event::Start(start))
            .map_err(io::Error::other)?;
        let lines: Vec<String> = lines.iter().map(|l| text::line(l)).collect();
        let message = lines.first().cloned().unwrap_or_default();
        xml.write_event(Event::Start(
            BytesStart::new(tag).with_attributes([("message", message.as_str())]),
        ))
        .map_err(io::Error::other)?;
        let body = format!("{description}\n{}", lines.join("\n"));
        xml.write_event(Event::Text(BytesText::new(&body)))
            .map_err(io::Error::other)?;
        xml.write_event(Event::End(BytesEnd::new(tag)))
            .map_err(io::Error::other)?;
        xml.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(io::Error::other)?;
    }
    let start = BytesStart::new("testcase").with_attributes([
        ("classname", "stagegate.coverage"),
        ("name", "every policy is decisive in some case"),
    ]);
    if report.uncovered.is_empty() {
        xml.write_event(Event::Empty(start))
            .map_err(io::Error::other)?;
    } else {
        let uncovered = text::line(&report.uncovered.join(", "));
        let tag = if coverage_failed {
            "failure"
        } else {
            "skipped"
        };
        xml.write_event(Event::Start(start))
            .map_err(io::Error::other)?;
        let message = format!("decisive in no case: {uncovered}");
        xml.write_event(Event::Empty(
            BytesStart::new(tag).with_attributes([("message", message.as_str())]),
        ))
        .map_err(io::Error::other)?;
        xml.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(io::Error::other)?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuite")))
        .map_err(io::Error::other)?;
    xml.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(io::Error::other)?;
    let mut bytes = xml.into_inner();
    bytes.push(b'\n');
    out.write_all(&bytes)
}
