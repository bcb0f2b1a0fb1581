//! `stagegate test`: the project's own decision cases (tests/cases, real
//! fixtures, default policies, a rollout configuration) run through the
//! product's test command, and a sample policy directory shows each way a
//! run ends: passing and failing cases, invalid cases, no cases, coverage,
//! and the JSON and JUnit formats (JUnit read back by the junit plugin).

use crate::support::{repo, stagegate};

#[test]
fn the_projects_own_cases_pass_through_stagegate_test() {
    let run = stagegate(
        &[
            "test",
            "tests/cases",
            "--format",
            "json",
            "--require-coverage",
        ],
        Some(&repo()),
        &[],
    );
    let json = run.json();
    let failing: Vec<&serde_json::Value> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "ok")
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(json["schema"], "stagegate.test/v1");
    assert!(json["passed"].as_u64().unwrap() >= 35, "{}", json["passed"]);
    // Every default policy decides in some case.
    assert_eq!(json["uncovered"], serde_json::json!([]));
    assert!(json["policies"].as_u64().unwrap() >= 18);

    // Every forbid that denied is explained in the terms of the facts: the
    // attributes it reads with their values, and what would make it pass.
    let mut explained = std::collections::BTreeSet::new();
    for case in json["cases"].as_array().unwrap() {
        for reason in case["reasons"].as_array().unwrap() {
            if reason["effect"] != "forbid" {
                continue;
            }
            let policy = reason["policy"].as_str().unwrap();
            let explain = &reason["explain"];
            let reads = explain["reads"].as_array().unwrap();
            assert!(
                reads
                    .iter()
                    .any(|r| r["attr"].as_str().unwrap().starts_with("context.")
                        && !r["value"].is_null()),
                "{policy} in {}: {explain}",
                case["file"]
            );
            let needs = explain["needs"].as_array().unwrap();
            assert!(
                needs.iter().any(|n| {
                    let n = n.as_str().unwrap();
                    n.contains("context.") && n.contains("(is ")
                }),
                "{policy} in {}: {explain}",
                case["file"]
            );
            explained.insert(policy.to_owned());
        }
    }
    // Every default forbid, and the host's evidence gates.
    for policy in [
        "coverage-floor",
        "destroy-limit",
        "no-critical-vulnerabilities",
        "no-debug-config",
        "no-default-credentials",
        "no-fixable-high-vulnerabilities",
        "no-latest-images",
        "no-leaked-secrets",
        "no-privileged-containers",
        "no-public-buckets",
        "no-severe-code-errors",
        "no-typosquats",
        "no-unauthenticated-datastores",
        "no-unencrypted-storage",
        "no-wildcard-iam",
        "no-world-open-admin-ports",
        "tests-pass",
        "evidence-required-junit",
    ] {
        assert!(
            explained.contains(policy),
            "{policy} is never explained: {explained:?}"
        );
    }
}

#[test]
fn explain_names_the_facts_the_findings_and_what_would_pass() {
    let bundle = crate::support::bundle(&[
        (
            "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml",
            "reports/junit.xml",
        ),
        (
            "coverage/cobertura_istanbul-large.xml",
            "reports/coverage.xml",
        ),
    ]);
    let args = [
        "check",
        bundle.path().to_str().unwrap(),
        "--to",
        "prod",
        "--explain",
    ];
    let human = stagegate(&args, None, &[]);
    assert_eq!(human.code, 1, "{}", human.all());
    for line in [
        "      reads context.junit.failed = 20",
        "      needs context.junit.failed <= 0 (is 20)",
        "      needs context.junit.errored <= 0 (is 5)",
        "      finding junit reports/junit.xml:502 tests.test_parse.test_quoted_identifier: assert '\"z\"' == 'z'",
        "      reads context.params.coverage_floor = 60.0",
        "      needs one of: context.coverage.lines_total <= 0 (is 11340); or context.coverage.line_rate >= context.params.coverage_floor (60.0) (is 12.80)",
    ] {
        assert!(
            human.stdout.lines().any(|l| l == line),
            "{line}\n{}",
            human.stdout
        );
    }
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = stagegate(&json_args, None, &[]).json();
    let tests = json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "tests-pass")
        .unwrap();
    assert_eq!(
        tests["explain"]["needs"],
        serde_json::json!([
            "context.junit.failed <= 0 (is 20)",
            "context.junit.errored <= 0 (is 5)"
        ])
    );
    assert_eq!(tests["explain"]["findings"].as_array().unwrap().len(), 5);
    assert_eq!(tests["explain"]["findings"][0]["line"], 502);
    // Without --explain the report carries none.
    let plain = stagegate(&args[..4], None, &[]);
    assert!(!plain.stdout.contains("      needs "), "{}", plain.stdout);
}

