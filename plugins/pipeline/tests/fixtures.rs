//! Every real and hand-made fixture through the plugin, with the facts
//! expected from reading the file (the reason is written next to each row;
//! facts not listed must be 0).

use stagegate_plugin_pipeline::evaluate_pipelines;
use stagegate_sdk::{EvaluationExt, FactValue};
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/pipeline");

type Row = (&'static str, &'static str, &'static [(&'static str, i64)]);

/// (fixture, configuration, non-zero facts besides `inputs`, `workflows`, `actions`, `gitlab_files`).
const EXPECTED: &[Row] = &[
    // uses: checkout@v2 x2, setup-go@v2 x2, codecov@v1; no permissions anywhere.
    (
        "github/actionlint_ci.yaml",
        "{}",
        &[("unpinned_actions", 5), ("missing_permissions", 1)],
    ),
    // SHA-pinned; no permissions anywhere.
    (
        "github/flask_tests.yaml",
        "{}",
        &[("missing_permissions", 1)],
    ),
    // pull_request_target, but checks out `trunk`; local actions; permissions per job.
    ("github/gutenberg_pull-request-automation.yml", "{}", &[]),
    // perms-1 inherits id-token+contents write for `echo`, perms-2 write-all, perms-3 id-token for `echo`.
    (
        "github/hazmat_excessive-permissions.yml",
        "{}",
        &[("excessive_permissions", 3)],
    ),
    // No permissions; the hard-coded registry passwords are not a rule of this plugin.
    (
        "github/hazmat_hardcoded-credentials.yml",
        "{}",
        &[("missing_permissions", 1)],
    ),
    // checkout@v4 of head.sha then `npm install`; setup-node@v4; no permissions.
    (
        "github/hazmat_pull-request-target.yml",
        "{}",
        &[
            ("unpinned_actions", 2),
            ("dangerous_triggers", 1),
            ("missing_permissions", 1),
        ],
    ),
    // Composite action running `echo hello`.
    ("github/hazmat_ref-confusion_action.yml", "{}", &[]),
    // Four @main reusable workflows; one inherits, one passes a secret; no permissions.
    (
        "github/hazmat_secrets-inherit.yml",
        "{}",
        &[
            ("unpinned_actions", 4),
            ("secrets_to_unpinned", 2),
            ("missing_permissions", 1),
        ],
    ),
    // Self-hosted, but only on push.
    (
        "github/hazmat_self-hosted.yml",
        "{}",
        &[("missing_permissions", 1)],
    ),
    // Only github.event.issue.title is an untrusted field (inputs, env, matrix are not counted).
    (
        "github/hazmat_template-injection.yml",
        "{}",
        &[("script_injections", 1), ("missing_permissions", 1)],
    ),
    // docker://ubuntu and docker://ghcr.io/... without digests.
    (
        "github/hazmat_unpinned.yml",
        "{}",
        &[("unpinned_actions", 2), ("missing_permissions", 1)],
    ),
    // workflow_run without a checkout of the head.
    (
        "github/hazmat_workflow-run.yml",
        "{}",
        &[("missing_permissions", 1)],
    ),
    ("github/requests_run-tests.yml", "{}", &[]),
    // `gh` uses the app token; the pull_request_target job never checks out the head.
    ("github/vitess_arewefastyet_comment.yml", "{}", &[]),
    ("github/vitess_auto_approve_pr.yml", "{}", &[]),
    ("github/zizmor_artipacked.yml", "{}", &[]),
    (
        "github/zizmor_dangerous-triggers_actions-labeler.yml",
        "{}",
        &[],
    ),
    (
        "github/zizmor_dangerous-triggers_multiple-dangerous.yml",
        "{}",
        &[],
    ),
    (
        "github/zizmor_dangerous-triggers_pull-request-target.yml",
        "{}",
        &[],
    ),
    (
        "github/zizmor_dangerous-triggers_workflow-run.yml",
        "{}",
        &[],
    ),
    // contents: write at workflow level for a job that only checks out.
    (
        "github/zizmor_excessive-permissions_issue-336-repro.yml",
        "{}",
        &[("excessive_permissions", 1)],
    ),
    // job2 write-all (job1 read-all is fine).
    (
        "github/zizmor_excessive-permissions_jobs-broaden-permissions.yml",
        "{}",
        &[("excessive_permissions", 1)],
    ),
    (
        "github/zizmor_excessive-permissions_workflow-default-perms.yml",
        "{}",
        &[("missing_permissions", 1)],
    ),
    (
        "github/zizmor_excessive-permissions_workflow-write-all.yml",
        "{}",
        &[("excessive_permissions", 1)],
    ),
    (
        "github/zizmor_secrets-inherit.yml",
        "{}",
        &[("unpinned_actions", 4), ("secrets_to_unpinned", 2)],
    ),
    // Self-hosted matrix dimension / label, but only on push.
    ("github/zizmor_self-hosted_matrix-dimension.yml", "{}", &[]),
    ("github/zizmor_self-hosted_runner-label.yml", "{}", &[]),
    // The title goes to yq's `cmd`, not to run: or github-script.
    (
        "github/zizmor_template-injection_codeql-sinks.yml",
        "{}",
        &[],
    ),
    // head.sha, base.sha, server_url, job, fork: none attacker-controlled.
    (
        "github/zizmor_template-injection_false-positive-menagerie.yml",
        "{}",
        &[],
    ),
    // sudo bash -c "$(wget -O - https://apt.llvm.org/llvm.sh)".
    (
        "github/zizmor_template-injection_issue-22-repro.yml",
        "{}",
        &[("curl_pipe_shell", 1)],
    ),
    // github-script@v7; env.COMMENT_ID is not untrusted.
    (
        "github/zizmor_template-injection_issue-418-repro.yml",
        "{}",
        &[("unpinned_actions", 1)],
    ),
    ("github/zizmor_template-injection_patterns.yml", "{}", &[]),
    (
        "github/zizmor_template-injection_static-matrix.yml",
        "{}",
        &[],
    ),
    // setup-python@v4, checkout (no ref), checkout@v3, pypi-publish@release/v1, codeql x2 @v3.
    (
        "github/zizmor_unpinned-uses_menagerie-of-uses.yml",
        "{}",
        &[("unpinned_actions", 6)],
    ),
    // @main and @v1 remote; local and hash-pinned are fine.
    (
        "github/zizmor_unpinned-uses_reusable-workflow-unpinned.yml",
        "{}",
        &[("unpinned_actions", 2)],
    ),
    // checkout@v4 and deploy@main (given a secret), head.sha checkout then build, self-hosted on
    // issues/pull_request_target with write-all, issue title in run:, curl | sh; preview job defaulted.
    (
        "github/handmade_risky-preview.yml",
        "{}",
        &[
            ("unpinned_actions", 2),
            ("dangerous_triggers", 1),
            ("script_injections", 1),
            ("excessive_permissions", 1),
            ("missing_permissions", 1),
            ("secrets_to_unpinned", 1),
            ("curl_pipe_shell", 1),
            ("self_hosted_public", 1),
        ],
    ),
    ("github/handmade_fixed-preview.yml", "{}", &[]),
    // head_sha checkout then a script; head_branch in run:, head_commit.message in github-script.
    (
        "github/handmade_workflow-run-report.yml",
        "{}",
        &[("dangerous_triggers", 1), ("script_injections", 2)],
    ),
    // Unconfigured: docker:3.20, own setup@v1, cache@v4 (given CACHE_TOKEN), release.yml@main (inherit).
    (
        "github/handmade_uses-menagerie.yml",
        "{}",
        &[("unpinned_actions", 4), ("secrets_to_unpinned", 2)],
    ),
    // Configured as example-org/stagegate: its own action and workflow are pinned and not "other".
    (
        "github/handmade_uses-menagerie.yml",
        r#"{"repository": "example-org/stagegate"}"#,
        &[("unpinned_actions", 2), ("secrets_to_unpinned", 1)],
    ),
    // Matrix values ubuntu/fedora/alpine/i386-debian:latest (4) and five jobs on ubuntu:latest;
    // ubuntu:rolling has a tag and the macOS VM names are versioned.
    ("gitlab/git_gitlab-ci.yml", "{}", &[("unpinned_images", 9)]),
    // tutum/curl without a tag in two jobs.
    (
        "gitlab/gitnex_gitlab-ci.yml",
        "{}",
        &[("unpinned_images", 2)],
    ),
    // Project include and Vault secrets: nothing literal.
    ("gitlab/gitops-demo-aws_gitlab-ci.yml", "{}", &[]),
    ("gitlab/libxcb-cursor_gitlab-ci.yml", "{}", &[]),
    // Two remote includes, node:latest and python (anchor: once), DEPLOY_API_TOKEN literal,
    // curl | bash (anchor: once), eval of $CI_COMMIT_MESSAGE, CI_JOB_TOKEN to collector.example.invalid.
    (
        "gitlab/handmade_risky.gitlab-ci.yml",
        "{}",
        &[
            ("unpinned_includes", 2),
            ("unpinned_images", 2),
            ("secret_variables", 1),
            ("curl_pipe_shell", 1),
            ("script_injections", 1),
            ("job_token_exfil", 1),
        ],
    ),
    ("gitlab/handmade_fixed.gitlab-ci.yml", "{}", &[]),
];

