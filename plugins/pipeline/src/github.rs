//! The checks on GitHub Actions workflows and action definitions.
//!
//! Each check counts hits in the [`Report`] with the file, the line of the
//! offending key and a message naming the action, job or context (never a
//! secret's value: only secret names, which are not secret). Shapes GitHub
//! would refuse (`jobs` not a mapping, a step that is not a mapping) are
//! errors; unknown keys are ignored. The rules, and what each deliberately
//! does not count, are listed in the crate documentation (`lib.rs`).

use crate::expr;
use crate::report::{Report, Rule, quote};
use crate::shape::{
    ShapeError, entry, key_line, key_text, map_at, mentions, scalars, seq_at, str_at,
};
use crate::shell;
use crate::uses::Uses;
use crate::yaml::NodeRef;
use std::collections::BTreeSet;

/// What the checks need to know besides the document.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings<'s> {
    /// This repository, `owner/name`: its own actions and workflows count as pinned.
    pub repository: Option<&'s str>,
}

/// Events an outside contributor can fire on a public repository.
pub const PUBLIC_TRIGGERS: [&str; 10] = [
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "issues",
    "discussion",
    "discussion_comment",
    "fork",
    "watch",
];

/// Actions that neither need nor use the job's token beyond reading the repository.
const READ_ONLY_ACTIONS: [&str; 7] = [
    "actions/checkout",
    "actions/cache",
    "actions/cache/restore",
    "actions/cache/save",
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/setup-",
];

/// Text in a job that shows it uses the token or OIDC (lowercase).
const TOKEN_USE: [&str; 8] = [
    "github.token",
    "github_token",
    "gh_token",
    "actions_id_token_request",
    "actions_runtime_token",
    "git push",
    "api.github.com",
    "secrets.",
];

/// Context paths that name the head of a pull request (`pull_request_target`).
const PR_HEAD: [&str; 6] = [
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "github.event.pull_request.number",
];

/// Context paths that name the head of the run that fired `workflow_run`.
const RUN_HEAD: [&str; 5] = [
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_repository.full_name",
    "github.event.workflow_run.head_commit.id",
    "github.event.workflow_run.pull_requests.*.head.sha",
];

/// Whether the document is a workflow: a mapping with `on` and `jobs`.
pub fn is_workflow(root: NodeRef<'_>) -> bool {
    root.is_map() && root.get("jobs").is_some() && root.get("on").is_some()
}

/// Whether the document is an action definition: `runs` with `using`.
pub fn is_action(root: NodeRef<'_>) -> bool {
    root.is_map()
        && root
            .get("runs")
            .is_some_and(|runs| runs.get("using").is_some())
}

/// The events that trigger the workflow, lowercase.
fn triggers(root: NodeRef<'_>) -> Result<BTreeSet<String>, ShapeError> {
    let Some((_, on)) = entry(root, "on") else {
        return Ok(BTreeSet::new());
    };
    let names: Vec<String> = if let Some(text) = on.as_str() {
        vec![text.to_owned()]
    } else if on.is_seq() {
        on.items()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ShapeError::wrong(item, "on[]", "an event name"))
            })
            .collect::<Result<_, _>>()?
    } else if on.is_map() {
        on.entries().map(|(k, _)| key_text(k).to_owned()).collect()
    } else {
        return Err(ShapeError::wrong(on, "on", "an event, a list or a mapping"));
    };
    Ok(names.into_iter().map(|n| n.to_ascii_lowercase()).collect())
}

/// A `permissions` value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Permissions {
    Missing,
    WriteAll,
    /// Scopes granted `write`, with the key's line.
    Scopes(Vec<String>, usize),
    /// `read-all`, `{}`, read-only scopes or an expression.
    ReadOnly(usize),
}

fn permissions(node: NodeRef<'_>, path: &str) -> Result<Permissions, ShapeError> {
    let Some((key, value)) = entry(node, "permissions") else {
        return Ok(Permissions::Missing);
    };
    if let Some(text) = value.as_str() {
        return Ok(match text.trim() {
            "write-all" => Permissions::WriteAll,
            _ => Permissions::ReadOnly(key.line()),
        });
    }
    if !value.is_map() {
        return Err(ShapeError::wrong(
            value,
            path,
            "`read-all`, `write-all` or a mapping",
        ));
    }
    let writes: Vec<String> = value
        .entries()
        .filter(|(_, level)| level.as_str().is_some_and(|l| l.trim() == "write"))
        .map(|(scope, _)| key_text(scope).to_owned())
        .collect();
    Ok(if writes.is_empty() {
        Permissions::ReadOnly(key.line())
    } else {
        Permissions::Scopes(writes, key.line())
    })
}

