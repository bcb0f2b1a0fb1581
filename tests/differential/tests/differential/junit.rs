//! JUnit: the `junit` plugin's parser against junitparser, per test case.
//!
//! junitparser's own statistics (`update_statistics`) count result elements: a case with
//! two `<failure>` children is two failures, and one with a failure and a skip counts in
//! both. The plugin counts test cases. So the comparison is made per case: py/junit_counts.py
//! classifies junitparser's TestCase objects with the plugin's precedence (failure, then
//! error, then skipped, else passed), and its raw statistics are checked separately against
//! the per-case view where no case holds more than one result.

use std::fmt::Write as _;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::Value;
use stagegate_plugin_junit::parse::{ParseError, Summary, parse_report};

use crate::support::{Mismatches, file_name, files, fixture_dir, num, python};

/// Counts in the order total, passed, failed, errored, skipped, flaky.
type Counts = [i64; 6];
const NAMES: [&str; 6] = ["total", "passed", "failed", "errored", "skipped", "flaky"];

/// Files where the plugin and junitparser count differently on purpose: plugin minus
/// junitparser, with why. Every entry must be met exactly, and must be used.
const EXCEPTIONS: &[(&str, Counts, &str)] = &[
    (
        "junit_disabled-tests.xml",
        [0, -10, 0, 0, 10, 0],
        "Boost.Test marks ten cases `status='disabled'` (no child element); junitparser reads \
         only child elements, so they are passed for it and skipped for the plugin",
    ),
    (
        "status-attribute.xml",
        [0, -4, 2, 0, 2, 0],
        "ctest and Boost.Test write the outcome as a `status` attribute; junitparser reads \
         only child elements, so `status=\"failed\"`/`\"error\"` (failed for the plugin) and \
         `\"notrun\"`/`\"disabled\"` (skipped for the plugin) cases are passed for it",
    ),
    (
        "rerun-only.xml",
        [0, -2, 1, 1, 0, 0],
        "a Surefire case whose only children are `<rerunFailure>`/`<rerunError>` failed every \
         attempt; junitparser files those under interim results and calls the case passed",
    ),
    (
        "suite-level-issues.xml",
        [2, 0, 0, 2, 0, 0],
        "a `<failure>`/`<error>` directly inside a suite (the suite could not run) is one \
         errored test for the plugin; junitparser only looks inside test cases",
    ),
    (
        "crashed-suite.xml",
        [5, 0, 3, 2, 0, 0],
        "a suite with no test cases whose failures=3 errors=2 attributes say red counts as \
         3 failed and 2 errored tests for the plugin, so a crash never looks green; \
         junitparser counts no case",
    ),
    (
        "nested-result.xml",
        [0, 1, -1, 0, 0, 0],
        "junitparser finds results anywhere below a test case (it iterates all \
         descendants), the plugin only among its children, as the JUnit schema places them: \
         a `<failure>` wrapped in another element does not fail the case",
    ),
];

fn plugin(path: &Path) -> Result<Summary, ParseError> {
    let file = File::open(path).unwrap_or_else(|e| panic!("open `{}`: {e}", path.display()));
    parse_report(BufReader::new(file), &file_name(path))
}

fn ours(summary: &Summary) -> Counts {
    [
        summary.total,
        summary.passed,
        summary.failed,
        summary.errored,
        summary.skipped,
        summary.flaky,
    ]
    .map(|n| i64::try_from(n).expect("count fits i64"))
}

fn theirs(cases: &Value) -> Counts {
    NAMES.map(|name| i64::try_from(num(&cases[name], name)).expect("count fits i64"))
}

