//! What counts as an input: a report that covers at least one line, covered or not. Reports
//! are evaluated through `evaluate_reports`, the plugin's own evaluation without the host.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use std::fs::File;
use std::io::{self, BufReader};

use common::{fixture, kind_of};
use stagegate_plugin_coverage::{KIND_COBERTURA, KIND_LCOV, Note, evaluate_reports};
use stagegate_sdk::Evaluation;

fn long(evaluation: &Evaluation, name: &str) -> i64 {
    stagegate_sdk::EvaluationExt::long(evaluation, name)
        .unwrap_or_else(|| panic!("{name} is not a Long fact"))
}

/// Evaluates committed fixtures, returning the evaluation and what it logged.
fn evaluate_fixtures(names: &[&str]) -> (Evaluation, Vec<Note>) {
    let reports = names.iter().map(|name| {
        let file = File::open(fixture(name)).map(BufReader::new);
        ((*name).to_owned(), kind_of(name).to_owned(), file)
    });
    let mut notes = Vec::new();
    let evaluation = evaluate_reports(reports, "{}", &mut |n| notes.push(n)).unwrap();
    (evaluation, notes)
}

/// Evaluates in-memory reports `(kind, text)`.
fn evaluate_texts(texts: &[(&str, &str)]) -> Evaluation {
    let reports = texts.iter().enumerate().map(|(i, (kind, text))| {
        let reader: io::Result<&[u8]> = Ok(text.as_bytes());
        (format!("report{i}"), (*kind).to_owned(), reader)
    });
    evaluate_reports(reports, "{}", &mut |_| {}).unwrap()
}

#[test]
fn every_fixture_covers_lines_and_counts() {
    let mut names: Vec<String> = std::fs::read_dir(fixture(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "SOURCES.md")
        .collect();
    names.sort();
    for name in &names {
        let (evaluation, notes) = evaluate_fixtures(&[name]);
        assert_eq!(long(&evaluation, "inputs"), 1, "{name}: {notes:?}");
        assert!(long(&evaluation, "lines_total") > 0, "{name}");
    }
    let all: Vec<&str> = names.iter().map(String::as_str).collect();
    let (evaluation, _) = evaluate_fixtures(&all);
    assert_eq!(long(&evaluation, "inputs"), names.len() as i64);
}

#[test]
fn a_report_with_lines_none_covered_is_evidence() {
    // nyc 18 on a project whose tests never load the code: every line is counted, none is
    // hit. That measured something (0 %), so a coverage gate can judge it.
    for name in [
        "nyc-18_all-files-zero-coverage.lcov",
        "nyc-18_all-files-zero-coverage.cobertura.xml",
    ] {
        let (evaluation, notes) = evaluate_fixtures(&[name]);
        assert_eq!(long(&evaluation, "inputs"), 1, "{name}");
        assert!(long(&evaluation, "lines_total") > 0, "{name}");
        assert_eq!(long(&evaluation, "lines_covered"), 0, "{name}");
        assert!(notes.is_empty(), "{name}: {notes:?}");
    }
    // JaCoCo without debug information: only counters, no line elements, still lines.
    let (evaluation, _) = evaluate_fixtures(&["jacoco_handmade_counters-only.xml"]);
    assert_eq!(long(&evaluation, "inputs"), 1);
}

#[test]
fn reports_that_cover_no_line_are_not_inputs() {
    // What c8 and nyc write when no file was instrumented: an empty LCOV file, or a
    // Cobertura root with no package.
    let empty_cobertura = r#"<?xml version="1.0" ?>
<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">
<coverage lines-valid="0" lines-covered="0" line-rate="1" branches-valid="0" branches-covered="0" branch-rate="1" timestamp="1700000000000" complexity="0" version="0.1">
  <sources><source>/app</source></sources>
  <packages></packages>
</coverage>"#;
    let texts = [
        (KIND_LCOV, ""),
        (KIND_LCOV, "TN:\n"),
        (KIND_LCOV, "TN:\nSF:src/empty.js\nend_of_record\n"),
        (KIND_COBERTURA, empty_cobertura),
    ];
    for text in texts {
        let evaluation = evaluate_texts(&[text]);
        assert_eq!(long(&evaluation, "inputs"), 0, "{text:?}");
    }
    // Next to a real report, only the real one counts.
    let mut with_real = texts.to_vec();
    with_real.push((KIND_LCOV, "SF:src/a.c\nDA:1,1\nDA:2,0\nend_of_record\n"));
    let evaluation = evaluate_texts(&with_real);
    assert_eq!(long(&evaluation, "inputs"), 1);
    assert_eq!(long(&evaluation, "lines_total"), 2);
}

#[test]
fn empty_reports_are_logged() {
    let reports = [(
        "empty.lcov".to_owned(),
        KIND_LCOV.to_owned(),
        Ok(&b"TN:\n"[..]),
    )];
    let mut notes = Vec::new();
    evaluate_reports(reports, "{}", &mut |n| notes.push(n)).unwrap();
    assert_eq!(
        notes,
        [Note::Empty(
            "`empty.lcov` covers no line: not counted as an input".to_owned()
        )]
    );
}

use stagegate_sdk::text::bom::utf16_with_mark as utf16;

#[test]
fn utf16_reports_with_a_byte_order_mark_are_read() {
    use stagegate_sdk::text::bom::BomReader;
    for name in [
        "coverage-py_sqlparse-0.6.1.lcov",
        "cobertura-2.1.1_java.xml",
        "jacoco-0.8.3_java.xml",
    ] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let (plain, _) = evaluate_fixtures(&[name]);
        for little_endian in [true, false] {
            let bytes = utf16(&text, little_endian);
            let reader = Ok(BufReader::new(BomReader::new(&bytes[..])));
            let reports = [(name.to_owned(), kind_of(name).to_owned(), reader)];
            let evaluation = evaluate_reports(reports, "{}", &mut |_| {}).unwrap();
            assert_eq!(
                format!("{:?}", evaluation.facts),
                format!("{:?}", plain.facts),
                "{name} {little_endian}"
            );
            assert_eq!(long(&evaluation, "inputs"), 1);
        }
    }
}
