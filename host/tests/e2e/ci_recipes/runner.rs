//! The steps of a composite action, run the way GitHub's runner runs them:
//! each `if:` evaluated (default `success()`), each `env:` interpolated,
//! each `run:` written to a file and run with `bash --noprofile --norc -eo
//! pipefail` with its own GITHUB_OUTPUT file, whose `key=value` and
//! `key<<DELIMITER` lines become `steps.<id>.outputs`. A `uses:` step is not
//! run: its `with:` is interpolated and recorded, and its outputs are the
//! ones the test gives it. Then the action's `outputs:` are evaluated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

use super::expr::{self, Context, Value};
use super::tools::run;

/// One run of the action.
pub struct Setup<'a> {
    /// `with:` of the calling workflow.
    pub inputs: &'a [(&'a str, &'a str)],
    /// The job's environment: PATH, HOME, the GITHUB_* variables.
    pub env: Vec<(String, String)>,
    pub action_path: &'a Path,
    pub workspace: &'a Path,
    pub runner_temp: &'a Path,
    /// Outputs of `uses:` steps that would run: `(step id, name, value)`.
    pub uses_outputs: &'a [(&'a str, &'a str, &'a str)],
}

/// What became of one step.
#[derive(Debug)]
pub enum State {
    /// Its `if:` was false.
    Skipped,
    /// A `uses:` step whose `if:` held, with its interpolated `with:`.
    WouldRun(BTreeMap<String, String>),
    /// A `run:` step: its exit code, and its GITHUB_OUTPUT file.
    Ran(i32, String),
}

#[derive(Debug)]
pub struct Step {
    pub id: String,
    pub state: State,
}

/// The whole action's run.
pub struct Outcome {
    /// 0, or the exit code of the first step that failed.
    pub code: i32,
    pub steps: Vec<Step>,
    /// The action's `outputs:`.
    pub outputs: BTreeMap<String, String>,
    /// Every step's stdout and stderr, in order.
    pub log: String,
}

impl Outcome {
    pub fn step(&self, id: &str) -> &State {
        &self
            .steps
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no step `{id}`"))
            .state
    }

    /// The `with:` of a `uses:` step that would run.
    pub fn would_run(&self, id: &str) -> &BTreeMap<String, String> {
        match self.step(id) {
            State::WouldRun(with) => with,
            other => panic!("step `{id}` would not run: {other:?}\n{}", self.log),
        }
    }

    pub fn skipped(&self, id: &str) -> bool {
        matches!(self.step(id), State::Skipped)
    }

    /// The exit code and the raw GITHUB_OUTPUT file of a `run:` step.
    pub fn ran(&self, id: &str) -> (i32, &str) {
        match self.step(id) {
            State::Ran(code, file) => (*code, file),
            other => panic!("step `{id}` did not run: {other:?}\n{}", self.log),
        }
    }

    /// The raw GITHUB_OUTPUT file a `run:` step wrote.
    pub fn output_file(&self, id: &str) -> &str {
        self.ran(id).1
    }
}

struct Scope<'a> {
    inputs: BTreeMap<String, String>,
    ids: Vec<String>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    setup: &'a Setup<'a>,
    ok: bool,
}

impl Context for Scope<'_> {
    fn lookup(&self, path: &[&str]) -> Value {
        let text = |s: &Path| Value::Str(s.to_str().unwrap().to_owned());
        match path {
            ["inputs", name] => Value::Str(
                self.inputs
                    .get(*name)
                    .unwrap_or_else(|| panic!("input `{name}` is not declared"))
                    .clone(),
            ),
            ["steps", id, "outputs", name] => {
                assert!(self.ids.iter().any(|i| i == id), "no step has id `{id}`");
                self.outputs
                    .get(*id)
                    .and_then(|o| o.get(*name))
                    .map_or(Value::Null, |v| Value::Str(v.clone()))
            }
            ["github", "action_path"] => text(self.setup.action_path),
            ["github", "workspace"] => text(self.setup.workspace),
            ["runner", "temp"] => text(self.setup.runner_temp),
            ["runner", "os"] => Value::Str("Linux".into()),
            ["runner", "arch"] => Value::Str("X64".into()),
            _ => panic!("the emulated runner has no context `{}`", path.join(".")),
        }
    }

    fn job_ok(&self) -> bool {
        self.ok
    }
}

