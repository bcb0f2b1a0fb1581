//! The composite action, its steps run as GitHub's runner runs them, with
//! GitHub's variables: allowed, denied (the upload still happens), built
//! with the pinned toolchain when no binary is found, refusing bad input,
//! and cached under a key that follows the action's source.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use super::runner::{self, Outcome, Setup};
use super::{action, allowed_bundle, bin_dir, denied_bundle, path_of, read_json, vars};
use crate::support::repo;

const RUN_URL: &str = "https://github.com/acme/shop/actions/runs/4242/attempts/3";

/// A GitHub job's directories (each with a space in its path, so quoting
/// mistakes show) and variables.
struct Job {
    root: tempfile::TempDir,
}

impl Job {
    fn workspace(&self) -> PathBuf {
        self.root.path().join("work space")
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("runner home")
    }

    fn temp(&self) -> PathBuf {
        self.root.path().join("runner temp")
    }

    fn fake(&self) -> PathBuf {
        self.root.path().join("fake bin")
    }

    fn new() -> Job {
        let job = Job {
            root: tempfile::tempdir().unwrap(),
        };
        for dir in [job.workspace(), job.home(), job.temp(), job.fake()] {
            std::fs::create_dir_all(dir).unwrap();
        }
        // cargo and rustup that say when they are run; the install step
        // must not reach them unless the test wants a build.
        for tool in ["cargo", "rustup"] {
            let script = format!(
                "#!/bin/sh\nprintf '%s\\n' \"$PWD\" \"$@\" > \"$FAKE_LOG/{tool}\"\n\
                 if [ \"{tool}\" = cargo ] && [ -n \"$FAKE_BUILD\" ]; then\n  \
                 root=; prev=\n  for a in \"$@\"; do [ \"$prev\" = --root ] && root=$a; prev=$a; done\n  \
                 mkdir -p \"$root/bin\" && ln -sf \"$FAKE_BUILD\" \"$root/bin/stagegate\"\nfi\n"
            );
            let path = job.fake().join(tool);
            std::fs::write(&path, script).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        job
    }

    fn summary(&self) -> PathBuf {
        self.temp().join("step-summary.md")
    }

    fn fake_log(&self, tool: &str) -> Option<Vec<String>> {
        let text = std::fs::read_to_string(self.home().join("fake-log").join(tool)).ok()?;
        Some(text.lines().map(str::to_owned).collect())
    }

    /// The job's environment with `path` as PATH.
    fn env(&self, path: &str, build: bool) -> Vec<(String, String)> {
        let log = self.home().join("fake-log");
        std::fs::create_dir_all(&log).unwrap();
        let mut env = vars(&[
            ("PATH", path),
            ("CI", "true"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SHA", "6f1e3c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_HEAD_REF", ""),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "4242"),
            ("GITHUB_RUN_ATTEMPT", "3"),
            ("RUNNER_OS", "Linux"),
        ]);
        env.extend(vars(&[
            ("HOME", self.home().to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", self.summary().to_str().unwrap()),
            ("FAKE_LOG", log.to_str().unwrap()),
            (
                "FAKE_BUILD",
                if build {
                    env!("CARGO_BIN_EXE_stagegate")
                } else {
                    ""
                },
            ),
        ]));
        env
    }

    fn run(
        &self,
        inputs: &[(&str, &str)],
        env: Vec<(String, String)>,
        uses_outputs: &[(&str, &str, &str)],
    ) -> Outcome {
        self.run_from(&repo(), inputs, env, uses_outputs)
    }

    /// [`Job::run`] with the action's files at `action_path`.
    fn run_from(
        &self,
        action_path: &Path,
        inputs: &[(&str, &str)],
        env: Vec<(String, String)>,
        uses_outputs: &[(&str, &str, &str)],
    ) -> Outcome {
        runner::run_action(
            &action(),
            &Setup {
                inputs,
                env,
                action_path,
                workspace: &self.workspace(),
                runner_temp: &self.temp(),
                uses_outputs,
            },
        )
    }
}

#[test]
fn the_action_allows_the_example_bundle_with_githubs_variables() {
    let job = Job::new();
    allowed_bundle(&job.workspace());
    let path = path_of(&[&job.fake(), &bin_dir()]);
    let inputs = [
        ("bundle", "gate-bundle"),
        ("to", "prod"),
        ("upload-sarif", "true"),
        ("sarif-category", "gate-prod"),
        // Split on any whitespace, newlines included.
        ("args", "--explain\n  --author   release-bot "),
    ];
    let run = job.run(&inputs, job.env(&path, false), &[]);
    assert_eq!(run.code, 0, "{}", run.log);

    // The stagegate on PATH was used: nothing restored, built or saved.
    assert!(
        run.output_file("prepare")
            .contains(&format!("found={}/stagegate", bin_dir().display())),
        "{}",
        run.log
    );
    for id in ["restore-bin", "save-bin"] {
        assert!(run.skipped(id), "{id}\n{}", run.log);
    }
    assert!(
        job.fake_log("cargo").is_none() && job.fake_log("rustup").is_none(),
        "{}",
        run.log
    );

    // The outputs, in the step's GITHUB_OUTPUT and as the action's.
    let written = run.output_file("check");
    assert!(written.lines().any(|l| l == "decision=allow"), "{written}");
    assert_eq!(run.outputs["decision"], "allow");
    assert_eq!(run.outputs["exit-code"], "0");

    // Annotations, and the report in a log group.
    assert!(
        run.log
            .contains("::notice title=stagegate test → prod allowed::"),
        "{}",
        run.log
    );
    assert!(run.log.contains("::group::stagegate report"), "{}", run.log);

    // The job summary, written by stagegate itself.
    let summary = std::fs::read_to_string(job.summary()).unwrap();
    assert!(summary.contains("ALLOWED"), "{summary}");

    // The JSON report describes the change from GitHub's variables.
    let report = read_json(Path::new(&run.outputs["json"]));
    assert_eq!(report["decision"], "allow");
    let change = &report["change"];
    assert_eq!(change["ci"], "github");
    assert_eq!(change["run_url"], RUN_URL);
    assert_eq!(change["commit"], "6f1e3c2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d");
    assert_eq!(change["branch"], "main");
    assert_eq!(change["author"], "release-bot", "args reached stagegate");

    // SARIF 2.1.0, its runs under the category, handed to upload-sarif.
    let sarif_path = run.outputs["sarif"].clone();
    let sarif = read_json(Path::new(&sarif_path));
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert!(!runs.is_empty());
    for r in runs {
        let id = r["automationDetails"]["id"].as_str().unwrap();
        assert!(id.starts_with("gate-prod/") && id.ends_with('/'), "{id}");
    }
    let upload = run.would_run("upload");
    assert_eq!(upload["sarif_file"], sarif_path);
    assert_eq!(upload["category"], "gate-prod");
}

#[test]
fn the_action_denies_a_failing_bundle_and_still_uploads() {
    let job = Job::new();
    denied_bundle(&job.workspace());
    // No stagegate on PATH: the binary comes from the cache.
    let cached = job.home().join(".cargo/bin");
    std::fs::create_dir_all(&cached).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_stagegate"), cached.join("stagegate")).unwrap();
    let path = path_of(&[&job.fake()]);
    let inputs = [
        ("bundle", "gate-bundle"),
        ("to", "prod"),
        ("upload-sarif", "true"),
    ];
    let run = job.run(
        &inputs,
        job.env(&path, false),
        &[("restore-bin", "cache-hit", "true")],
    );

    assert_eq!(run.code, 1, "{}", run.log);
    assert_eq!(run.ran("check").0, 1, "the gate's own step fails");
    assert!(
        run.output_file("prepare").contains("found=\n"),
        "{}",
        run.log
    );
    let restore = run.would_run("restore-bin");
    assert_eq!(restore["path"], "~/.cargo/bin/stagegate");
    assert!(
        restore["key"].starts_with("stagegate-bin-Linux-X64-") && restore["key"].len() > 30,
        "{restore:?}"
    );
    assert!(
        run.skipped("restore-target") && run.skipped("save-bin"),
        "{}",
        run.log
    );
    assert!(job.fake_log("cargo").is_none(), "{}", run.log);
    assert!(
        run.output_file("install")
            .contains(&format!("path={}", cached.join("stagegate").display()))
    );

    assert_eq!(run.outputs["decision"], "deny");
    assert_eq!(run.outputs["exit-code"], "1");
    assert!(
        run.log
            .contains("::error title=stagegate test → prod denied%3A tests-pass blocks::"),
        "{}",
        run.log
    );
    let summary = std::fs::read_to_string(job.summary()).unwrap();
    assert!(summary.contains("DENIED"), "{summary}");

    // always(): the SARIF of a denied promotion is uploaded too, with
    // stagegate's own run ids when no category is given.
    let upload = run.would_run("upload");
    let sarif = read_json(Path::new(&upload["sarif_file"]));
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["automationDetails"]["id"] == "stagegate/prod/junit/")
    );
    assert_eq!(upload["category"], "");
}

#[test]
fn the_action_builds_stagegate_with_the_pinned_toolchain_when_none_is_found() {
    let job = Job::new();
    allowed_bundle(&job.workspace());
    let path = path_of(&[&job.fake()]);
    let inputs = [("bundle", "gate-bundle"), ("to", "prod")];
    let run = job.run(
        &inputs,
        job.env(&path, true),
        &[("restore-bin", "cache-hit", "false")],
    );
    assert_eq!(run.code, 0, "{}", run.log);

    let root = repo();
    let toolchain = std::fs::read_to_string(root.join("rust-toolchain.toml")).unwrap();
    let channel = toolchain
        .lines()
        .find_map(|l| l.strip_prefix("channel = "))
        .unwrap()
        .trim_matches('"');
    let home = job.home().display().to_string();
    assert_eq!(
        job.fake_log("rustup").unwrap(),
        [
            &root.display().to_string(),
            "toolchain",
            "install",
            channel,
            "--profile",
            "minimal",
            "--target",
            "wasm32-wasip2"
        ]
    );
    assert_eq!(
        job.fake_log("cargo").unwrap(),
        [
            root.display().to_string(),
            "install".into(),
            "--locked".into(),
            "--force".into(),
            "--path".into(),
            "host".into(),
            "--root".into(),
            format!("{home}/.cargo"),
            "--target-dir".into(),
            format!("{home}/.cache/stagegate-action/target"),
        ]
    );
    // The earlier target is restored, and both caches are saved before the
    // gate runs (a deny must not cost the next run a build).
    let key = run.would_run("restore-bin")["key"].clone();
    assert_eq!(run.would_run("save-bin")["key"], key);
    let target_key = run.would_run("save-target")["key"].clone();
    assert_eq!(run.would_run("restore-target")["key"], target_key);
    assert!(
        run.would_run("restore-target")["restore-keys"].starts_with("stagegate-target-Linux-X64-")
    );
    assert!(run.would_run("save-target")["path"].contains("~/.cache/stagegate-action/target"));
    assert_eq!(run.outputs["decision"], "allow");
    assert!(run.skipped("upload"), "upload-sarif is 'false' by default");
    assert!(run.outputs["sarif"].is_empty());
}

#[test]
fn the_action_refuses_a_bad_input_and_reports_a_gate_that_cannot_decide() {
    let job = Job::new();
    allowed_bundle(&job.workspace());
    let path = path_of(&[&job.fake(), &bin_dir()]);
    let run = job.run(
        &[
            ("bundle", "gate-bundle"),
            ("to", "prod"),
            ("upload-sarif", "yes"),
        ],
        job.env(&path, false),
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log);
    assert!(
        run.log
            .contains("::error title=stagegate::upload-sarif must be 'true' or 'false'"),
        "{}",
        run.log
    );
    assert!(run.skipped("upload"));

    // A missing bundle: stagegate cannot decide (exit 2), and says so.
    let run = job.run(
        &[("bundle", "no-such-dir"), ("to", "prod")],
        job.env(&path, false),
        &[],
    );
    assert_eq!(run.code, 2, "{}", run.log);
    assert_eq!(run.outputs["decision"], "error");
    assert_eq!(run.outputs["exit-code"], "2");
}

#[test]
fn the_cache_key_follows_the_actions_source_and_nothing_else() {
    let job = Job::new();
    allowed_bundle(&job.workspace());
    let path = path_of(&[&job.fake(), &bin_dir()]);
    let inputs = [("bundle", "gate-bundle"), ("to", "prod")];
    let key = |action_path: &Path| {
        let run = job.run_from(action_path, &inputs, job.env(&path, false), &[]);
        assert_eq!(run.code, 0, "{}", run.log);
        let outputs = runner::file_commands(run.output_file("prepare"));
        assert_eq!(outputs["version"], "0.1.0");
        outputs["hash"].clone()
    };
    let copy = |dir: &Path| {
        for file in ["Cargo.toml", "rust-toolchain.toml", "host/src/main.rs"] {
            std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
            std::fs::copy(repo().join(file), dir.join(file)).unwrap();
        }
    };

    // A downloaded action: every file counts, target/ does not.
    let downloaded = tempfile::tempdir().unwrap();
    copy(downloaded.path());
    let first = key(downloaded.path());
    assert_eq!(first.len(), 32);
    std::fs::create_dir_all(downloaded.path().join("target")).unwrap();
    std::fs::write(downloaded.path().join("target/x"), "build output").unwrap();
    assert_eq!(key(downloaded.path()), first);
    std::fs::write(downloaded.path().join("host/src/main.rs"), "fn main() {}\n").unwrap();
    assert_ne!(key(downloaded.path()), first);

    // A checkout (`uses: ./`): tracked files and their changes count, what
    // earlier steps wrote into the workspace does not.
    let checkout = tempfile::tempdir().unwrap();
    copy(checkout.path());
    let git = |args: &[&str]| {
        let ran = super::tools::run({
            let mut c = std::process::Command::new("git");
            c.arg("-C").arg(checkout.path()).args(args);
            c.env("GIT_CONFIG_GLOBAL", "/dev/null");
            c
        });
        assert_eq!(ran.code, 0, "git {args:?}: {}", ran.all());
    };
    git(&["init", "--quiet"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=ci",
        "-c",
        "user.email=ci@example.invalid",
        "commit",
        "--quiet",
        "-m",
        "x",
    ]);
    let first = key(checkout.path());
    std::fs::create_dir_all(checkout.path().join("gate-bundle")).unwrap();
    std::fs::write(
        checkout.path().join("gate-bundle/junit.xml"),
        "<testsuite/>",
    )
    .unwrap();
    assert_eq!(key(checkout.path()), first);
    std::fs::write(checkout.path().join("host/src/main.rs"), "fn main() {}\n").unwrap();
    assert_ne!(key(checkout.path()), first);
}
