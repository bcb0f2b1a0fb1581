//! Malformed and hostile input: clear errors naming the file, never a panic,
//! never a secret in a message, and every declared fact always returned.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

use proptest::prelude::*;
use stagegate_plugin_pipeline::{Config, Pipeline, evaluate_pipelines};
use stagegate_sdk::{EvaluationExt, FactValue, Plugin};

fn run(name: &str, text: &[u8], config: &str) -> Result<stagegate_sdk::Evaluation, String> {
    evaluate_pipelines(vec![(name.to_owned(), Ok(text))], config).map(|(e, _)| e)
}

fn error(name: &str, text: &[u8]) -> String {
    run(name, text, "{}").unwrap_err()
}

#[test]
fn shapes_github_and_gitlab_refuse_are_errors_naming_file_and_line() {
    let jobs = error("w.yml", b"on: push\njobs: [build]\n");
    assert!(jobs.contains("`w.yml` document 1 line 2"), "{jobs}");
    assert!(jobs.contains("`jobs` must be a mapping"), "{jobs}");
    let steps = error("w.yml", b"on: push\njobs:\n  b:\n    steps: run\n");
    assert!(
        steps.contains("`jobs.b.steps` must be a sequence"),
        "{steps}"
    );
    let step = error(
        "w.yml",
        b"on: push\njobs:\n  b:\n    steps:\n      - echo hi\n",
    );
    assert!(
        step.contains("`jobs.b.steps[0]` must be a mapping"),
        "{step}"
    );
    let job = error("w.yml", b"on: push\njobs:\n  b: 3\n");
    assert!(job.contains("`jobs.b` must be a mapping"), "{job}");
    let on = error("w.yml", b"on: [[push]]\njobs: {}\n");
    assert!(on.contains("`on[]` must be an event name"), "{on}");
    let script = error("g.yml", b"stages: [a]\nj:\n  script: {x: 1}\n");
    assert!(script.contains("`g.yml` document 1 line 3"), "{script}");
    let variables = error("g.yml", b"stages: [a]\nvariables: [A]\n");
    assert!(
        variables.contains("`(global).variables` must be a mapping"),
        "{variables}"
    );
}

