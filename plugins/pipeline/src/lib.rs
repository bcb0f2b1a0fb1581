//! The `pipeline` plugin: supply-chain and injection risks in CI definitions,
//! GitHub Actions workflows and actions, and GitLab CI files.
//!
//! This file is the thin glue between the host and the pure modules: it
//! declares the facts, reads each artifact through the sandbox, runs
//! [`parse::read_pipeline`] and turns the [`report::Report`] into facts and
//! findings. Expressions live in `expr`, `uses:` references in `uses`, shell
//! text in `shell`, the rules in `github` and `gitlab`.
//!
//! # What is counted
//!
//! | fact | counted, once per … |
//! |---|---|
//! | `unpinned_actions` | step `uses:`, job `uses:` (reusable workflow) or Docker action image not pinned: third-party refs other than a 40-hex SHA, `docker://` without `@sha256:`. Local `./…` and, with `repository` configured, the repository's own actions are pinned. `actions/*` counts like any other owner. |
//! | `dangerous_triggers` | job of a `pull_request_target` or `workflow_run` workflow that checks out the untrusted head (`actions/checkout` `ref`/`repository` naming the head's SHA, ref, branch or `refs/pull/…`; `gh pr checkout` or `git fetch/checkout` of the head in `run:`) and then runs code (a later `run:` step or local `./` action). The trigger alone is not counted. |
//! | `script_injections` | GitHub: `${{ … }}` in `run:` or `actions/github-script`'s `script:` whose value can carry an attacker-controlled field ([`expr::UNTRUSTED`]); one per distinct expression per step. GitLab: a [`shell::INJECTABLE`] variable the shell evaluates again as code (`eval`, `sh -c "…"`, `python -c "…"`, … outside single quotes); a plain expansion is not counted. |
//! | `excessive_permissions` | `permissions: write-all` (workflow or job); a job whose effective permissions grant `write` scopes while it only runs commands and read-only actions (`actions/checkout`, `cache`, `upload-artifact`, `download-artifact`, `setup-*`) and never mentions a token (`github.token`, `GITHUB_TOKEN`, `GH_TOKEN`, `secrets.`, the OIDC request variables, `gh`, `git push`, `api.github.com`). |
//! | `missing_permissions` | workflow (not only `workflow_call`) with a job that sets no `permissions` while the workflow sets none either. |
//! | `secrets_to_unpinned` | step handing `${{ secrets.X }}` or `github.token` in `with:`/`env:` to an unpinned third-party action; job passing `secrets: inherit` to another repository's reusable workflow, or secrets to an unpinned one. |
//! | `curl_pipe_shell` | `run:`/`script:` line piping a download into an interpreter (see [`shell`]). |
//! | `self_hosted_public` | job whose `runs-on` (labels, `labels:`, or a `matrix` dimension it expands) includes `self-hosted` in a workflow triggered by an event outsiders can fire ([`github::PUBLIC_TRIGGERS`]). |
//! | `unpinned_images` | GitLab `image:` or `services:` entry without a tag or tagged `:latest` (no digest); `image: $VAR` is resolved through the job's `parallel: matrix:`; other variables are skipped. |
//! | `secret_variables` | GitLab `variables:` entry with a secret-looking name and a literal value, or any value of a known credential format; reported by fingerprint. |
//! | `job_token_exfil` | GitLab script line sending `CI_JOB_TOKEN` to a literal host outside `gitlab_hosts` (URL or `docker login` registry). |
//! | `unpinned_includes` | GitLab remote include (`include: https://…` or `remote:`) without `integrity:`. |
//!
//! A node reached twice through YAML anchors or merge keys counts once.

pub mod expr;
pub mod github;
pub mod gitlab;
pub mod parse;
pub mod report;
pub mod shape;
pub mod shell;
pub mod uses;
pub use stagegate_yaml as yaml;

use report::{Level, Report, Rule};
use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};
use std::io::BufRead;

/// The plugin.
pub struct Pipeline;

