//! Hostile and broken inputs, generated here: each must give a clear error that
//! names the file (and a line for XML problems), never a panic or a hang, and
//! big inputs must stay within bounded output.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]

use std::io::{BufReader, Read};

mod common;

use stagegate_plugin_junit::parse::{Limits, ParseError, Summary, parse_report};

const PYTEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/junit/pytest_xunit.xml"
);

fn parse(bytes: &[u8]) -> Result<Summary, ParseError> {
    common::parse_every_way(bytes, "reports/x.xml", Limits::default())
}

/// The error message, which must name the file.
fn error(bytes: &[u8]) -> String {
    let message = parse(bytes).unwrap_err().to_string();
    assert!(message.starts_with("`reports/x.xml` "), "{message}");
    message
}

fn xml_error_line(bytes: &[u8]) -> (u64, String) {
    match parse(bytes).unwrap_err() {
        ParseError::Xml {
            path,
            line,
            message,
        } => {
            assert_eq!(path, "reports/x.xml");
            (line, message)
        }
        other => panic!("expected an XML error, got {other}"),
    }
}

#[test]
fn truncated_reports_are_errors_at_every_cut() {
    let full = std::fs::read(PYTEST).unwrap();
    assert!(parse(&full).is_ok());
    // Every cut after the root's start tag and before its end tag is an error.
    let root_open = full.windows(12).position(|w| w == b"<testsuites ").unwrap();
    let root_close = full
        .windows(13)
        .rposition(|w| w == b"</testsuites>")
        .unwrap();
    for cut in root_open + 1..root_close + 12 {
        let message = error(&full[..cut]);
        assert!(
            message.contains("is not valid XML at line "),
            "cut {cut}: {message}"
        );
    }
}

#[test]
fn truncation_inside_text_names_the_open_element() {
    let full = std::fs::read(PYTEST).unwrap();
    let at = full
        .windows(14)
        .position(|w| w == b"def test_error")
        .unwrap();
    let (line, message) = xml_error_line(&full[..at + 5]);
    assert_eq!(line, 28);
    assert_eq!(
        message,
        "the file ends inside `<failure>` opened at line 28"
    );
}

