//! Tests of the glue: configuration, merging several reports, fact shapes.

use std::fs::File;
use std::io::{BufReader, Cursor};

use stagegate_sdk::{FactType, FactValue, Plugin};

use super::*;

fn fixture(name: &str) -> (String, io::Result<BufReader<File>>) {
    let path = format!(
        "{}/../../tests/fixtures/junit/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    (
        format!("reports/{name}"),
        File::open(path).map(BufReader::new),
    )
}

fn long(evaluation: &Evaluation, name: &str) -> i64 {
    stagegate_sdk::EvaluationExt::long(evaluation, name)
        .unwrap_or_else(|| panic!("fact {name} is not a Long fact"))
}

fn names(evaluation: &Evaluation) -> Vec<String> {
    match evaluation
        .facts
        .iter()
        .find(|f| f.name == "failed_tests")
        .map(|f| &f.value)
    {
        Some(FactValue::TextSet(v)) => v.clone(),
        other => panic!("failed_tests: {other:?}"),
    }
}

/// A report with `n` failing test cases.
fn failing_report(n: usize) -> String {
    let mut xml = String::from("<testsuite name=\"gen\">\n");
    for i in 0..n {
        xml.push_str(&format!(
            "<testcase classname=\"gen.C\" name=\"t{i}\"><failure message=\"m{i}\"/></testcase>\n"
        ));
    }
    xml.push_str("</testsuite>\n");
    xml
}

