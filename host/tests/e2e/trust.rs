//! The trust suite: one case per guarantee of the README's "What stagegate
//! guarantees", each driving the real binary on a hostile input. A bug found
//! later becomes a new case here, not a new harness.

use std::path::Path;

use crate::support::{
    Run, bundle, fixture, hostile_config, hostile_config_with, stagegate, write_config,
};

/// Real-shaped credentials, made up for these tests (none was ever valid).
const GITHUB: &str = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
const GITHUB_PAT: &str =
    "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";
const GITLAB: &str = "glpat-Xq3Rt8Vb2Nm6Kp9Ls4Wd";
const SLACK: &str = "xoxb-284192746521-8472916350281-Qz7Ry4Tx9Wv2Ub5Sc8Pd3Nf";
const AWS_ID: &str = "AKIAZ4QK7VN3LX8RT2PW";
const AWS_SECRET: &str = "q7Rt/3vXk9Lm2Np8Qs4Wd6Yf1Zh5Jb0Ku+Gc7Ae3";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1kZXBsb3llciIsInNjb3BlIjoicHJvZCIsImlhdCI6MTcwMDAwMDAwMH0.kP3xR7tV9wZ2yB5nD8qF1hJ4lM6sU0vX3cE7gA9iK2o";
const PASSWORD: &str = "Vq8#nZ2!rL5@tW9xK3";
const KEY_MATERIAL: &str =
    "MIIEowIBAAKCAQEAu7Rj3Lx9Qm2Tz8Kp4Vn6Ws1Yb5Hd7Fg0Jc3Ne9Ra2Uk8Xo4Mi6Ps1Lt5Gv7Bw3Zy0Dq";

fn private_key() -> String {
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{KEY_MATERIAL}\nb2Jd8Kf3Lm9Np4Qr7St1Uv6Wx0Yz5Ab2Cd8Ef3Gh9Ij4Kl7Mn1Op6Qr0St5\n-----END RSA PRIVATE KEY-----"
    )
}

/// Every planted value, as a test searches for it: by plain substring, never
/// through the detectors under test.
fn planted() -> Vec<&'static str> {
    vec![
        GITHUB,
        GITHUB_PAT,
        GITLAB,
        SLACK,
        AWS_ID,
        AWS_SECRET,
        JWT,
        PASSWORD,
        KEY_MATERIAL,
    ]
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\n', "&#10;")
}

fn check(bundle: &Path, to: &str, config: Option<&Path>, extra: &[&str]) -> Run {
    let mut args = vec!["check", bundle.to_str().unwrap(), "--to", to];
    let config = config.map(|c| c.to_str().unwrap().to_owned());
    if let Some(config) = &config {
        args.extend(["--config", config.as_str()]);
    }
    args.extend(extra);
    stagegate(&args, None, &[])
}

fn json_check(bundle: &Path, to: &str, config: Option<&Path>) -> (Run, serde_json::Value) {
    let run = check(bundle, to, config, &["--format", "json"]);
    let json = run.json();
    (run, json)
}

fn reasons(json: &serde_json::Value) -> Vec<String> {
    json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["policy"].as_str().unwrap().to_owned())
        .collect()
}

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";