const KIND_FACTS: [&str; 4] = ["inputs", "workflows", "actions", "gitlab_files"];

#[test]
fn every_fixture_gives_the_facts_read_off_it() {
    let mut files: Vec<String> = ["github", "gitlab"]
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(Path::new(DIR).join(d))
                .unwrap()
                .map(move |e| format!("{d}/{}", e.unwrap().file_name().to_string_lossy()))
        })
        .collect();
    files.sort();
    let mut covered: Vec<&str> = EXPECTED.iter().map(|(f, _, _)| *f).collect();
    covered.sort();
    covered.dedup();
    assert_eq!(covered, files, "every fixture has a row");
    for (file, config, expected) in EXPECTED {
        let bytes = std::fs::read(Path::new(DIR).join(file)).unwrap();
        let (evaluation, _) =
            evaluate_pipelines(vec![(file.to_string(), Ok(&bytes[..]))], config).unwrap();
        let gitlab = file.starts_with("gitlab/");
        let action = file.ends_with("action.yml");
        let kinds = [
            1,
            i64::from(!gitlab && !action),
            i64::from(action),
            i64::from(gitlab),
        ];
        for (fact, value) in KIND_FACTS.iter().zip(kinds) {
            assert_eq!(evaluation.long(fact), Some(value), "{file} {fact}");
        }
        for fact in &evaluation.facts {
            if KIND_FACTS.contains(&fact.name.as_str()) {
                continue;
            }
            let want = expected
                .iter()
                .find(|(name, _)| *name == fact.name)
                .map_or(0, |(_, n)| *n);
            let got = match fact.value {
                FactValue::Long(n) => n,
                ref other => panic!("{} is not a Long: {other:?}", fact.name),
            };
            assert_eq!(got, want, "{file} {config} {}", fact.name);
        }
        // Each counted hit is a finding with a path and a line (no cap here).
        let total: i64 = expected.iter().map(|(_, n)| n).sum();
        assert_eq!(evaluation.findings.len() as i64, total, "{file}");
        for finding in &evaluation.findings {
            assert_eq!(finding.path.as_deref(), Some(*file));
            assert!(
                finding.line.is_some_and(|l| l > 0),
                "{file}: {}",
                finding.message
            );
            assert!(finding.rule.starts_with("pipeline/"));
        }
    }
}

