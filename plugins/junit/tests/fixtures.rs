//! Every real JUnit report in `tests/fixtures/junit/` through the parser, with
//! exact expected counts and, for the interesting dialects, exact findings.
#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::collections::BTreeSet;

mod common;

use stagegate_plugin_junit::parse::{IssueKind, Limits, ParseError, Summary};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/junit");

fn parse(name: &str) -> Result<Summary, ParseError> {
    let bytes = std::fs::read(format!("{DIR}/{name}")).unwrap();
    common::parse_every_way(&bytes, &format!("reports/{name}"), Limits::default())
}

/// Expected counts of one fixture.
struct Expect {
    file: &'static str,
    total: u64,
    passed: u64,
    failed: u64,
    errored: u64,
    skipped: u64,
    flaky: u64,
    /// Distinct failed or errored test names.
    names: usize,
    findings: usize,
}

const fn e(
    file: &'static str,
    [total, passed, failed, errored, skipped, flaky]: [u64; 6],
    names: usize,
    findings: usize,
) -> Expect {
    Expect {
        file,
        total,
        passed,
        failed,
        errored,
        skipped,
        flaky,
        names,
        findings,
    }
}

// Counts computed independently with python's xml.etree, with this one-liner
// (prints: testcases, with <failure>, with <error> and no <failure>, skipped or
// status="disabled" without either):
//
// python3 -c "import sys,xml.etree.ElementTree as E; c=list(E.parse(sys.argv[1]).iter('testcase')); h=lambda t,k: t.find(k) is not None; print(len(c), sum(h(t,'failure') for t in c), sum(not h(t,'failure') and h(t,'error') for t in c), sum(not h(t,'failure') and not h(t,'error') and (h(t,'skipped') or t.get('status')=='disabled') for t in c))" FILE
//
//   junit_disabled-tests.xml                         -> 22 4 2 10
//   pytest_sqlparse-0.6.1_failures-errors-skips.xml  -> 540 20 5 4
//   pulsar_surefire-aggregate.xml                    -> 808 1 0 14
//   pytest_networkx-3.6.1_large.xml                  -> 6209 0 0 372
//   jest-junit_large.xml                             -> 4239 2 0 30
//   checkov_iac-insecure-mixed.junit.xml             -> 488 121 0 0
//   pytest_sqlparse-0.6.1_pass.xml                   -> 540 0 0 2
//   phpunit_nested.xml                               -> 12 2 0 0
//   cargo-nextest_ringbuf-lite.xml                   -> 7 2 0 0
//
// and for the flaky count:
// python3 -c "import xml.etree.ElementTree as E; c=list(E.parse('surefire_flaky-reruns.xml').iter('testcase')); print(len(c), sum(t.find('flakyFailure') is not None and t.find('failure') is None for t in c))"
//   -> 1 1
const EXPECTED: &[Expect] = &[
    //                                          total passed failed errored skipped flaky
    e("cargo-nextest_basic.xml", [3, 2, 1, 0, 0, 0], 1, 1),
    e("cargo-nextest_ringbuf-lite.xml", [7, 5, 2, 0, 0, 0], 2, 2),
    e("catch2_report.xml", [1, 0, 1, 0, 0, 0], 1, 1),
    e(
        "checkov_iac-insecure-mixed.junit.xml",
        [488, 367, 121, 0, 0, 0],
        100,
        121,
    ),
    e("cunit_empty.xml", [0, 0, 0, 0, 0, 0], 0, 0),
    // three attempts of one test: each counted, one name
    e("flaky-retries_all-failures.xml", [3, 0, 2, 1, 0, 0], 1, 3),
    e("java-junit_empty.xml", [0, 0, 0, 0, 0, 0], 0, 0),
    // every test skipped: counted, but no test ran
    e("pytest-8.3.4_all-skipped.xml", [3, 0, 0, 0, 3, 0], 0, 0),
    // 15 testcase elements although the suites say tests=8+6 (test.todo)
    e("jest-junit_cart-service.xml", [15, 12, 2, 0, 1, 0], 2, 2),
    e("jest-junit_empty-testsuite.xml", [0, 0, 0, 0, 0, 0], 0, 0),
    // the two failures are retries of one test name
    e("jest-junit_large.xml", [4239, 4207, 2, 0, 30, 0], 1, 2),
    e("jest_test-errors.xml", [2, 0, 0, 2, 0, 0], 2, 2),
    e("junit_disabled-tests.xml", [22, 6, 4, 2, 10, 0], 6, 6),
    // three <failure> in one case: one failed test, three findings
    e(
        "junit_multiple-failures-per-case.xml",
        [4, 1, 2, 0, 1, 0],
        2,
        4,
    ),
    e("mikepenz_nested-multi-level.xml", [3, 3, 0, 0, 0, 0], 0, 0),
    e("perl_tap-junit.xml", [1, 1, 0, 0, 0, 0], 0, 0),
    e("phpunit_nested.xml", [12, 10, 2, 0, 0, 0], 2, 2),
    e(
        "pulsar_surefire-aggregate.xml",
        [808, 793, 1, 0, 14, 0],
        1,
        1,
    ),
    e(
        "pytest_networkx-3.6.1_large.xml",
        [6209, 5837, 0, 0, 372, 0],
        0,
        0,
    ),
    e(
        "pytest_sqlparse-0.6.1_failures-errors-skips.xml",
        [540, 511, 20, 5, 4, 0],
        25,
        25,
    ),
    e(
        "pytest_sqlparse-0.6.1_pass.xml",
        [540, 538, 0, 0, 2, 0],
        0,
        0,
    ),
    e("pytest_xunit.xml", [10, 6, 2, 0, 2, 0], 2, 2),
    e("surefire_StringUtilsTest.xml", [5, 2, 2, 0, 1, 0], 2, 2),
    e("surefire_flaky-reruns.xml", [1, 1, 0, 0, 0, 1], 0, 0),
    e("swift-xunit.xml", [3, 2, 1, 0, 0, 0], 1, 1),
];