/// Compares every file of `paths`; returns the number compared.
fn compare(paths: &[PathBuf], comparison: &str) -> usize {
    let python = python("junit_counts.py", paths);
    let mut mismatches = Mismatches::default();
    let mut used = Vec::new();
    for path in paths {
        let name = file_name(path);
        let other = &python[path];
        mismatches.compared();
        match (plugin(path), other.get("error")) {
            (Err(error), Some(their_error)) => {
                // Both refuse the file: not XML, or not a JUnit root.
                let agree = matches!(
                    (&error, name.as_str()),
                    (ParseError::Xml { .. }, n) if n.starts_with("CORRUPT")
                ) || matches!(
                    (&error, name.as_str()),
                    (ParseError::NotJunit { .. }, n) if n.starts_with("NOT-JUNIT")
                );
                if !agree {
                    mismatches.add(
                        &name,
                        format!("both refuse it, unexpectedly: {error} / {their_error}"),
                    );
                }
            }
            (Err(error), None) => {
                mismatches.add(&name, format!("only the plugin refuses it: {error}"))
            }
            (Ok(_), Some(error)) => {
                mismatches.add(&name, format!("only junitparser refuses it: {error}"))
            }
            (Ok(summary), None) => {
                let ours = ours(&summary);
                let theirs = theirs(&other["cases"]);
                let mut delta = [0i64; 6];
                for (d, (o, t)) in delta.iter_mut().zip(ours.iter().zip(theirs.iter())) {
                    *d = o - t;
                }
                let expected = match EXCEPTIONS.iter().find(|(file, _, _)| *file == name) {
                    Some((file, delta, _)) => {
                        used.push(*file);
                        *delta
                    }
                    None => [0; 6],
                };
                if delta != expected {
                    let mut text = String::new();
                    for (i, label) in NAMES.iter().enumerate() {
                        write!(text, " {label}={}/{}", ours[i], theirs[i]).expect("write");
                    }
                    mismatches.add(
                        &name,
                        format!(
                            "plugin/junitparser{text}; difference {delta:?}, expected {expected:?}"
                        ),
                    );
                }
                raw_statistics(&mut mismatches, &name, other);
            }
        }
    }
    for (file, _, why) in EXCEPTIONS {
        let here = paths.iter().any(|p| file_name(p) == *file);
        if here && !used.contains(file) {
            mismatches.add(file, format!("exception not met (refused?): {why}"));
        }
    }
    mismatches.finish(comparison)
}

/// junitparser's own statistics equal its per-case view unless a case holds more than
/// one result (then they count results, and must be larger).
fn raw_statistics(mismatches: &mut Mismatches, name: &str, other: &Value) {
    let stats = &other["stats"];
    let cases = &other["cases"];
    let multi = num(&other["multi_result_cases"], "multi_result_cases");
    let pairs = [
        ("tests", "total"),
        ("failures", "failed"),
        ("errors", "errored"),
        ("skipped", "skipped"),
    ];
    let raw: Vec<u64> = pairs.iter().map(|(s, _)| num(&stats[*s], s)).collect();
    let per_case: Vec<u64> = pairs.iter().map(|(_, c)| num(&cases[*c], c)).collect();
    let results = raw[1] + raw[2] + raw[3];
    let counted = per_case[1] + per_case[2] + per_case[3];
    let consistent = raw[0] == per_case[0]
        && if multi == 0 {
            raw == per_case
        } else {
            results > counted
        };
    if !consistent {
        mismatches.add(
            name,
            format!(
                "junitparser statistics {raw:?} against its cases {per_case:?} \
                 ({multi} case(s) with several results)"
            ),
        );
    }
}

#[test]
fn junit_fixtures_agree_with_junitparser() {
    let paths = files(&fixture_dir("junit"), &[".xml"]);
    let compared = compare(&paths, "junit fixtures");
    assert_eq!(compared, paths.len());
}

#[test]
fn junit_generated_variants_agree_with_junitparser() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> = variants()
        .into_iter()
        .map(|(name, text)| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).expect("write variant");
            path
        })
        .collect();
    let compared = compare(&paths, "junit generated variants");
    assert_eq!(compared, paths.len());
    // every exception is exercised, by a variant or a real fixture
    for (file, _, _) in EXCEPTIONS {
        let exists = paths.iter().any(|p| file_name(p) == *file)
            || fixture_dir("junit").join(file).is_file();
        assert!(
            exists,
            "exception for `{file}`, which is neither a variant nor a fixture"
        );
    }
}

