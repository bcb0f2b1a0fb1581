//! The decision log and signed decision attestations, through the real
//! binary: every `check` recorded, tampering caught by `log verify`,
//! concurrent gates appending to one log, and a prod promotion that needs
//! the test stage's signed allow for the same commit.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::support::{Run, bundle, repo, stagegate, write_config};

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";
const FAILING: &str = "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml";
const COMMIT: &str = "9fceb02d0ae598e95dc970b74767f19372d61af8";

fn key(name: &str) -> String {
    repo()
        .join("tests/fixtures/keys")
        .join(name)
        .display()
        .to_string()
}

fn check(bundle: &Path, to: &str, extra: &[&str]) -> Run {
    let mut args = vec!["check", bundle.to_str().unwrap(), "--to", to];
    args.extend_from_slice(extra);
    stagegate(&args, None, &[])
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn verify(log: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["log", "verify", log.to_str().unwrap()];
    args.extend_from_slice(extra);
    stagegate(&args, None, &[])
}

#[test]
fn every_check_appends_a_record_with_the_digests_of_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let log_arg = log.to_str().unwrap();
    let passing = bundle(&[(PASS, "reports/junit.xml")]);
    let failing = bundle(&[(FAILING, "reports/junit.xml")]);
    let run = check(
        passing.path(),
        "prod",
        &["--log", log_arg, "--commit", COMMIT, "--branch", "main"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let run = check(failing.path(), "prod", &["--log", log_arg]);
    assert_eq!(run.code, 1, "{}", run.all());
    // A dry run appends only when asked with --log, and says it was one.
    let run = check(failing.path(), "prod", &["--dry-run", "--log", log_arg]);
    assert_eq!(run.code, 0, "{}", run.all());

    let records: Vec<Value> = lines(&log)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    let first = &records[0];
    assert_eq!(first["schema"], "stagegate.decision/v1");
    assert_eq!(first["seq"], 1);
    assert_eq!(first["prev"], Value::Null);
    assert_eq!(first["decision"], "allow");
    assert_eq!(first["change"]["commit"], COMMIT);
    assert_eq!(first["from"], "test");
    assert_eq!(first["to"], "prod");
    let junit = std::fs::read(crate::support::fixture(PASS)).unwrap();
    assert_eq!(
        first["artifacts"][0]["sha256"],
        crate::support::sha256_hex(&junit)
    );
    let plugins = first["plugins"].as_array().unwrap();
    assert!(plugins.len() >= 8, "every built-in plugin: {plugins:?}");
    for plugin in plugins {
        assert_eq!(plugin["sha256"].as_str().unwrap().len(), 64, "{plugin}");
        assert!(
            plugin["version"].is_string() && plugin["outcome"] == "ok",
            "{plugin}"
        );
    }
    assert!(plugins.iter().any(|p| p["name"] == "junit"));
    assert!(first["policies"]["files"].as_array().unwrap().len() >= 8);
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(records[1]["decision"], "deny");
    assert_eq!(records[1]["reasons"][0]["policy"], "tests-pass");
    assert_eq!(records[2]["dry_run"], true);
    let run = verify(&log, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("3 record(s), chain intact"),
        "{}",
        run.stdout
    );

    // `log = …` in stagegate.toml: every real check, no dry run.
    let cfg = tempfile::tempdir().unwrap();
    let config = write_config(cfg.path(), "log = \"audit/decisions.jsonl\"\n");
    std::fs::create_dir(cfg.path().join("audit")).unwrap();
    let config = config.to_str().unwrap();
    check(passing.path(), "prod", &["--config", config]);
    check(passing.path(), "prod", &["--config", config, "--dry-run"]);
    let configured = cfg.path().join("audit/decisions.jsonl");
    assert_eq!(lines(&configured).len(), 1);
    // And its digest is in the record.
    let record: Value = serde_json::from_str(&lines(&configured)[0]).unwrap();
    let text = std::fs::read(cfg.path().join("stagegate.toml")).unwrap();
    assert_eq!(
        record["config"]["files"][0]["sha256"],
        crate::support::sha256_hex(&text)
    );
}

/// A log of `n` records written by real checks.
fn log_of(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let passing = bundle(&[(PASS, "junit.xml")]);
    for _ in 0..n {
        let run = check(passing.path(), "prod", &["--log", log.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.all());
    }
    (dir, log)
}

fn rewrite(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

#[test]
fn log_verify_names_the_first_bad_line_after_an_edit_a_deletion_a_reorder_or_an_insertion() {
    let (_dir, log) = log_of(4);
    let original = lines(&log);
    let run = verify(&log, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let head = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("head "))
        .unwrap()
        .to_owned();

    let mut edited = original.clone();
    edited[1] = edited[1].replace("\"allow\"", "\"deny\"");
    let mut deleted = original.clone();
    deleted.remove(1);
    let mut reordered = original.clone();
    reordered.swap(1, 2);
    let mut inserted = original.clone();
    inserted.insert(2, original[0].clone());
    for (what, lines, bad) in [
        ("edit of line 2", edited, 3),
        ("deletion of line 2", deleted, 2),
        ("reorder of lines 2 and 3", reordered, 2),
        ("insertion at line 3", inserted, 3),
    ] {
        rewrite(&log, &lines);
        let run = verify(&log, &[]);
        assert_eq!(run.code, 1, "{what}: {}", run.all());
        assert!(
            run.stdout.contains(&format!(": line {bad}: ")),
            "{what}: {}",
            run.stdout
        );
    }
    // Lines cut from the end: the chain is valid, the kept head is gone.
    rewrite(&log, &original[..3]);
    assert_eq!(verify(&log, &[]).code, 0);
    let run = verify(&log, &["--head", &head]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("is not in the log"), "{}", run.stdout);
    rewrite(&log, &original);
    assert_eq!(verify(&log, &["--head", &head]).code, 0);
    // A missing log cannot be verified.
    let run = verify(&log.with_extension("missing"), &[]);
    assert_eq!(run.code, 2, "{}", run.all());
}

#[test]
fn gates_appending_to_one_log_at_once_never_tear_or_fork_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("decisions.jsonl");
    let passing = bundle(&[(PASS, "junit.xml")]);
    let failing = bundle(&[(FAILING, "junit.xml")]);
    let gates: Vec<_> = (0..6)
        .map(|i| {
            let log = log.clone();
            let b = if i % 2 == 0 {
                passing.path().to_owned()
            } else {
                failing.path().to_owned()
            };
            std::thread::spawn(move || {
                for _ in 0..3 {
                    check(&b, "prod", &["--log", log.to_str().unwrap()]);
                }
            })
        })
        .collect();
    for gate in gates {
        gate.join().unwrap();
    }
    let run = verify(&log, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("18 record(s), chain intact"),
        "{}",
        run.stdout
    );
    let seqs: Vec<u64> = lines(&log)
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=18).collect::<Vec<_>>());
}

#[test]
fn a_log_with_a_torn_last_line_is_not_appended_to_and_the_check_fails() {
    let (_dir, log) = log_of(1);
    let mut text = std::fs::read(&log).unwrap();
    text.extend_from_slice(b"{\"schema\":\"stagegate.dec");
    std::fs::write(&log, &text).unwrap();
    let passing = bundle(&[(PASS, "junit.xml")]);
    let run = check(passing.path(), "prod", &["--log", log.to_str().unwrap()]);
    assert_eq!(
        run.code,
        2,
        "an audit trail that cannot be written blocks: {}",
        run.all()
    );
    assert!(
        run.stderr.contains("the last line is incomplete"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&log).unwrap(), text, "nothing was added");
}

/// The test stage's gate: allow `commit` into test and attest it.
fn attest_test_stage(dir: &Path, commit: &str, signer: &str) -> PathBuf {
    let evidence = bundle(&[(PASS, "reports/junit.xml")]);
    let out = dir.join(format!("test-{signer}.intoto.json"));
    let run = check(
        evidence.path(),
        "test",
        &[
            "--commit",
            commit,
            "--attest",
            out.to_str().unwrap(),
            "--signing-key",
            &key(&format!("{signer}.key")),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    out
}

fn attest_verify(path: &Path, pubkey: &str, bundle: Option<&Path>) -> Run {
    let key = key(pubkey);
    let mut args = vec!["attest", "verify", path.to_str().unwrap(), "--key", &key];
    if let Some(b) = bundle {
        args.extend(["--bundle", b.to_str().unwrap()]);
    }
    stagegate(&args, None, &[])
}

#[test]
fn attest_verify_checks_the_signature_the_statement_and_the_subjects() {
    let dir = tempfile::tempdir().unwrap();
    for signer in ["test-gate", "prod-gate-p256"] {
        let envelope = attest_test_stage(dir.path(), COMMIT, signer);
        let text = std::fs::read_to_string(&envelope).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["payloadType"], "application/vnd.in-toto+json");
        let payload = base64::engine::general_purpose::STANDARD
            .decode(json["payload"].as_str().unwrap())
            .unwrap();
        let statement: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(
            statement["predicateType"],
            "https://stagegate.dev/attestation/decision/v1"
        );
        assert_eq!(statement["subject"][0]["digest"]["gitCommit"], COMMIT);
        assert_eq!(statement["subject"][1]["name"], "reports/junit.xml");
        assert_eq!(statement["predicate"]["decision"], "allow");
        assert_eq!(statement["predicate"]["schema"], "stagegate.decision/v1");

        let run = attest_verify(&envelope, &format!("{signer}.pub"), None);
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(
            run.stdout.contains("decision allow for dev → test"),
            "{}",
            run.stdout
        );
        // The wrong key.
        let run = attest_verify(&envelope, "other.pub", None);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(run.stdout.contains("NOT VERIFIED"), "{}", run.stdout);
        // An edited payload: allow a denied commit.
        let mut forged = json.clone();
        let edited = String::from_utf8(payload.clone())
            .unwrap()
            .replace(COMMIT, "0000000000000000000000000000000000000000");
        forged["payload"] = base64::engine::general_purpose::STANDARD
            .encode(edited)
            .into();
        let forged_path = dir.path().join("forged.json");
        std::fs::write(&forged_path, forged.to_string()).unwrap();
        let run = attest_verify(&forged_path, &format!("{signer}.pub"), None);
        assert_eq!(run.code, 1, "{}", run.all());
    }
    let envelope = attest_test_stage(dir.path(), COMMIT, "test-gate");
    // The bundle it attests, and one whose artifact changed.
    let same = bundle(&[(PASS, "reports/junit.xml")]);
    let run = attest_verify(&envelope, "test-gate.pub", Some(same.path()));
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("1 of 1 attested artifact(s) present and unchanged")
    );
    let changed = bundle(&[(FAILING, "reports/junit.xml")]);
    let run = attest_verify(&envelope, "test-gate.pub", Some(changed.path()));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("CHANGED reports/junit.xml"),
        "{}",
        run.stdout
    );
    let moved = bundle(&[(PASS, "junit.xml")]);
    let run = attest_verify(&envelope, "test-gate.pub", Some(moved.path()));
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("MISSING reports/junit.xml"),
        "{}",
        run.stdout
    );
}