fn sample() -> std::path::PathBuf {
    repo().join("tests/policy-tests/sample")
}

#[test]
fn a_failing_case_shows_expected_and_actual_and_exits_1() {
    let run = stagegate(&["test", "cases"], Some(&sample()), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok      cases/green.case.toml")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("ok      cases/given-red.case.toml")),
        "{}",
        run.stdout
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("FAIL    cases/wrong-expectation.case.toml")),
        "{}",
        run.stdout
    );
    for problem in [
        "decision deny (expected allow)",
        "reasons [\"tests-green\"] (expected [\"promote\"])",
        "junit.failed = 20 (expected 0)",
    ] {
        assert!(
            lines.iter().any(|l| l.trim() == problem),
            "{problem}: {}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .contains("policies decisive in no case (1 of 3): coverage-sixty"),
        "{}",
        run.stdout
    );
    assert_eq!(lines.last(), Some(&"2 passed, 1 failed"));
}

#[test]
fn coverage_can_be_required() {
    let passing = ["test", "cases/green.case.toml", "cases/given-red.case.toml"];
    let run = stagegate(&passing, Some(&sample()), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let mut strict = passing.to_vec();
    strict.push("--require-coverage");
    let run = stagegate(&strict, Some(&sample()), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("FAIL: policies decisive in no case (1 of 3): coverage-sixty"),
        "{}",
        run.stdout
    );
}

#[test]
fn invalid_cases_and_no_cases_exit_2_naming_file_and_key() {
    let run = stagegate(&["test", "invalid"], Some(&sample()), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    for expected in [
        "INVALID invalid/unknown-key.case.toml: line 4: unknown field `expected`",
        "INVALID invalid/unknown-fact.case.toml: `given.junit.faild`: plugin `junit` declares no fact `faild` (did you mean `failed`?)",
        "INVALID invalid/missing-file.case.toml: `artifacts.\"junit.xml\"`: `invalid/no-such-report.xml` is not a file",
    ] {
        assert!(run.stdout.contains(expected), "{expected}: {}", run.stdout);
    }
    assert!(
        run.stdout.ends_with("0 passed, 0 failed, 3 invalid\n"),
        "{}",
        run.stdout
    );

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.toml"), "to = \"prod\"\n").unwrap();
    let run = stagegate(&["test", "."], Some(empty.path()), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("no cases found"), "{}", run.stdout);
    let run = stagegate(&["test", "missing-dir"], Some(empty.path()), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("missing-dir"), "{}", run.stderr);
}

#[test]
fn json_and_junit_results_for_ci() {
    let run = stagegate(&["test", "cases", "--format", "json"], Some(&sample()), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(
        (json["passed"].as_u64(), json["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(json["exit_code"], 1);
    let wrong = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["file"] == "cases/wrong-expectation.case.toml")
        .unwrap();
    assert_eq!(wrong["status"], "fail");
    assert_eq!(wrong["decision"], "deny");
    assert_eq!(wrong["problems"][0], "decision deny (expected allow)");

    // JUnit: the project's own junit plugin reads it back as a test report.
    let run = stagegate(
        &["test", "cases", "--format", "junit"],
        Some(&sample()),
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(bundle.path().join("policy-tests.xml"), &run.stdout).unwrap();
    let check = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
            "--to",
            "test",
            "--format",
            "json",
        ],
        None,
        &[],
    );
    let facts = &check.json()["facts"]["junit"];
    assert_eq!(facts["inputs"], 1, "{}", check.stdout);
    assert_eq!(facts["total"], 4, "{facts}");
    assert_eq!(facts["failed"], 1, "{facts}");
    assert_eq!(facts["skipped"], 1, "{facts}");
    assert_eq!(check.json()["decision"], "deny");
}

#[test]
fn fmt_checks_rewrites_and_never_breaks_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "// the release gate\n@id(\"x\") @reason(\"r\")\nforbid(principal,action,resource)   when {context.junit.failed>0};\n";
    let file = dir.path().join("gate.cedar");
    std::fs::write(&file, messy).unwrap();
    let check = stagegate(&["fmt", "--check", "."], Some(dir.path()), &[]);
    assert_eq!(check.code, 1, "{}", check.all());
    assert_eq!(check.stdout, "would reformat ./gate.cedar\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy);

    let write = stagegate(&["fmt", "gate.cedar"], Some(dir.path()), &[]);
    assert_eq!(write.code, 0, "{}", write.all());
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert!(
        formatted.starts_with("// the release gate\n@id(\"x\")\n@reason(\"r\")\n"),
        "{formatted}"
    );
    assert!(
        formatted.contains("context.junit.failed > 0"),
        "{formatted}"
    );
    let again = stagegate(&["fmt", "--check", "."], Some(dir.path()), &[]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (0, ""),
        "{}",
        again.all()
    );

    // A file that does not parse is named, and left as it is.
    let broken = dir.path().join("broken.cedar");
    std::fs::write(&broken, "permit(principal,").unwrap();
    let bad = stagegate(&["fmt", "."], Some(dir.path()), &[]);
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("broken.cedar"), "{}", bad.stderr);
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "permit(principal,"
    );

    // The default policies are kept formatted.
    let defaults = stagegate(&["fmt", "--check", "policies"], Some(&repo()), &[]);
    assert_eq!(defaults.code, 0, "{}", defaults.all());
}

#[test]
fn validate_warns_about_what_no_promotion_reaches() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    write(
        "policies/gates.cedar",
        "@id(\"promote\")\n@reason(\"r\")\npermit (principal, action, resource);\n\
         @id(\"into-dev\")\n@reason(\"r\")\nforbid (principal, action, resource == Stage::\"dev\");\n\
         @id(\"coverage-only\")\n@reason(\"r\")\nforbid (principal, action, resource) when { context.coverage.lines_total == 0 };\n",
    );
    write(
        "stagegate.toml",
        "policies = \"policies\"\nwaivers = \"waivers.toml\"\n\
         [plugins.coverage]\nenabled = false\n\
         [[enforcement]]\npolicy = \"promote\"\nlevel = \"advisory\"\nstages = [\"dev\"]\n",
    );
    write(
        "waivers.toml",
        "[[waiver]]\nid = \"W-OLD\"\npolicy = \"into-dev\"\nreason = \"r\"\nticket = \"T-1\"\n\
         approver = \"a@example.com\"\nexpires = 2026-11-01\n",
    );
    let run = stagegate(
        &["validate", "--today", "2026-12-04"],
        Some(dir.path()),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    for warning in [
        "  warning: policy `coverage-only` (",
        "reads only facts of disabled plugin(s) `coverage`: it is left out",
        "  warning: policy `into-dev` (",
        "applies only to promotions into `dev`, the first stage, which no promotion reaches",
        "  warning: waiver `W-OLD` in `",
        "expired on 2026-11-01: remove it or renew it",
        "  warning: `[[enforcement]]` for `promote` applies only to the first stage",
    ] {
        assert!(run.stdout.contains(warning), "{warning}\n{}", run.stdout);
    }
    // The same warnings reach the report of a check.
    let bundle = crate::support::bundle(&[("junit/pytest_sqlparse-0.6.1_pass.xml", "junit.xml")]);
    let check = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
            "--to",
            "test",
            "--today",
            "2026-12-04",
            "--format",
            "json",
        ],
        Some(dir.path()),
        &[],
    );
    let warnings = check.json()["warnings"].as_array().unwrap().len();
    assert_eq!(warnings, 4, "{}", check.stdout);
}