/// The plugin's configuration (a JSON object; `{}` for defaults).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Most findings returned; the rest are counted in `findings_dropped`.
    pub max_findings: usize,
    /// Largest file read, in MiB; a larger one is an error.
    pub max_file_mib: u64,
    /// This repository, `owner/name`: its own actions and reusable workflows count as pinned.
    pub repository: Option<String>,
    /// Hosts of the GitLab instance (subdomains included) that may receive `CI_JOB_TOKEN`.
    pub gitlab_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_findings: 1000,
            max_file_mib: 16,
            repository: None,
            gitlab_hosts: vec!["gitlab.com".into()],
        }
    }
}

impl Config {
    /// Parses the configuration text the host passes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("plugin `pipeline` has a bad configuration: {why}");
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(bad("it must be a JSON object"));
        }
        let mut config: Config = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        if config.max_file_mib == 0 || config.max_file_mib > 256 {
            return Err(bad("`max_file_mib` must be 1 to 256"));
        }
        if let Some(repository) = &config.repository {
            let parts: Vec<&str> = repository.split('/').collect();
            let valid = parts.len() == 2
                && parts.iter().all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                });
            if !valid {
                return Err(bad("`repository` must be `owner/name`"));
            }
        }
        for host in &mut config.gitlab_hosts {
            *host = host.trim().trim_end_matches('.').to_ascii_lowercase();
            let valid = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
            if !valid {
                return Err(bad("`gitlab_hosts` entries must be host names"));
            }
        }
        Ok(config)
    }
}

const FACTS: [(&str, &str); 17] = [
    (
        "inputs",
        "files holding at least one GitHub workflow, GitHub action definition or GitLab CI document",
    ),
    ("workflows", "GitHub Actions workflow documents read"),
    (
        "actions",
        "GitHub action definitions read (action.yml: composite, Docker or JavaScript)",
    ),
    (
        "gitlab_files",
        "files holding at least one GitLab CI document",
    ),
    (
        "unpinned_actions",
        "step or job `uses:` (and Docker action images) not pinned to a full commit SHA or image digest; local and own-repository actions are pinned",
    ),
    (
        "dangerous_triggers",
        "pull_request_target or workflow_run jobs that check out the untrusted head and then run code",
    ),
    (
        "script_injections",
        "attacker-controlled contexts expanded into run:/github-script (GitHub), or author-chosen CI_ variables evaluated as code (GitLab)",
    ),
    (
        "excessive_permissions",
        "permissions: write-all, or write scopes in a job that only runs commands and read-only actions and never uses the token",
    ),
    (
        "missing_permissions",
        "workflows with a job running on the repository's default token permissions (no permissions at workflow or job level)",
    ),
    (
        "secrets_to_unpinned",
        "secrets passed to unpinned third-party actions or reusable workflows, and secrets: inherit to another repository",
    ),
    (
        "curl_pipe_shell",
        "script lines piping a download into an interpreter (curl | sh, bash <(curl …), iex (iwr …), …)",
    ),
    (
        "self_hosted_public",
        "jobs on self-hosted runners in workflows that outside contributors can trigger",
    ),
    (
        "unpinned_images",
        "GitLab image:/services: entries without a tag or tagged :latest",
    ),
    (
        "secret_variables",
        "GitLab variables holding a literal secret (reported by fingerprint only)",
    ),
    (
        "job_token_exfil",
        "GitLab script lines sending CI_JOB_TOKEN to a host outside the GitLab instance",
    ),
    (
        "unpinned_includes",
        "GitLab remote includes without an integrity: hash",
    ),
    (
        "findings_dropped",
        "findings not returned because of the max_findings cap",
    ),
];

