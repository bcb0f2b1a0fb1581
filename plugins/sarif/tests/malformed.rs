//! Hostile and broken inputs: each gives a clear error naming the file (or is read within
//! bounded memory), never a panic.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

mod common;

use std::io::{BufReader, Read};

use common::parse_text;
use stagegate_plugin_sarif::{ParseError, parse_one};

fn error(text: &str) -> String {
    match parse_text(text) {
        Ok(tally) => panic!("expected an error, got {tally:?}"),
        Err(error) => error.to_string(),
    }
}

const VALID: &str = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}},
  "results": [{"ruleId": "R", "level": "error", "message": {"text": "m"},
    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}]}]}]}"#;

#[test]
fn the_valid_log_reads() {
    assert_eq!(parse_text(VALID).unwrap().open, 1);
}

#[test]
fn truncated_json() {
    for cut in [VALID.len() / 3, VALID.len() / 2, VALID.len() - 1] {
        let message = error(&VALID[..cut]);
        assert!(
            message.starts_with("`input.sarif` ends early at line ")
                && message.ends_with("(truncated file?)"),
            "{message}"
        );
    }
}

#[test]
fn wrong_version_anywhere_in_the_object() {
    assert_eq!(
        error(r#"{"version": "2.0.0", "runs": []}"#),
        "`input.sarif` is SARIF version `2.0.0`; only version 2.1.0 is supported (convert \
         older logs, e.g. with the SARIF multitool's `transform` command)"
    );
    let after_runs =
        r#"{"runs": [{"tool": {"driver": {"name": "t"}}, "results": []}], "version": "3.0"}"#;
    assert!(error(after_runs).contains("SARIF version `3.0`"));
    assert!(
        error(r#"{"version": 2.1, "runs": []}"#)
            .contains("invalid type: floating point `2.1`, expected a string")
    );
    let long = format!(r#"{{"version": "{}", "runs": []}}"#, "9".repeat(100));
    assert!(error(&long).contains(&format!("`{}…`", "9".repeat(40))));
}

#[test]
fn missing_members() {
    assert_eq!(
        error(r#"{"runs": []}"#),
        "`input.sarif` has no `version`: not a SARIF log"
    );
    assert_eq!(
        error(r#"{"version": "2.1.0"}"#),
        "`input.sarif` has no `runs`: not a SARIF log"
    );
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let deep = |open: &str, close: &str| {
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"properties": {}1{}, "results": [{{"properties": {{"x": {}2{}}}}}]}}]}}"#,
            open.repeat(10_000),
            close.repeat(10_000),
            open.repeat(10_000),
            close.repeat(10_000)
        )
    };
    // Inside members the plugin skips, serde_json walks nesting iteratively: read fine.
    for (open, close) in [("[", "]"), (r#"{"a":"#, "}")] {
        assert_eq!(parse_text(&deep(open, close)).unwrap().open, 1);
    }
    // Where the plugin expects an object, nesting is a type error at the first level.
    let runs = format!(
        r#"{{"version": "2.1.0", "runs": {}{}}}"#,
        "[".repeat(10_001),
        "]".repeat(10_001)
    );
    assert!(error(&runs).contains("invalid type: sequence, expected a run object"));
    let top = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(error(&top).contains("expected a SARIF log object"));
}

/// A reader that yields `prefix`, then `size` bytes of `fill`, then `suffix`, without ever
/// holding the middle part in memory.
fn huge(prefix: &str, size: u64, fill: u8, suffix: &str) -> impl Read {
    prefix
        .as_bytes()
        .chain(std::io::repeat(fill).take(size))
        .chain(suffix.as_bytes())
}

#[test]
fn a_200_mb_message_string_is_read_in_bounded_memory() {
    let prefix = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "results": [{"ruleId": "R", "message": {"text": ""#;
    let input = huge(prefix, 200 * 1024 * 1024, b'a', r#""}}]}]}"#);
    let tally = parse_one(BufReader::new(input), "huge.sarif").unwrap();
    assert_eq!(tally.open, 1);
    assert_eq!(
        tally.findings[0].message.chars().count(),
        "[t] R: ".len() + 300 + 1
    );
}

#[test]
fn a_200_mb_key_is_read_in_bounded_memory() {
    let prefix = r#"{"version": "2.1.0", ""#;
    let input = huge(prefix, 200 * 1024 * 1024, b'k', r#"": 1, "runs": []}"#);
    let tally = parse_one(BufReader::new(input), "huge-key.sarif").unwrap();
    // Read to its end; with `runs: []` nothing was measured, so no input.
    assert_eq!((tally.inputs, tally.runs), (0, 0));
}

#[test]
fn a_huge_number_is_an_error() {
    let prefix = r#"{"version": "2.1.0", "runs": [], "n": "#;
    let input = huge(prefix, 50 * 1024 * 1024, b'7', "}");
    let error = parse_one(BufReader::new(input), "n.sarif").unwrap_err();
    assert!(matches!(error, ParseError::NumberTooLong { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "`n.sarif` holds a number longer than 4096 characters"
    );
}

#[test]
fn not_json_at_all() {
    assert!(
        error("<?xml version=\"1.0\"?><coverage/>")
            .starts_with("`input.sarif` is not valid JSON at line 1 column 1: expected value")
    );
    assert!(error("version: 2.1.0\nruns: []\n").starts_with("`input.sarif` is not valid JSON"));
    assert!(error("").starts_with("`input.sarif` ends early"));
    assert!(error("\u{0}\u{1}binary").starts_with("`input.sarif` is not valid JSON"));
    assert_eq!(
        error("[1, 2]"),
        "`input.sarif` is not a valid SARIF 2.1.0 log at line 1 column 1: invalid type: \
         sequence, expected a SARIF log object"
    );
    assert!(error(&format!("{VALID} trailing")).contains("trailing characters"));
}

#[test]
fn wrong_types_are_errors() {
    let cases = [
        (
            r#""startLine": 3"#,
            r#""startLine": "3""#,
            "invalid type: string \"3\", expected i64",
        ),
        (
            r#""level": "error""#,
            r#""level": 2"#,
            "invalid type: integer `2`, expected a string",
        ),
        (
            r#""results": ["#,
            r#""results": {"x": 1}, "y": ["#,
            "invalid type: map, expected an array of results",
        ),
        (r#""runs": ["#, r#""runs": {"#, ""),
    ];
    for (from, to, expected) in cases {
        let bad = VALID.replacen(from, to, 1);
        let message = error(&bad);
        assert!(message.starts_with("`input.sarif` is not"), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}