#[test]
fn plugin_exceptions_are_attributed_expiring_and_the_hosts_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let validate = |config: &str| {
        std::fs::write(dir.path().join("stagegate.toml"), config).unwrap();
        stagegate(
            &["validate", "--today", "2026-12-04"],
            Some(dir.path()),
            &[],
        )
    };
    let entry = "[[plugins.vulns.exceptions]]\nid = \"E-1\"\nmatch = \"CVE-2019-18224\"\n\
                 reason = \"r\"\nticket = \"T-1\"\napprover = \"a@example.com\"\n";
    let ok = validate(&format!("{entry}expires = 2026-12-31\n"));
    assert_eq!(ok.code, 0, "{}", ok.all());
    for (config, expected) in [
        (entry.to_owned(), "missing field `expires`"),
        (
            format!("{entry}expires = 2026-12-31\n").replace("ticket = \"T-1\"\n", ""),
            "missing field `ticket`",
        ),
        (
            format!("{entry}expires = 2026-12-31\n")
                .replace("approver = \"a@example.com\"", "approver = \"\""),
            "plugin `vulns`: exception `E-1`: `approver` is empty",
        ),
        (
            format!("{entry}expires = 2027-06-01\n"),
            "exception `E-1` expires 2027-06-01, more than 90 days after 2026-12-04",
        ),
        (
            "[plugins.secrets.config]\nexceptions = [{ id = \"x\", match = \"some…a2d1a744\" }]\n"
                .to_owned(),
            "`config.exceptions` is set by the host",
        ),
    ] {
        let run = validate(&config);
        assert_eq!(run.code, 2, "{config}: {}", run.all());
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    // The plugin checks its own configuration when it runs: the old
    // unattributed list is refused with the way to the new one.
    std::fs::write(
        dir.path().join("stagegate.toml"),
        "[plugins.secrets.config]\nallow_fingerprints = [\"some…a2d1a744\"]\n",
    )
    .unwrap();
    let bundle = tempfile::tempdir().unwrap();
    let run = stagegate(
        &["check", bundle.path().to_str().unwrap(), "--to", "test"],
        Some(dir.path()),
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stdout
            .contains("`allow_fingerprints` is replaced by `[[plugins.secrets.exceptions]]`"),
        "{}",
        run.stdout
    );
}