/// Guarantee 1: No secret value in any output: planted in a failing test's name and
/// message, a SARIF message and snippet, a Kubernetes env value, a
/// Terraform plan attribute, a config file and a user plugin's log line,
/// finding and error.
#[test]
fn no_planted_secret_reaches_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path();
    let key = private_key();
    let junit = format!(
        r#"<?xml version="1.0"?>
<testsuites><testsuite name="deploy" tests="2" failures="1">
<testcase classname="tests.test_deploy" name="test_token[{GITHUB}]">
<failure message="{}">{}</failure></testcase>
<testcase classname="tests.test_deploy" name="test_ok"/>
</testsuite></testsuites>"#,
        xml_escape(&format!(
            "AssertionError: assert login('{AWS_ID}', '{AWS_SECRET}') with slack {SLACK}"
        )),
        xml_escape(&format!(
            "E   token = '{GITLAB}'\nE   jwt = {JWT}\nE   password = \"{PASSWORD}\"\n{key}\n"
        ))
    );
    std::fs::write(b.join("junit.xml"), junit).unwrap();
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "gitleaks", "rules": [{"id": "generic-api-key"}]}},
            "results": [{
                "ruleId": "generic-api-key",
                "level": "error",
                "message": {"text": format!("found {GITHUB_PAT} in config")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "src/settings.py"},
                    "region": {"startLine": 3, "snippet": {"text": format!("TOKEN = \"{GITHUB}\"")}}
                }}]
            }]
        }]
    });
    std::fs::write(b.join("scan.sarif"), sarif.to_string()).unwrap();
    std::fs::write(
        b.join("deploy.yaml"),
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:1.2.3\n        env:\n        - name: SLACK_TOKEN\n          value: \"{SLACK}\"\n"
        ),
    )
    .unwrap();
    let plan = serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "resource_changes": [{
            "address": "aws_db_instance.main",
            "mode": "managed",
            "type": "aws_db_instance",
            "name": "main",
            "change": {"actions": ["create"], "before": null,
                       "after": {"password": PASSWORD, "username": "admin", "storage_encrypted": true}}
        }]
    });
    std::fs::write(b.join("plan.json"), plan.to_string()).unwrap();
    std::fs::write(
        b.join("application.properties"),
        format!("spring.datasource.password={PASSWORD}\naws.secret_access_key={AWS_SECRET}\naws.access_key_id={AWS_ID}\n"),
    )
    .unwrap();

    let (run, json) = json_check(b, "prod", None);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(reasons(&json).contains(&"no-leaked-secrets".to_owned()));
    assert!(reasons(&json).contains(&"tests-pass".to_owned()));
    let human = check(b, "prod", None, &[]);
    let every_format: Vec<Run> = FORMATS
        .iter()
        .map(|f| check(b, "prod", None, &["--format", f]))
        .collect();
    let findings = json["findings"].to_string();
    assert!(
        findings.contains("ghp_…"),
        "the finding names the token by fingerprint: {findings}"
    );
    let outputs = [run.all(), human.all()]
        .into_iter()
        .chain(every_format.iter().map(Run::all));
    for output in outputs {
        for value in planted() {
            assert!(
                !output.contains(value),
                "planted `{}…` printed:\n{output}",
                &value[..6]
            );
        }
    }

    // A user plugin's log line, stdout, finding (rule, message, path) and error.
    for (mode, secret) in [("leak", GITHUB), ("leak", AWS_ID), ("leak-finding", SLACK)] {
        let cfg = tempfile::tempdir().unwrap();
        let config = hostile_config_with(cfg.path(), mode, "", &format!("secret = \"{secret}\""));
        let plain = bundle(&[(PASS, "junit.xml")]);
        let json = check(plain.path(), "prod", Some(&config), &["--format", "json"]);
        let human = check(plain.path(), "prod", Some(&config), &[]);
        assert!(
            json.stdout.contains(&secret[..4]),
            "mode {mode}: the fingerprint is shown:\n{}",
            json.all()
        );
        for output in [json.all(), human.all()] {
            assert!(
                !output.contains(secret),
                "mode {mode}: `{secret}` printed:\n{output}"
            );
        }
    }
}

/// Every format `check` writes.
const FORMATS: [&str; 8] = [
    "human", "json", "sarif", "junit", "markdown", "github", "gitlab", "html",
];

/// The workflow commands the `github` format writes itself.
const OWN_COMMANDS: [&str; 5] = [
    "::error ",
    "::warning ",
    "::notice ",
    "::group::",
    "::endgroup::",
];