/// GITHUB_OUTPUT's two line forms: `key=value` and `key<<DELIMITER`.
pub fn file_commands(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let eq = line.find('=');
        match line.find("<<") {
            Some(at) if eq.is_none_or(|e| at < e) => {
                let (key, delimiter) = (&line[..at], &line[at + 2..]);
                let mut value = Vec::new();
                for l in lines.by_ref() {
                    if l == delimiter {
                        break;
                    }
                    value.push(l);
                }
                out.insert(key.to_owned(), value.join("\n"));
            }
            _ => {
                let (key, value) = line
                    .split_once('=')
                    .unwrap_or_else(|| panic!("bad GITHUB_OUTPUT line `{line}`"));
                out.insert(key.to_owned(), value.to_owned());
            }
        }
    }
    out
}

fn string_map(value: &Json, ctx: &Scope<'_>) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Json::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), expr::interpolate(&text, ctx))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs the composite action `action` (action.yml as JSON).
pub fn run_action(action: &Json, setup: &Setup<'_>) -> Outcome {
    assert_eq!(action["runs"]["using"], "composite");
    let declared = action["inputs"].as_object().unwrap();
    for (name, _) in setup.inputs {
        assert!(
            declared.contains_key(*name),
            "input `{name}` is not declared"
        );
    }
    let mut inputs = BTreeMap::new();
    for (name, spec) in declared {
        let given = setup
            .inputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v);
        if spec["required"] == true {
            assert!(given.is_some(), "required input `{name}` not given");
        }
        let value = given.map_or_else(
            || spec["default"].as_str().unwrap_or("").to_owned(),
            str::to_owned,
        );
        inputs.insert(name.clone(), value);
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    let mut scope = Scope {
        inputs,
        ids: steps
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect(),
        outputs: BTreeMap::new(),
        setup,
        ok: true,
    };
    let mut outcome = Outcome {
        code: 0,
        steps: Vec::new(),
        outputs: BTreeMap::new(),
        log: String::new(),
    };
    for (n, step) in steps.iter().enumerate() {
        let id = step["id"]
            .as_str()
            .map_or_else(|| format!("#{n}"), str::to_owned);
        let condition = step["if"].as_str().unwrap_or("success()");
        let state = if !expr::condition(condition, &scope) {
            State::Skipped
        } else if let Some(uses) = step["uses"].as_str() {
            assert!(step["run"].is_null(), "step `{id}` has both uses and run");
            outcome
                .log
                .push_str(&format!("== {id}: {uses} (not run)\n"));
            let mut outputs = BTreeMap::new();
            for (step_id, name, value) in setup.uses_outputs {
                if *step_id == id {
                    outputs.insert((*name).to_owned(), (*value).to_owned());
                }
            }
            scope.outputs.insert(id.clone(), outputs);
            State::WouldRun(string_map(&step["with"], &scope))
        } else {
            let script = step["run"]
                .as_str()
                .unwrap_or_else(|| panic!("step `{id}`: no run"));
            assert_eq!(step["shell"], "bash", "step `{id}` must say `shell: bash`");
            let file = setup.runner_temp.join(format!("step-{n}.sh"));
            std::fs::write(&file, script).unwrap();
            let output: PathBuf = setup.runner_temp.join(format!("output-{n}"));
            std::fs::write(&output, "").unwrap();
            let mut command = Command::new("bash");
            command
                .args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&file)
                .current_dir(setup.workspace)
                .env_clear()
                .envs(setup.env.iter().map(|(k, v)| (k, v)))
                .env("GITHUB_OUTPUT", &output)
                .env("GITHUB_ACTION_PATH", setup.action_path)
                .env("GITHUB_WORKSPACE", setup.workspace)
                .env("RUNNER_TEMP", setup.runner_temp)
                .envs(string_map(&step["env"], &scope));
            let ran = run(command);
            outcome.log.push_str(&format!(
                "== {id}: exit {}\n{}{}",
                ran.code, ran.stdout, ran.stderr
            ));
            let written = std::fs::read_to_string(&output).unwrap();
            scope.outputs.insert(id.clone(), file_commands(&written));
            if ran.code != 0 && scope.ok {
                scope.ok = false;
                outcome.code = ran.code;
            }
            State::Ran(ran.code, written)
        };
        outcome.steps.push(Step { id, state });
    }
    for (name, spec) in action["outputs"].as_object().unwrap() {
        let value = expr::interpolate(spec["value"].as_str().unwrap(), &scope);
        outcome.outputs.insert(name.clone(), value);
    }
    outcome
}

#[test]
fn ci_recipes_file_commands_read_both_forms() {
    let read = file_commands("a=1\nb<<EOF\nx=y\nz\nEOF\nc=\nd<<e=f\n1\ne=f\n");
    let want: BTreeMap<String, String> = [("a", "1"), ("b", "x=y\nz"), ("c", ""), ("d", "1")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(read, want);
}
