//! The counting rules of the parser's module docs, one small generated report
//! per rule.
#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod common;

use stagegate_plugin_junit::parse::{IssueKind, Limits, Summary};

fn parse(xml: &str) -> Summary {
    common::parse_every_way(xml.as_bytes(), "r.xml", Limits::default()).unwrap()
}

/// total, passed, failed, errored, skipped, flaky
fn counts(s: &Summary) -> [u64; 6] {
    [s.total, s.passed, s.failed, s.errored, s.skipped, s.flaky]
}

fn messages(s: &Summary) -> Vec<(IssueKind, &str)> {
    s.findings
        .iter()
        .map(|f| (f.kind, f.message.as_str()))
        .collect()
}

#[test]
fn status_attributes_without_children() {
    let s = parse(
        r#"<testsuite>
        <testcase name="a" status="failed"/>
        <testcase name="b" status="ERROR"/>
        <testcase name="c" status="notrun"/>
        <testcase name="d" status="skipped"/>
        <testcase name="e" status="run"/>
        <testcase name="f" status="failed"><skipped/></testcase>
        </testsuite>"#,
    );
    assert_eq!(counts(&s), [6, 1, 3, 0, 2, 0]);
    assert_eq!(
        messages(&s),
        [
            (IssueKind::Failure, "a: status `failed`"),
            (IssueKind::Failure, "b: status `error`"),
            (IssueKind::Failure, "f: status `failed`"),
        ]
    );
}

#[test]
fn failure_wins_over_error_and_skipped() {
    let s = parse(
        r#"<testsuite><testcase name="a"><skipped/><error message="e"/><failure message="f"/></testcase>
        <testcase name="b"><skipped/><error/></testcase></testsuite>"#,
    );
    assert_eq!(counts(&s), [2, 0, 1, 1, 0, 0]);
    assert_eq!(
        messages(&s),
        [
            (IssueKind::Error, "a: e"),
            (IssueKind::Failure, "a: f"),
            (IssueKind::Error, "b errored"),
        ]
    );
}

#[test]
fn surefire_flaky_and_rerun_elements() {
    let s = parse(
        r#"<testsuite>
        <testcase name="flaky1"><flakyFailure message="x"><stackTrace>t</stackTrace></flakyFailure></testcase>
        <testcase name="flaky2"><flakyError message="x"/><flakyError message="y"/></testcase>
        <testcase name="failed_with_reruns"><failure message="first"/><rerunFailure message="again"/><rerunFailure message="again"/></testcase>
        <testcase name="rerun_only"><rerunError message="boom"><stackTrace>t</stackTrace></rerunError></testcase>
        <testcase name="flaky_then_failed"><flakyFailure/><failure message="f"/></testcase>
        </testsuite>"#,
    );
    assert_eq!(counts(&s), [5, 2, 2, 1, 0, 2]);
    assert_eq!(
        messages(&s),
        [
            (IssueKind::Failure, "failed_with_reruns: first"),
            (IssueKind::Error, "rerun_only: boom"),
            (IssueKind::Failure, "flaky_then_failed: f"),
        ]
    );
}

#[test]
fn retried_cases_with_the_same_name_each_count() {
    let s = parse(
        r#"<testsuite><testcase classname="c" name="t"><failure/></testcase>
        <testcase classname="c" name="t"><failure/></testcase>
        <testcase classname="c" name="t"/></testsuite>"#,
    );
    assert_eq!(counts(&s), [3, 1, 2, 0, 0, 0]);
    assert_eq!(s.failed_tests.len(), 1);
    assert_eq!(s.findings.len(), 2);
}

#[test]
fn suite_level_failures_and_errors_are_errored_tests() {
    let s = parse(
        "<testsuites>\n<testsuite name=\"broken.spec.ts\" tests=\"0\">\n\
         <error message=\"Test suite failed to run\"/>\n</testsuite>\n\
         <testsuite name=\"other\">\n<testcase name=\"ok\"/>\n<failure>setup\nfailed</failure>\n</testsuite>\n</testsuites>",
    );
    assert_eq!(counts(&s), [3, 1, 0, 2, 0, 0]);
    let names: Vec<_> = s.failed_tests.iter().map(String::as_str).collect();
    assert_eq!(names, ["broken.spec.ts", "other"]);
    assert_eq!(
        messages(&s),
        [
            (IssueKind::Error, "broken.spec.ts: Test suite failed to run"),
            (IssueKind::Failure, "other: setup"),
        ]
    );
    assert_eq!(s.findings[0].line, Some(3));
    assert_eq!(s.findings[1].line, Some(7));
}