/// Every character a terminal or a CI runner would obey. In the `github`
/// format, lines that are the gate's own annotations may start a command.
fn assert_no_injection_in(format: &str, output: &str) {
    for c in output.chars() {
        assert!(
            c == '\n' || !stagegate_text_is_unsafe(c),
            "{format}: raw {:?} in output:\n{output}",
            c
        );
    }
    for line in output.lines() {
        let body = line.trim_start();
        if format == "github" && OWN_COMMANDS.iter().any(|c| line.starts_with(c)) {
            continue;
        }
        if format == "markdown" && (body.starts_with("## ") || body.starts_with("### ")) {
            // A heading the summary writes; Azure's commands are `##vso[` and `##[`.
            continue;
        }
        assert!(
            !body.starts_with("::") && !body.starts_with("##"),
            "{format}: line starts a workflow command: {line:?}"
        );
    }
}

/// Every character a terminal or a CI runner would obey.
fn assert_no_injection(output: &str) {
    for c in output.chars() {
        assert!(
            c == '\n' || !stagegate_text_is_unsafe(c),
            "raw {:?} in output:\n{output}",
            c
        );
    }
    for line in output.lines() {
        let body = line.trim_start();
        assert!(
            !body.starts_with("::") && !body.starts_with("##"),
            "line starts a workflow command: {line:?}"
        );
    }
}

fn stagegate_text_is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Guarantee 2: No injection: escapes in a test name, a failure message, a file name
/// and a plugin's strings are shown, never obeyed.
#[test]
fn terminal_and_workflow_injection_is_defused() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "\u{1b}[2J\u{1b}[31mFORGED\r\n::error::pwned\u{202e}gpj.exe\u{7}\u{8}\u{9b}31m";
    let junit = format!(
        r#"<testsuites><testsuite name="s" tests="1" failures="1"><testcase classname="c" name="{}"><failure message="{}"/></testcase></testsuite></testsuites>"#,
        xml_escape(&evil.replace(['\u{1b}', '\u{7}', '\u{8}', '\u{9b}'], "")),
        "&#x1b;[2J bad&#13;&#10;::add-mask::x &#x202e;txt"
    );
    std::fs::write(dir.path().join(format!("evil{evil}.xml")), junit).unwrap();
    for format in FORMATS {
        let run = check(dir.path(), "prod", None, &["--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.all());
        assert_no_injection_in(format, &run.stdout);
        assert_no_injection(&run.stderr);
    }
    let human = check(dir.path(), "prod", None, &[]).stdout;
    assert!(
        human.contains("\\u{1b}[2J"),
        "escapes are shown visibly:\n{human}"
    );

    let cfg = tempfile::tempdir().unwrap();
    let config = hostile_config(cfg.path(), "inject", "");
    let plain = bundle(&[(PASS, "junit.xml")]);
    for format in FORMATS {
        let run = check(plain.path(), "prod", Some(&config), &["--format", format]);
        assert_no_injection_in(format, &run.stdout);
        // The hostile plugin's text is shown, as text, wherever that format
        // shows plugin output.
        if matches!(format, "human" | "json" | "github") {
            assert!(run.stdout.contains("FORGED"), "{format}: {}", run.stdout);
        }
    }
}

fn stages_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    write_config(
        dir,
        &format!("stages = [\"dev\", \"qa\", \"staging\", \"production\"]\n{extra}"),
    )
}

