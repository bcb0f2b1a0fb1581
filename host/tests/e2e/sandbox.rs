//! Hostile plugins: every sandbox limit, proven on a real misbehaving guest.
//! Each case must end in exit 2 (cannot decide) with a message naming the
//! cause, from a process that exited normally.

use crate::support::{hostile_config, hostile_wasm, repo, sha256_hex, stagegate, write_config};

fn hostile_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello\n").unwrap();
    dir
}

/// Runs the gate with the hostile plugin in `mode`; returns the run and the
/// hostile plugin's error text from the JSON report.
fn run_mode(mode: &str, extra: &str, env: &[(&str, &str)]) -> (crate::support::Run, String) {
    let bundle = hostile_bundle();
    run_in(bundle.path(), mode, extra, env)
}

fn run_in(
    bundle: &std::path::Path,
    mode: &str,
    extra: &str,
    env: &[(&str, &str)],
) -> (crate::support::Run, String) {
    let cfg_dir = tempfile::tempdir().unwrap();
    let config = hostile_config(cfg_dir.path(), mode, extra);
    let run = stagegate(
        &[
            "check",
            bundle.to_str().unwrap(),
            "--to",
            "prod",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        env,
    );
    assert_eq!(run.code, 2, "mode {mode}: expected exit 2\n{}", run.all());
    let json = run.json();
    assert_eq!(json["decision"], "error", "mode {mode}");
    let errors = json["errors"].as_array().unwrap();
    let text = errors
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("plugin `hostile`"), "mode {mode}: {text}");
    (run, text)
}

#[test]
fn the_deadline_grows_with_the_bytes_a_plugin_is_given() {
    // 2.5 MiB of text, which the hostile plugin reads: three MiB or part of one.
    let b = tempfile::tempdir().unwrap();
    let line = "a line of a large build log that some plugin must read through\n";
    let text = line.repeat((5 << 19) / line.len() + 1);
    std::fs::write(b.path().join("build.log"), &text).unwrap();
    let (_run, errors) = run_in(
        b.path(),
        "loop",
        "timeout_ms = 300\ntimeout_ms_per_mib = 200",
        &[],
    );
    assert!(errors.contains("exceeded its 900 ms deadline"), "{errors}");
}

#[test]
fn endless_loop_hits_the_deadline() {
    let (_run, text) = run_mode("loop", "timeout_ms = 1000\ntimeout_ms_per_mib = 0", &[]);
    assert!(text.contains("exceeded its 1000 ms deadline"), "{text}");
    // The deadline is a wall-clock limit: the plugin is not stopped before
    // it (how soon after depends on the machine's load, so it is not
    // asserted here; the message above proves the epoch stopped it).
    let stopped_after: u64 = text
        .split("stopped after ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no elapsed time in {text}"));
    assert!(stopped_after >= 1000, "{text}");
}

#[test]
fn memory_growth_hits_the_cap() {
    let (_run, text) = run_mode("memory", "memory_mib = 64", &[]);
    assert!(text.contains("exceeded its 64 MiB memory limit"), "{text}");
}

#[test]
fn log_flood_hits_the_output_cap() {
    let (_run, text) = run_mode("flood-logs", "", &[]);
    assert!(text.contains("exceeded its output limit"), "{text}");
}

#[test]
fn stdout_flood_hits_the_output_cap() {
    let (_run, text) = run_mode("flood-stdout", "", &[]);
    assert!(text.contains("exceeded its output limit"), "{text}");
}

#[test]
fn fact_flood_hits_the_fact_cap() {
    let (_run, text) = run_mode("flood-facts", "", &[]);
    assert!(
        text.contains("returned 1000000 facts, more than its limit of 256"),
        "{text}"
    );
}

#[test]
fn finding_flood_hits_the_finding_cap() {
    let (_run, text) = run_mode("flood-findings", "", &[]);
    assert!(
        text.contains("returned 20000 findings, more than its limit of 10000"),
        "{text}"
    );
}

#[test]
fn overlong_finding_message_hits_the_string_cap() {
    let (_run, text) = run_mode("long-message", "", &[]);
    assert!(
        text.contains("finding whose message is 100000 bytes, more than its limit of 4096"),
        "{text}"
    );
}

#[test]
fn panic_is_a_trap_with_the_panic_message() {
    let (_run, text) = run_mode("panic", "", &[]);
    assert!(text.contains("trapped"), "{text}");
    assert!(
        text.contains("hostile plugin panicked on purpose"),
        "{text}"
    );
}

#[test]
fn abort_is_a_trap() {
    let (_run, text) = run_mode("abort", "", &[]);
    assert!(text.contains("trapped"), "{text}");
}