#[test]
fn billion_laughs_is_refused_before_any_expansion() {
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    bomb.push_str(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1);
        bomb.push_str(&format!(" <!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    bomb.push_str(
        "]>\n<testsuite name=\"&lol9;\"><testcase name=\"t\">&lol9;</testcase></testsuite>\n",
    );
    let (line, message) = xml_error_line(bomb.as_bytes());
    assert_eq!(line, 2);
    assert_eq!(
        message,
        "the DOCTYPE declares entities, which are never expanded"
    );
}

#[test]
fn external_entities_are_refused() {
    let xxe =
        b"<!DOCTYPE t [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<testsuite>&xxe;</testsuite>";
    assert!(error(xxe).contains("the DOCTYPE declares entities"));
    // lower-case keyword, parameter entity
    let pe = b"<!DOCTYPE t [<!entity % p SYSTEM \"http://x/\"> %p;]><testsuite/>";
    assert!(error(pe).contains("the DOCTYPE declares entities"));
}

#[test]
fn a_doctype_without_entities_is_ignored() {
    let xml =
        b"<!DOCTYPE testsuite SYSTEM \"junit.dtd\">\n<testsuite><testcase name=\"a\"/></testsuite>";
    assert_eq!(parse(xml).unwrap().passed, 1);
}

#[test]
fn undeclared_entities_are_errors_in_text_and_attributes() {
    let text =
        b"<testsuite>\n<testcase name=\"a\">\n<failure>&lol9;</failure></testcase></testsuite>";
    let (line, message) = xml_error_line(text);
    assert_eq!(line, 3);
    assert_eq!(
        message,
        "unknown entity `&lol9;` (only the five predefined entities are decoded)"
    );
    let attribute = b"<testsuite>\n\n<properties><property name=\"p\" value=\"&secret;\"/></properties></testsuite>";
    let (line, message) = xml_error_line(attribute);
    assert_eq!(line, 3);
    assert!(
        message.starts_with("unknown entity `&secret;`"),
        "{message}"
    );
    let bad_char =
        b"<testsuite><testcase name=\"a\"><failure>&#0;</failure></testcase></testsuite>";
    assert!(error(bad_char).contains("invalid character reference `&#0;`"));
    let lone_amp = b"<testsuite><testcase name=\"a & b\"/></testsuite>";
    assert!(error(lone_amp).contains("is not valid XML at line 1"));
}

#[test]
fn predefined_entities_and_character_references_decode() {
    let xml = b"<testsuite><testcase classname=\"a&amp;b\" name=\"t&#x3C;1&gt;\">\
        <failure>&#10;&lt;x&gt; &quot;y&quot; &apos;z&apos; &#233;</failure></testcase></testsuite>";
    let s = parse(xml).unwrap();
    assert_eq!(s.findings[0].message, "a&b.t<1>: <x> \"y\" 'z' é");
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused() {
    let depth = 10_000;
    let mut xml = String::from("<testsuites>\n");
    for _ in 0..depth {
        xml.push_str("<testsuite>\n");
    }
    for _ in 0..depth {
        xml.push_str("</testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    let (line, message) = xml_error_line(xml.as_bytes());
    assert_eq!(line, 257);
    assert_eq!(message, "elements are nested deeper than 256 levels");

    // any element counts, also inside a test case
    let mut inner = String::from("<testsuite><testcase name=\"a\">");
    inner.push_str(&"<a>".repeat(depth));
    inner.push_str(&"</a>".repeat(depth));
    inner.push_str("</testcase></testsuite>");
    assert!(error(inner.as_bytes()).contains("nested deeper than 256 levels"));

    // 256 levels are fine
    let ok = format!(
        "{}{}",
        "<testsuite>".repeat(256),
        "</testsuite>".repeat(256)
    );
    assert_eq!(parse(ok.as_bytes()).unwrap().total, 0);
}

#[test]
fn json_is_not_xml() {
    let json = br#"{"testsuites": [{"name": "a", "tests": 1}]}"#;
    assert_eq!(
        error(json),
        "`reports/x.xml` is not valid XML at line 1: text outside the root element"
    );
}

#[test]
fn binary_input_is_an_error() {
    // deterministic pseudo-random bytes behind a PNG signature, with NULs and `<`
    let mut state = 0x2545_f491_u32;
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    for _ in 0..4096 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.push(state.to_le_bytes()[0]);
    }
    assert!(error(&bytes).contains("is not valid XML at line 1"));
    // binary that starts like markup
    let mut markup = b"<testsuite>".to_vec();
    markup.extend_from_slice(&bytes);
    assert!(parse(&markup).is_err());
}

#[test]
fn empty_and_blank_files_are_errors() {
    assert_eq!(
        error(b""),
        "`reports/x.xml` is not valid XML at line 1: the file is empty"
    );
    assert_eq!(
        error(b"\xEF\xBB\xBF"),
        "`reports/x.xml` is not valid XML at line 1: the file is empty"
    );
    assert_eq!(
        error(b"<?xml version=\"1.0\"?>\n<!-- nothing -->\n\n"),
        "`reports/x.xml` is not valid XML at line 4: no root element"
    );
}

#[test]
fn other_xml_roots_are_not_junit() {
    assert_eq!(
        error(b"<?xml version=\"1.0\"?><coverage line-rate=\"1\"/>"),
        "`reports/x.xml` is not a JUnit report: root element is `coverage`"
    );
}

#[test]
fn well_formedness_errors_have_lines() {
    let cases: [(&[u8], u64, &str); 6] = [
        (
            b"<testsuite>\n<testcase>\n</testsuite>",
            3,
            "expected `</testcase>`, but `</testsuite>` was found",
        ),
        (
            b"<testsuite/>\n<testsuite/>",
            2,
            "a second root element follows the first",
        ),
        (
            b"<testsuite/>\ntrailing",
            2,
            "text outside the root element",
        ),
        (
            b"<testsuite/>\n<!DOCTYPE x>",
            2,
            "a DOCTYPE after the root element",
        ),
        (
            b"<testsuite>\n\n<testcase name=\"a\" name=\"b\"/></testsuite>",
            3,
            "malformed attribute: ",
        ),
        (
            b"<?xml version=\"1.0\" encoding=\"UCS-4\"?><testsuite/>",
            1,
            "encoding `ucs-4` is not supported",
        ),
    ];
    for (xml, want_line, want) in cases {
        let (line, message) = xml_error_line(xml);
        assert_eq!(line, want_line, "{message}");
        assert!(message.starts_with(want), "{message}");
    }
}

#[test]
fn quoted_input_in_errors_is_printable_and_bounded() {
    let mut xml = b"<testsuite>\n</x\x1b[2J".to_vec();
    xml.extend(std::iter::repeat_n(b'y', 100_000));
    xml.extend_from_slice(b">");
    let (line, message) = xml_error_line(&xml);
    assert_eq!(line, 2);
    assert!(
        message.starts_with("expected `</testsuite>`, but `</x [2Jyyy"),
        "{message}"
    );
    assert!(!message.contains('\u{1b}'));
    assert_eq!(message.chars().count(), 300);
}

#[test]
fn huge_strings_stay_bounded() {
    let big = "x".repeat(8 << 20);
    let xml = format!(
        "<testsuite name=\"{big}\"><testcase classname=\"{big}\" name=\"t\" file=\"{big}\">\
         <failure message=\"{big}\">{big}</failure><system-out>{big}</system-out>\
         </testcase></testsuite>"
    );
    let s = parse(xml.as_bytes()).unwrap();
    assert_eq!(s.failed, 1);
    let finding = &s.findings[0];
    assert_eq!(finding.message.chars().count(), 300);
    assert!(finding.path.chars().count() <= 500);
    assert_eq!(s.failed_tests.iter().next().unwrap().chars().count(), 200);
}

#[test]
fn wrong_attribute_types_are_tolerated() {
    let xml = b"<testsuites><testsuite name=\"s\" failures=\"many\" errors=\"-1\"/>\
        <testsuite name=\"t\" failures=\"99999999999999999999999\"/>\
        <testsuite><testcase name=\"a\" line=\"x\" file=\"f.py\" status=\"42\"/></testsuite></testsuites>";
    let s = parse(xml).unwrap();
    assert_eq!(s.passed, 1);
    assert_eq!(s.failed, u64::MAX);
    assert_eq!(s.total, u64::MAX);
    assert_eq!(s.findings.len(), 1);
}

#[test]
fn a_reader_that_fails_is_an_io_error() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = parse_report(BufReader::new(Failing), "reports/x.xml").unwrap_err();
    assert_eq!(err.to_string(), "cannot read `reports/x.xml`: disk on fire");
}

#[test]
fn an_error_after_thousands_of_lines_in_one_event_has_the_same_line_every_way() {
    // An unterminated CDATA section and an unterminated comment, each
    // spanning more line breaks than a streamed parse remembers.
    for (open, tail) in [("<![CDATA[", "x"), ("<!--", "y")] {
        let mut xml = String::from("<testsuite>\n<testcase name=\"t\"><system-out>");
        xml.push_str(open);
        xml.push_str(&"line\n".repeat(5000));
        xml.push_str(tail);
        let (line, _) = xml_error_line(xml.as_bytes());
        assert_eq!(
            line, 2,
            "the error is reported where the event starts: {open}"
        );
    }
}