#[test]
fn hostile_case_files_are_named_safely_and_cannot_reach_outside() {
    let dir = tempfile::tempdir().unwrap();
    let report = repo().join("tests/fixtures/junit/pytest_sqlparse-0.6.1_pass.xml");
    std::fs::copy(&report, dir.path().join("junit.xml")).unwrap();
    // A bundle path that climbs out of the bundle.
    std::fs::write(
        dir.path().join("climb.case.toml"),
        "description = \"climbs\"\nto = \"test\"\n[artifacts]\n\"../outside.xml\" = \"junit.xml\"\n\
         [expect]\ndecision = \"allow\"\nreasons = []\n",
    )
    .unwrap();
    // A file name with ESC in it, and a description with a terminal escape.
    std::fs::write(
        dir.path().join("esc\u{1b}[31m.case.toml"),
        "description = \"red \\u001b[2J\"\nto = \"test\"\n[artifacts]\n\"junit.xml\" = \"junit.xml\"\n\
         [expect]\ndecision = \"deny\"\nreasons = [\"tests-pass\"]\n",
    )
    .unwrap();
    // A FIFO where a fixture should be.
    let fifo = dir.path().join("fifo.xml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        dir.path().join("fifo.case.toml"),
        "description = \"reads a fifo\"\nto = \"test\"\n[artifacts]\n\"junit.xml\" = \"fifo.xml\"\n\
         [expect]\ndecision = \"allow\"\nreasons = []\n",
    )
    .unwrap();
    let run = stagegate(&["test", "."], Some(dir.path()), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(
        run.stdout.contains("INVALID ./climb.case.toml: `artifacts.\"../outside.xml\"`: a bundle path is relative, without `..`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("INVALID ./fifo.case.toml: `artifacts.\"junit.xml\"`:")
            && run.stdout.contains("is not a file"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("FAIL    ./esc\\u{1b}[31m.case.toml  red \\u{1b}[2J"),
        "{}",
        run.stdout
    );
    assert!(!dir.path().parent().unwrap().join("outside.xml").exists());
}

#[test]
fn validate_symbolic_proves_what_never_fires_and_what_is_shadowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/gates.cedar"),
        "@id(\"promote\")\n@reason(\"r\")\npermit (principal, action, resource);\n\
         @id(\"never\")\n@reason(\"r\")\nforbid (principal, action, resource)\n\
         when { context.junit.failed > 5 && context.junit.failed < 3 };\n\
         @id(\"any-failure\")\n@reason(\"r\")\nforbid (principal, action, resource) when { context.junit.failed > 0 };\n\
         @id(\"many-failures\")\n@reason(\"r\")\nforbid (principal, action, resource) when { context.junit.failed > 10 };\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("stagegate.toml"),
        "policies = \"policies\"\n",
    )
    .unwrap();
    let run = stagegate(&["validate", "--symbolic"], Some(dir.path()), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            "  warning: policy `never` can never fire: no facts satisfy its conditions",
            "  warning: policy `many-failures` is shadowed by `any-failure`: whenever it matches, `any-failure` matches too",
        ],
        "{}",
        run.stdout
    );
    // Without the solver it says what to install, and proves nothing.
    let missing = stagegate(
        &["validate", "--symbolic"],
        Some(dir.path()),
        &[("PATH", "/nonexistent"), ("CVC5", "/nonexistent/cvc5")],
    );
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing.stderr.contains("apt-get install cvc5"),
        "{}",
        missing.stderr
    );
    assert!(
        !missing.stdout.contains("configuration is valid"),
        "{}",
        missing.stdout
    );
}

