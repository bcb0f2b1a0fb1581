//! Merging several reports, as a monorepo bundle holds them: per-line maximum for files that
//! appear in more than one report, plain sums for disjoint files, and the threshold config.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use common::{facts, merged, read_bytes};
use stagegate_plugin_coverage::KIND_LCOV;

#[test]
fn the_same_run_in_two_formats_counts_once() {
    // Cobertura and LCOV from one jest run name the same paths; the union by line equals the
    // LCOV alone, and the branches of line 5, missing from the Cobertura file, are kept.
    // Independent check (python, per-(file,line) union of both files, branch max per line):
    // prints 20 19 16 15 2.
    let coverage = merged(&[
        "istanbul-jest_cart-service.cobertura.xml",
        "istanbul-jest_cart-service.lcov",
    ]);
    assert_eq!(
        facts(&coverage, 2, "{}"),
        "inputs=2 line_rate=95.00 branch_rate=93.75 lines_total=20 lines_covered=19 \
         branches_total=16 branches_covered=15 lowest_file_line_rate=90.90 \
         lowest_file=src/cart.js files_below_threshold=0 files=2"
    );
}

#[test]
fn cobertura_and_jacoco_of_one_project_take_the_line_union() {
    // Cobertura's 36 lines are a subset of JaCoCo's 38 for the same seven files.
    let coverage = merged(&["cobertura-2.1.1_java.xml", "jacoco-0.8.3_java.xml"]);
    assert_eq!(
        facts(&coverage, 2, "{}"),
        "inputs=2 line_rate=68.42 branch_rate=25.00 lines_total=38 lines_covered=26 \
         branches_total=4 branches_covered=1 lowest_file_line_rate=0.00 \
         lowest_file=test/sub/Sub.java files_below_threshold=1 files=7"
    );
}

#[test]
fn disjoint_reports_add_up() {
    // 3851+20+38 lines, 3787+19+26 covered, 696+16+4 branches, 635+15+1 covered, 32+2+7 files.
    let coverage = merged(&[
        "coverage-py_sqlparse-0.6.1.lcov",
        "istanbul-jest_cart-service.lcov",
        "jacoco-0.8.3_java.xml",
    ]);
    assert_eq!(
        facts(&coverage, 3, "{}"),
        "inputs=3 line_rate=98.03 branch_rate=90.92 lines_total=3909 lines_covered=3832 \
         branches_total=716 branches_covered=651 lowest_file_line_rate=0.00 \
         lowest_file=test/sub/Sub.java files_below_threshold=2 files=41"
    );
}

#[test]
fn merging_a_report_with_itself_changes_nothing() {
    let once = merged(&["lcov_coverlet-dotnet.info"]);
    let twice = merged(&["lcov_coverlet-dotnet.info", "lcov_coverlet-dotnet.info"]);
    assert_eq!(once, twice);
}

#[test]
fn summary_only_records_of_one_file_are_summed() {
    let a = read_bytes(KIND_LCOV, b"SF:src/x.c\nLF:10\nLH:4\nend_of_record\n").unwrap();
    let b = read_bytes(KIND_LCOV, b"SF:./src/x.c\nLF:10\nLH:6\nend_of_record\n").unwrap();
    let mut coverage = a;
    coverage.merge(b);
    assert_eq!(
        facts(&coverage, 2, "{}"),
        "inputs=2 line_rate=50.00 branch_rate=0.00 lines_total=20 lines_covered=10 \
         branches_total=0 branches_covered=0 lowest_file_line_rate=50.00 \
         lowest_file=src/x.c files_below_threshold=0 files=1"
    );
}

#[test]
fn file_threshold_comes_from_config() {
    // python3 -c "import re;t=open('coverage-py_sqlparse-0.6.1.lcov').read();R=[{n:int(h)>0 for n,h in re.findall(r'^DA:(\d+),(\d+)',r,re.M)} for r in t.split('end_of_record') if 'SF:' in r];P=[sum(d.values())*100/len(d) for d in R if d];print(sum(p<100 for p in P),sum(p<95 for p in P))"
    // prints: 11 5
    let coverage = merged(&["coverage-py_sqlparse-0.6.1.lcov"]);
    let at = |config: &str| {
        facts(&coverage, 1, config)
            .split(' ')
            .find(|f| f.starts_with("files_below_threshold="))
            .unwrap()
            .to_owned()
    };
    assert_eq!(at(r#"{"file_threshold": 100}"#), "files_below_threshold=11");
    assert_eq!(at(r#"{"file_threshold": 95}"#), "files_below_threshold=5");
    assert_eq!(at(r#"{"file_threshold": 0}"#), "files_below_threshold=0");
}
