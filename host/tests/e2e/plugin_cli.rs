//! `stagegate plugin inspect` and `check --dry-run --plugin`, on the real
//! hostile plugin (Rust), the Python plugin and refused components.

use std::path::Path;

use crate::python::python_plugin;
use crate::support::{bundle, hostile_wasm, repo, sha256_hex, stagegate, write_config};

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";

fn inspect(file: &Path, json: bool) -> crate::support::Run {
    let file = file.to_str().unwrap();
    let mut args = vec!["plugin", "inspect", file];
    if json {
        args.extend(["--format", "json"]);
    }
    stagegate(&args, None, &[])
}

#[test]
fn inspect_shows_what_check_sees_and_how_to_pin_it() {
    let (wasm, digest) = hostile_wasm();
    let run = inspect(wasm, false);
    assert_eq!(run.code, 0, "{}", run.all());
    let out = &run.stdout;
    assert!(
        out.starts_with("plugin hostile 0.0.1: misbehaves on purpose\n"),
        "{out}"
    );
    assert!(out.contains(&format!("  sha256:   {digest}\n")), "{out}");
    assert!(
        out.contains("  contract: stagegate:plugin@0.1.0 (this host: 0.1.0)"),
        "{out}"
    );
    assert!(out.contains("    anything: any text file"), "{out}");
    assert!(
        out.contains("    context.hostile.count: Long: artifacts seen"),
        "{out}"
    );
    // The hostile plugin opens sockets in one mode: linked, and refused.
    let sockets = out
        .lines()
        .find(|l| l.trim_start().starts_with("wasi:sockets/tcp@"))
        .unwrap_or_else(|| panic!("no wasi:sockets/tcp import listed:\n{out}"));
    assert!(
        sockets.ends_with("restricted: linked, but every socket and name lookup is refused"),
        "{sockets}"
    );
    assert!(out.contains("check would run it; to pin it:"), "{out}");
    assert!(out.contains(&format!("  sha256 = \"{digest}\"")), "{out}");

    let run = inspect(wasm, true);
    assert_eq!(run.code, 0, "{}", run.all());
    let json = run.json();
    assert_eq!(json["runnable"], true);
    assert_eq!(json["sha256"], digest.as_str());
    assert_eq!(
        json["size"].as_u64(),
        Some(std::fs::metadata(wasm).unwrap().len())
    );
    assert_eq!(json["contract"], "0.1.0");
    assert_eq!(json["plugin"]["name"], "hostile");
    assert_eq!(json["plugin"]["facts"][0]["cedar"], "context.hostile.count");
    assert_eq!(json["plugin"]["facts"][0]["type"], "Long");
    assert_eq!(json["problems"], serde_json::json!([]));
    let imports = json["imports"].as_array().unwrap();
    assert!(
        imports.iter().any(|i| i["name"]
            .as_str()
            .unwrap()
            .starts_with("stagegate:plugin/host@")),
        "{imports:?}"
    );
    assert!(
        imports.iter().all(|i| i["access"] != "refused"),
        "{imports:?}"
    );

    // The printed block pins the component: `validate` accepts it as it is.
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), json["pin"].as_str().unwrap());
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("plugin hostile 0.0.1"), "{}", run.all());
}

#[test]
fn inspect_a_python_component() {
    let (wasm, digest) = python_plugin();
    let run = inspect(wasm, true);
    assert_eq!(run.code, 0, "{}", run.all());
    let json = run.json();
    assert_eq!(json["plugin"]["name"], "pylines");
    assert_eq!(json["sha256"], digest.as_str());
    let facts: Vec<&str> = json["plugin"]["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["cedar"].as_str().unwrap())
        .collect();
    assert!(facts.contains(&"context.pylines.todo_files"), "{facts:?}");
    // CPython links the whole WASI surface; none of it is refused, and the
    // environment and file system are narrowed.
    let imports = json["imports"].as_array().unwrap();
    let access = |name: &str| {
        imports
            .iter()
            .find(|i| i["name"].as_str().unwrap().starts_with(name))
            .map(|i| i["access"].as_str().unwrap().to_owned())
    };
    assert_eq!(
        access("wasi:cli/environment@").as_deref(),
        Some("restricted")
    );
    assert_eq!(
        access("wasi:filesystem/preopens@").as_deref(),
        Some("restricted")
    );
    assert!(
        imports.iter().all(|i| i["access"] != "refused"),
        "{imports:?}"
    );
}

/// Pins `component` in a config and runs `validate`: it must refuse it with
/// the predicate of inspect's `problem` (what follows the plugin's label).
/// Returns that predicate.
fn validate_says(component: &Path, problem: &str) -> String {
    let predicate = problem
        .split_once("` ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| panic!("{problem}"));
    let digest = sha256_hex(&std::fs::read(component).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!("[plugins.pinned]\npath = {component:?}\nsha256 = \"{digest}\"\n"),
    );
    let validate = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(validate.code, 2, "{}", validate.all());
    assert!(
        validate
            .stderr
            .contains(&format!("plugin `pinned` {predicate}")),
        "{problem}\n{}",
        validate.stderr
    );
    predicate
}

#[test]
fn inspect_reports_what_check_would_refuse_with_checks_words() {
    // Another contract version: the same predicate as `validate` gives.
    let wat = repo().join("tests/plugins/wat/contract-0.2.wat");
    let run = inspect(&wat, true);
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(json["runnable"], false);
    assert_eq!(json["contract"], "0.2.0");
    assert_eq!(json["plugin"], serde_json::Value::Null);
    let problem = json["problems"][0].as_str().unwrap();
    let predicate = validate_says(&wat, problem);
    assert!(predicate.starts_with("was built against"), "{problem}");

    // An import the sandbox does not link: flagged, and refused in check's words.
    let http = repo().join("tests/plugins/wat/imports-http.wat");
    let run = inspect(&http, true);
    assert_eq!(run.code, 1, "{}", run.all());
    let json = run.json();
    assert_eq!(
        json["imports"],
        serde_json::json!([{
            "name": "wasi:http/outgoing-handler@0.2.6",
            "access": "refused",
            "note": "the sandbox does not provide it",
        }])
    );
    let problem = json["problems"][0].as_str().unwrap();
    let predicate = validate_says(&http, problem);
    assert!(
        predicate.starts_with("needs an import the sandbox does not provide")
            && predicate.contains("wasi:http/outgoing-handler"),
        "{problem}"
    );

    // Not a component at all.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.wasm");
    std::fs::write(&fake, b"\0asm not really").unwrap();
    let run = inspect(&fake, false);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.starts_with("not a plugin check would run\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("is not a valid WebAssembly component"),
        "{}",
        run.stdout
    );
}

#[test]
fn inspect_refuses_what_it_cannot_read_and_never_echoes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("plugin.wasm");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let run = inspect(&fifo, false);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("it is not a regular file"),
        "{}",
        run.stderr
    );

    let run = inspect(&dir.path().join("missing.wasm"), false);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("missing.wasm"), "{}", run.stderr);

    // A file name with ESC in it is shown, not obeyed.
    let (wasm, _) = hostile_wasm();
    let named = dir.path().join("evil\u{1b}[2J.wasm");
    std::fs::copy(wasm, &named).unwrap();
    let run = inspect(&named, false);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(run.stdout.contains("evil\\u{1b}[2J.wasm"), "{}", run.stdout);
}

