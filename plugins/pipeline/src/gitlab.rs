//! The checks on GitLab CI definitions (`.gitlab-ci.yml` and the files it includes).
//!
//! A document is GitLab CI when it has a `stages` list, an `include`, or a
//! job (a top-level mapping that is not a global keyword) with `script`,
//! `trigger`, `extends` or `run`. Hidden jobs (`.name`) are checked too: they
//! are the templates other jobs extend, and a node reached again through an
//! anchor or `<<` merge counts once. Secret values are never copied: only the
//! variable's name and its redacted fingerprint reach a message.

use crate::report::{Report, Rule, quote};
use crate::shape::{ShapeError, entry, key_text, str_at};
use crate::shell;
use crate::yaml::NodeRef;

/// Top-level keys that are global keywords, not jobs.
pub const GLOBAL_KEYWORDS: [&str; 11] = [
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

/// Keys of a job that hold shell scripts.
const SCRIPT_KEYS: [&str; 3] = ["before_script", "script", "after_script"];

/// Segments of a variable name that make it secret-looking.
const SECRET_WORDS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
];

/// Name suffixes that say the value is not the secret itself.
const REFERENCE_SUFFIXES: [&str; 7] =
    ["_FILE", "_PATH", "_URL", "_NAME", "_USER", "_ID", "_HEADER"];

/// Deepest list nesting flattened in a script (anchors put lists in lists).
const MAX_SCRIPT_NESTING: usize = 8;

/// What the GitLab checks need to know besides the document.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'s> {
    /// Hosts that belong to this GitLab instance (their subdomains too).
    pub gitlab_hosts: &'s [String],
}

/// Whether the document is a GitLab CI definition.
pub fn is_gitlab(root: NodeRef<'_>) -> bool {
    if !root.is_map() {
        return false;
    }
    if root.get("stages").is_some_and(|s| s.is_seq()) {
        return true;
    }
    if let Some(include) = root.get("include")
        && (include.as_str().is_some() || include.is_seq() || include.is_map())
    {
        return true;
    }
    jobs(root).into_iter().any(|(_, job)| {
        ["script", "trigger", "extends", "run"]
            .iter()
            .any(|k| job.get(k).is_some())
    })
}

/// The jobs of a document: top-level mappings that are not global keywords.
fn jobs<'a>(root: NodeRef<'a>) -> Vec<(NodeRef<'a>, NodeRef<'a>)> {
    root.entries()
        .filter(|(k, v)| v.is_map() && !GLOBAL_KEYWORDS.contains(&key_text(*k)))
        .collect()
}

/// Runs every check on the GitLab document `root` of the file `path`.
pub fn check_document(
    path: &str,
    root: NodeRef<'_>,
    settings: Settings<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    if let Some((_, include)) = entry(root, "include") {
        check_include(path, include, report)?;
    }
    check_job_like(path, "(global)", root, None, settings, report)?;
    if let Some((_, default)) = entry(root, "default") {
        if !default.is_map() {
            return Err(ShapeError::wrong(default, "default", "a mapping"));
        }
        check_job_like(path, "default", default, None, settings, report)?;
    }
    for (key, job) in jobs(root) {
        let id = key_text(key);
        check_job_like(path, id, job, Some(job), settings, report)?;
    }
    Ok(())
}

/// Images, variables and scripts of a job (or of the global or `default` section).
fn check_job_like(
    path: &str,
    id: &str,
    node: NodeRef<'_>,
    job: Option<NodeRef<'_>>,
    settings: Settings<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    if let Some((key, image)) = entry(node, "image") {
        check_image(path, id, key.line(), image, job, report)?;
    }
    if let Some((_, services)) = entry(node, "services") {
        if !services.is_seq() {
            return Err(ShapeError::wrong(
                services,
                &format!("{id}.services"),
                "a sequence",
            ));
        }
        for service in services.items() {
            check_image(path, id, service.line(), service, None, report)?;
        }
    }
    if let Some((_, variables)) = entry(node, "variables") {
        check_variables(path, id, variables, report)?;
    }
    for key in SCRIPT_KEYS {
        let Some((_, script)) = entry(node, key) else {
            continue;
        };
        let mut lines = Vec::new();
        flatten_script(script, &format!("{id}.{key}"), 0, &mut lines)?;
        for (line, text) in lines {
            check_shell(path, id, key, line, text, settings, report);
        }
    }
    Ok(())
}