/// The generated reports: every construct the counting rules name, and a large
/// deterministic mix.
fn variants() -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = vec![
        (
            "nested-suites.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="all">
  <testsuite name="A" tests="5">
    <testcase classname="A" name="a1" time="0.1"/>
    <testsuite name="A.B">
      <testcase classname="A.B" name="b1"><failure message="expected 1">trace</failure></testcase>
      <testcase classname="A.B" name="b2"><skipped message="not on linux"/></testcase>
      <testsuite name="A.B.C">
        <testcase classname="A.B.C" name="c1"><error type="IOError"/></testcase>
        <testcase classname="A.B.C" name="c2"/>
      </testsuite>
    </testsuite>
  </testsuite>
  <testsuite name="D"><testcase classname="D" name="d1"/></testsuite>
</testsuites>
"#
            .to_vec(),
        ),
        (
            "result-combinations.xml",
            br#"<testsuite name="combos">
  <testcase name="failure-and-skipped"><failure/><skipped/></testcase>
  <testcase name="skipped-then-failure"><skipped/><failure message="late"/></testcase>
  <testcase name="error-and-skipped"><error/><skipped/></testcase>
  <testcase name="failure-and-error"><error message="first"/><failure message="second"/></testcase>
  <testcase name="two-failures"><failure message="one"/><failure message="two"/></testcase>
  <testcase name="two-errors"><error/><error/></testcase>
  <testcase name="skipped-with-text"><skipped>reason text</skipped></testcase>
  <testcase name="error-only"><error message="boom"/></testcase>
  <testcase name="passed-with-output"><system-out>ok</system-out><system-err>warn</system-err></testcase>
  <testcase name="passed-with-properties"><properties><property name="k" value="v"/></properties></testcase>
</testsuite>
"#
            .to_vec(),
        ),
        (
            "cdata-and-entities.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!-- a comment before the root -->\n\
<?xml-stylesheet type=\"text/xsl\" href=\"junit.xsl\"?>\n\
<testsuites>\n\
  <testsuite name=\"S &amp; T\">\n\
    <testcase classname=\"pkg.&lt;Generic&gt;\" name=\"caf&#233; &#x1F600;\">\n\
      <failure message=\"a &quot;quoted&quot; &apos;msg&apos;\"><![CDATA[line <1>\n]] & not an entity &amp; ]]></failure>\n\
    </testcase>\n\
    <testcase name=\"cdata-in-output\"><system-out><![CDATA[<testcase name=\"fake\"><failure/></testcase>]]></system-out></testcase>\n\
    <testcase name=\"commented\"><!-- <failure/> --></testcase>\n\
    <testcase name=\"tab&#9;and&#10;newline\"><skipped message=\"&lt;skip&gt;\"/></testcase>\n\
    <testcase name=\"ünïcödé\"><error message=\"Ω\"><![CDATA[]]></error></testcase>\n\
  </testsuite>\n\
</testsuites>\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "byte-order-mark.xml",
            [
                b"\xEF\xBB\xBF".as_slice(),
                br#"<?xml version="1.0" encoding="UTF-8"?><testsuite name="bom"><testcase name="t1"/><testcase name="t2"><failure/></testcase></testsuite>"#,
            ]
            .concat(),
        ),
        (
            "root-testsuite.xml",
            br#"<testsuite name="root" tests="3"><testcase name="a"/><testcase name="b"><skipped/></testcase><testcase name="c"><error/></testcase></testsuite>"#.to_vec(),
        ),
        ("empty-testsuites.xml", b"<testsuites/>".to_vec()),
        (
            "empty-suites.xml",
            br#"<testsuites><testsuite name="none" tests="0" failures="0" errors="0"/><testsuite name="also-none"></testsuite></testsuites>"#.to_vec(),
        ),
        (
            "surefire-flaky.xml",
            br#"<testsuite name="surefire">
  <testcase classname="C" name="flaky-failure"><flakyFailure message="1st"/><system-out/></testcase>
  <testcase classname="C" name="flaky-error"><flakyError message="1st"/><flakyFailure message="2nd"/></testcase>
  <testcase classname="C" name="failure-with-reruns"><failure message="final"/><rerunFailure message="r1"/><rerunFailure message="r2"/></testcase>
  <testcase classname="C" name="error-with-reruns"><error message="final"/><rerunError message="r1"/></testcase>
  <testcase classname="C" name="plain"/>
</testsuite>
"#
            .to_vec(),
        ),
        (
            "status-attribute.xml",
            br#"<testsuites><testsuite name="ctest">
  <testcase name="t-failed" status="failed"/>
  <testcase name="t-error" status="error"/>
  <testcase name="t-notrun" status="notrun"/>
  <testcase name="t-disabled" status="disabled"/>
  <testcase name="t-run" status="run"/>
  <testcase name="t-passed" status="passed"/>
</testsuite></testsuites>
"#
            .to_vec(),
        ),
        (
            "rerun-only.xml",
            br#"<testsuite name="surefire">
  <testcase classname="C" name="rerun-failure"><rerunFailure message="r1"/><rerunFailure message="r2"/></testcase>
  <testcase classname="C" name="rerun-error"><rerunError message="r1"/></testcase>
  <testcase classname="C" name="plain"/>
</testsuite>
"#
            .to_vec(),
        ),
        (
            "suite-level-issues.xml",
            br#"<testsuites>
  <testsuite name="setup-failed"><error message="fixture crashed"/></testsuite>
  <testsuite name="teardown-failed"><testcase name="ok"/><failure message="teardown"/></testsuite>
</testsuites>
"#
            .to_vec(),
        ),
        (
            "crashed-suite.xml",
            br#"<testsuites><testsuite name="crashed" tests="5" failures="3" errors="2"/><testsuite name="fine"><testcase name="ok"/></testsuite></testsuites>"#.to_vec(),
        ),
        (
            "nested-result.xml",
            br#"<testsuite name="wrapped"><testcase name="w"><extra><failure message="not a child"/></extra></testcase><testcase name="direct"><failure/></testcase></testsuite>"#.to_vec(),
        ),
    ];
    out.push(("large-mix.xml", large_mix()));
    out
}

