//! Hostile and broken inputs: each gives a clear error naming the file, never a panic, and
//! memory stays bounded (no tree, capped tokens, capped nesting, no entity expansion).

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use common::read_bytes;
use stagegate_plugin_coverage::{KIND_COBERTURA, KIND_JACOCO, KIND_LCOV, ParseError};

fn xml_error(bytes: &[u8]) -> String {
    match read_bytes(KIND_COBERTURA, bytes) {
        Ok(coverage) => panic!("expected an error, read {coverage:?}"),
        Err(error) => error.to_string(),
    }
}

const SMALL: &str = r#"<?xml version="1.0"?>
<coverage lines-valid="2" lines-covered="1">
  <packages><package name="p"><classes>
    <class name="A" filename="a.py"><lines>
      <line number="1" hits="1"/>
      <line number="2" hits="0"/>
    </lines></class>
  </classes></package></packages>
</coverage>
"#;

#[test]
fn the_small_report_reads() {
    let coverage = read_bytes(KIND_COBERTURA, SMALL.as_bytes()).unwrap();
    assert_eq!(coverage.files["a.py"].line_counts().total, 2);
}

#[test]
fn truncated_xml_is_an_error() {
    let cut = &SMALL.as_bytes()[..SMALL.len() / 2];
    let message = xml_error(cut);
    assert!(message.starts_with("`input` "), "{message}");
    assert!(
        message.contains("truncated") || message.contains("not valid XML"),
        "{message}"
    );
    // Cut just after a complete tag: the open elements are named.
    let cut = SMALL.find("<lines>").unwrap() + "<lines>".len();
    assert_eq!(
        xml_error(&SMALL.as_bytes()[..cut]),
        "`input` ends before `<lines>` is closed (truncated file?)"
    );
}

#[test]
fn truncated_lcov_is_an_error() {
    let error = read_bytes(KIND_LCOV, b"TN:\nSF:a.c\nDA:1,1\nDA:2,").unwrap_err();
    assert!(error.to_string().contains("`DA:` hit count"), "{error}");
    let error = read_bytes(KIND_LCOV, b"TN:\nSF:a.c\nDA:1,1\n").unwrap_err();
    assert!(error.to_string().contains("no `end_of_record`"), "{error}");
}