/// Runs every check on the workflow `root` of the file `path`.
pub fn check_workflow(
    path: &str,
    root: NodeRef<'_>,
    settings: Settings<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    report.workflows += 1;
    let on = triggers(root)?;
    let name = str_at(root, "name", "name")?
        .map_or(path, |(n, _)| n)
        .to_owned();
    let Some((_, jobs)) = entry(root, "jobs") else {
        return Ok(());
    };
    if !jobs.is_map() {
        return Err(ShapeError::wrong(
            jobs,
            "jobs",
            "a mapping of job ids to jobs",
        ));
    }
    let workflow_permissions = permissions(root, "permissions")?;
    if workflow_permissions == Permissions::WriteAll {
        let what = format!(
            "workflow `{}` grants `permissions: write-all` to every job",
            quote(&name)
        );
        report.hit(
            Rule::ExcessivePermissions,
            path,
            key_line(root, "permissions"),
            "",
            what,
        );
    }
    let mut defaulted = Vec::new();
    for (key, job) in jobs.entries() {
        let id = key_text(key);
        if !job.is_map() {
            return Err(ShapeError::wrong(job, &format!("jobs.{id}"), "a mapping"));
        }
        let ctx = Job {
            path,
            id,
            on: &on,
            settings,
        };
        let job_permissions = permissions(job, &format!("jobs.{id}.permissions"))?;
        if job_permissions == Permissions::WriteAll {
            let what = format!("job `{}` has `permissions: write-all`", quote(id));
            report.hit(
                Rule::ExcessivePermissions,
                path,
                key_line(job, "permissions"),
                id,
                what,
            );
        }
        let effective = match &job_permissions {
            Permissions::Missing => &workflow_permissions,
            other => other,
        };
        if job_permissions == Permissions::Missing && workflow_permissions == Permissions::Missing {
            defaulted.push((id, key.line()));
        }
        if let Permissions::Scopes(scopes, line) = effective
            && is_plain(job)?
        {
            let what = format!(
                "job `{}` gets write scopes `{}` but only runs commands and read-only actions, and never uses the token",
                quote(id),
                quote(&scopes.join(", "))
            );
            report.hit(Rule::ExcessivePermissions, path, *line, id, what);
        }
        check_runner(&ctx, job, report)?;
        if let Some((uses, line)) = str_at(job, "uses", &format!("jobs.{id}.uses"))? {
            check_reusable_call(&ctx, job, uses, line, report)?;
        }
        let steps = seq_at(job, "steps", &format!("jobs.{id}.steps"))?;
        check_steps(&ctx, &steps, report)?;
    }
    let only_called = !on.is_empty() && on.iter().all(|t| t == "workflow_call");
    if let Some((_, line)) = defaulted.first()
        && !only_called
    {
        let ids: Vec<&str> = defaulted.iter().map(|(id, _)| *id).collect();
        let what = format!(
            "workflow `{}` sets no `permissions`: jobs `{}` run with the repository's default token permissions",
            quote(&name),
            quote(&ids.join("`, `"))
        );
        report.hit(Rule::MissingPermissions, path, *line, "", what);
    }
    Ok(())
}

/// Runs every check on the action definition `root` of the file `path`.
pub fn check_action(
    path: &str,
    root: NodeRef<'_>,
    settings: Settings<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    report.actions += 1;
    let Some(runs) = map_at(root, "runs", "runs")? else {
        return Ok(());
    };
    let using = str_at(runs, "using", "runs.using")?.map_or("", |(u, _)| u);
    let on = BTreeSet::new();
    let ctx = Job {
        path,
        id: "(composite action)",
        on: &on,
        settings,
    };
    if using.eq_ignore_ascii_case("composite") {
        let steps = seq_at(runs, "steps", "runs.steps")?;
        check_steps(&ctx, &steps, report)?;
    } else if using.eq_ignore_ascii_case("docker")
        && let Some((image, line)) = str_at(runs, "image", "runs.image")?
        && image.starts_with("docker://")
    {
        let uses = Uses::parse(image);
        if !uses.is_pinned(settings.repository) {
            let what = format!(
                "the action's image `{}` is not pinned by digest",
                quote(&uses.raw)
            );
            report.hit(Rule::UnpinnedAction, path, line, &uses.raw, what);
        }
    }
    Ok(())
}