#[test]
fn attesting_needs_a_commit_a_real_run_and_a_usable_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.json");
    let out = out.to_str().unwrap();
    let evidence = bundle(&[(PASS, "junit.xml")]);
    let run = check(
        evidence.path(),
        "test",
        &["--attest", out, "--signing-key", &key("test-gate.key")],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("needs the commit"), "{}", run.stderr);
    let run = check(
        evidence.path(),
        "test",
        &[
            "--dry-run",
            "--attest",
            out,
            "--signing-key",
            &key("test-gate.key"),
            "--commit",
            COMMIT,
        ],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    for bad in ["test-gate.pub", "unsupported-p384.key"] {
        let run = check(
            evidence.path(),
            "test",
            &[
                "--attest",
                out,
                "--signing-key",
                &key(bad),
                "--commit",
                COMMIT,
            ],
        );
        assert_eq!(run.code, 2, "{bad}: {}", run.all());
        assert!(
            run.stderr.contains(bad),
            "names the key file: {}",
            run.stderr
        );
    }
}

/// A prod gate that requires the test stage's signed decision.
fn chained_config(dir: &Path) -> String {
    write_config(
        dir,
        &format!(
            "[chain]\nrequire_previous = true\ntrusted_keys = [\"{}\"]\n",
            key("test-gate.pub")
        ),
    )
    .display()
    .to_string()
}

