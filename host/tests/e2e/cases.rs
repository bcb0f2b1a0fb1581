//! Data-driven decision cases: every `tests/cases/*.toml` names real fixtures
//! to put in a fresh bundle, the transition, and the expected decision,
//! deciding policies and facts. A bug fix is a new case file, not new code.
//!
//! ```toml
//! description = "why this case exists"
//! to = "prod"                     # from = "test" (optional)
//! config = "configs/x.toml"       # optional, relative to tests/
//! decision = "deny"               # allow | deny | error
//! reasons = ["tests-pass"]        # exactly these policy ids decided
//! [artifacts]                     # name in bundle = fixture under tests/fixtures
//! "reports/junit.xml" = "junit/pytest_xunit.xml"
//! [facts.junit]                   # optional: facts that must hold
//! failed = 1
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::support::{bundle, repo, stagegate};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    description: String,
    to: String,
    from: Option<String>,
    config: Option<String>,
    decision: String,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    artifacts: BTreeMap<String, String>,
    #[serde(default)]
    facts: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

#[test]
fn decision_cases() {
    let dir = repo().join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the decision cases in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let case: Case = toml::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!case.description.is_empty(), "{name}: describe the case");
        let pairs: Vec<(&str, &str)> = case
            .artifacts
            .iter()
            .map(|(dest, src)| (src.as_str(), dest.as_str()))
            .collect();
        let b = bundle(&pairs);
        let mut args = vec![
            "check".to_owned(),
            b.path().display().to_string(),
            "--to".into(),
            case.to.clone(),
            "--format".into(),
            "json".into(),
        ];
        if let Some(from) = &case.from {
            args.extend(["--from".into(), from.clone()]);
        }
        if let Some(config) = &case.config {
            args.extend([
                "--config".into(),
                repo().join("tests").join(config).display().to_string(),
            ]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = stagegate(&args, None, &[]);
        let json = run.json();
        let mut problems = Vec::new();
        if json["decision"] != case.decision.as_str() {
            problems.push(format!(
                "decision {} (expected {})",
                json["decision"], case.decision
            ));
        }
        let mut got: Vec<String> = json["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["policy"].as_str().unwrap().to_owned())
            .collect();
        got.sort();
        let mut want = case.reasons.clone();
        want.sort();
        if got != want {
            problems.push(format!("reasons {got:?} (expected {want:?})"));
        }
        for (plugin, facts) in &case.facts {
            for (fact, expected) in facts {
                let actual = &json["facts"][plugin][fact];
                let expected_json = serde_json::to_value(expected).unwrap();
                if *actual != expected_json {
                    problems.push(format!(
                        "{plugin}.{fact} = {actual} (expected {expected_json})"
                    ));
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\nerrors: {}",
                problems.join("; "),
                json["errors"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