/// 3 x 4 suites nested two deep with 1500 cases whose outcomes come from a fixed linear
/// congruential sequence: the same file on every run.
fn large_mix() -> Vec<u8> {
    let mut state: u64 = 0x5EED;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % 100
    };
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<testsuites name=\"mix\">\n");
    let mut case = 0;
    for outer in 0..3 {
        writeln!(xml, "<testsuite name=\"outer{outer}\">").expect("write");
        for inner in 0..4 {
            writeln!(xml, " <testsuite name=\"outer{outer}.inner{inner}\">").expect("write");
            for _ in 0..125 {
                case += 1;
                let body = match next() {
                    0..=69 => "",
                    70..=79 => "<failure message=\"assert x == y\">x = 1 &amp; y = 2</failure>",
                    80..=84 => "<error type=\"E\"><![CDATA[Traceback <most recent>]]></error>",
                    85..=94 => "<skipped message=\"skip\"/>",
                    95..=96 => "<failure/><skipped/>",
                    97 => "<flakyFailure message=\"first run\"/>",
                    _ => "<failure/><failure/>",
                };
                writeln!(
                    xml,
                    "  <testcase classname=\"pkg.C{inner}\" name=\"test_{case}\">{body}</testcase>"
                )
                .expect("write");
            }
            xml.push_str(" </testsuite>\n");
        }
        xml.push_str("</testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml.into_bytes()
}
