//! The contract serves other languages: a plugin written in Python, built with
//! componentize-py, runs through the host under the same sandbox.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{guest_run, repo, sha256_hex, stagegate, target_dir, write_config};

const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";
/// pytest, for the Python scaffold's unit tests.
pub const PYTEST: &str = "pytest==9.0.2";

/// componentize-py: on PATH, or installed into a venv under target/.
pub fn componentize_py() -> PathBuf {
    if let Ok(out) = Command::new("componentize-py").arg("--version").output()
        && out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("0.25.1")
    {
        return PathBuf::from("componentize-py");
    }
    let venv = target_dir().join("pyvenv");
    let exe = venv.join("bin/componentize-py");
    if !exe.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap()
            .success();
        assert!(ok, "python3 -m venv failed");
        let ok = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", COMPONENTIZE_PY])
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install {COMPONENTIZE_PY} failed");
    }
    exe
}

/// Builds `tests/plugins/<dir>` (an `app.py`) into a component, only when its
/// sources or the contract changed.
fn build_python(dir: &str, name: &str) -> (PathBuf, String) {
    let source = repo().join("tests/plugins").join(dir);
    let out_dir = target_dir().join("test-plugins");
    std::fs::create_dir_all(&out_dir).unwrap();
    let app = std::fs::read(source.join("app.py")).unwrap();
    let wit = std::fs::read(repo().join("wit/plugin.wit")).unwrap();
    let key = sha256_hex(&[app, wit].concat());
    let out = out_dir.join(format!("{name}-{}.wasm", &key[..16]));
    if !out.exists() {
        let status = Command::new(componentize_py())
            .current_dir(&source)
            .arg("-d")
            .arg(repo().join("wit"))
            .args(["-w", "plugin", "componentize", "app", "-o"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "componentize-py failed for {dir}");
    }
    let digest = sha256_hex(&std::fs::read(&out).unwrap());
    (out, digest)
}

/// tests/plugins/python-lines as a component, built once per process.
pub fn python_plugin() -> &'static (PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    BUILT.get_or_init(|| build_python("python-lines", "pylines"))
}

/// tests/plugins/python-hostile as a component, built once per process.
fn python_hostile() -> &'static (PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    BUILT.get_or_init(|| build_python("python-hostile", "pyhostile"))
}

/// Runs the Python hostile plugin in `mode`.
fn python_hostile_run(mode: &str, extra: &str, config_extra: &str) -> (i32, String) {
    let (wasm, digest) = python_hostile();
    guest_run("pyhostile", wasm, digest, mode, extra, config_extra)
}

#[test]
fn a_python_guest_is_held_by_the_same_sandbox() {
    let (code, errors) = python_hostile_run("ok", "", "");
    assert_eq!((code, errors.as_str()), (0, "[]"));

    let (code, errors) =
        python_hostile_run("loop", "timeout_ms = 2000\ntimeout_ms_per_mib = 0", "");
    assert_eq!(code, 2, "{errors}");
    assert!(errors.contains("exceeded its 2000 ms deadline"), "{errors}");

    // CPython's own heap starts near 20 MiB; the cap stops the growth.
    let (code, errors) = python_hostile_run("memory", "memory_mib = 128", "");
    assert_eq!(code, 2, "{errors}");
    assert!(
        errors.contains("exceeded its 128 MiB memory limit"),
        "{errors}"
    );

    let (code, errors) = python_hostile_run("read-outside", "", "");
    assert_eq!(code, 2, "{errors}");
    assert!(
        !errors.contains("READ") && !errors.contains("WRITTEN"),
        "{errors}"
    );
    for attempt in [
        "read /etc/hostname: refused",
        "read /bundle/../etc/hostname: refused",
        "read ../etc/hostname: refused",
        "write /bundle/planted.txt: refused",
    ] {
        assert!(errors.contains(attempt), "{attempt}: {errors}");
    }

    // componentize-py's CPython has no socket module, so Python code cannot
    // even ask; the wasi:sockets imports it carries are refused by the host
    // as for every guest (sandbox::tcp_connections_are_refused).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (code, errors) = python_hostile_run("tcp", "", &format!("port = {port}"));
    assert_eq!(code, 2, "{errors}");
    assert!(errors.contains("tcp connect: refused"), "{errors}");
    assert!(!errors.contains("CONNECTED"), "{errors}");
    assert!(listener.accept().is_err(), "the guest reached the listener");
}

#[test]
fn python_plugin_runs_in_the_sandbox_and_feeds_policies() {
    let (wasm, digest) = python_plugin();
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("policies");
    std::fs::create_dir(&policies).unwrap();
    std::fs::write(
        policies.join("gate.cedar"),
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n\
         @id(\"no-todos-in-prod\")\n@reason(\"resolve the TODO lines first\")\n\
         forbid(principal, action, resource == Stage::\"prod\") when { context.pylines.todo_files.isEmpty() == false };\n",
    )
    .unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "policies = \"policies\"\n[evidence]\n[plugins.junit]\nenabled = false\n[plugins.pylines]\npath = {wasm:?}\nsha256 = \"{digest}\"\n"
        ),
    );
    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(bundle.path().join("notes.txt"), "one\nTODO: two\nthree\n").unwrap();
    std::fs::create_dir(bundle.path().join("sub")).unwrap();
    std::fs::write(bundle.path().join("sub/more.txt"), "four\n").unwrap();
    std::fs::write(bundle.path().join("ignored.md"), "TODO not a txt\n").unwrap();

    let args = |to: &'static str| {
        vec![
            "check".to_owned(),
            bundle.path().display().to_string(),
            "--to".into(),
            to.into(),
            "--format".into(),
            "json".into(),
            "--config".into(),
            config.display().to_string(),
        ]
    };
    let prod: Vec<String> = args("prod");
    let run = stagegate(
        &prod.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
        &[],
    );
    let json = run.json();
    let plugin = json["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pylines")
        .unwrap_or_else(|| panic!("no pylines run: {}", run.all()))
        .clone();
    assert_eq!(plugin["outcome"], "ok", "{}", run.all());
    let findings: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["plugin"] == "pylines")
        .collect();
    assert_eq!(json["facts"]["pylines"]["inputs"], 2);
    assert_eq!(json["facts"]["pylines"]["lines"], 4);
    assert_eq!(
        json["facts"]["pylines"]["todo_files"],
        serde_json::json!(["notes.txt"])
    );
    assert_eq!(findings[0]["rule"], "pylines/todo");
    assert_eq!(findings[0]["line"], 2);
    assert!(
        plugin["logs"]
            .to_string()
            .contains("read 2 file(s), 4 line(s)")
    );
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["reasons"][0]["policy"], "no-todos-in-prod");
    assert_eq!(run.code, 1);

    let test: Vec<String> = args("test");
    let run = stagegate(
        &test.iter().map(String::as_str).collect::<Vec<_>>(),
        None,
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.all());
}