#[test]
fn crashed_suites_never_look_green() {
    let s = parse(
        "<testsuites>\n<testsuite name=\"crashed\" tests=\"3\" failures=\"2\" errors=\"1\"/>\n\
         <testsuite name=\"parent\" failures=\"5\"><testsuite name=\"child\"/></testsuite>\n\
         <testsuite name=\"fine\" failures=\"0\" errors=\"0\"/>\n</testsuites>",
    );
    // the parent has a child suite, so its attribute is not counted
    assert_eq!(counts(&s), [3, 0, 2, 1, 0, 0]);
    assert_eq!(s.failed_tests.iter().collect::<Vec<_>>(), ["crashed"]);
    assert_eq!(
        messages(&s),
        [
            (
                IssueKind::Failure,
                "crashed: the suite reports 2 failures but lists no test cases"
            ),
            (
                IssueKind::Error,
                "crashed: the suite reports 1 errors but lists no test cases"
            ),
        ]
    );
    assert_eq!(s.findings[0].line, Some(2));

    let root = parse(r#"<testsuites name="run" tests="4" errors="4"></testsuites>"#);
    assert_eq!(counts(&root), [4, 0, 0, 4, 0, 0]);
}

#[test]
fn nesting_wrappers_and_namespaces() {
    let s = parse(
        r#"<j:testsuites xmlns:j="urn:x"><j:testsuite name="a"><group>
        <j:testcase name="in_wrapper"/>
        <testsuite name="deep"><testsuite name="deeper"><testcase name="d"><failure/></testcase></testsuite></testsuite>
        </group></j:testsuite>
        <testsuite><testcase name="outer"><testcase name="nested_not_counted"><failure/></testcase></testcase></testsuite>
        </j:testsuites>"#,
    );
    assert_eq!(counts(&s), [3, 2, 1, 0, 0, 0]);
    assert_eq!(messages(&s), [(IssueKind::Failure, "d failed")]);
}

#[test]
fn names_and_messages() {
    let s = parse(
        r#"<testsuite>
        <testcase classname="" name="no class"><failure type="AssertionError"/></testcase>
        <testcase classname="Cart add()" name="Cart add() works"><failure message="  "><![CDATA[

            Expected: 1]]>
        </failure></testcase>
        <testcase classname="pkg.C"><failure message="m"/></testcase>
        <testcase><failure message="m"/></testcase>
        </testsuite>"#,
    );
    assert_eq!(
        messages(&s),
        [
            (IssueKind::Failure, "no class: AssertionError"),
            (IssueKind::Failure, "Cart add() works: Expected: 1"),
            (IssueKind::Failure, "pkg.C: m"),
            (IssueKind::Failure, "(unnamed test): m"),
        ]
    );
}

#[test]
fn testcase_lines_follow_the_start_tag_through_bom_crlf_and_long_tags() {
    let xml = "\u{feff}<?xml version=\"1.0\"?>\r\n<testsuite>\r\n  <testcase\r\n    name=\"a\"\r\n    classname=\"c\">\r\n\
               <failure message=\"x\"/></testcase>\r\n<testcase name=\"b\"><error/></testcase>\r\n</testsuite>\r\n";
    let s = parse(xml);
    let lines: Vec<_> = s
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line))
        .collect();
    assert_eq!(lines, [("r.xml", Some(3)), ("r.xml", Some(7))]);
}

#[test]
fn source_locations_from_attributes() {
    let s = parse(
        r#"<testsuite>
        <testcase name="a" file="src/a.py" line="12"><failure/></testcase>
        <testcase name="b" file="src/b.py"><failure/></testcase>
        <testcase name="c" file="src/c.py" line="3"><failure file="src/c_helper.py" line="40"/></testcase>
        <testcase name="d" file=" " line="9"><failure/></testcase>
        </testsuite>"#,
    );
    let at: Vec<_> = s
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.line))
        .collect();
    assert_eq!(
        at,
        [
            ("src/a.py", Some(12)),
            ("src/b.py", None),
            ("src/c_helper.py", Some(40)),
            ("r.xml", Some(5)),
        ]
    );
}

#[test]
fn limits_cap_findings_and_names() {
    let mut xml = String::from("<testsuite>");
    for i in 0..10 {
        xml.push_str(&format!(
            "<testcase name=\"t{i}\"><failure/><failure/></testcase>"
        ));
    }
    xml.push_str("</testsuite>");
    let limits = Limits {
        max_findings: 3,
        max_failed_names: 4,
    };
    let s = common::parse_every_way(xml.as_bytes(), "r.xml", limits).unwrap();
    assert_eq!(s.failed, 10);
    assert_eq!(s.findings.len(), 3);
    assert_eq!(s.findings_dropped, 17);
    assert_eq!(s.failed_tests.len(), 4);
}

#[test]
fn control_characters_never_reach_messages() {
    let s = parse(
        "<testsuite><testcase name=\"a&#27;[2Jb\"><failure message=\"x&#9;y&#27;z\"/></testcase></testsuite>",
    );
    assert_eq!(messages(&s), [(IssueKind::Failure, "a [2Jb: x y z")]);
}