/// Where a step or job check reports.
struct Job<'c> {
    path: &'c str,
    id: &'c str,
    on: &'c BTreeSet<String>,
    settings: Settings<'c>,
}

/// Whether the job only runs commands and read-only actions and never mentions the token.
fn is_plain(job: NodeRef<'_>) -> Result<bool, ShapeError> {
    if job.get("uses").is_some() {
        return Ok(false);
    }
    for step in seq_at(job, "steps", "steps")? {
        if let Some((uses, _)) = str_at(step, "uses", "steps[].uses")? {
            let name = Uses::parse(uses).name();
            let read_only = READ_ONLY_ACTIONS
                .iter()
                .any(|a| name == *a || (a.ends_with('-') && name.starts_with(a)));
            if !read_only {
                return Ok(false);
            }
        }
    }
    let runs_gh = scalars(job).into_iter().any(|s| {
        s.as_str()
            .is_some_and(|t| t.split_whitespace().any(|w| w == "gh"))
    });
    Ok(!runs_gh && !mentions(job, &TOKEN_USE))
}

/// `self-hosted` runners on events outsiders can fire.
fn check_runner(ctx: &Job<'_>, job: NodeRef<'_>, report: &mut Report) -> Result<(), ShapeError> {
    let public: Vec<&str> = PUBLIC_TRIGGERS
        .iter()
        .copied()
        .filter(|t| ctx.on.contains(*t))
        .collect();
    if public.is_empty() {
        return Ok(());
    }
    let Some((key, runs_on)) = entry(job, "runs-on") else {
        return Ok(());
    };
    if runs_on_self_hosted(job, runs_on) {
        let what = format!(
            "job `{}` runs on a self-hosted runner and is triggered by `{}`, which outside contributors can fire",
            quote(ctx.id),
            public.join("`, `")
        );
        report.hit(Rule::SelfHostedPublic, ctx.path, key.line(), ctx.id, what);
    }
    Ok(())
}

fn labels_self_hosted(node: NodeRef<'_>) -> bool {
    let is = |n: NodeRef<'_>| {
        n.as_str()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("self-hosted"))
    };
    is(node) || node.items().any(is)
}

fn runs_on_self_hosted(job: NodeRef<'_>, runs_on: NodeRef<'_>) -> bool {
    if labels_self_hosted(runs_on) {
        return true;
    }
    if let Some(labels) = runs_on.get("labels")
        && labels_self_hosted(labels)
    {
        return true;
    }
    // `runs-on: ${{ matrix.os }}`: any value of that matrix dimension.
    let texts: Vec<&str> = if let Some(t) = runs_on.as_str() {
        vec![t]
    } else {
        runs_on.items().filter_map(|i| i.as_str()).collect()
    };
    let Some(matrix) = job.get("strategy").and_then(|s| s.get("matrix")) else {
        return false;
    };
    for text in texts {
        for expression in expr::expressions(text) {
            for path in expr::paths(expression) {
                let Some(dimension) = path.strip_prefix("matrix.") else {
                    continue;
                };
                let direct = matrix
                    .entries()
                    .find(|(k, _)| key_text(*k).eq_ignore_ascii_case(dimension))
                    .is_some_and(|(_, v)| {
                        labels_self_hosted(v) || v.items().any(labels_self_hosted)
                    });
                let included = matrix.get("include").is_some_and(|inc| {
                    inc.items().any(|combo| {
                        combo
                            .entries()
                            .find(|(k, _)| key_text(*k).eq_ignore_ascii_case(dimension))
                            .is_some_and(|(_, v)| labels_self_hosted(v))
                    })
                });
                if direct || included {
                    return true;
                }
            }
        }
    }
    false
}