#[test]
fn alias_bombs_deep_nesting_and_oversized_files_are_refused() {
    let mut bomb = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    bomb.push_str("jobs: {}\n");
    let e = error("bomb.yml", bomb.as_bytes());
    assert!(
        e.starts_with("`bomb.yml`") && e.contains("alias bomb"),
        "{e}"
    );

    let deep = format!(
        "on: push\njobs: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let e = error("deep.yml", deep.as_bytes());
    assert!(
        e.starts_with("`deep.yml`")
            && (e.contains("nesting deeper") || e.contains("recursion limit")),
        "{e}"
    );

    let big = format!("on: push\njobs: {{}}\n# {}\n", "x".repeat(2 * 1024 * 1024));
    let e = run("big.yml", big.as_bytes(), r#"{"max_file_mib": 1}"#).unwrap_err();
    assert!(
        e.starts_with("`big.yml`") && e.contains("larger than 1048576 bytes"),
        "{e}"
    );

    let e = error("bin.yml", b"on: push\njobs: {}\n\xff\xfe\x00");
    assert!(e.starts_with("`bin.yml`"), "{e}");
    let e = error("bad.yml", b"on: push\njobs:\n  a: [unclosed\n");
    assert!(e.starts_with("`bad.yml` is not valid YAML at line"), "{e}");
}

#[test]
fn yaml_that_is_no_pipeline_is_skipped_with_a_note() {
    for (name, text) in [
        ("dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n"),
        ("k8s.yaml", "apiVersion: v1\nkind: Pod\n"),
        (
            "circleci.yml",
            "version: 2.1\njobs:\n  build:\n    steps: [checkout]\n",
        ),
        ("empty.yml", ""),
        ("comments.yml", "# nothing\n---\n"),
    ] {
        let (evaluation, notes) =
            evaluate_pipelines(vec![(name.to_owned(), Ok(text.as_bytes()))], "{}").unwrap();
        assert_eq!(evaluation.long("inputs"), Some(0), "{name}");
        assert!(evaluation.findings.is_empty(), "{name}");
        if !text.trim_start_matches("# nothing\n---\n").is_empty() {
            assert!(
                notes
                    .iter()
                    .any(|n| n.contains(name) && n.contains("skipped")),
                "{name} {notes:?}"
            );
        }
    }
}

#[test]
fn secret_values_never_reach_a_message() {
    let token = "glpat-Xk9dF2mQ7vR4tY8wZ3bN";
    let generic = "q7Vd2LmZ9xKp4RtW8sYb3NcH6jFg1";
    let text = format!(
        "stages: [a]\nvariables:\n  ANY: \"{token}\"\n  API_TOKEN: {generic}\nj:\n  script:\n    - \"curl -H 'PRIVATE-TOKEN: {token}' https://x.invalid/i.sh | sh\"\n"
    );
    let evaluation = run("g.yml", text.as_bytes(), "{}").unwrap();
    assert_eq!(evaluation.long("secret_variables"), Some(2));
    assert_eq!(evaluation.long("curl_pipe_shell"), Some(1));
    for finding in &evaluation.findings {
        assert!(
            !finding.message.contains("Xk9dF2mQ7vR4tY8wZ3bN"),
            "{}",
            finding.message
        );
        assert!(
            !finding.message.contains("Kp4RtW8sYb3NcH6jFg1"),
            "{}",
            finding.message
        );
    }
    assert!(
        evaluation
            .findings
            .iter()
            .any(|f| f.message.contains("fingerprint `glpa…"))
    );
}

#[test]
fn every_declared_fact_is_returned_even_with_no_input() {
    let declared: Vec<String> = Pipeline::describe()
        .facts
        .into_iter()
        .map(|f| f.name)
        .collect();
    let (evaluation, _) =
        evaluate_pipelines(Vec::<(String, std::io::Result<&[u8]>)>::new(), "{}").unwrap();
    let returned: Vec<String> = evaluation.facts.iter().map(|f| f.name.clone()).collect();
    assert_eq!(declared, returned);
    for fact in &evaluation.facts {
        assert!(matches!(fact.value, FactValue::Long(0)), "{}", fact.name);
    }
    assert!(evaluation.findings.is_empty());
}

#[test]
fn the_finding_cap_is_counted() {
    let steps: String = (0..20)
        .map(|i| format!("      - uses: a/b{i}@v1\n"))
        .collect();
    let text = format!("on: push\npermissions: {{}}\njobs:\n  j:\n    steps:\n{steps}");
    let evaluation = run("w.yml", text.as_bytes(), r#"{"max_findings": 5}"#).unwrap();
    assert_eq!(evaluation.long("unpinned_actions"), Some(20));
    assert_eq!(evaluation.long("findings_dropped"), Some(15));
    assert_eq!(evaluation.findings.len(), 6);
    assert_eq!(evaluation.findings[5].rule, "pipeline/findings-capped");
}

#[test]
fn configuration_is_checked() {
    assert_eq!(Config::parse("").unwrap(), Config::default());
    assert_eq!(Config::parse("{}").unwrap().gitlab_hosts, ["gitlab.com"]);
    let c =
        Config::parse(r#"{"repository": "Acme/Tools", "gitlab_hosts": ["GitLab.Example.com."]}"#)
            .unwrap();
    assert_eq!(c.gitlab_hosts, ["gitlab.example.com"]);
    for bad in [
        "[]",
        r#"{"max_finding": 1}"#,
        r#"{"max_file_mib": 0}"#,
        r#"{"repository": "acme"}"#,
        r#"{"repository": "a/b/c"}"#,
        r#"{"gitlab_hosts": ["https://x"]}"#,
    ] {
        let e = Config::parse(bad).unwrap_err();
        assert!(
            e.starts_with("plugin `pipeline` has a bad configuration"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_utf16_workflow_with_a_byte_order_mark_is_read() {
    use stagegate_sdk::text::bom::{BomReader, utf16_with_mark};
    let yaml = "on: pull_request_target\njobs:\n  j:\n    runs-on: self-hosted\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n";
    for little_endian in [true, false] {
        let bytes = utf16_with_mark(yaml, little_endian);
        let files = vec![(
            "w.yml".to_owned(),
            Ok(std::io::BufReader::new(BomReader::new(&bytes[..]))),
        )];
        let (evaluation, _) = evaluate_pipelines(files, "{}").unwrap();
        assert_eq!(evaluation.long("script_injections"), Some(1));
        assert_eq!(evaluation.long("self_hosted_public"), Some(1));
    }
}

fn yamlish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "on:",
        "jobs:",
        "steps:",
        "- uses: a/b@v1",
        "- run: |",
        "${{ github.event.issue.title }}",
        "${{",
        "}}",
        "permissions: write-all",
        "runs-on: [self-hosted]",
        "stages: [a]",
        "script:",
        "- curl x | sh",
        "include:",
        "- remote: https://x",
        "image: a",
        "variables:",
        "TOKEN: abcdefghijklmnop",
        "&a",
        "*a",
        "<<: *a",
        "[",
        "]",
        "{",
        "}",
        ":",
        "- ",
        "'",
        "\"",
        "pull_request_target",
        "ref: ${{ github.head_ref }}",
        "eval \"$CI_COMMIT_MESSAGE\"",
        "CI_JOB_TOKEN https://e.invalid",
        "\t",
        "#",
        "---",
        "!!str",
        "? ",
        "|",
        ">",
    ]);
    prop::collection::vec(
        (
            atoms,
            prop::sample::select(vec!["", " ", "  ", "\n", "\n  ", "\n    "]),
        ),
        0..60,
    )
    .prop_map(|parts| parts.into_iter().map(|(a, s)| format!("{a}{s}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_yamlish_text_never_panics(text in yamlish()) {
        if let Ok(evaluation) = run("p.yml", text.as_bytes(), "{}") {
            prop_assert_eq!(evaluation.facts.len(), Pipeline::describe().facts.len());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = run("p.yml", &bytes, "{}");
    }
}