fn severity(level: Level) -> Severity {
    match level {
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

/// The artifact kinds the plugin reads, with their matchers.
pub fn kinds() -> Vec<ArtifactKind> {
    let glob = |g: &str| Matcher::Glob(g.into());
    let keys = |k: &[&str]| Matcher::YamlKeys(k.iter().map(|s| (*s).to_owned()).collect());
    vec![
        ArtifactKind {
            name: "github-workflow".into(),
            matchers: vec![keys(&["on", "jobs"])],
        },
        ArtifactKind {
            name: "github-action".into(),
            matchers: vec![
                keys(&["runs"]),
                glob("**/action.yml"),
                glob("**/action.yaml"),
            ],
        },
        ArtifactKind {
            name: "gitlab-ci".into(),
            matchers: vec![
                keys(&["stages"]),
                keys(&["include"]),
                glob("**/.gitlab-ci.yml"),
                glob("**/.gitlab-ci.yaml"),
                glob("**/*.gitlab-ci.yml"),
                glob("**/.gitlab/ci/**/*.yml"),
            ],
        },
    ]
}

impl Plugin for Pipeline {
    fn describe() -> Metadata {
        Metadata {
            name: "pipeline".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "supply-chain and injection risks in GitHub Actions workflows and actions and GitLab CI definitions".into(),
            reads: kinds(),
            facts: FACTS
                .iter()
                .map(|(name, doc)| FactSpec::long(name, doc))
                .collect(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let files = artifacts.iter().map(|a| (a.path.clone(), a.text_reader()));
        let (evaluation, notes) = evaluate_pipelines(files, &config)?;
        for note in &notes {
            stagegate_sdk::log::info(note);
        }
        Ok(evaluation)
    }
}

/// What the plugin's `evaluate` does, without the host: reads every file, given as its path
/// and a reader, and returns the evaluation with the notes to log. A file counts in `inputs`
/// only when it holds a workflow, an action definition or a GitLab CI document.
pub fn evaluate_pipelines<R: BufRead>(
    files: impl IntoIterator<Item = (String, std::io::Result<R>)>,
    config: &str,
) -> Result<(Evaluation, Vec<String>), String> {
    let config = Config::parse(config)?;
    let limits = yaml::Limits {
        max_file_bytes: config.max_file_mib * 1024 * 1024,
        ..yaml::Limits::default()
    };
    let settings = parse::Settings {
        repository: config.repository.as_deref(),
        gitlab_hosts: &config.gitlab_hosts,
    };
    let mut report = Report::new(config.max_findings);
    let mut inputs = 0usize;
    for (path, reader) in files {
        let reader = reader.map_err(|e| format!("`{path}` could not be opened: {e}"))?;
        let kinds = parse::read_pipeline(reader, &path, &limits, settings, &mut report)
            .map_err(|e| e.to_string())?;
        if kinds.any() {
            inputs += 1;
        }
        if kinds.gitlab > 0 {
            report.gitlab_files += 1;
        }
    }
    let notes = std::mem::take(&mut report.notes);
    Ok((to_evaluation(inputs, report), notes))
}

/// Turns a report into the declared facts (every one, always) and findings.
pub fn to_evaluation(inputs: usize, report: Report) -> Evaluation {
    let mut facts = Facts::new()
        .long("inputs", inputs)
        .long("workflows", report.workflows)
        .long("actions", report.actions)
        .long("gitlab_files", report.gitlab_files);
    for rule in Rule::ALL {
        facts = facts.long(rule.fact(), report.count(rule));
    }
    facts = facts.long("findings_dropped", report.hits_dropped);
    let mut findings: Vec<Finding> = report
        .hits
        .into_iter()
        .map(|hit| {
            Finding::new(hit.rule.id(), severity(hit.rule.level()), hit.message)
                .at(&hit.path, hit.line)
        })
        .collect();
    if report.hits_dropped > 0 {
        findings.push(Finding::new(
            "pipeline/findings-capped",
            Severity::Info,
            format!(
                "{} more findings were not listed (max_findings cap)",
                report.hits_dropped
            ),
        ));
    }
    facts.with_findings(findings)
}

stagegate_sdk::export!(Pipeline);