#[test]
fn the_human_report_names_each_waiver_and_exception_with_its_approver() {
    let bundle = crate::support::bundle(&[
        (
            "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml",
            "reports/junit.xml",
        ),
        ("trivy/trivy_debian-buster-image.json", "reports/trivy.json"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let rollout = repo().join("tests/cases/rollout");
    let exceptions =
        std::fs::read_to_string(repo().join("tests/cases/exceptions/stagegate.toml")).unwrap();
    let config = format!(
        "waivers = \"{}\"\n{exceptions}",
        rollout.join("waivers.toml").display()
    );
    std::fs::write(dir.path().join("stagegate.toml"), config).unwrap();
    let run = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
            "--to",
            "prod",
            "--branch",
            "release/1.4",
            "--today",
            "2026-12-04",
        ],
        Some(dir.path()),
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    for line in [
        "  ~ tests-pass: tests failed or errored: fix them (the junit findings name each one) before promoting (waived by W-2026-014)",
        "  W-2026-014     applied       tests-pass until 2026-12-31, approved by alice@example.com (SEC-1234)",
        "  W-2026-020     not-yet-valid coverage-floor until 2027-01-31, approved by bob@example.com (SEC-1240)",
        "  E-2026-101     active        vulns CVE-2019-18224 until 2026-12-31, approved by carol@example.com (SEC-2001)",
        "  E-2026-102     not-yet-valid secrets some…a2d1a744 until 2027-01-15, approved by carol@example.com (SEC-2002)",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "{line}\n{}",
            run.stdout
        );
    }
}
