//! `stagegate plugin compile` and pinned precompiled artifacts: loaded when
//! they verify, refused when they are not the pinned bytes or come from
//! another component, and replaced by compiling the component (with a note)
//! when this engine cannot load them.

use std::path::Path;

use crate::support::{bundle, hostile_wasm, sha256_hex, stagegate, write_config};

const PASS: &str = "junit/pytest_sqlparse-0.6.1_pass.xml";

fn compile(dir: &Path) -> std::path::PathBuf {
    let (wasm, _) = hostile_wasm();
    let out = dir.join("hostile.cwasm");
    let run = stagegate(
        &[
            "plugin",
            "compile",
            wasm.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let digest = sha256_hex(&std::fs::read(&out).unwrap());
    assert!(
        run.stdout
            .contains(&format!("precompiled_sha256 = \"{digest}\"")),
        "{}",
        run.stdout
    );
    // Never over a file that exists.
    let again = stagegate(
        &[
            "plugin",
            "compile",
            wasm.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(again.code, 2, "{}", again.all());
    assert_eq!(sha256_hex(&std::fs::read(&out).unwrap()), digest);
    out
}

/// Runs a check with the hostile plugin pinned with the artifact `artifact`
/// (pinned by `artifact_digest`); returns the exit code and the JSON report.
fn check_with(
    dir: &Path,
    artifact: &Path,
    artifact_digest: &str,
) -> (i32, serde_json::Value, String) {
    let (wasm, digest) = hostile_wasm();
    let config = write_config(
        dir,
        &format!(
            "[evidence]\n[plugins.hostile]\npath = {wasm:?}\nsha256 = \"{digest}\"\n\
             precompiled = {artifact:?}\nprecompiled_sha256 = \"{artifact_digest}\"\n"
        ),
    );
    let b = bundle(&[(PASS, "junit.xml")]);
    let run = stagegate(
        &[
            "check",
            b.path().to_str().unwrap(),
            "--to",
            "test",
            "--no-cache",
            "--format",
            "json",
            "--config",
            config.to_str().unwrap(),
        ],
        None,
        &[],
    );
    let all = run.all();
    (run.code, run.json(), all)
}

fn code_of(json: &serde_json::Value) -> String {
    json["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "hostile")
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[test]
fn a_pinned_precompiled_artifact_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    let digest = sha256_hex(&std::fs::read(&artifact).unwrap());
    let (code, json, all) = check_with(dir.path(), &artifact, &digest);
    assert_eq!(code, 0, "{all}");
    assert_eq!(code_of(&json), "precompiled", "{all}");
    assert_eq!(json["facts"]["hostile"]["count"], 1);
}

#[test]
fn an_artifact_that_is_not_the_pinned_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    let mut bytes = std::fs::read(&artifact).unwrap();
    let digest = sha256_hex(&bytes);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&artifact, &bytes).unwrap();
    let (code, _json, all) = check_with(dir.path(), &artifact, &digest);
    assert_eq!(code, 2, "{all}");
    assert!(
        all.contains("digest mismatch") && all.contains("hostile.cwasm"),
        "{all}"
    );
}

#[test]
fn an_artifact_of_another_component_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    let mut bytes = std::fs::read(&artifact).unwrap();
    // The header names the component: point it at another one, and pin that.
    bytes[9..73].copy_from_slice("0".repeat(64).as_bytes());
    std::fs::write(&artifact, &bytes).unwrap();
    let digest = sha256_hex(&bytes);
    let (code, _json, all) = check_with(dir.path(), &artifact, &digest);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains("was compiled from another component"), "{all}");
}

#[test]
fn an_artifact_this_engine_cannot_load_falls_back_to_compiling() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    // The header is intact, the code is not wasmtime's: as for an artifact
    // from another wasmtime or CPU, deserializing fails.
    let mut bytes = std::fs::read(&artifact).unwrap();
    bytes.truncate(74 + 4096);
    std::fs::write(&artifact, &bytes).unwrap();
    let digest = sha256_hex(&bytes);
    let (code, json, all) = check_with(dir.path(), &artifact, &digest);
    assert_eq!(code, 0, "{all}");
    assert_eq!(
        code_of(&json),
        "compiled: this engine or CPU cannot load the precompiled artifact",
        "{all}"
    );
    assert_eq!(json["facts"]["hostile"]["count"], 1);
}

#[test]
fn only_a_component_check_would_run_is_precompiled() {
    let dir = tempfile::tempdir().unwrap();
    let wat = crate::support::repo().join("tests/plugins/wat/contract-0.2.wat");
    let out = dir.path().join("future.cwasm");
    let run = stagegate(
        &[
            "plugin",
            "compile",
            wat.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        None,
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("stagegate:plugin@0.2.0"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}
