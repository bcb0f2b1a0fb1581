//! The Rust SDK stands on its own: `cargo package` output (with the WIT inside
//! it) builds a plugin outside this workspace, and the gate runs that plugin.

use std::path::Path;
use std::process::Command;

use crate::support::{repo, stagegate, target_dir};

#[test]
fn the_sdk_carries_the_one_contract() {
    let root = std::fs::read(repo().join("wit/plugin.wit")).unwrap();
    let sdk = std::fs::read(repo().join("sdk/wit/plugin.wit")).unwrap();
    assert!(
        root == sdk,
        "sdk/wit/plugin.wit differs from wit/plugin.wit: copy the contract into the SDK"
    );
}

fn cargo(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR");
    command
}

const PLUGIN: &str = r#"//! Counts the lines of every text artifact.
use std::io::BufRead;

use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Matcher, Metadata,
    Plugin,
};

struct Lines;

impl Plugin for Lines {
    fn describe() -> Metadata {
        Metadata {
            name: "outside".into(),
            version: "0.1.0".into(),
            description: "counts lines, built from the packaged SDK".into(),
            reads: vec![ArtifactKind {
                name: "text".into(),
                matchers: vec![Matcher::AnyText],
            }],
            facts: vec![FactSpec::long("lines", "lines in every text artifact")],
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, _config: String) -> Result<Evaluation, String> {
        let mut lines = 0usize;
        for artifact in &artifacts {
            let reader = artifact.text_reader().map_err(|e| e.to_string())?;
            lines += reader.lines().count();
        }
        Ok(Facts::new().long("lines", lines).with_findings(Vec::new()))
    }
}

stagegate_sdk::export!(Lines);
"#;

#[test]
fn a_plugin_builds_against_the_packaged_sdk_outside_the_workspace() {
    let work = target_dir().join("sdk-package");
    let _ = std::fs::remove_dir_all(work.join("package"));
    let status = cargo(&repo())
        .args([
            "package",
            "--quiet",
            "--no-verify",
            "--allow-dirty",
            "-p",
            "stagegate-text",
            "-p",
            "stagegate-sdk",
            "--target-dir",
        ])
        .arg(&work)
        .status()
        .unwrap();
    assert!(status.success(), "cargo package failed");

    let outside = tempfile::tempdir().unwrap();
    for krate in ["stagegate-text", "stagegate-sdk"] {
        let file = work.join(format!("package/{krate}-0.1.0.crate"));
        let status = Command::new("tar")
            .arg("-xzf")
            .arg(&file)
            .arg("-C")
            .arg(outside.path())
            .status()
            .unwrap();
        assert!(status.success(), "cannot unpack {}", file.display());
    }
    let sdk = outside.path().join("stagegate-sdk-0.1.0");
    assert!(
        sdk.join("wit/plugin.wit").is_file(),
        "the package lacks its WIT"
    );
    let plugin = outside.path().join("outside");
    std::fs::create_dir_all(plugin.join("src")).unwrap();
    std::fs::write(
        plugin.join("Cargo.toml"),
        format!(
            "[package]\nname = \"outside\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n\
             [dependencies]\nstagegate-sdk = {{ path = {:?} }}\n\n\
             [patch.crates-io]\nstagegate-text = {{ path = {:?} }}\n\n[workspace]\n",
            sdk,
            outside.path().join("stagegate-text-0.1.0"),
        ),
    )
    .unwrap();
    std::fs::write(plugin.join("src/lib.rs"), PLUGIN).unwrap();
    // The workspace's lock file pins what the SDK was tested with.
    std::fs::copy(repo().join("Cargo.lock"), plugin.join("Cargo.lock")).unwrap();
    let output = cargo(&plugin)
        .args(["build", "--quiet", "--release", "--target", "wasm32-wasip2"])
        .arg("--target-dir")
        .arg(work.join("outside-target"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "building against the packaged SDK failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let wasm = work.join("outside-target/wasm32-wasip2/release/outside.wasm");

    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(bundle.path().join("notes.txt"), "one\ntwo\nthree\n").unwrap();
    let run = stagegate(
        &[
            "check",
            bundle.path().to_str().unwrap(),
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
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.json()["facts"]["outside"]["lines"], 3, "{}", run.all());
}