fn chained_prod(evidence: &Path, config: &str, commit: &str) -> Value {
    let run = check(
        evidence,
        "prod",
        &["--config", config, "--commit", commit, "--format", "json"],
    );
    let json = run.json();
    let expected = if json["decision"] == "allow" { 0 } else { 1 };
    assert_eq!(run.code, expected, "{}", run.all());
    json
}

fn chain_reasons(json: &Value) -> Vec<&str> {
    json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["policy"].as_str().unwrap())
        .collect()
}

#[test]
fn a_chained_prod_promotion_needs_the_test_stage_s_signed_allow_for_the_same_commit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = tempfile::tempdir().unwrap();
    let config = chained_config(cfg.path());
    let signed = attest_test_stage(dir.path(), COMMIT, "test-gate");
    let untrusted = attest_test_stage(dir.path(), COMMIT, "other");

    let prod = |attestation: Option<&Path>, commit: &str| {
        let evidence = bundle(&[(PASS, "reports/junit.xml")]);
        if let Some(a) = attestation {
            std::fs::create_dir(evidence.path().join("attestations")).unwrap();
            std::fs::copy(a, evidence.path().join("attestations/test.intoto.json")).unwrap();
        }
        chained_prod(evidence.path(), &config, commit)
    };

    let json = prod(Some(&signed), COMMIT);
    assert_eq!(json["decision"], "allow", "{json}");
    assert_eq!(json["chain"]["passed"], true);
    assert_eq!(json["chain"]["previous"], "test");
    assert!(
        json["chain"]["signer"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    for (what, attestation, commit, says) in [
        ("no attestation", None, COMMIT, "the bundle has none"),
        (
            "another commit",
            Some(signed.as_path()),
            "1111111111111111111111111111111111111111",
            "other commit",
        ),
        (
            "an untrusted signer",
            Some(untrusted.as_path()),
            COMMIT,
            "untrusted key",
        ),
    ] {
        let json = prod(attestation, commit);
        assert_eq!(json["decision"], "deny", "{what}: {json}");
        assert_eq!(
            chain_reasons(&json),
            ["previous-stage-not-passed"],
            "{what}"
        );
        assert_eq!(json["chain"]["passed"], false);
        assert!(
            json["chain"]["detail"].as_str().unwrap().contains(says),
            "{what}: {}",
            json["chain"]["detail"]
        );
    }

    // A denied test stage attests its deny, which does not pass the chain.
    let failing = bundle(&[(FAILING, "reports/junit.xml")]);
    let denied = dir.path().join("denied.json");
    let run = check(
        failing.path(),
        "test",
        &[
            "--commit",
            COMMIT,
            "--attest",
            denied.to_str().unwrap(),
            "--signing-key",
            &key("test-gate.key"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let json = prod(Some(&denied), COMMIT);
    assert_eq!(json["decision"], "deny");
    assert!(
        json["chain"]["detail"]
            .as_str()
            .unwrap()
            .contains("decision `deny`")
    );

    // Into test, the first promotion, nothing is required; the host gate is
    // there for every promotion.
    let evidence = bundle(&[(PASS, "reports/junit.xml")]);
    let run = check(
        evidence.path(),
        "test",
        &["--config", &config, "--commit", COMMIT, "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["chain"]["required"], false);
    let run = stagegate(&["validate", "--config", &config], None, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    // A policy can read context.chain.
    let policies = cfg.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("chain.cedar"),
        "@id(\"chain-signer\")\n@reason(\"only the test gate's key\")\nforbid (principal, action, resource) when { context.chain.required && context.chain.signer == \"\" };\n@id(\"ok\")\n@reason(\"ok\")\npermit (principal, action, resource);\n",
    )
    .unwrap();
    let config2 = write_config(
        cfg.path(),
        &format!(
            "policies = \"policies\"\n[chain]\nrequire_previous = true\ntrusted_keys = [\"{}\"]\n",
            key("test-gate.pub")
        ),
    );
    let evidence = bundle(&[(PASS, "reports/junit.xml")]);
    let json = chained_prod(evidence.path(), config2.to_str().unwrap(), COMMIT);
    assert_eq!(json["decision"], "deny");
    assert_eq!(
        chain_reasons(&json),
        ["chain-signer", "previous-stage-not-passed"]
    );
}

#[test]
fn a_chain_without_trusted_keys_or_with_a_bad_key_file_is_a_configuration_error() {
    let cfg = tempfile::tempdir().unwrap();
    let config = write_config(cfg.path(), "[chain]\nrequire_previous = true\n");
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("needs `trusted_keys`"), "{}", run.all());
    let config = write_config(
        cfg.path(),
        &format!(
            "[chain]\nrequire_previous = true\ntrusted_keys = [\"{}\"]\n",
            key("test-gate.key")
        ),
    );
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.all().contains("test-gate.key"), "{}", run.all());
}
