//! The `check` and `validate` commands on real JUnit bundles: decisions,
//! exit codes, human and JSON output, malformed inputs.

use crate::support::{bundle, repo, stagegate, write_config};

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";
const FAILING: &str = "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml";

fn check(bundle: &std::path::Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["check", bundle.to_str().unwrap(), "--to", "prod"];
    args.extend_from_slice(extra);
    stagegate(&args, None, &[])
}

#[test]
fn all_pass_bundle_is_allowed() {
    let b = bundle(&[
        (PASS, "reports/junit.xml"),
        ("junit/surefire_flaky-reruns.xml", "TEST-flaky.xml"),
    ]);
    let run = check(b.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("promotion test → prod ALLOWED"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("promote-unless-forbidden"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("exit 0 (allowed)"), "{}", run.stdout);
}

#[test]
fn failures_are_denied_with_the_reason() {
    let b = bundle(&[(PASS, "a/results.xml"), (FAILING, "b/results.xml")]);
    let run = check(b.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("DENIED"), "{}", run.stdout);
    assert!(
        run.stdout.contains("✗ tests-pass: tests failed or errored"),
        "{}",
        run.stdout
    );
    // The human report names failing tests among its findings.
    assert!(run.stdout.contains("junit/failure"), "{}", run.stdout);
}

#[test]
fn empty_bundle_is_denied_for_lack_of_evidence() {
    let b = tempfile::tempdir().unwrap();
    let run = check(b.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["facts"]["junit"]["inputs"], 0);
    let reasons = json["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0]["policy"], "evidence-required-junit");
    assert!(
        reasons[0]["reason"]
            .as_str()
            .unwrap()
            .contains("requires evidence from plugin `junit` and it measured nothing")
    );
}

#[test]
fn not_junit_xml_is_not_evidence() {
    // An NUnit report is XML but not JUnit: it must not count as test results.
    let b = bundle(&[("junit/NOT-JUNIT_nunit3.xml", "results.xml")]);
    let run = check(b.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        run.json()["reasons"][0]["policy"],
        "evidence-required-junit"
    );
}

#[test]
fn dry_run_reports_deny_but_exits_zero() {
    let b = bundle(&[(FAILING, "results.xml")]);
    let run = check(b.path(), &["--dry-run", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let json = run.json();
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["dry_run"], true);
    let human = check(b.path(), &["--dry-run"]);
    assert_eq!(human.code, 0);
    assert!(human.stdout.starts_with("dry run: "), "{}", human.stdout);
}

#[test]
fn json_output_has_the_documented_fields_in_sorted_order() {
    let b = bundle(&[(FAILING, "results.xml")]);
    let run = check(
        b.path(),
        &[
            "--format", "json", "--commit", "abc123", "--branch", "main", "--author", "dev",
        ],
    );
    assert_eq!(run.code, 1);
    let json = run.json();
    let object = json.as_object().unwrap();
    for key in [
        "decision", "from", "to", "reasons", "facts", "findings", "plugins", "errors",
    ] {
        assert!(object.contains_key(key), "missing `{key}`");
    }
    assert_eq!(json["from"], "test");
    assert_eq!(json["to"], "prod");
    assert_eq!(json["change"]["commit"], "abc123");
    assert_eq!(json["reasons"][0]["policy"], "tests-pass");
    assert!(json["reasons"][0]["reason"].as_str().unwrap().len() > 10);
    let junit = &json["facts"]["junit"];
    assert_eq!(junit["failed"], 20, "{junit}");
    assert_eq!(junit["errored"], 5, "{junit}");
    assert!(junit["failed_tests"].as_array().unwrap().len() >= 20);
    let plugin = json["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "junit")
        .unwrap();
    assert_eq!(plugin["name"], "junit");
    assert_eq!(plugin["outcome"], "ok");
    assert_eq!(plugin["sha256"].as_str().unwrap().len(), 64);
    assert!(!plugin["version"].as_str().unwrap().is_empty());
    let finding = &json["findings"][0];
    for key in ["plugin", "rule", "severity", "message", "path", "line"] {
        assert!(
            finding.get(key).is_some(),
            "finding lacks `{key}`: {finding}"
        );
    }
    assert_eq!(json["errors"], serde_json::json!([]));
    // Keys are sorted at every level, so the output is stable.
    let keys: Vec<&String> = object.keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let first = run.stdout.find("\"artifacts\"").unwrap();
    let last = run.stdout.find("\"to\"").unwrap();
    assert!(first < last);
    // Same input, same bytes.
    let again = check(
        b.path(),
        &[
            "--format", "json", "--commit", "abc123", "--branch", "main", "--author", "dev",
        ],
    );
    assert_eq!(run.stdout, again.stdout);
}

#[test]
fn change_comes_from_ci_variables() {
    let b = bundle(&[(PASS, "results.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "json",
        ],
        None,
        &[
            ("GITHUB_SHA", "feedbeef"),
            ("GITHUB_REF_NAME", "release"),
            ("GITHUB_ACTOR", "octo"),
        ],
    );
    let json = run.json();
    assert_eq!(json["change"]["commit"], "feedbeef");
    assert_eq!(json["change"]["branch"], "release");
    assert_eq!(json["change"]["author"], "octo");
}

fn malformed(name: &str, content: &[u8]) -> (crate::support::Run, String) {
    let b = tempfile::tempdir().unwrap();
    std::fs::write(b.path().join(name), content).unwrap();
    let run = check(b.path(), &["--format", "json"]);
    assert_eq!(run.code, 2, "{name}: {}", run.all());
    let errors = run.json()["errors"].to_string();
    assert!(
        errors.contains(&format!("`{name}`")),
        "{name}: error does not name the file: {errors}"
    );
    (run, errors)
}

#[test]
fn truncated_junit_is_a_clear_error() {
    let text = std::fs::read_to_string(repo().join("tests/fixtures").join(PASS)).unwrap();
    let cut = &text.as_bytes()[..text.len() / 2];
    malformed("truncated.xml", cut);
}

#[test]
fn corrupt_real_report_is_a_clear_error() {
    let content =
        std::fs::read(repo().join("tests/fixtures/junit/CORRUPT_surefire_unclosed-cdata.xml"))
            .unwrap();
    malformed("TEST-corrupt.xml", &content);
}

#[test]
fn entity_bomb_is_refused() {
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n");
    bomb.push_str(" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..10 {
        bomb.push_str(&format!(
            " <!ENTITY lol{i} \"{}\">\n",
            format!("&lol{};", i - 1).repeat(10)
        ));
    }
    bomb.push_str("]>\n<testsuites><testsuite name=\"&lol9;\"><testcase name=\"a\"/></testsuite></testsuites>\n");
    let (run, _) = malformed("bomb.xml", bomb.as_bytes());
    assert!(run.stdout.len() < 100_000, "the entity was expanded");
}

#[test]
fn deep_nesting_is_a_clear_error() {
    let depth = 10_000;
    let xml = format!(
        "<testsuites>{}{}</testsuites>",
        "<testsuite>".repeat(depth),
        "</testsuite>".repeat(depth)
    );
    malformed("deep.xml", xml.as_bytes());
}

#[test]
fn declared_junit_that_is_not_xml_is_a_clear_error() {
    let b = tempfile::tempdir().unwrap();
    std::fs::write(b.path().join("results.xml"), b"{\"not\": \"xml\"}").unwrap();
    std::fs::write(
        b.path().join("stagegate-bundle.toml"),
        "[[artifact]]\npath = \"results.xml\"\nkind = \"junit-xml\"\n",
    )
    .unwrap();
    let run = check(b.path(), &["--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.json()["errors"].to_string().contains("`results.xml`"),
        "{}",
        run.stdout
    );
}

#[test]
fn unknown_stage_and_bad_config_cannot_decide() {
    let b = bundle(&[(PASS, "results.xml")]);
    let run = stagegate(
        &["check", b.path().to_str().unwrap(), "--to", "staging"],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("unknown target stage `staging`"),
        "{}",
        run.all()
    );

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "stages = [\"dev\", \"prod\"]\nunknown = 1\n");
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown field `unknown`"),
        "{}",
        run.all()
    );
    assert!(run.stderr.contains("stagegate.toml"), "{}", run.all());

    // A missing file: named once, and its cause said once.
    let missing = dir.path().join("missing.toml");
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--config",
            missing.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("missing.toml"), "{}", run.all());
    assert_eq!(
        run.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        run.all()
    );
}

#[test]
fn custom_stages_and_from() {
    let b = bundle(&[(PASS, "results.xml")]);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "stages = [\"dev\", \"test\", \"staging\", \"prod\"]\n",
    );
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.json()["from"], "staging");
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--from",
            "prod",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("cannot promote from `prod` to `test`"),
        "{}",
        run.all()
    );
}

#[test]
fn strict_validation_typo_cannot_decide() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("gate.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"typo\")\n@reason(\"tests must pass\")\nforbid(principal, action, resource) when { context.junit.faild > 0 };\n",
    )
    .unwrap();
    let config = write_config(dir.path(), "policies = \"policies\"\n");
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("policy `typo`"), "{}", run.stderr);
    assert!(run.stderr.contains("faild"), "{}", run.stderr);
    assert!(run.stderr.contains("failed"), "{}", run.stderr);
    let b = bundle(&[(PASS, "results.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("policy `typo`"), "{}", run.stdout);
}

#[test]
fn erroring_forbid_denies() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("gate.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"overflowing-forbid\")\n@reason(\"too many tests\")\n\
         forbid(principal, action, resource) when { context.junit.total * 9223372036854775807 > 1 };\n",
    )
    .unwrap();
    let config = write_config(dir.path(), "policies = \"policies\"\n");
    let b = bundle(&[(PASS, "results.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(json["decision"], "deny");
    assert!(
        json["errors"][0]
            .as_str()
            .unwrap()
            .contains("overflowing-forbid"),
        "{json}"
    );
    assert!(json["reasons"].to_string().contains("overflowing-forbid"));
}

#[test]
fn validate_accepts_the_defaults() {
    let run = stagegate(&["validate"], None, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("plugin junit"), "{}", run.stdout);
}

#[test]
fn example_bundle_from_the_readme_is_allowed() {
    let run = stagegate(
        &["check", "tests/bundles/example", "--to", "prod"],
        Some(&repo()),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
}
