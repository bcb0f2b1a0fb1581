//! Coverage: the `coverage` plugin's line (and branch) totals against the numbers
//! coverage.py computed itself.
//!
//! coverage.py cannot read a Cobertura or LCOV file back, so the other side is what it
//! wrote: the `lines-valid`/`lines-covered` attributes of its Cobertura XML and the LF/LH
//! records of its LCOV (tests/fixtures/coverage/coverage-py_sqlparse-*), and, better, the
//! totals of `coverage json` for a run made with the pinned coverage.py on the small project
//! in fixtures/coverage-py (saved there by py/coverage_run.py, and made afresh by the last
//! test). py/coverage_totals.py reads all of them.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::Value;
use stagegate_plugin_coverage::model::normalise_path;
use stagegate_plugin_coverage::summary::{percent, summarise};
use stagegate_plugin_coverage::{Counts, Coverage, KIND_COBERTURA, KIND_LCOV, read_report};

use crate::support::{Mismatches, file_name, fixture_dir, num, own_fixture, python};

fn plugin(path: &Path) -> Coverage {
    let kind = if file_name(path).ends_with(".xml") {
        KIND_COBERTURA
    } else {
        KIND_LCOV
    };
    let file = File::open(path).unwrap_or_else(|e| panic!("open `{}`: {e}", path.display()));
    read_report(kind, BufReader::new(file), &file_name(path))
        .unwrap_or_else(|e| panic!("the plugin refuses `{}`: {e}", path.display()))
}

/// `{path: [valid, covered]}` of the Python side, keyed like the plugin keys files.
fn their_files(value: &Value) -> BTreeMap<String, Counts> {
    value
        .as_object()
        .expect("files object")
        .iter()
        .map(|(path, pair)| {
            let total = num(&pair[0], "valid");
            let covered = num(&pair[1], "covered");
            (normalise_path(path), Counts { total, covered })
        })
        .collect()
}

fn our_files(coverage: &Coverage) -> BTreeMap<String, Counts> {
    coverage
        .files
        .iter()
        .map(|(path, file)| (path.clone(), file.line_counts()))
        .collect()
}

fn totals(value: &Value) -> Counts {
    Counts {
        total: num(&value["valid"], "valid"),
        covered: num(&value["covered"], "covered"),
    }
}

#[test]
fn coverage_py_reports_agree_with_the_totals_coverage_py_wrote() {
    // Each report against the summary coverage.py wrote into it, in total and per file,
    // and its branch totals.
    let dir = fixture_dir("coverage");
    let paths: Vec<PathBuf> = [
        "coverage-py_sqlparse-0.6.1.cobertura.xml",
        "coverage-py_sqlparse-0.6.1.lcov",
    ]
    .iter()
    .map(|name| dir.join(name))
    .collect();
    let python = python("coverage_totals.py", &paths);
    let mut mismatches = Mismatches::default();
    for path in &paths {
        let name = file_name(path);
        let coverage = plugin(path);
        mismatches.compared();
        let theirs = &python[path];
        mismatches.check(
            &name,
            "lines (total, covered)",
            summarise(&coverage, 0).lines,
            totals(theirs),
        );
        let branches = &theirs["branches"];
        mismatches.check(
            &name,
            "branches (total, covered) against branches-valid/-covered or BRF/BRH",
            summarise(&coverage, 0).branches,
            Counts {
                total: num(&branches[0], "branches"),
                covered: num(&branches[1], "branches"),
            },
        );
        mismatches.check(
            &name,
            "lines per file",
            our_files(&coverage),
            their_files(&theirs["files"]),
        );
    }
    assert_eq!(mismatches.finish("coverage.py's own totals"), 2);
}

#[test]
fn saved_coverage_py_run_agrees_with_coverage_json() {
    let dir = own_fixture("coverage-py");
    compare_run(&dir, "saved coverage.py run (fixtures/coverage-py)");
}