/// Guarantee 3: Stages of any name are gated, and a policy naming a stage outside the
/// chain is refused.
#[test]
fn renamed_stages_keep_every_default_gate() {
    let cfg = tempfile::tempdir().unwrap();
    let config = stages_config(cfg.path(), "");
    let failing = bundle(&[(
        "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml",
        "junit.xml",
    )]);
    for stage in ["qa", "staging", "production"] {
        let (run, json) = json_check(failing.path(), stage, Some(&config));
        assert_eq!(run.code, 1, "failing tests into {stage}: {}", run.all());
        assert!(reasons(&json).contains(&"tests-pass".to_owned()), "{stage}");
    }
    let leaky = bundle(&[
        (PASS, "junit.xml"),
        ("secrets/planted_deploy.sh", "deploy.sh"),
    ]);
    for stage in ["qa", "production"] {
        let (run, json) = json_check(leaky.path(), stage, Some(&config));
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            reasons(&json).contains(&"no-leaked-secrets".to_owned()),
            "{stage}"
        );
    }
    let vulnerable = bundle(&[
        (PASS, "junit.xml"),
        ("trivy/trivy_spring4shell-jre11.json", "trivy.json"),
    ]);
    let (run, json) = json_check(vulnerable.path(), "production", Some(&config));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(reasons(&json).contains(&"no-critical-vulnerabilities".to_owned()));
    let (run, _) = json_check(vulnerable.path(), "staging", Some(&config));
    assert_eq!(
        run.code,
        0,
        "critical vulnerabilities gate the last stage only: {}",
        run.all()
    );

    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("p.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"prd-freeze\")\n@reason(\"frozen\")\nforbid(principal, action, resource == Stage::\"prodution\");\n",
    )
    .unwrap();
    let config = stages_config(cfg.path(), &format!("policies = {:?}\n", policies.path()));
    let run = check(failing.path(), "qa", Some(&config), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    let all = run.all();
    assert!(all.contains("prd-freeze"), "{all}");
    assert!(all.contains("`prodution`"), "{all}");
    assert!(all.contains("did you mean `production`?"), "{all}");
}

/// Guarantee 4: Evidence is enforced by the host for every plugin, with a replaced
/// policy directory too; an unknown plugin in `[evidence]` is a config error.
#[test]
fn evidence_is_enforced_by_the_host() {
    let cfg = tempfile::tempdir().unwrap();
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("allow.cedar"),
        "@id(\"allow-all\")\n@reason(\"anything goes\")\npermit(principal, action, resource);\n",
    )
    .unwrap();
    let config = write_config(
        cfg.path(),
        &format!(
            "policies = {:?}\n[evidence]\nprod = [\"junit\", \"kubernetes\"]\n",
            policies.path()
        ),
    );
    let b = bundle(&[(PASS, "junit.xml")]);
    let (run, json) = json_check(b.path(), "prod", Some(&config));
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(reasons(&json), ["evidence-required-kubernetes"]);
    let reason = json["reasons"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("plugin `kubernetes`"), "{reason}");
    let with = bundle(&[
        (PASS, "junit.xml"),
        ("k8s/handmade_hardened-deployment.yaml", "k8s.yaml"),
    ]);
    let (run, _) = json_check(with.path(), "prod", Some(&config));
    assert_eq!(run.code, 0, "{}", run.all());

    let config = write_config(cfg.path(), "[evidence]\nprod = [\"kubernets\"]\n");
    let run = check(b.path(), "prod", Some(&config), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.all()
            .contains("`kubernets`, which is not a loaded plugin"),
        "{}",
        run.all()
    );
}

/// Guarantee 5: Evidence means something was measured: all-skipped tests and an empty
/// coverage report are no evidence.
#[test]
fn evidence_that_measured_nothing_is_no_evidence() {
    let skipped = tempfile::tempdir().unwrap();
    std::fs::write(
        skipped.path().join("junit.xml"),
        r#"<testsuite name="s" tests="3" skipped="3"><testcase name="a"><skipped/></testcase><testcase name="b"><skipped/></testcase><testcase name="c"><skipped/></testcase></testsuite>"#,
    )
    .unwrap();
    let (run, json) = json_check(skipped.path(), "prod", None);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(reasons(&json), ["evidence-required-junit"]);
    assert_eq!(json["facts"]["junit"]["skipped"], 3);

    let cfg = tempfile::tempdir().unwrap();
    let config = write_config(
        cfg.path(),
        "[evidence]\nprod = [\"junit\", \"coverage\"]\n[params]\ncoverage_floor = 99.0\n",
    );
    let empty = bundle(&[
        (PASS, "junit.xml"),
        ("coverage/nyc-18_all-files-zero-coverage.lcov", "lcov.info"),
    ]);
    std::fs::write(empty.path().join("lcov.info"), "").unwrap();
    std::fs::write(
        empty.path().join("coverage.xml"),
        "<?xml version=\"1.0\"?><coverage line-rate=\"0\" branch-rate=\"0\" lines-covered=\"0\" lines-valid=\"0\" version=\"c8\"><sources/><packages/></coverage>",
    )
    .unwrap();
    let (run, json) = json_check(empty.path(), "prod", Some(&config));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        reasons(&json).contains(&"evidence-required-coverage".to_owned()),
        "{json}"
    );
}