#[test]
fn a_local_plugin_runs_only_in_a_dry_run() {
    let (wasm, _) = hostile_wasm();
    let b = bundle(&[(PASS, "junit.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--plugin",
            wasm.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("--dry-run"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// An author iterates on a configured plugin: the component on disk no longer
/// matches the pinned digest, `--plugin` runs it anyway in a dry run, with
/// the configured plugin's configuration, and its facts reach the policies.
#[test]
fn a_local_plugin_stands_in_for_the_configured_one_in_a_dry_run() {
    let (wasm, digest) = hostile_wasm();
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("gate.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"at-most-one-artifact\")\n@reason(\"the bundle holds more than one artifact\")\n\
         forbid(principal, action, resource) when { context.hostile.count > 1 };\n",
    )
    .unwrap();
    let stale = "0".repeat(64);
    assert_ne!(&stale, digest);
    let config = write_config(
        dir.path(),
        &format!(
            "policies = \"policies\"\n[evidence]\n[plugins.hostile]\npath = {wasm:?}\nsha256 = \"{stale}\"\n[plugins.hostile.config]\nmode = \"ok\"\n"
        ),
    );
    let b = bundle(&[(PASS, "junit.xml"), (PASS, "again.xml")]);
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        stagegate(&args, None, &[])
    };

    let pinned = check(&["--dry-run"]);
    assert_eq!(pinned.code, 2, "{}", pinned.all());
    assert!(
        pinned.stdout.contains("digest mismatch"),
        "{}",
        pinned.all()
    );

    let local = check(&["--dry-run", "--plugin", wasm.to_str().unwrap()]);
    assert_eq!(local.code, 0, "{}", local.all());
    let json = local.json();
    assert_eq!(json["decision"], "deny", "{}", local.all());
    assert_eq!(json["reasons"][0]["policy"], "at-most-one-artifact");
    assert_eq!(json["facts"]["hostile"]["count"], 2);
    let run = json["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "hostile")
        .unwrap()
        .clone();
    assert_eq!(run["sha256"], digest.as_str());
    assert!(
        run["origin"]
            .as_str()
            .unwrap()
            .ends_with("(local, unpinned)"),
        "{run}"
    );
    assert_eq!(run["code"], "local, unpinned", "{run}");
    let hostiles = json["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "hostile")
        .count();
    assert_eq!(hostiles, 1, "{}", local.all());

    // The configured plugin's configuration came along: a mode that fails.
    write_config(
        dir.path(),
        &format!(
            "policies = \"policies\"\n[evidence]\n[plugins.hostile]\npath = {wasm:?}\nsha256 = \"{stale}\"\n[plugins.hostile.config]\nmode = \"missing-fact\"\n"
        ),
    );
    let local = check(&["--dry-run", "--plugin", wasm.to_str().unwrap()]);
    assert_eq!(local.code, 2, "{}", local.all());
    assert!(local.stdout.contains("count"), "{}", local.all());
}

#[test]
fn a_local_plugin_without_a_configured_twin_is_added() {
    let (wasm, _) = hostile_wasm();
    let b = bundle(&[(PASS, "junit.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--dry-run",
            "--format",
            "json",
            "--plugin",
            wasm.to_str().unwrap(),
        ],
        None,
        &[],
    );
    // Default config: the built-in plugins and policies, plus the local one
    // with default limits and an empty configuration (mode "ok").
    assert_eq!(run.code, 0, "{}", run.all());
    let json = run.json();
    assert_eq!(json["facts"]["hostile"]["count"], 1, "{}", run.all());
    assert_eq!(json["facts"]["junit"]["inputs"], 1, "{}", run.all());
    assert_eq!(json["decision"], "allow", "{}", run.all());

    // The same file twice is one plugin named twice.
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--dry-run",
            "--plugin",
            wasm.to_str().unwrap(),
            "--plugin",
            wasm.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.all()
            .contains("two local plugins describe themselves as `hostile`"),
        "{}",
        run.all()
    );
}