#[test]
fn wrong_types_are_errors() {
    let bad = SMALL.replace(r#"number="2""#, r#"number="two""#);
    assert_eq!(
        xml_error(bad.as_bytes()),
        "`input` near line 6: `<line number=\"two\">` is not a line number"
    );
    let bad = SMALL.replace(r#"hits="0""#, r#"hits="-3""#);
    assert!(xml_error(bad.as_bytes()).contains("is not a non-negative number"));
    let bad = SMALL.replace(r#"lines-valid="2""#, r#"lines-valid="NaN""#);
    assert!(xml_error(bad.as_bytes()).contains("`<coverage lines-valid=\"NaN\">`"));
    let error = read_bytes(KIND_LCOV, b"SF:a.c\nLF:many\nend_of_record\n").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`LF:` value `many` is not a count"),
        "{error}"
    );
    let jacoco = br#"<report name="r"><package name="p"><sourcefile name="A.java"><line nr="1" mi="x" ci="1"/></sourcefile></package></report>"#;
    let error = read_bytes(KIND_JACOCO, jacoco).unwrap_err();
    assert!(error.to_string().contains("`<line mi=\"x\">`"), "{error}");
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let mut deep = String::from("<coverage>");
    for _ in 0..10_000 {
        deep.push_str("<a>");
    }
    for _ in 0..10_000 {
        deep.push_str("</a>");
    }
    deep.push_str("</coverage>");
    let message = xml_error(deep.as_bytes());
    assert!(message.contains("nest deeper than 256 levels"), "{message}");
}

#[test]
fn a_huge_attribute_is_refused_before_it_fills_memory() {
    let mut huge = Vec::with_capacity(20 * 1024 * 1024);
    huge.extend_from_slice(b"<coverage><packages><package name=\"");
    huge.resize(huge.len() + 20 * 1024 * 1024, b'x');
    huge.extend_from_slice(b"\"/></packages></coverage>");
    let error = read_bytes(KIND_COBERTURA, &huge).unwrap_err();
    assert!(
        matches!(error, ParseError::TokenTooLarge { line: 1, .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "`input` holds a single token or line longer than 8388608 bytes near line 1"
    );
    // The same for an LCOV line.
    let mut line = b"SF:".to_vec();
    line.resize(20 * 1024 * 1024, b'y');
    let error = read_bytes(KIND_LCOV, &line).unwrap_err();
    assert!(matches!(error, ParseError::TokenTooLarge { .. }), "{error}");
}

#[test]
fn a_large_but_bounded_string_is_fine() {
    let long_name = "n".repeat(4 * 1024 * 1024);
    let report = SMALL.replace(r#"name="A""#, &format!(r#"name="{long_name}""#));
    let coverage = read_bytes(KIND_COBERTURA, report.as_bytes()).unwrap();
    assert_eq!(coverage.files.len(), 1);
}

#[test]
fn entity_declarations_are_refused_and_references_never_expanded() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE coverage [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<coverage><packages/></coverage>"#;
    assert_eq!(
        xml_error(bomb.as_bytes()),
        "`input` declares entities in its DOCTYPE near line 5; entity declarations are refused"
    );
    let external = SMALL.replace(r#"filename="a.py""#, r#"filename="&secret;""#);
    let message = xml_error(external.as_bytes());
    assert!(message.contains("not valid XML"), "{message}");
    assert!(message.contains("secret"), "{message}");
}

#[test]
fn a_doctype_without_entities_is_accepted_and_not_fetched() {
    let with_doctype = SMALL.replace(
        "<coverage",
        "<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n<coverage",
    );
    let coverage = read_bytes(KIND_COBERTURA, with_doctype.as_bytes()).unwrap();
    assert_eq!(coverage.files["a.py"].line_counts().covered, 1);
}

#[test]
fn unknown_versions_are_read_the_same() {
    // Neither format has a version that changes meaning: a Cobertura `version` attribute and
    // an LCOV `VER:` record are informational, so an unknown value reads the same.
    let future = SMALL.replace("<coverage ", "<coverage version=\"99.0\" ");
    let coverage = read_bytes(KIND_COBERTURA, future.as_bytes()).unwrap();
    assert_eq!(coverage.files["a.py"].line_counts().total, 2);
    let lcov = read_bytes(KIND_LCOV, b"VER:99\nSF:a.c\nDA:1,1\nend_of_record\n").unwrap();
    assert_eq!(lcov.files["a.c"].line_counts().covered, 1);
}

#[test]
fn not_the_format_at_all() {
    assert_eq!(
        xml_error(b"<html><body>hello</body></html>"),
        "`input` has root element `<html>`: not a Cobertura (`<coverage>`) or JaCoCo (`<report>`) report"
    );
    assert_eq!(
        xml_error(b"just some text\n"),
        "`input` holds no XML element"
    );
    assert_eq!(xml_error(b""), "`input` holds no XML element");
    assert!(xml_error(b"{\"version\": \"2.1.0\"}").contains("holds no XML element"));
    assert!(xml_error(b"\x00\x01\x02<<<>>>").starts_with("`input` "));
    let error = read_bytes(KIND_LCOV, b"<coverage/>\n").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a valid LCOV tracefile at line 1"),
        "{error}"
    );
    let error = read_bytes(KIND_LCOV, b"\x89PNG\r\n\x1a\n").unwrap_err();
    assert!(
        error.to_string().starts_with("`input` is not a valid LCOV"),
        "{error}"
    );
}

#[test]
fn mismatched_and_duplicate_roots_are_errors() {
    assert!(xml_error(b"<coverage><packages></package></coverage>").contains("not valid XML"));
    assert!(xml_error(b"<coverage/><coverage/>").contains("second root"));
}

#[test]
fn other_formats_sharing_a_root_name_are_skipped_not_counted() {
    let clover = br#"<?xml version="1.0"?>
<coverage generated="1" clover="4.3.1"><project timestamp="1"><metrics statements="2"/>
<package name="p"><file name="A.java" path="/src/A.java"><line num="1" count="3" type="stmt"/></file></package>
</project></coverage>"#;
    let error = read_bytes(KIND_COBERTURA, clover).unwrap_err();
    assert!(matches!(error, ParseError::NotCoverage { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "`input` is not a Cobertura report: it is a Clover report (`<coverage clover>` / \
         `<project>`); skipped"
    );
    let other = br#"<report><title>Dependency report</title><item name="x"/></report>"#;
    let error = read_bytes(KIND_JACOCO, other).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`input` is not a JaCoCo report: its `<report>` holds no JaCoCo element; skipped"
    );
}
