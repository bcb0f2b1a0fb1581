//! The report formats on real bundles: golden files, the report's own JSON
//! Schema and SARIF 2.1.0's, GitHub code scanning's upload rules, the JUnit
//! round trip through the junit plugin, the Markdown step summary, workflow
//! command escaping against GitHub's toolkit, GitLab Code Quality, and
//! `--output`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Run, bundle, npm_package, repo, stagegate};

const FORMATS: [(&str, &str); 8] = [
    ("human", "txt"),
    ("json", "json"),
    ("sarif", "sarif"),
    ("junit", "junit.xml"),
    ("markdown", "md"),
    ("github", "github.txt"),
    ("gitlab", "gitlab.json"),
    ("html", "html"),
];

fn example(name: &str) -> PathBuf {
    repo().join("tests/bundles").join(name)
}

fn check(bundle: &Path, format: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec![
        "check",
        bundle.to_str().unwrap(),
        "--to",
        "prod",
        "--format",
        format,
        "--commit",
        "4f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        "--branch",
        "main",
        "--author",
        "dev@example.com",
    ];
    args.extend_from_slice(extra);
    stagegate(&args, None, env)
}

/// `text` with each `<td class="n">N ms</td>` (the HTML page's plugin wall
/// times) masked.
fn mask_html_times(text: &str) -> String {
    const OPEN: &str = "<td class=\"n\">";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        let (head, tail) = rest.split_at(at + OPEN.len());
        out.push_str(head);
        let digits = tail.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && tail[digits..].starts_with(" ms</td>") {
            out.push('N');
            rest = &tail[digits..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Output with what differs between runs masked: plugin wall times, and the
/// bundle path, which is the repository's.
fn deterministic(text: &str) -> String {
    let text = mask_html_times(text);
    let repo = repo().display().to_string();
    let mut out = String::with_capacity(text.len());
    for line in text.replace(&repo, "<repo>").split_inclusive('\n') {
        // "  junit      0.1.0    ok     1 artifact(s)  11 ms  sha256:…"
        match line.find(" artifact(s)  ") {
            Some(at) => {
                let (head, rest) = line.split_at(at + " artifact(s)  ".len());
                let after = rest.split_once(" ms").map_or(rest, |(_, a)| a);
                out.push_str(head);
                out.push_str("N ms");
                out.push_str(after);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Golden files: every format on the allowed and the denied example bundle.
/// `STAGEGATE_BLESS=1` rewrites them.
#[test]
fn every_format_matches_its_golden_file_on_the_example_bundles() {
    let bless = std::env::var_os("STAGEGATE_BLESS").is_some();
    let mut stale = Vec::new();
    for name in ["example", "denied"] {
        for (format, ext) in FORMATS {
            let first = check(&example(name), format, &[], &[]);
            let second = check(&example(name), format, &[], &[]);
            assert_eq!(
                deterministic(&first.stdout),
                deterministic(&second.stdout),
                "{name}.{ext} differs between two runs"
            );
            let golden = repo().join("tests/golden").join(format!("{name}.{ext}"));
            let got = deterministic(&first.stdout);
            if bless {
                std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
                std::fs::write(&golden, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&golden).unwrap_or_default();
            if want != got {
                stale.push(format!(
                    "{} (STAGEGATE_BLESS=1 rewrites it)\n--- got ---\n{}",
                    golden.display(),
                    got.chars().take(3000).collect::<String>()
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale golden files:\n{}",
        stale.join("\n")
    );
}

fn validator(schema: &Path) -> jsonschema::Validator {
    // SARIF's schema, as published, gives `run.language` the pattern
    // `…-[a-zA-Z]{2}]?$`, whose lone `]` JavaScript reads as a literal and
    // Rust's regex engines refuse: it is escaped, and nothing else changes.
    let text = std::fs::read_to_string(schema)
        .unwrap()
        .replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

/// A bundle whose plugins cannot all run: a corrupt JUnit file.
fn error_bundle() -> tempfile::TempDir {
    bundle(&[("junit/CORRUPT_surefire_unclosed-cdata.xml", "junit.xml")])
}

#[test]
fn the_json_report_validates_against_its_schema_for_allow_deny_and_error() {
    let schema = validator(&repo().join("schemas/report.schema.json"));
    let broken = error_bundle();
    let empty = tempfile::tempdir().unwrap();
    let cases: [(&Path, &[&str], &str); 5] = [
        (&example("example"), &[], "allow"),
        (&example("denied"), &[], "deny"),
        (&example("denied"), &["--explain", "--dry-run"], "deny"),
        (empty.path(), &[], "deny"),
        (broken.path(), &[], "error"),
    ];
    for (bundle, extra, decision) in cases {
        let run = check(bundle, "json", extra, &[]);
        let json = run.json();
        assert_eq!(json["decision"], decision, "{}", run.all());
        assert_eq!(json["schema"], "stagegate.report/v1");
        assert_valid(&schema, &json, &format!("{} {extra:?}", bundle.display()));
    }
    // The schema is strict: it catches a key that is not in the report.
    let mut json = check(&example("example"), "json", &[], &[]).json();
    json["surprise"] = Value::Bool(true);
    assert!(
        !schema.is_valid(&json),
        "the schema must refuse unknown keys"
    );
}

#[test]
fn sarif_validates_against_sarif_2_1_0_and_meets_code_scanning_rules() {
    let schema = validator(&repo().join("tests/schemas/sarif-2.1.0-rtm.5.json"));
    let broken = error_bundle();
    for bundle in [
        example("example"),
        example("denied"),
        broken.path().to_owned(),
    ] {
        let run = check(&bundle, "sarif", &[], &[]);
        let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_valid(&schema, &sarif, &bundle.display().to_string());
        assert_eq!(sarif["version"], "2.1.0");
        let runs = sarif["runs"].as_array().unwrap();
        assert!(!runs.is_empty() && runs.len() <= 20, "{} runs", runs.len());
        let mut categories: Vec<&str> = runs
            .iter()
            .map(|r| r["automationDetails"]["id"].as_str().unwrap())
            .collect();
        categories.sort_unstable();
        categories.dedup();
        assert_eq!(categories.len(), runs.len(), "one category per run");
        for run in runs {
            let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
            let invocation = &run["invocations"][0];
            assert!(invocation["properties"]["decision"].is_string());
            assert!(invocation["exitCode"].is_u64());
            for rule in rules {
                if let Some(score) = rule["properties"]["security-severity"].as_str() {
                    let score: f64 = score.parse().unwrap();
                    assert!((0.0..=10.0).contains(&score), "{score}");
                }
            }
            let results = run["results"].as_array().unwrap();
            assert!(results.len() <= 25_000);
            for result in results {
                let id = result["ruleId"].as_str().unwrap();
                let index = result["ruleIndex"].as_u64().unwrap() as usize;
                assert_eq!(rules[index]["id"], id, "ruleIndex points at its rule");
                let location = &result["locations"][0]["physicalLocation"];
                let uri = location["artifactLocation"]["uri"].as_str().unwrap();
                assert!(
                    !uri.starts_with('/') && !uri.contains("://") && !uri.contains(' '),
                    "relative, encoded uri: {uri}"
                );
                if let Some(line) = location["region"]["startLine"].as_u64() {
                    assert!(line >= 1);
                }
                let fingerprint = result["partialFingerprints"]["stagegateFinding/v1"]
                    .as_str()
                    .unwrap();
                assert_eq!(fingerprint.len(), 64);
            }
        }
    }
    // The denied bundle's findings are there, located and scored.
    let sarif: Value =
        serde_json::from_str(&check(&example("denied"), "sarif", &[], &[]).stdout).unwrap();
    let junit = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "junit")
        .unwrap();
    let results = junit["results"].as_array().unwrap();
    assert_eq!(results.len(), 25, "20 failures and 5 errors");
    assert!(results.iter().all(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "reports/junit.xml"
    ));
    assert_eq!(
        junit["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
        "8.0"
    );
    assert_eq!(
        junit["invocations"][0]["properties"]["decision"], "deny",
        "the gate's decision is invocation data"
    );
}

/// JUnit test cases of a document: (classname.name, outcome).
fn junit_cases(xml: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut cases = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                let attr = |key: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| a.unescape_value().unwrap().into_owned())
                        .unwrap()
                };
                let name = format!("{}.{}", attr(b"classname"), attr(b"name"));
                cases.push((name.clone(), "passed".to_owned()));
                current = Some(name);
            }
            Event::Start(e) | Event::Empty(e)
                if matches!(e.name().as_ref(), b"failure" | b"error" | b"skipped") =>
            {
                let outcome = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if let (Some(name), Some(last)) = (&current, cases.last_mut()) {
                    assert_eq!(&last.0, name);
                    last.1 = outcome;
                }
            }
            _ => {}
        }
    }
    cases
}

#[test]
fn junit_output_has_a_case_per_policy_and_round_trips_through_the_junit_plugin() {
    let config = tempfile::tempdir().unwrap();
    // A waiver and an advisory policy, so that skipped cases appear too.
    let waivers = config.path().join("waivers.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\nid = \"W-1\"\npolicy = \"no-severe-code-errors\"\nstages = [\"prod\"]\nreason = \"triaged\"\nticket = \"SEC-1\"\napprover = \"lead\"\nexpires = \"2026-12-31\"\n",
    )
    .unwrap();
    let config_file = crate::support::write_config(
        config.path(),
        "waivers = \"waivers.toml\"\n[[enforcement]]\npolicy = \"no-leaked-secrets\"\nlevel = \"advisory\"\nstages = [\"prod\"]\n",
    );
    let cfg = config_file.to_str().unwrap();
    let run = check(
        &example("denied"),
        "junit",
        &["--config", cfg, "--today", "2026-12-04"],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let cases = junit_cases(&run.stdout);
    let json = check(
        &example("denied"),
        "json",
        &["--config", cfg, "--today", "2026-12-04"],
        &[],
    )
    .json();
    let gates = json["gates"].as_array().unwrap();
    let plugins = json["plugins"].as_array().unwrap();
    assert_eq!(cases.len(), gates.len() + plugins.len());
    let outcome = |name: &str| {
        cases
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.as_str())
            .unwrap_or_else(|| panic!("no case {name}: {cases:?}"))
    };
    assert_eq!(outcome("stagegate.policy.tests-pass"), "failure");
    assert_eq!(outcome("stagegate.policy.no-leaked-secrets"), "skipped");
    assert_eq!(outcome("stagegate.policy.no-severe-code-errors"), "skipped");
    assert_eq!(outcome("stagegate.policy.no-public-buckets"), "passed");
    assert_eq!(outcome("stagegate.host.evidence-required-junit"), "passed");
    assert_eq!(outcome("stagegate.plugin.junit"), "passed");
    assert!(run.stdout.contains("message=\"tests failed or errored"));

    // The junit plugin reads the report back as test results.
    let again = tempfile::tempdir().unwrap();
    std::fs::write(again.path().join("TEST-stagegate.xml"), &run.stdout).unwrap();
    let back = check(again.path(), "json", &[], &[]).json();
    let facts = &back["facts"]["junit"];
    let count = |o: &str| cases.iter().filter(|(_, x)| x == o).count() as u64;
    assert_eq!(facts["total"], cases.len() as u64, "{facts}");
    assert_eq!(facts["failed"], count("failure"));
    assert_eq!(facts["errored"], count("error"));
    assert_eq!(facts["skipped"], count("skipped"));
    assert_eq!(facts["passed"], count("passed"));
    let failed: Vec<&str> = facts["failed_tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(failed, ["stagegate.policy.tests-pass"]);
    // And a plugin that failed is an errored case.
    let broken = error_bundle();
    let run = check(broken.path(), "junit", &[], &[]);
    assert_eq!(run.code, 2);
    let cases = junit_cases(&run.stdout);
    assert!(
        cases.contains(&("stagegate.plugin.junit".into(), "error".into())),
        "{cases:?}"
    );
    assert!(
        cases
            .iter()
            .filter(|(n, _)| n.starts_with("stagegate.policy."))
            .all(|(_, o)| o == "skipped")
    );
}

#[test]
fn the_markdown_summary_is_appended_to_the_step_summary_and_stays_under_github_s_cap() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "## an earlier step\n").unwrap();
    let path = summary.to_str().unwrap();
    let run = check(
        &example("denied"),
        "human",
        &[],
        &[("GITHUB_STEP_SUMMARY", path)],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("## an earlier step\n"),
        "appended, not replaced"
    );
    assert!(
        text.contains("## ❌ stagegate: test → prod DENIED"),
        "{text}"
    );
    assert!(text.contains("| ❌ failed | tests\\-pass |"), "{text}");
    assert!(text.contains("### Findings ("), "{text}");
    // --no-summary leaves it alone; so does naming it as a markdown output.
    let before = std::fs::read_to_string(&summary).unwrap();
    check(
        &example("denied"),
        "human",
        &["--no-summary"],
        &[("GITHUB_STEP_SUMMARY", path)],
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);

    // The largest real bundle: thousands of findings, long messages.
    let large = bundle(&[
        (
            "sarif/ruff_ansible-core-2.19.14_module_utils.sarif",
            "ruff.sarif",
        ),
        ("sarif/semgrep_owasp-benchmark.sarif", "semgrep.sarif"),
        ("sarif/sarif-sdk_fortify-large.sarif", "fortify.sarif"),
        ("junit/pytest_networkx-3.6.1_large.xml", "junit.xml"),
    ]);
    let run = check(large.path(), "markdown", &[], &[]);
    assert!(run.stdout.len() < 1 << 20, "{} bytes", run.stdout.len());
    assert!(run.stdout.contains("first 50"), "{}", &run.stdout[..2000]);
}

#[test]
fn workflow_commands_are_escaped_exactly_as_github_s_toolkit_escapes_them() {
    let modules = npm_package("npm-actions-core", "@actions/core@3.0.1");
    // Hostile titles, files and messages; no secrets and no characters the
    // writer makes visible, so both sides see the same input.
    let cases: Vec<(&str, &str, u32, &str)> = vec![
        ("plain", "src/app.py", 3, "simple message"),
        (
            "a: b, c",
            "dir,with:odd/na me.py",
            10,
            "100% sure\nsecond line",
        ),
        (
            "title\r\n::warning::forged",
            "x%0Ay.py",
            1,
            "msg\r\n::error::forged",
        ),
        ("%25 already", "a%3Ab", 7, "::set-output name=x::y %0A"),
        (
            "πολύ 🚀",
            "ünï/cødé.rs",
            42,
            "message :: with :: colons, and commas",
        ),
    ];
    let script = format!(
        "import * as core from '{}';\nconst cases = JSON.parse(process.argv[2]);\nfor (const [title, file, line, message] of cases) core.error(message, {{ title, file, startLine: line }});\n",
        modules.join("@actions/core/lib/core.js").display()
    );
    let dir = tempfile::tempdir().unwrap();
    let js = dir.path().join("annotate.mjs");
    std::fs::write(&js, script).unwrap();
    let output = std::process::Command::new("node")
        .arg(&js)
        .arg(serde_json::to_string(&cases).unwrap())
        .output()
        .expect("node is needed (Debian: apt-get install nodejs npm)");
    assert!(output.status.success(), "{output:?}");
    let toolkit = String::from_utf8(output.stdout).unwrap();
    let ours: Vec<String> = cases
        .iter()
        .map(|(title, file, line, message)| {
            stagegate::report::github::annotation(
                "error",
                Some((file, Some(*line))),
                title,
                message,
            )
        })
        .collect();
    let toolkit: Vec<&str> = toolkit.lines().collect();
    assert_eq!(toolkit, ours);

    // The real output on a hostile bundle: every line is either one of the
    // gate's own commands or plain text, whatever the test names say.
    let evil = tempfile::tempdir().unwrap();
    std::fs::write(
        evil.path().join("junit.xml"),
        r#"<testsuites><testsuite name="s" tests="1" failures="1"><testcase classname="c" name="t&#13;&#10;::error::forged&#10;::add-mask::x"><failure message="boom&#10;::warning file=/etc/passwd::x%0A::stop-commands::y"/></testcase></testsuite></testsuites>"#,
    )
    .unwrap();
    std::fs::write(evil.path().join("x,y:z%0A.xml"), "<testsuites/>").unwrap();
    let run = check(evil.path(), "github", &[], &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let commands: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    for line in &commands {
        let ok = [
            "::error ",
            "::warning ",
            "::notice ",
            "::group::",
            "::endgroup::",
        ]
        .iter()
        .any(|c| line.starts_with(c));
        assert!(ok, "a command the gate did not write: {line}");
    }
    // The forged commands are inside a message, where the runner reads text.
    assert!(
        commands.iter().any(
            |l| l.starts_with("::error title=junit/failure (high),file=junit.xml")
                && l.contains("::error::forged")
                && l.contains("::add-mask::x")
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.lines().any(|l| l.starts_with("::add-mask")
        || l.starts_with("::stop-commands")
        || l.starts_with("::set-output")));
}

#[test]
fn gitlab_code_quality_issues_have_the_fields_gitlab_reads() {
    let run = check(&example("denied"), "gitlab", &[], &[]);
    let issues: Value = serde_json::from_str(&run.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    assert!(issues.len() >= 25, "{}", issues.len());
    let mut fingerprints: Vec<&str> = Vec::new();
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(matches!(
            issue["severity"].as_str().unwrap(),
            "info" | "minor" | "major" | "critical" | "blocker"
        ));
        assert!(issue["location"]["path"].is_string());
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.push(issue["fingerprint"].as_str().unwrap());
    }
    let all = fingerprints.len();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), all, "fingerprints are unique");
    let secret = issues
        .iter()
        .find(|i| i["check_name"].as_str().unwrap().starts_with("secrets/"))
        .unwrap();
    assert_eq!(secret["location"]["path"], "deploy.sh");
}

#[test]
fn output_writes_several_formats_in_one_run_and_refuses_unsafe_paths() {
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("gate.sarif");
    let md = out.path().join("summary.md");
    let junit = out.path().join("gate.xml");
    let html = out.path().join("gate.html");
    let run = check(
        &example("denied"),
        "human",
        &[
            "--output",
            &format!("sarif={}", sarif.display()),
            "--output",
            &format!("markdown={}", md.display()),
            "--output",
            &format!("junit={}", junit.display()),
            "--output",
            &format!("html={}", html.display()),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("DENIED"), "stdout keeps its format");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(&md).unwrap().contains("DENIED"));
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuites")
    );
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );

    // An output inside the bundle would become evidence: refused, and
    // nothing is written.
    let b = bundle(&[("junit/pytest_sqlparse-0.6.1_pass.xml", "junit.xml")]);
    let inside = b.path().join("report.sarif");
    let run = check(
        b.path(),
        "human",
        &["--output", &format!("sarif={}", inside.display())],
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("inside the bundle"), "{}", run.stderr);
    assert!(!inside.exists());
    // A directory, an unknown format, a missing `=`.
    for (bad, says) in [
        (format!("json={}", out.path().display()), "is a directory"),
        ("yaml=x.yaml".to_owned(), "unknown format `yaml`"),
        ("gate.sarif".to_owned(), "is not FORMAT=PATH"),
    ] {
        let run = check(&example("example"), "human", &["--output", &bad], &[]);
        assert_eq!(run.code, 2, "{bad}: {}", run.all());
        assert!(run.stderr.contains(says), "{bad}: {}", run.stderr);
    }
}

/// Runs `check` on `bundle` under a pseudo-terminal (util-linux `script`),
/// with stdout to a file, and returns what the terminal showed.
fn on_a_terminal(bundle: &Path, env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let typescript = dir.path().join("typescript");
    let command = format!(
        "'{}' check '{}' --to prod > '{}'",
        env!("CARGO_BIN_EXE_stagegate"),
        bundle.display(),
        dir.path().join("stdout").display()
    );
    let mut script = std::process::Command::new("script");
    script
        .args(["-qec", &command])
        .arg(&typescript)
        .env_remove("CI")
        .env("TERM", "xterm")
        .env("STAGEGATE_PROGRESS_DELAY_MS", "0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    for (k, v) in env {
        script.env(k, v);
    }
    let status = script
        .status()
        .expect("util-linux `script` is needed for the terminal test");
    assert!(status.success() || status.code() == Some(0), "{status}");
    let stdout = std::fs::read_to_string(dir.path().join("stdout")).unwrap();
    assert!(stdout.contains("ALLOWED"), "{stdout}");
    assert!(
        !stdout.contains("hashing"),
        "the report never holds the progress line"
    );
    std::fs::read_to_string(typescript).unwrap()
}

#[test]
fn the_progress_line_shows_on_a_terminal_only() {
    let shown = on_a_terminal(&example("example"), &[]);
    assert!(
        shown.contains("stagegate: hashing the bundle:")
            || shown.contains("stagegate: running plugins:"),
        "{shown:?}"
    );
    assert!(
        shown.contains("\r\u{1b}[2K"),
        "redrawn in place and erased: {shown:?}"
    );
    // In CI (CI=true), or with stderr redirected, never.
    let ci = on_a_terminal(&example("example"), &[("CI", "true")]);
    assert!(!ci.contains("stagegate:"), "{ci:?}");
    let run = stagegate(
        &[
            "check",
            example("example").to_str().unwrap(),
            "--to",
            "prod",
        ],
        None,
        &[("STAGEGATE_PROGRESS_DELAY_MS", "0")],
    );
    assert_eq!(run.code, 0);
    assert!(run.stderr.is_empty(), "{:?}", run.stderr);
}

/// `markdown` rendered to HTML by markdown-it 14 with GitHub's extensions
/// that matter here (tables, autolinks of bare URLs, raw HTML allowed).
fn render_markdown(text: &str) -> String {
    let modules = npm_package("npm-markdown-it", "markdown-it@14.1.0");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("summary.md");
    std::fs::write(&input, text).unwrap();
    let script = dir.path().join("render.mjs");
    std::fs::write(
        &script,
        format!(
            "import fs from 'node:fs';\nimport MarkdownIt from '{}';\nconst md = new MarkdownIt({{ html: true, linkify: true }});\nprocess.stdout.write(md.render(fs.readFileSync(process.argv[2], 'utf8')));\n",
            modules.join("markdown-it/index.mjs").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new("node")
        .arg(&script)
        .arg(&input)
        .output()
        .expect("node is needed (Debian: apt-get install nodejs npm)");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_markdown_summary_renders_untrusted_text_as_text() {
    let html = render_markdown(&check(&example("denied"), "markdown", &[], &[]).stdout);
    assert_eq!(html.matches("<td>❌ failed</td>").count(), 3, "{html}");
    assert!(
        html.contains("author dev@example.com"),
        "escapes render away: {html}"
    );
    assert!(
        !html.contains("<a "),
        "no link is made of bundle text: {html}"
    );

    // Test names and messages that try Markdown, HTML and autolinks.
    let evil = tempfile::tempdir().unwrap();
    std::fs::write(
        evil.path().join("junit.xml"),
        r#"<testsuites><testsuite name="s" tests="2" failures="2">
<testcase classname="c" name="t1 | injected | cell"><failure message="&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;"/></testcase>
<testcase classname="c" name="[click](https://evil.example) ![x](https://evil.example/x.png) www.evil.example"><failure message="**bold** `code` &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;forged&lt;/h1&gt; ::error::x"/></testcase>
</testsuite></testsuites>"#,
    )
    .unwrap();
    let html = render_markdown(&check(evil.path(), "markdown", &[], &[]).stdout);
    for forbidden in ["<script", "<img", "<a ", "<h1>", "<strong>", "<code>"] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("t1 | injected | cell"),
        "a pipe stays in its cell: {html}"
    );
}