const NEGATIVE: &[&str] = &[
    "CORRUPT_surefire_unclosed-cdata.xml",
    "NOT-JUNIT_nunit3.xml",
];

#[test]
fn every_fixture_has_exact_counts() {
    for x in EXPECTED {
        let s = parse(x.file).unwrap_or_else(|err| panic!("{}: {err}", x.file));
        let got = [s.total, s.passed, s.failed, s.errored, s.skipped, s.flaky];
        let want = [x.total, x.passed, x.failed, x.errored, x.skipped, x.flaky];
        assert_eq!(
            got, want,
            "{}: total passed failed errored skipped flaky",
            x.file
        );
        assert_eq!(
            s.total,
            s.passed + s.failed + s.errored + s.skipped,
            "{}",
            x.file
        );
        assert_eq!(s.failed_tests.len(), x.names, "{}: names", x.file);
        assert_eq!(s.findings.len(), x.findings, "{}: findings", x.file);
        assert_eq!(s.findings_dropped, 0, "{}", x.file);
        assert!(
            s.failed_tests.iter().all(|n| n.chars().count() <= 200),
            "{}",
            x.file
        );
        assert!(
            s.findings.iter().all(|f| f.message.chars().count() <= 300),
            "{}",
            x.file
        );
    }
}

#[test]
fn every_fixture_file_is_used() {
    let mut on_disk: BTreeSet<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".xml"))
        .collect();
    for name in EXPECTED
        .iter()
        .map(|x| x.file)
        .chain(NEGATIVE.iter().copied())
    {
        assert!(on_disk.remove(name), "{name} listed twice or missing");
    }
    assert!(
        on_disk.is_empty(),
        "fixtures without expectations: {on_disk:?}"
    );
}

#[test]
fn corrupt_report_errors_with_file_and_line() {
    let err = parse("CORRUPT_surefire_unclosed-cdata.xml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`reports/CORRUPT_surefire_unclosed-cdata.xml` is not valid XML at line 18: \
         CDATA not closed: `]]>` not found before end of input"
    );
}

#[test]
fn nunit_report_is_not_junit() {
    let err = parse("NOT-JUNIT_nunit3.xml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`reports/NOT-JUNIT_nunit3.xml` is not a JUnit report: root element is `test-run`"
    );
}

fn findings(name: &str) -> Vec<(IssueKind, String, String, Option<u64>)> {
    parse(name)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.kind, f.message, f.path, f.line))
        .collect()
}

fn at(path: &str, line: u64) -> (String, Option<u64>) {
    (path.to_owned(), Some(line))
}

// Lines of <testcase> start tags checked with expat:
// python3 -c "import xml.parsers.expat as X; p=X.ParserCreate(); p.StartElementHandler=lambda n,a: n=='testcase' and print(a.get('name'), p.CurrentLineNumber); p.Parse(open('junit_multiple-failures-per-case.xml','rb').read(), True)"
//   -> testWithMultipleFailures 5, testWithSingleFailure 24, testSkipped 33, testPassing 38
#[test]
fn multiple_failures_in_one_case_are_separate_findings_at_the_testcase_line() {
    let got = findings("junit_multiple-failures-per-case.xml");
    let case = "com.example.MultipleFailuresTest.testWithMultipleFailures";
    let path = "reports/junit_multiple-failures-per-case.xml";
    let want = [
        (format!("{case}: First assertion failed"), at(path, 5)),
        (format!("{case}: Second assertion failed"), at(path, 5)),
        (format!("{case}: Third assertion failed"), at(path, 5)),
        (
            "com.example.MultipleFailuresTest.testWithSingleFailure: Single failure message".into(),
            at(path, 24),
        ),
    ];
    assert_eq!(got.len(), want.len());
    for ((kind, message, p, line), (m, (wp, wl))) in got.iter().zip(want) {
        assert_eq!(*kind, IssueKind::Failure);
        assert_eq!((message, p, line), (&m, &wp, &wl));
    }
}

