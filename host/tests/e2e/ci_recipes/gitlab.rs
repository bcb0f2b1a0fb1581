//! The GitLab CI template, included and extended as the example does, its
//! scripts run with GitLab's variables.

use std::path::Path;

use serde_json::Value as Json;

use super::tools::yaml;
use super::{allowed_bundle, bin_dir, denied_bundle, path_of, read_json, run_script, vars};
use crate::support::repo;

/// The GitLab job of the example, with `include: local:` and `extends:`
/// resolved as GitLab resolves them (hashes merged, arrays replaced).
pub fn job(name: &str) -> Json {
    fn merge(base: &mut Json, over: &Json) {
        match (base.as_object_mut(), over.as_object()) {
            (Some(b), Some(o)) => {
                for (k, v) in o {
                    merge(b.entry(k.clone()).or_insert(Json::Null), v);
                }
            }
            _ => *base = over.clone(),
        }
    }
    let example = yaml(&repo().join("ci/gitlab/example.gitlab-ci.yml"));
    let mut config = Json::Object(serde_json::Map::new());
    for include in example["include"].as_array().unwrap() {
        let local = include["local"]
            .as_str()
            .expect("the example includes a local file");
        merge(
            &mut config,
            &yaml(&repo().join(local.trim_start_matches('/'))),
        );
    }
    merge(&mut config, &example);
    let mut job = config[name].clone();
    while let Some(parent) = job.as_object_mut().unwrap().remove("extends") {
        let parent = parent.as_str().expect("one parent").to_owned();
        let mut base = config[&parent].clone();
        assert!(base.is_object(), "no job `{parent}`");
        merge(&mut base, &job);
        job = base;
    }
    job
}

pub fn script(job: &Json) -> String {
    let mut lines = vec!["set -eo pipefail".to_owned()];
    for key in ["before_script", "script"] {
        for line in job[key].as_array().unwrap() {
            lines.push(line.as_str().unwrap().to_owned());
        }
    }
    lines.join("\n")
}

fn env_of(job: &Json, project: &Path, home: &Path, path: &str) -> Vec<(String, String)> {
    let mut env = vars(&[
        ("PATH", path),
        ("CI", "true"),
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", "1234abcd1234abcd1234abcd1234abcd1234abcd"),
        ("CI_COMMIT_REF_NAME", "main"),
        ("GITLAB_USER_LOGIN", "dev1"),
        (
            "CI_PIPELINE_URL",
            "https://gitlab.example/acme/shop/-/pipelines/77",
        ),
        ("CI_JOB_URL", "https://gitlab.example/acme/shop/-/jobs/501"),
        ("CI_JOB_NAME", "gate-prod"),
    ]);
    env.extend(vars(&[
        ("CI_PROJECT_DIR", project.to_str().unwrap()),
        ("HOME", home.to_str().unwrap()),
    ]));
    for (name, value) in job["variables"].as_object().unwrap() {
        let value = match value {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        env.push((name.clone(), value));
    }
    env
}

#[test]
fn the_gitlab_template_gates_with_gitlabs_variables() {
    let job = job("gate-prod");
    let artifacts = &job["artifacts"];
    assert_eq!(artifacts["when"], "always");
    assert_eq!(
        artifacts["reports"]["codequality"],
        "gl-code-quality-report.json"
    );
    assert_eq!(artifacts["reports"]["junit"], "stagegate-junit.xml");
    assert_eq!(job["variables"]["STAGEGATE_TO"], "prod");
    assert_eq!(job["variables"]["STAGEGATE_BUNDLE"], "reports");
    let script = script(&job);
    let home = tempfile::tempdir().unwrap();
    let path = path_of(&[&bin_dir()]);

    let project = tempfile::tempdir().unwrap();
    allowed_bundle(project.path());
    std::fs::rename(
        project.path().join("gate-bundle"),
        project.path().join("reports"),
    )
    .unwrap();
    let env = env_of(&job, project.path(), home.path(), &path);
    let ran = run_script(
        &["bash", "--noprofile", "--norc"],
        &script,
        project.path(),
        &env,
    );
    assert_eq!(ran.code, 0, "{}", ran.all());
    let quality = read_json(&project.path().join("gl-code-quality-report.json"));
    assert!(quality.is_array(), "{quality}");
    let junit = std::fs::read_to_string(project.path().join("stagegate-junit.xml")).unwrap();
    assert!(junit.contains("<testsuites"), "{junit}");
    let report = read_json(&project.path().join("stagegate.json"));
    assert_eq!(report["decision"], "allow");
    assert_eq!(report["change"]["ci"], "gitlab");
    assert_eq!(
        report["change"]["run_url"],
        "https://gitlab.example/acme/shop/-/jobs/501"
    );
    assert_eq!(report["change"]["author"], "dev1");
    for artifact in artifacts["paths"].as_array().unwrap() {
        assert!(
            project.path().join(artifact.as_str().unwrap()).is_file(),
            "{artifact}"
        );
    }

    // Denied: the job fails, and its reports are there for `when: always`.
    let project = tempfile::tempdir().unwrap();
    denied_bundle(project.path());
    std::fs::rename(
        project.path().join("gate-bundle"),
        project.path().join("reports"),
    )
    .unwrap();
    let env = env_of(&job, project.path(), home.path(), &path);
    let ran = run_script(
        &["bash", "--noprofile", "--norc"],
        &script,
        project.path(),
        &env,
    );
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert!(ran.stdout.contains("DENIED"), "{}", ran.all());
    // STAGEGATE_ARGS (`--explain`) reached stagegate.
    assert!(
        ran.stdout.contains("needs context.junit.failed <= 0"),
        "{}",
        ran.all()
    );
    let quality = read_json(&project.path().join("gl-code-quality-report.json"));
    assert!(
        !quality.as_array().unwrap().is_empty(),
        "findings with a location"
    );
    assert!(
        std::fs::read_to_string(project.path().join("stagegate-junit.xml"))
            .unwrap()
            .contains("<failure")
    );

    // No stagegate and nothing to build it from: a clear message.
    let ran = run_script(
        &["bash", "--noprofile", "--norc"],
        &script,
        project.path(),
        &env_of(&job, project.path(), home.path(), "/usr/bin:/bin"),
    );
    assert_eq!(ran.code, 2, "{}", ran.all());
    assert!(
        ran.stderr.contains("set STAGEGATE_GIT_URL"),
        "{}",
        ran.all()
    );
}