fn flatten_script<'a>(
    node: NodeRef<'a>,
    at: &str,
    depth: usize,
    out: &mut Vec<(usize, &'a str)>,
) -> Result<(), ShapeError> {
    if let Some(text) = node.as_str() {
        out.push((node.line(), text));
        return Ok(());
    }
    if node.is_null() {
        return Ok(());
    }
    if !node.is_seq() || depth >= MAX_SCRIPT_NESTING {
        return Err(ShapeError::wrong(node, at, "a string or a list of strings"));
    }
    for item in node.items() {
        flatten_script(item, at, depth + 1, out)?;
    }
    Ok(())
}

fn check_shell(
    path: &str,
    id: &str,
    key: &str,
    line: usize,
    text: &str,
    settings: Settings<'_>,
    report: &mut Report,
) {
    for found in shell::downloads_into_interpreter(text) {
        let what = format!(
            "`{key}` of job `{}` pipes a download into an interpreter: `{}`",
            quote(id),
            quote(&stagegate_redact::redact(&found))
        );
        report.hit(Rule::CurlPipeShell, path, line, &found, what);
    }
    for variable in shell::evaluated_variables(text) {
        let what = format!(
            "`{key}` of job `{}` has the shell evaluate `${variable}` as code (`eval`, `sh -c` or an interpreter's `-c`/`-e`), and its author chooses that text",
            quote(id)
        );
        report.hit(Rule::ScriptInjection, path, line, variable, what);
    }
    for host in shell::job_token_hosts(text, settings.gitlab_hosts) {
        let what = format!(
            "`{key}` of job `{}` sends `CI_JOB_TOKEN` to `{}`, outside this GitLab",
            quote(id),
            quote(&host)
        );
        report.hit(Rule::JobTokenExfil, path, line, &host, what);
    }
}

/// The image reference of an `image:` or `services:` entry.
fn image_name<'a>(node: NodeRef<'a>, at: &str) -> Result<Option<&'a str>, ShapeError> {
    if let Some(text) = node.as_str() {
        return Ok(Some(text));
    }
    if node.is_map() {
        return Ok(str_at(node, "name", &format!("{at}.name"))?.map(|(n, _)| n));
    }
    if node.is_null() {
        return Ok(None);
    }
    Err(ShapeError::wrong(
        node,
        at,
        "an image name or a mapping with `name`",
    ))
}

/// Whether an image reference has neither a digest nor a tag other than `latest`.
pub fn is_unpinned_image(image: &str) -> bool {
    let image = image.trim();
    if image.contains("@sha256:") || is_hosted_macos_image(image) {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => tag.is_empty() || tag == "latest",
        None => true,
    }
}

/// GitLab's hosted macOS runners name VM images `macos-<version>-xcode-<version>`:
/// the version is the name, there is no registry tag.
fn is_hosted_macos_image(image: &str) -> bool {
    let parts: Vec<&str> = image.split('-').collect();
    matches!(parts.as_slice(), ["macos", os, "xcode", xcode]
        if !os.is_empty() && !xcode.is_empty()
            && os.chars().all(|c| c.is_ascii_digit() || c == '.')
            && xcode.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn check_image(
    path: &str,
    id: &str,
    line: usize,
    node: NodeRef<'_>,
    job: Option<NodeRef<'_>>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    let Some(image) = image_name(node, &format!("{id}.image"))? else {
        return Ok(());
    };
    let trimmed = image.trim();
    // `image: $image` with `parallel: matrix:` values: each value is an image.
    let variable = trimmed
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| trimmed.strip_prefix('$'))
        .filter(|v| v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if let Some(variable) = variable {
        if let Some(job) = job {
            for (value_line, value) in matrix_values(job, variable) {
                if is_unpinned_image(value) {
                    report.hit(
                        Rule::UnpinnedImage,
                        path,
                        value_line,
                        value,
                        unpinned(id, value),
                    );
                }
            }
        }
        return Ok(());
    }
    if !trimmed.contains('$') && is_unpinned_image(trimmed) {
        report.hit(
            Rule::UnpinnedImage,
            path,
            line,
            trimmed,
            unpinned(id, trimmed),
        );
    }
    Ok(())
}

fn unpinned(id: &str, image: &str) -> String {
    format!(
        "job `{}` uses the image `{}` without a version tag (or `:latest`)",
        quote(id),
        quote(image)
    )
}

/// The values of `variable` in the job's `parallel: matrix:` entries, with their lines.
fn matrix_values<'a>(job: NodeRef<'a>, variable: &str) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let Some(matrix) = job.get("parallel").and_then(|p| p.get("matrix")) else {
        return out;
    };
    for combo in matrix.items() {
        let Some((_, value)) = entry(combo, variable) else {
            continue;
        };
        if let Some(text) = value.as_str() {
            out.push((value.line(), text));
        }
        for item in value.items() {
            if let Some(text) = item.as_str() {
                out.push((item.line(), text));
            }
        }
    }
    out
}