/// The names of the secrets (and `github.token`) an expression hands over, as written.
pub fn secret_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for expression in expr::expressions(text) {
        for path in expr::paths(expression) {
            let name = if let Some(name) = path.strip_prefix("secrets.") {
                format!("secrets.{}", original_case(expression, name))
            } else if path == "github.token" {
                path.clone()
            } else {
                continue;
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// `lower` as it is spelled in `text`, when it occurs there (ASCII case-insensitively).
fn original_case(text: &str, lower: &str) -> String {
    text.to_ascii_lowercase()
        .find(lower)
        .and_then(|at| text.get(at..at + lower.len()))
        .unwrap_or(lower)
        .to_owned()
}

/// The secrets handed to a step or reusable workflow through the scalars of `node`.
fn secrets_in(node: Option<NodeRef<'_>>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(node) = node else { return out };
    for scalar in scalars(node) {
        for name in scalar.as_str().map(secret_names).unwrap_or_default() {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn check_reusable_call(
    ctx: &Job<'_>,
    job: NodeRef<'_>,
    raw: &str,
    line: usize,
    report: &mut Report,
) -> Result<(), ShapeError> {
    let uses = Uses::parse(raw);
    let pinned = uses.is_pinned(ctx.settings.repository);
    if !pinned {
        let what = format!(
            "job `{}` calls the reusable workflow `{}`, which is not pinned to a commit SHA",
            quote(ctx.id),
            quote(&uses.raw)
        );
        report.hit(Rule::UnpinnedAction, ctx.path, line, ctx.id, what);
    }
    if !uses.is_other_repository(ctx.settings.repository) {
        return Ok(());
    }
    let Some((key, secrets)) = entry(job, "secrets") else {
        return Ok(());
    };
    if secrets.as_str().is_some_and(|s| s.trim() == "inherit") {
        let what = format!(
            "job `{}` passes every secret (`secrets: inherit`) to `{}` of another repository",
            quote(ctx.id),
            quote(&uses.raw)
        );
        report.hit(Rule::SecretsToUnpinned, ctx.path, key.line(), ctx.id, what);
    } else if !pinned {
        let names = secrets_in(Some(secrets));
        if !names.is_empty() {
            let what = format!(
                "job `{}` passes `{}` to the unpinned reusable workflow `{}`",
                quote(ctx.id),
                quote(&names.join("`, `")),
                quote(&uses.raw)
            );
            report.hit(Rule::SecretsToUnpinned, ctx.path, key.line(), ctx.id, what);
        }
    }
    Ok(())
}

/// Whether the expressions of `text` name the untrusted head for the workflow's triggers.
fn names_head(text: &str, on: &BTreeSet<String>) -> Option<String> {
    let prt = on.contains("pull_request_target");
    let run = on.contains("workflow_run");
    for expression in expr::expressions(text) {
        for path in expr::paths(expression) {
            if (prt && PR_HEAD.contains(&path.as_str()))
                || (run && RUN_HEAD.contains(&path.as_str()))
            {
                return Some(path);
            }
        }
    }
    let lower = text.to_ascii_lowercase();
    if prt && (lower.contains("refs/pull/") || lower.contains("$github_head_ref")) {
        return Some(quote(text.trim()));
    }
    None
}

/// Per-step checks, and the dangerous-trigger sequence over the steps of one job.
fn check_steps(
    ctx: &Job<'_>,
    steps: &[NodeRef<'_>],
    report: &mut Report,
) -> Result<(), ShapeError> {
    let dangerous_trigger = ctx
        .on
        .iter()
        .find(|t| *t == "pull_request_target" || *t == "workflow_run")
        .cloned();
    let mut head_checkout: Option<(usize, String)> = None;
    let mut dangerous_reported = false;
    for (i, step) in steps.iter().enumerate() {
        let at = format!("jobs.{}.steps[{i}]", ctx.id);
        if !step.is_map() {
            return Err(ShapeError::wrong(*step, &at, "a mapping"));
        }
        let label = str_at(*step, "name", &format!("{at}.name"))?
            .map(|(n, _)| n.to_owned())
            .unwrap_or_else(|| format!("#{}", i + 1));
        let run = str_at(*step, "run", &format!("{at}.run"))?;
        let uses = str_at(*step, "uses", &format!("{at}.uses"))?;
        // Code from the untrusted head runs in this step.
        if let (Some((start, what)), Some(trigger)) = (&head_checkout, &dangerous_trigger)
            && !dangerous_reported
            && (run.is_some() || uses.is_some_and(|(u, _)| u.trim_start().starts_with("./")))
        {
            let message = format!(
                "job `{}` runs on `{trigger}`, checks out the untrusted head (`{what}`) and then runs code from it (step `{}`)",
                quote(ctx.id),
                quote(&label)
            );
            report.hit(Rule::DangerousTrigger, ctx.path, *start, ctx.id, message);
            dangerous_reported = true;
        }
        if let Some((script, line)) = run {
            check_script(ctx, &label, "run", script, line, report);
            if head_checkout.is_none() {
                let lower = script.to_ascii_lowercase();
                let fetches = lower.contains("gh pr checkout")
                    || [
                        "git fetch",
                        "git checkout",
                        "git pull",
                        "git merge",
                        "git switch",
                    ]
                    .iter()
                    .any(|c| lower.contains(c));
                if fetches && let Some(what) = names_head(script, ctx.on) {
                    head_checkout = Some((line, what));
                } else if lower.contains("gh pr checkout") && ctx.on.contains("pull_request_target")
                {
                    head_checkout = Some((line, "gh pr checkout".into()));
                }
            }
        }
        let Some((raw, line)) = uses else { continue };
        let parsed = Uses::parse(raw);
        let name = parsed.name();
        let pinned = parsed.is_pinned(ctx.settings.repository);
        if !pinned {
            let what = match parsed.target {
                crate::uses::Target::Docker { .. } => {
                    format!(
                        "`{}` is not pinned by an @sha256 digest",
                        quote(&parsed.raw)
                    )
                }
                _ => format!("`{}` is not pinned to a commit SHA", quote(&parsed.raw)),
            };
            report.hit(Rule::UnpinnedAction, ctx.path, line, &parsed.raw, what);
            if parsed.is_other_repository(ctx.settings.repository) {
                let mut names = secrets_in(step.get("with"));
                for extra in secrets_in(step.get("env")) {
                    if !names.contains(&extra) {
                        names.push(extra);
                    }
                }
                if !names.is_empty() {
                    let what = format!(
                        "`{}` is passed to `{}`, which is not pinned",
                        quote(&names.join("`, `")),
                        quote(&parsed.raw)
                    );
                    report.hit(Rule::SecretsToUnpinned, ctx.path, line, &parsed.raw, what);
                }
            }
        }
        let with = map_at(*step, "with", &format!("{at}.with"))?;
        if name == "actions/github-script"
            && let Some(with) = with
            && let Some((script, script_line)) =
                str_at(with, "script", &format!("{at}.with.script"))?
        {
            check_injection(ctx, &label, "script", script, script_line, report);
        }
        if name == "actions/checkout"
            && head_checkout.is_none()
            && let Some(with) = with
        {
            for key in ["ref", "repository"] {
                if let Some((value, _)) = str_at(with, key, &format!("{at}.with.{key}"))?
                    && let Some(what) = names_head(value, ctx.on)
                {
                    head_checkout = Some((line, format!("{key}: {what}")));
                    break;
                }
            }
        }
    }
    Ok(())
}

fn check_script(
    ctx: &Job<'_>,
    label: &str,
    key: &str,
    script: &str,
    line: usize,
    report: &mut Report,
) {
    check_injection(ctx, label, key, script, line, report);
    for found in shell::downloads_into_interpreter(script) {
        let what = format!(
            "step `{}` of job `{}` pipes a download into an interpreter: `{}`",
            quote(label),
            quote(ctx.id),
            quote(&stagegate_redact::redact(&found))
        );
        report.hit(Rule::CurlPipeShell, ctx.path, line, &found, what);
    }
}

fn check_injection(
    ctx: &Job<'_>,
    label: &str,
    key: &str,
    script: &str,
    line: usize,
    report: &mut Report,
) {
    for expression in expr::expressions(script) {
        let contexts = expr::tainted(expression);
        if contexts.is_empty() {
            continue;
        }
        let what = format!(
            "step `{}` of job `{}` expands `{}` (attacker-controlled) into its `{key}` with `${{{{ {} }}}}`",
            quote(label),
            quote(ctx.id),
            quote(&contexts.join("`, `")),
            quote(expression)
        );
        report.hit(Rule::ScriptInjection, ctx.path, line, expression, what);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_keep_their_spelling() {
        assert_eq!(
            secret_names("${{ secrets.Deploy_Token }} and ${{ github.token }}"),
            ["secrets.Deploy_Token", "github.token"]
        );
        assert!(secret_names("${{ vars.NAME }}").is_empty());
    }
}