#[test]
fn config_defaults_and_bounds() {
    assert_eq!(parse_config("{}").unwrap().max_failed_names, 100);
    assert_eq!(
        parse_config(r#"{"max_failed_names": 3}"#)
            .unwrap()
            .max_failed_names,
        3
    );
    let unknown = parse_config(r#"{"max_names": 3}"#).unwrap_err();
    assert!(unknown.contains("unknown field `max_names`"), "{unknown}");
    let big = parse_config(r#"{"max_failed_names": 5000}"#).unwrap_err();
    assert!(big.contains("at most 1000"), "{big}");
    assert!(parse_config(r#"{"max_failed_names": -1}"#).is_err());
    assert!(parse_config("[]").is_err());
    assert!(parse_config("").is_err());
}

#[test]
fn every_declared_fact_is_returned_with_its_type_even_without_input() {
    let evaluation =
        evaluate_reports(Vec::<(String, io::Result<Cursor<&[u8]>>)>::new(), "{}").unwrap();
    let specs = Junit::describe().facts;
    assert_eq!(specs.len(), evaluation.facts.len());
    for (spec, fact) in specs.iter().zip(&evaluation.facts) {
        assert_eq!(spec.name, fact.name);
        let name_ok = spec.name.starts_with(|c: char| c.is_ascii_lowercase())
            && spec
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(name_ok, "{}", spec.name);
        match (&spec.type_, &fact.value) {
            (FactType::Long, FactValue::Long(0)) => {}
            (FactType::TextSet, FactValue::TextSet(v)) => assert!(v.is_empty()),
            other => panic!("{}: {other:?}", spec.name),
        }
    }
    assert!(evaluation.findings.is_empty());
}

#[test]
fn metadata_reads_junit_roots() {
    let metadata = Junit::describe();
    assert_eq!(metadata.name, "junit");
    assert_eq!(metadata.reads.len(), 1);
    assert_eq!(metadata.reads[0].name, "junit-xml");
    assert!(matches!(&metadata.reads[0].matchers[..],
        [Matcher::XmlRoot(a), Matcher::XmlRoot(b)] if a == "testsuites" && b == "testsuite"));
}

#[test]
fn reports_where_no_test_ran_are_not_inputs() {
    let skipped = "<testsuite name=\"s\" tests=\"2\" skipped=\"2\"><testcase name=\"a\"><skipped/></testcase><testcase name=\"b\"><skipped/></testcase></testsuite>";
    let reports = vec![
        ("skipped.xml".to_owned(), Ok(skipped.as_bytes())),
        ("empty.xml".to_owned(), Ok(&b"<testsuites/>"[..])),
    ];
    let evaluation = evaluate_reports(reports, "{}").unwrap();
    assert_eq!(long(&evaluation, "inputs"), 0);
    assert_eq!(long(&evaluation, "skipped"), 2);
    assert_eq!(long(&evaluation, "passed"), 0);
    // Real reports: an empty CUnit run, JUnit 5 and jest reports with no test case, a pytest
    // run whose every test is skipped. None ran a test, so none is evidence.
    for name in [
        "cunit_empty.xml",
        "java-junit_empty.xml",
        "jest-junit_empty-testsuite.xml",
        "pytest-8.3.4_all-skipped.xml",
    ] {
        let evaluation = evaluate_reports(vec![fixture(name)], "{}").unwrap();
        assert_eq!(long(&evaluation, "inputs"), 0, "{name}");
        assert_eq!(long(&evaluation, "passed"), 0, "{name}");
    }
    let skipped = evaluate_reports(vec![fixture("pytest-8.3.4_all-skipped.xml")], "{}").unwrap();
    assert_eq!(long(&skipped, "skipped"), 3);
    // 10 disabled tests (counted as skipped) next to 6 passed, 4 failed and 2 errored: tests
    // ran, so the report counts, once, and the empty CUnit report beside it does not.
    let reports = vec![
        fixture("junit_disabled-tests.xml"),
        fixture("cunit_empty.xml"),
    ];
    let evaluation = evaluate_reports(reports, "{}").unwrap();
    assert_eq!(long(&evaluation, "inputs"), 1);
    assert_eq!(
        [
            long(&evaluation, "passed"),
            long(&evaluation, "failed"),
            long(&evaluation, "errored"),
            long(&evaluation, "skipped")
        ],
        [6, 4, 2, 10]
    );
    // A single test that ran is enough, whatever its outcome.
    for one in [
        "<testsuite><testcase name=\"a\"/></testsuite>",
        "<testsuite><testcase name=\"a\"><failure/></testcase><testcase name=\"b\"><skipped/></testcase></testsuite>",
        "<testsuite><testcase name=\"a\"><error/></testcase></testsuite>",
    ] {
        let evaluation =
            evaluate_reports(vec![("one.xml".to_owned(), Ok(one.as_bytes()))], "{}").unwrap();
        assert_eq!(long(&evaluation, "inputs"), 1, "{one}");
    }
}

#[test]
fn several_reports_add_up() {
    let reports = vec![
        fixture("jest-junit_cart-service.xml"),
        fixture("surefire_flaky-reruns.xml"),
        fixture("jest_test-errors.xml"),
        fixture("cunit_empty.xml"),
    ];
    let evaluation = evaluate_reports(reports, "{}").unwrap();
    // The empty CUnit report ran no test: it is read, but is no evidence.
    assert_eq!(long(&evaluation, "inputs"), 3);
    assert_eq!(long(&evaluation, "total"), 15 + 1 + 2);
    assert_eq!(long(&evaluation, "passed"), 12 + 1);
    assert_eq!(long(&evaluation, "failed"), 2);
    assert_eq!(long(&evaluation, "errored"), 2);
    assert_eq!(long(&evaluation, "skipped"), 1);
    assert_eq!(long(&evaluation, "flaky"), 1);
    assert_eq!(long(&evaluation, "findings_dropped"), 0);
    assert_eq!(names(&evaluation).len(), 4);
    assert_eq!(evaluation.findings.len(), 4);
    let errors: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule == "junit/error")
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(
        errors
            .iter()
            .all(|f| f.path.as_deref() == Some("reports/jest_test-errors.xml"))
    );
    assert_eq!(errors[0].line, Some(4));
    let failures: Vec<_> = evaluation
        .findings
        .iter()
        .filter(|f| f.rule == "junit/failure")
        .collect();
    // jest-junit names the test file but no line
    let paths: Vec<_> = failures
        .iter()
        .map(|f| (f.path.as_deref(), f.line))
        .collect();
    assert_eq!(
        paths,
        [
            (Some("__tests__/cart.test.js"), None),
            (Some("__tests__/price.test.js"), None)
        ]
    );
    assert!(
        evaluation
            .findings
            .iter()
            .all(|f| f.severity == Severity::High)
    );
}

#[test]
fn findings_are_capped_per_evaluation_across_files() {
    let first = failing_report(700);
    let second = failing_report(700);
    let reports = vec![
        ("a.xml".to_string(), Ok(Cursor::new(first.as_bytes()))),
        ("b.xml".to_string(), Ok(Cursor::new(second.as_bytes()))),
    ];
    let evaluation = evaluate_reports(reports, r#"{"max_failed_names": 10}"#).unwrap();
    assert_eq!(long(&evaluation, "failed"), 1400);
    assert_eq!(evaluation.findings.len(), MAX_FINDINGS);
    assert_eq!(long(&evaluation, "findings_dropped"), 400);
    assert_eq!(names(&evaluation).len(), 10);
}

#[test]
fn a_bad_report_fails_the_evaluation_naming_it() {
    let reports = vec![fixture("cunit_empty.xml"), fixture("NOT-JUNIT_nunit3.xml")];
    let error = evaluate_reports(reports, "{}").unwrap_err();
    assert_eq!(
        error,
        "`reports/NOT-JUNIT_nunit3.xml` is not a JUnit report: root element is `test-run`"
    );
    let missing = vec![fixture("no-such-file.xml")];
    let error = evaluate_reports(missing, "{}").unwrap_err();
    assert!(
        error.starts_with("cannot read `reports/no-such-file.xml`"),
        "{error}"
    );
}

#[test]
fn utf16_reports_with_a_byte_order_mark_are_read() {
    use stagegate_sdk::text::bom::BomReader;
    // What .NET and PowerShell tools write: UTF-16 with a mark and a matching declaration.
    let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<testsuite name=\"s\">\r\n\
               <testcase classname=\"C\" name=\"ok\"/>\r\n\
               <testcase classname=\"C\" name=\"bad\"><failure message=\"é ✗\"/></testcase>\r\n\
               </testsuite>\r\n";
    for little_endian in [true, false] {
        let bytes = stagegate_sdk::text::bom::utf16_with_mark(xml, little_endian);
        let reader = BufReader::new(BomReader::new(Cursor::new(bytes)));
        let evaluation =
            evaluate_reports(vec![("TEST-utf16.xml".to_owned(), Ok(reader))], "{}").unwrap();
        assert_eq!(long(&evaluation, "inputs"), 1, "{little_endian}");
        assert_eq!(long(&evaluation, "passed"), 1, "{little_endian}");
        assert_eq!(names(&evaluation), ["C.bad"], "{little_endian}");
        assert_eq!(evaluation.findings[0].line, Some(4), "{little_endian}");
    }
}

#[test]
fn reports_up_to_the_limit_are_read_whole_and_larger_ones_streamed_with_the_same_result() {
    use stagegate_sdk::text::bom::BomReader;
    let xml = failing_report(30);
    let utf16 = stagegate_sdk::text::bom::utf16_with_mark(&xml, true);
    for bytes in [xml.into_bytes(), utf16] {
        let reader = || BufReader::new(BomReader::new(Cursor::new(bytes.clone())));
        let size = bytes.len() as u64;
        let whole = open_report(reader(), size).unwrap();
        assert!(
            matches!(whole, Report::Bytes(_)),
            "{size} bytes are read whole"
        );
        let streamed = open_report(reader(), WHOLE_REPORT_BYTES + 1).unwrap();
        assert!(
            matches!(streamed, Report::Reader(_)),
            "past the limit it streams"
        );
        let evaluate = |report| evaluate_opened(vec![("r.xml".to_owned(), Ok(report))], "{}");
        let (whole, streamed) = (evaluate(whole).unwrap(), evaluate(streamed).unwrap());
        assert_eq!(long(&whole, "failed"), 30);
        assert_eq!(format!("{whole:?}"), format!("{streamed:?}"));
    }
}

#[test]
fn a_report_that_grows_past_twice_the_limit_while_read_whole_is_an_error() {
    let endless = BufReader::new(io::repeat(b' '));
    let error = open_report(endless, 10).unwrap_err();
    assert!(error.to_string().contains("grew past"), "{error}");
}