#[test]
fn files_outside_the_bundle_are_unreachable() {
    let bundle = hostile_bundle();
    std::os::unix::fs::symlink("/etc/hostname", bundle.path().join("escape-link")).unwrap();
    std::os::unix::fs::symlink("/etc", bundle.path().join("dir-link")).unwrap();
    let secret = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let (run, text) = run_in(bundle.path(), "read-outside", "", &[]);
    for attempt in [
        "open /etc/hostname: refused",
        "open /bundle/../etc/hostname: refused",
        "open /bundle/escape-link: refused",
        "open /bundle/dir-link/hostname: refused",
        "open ../etc/hostname: refused",
        "write /bundle/planted.txt: refused",
    ] {
        assert!(text.contains(attempt), "missing `{attempt}` in {text}");
    }
    assert!(!text.contains("READ"), "{text}");
    assert!(!bundle.path().join("planted.txt").exists());
    if !secret.trim().is_empty() {
        assert!(
            !run.all().contains(secret.trim()),
            "host file content leaked"
        );
    }
    // The symlinks are listed as skipped, never followed by the host either.
    let skipped = run.json()["skipped"].to_string();
    assert!(
        skipped.contains("escape-link") && skipped.contains("dir-link"),
        "{skipped}"
    );
}

#[test]
fn tcp_connections_are_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg_dir = tempfile::tempdir().unwrap();
    let (path, digest) = hostile_wasm();
    let config = write_config(
        cfg_dir.path(),
        &format!(
            "[plugins.hostile]\npath = {path:?}\nsha256 = \"{digest}\"\n[plugins.hostile.config]\nmode = \"tcp\"\nport = {port}\n"
        ),
    );
    let bundle = hostile_bundle();
    let run = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
            "--to",
            "prod",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stdout.contains("tcp connect: refused"), "{}", run.all());
    assert!(
        listener.accept().is_err(),
        "the plugin reached the listener"
    );
}

#[test]
fn environment_is_empty() {
    let probe = "stagegate-probe-value-7f3a";
    let (run, text) = run_mode("env", "", &[("STAGEGATE_PROBE", probe)]);
    assert!(
        text.contains("environment: 0 variable(s) [], 0 argument(s)"),
        "{text}"
    );
    assert!(!run.all().contains(probe));
}

#[test]
fn wrong_fact_type_violates_the_schema() {
    let (_run, text) = run_mode("wrong-type", "", &[]);
    assert!(text.contains("violated its declared schema"), "{text}");
    assert!(text.contains("fact `count`"), "{text}");
    assert!(text.contains("declared it as Long"), "{text}");
}

#[test]
fn missing_fact_violates_the_schema() {
    let (_run, text) = run_mode("missing-fact", "", &[]);
    assert!(
        text.contains("did not return declared fact(s) `count`"),
        "{text}"
    );
}

#[test]
fn well_behaved_mode_passes_the_sandbox() {
    // Control case: the same plugin, behaving, yields facts and a decision.
    let bundle = hostile_bundle();
    let cfg_dir = tempfile::tempdir().unwrap();
    let config = hostile_config(cfg_dir.path(), "ok", "");
    let run = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
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
    let json = run.json();
    assert_eq!(json["facts"]["hostile"]["count"], 1, "{}", run.all());
    assert_eq!(json["decision"], "deny"); // no test evidence in this bundle
    assert_eq!(run.code, 1);
}

#[test]
fn digest_mismatch_refuses_to_run() {
    let (path, digest) = hostile_wasm();
    let cfg_dir = tempfile::tempdir().unwrap();
    let wrong = "0".repeat(64);
    let config = write_config(
        cfg_dir.path(),
        &format!("[plugins.hostile]\npath = {path:?}\nsha256 = \"{wrong}\"\n"),
    );
    let bundle = hostile_bundle();
    let run = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
            "--to",
            "prod",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    let all = run.all();
    assert!(all.contains("digest mismatch"), "{all}");
    assert!(
        all.contains(&wrong) && all.contains(digest.as_str()),
        "{all}"
    );
}

#[test]
fn other_contract_version_is_refused() {
    let wat = repo().join("tests/plugins/wat/contract-0.2.wat");
    let digest = sha256_hex(&std::fs::read(&wat).unwrap());
    let cfg_dir = tempfile::tempdir().unwrap();
    let config = write_config(
        cfg_dir.path(),
        &format!("[plugins.future]\npath = {wat:?}\nsha256 = \"{digest}\"\n"),
    );
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("stagegate:plugin@0.2.0"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("stagegate:plugin@0.1.0"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let cfg_dir = tempfile::tempdir().unwrap();
    let fake = cfg_dir.path().join("fake.wasm");
    std::fs::write(&fake, b"not wasm at all").unwrap();
    let digest = sha256_hex(b"not wasm at all");
    let config = write_config(
        cfg_dir.path(),
        &format!("[plugins.fake]\npath = {fake:?}\nsha256 = \"{digest}\"\n"),
    );
    let run = stagegate(
        &["validate", "--config", config.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("plugin `fake` is not a valid WebAssembly component"),
        "{}",
        run.stderr
    );
}