#[test]
fn catch2_failure_points_at_the_source_line() {
    let got = findings("catch2_report.xml");
    assert_eq!(
        got,
        [(
            IssueKind::Failure,
            "ut_detail_utility_is_constant_evaluated.is constant evaluated: \
             REQUIRE(v == 1) expands to 0 == 10"
                .to_owned(),
            "test/unit/detail/utility/is_constant_evaluated.cpp".to_owned(),
            Some(19)
        )]
    );
}

#[test]
fn retried_cases_point_at_their_source_file() {
    let s = parse("flaky-retries_all-failures.xml").unwrap();
    let name = "test_always_fails.TestAlwaysFails.test_always_fails";
    assert_eq!(s.failed_tests, BTreeSet::from([name.to_owned()]));
    let got: Vec<_> = s
        .findings
        .iter()
        .map(|f| (f.kind, f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                IssueKind::Failure,
                format!("{name}: first failure").as_str()
            ),
            (
                IssueKind::Failure,
                format!("{name}: second failure").as_str()
            ),
            (IssueKind::Error, format!("{name}: third error").as_str()),
        ]
    );
    assert!(s.findings.iter().all(|f| f.path == "/home/runner/work/tests/test_always_fails.py"
        && f.line == Some(10)));
}

#[test]
fn messages_use_the_first_non_blank_line_of_attribute_or_text() {
    let got = findings("surefire_StringUtilsTest.xml");
    let class = "action.surefire.report.calc.StringUtilsTest";
    assert_eq!(
        got[0].1,
        format!(
            "{class}.require_fail: Expected: (an instance of java.lang.IllegalArgumentException \
             and exception with message a string containing \"This is unexpected\")"
        )
    );
    assert_eq!(got[0].2, "reports/surefire_StringUtilsTest.xml");
    assert_eq!(got[0].3, Some(4));
    // no message attribute: the first line of the text
    assert_eq!(
        got[1].1,
        format!("{class}.require: java.lang.AssertionError")
    );

    let nextest = findings("cargo-nextest_basic.xml");
    assert_eq!(
        nextest[0].1,
        "oxidized_navigation::parry3d.test_failure: thread 'test_failure' panicked at \
         tests/parry3d.rs:154:5:"
    );
    assert_eq!(nextest[0].3, Some(4));
}

#[test]
fn jest_suite_errors_are_errored_tests() {
    let s = parse("jest_test-errors.xml").unwrap();
    assert_eq!(
        s.failed_tests,
        BTreeSet::from([
            "Test suite failed to run.libs/bar.spec.ts".to_owned(),
            "Test suite failed to run.libs/foo.spec.ts".to_owned(),
        ])
    );
    let f = &s.findings[0];
    assert_eq!(f.kind, IssueKind::Error);
    assert_eq!(
        f.message,
        "Test suite failed to run.libs/foo.spec.ts: ● Test suite failed to run"
    );
    assert_eq!(
        (f.path.as_str(), f.line),
        ("reports/jest_test-errors.xml", Some(4))
    );
}

#[test]
fn pytest_setup_errors_are_errors_and_names_are_bounded() {
    let s = parse("pytest_sqlparse-0.6.1_failures-errors-skips.xml").unwrap();
    let errors: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.kind == IssueKind::Error)
        .collect();
    assert_eq!(errors.len(), 5);
    assert_eq!(
        errors[0].message,
        "tests.test_regressions.test_issue13: failed on setup with \"RuntimeError: simulated \
         setup error: could not connect to test database at 127.0.0.1:5432\""
    );
    assert_eq!(errors[0].line, Some(633));
    assert!(
        s.failed_tests
            .contains("tests.test_regressions.test_issue13")
    );

    // 121 failed checks, the name set stops at 100
    let checkov = parse("checkov_iac-insecure-mixed.junit.xml").unwrap();
    assert_eq!(checkov.failed, 121);
    assert_eq!(checkov.failed_tests.len(), 100);
}

#[test]
fn disabled_and_failed_statuses() {
    let s = parse("junit_disabled-tests.xml").unwrap();
    assert!(
        s.failed_tests
            .contains("factorial_of_value_from_fixture[0]")
    );
    assert!(
        s.failed_tests
            .contains("test_which_throws_unknown_exception")
    );
    assert_eq!(
        s.findings[0].message,
        "factorial_of_value_from_fixture: tests/failed/main.cpp:58: error: check_eq(3628800, 3628801)"
    );
}

#[test]
fn nextest_names_keep_their_module_paths() {
    let s = parse("cargo-nextest_ringbuf-lite.xml").unwrap();
    assert_eq!(
        s.failed_tests,
        BTreeSet::from([
            "ringbuf-lite.tests::len_after_overwrite_deliberately_wrong".to_owned(),
            "ringbuf-lite::integration.integration_unwrap_none_deliberate".to_owned(),
        ])
    );
    assert_eq!(s.findings[0].line, Some(7));
    assert_eq!(s.findings[1].line, Some(71));
}