/// Guarantee 6: The bundle cannot hide from the gate.
#[test]
fn the_bundle_cannot_hide_from_the_gate() {
    // A manifest that gives `.env` another kind does not stop the secrets scan.
    let b = bundle(&[(PASS, "junit.xml"), ("secrets/planted_deploy.sh", ".env")]);
    std::fs::write(
        b.path().join("stagegate-bundle.toml"),
        "[[artifact]]\npath = \".env\"\nkind = \"junit-xml\"\n",
    )
    .unwrap();
    let (run, json) = json_check(b.path(), "test", None);
    assert_eq!(
        run.code,
        2,
        "the declared junit file is not JUnit: {}",
        run.all()
    );
    assert!(run.all().contains(".env"), "{}", run.all());
    let b2 = bundle(&[
        (PASS, "junit.xml"),
        ("secrets/planted_azure.properties", "azure.txt"),
    ]);
    std::fs::write(
        b2.path().join("stagegate-bundle.toml"),
        "[[artifact]]\npath = \"azure.txt\"\nkind = \"app-config\"\n",
    )
    .unwrap();
    let (run, json2) = json_check(b2.path(), "test", None);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        reasons(&json2).contains(&"no-leaked-secrets".to_owned()),
        "{json2}"
    );
    drop(json);

    // A declared kind no plugin reads is an error naming the manifest.
    std::fs::write(
        b.path().join("stagegate-bundle.toml"),
        "[[artifact]]\npath = \".env\"\nkind = \"nothing\"\n",
    )
    .unwrap();
    let run = check(b.path(), "test", None, &[]);
    assert_eq!(run.code, 2);
    assert!(run.all().contains("stagegate-bundle.toml"), "{}", run.all());
    assert!(
        run.all().contains("no loaded plugin reads"),
        "{}",
        run.all()
    );

    // Unclaimed artifacts are listed and counted for policies.
    let b = bundle(&[(PASS, "junit.xml")]);
    std::fs::write(b.path().join("blob.bin"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    let (run, json) = json_check(b.path(), "prod", None);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(json["unclaimed"], serde_json::json!(["blob.bin"]));
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("p.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"everything-judged\")\n@reason(\"every artifact must be read by a plugin\")\n\
         forbid(principal, action, resource) when { context.bundle.unclaimed > 0 && context.bundle.artifacts > 1 };\n",
    )
    .unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let config = write_config(cfg.path(), &format!("policies = {:?}\n", policies.path()));
    let (run, json) = json_check(b.path(), "prod", Some(&config));
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(reasons(&json), ["everything-judged"]);

    // Evasive encodings are still routed to the plugin that reads them.
    let evasive = bundle(&[(PASS, "junit.xml")]);
    let sarif = std::fs::read_to_string(fixture("sarif/semgrep_owasp-benchmark.sarif")).unwrap();
    let escaped = sarif.replacen("\"runs\"", "\"r\\u0075ns\"", 1);
    assert_ne!(escaped, sarif);
    std::fs::write(evasive.path().join("scan.json"), escaped).unwrap();
    std::fs::copy(
        fixture("trivy/trivy_legacy-list-format.json"),
        evasive.path().join("legacy.json"),
    )
    .unwrap();
    let mut late = String::from("<?xml version=\"1.0\"?>\n");
    while late.len() < 70 * 1024 {
        late.push_str("<!-- a comment that pads the prolog past the first 64 KiB -->\n");
    }
    late.push_str(
        &std::fs::read_to_string(fixture(
            "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml",
        ))
        .unwrap()
        .replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", ""),
    );
    std::fs::write(evasive.path().join("late.xml"), late).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        format!("DEPLOY_TOKEN={GITHUB}\n")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    std::fs::write(evasive.path().join("deploy.env"), utf16).unwrap();
    let (run, json) = json_check(evasive.path(), "prod", None);
    let facts = &json["facts"];
    assert!(
        facts["sarif"]["inputs"].as_i64().unwrap() >= 1,
        "escaped key: {}",
        run.all()
    );
    assert!(
        facts["vulns"]["inputs"].as_i64().unwrap() >= 1,
        "legacy array: {}",
        run.all()
    );
    assert!(
        facts["junit"]["failed"].as_i64().unwrap() >= 1,
        "late root: {}",
        run.all()
    );
    assert!(
        facts["secrets"]["leaks"].as_i64().unwrap() >= 1,
        "UTF-16: {}",
        run.all()
    );
    assert_eq!(run.code, 1, "{}", run.all());
}

/// Guarantee 7: Special files cannot block or redirect anyone: a FIFO planted in the
/// bundle is skipped by the host and absent from the plugins' view; a plugin
/// that tries to open it ends with exit 2.
#[cfg(unix)]
#[test]
fn a_planted_fifo_blocks_nobody() {
    let b = bundle(&[(PASS, "junit.xml")]);
    let fifo = b.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let (run, json) = json_check(b.path(), "prod", None);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(json["skipped"][0]["path"], "pipe");
    assert_eq!(json["skipped"][0]["reason"], "FIFO (never opened)");

    let cfg = tempfile::tempdir().unwrap();
    let config = hostile_config_with(
        cfg.path(),
        "open",
        "timeout_ms = 2000",
        "path = \"/bundle/pipe\"",
    );
    let started = std::time::Instant::now();
    let (run, json) = json_check(b.path(), "prod", Some(&config));
    assert_eq!(run.code, 2, "{}", run.all());
    let errors = json["errors"].to_string();
    assert!(errors.contains("open /bundle/pipe: refused"), "{errors}");
    // A hang guard, not a performance assertion.
    assert!(started.elapsed() < std::time::Duration::from_secs(120));
}

/// Guarantee 8: The compiled-code cache never runs what it did not write: an altered
/// or swapped entry is rejected and the plugin compiled again.
#[test]
fn a_tampered_cache_entry_is_never_executed() {
    let cache = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let config = hostile_config(cfg.path(), "ok", "");
    let b = bundle(&[(PASS, "junit.xml")]);
    let cache_dir = cache.path().to_str().unwrap();
    let run_with = |key: &str| {
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
                "--cache-dir",
                cache_dir,
            ],
            None,
            &[("STAGEGATE_CACHE_KEY", key)],
        );
        assert_eq!(run.code, 0, "{}", run.all());
        let json = run.json();
        let hostile = json["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "hostile")
            .cloned()
            .unwrap();
        let builtin = json["plugins"][0]["code"].as_str().unwrap().to_owned();
        assert_eq!(builtin, "built-in", "built-ins never come from the cache");
        hostile["code"].as_str().unwrap().to_owned()
    };
    let key = "a key for these tests, kept outside the cache";
    assert_eq!(run_with(key), "miss");
    assert_eq!(run_with(key), "hit");
    let entries: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    let mut bytes = std::fs::read(entry).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(entry, &bytes).unwrap();
    assert_eq!(run_with(key), "rejected", "an altered entry is not used");
    assert_eq!(run_with(key), "hit", "and was replaced");
    assert_eq!(
        run_with("another key, as an attacker would have"),
        "rejected"
    );
}

