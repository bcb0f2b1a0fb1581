//! Shared helpers: run the binary, build bundles, build test plugins.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use sha2::{Digest, Sha256};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A real fixture under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// The workspace target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// stdout and stderr together, for message assertions.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Variables of the CI systems whose change metadata stagegate reads.
const CI_PREFIXES: &[&str] = &[
    "GITHUB_",
    "CI_",
    "GITLAB_",
    "GIT_",
    "BUILD_",
    "SYSTEM_",
    "CIRCLE",
    "BUILDKITE",
    "CHANGE_",
];
const CI_MARKERS: &[&str] = &["JENKINS_URL", "TF_BUILD", "BRANCH_NAME"];

/// A hang guard, not a performance assertion: a run that takes longer than
/// this is broken, whatever the machine.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// Runs `stagegate` with `args` in `cwd` (default: a fresh empty directory).
pub fn stagegate(args: &[&str], cwd: Option<&Path>, env: &[(&str, &str)]) -> Run {
    let empty = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_stagegate"));
    command
        .args(args)
        .current_dir(cwd.unwrap_or(empty.path()))
        .env("STAGEGATE_CACHE_DIR", target_dir().join("test-cache"))
        .env(
            "STAGEGATE_CACHE_KEY",
            "the stagegate end-to-end tests' cache key",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // The CI running these tests must not describe the change under test.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if CI_PREFIXES.iter().any(|p| name.starts_with(p)) || CI_MARKERS.contains(&name.as_str()) {
            command.env_remove(&name);
        }
    }
    for (k, v) in env {
        command.env(k, v);
    }
    let child = command.spawn().expect("spawn stagegate");
    let pid = child.id();
    // Read stdout and stderr while the child runs (a full pipe would block
    // it), with a hang guard that kills it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(HANG_GUARD) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("stagegate {args:?} hung for {HANG_GUARD:?}");
        }
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A fresh bundle holding copies of fixtures (`(fixture, name in bundle)`).
pub fn bundle(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (fixture_rel, name) in files {
        let dest = dir.path().join(name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(fixture(fixture_rel), &dest)
            .unwrap_or_else(|e| panic!("copy {fixture_rel}: {e}"));
    }
    dir
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes a `stagegate.toml` into `dir` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("stagegate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The hostile plugin, built once per test process for wasm32-wasip2.
pub fn hostile_wasm() -> &'static (PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = target_dir().join("wasm-plugins");
        let status = Command::new(env!("CARGO"))
            .current_dir(repo())
            .args([
                "build",
                "--quiet",
                "--profile",
                "plugin",
                "--target",
                "wasm32-wasip2",
            ])
            .args(["-p", "stagegate-test-hostile", "--target-dir"])
            .arg(&target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .status()
            .expect("run cargo");
        assert!(status.success(), "building the hostile plugin failed");
        let path = target.join("wasm32-wasip2/plugin/stagegate_test_hostile.wasm");
        let digest = sha256_hex(&std::fs::read(&path).unwrap());
        (path, digest)
    })
}

/// A config that adds the hostile plugin in `mode`, with optional extra keys
/// for its `[plugins.hostile]` table.
pub fn hostile_config(dir: &Path, mode: &str, extra: &str) -> PathBuf {
    hostile_config_with(dir, mode, extra, "")
}

/// [`hostile_config`] with extra keys for `[plugins.hostile.config]` too.
pub fn hostile_config_with(dir: &Path, mode: &str, extra: &str, config: &str) -> PathBuf {
    let (path, digest) = hostile_wasm();
    write_config(
        dir,
        &format!(
            "[plugins.hostile]\npath = {path:?}\nsha256 = \"{digest}\"\n{extra}\n[plugins.hostile.config]\nmode = \"{mode}\"\n{config}\n"
        ),
    )
}

/// Runs the pinned component `wasm` as plugin `name` in `mode`, with `extra`
/// keys for its table and `config_extra` for its config; returns the exit
/// code and the report's errors. One compiled-code cache serves every run of
/// the process, so a big guest (CPython, SpiderMonkey) is compiled once. No
/// mode may leave a file in the bundle.
pub fn guest_run(
    name: &str,
    wasm: &Path,
    digest: &str,
    mode: &str,
    extra: &str,
    config_extra: &str,
) -> (i32, String) {
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let cache = CACHE.get_or_init(|| tempfile::tempdir().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[evidence]\n[plugins.{name}]\npath = {wasm:?}\nsha256 = \"{digest}\"\n{extra}\n[plugins.{name}.config]\nmode = \"{mode}\"\n{config_extra}\n"
        ),
    );
    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(bundle.path().join("a.txt"), "hello\n").unwrap();
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
            "--cache-dir",
            cache.path().to_str().unwrap(),
        ],
        None,
        &[("STAGEGATE_CACHE_KEY", "hostile-guest-test-key")],
    );
    let json = run.json();
    assert!(
        !bundle.path().join("planted.txt").exists(),
        "{name} mode {mode} wrote into the bundle"
    );
    (run.code, json["errors"].to_string())
}

/// `node_modules` of a directory under the target dir holding exactly
/// `package@version` from npm, installed on first use. Fails, never skips,
/// when npm is missing.
pub fn npm_package(dir: &str, spec: &str) -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _held = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = target_dir().join(dir);
    let stamp = root.join(".installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(spec) {
        return root.join("node_modules");
    }
    std::fs::create_dir_all(&root).unwrap();
    let status = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
        ])
        .arg(&root)
        .arg(spec)
        .status()
        .unwrap_or_else(|e| {
            panic!("npm is needed to install {spec} (Debian: apt-get install nodejs npm): {e}")
        });
    assert!(status.success(), "npm install {spec} failed: {status}");
    std::fs::write(&stamp, spec).unwrap();
    root.join("node_modules")
}