/// Whether a variable name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if REFERENCE_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    let words: Vec<&str> = upper.split(['_', '-', '.']).collect();
    words.iter().any(|w| SECRET_WORDS.contains(w))
        || upper.contains("API_KEY")
        || upper.contains("ACCESS_KEY")
        || upper.contains("SECRET_KEY")
        || upper.contains("PRIVATE_KEY")
}

fn check_variables(
    path: &str,
    id: &str,
    variables: NodeRef<'_>,
    report: &mut Report,
) -> Result<(), ShapeError> {
    if !variables.is_map() {
        return Err(ShapeError::wrong(
            variables,
            &format!("{id}.variables"),
            "a mapping",
        ));
    }
    for (key, value) in variables.entries() {
        let name = key_text(key);
        let literal = if value.is_map() {
            value.get("value").and_then(|v| v.as_str())
        } else {
            value.as_str()
        };
        let Some(literal) = literal.map(str::trim) else {
            continue;
        };
        let known_format = stagegate_redact::contains_secret(literal);
        let secret_looking = is_secret_name(name)
            && !literal.is_empty()
            && !literal.contains('$')
            && !matches!(
                literal.to_ascii_lowercase().as_str(),
                "true" | "false" | "null" | "none"
            );
        if !known_format && !secret_looking {
            continue;
        }
        let what = format!(
            "variable `{}` of `{}` holds a literal {} (fingerprint `{}`)",
            quote(name),
            quote(id),
            if known_format {
                "credential of a known format"
            } else {
                "secret-looking value"
            },
            stagegate_redact::value::fingerprint(literal)
        );
        report.hit(Rule::SecretVariable, path, key.line(), name, what);
    }
    Ok(())
}

fn check_include(path: &str, include: NodeRef<'_>, report: &mut Report) -> Result<(), ShapeError> {
    let items: Vec<NodeRef<'_>> = if include.is_seq() {
        include.items().collect()
    } else {
        vec![include]
    };
    for item in items {
        let (remote, line, integrity) = if let Some(text) = item.as_str() {
            let remote = text.trim_start().starts_with("http://")
                || text.trim_start().starts_with("https://");
            (remote.then_some(text), item.line(), false)
        } else if item.is_map() {
            let remote = str_at(item, "remote", "include.remote")?;
            let integrity = entry(item, "integrity").is_some();
            (
                remote.map(|(r, _)| r),
                remote.map_or(item.line(), |(_, l)| l),
                integrity,
            )
        } else {
            return Err(ShapeError::wrong(
                item,
                "include",
                "a path, a URL or a mapping",
            ));
        };
        if let Some(url) = remote
            && !integrity
        {
            let what = format!(
                "the remote include `{}` has no `integrity:` hash, so whoever serves it controls this pipeline",
                quote(&stagegate_redact::redact(url))
            );
            report.hit(Rule::UnpinnedInclude, path, line, url, what);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pinning() {
        for unpinned in [
            "alpine",
            "alpine:latest",
            "registry.local:5000/team/app",
            "docker:latest",
        ] {
            assert!(is_unpinned_image(unpinned), "{unpinned}");
        }
        for pinned in [
            "alpine:3.20",
            "registry.local:5000/team/app:1.2",
            "python@sha256:0123",
            "ubuntu:rolling",
            "macos-15-xcode-16",
        ] {
            assert!(!is_unpinned_image(pinned), "{pinned}");
        }
    }

    #[test]
    fn secret_names() {
        for secret in [
            "DEPLOY_TOKEN",
            "POSTGRES_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "api_key",
            "NPM-TOKEN",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
        for plain in [
            "TOKEN_FILE",
            "GIT_DEPTH",
            "POSTGRES_USER",
            "SECRET_PATH",
            "TOKENIZER",
            "AUTHOR",
        ] {
            assert!(!is_secret_name(plain), "{plain}");
        }
    }
}