/// Guarantee 9: Names the host puts into the context are reserved.
#[test]
fn host_context_names_are_reserved() {
    let b = bundle(&[(PASS, "junit.xml")]);
    let cfg = tempfile::tempdir().unwrap();
    for name in ["required", "bundle", "from", "from_rank", "params"] {
        let config = write_config(
            cfg.path(),
            &format!(
                "[plugins.{name}]\npath = \"x.wasm\"\nsha256 = \"{}\"\n",
                "a".repeat(64)
            ),
        );
        let run = check(b.path(), "prod", Some(&config), &[]);
        assert_eq!(run.code, 2);
        assert!(
            run.all()
                .contains(&format!("plugin name `{name}` is reserved")),
            "{}",
            run.all()
        );
    }
}

/// Guarantee 10: A plugin cannot hang or flood the host: sleeping inside a host call
/// ends at the deadline, empty log lines are charged, and a plugin's share
/// of the report is capped.
#[test]
fn a_plugin_cannot_hang_or_flood_the_host() {
    let b = bundle(&[(PASS, "junit.xml")]);
    let cfg = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let config = hostile_config(
        cfg.path(),
        "sleep",
        "timeout_ms = 1000\ntimeout_ms_per_mib = 0",
    );
    let (run, json) = json_check(b.path(), "prod", Some(&config));
    assert_eq!(run.code, 2, "{}", run.all());
    let errors = json["errors"].to_string();
    assert!(
        errors.contains("exceeded its 1000 ms deadline while blocked in a host call"),
        "{errors}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "hang guard"
    );

    for (mode, limit) in [
        ("flood-empty-logs", "exceeded its output limit"),
        ("flood-report", "exceeded its share of the report"),
    ] {
        let config = hostile_config(cfg.path(), mode, "");
        let (run, json) = json_check(b.path(), "prod", Some(&config));
        assert_eq!(run.code, 2, "{mode}");
        assert!(
            json["errors"].to_string().contains(limit),
            "{mode}: {}",
            run.all()
        );
        assert!(
            run.stdout.len() < 4 * 1024 * 1024,
            "{mode}: the report stays small: {} bytes",
            run.stdout.len()
        );
    }
}