#[test]
fn the_project_s_own_composite_action_is_read_and_clean() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../action.yml");
    let bytes = std::fs::read(path).unwrap();
    let (evaluation, _) =
        evaluate_pipelines(vec![("action.yml".to_owned(), Ok(&bytes[..]))], "{}").unwrap();
    assert_eq!(
        (evaluation.long("inputs"), evaluation.long("actions")),
        (Some(1), Some(1))
    );
    assert!(evaluation.findings.is_empty(), "{:?}", evaluation.findings);
}

#[test]
fn all_fixtures_at_once_add_up() {
    let files: Vec<(String, Vec<u8>)> = EXPECTED
        .iter()
        .filter(|(_, config, _)| *config == "{}")
        .map(|(f, _, _)| {
            (
                f.to_string(),
                std::fs::read(Path::new(DIR).join(f)).unwrap(),
            )
        })
        .collect();
    let inputs = files.iter().map(|(f, b)| (f.clone(), Ok(&b[..])));
    let (evaluation, _) = evaluate_pipelines(inputs, "{}").unwrap();
    assert_eq!(evaluation.long("inputs"), Some(files.len() as i64));
    assert_eq!(evaluation.long("gitlab_files"), Some(6));
    assert_eq!(evaluation.long("actions"), Some(1));
    let sum = |fact: &str| -> i64 {
        EXPECTED
            .iter()
            .filter(|(_, config, _)| *config == "{}")
            .flat_map(|(_, _, facts)| facts.iter())
            .filter(|(name, _)| *name == fact)
            .map(|(_, n)| n)
            .sum()
    };
    for fact in [
        "unpinned_actions",
        "script_injections",
        "dangerous_triggers",
        "unpinned_images",
    ] {
        assert_eq!(evaluation.long(fact), Some(sum(fact)), "{fact}");
    }
}
