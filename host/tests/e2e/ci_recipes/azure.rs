//! The Azure pipeline: its gate script runs with Azure's variables, and
//! its reports are published whatever the decision.

use serde_json::Value as Json;

use super::tools::yaml;
use super::{allowed_bundle, bin_dir, denied_bundle, path_of, read_json, run_script, vars};
use crate::support::repo;

pub fn gate_step(pipeline: &Json) -> &Json {
    pipeline["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["displayName"] == "stagegate check")
        .expect("a step named `stagegate check`")
}

#[test]
fn the_azure_pipeline_gates_with_azures_variables() {
    let pipeline = yaml(&repo().join("ci/azure/azure-pipelines.yml"));
    let gate = gate_step(&pipeline);
    let script = gate["bash"].as_str().unwrap();
    let steps = pipeline["steps"].as_array().unwrap();
    let junit = steps
        .iter()
        .find(|s| s["task"] == "PublishTestResults@2")
        .expect("a PublishTestResults@2 task");
    assert_eq!(junit["condition"], "succeededOrFailed()");
    assert_eq!(junit["inputs"]["testResultsFiles"], "stagegate-junit.xml");
    assert!(
        steps
            .iter()
            .any(|s| s["publish"].is_string() && s["condition"] == "succeededOrFailed()")
    );

    let staging = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut env = vars(&[
        ("PATH", &path_of(&[&bin_dir()])),
        ("TF_BUILD", "True"),
        (
            "BUILD_SOURCEVERSION",
            "cafe01cafe01cafe01cafe01cafe01cafe01cafe",
        ),
        ("BUILD_SOURCEBRANCH", "refs/heads/main"),
        ("BUILD_REQUESTEDFOR", "Jane Doe"),
        ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
        ("SYSTEM_TEAMPROJECT", "shop"),
        ("BUILD_BUILDID", "314"),
    ]);
    env.push((
        "BUILD_ARTIFACTSTAGINGDIRECTORY".into(),
        staging.path().display().to_string(),
    ));
    env.push(("HOME".into(), home.path().display().to_string()));
    // Pipeline variables reach scripts as environment variables.
    for (name, value) in pipeline["variables"].as_object().unwrap() {
        env.push((name.clone(), value.as_str().unwrap().to_owned()));
    }

    let workspace = tempfile::tempdir().unwrap();
    allowed_bundle(workspace.path());
    std::fs::rename(
        workspace.path().join("gate-bundle"),
        workspace.path().join("reports"),
    )
    .unwrap();
    let ran = run_script(
        &["bash", "--noprofile", "--norc"],
        script,
        workspace.path(),
        &env,
    );
    assert_eq!(ran.code, 0, "{}", ran.all());
    let report = read_json(&staging.path().join("stagegate/stagegate.json"));
    assert_eq!(report["decision"], "allow");
    assert_eq!(report["change"]["ci"], "azure");
    assert_eq!(
        report["change"]["run_url"],
        "https://dev.azure.com/acme/shop/_build/results?buildId=314"
    );
    assert_eq!(report["change"]["branch"], "main");
    assert_eq!(
        read_json(&staging.path().join("stagegate/stagegate.sarif"))["version"],
        "2.1.0"
    );
    assert!(workspace.path().join("stagegate-junit.xml").is_file());

    let workspace = tempfile::tempdir().unwrap();
    denied_bundle(workspace.path());
    std::fs::rename(
        workspace.path().join("gate-bundle"),
        workspace.path().join("reports"),
    )
    .unwrap();
    let ran = run_script(
        &["bash", "--noprofile", "--norc"],
        script,
        workspace.path(),
        &env,
    );
    assert_eq!(ran.code, 1, "{}", ran.all());
    assert!(workspace.path().join("stagegate-junit.xml").is_file());
}