/// Guarantee 11: No stage skipping unless configured.
#[test]
fn skipping_a_stage_is_denied_unless_allowed() {
    let b = bundle(&[(PASS, "junit.xml")]);
    let run = check(
        b.path(),
        "prod",
        None,
        &["--from", "dev", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(reasons(&run.json()), ["no-stage-skipping"]);
    let cfg = tempfile::tempdir().unwrap();
    let config = write_config(cfg.path(), "allow_stage_skipping = true\n");
    let run = check(b.path(), "prod", Some(&config), &["--from", "dev"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

/// Guarantee 12: The human report says what the gate did not look at.
#[cfg(unix)]
#[test]
fn the_report_names_what_was_not_looked_at() {
    let b = bundle(&[(PASS, "junit.xml")]);
    std::os::unix::fs::symlink("/etc/hostname", b.path().join("link")).unwrap();
    std::fs::write(b.path().join("image.bin"), [0u8, 159, 146, 150]).unwrap();
    let run = check(b.path(), "prod", None, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let out = &run.stdout;
    assert!(out.contains("skipped (not read by anyone): 1"), "{out}");
    assert!(
        out.contains("link (symbolic link (never followed))"),
        "{out}"
    );
    assert!(out.contains("unclaimed (no plugin reads them): 1"), "{out}");
    assert!(out.contains("image.bin"), "{out}");
    assert!(out.contains("read by several plugins: 1"), "{out}");
    assert!(out.contains("junit.xml (junit, secrets)"), "{out}");
}