#[test]
fn fresh_coverage_py_run_agrees_with_coverage_json() {
    // The same project, measured now by the pinned coverage.py: the comparison holds for
    // what this coverage.py writes today, not only for the saved reports.
    let out = tempfile::tempdir().expect("temp dir");
    let venv = stagegate_differential::venv().unwrap_or_else(|e| panic!("{e}"));
    let written = venv
        .run_json("coverage_run.py", &[out.path()])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written.as_array().map(Vec::len), Some(6), "{written}");
    compare_run(out.path(), "fresh coverage.py run");
}

/// Compares `{lines,branch}.{cobertura.xml,lcov}` of `dir` with `{lines,branch}.json`.
fn compare_run(dir: &Path, comparison: &str) {
    let mut paths = Vec::new();
    for run in ["lines", "branch"] {
        for suffix in ["cobertura.xml", "lcov", "json"] {
            paths.push(dir.join(format!("{run}.{suffix}")));
        }
    }
    let python = python("coverage_totals.py", &paths);
    let mut mismatches = Mismatches::default();
    for run in ["lines", "branch"] {
        let json = &python[&dir.join(format!("{run}.json"))];
        let statements = totals(json);
        let extra = &json["json"];
        let branch_run = json["branch_coverage"].as_bool() == Some(run == "branch");
        mismatches.check(
            &format!("{run}.json"),
            "branch_coverage as run",
            branch_run,
            true,
        );
        for suffix in ["cobertura.xml", "lcov"] {
            let name = format!("{run}.{suffix}");
            let path = dir.join(&name);
            let coverage = plugin(&path);
            let summary = summarise(&coverage, 0);
            mismatches.compared();
            // line totals and the line rate, exactly (integers)
            mismatches.check(
                &name,
                "lines against coverage json (num_statements, covered_lines)",
                summary.lines,
                statements,
            );
            mismatches.check(
                &name,
                "lines per file against coverage json",
                our_files(&coverage),
                their_files(&json["files"]),
            );
            mismatches.check(
                &name,
                "lines against the report's own summary",
                summary.lines,
                totals(&python[&path]),
            );
            let rate = percent(summary.lines);
            let their_rate = floor_percent(
                extra["percent_statements_covered"]
                    .as_f64()
                    .expect("percent"),
            );
            mismatches.check(
                &name,
                "line rate against percent_statements_covered",
                rate.clone(),
                their_rate,
            );
            // percent_covered is the line rate only when no branch was measured; with
            // --branch it is (lines + branches) / (statements + branches): another number
            let percent_covered = extra["percent_covered"].as_f64().expect("percent");
            if run == "lines" {
                mismatches.check(
                    &name,
                    "line rate against percent_covered",
                    rate,
                    floor_percent(percent_covered),
                );
                mismatches.check(
                    &name,
                    "branches of a lines-only run",
                    summary.branches,
                    Counts::default(),
                );
                mismatches.expect(
                    &name,
                    "coverage json's num_branches",
                    &extra["num_branches"],
                    &Value::Null,
                );
            } else {
                let branches = Counts {
                    total: num(&extra["num_branches"], "num_branches"),
                    covered: num(&extra["covered_branches"], "covered_branches"),
                };
                let combined = Counts {
                    total: statements.total + branches.total,
                    covered: statements.covered + branches.covered,
                };
                mismatches.expect(
                    &name,
                    "percent_covered counts branches too",
                    floor_percent(percent_covered),
                    percent(combined),
                );
                if rate == percent(combined) {
                    mismatches.add(
                        &name,
                        "the project should tell the line rate from percent_covered",
                    );
                }
                mismatches.check(
                    &name,
                    "branches against coverage json (num_branches, covered_branches)",
                    summary.branches,
                    branches,
                );
            }
        }
    }
    mismatches.finish(comparison);
}

/// coverage.py's float percentage, rounded down to two decimals like the plugin's facts.
fn floor_percent(value: f64) -> String {
    // a tiny epsilon absorbs binary error such as 77.27272727 stored as 77.2727272699…
    let hundredths = (value * 100.0 + 1e-6).floor();
    format!("{:.2}", hundredths / 100.0)
}
