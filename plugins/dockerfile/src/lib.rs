//! The `dockerfile` plugin: security posture of container builds (Dockerfiles
//! and Containerfiles).
//!
//! This file is the thin glue between the host and the pure modules: it
//! declares the artifact kind and the facts, reads each artifact through the
//! sandbox, runs [`source::read_text`], [`parse::parse`] and [`rules::judge`]
//! and turns the [`report::Report`] into facts and findings. Nothing here
//! looks inside a Dockerfile.
//!
//! # How Dockerfiles are recognised
//!
//! A Dockerfile has no root element or key to sniff, so the kind combines
//! names and content: the globs in [`GLOBS`] (`Dockerfile`, `Dockerfile.*`,
//! `*.Dockerfile`, `*.dockerfile`, `Containerfile`, …, in any folder) and
//! the text prefixes in [`PREFIXES`] (a file that starts with a `FROM` or
//! `ARG` instruction or with a `syntax`/`escape`/`check` parser directive).
//! A Dockerfile under another name that starts with a comment is found only
//! when the bundle declares it (`stagegate-bundle.toml`). A matched file in
//! which no instruction Docker knows is found (a `Dockerfile.md`, a
//! `Dockerfile.dockerignore`) is not a Dockerfile: it is logged and does not
//! count in `inputs`.

pub mod commands;
pub mod image;
pub mod instruction;
pub mod parse;
pub mod report;
pub mod rules;
pub mod secret;
pub mod shell;
pub mod source;
pub mod vars;

use report::{Level, Report, Rule};
use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};

/// The plugin.
pub struct Dockerfile;

/// The plugin's configuration (a JSON object; `{}` for defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Most findings returned; the rest are counted in `findings_dropped`.
    pub max_findings: usize,
    /// Largest Dockerfile read, in MiB; a larger one is an error.
    pub max_file_mib: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_findings: 1000,
            max_file_mib: 4,
        }
    }
}

impl Settings {
    /// Parses the configuration text the host passes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(
                "plugin `dockerfile` has a bad configuration: it must be a JSON object".into(),
            );
        }
        let settings: Settings = serde_json::from_str(text)
            .map_err(|e| format!("plugin `dockerfile` has a bad configuration: {e}"))?;
        if settings.max_file_mib == 0 || settings.max_file_mib > 64 {
            return Err(
                "plugin `dockerfile` has a bad configuration: `max_file_mib` must be 1 to 64"
                    .into(),
            );
        }
        Ok(settings)
    }
}

/// The file names the plugin reads (bundle-relative globs; case as Docker writes them).
pub const GLOBS: [&str; 10] = [
    "**/Dockerfile",
    "**/dockerfile",
    "**/Dockerfile.*",
    "**/*.Dockerfile",
    "**/*.dockerfile",
    "**/Containerfile",
    "**/containerfile",
    "**/Containerfile.*",
    "**/*.Containerfile",
    "**/*.containerfile",
];

/// The beginnings of a file that make it a Dockerfile whatever its name: a
/// first `FROM` or `ARG` instruction, or a parser directive.
pub const PREFIXES: [&str; 8] = [
    "FROM ",
    "ARG ",
    "# syntax=",
    "#syntax=",
    "# escape=",
    "#escape=",
    "# check=",
    "#check=",
];

const FACTS: [(&str, &str); 14] = [
    (
        "inputs",
        "Dockerfiles read that hold at least one instruction Docker knows",
    ),
    (
        "files",
        "files given to the plugin (Dockerfiles, and matched files that turned out not to be)",
    ),
    (
        "stages",
        "build stages (FROM instructions) over all Dockerfiles",
    ),
    (
        "unpinned_bases",
        "FROM bases not pinned by an @sha256 digest (scratch and earlier stages excepted; a base set by a variable without a known value counts)",
    ),
    (
        "latest_bases",
        "FROM bases tagged :latest, or with neither tag nor digest",
    ),
    (
        "runs_as_root",
        "Dockerfiles whose final stage runs as root: no USER in it or the stages it is built on, or a last USER root / 0 / 0:0",
    ),
    (
        "remote_adds",
        "ADD instructions fetching a remote URL (http, https or git) without --checksum",
    ),
    (
        "curl_pipe_shell",
        "downloads (curl, wget, Invoke-WebRequest, ...) run by a shell or interpreter in RUN, here-documents included: curl ... | sh, sh -c \"$(curl ...)\", bash <(wget ...)",
    ),
    (
        "secret_env",
        "ENV and ARG values that are secret-looking literals (a PASSWORD, SECRET, TOKEN, API_KEY, ... name, or a credential the shared redactor recognises)",
    ),
    (
        "world_writable",
        "chmod, mkdir -m, install -m and COPY/ADD --chmod giving others write access (777, 1777, a+rwx, o+w, ...)",
    ),
    (
        "package_hygiene",
        "package installs without --no-install-recommends or cleanup in the same RUN (apt lists, apk --no-cache, dnf/yum clean all)",
    ),
    (
        "malformed",
        "Dockerfiles with something docker build refuses (unknown instruction, unterminated here-document, bad escape directive, no FROM)",
    ),
    (
        "findings_dropped",
        "findings not returned because of the max_findings cap",
    ),
    (
        "base_images",
        "distinct external base images (at most 100 entries of at most 200 characters)",
    ),
];

fn severity(level: Level) -> Severity {
    match level {
        Level::Info => Severity::Info,
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
    }
}

impl Plugin for Dockerfile {
    fn describe() -> Metadata {
        let facts = FACTS
            .iter()
            .map(|(name, doc)| match *name {
                "base_images" => FactSpec::text_set(name, doc),
                _ => FactSpec::long(name, doc),
            })
            .collect();
        let matchers = GLOBS
            .iter()
            .map(|g| Matcher::Glob((*g).into()))
            .chain(PREFIXES.iter().map(|p| Matcher::TextPrefix((*p).into())))
            .collect();
        Metadata {
            name: "dockerfile".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "security posture of container builds: Dockerfiles and Containerfiles (multi-stage, BuildKit here-documents, escape directive)".into(),
            reads: vec![ArtifactKind {
                name: "dockerfile".into(),
                matchers,
            }],
            facts,
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let files = artifacts.iter().map(|a| (a.path.clone(), a.text_reader()));
        evaluate_files(files, &config, &mut |line| stagegate_sdk::log::info(line))
    }
}

/// What the plugin's `evaluate` does, without the host: reads every Dockerfile, given as its
/// path and a reader (UTF-8; the host's reader transcodes UTF-16 and UTF-32 first), and
/// reports the facts; `log` receives a line for each file that is not a Dockerfile. A file
/// that cannot be read within the limits (too large, binary, a line past 1 MiB, more than
/// 10,000 instructions) is an error naming it: the gate cannot decide.
pub fn evaluate_files<R: std::io::Read>(
    files: impl IntoIterator<Item = (String, std::io::Result<R>)>,
    config: &str,
    log: &mut dyn FnMut(&str),
) -> Result<Evaluation, String> {
    let settings = Settings::parse(config)?;
    let max_bytes = settings.max_file_mib * 1024 * 1024;
    let mut report = Report::new(settings.max_findings);
    let mut inputs = 0usize;
    let mut count = 0usize;
    for (path, reader) in files {
        count += 1;
        let reader = reader.map_err(|e| format!("cannot open `{path}`: {e}"))?;
        let text = source::read_text(reader, &path, max_bytes).map_err(|e| e.to_string())?;
        let file = parse::parse(&text, &path).map_err(|e| e.to_string())?;
        if file.known_instructions() == 0 {
            log(&format!(
                "`{path}` holds no Dockerfile instruction; not read as a Dockerfile"
            ));
            continue;
        }
        inputs += 1;
        rules::judge(&file, &path, &mut report);
    }
    Ok(to_evaluation(inputs, count, report))
}

/// Turns a report into the declared facts (every one, always) and findings.
pub fn to_evaluation(inputs: usize, files: usize, report: Report) -> Evaluation {
    let mut facts = Facts::new()
        .long("inputs", inputs)
        .long("files", files)
        .long("stages", report.stages);
    for rule in Rule::COUNTED {
        if let Some(fact) = rule.fact() {
            facts = facts.long(fact, report.count(rule));
        }
    }
    facts = facts
        .long("malformed", report.malformed)
        .long("findings_dropped", report.hits_dropped)
        .text_set("base_images", report.images);
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
            "dockerfile/findings-capped",
            Severity::Info,
            format!(
                "{} more findings were not listed (max_findings cap)",
                report.hits_dropped
            ),
        ));
    }
    facts.with_findings(findings)
}

stagegate_sdk::export!(Dockerfile);

#[cfg(test)]
mod tests {
    use super::*;
    use stagegate_sdk::FactValue;

    #[test]
    fn settings_defaults_and_errors() {
        assert_eq!(Settings::parse("{}").unwrap(), Settings::default());
        assert_eq!(Settings::parse(" ").unwrap(), Settings::default());
        assert_eq!(
            Settings::parse("{\"max_file_mib\": 2}")
                .unwrap()
                .max_file_mib,
            2
        );
        let err = Settings::parse("{\"max_finding\": 5}").unwrap_err();
        assert!(err.contains("unknown field `max_finding`"), "{err}");
        assert!(Settings::parse("{\"max_file_mib\": 0}").is_err());
        assert!(Settings::parse("{\"max_file_mib\": 65}").is_err());
        assert!(Settings::parse("[]").is_err());
    }

    #[test]
    fn every_declared_fact_is_returned_even_with_no_input() {
        let declared: Vec<String> = Dockerfile::describe()
            .facts
            .into_iter()
            .map(|f| f.name)
            .collect();
        let evaluation = to_evaluation(0, 0, Report::new(10));
        let returned: Vec<String> = evaluation.facts.iter().map(|f| f.name.clone()).collect();
        assert_eq!(declared, returned);
        for fact in &evaluation.facts {
            match &fact.value {
                FactValue::Long(v) => assert_eq!(*v, 0, "{}", fact.name),
                FactValue::TextSet(v) => assert!(v.is_empty()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn matchers_are_names_and_first_lines() {
        let metadata = Dockerfile::describe();
        let matchers = &metadata.reads[0].matchers;
        assert_eq!(matchers.len(), GLOBS.len() + PREFIXES.len());
        assert!(matchers.iter().all(|m| match m {
            Matcher::Glob(g) => g.starts_with("**/"),
            Matcher::TextPrefix(p) => !p.is_empty() && p.len() <= 256,
            _ => false,
        }));
    }

    #[test]
    fn files_without_instructions_are_not_inputs_and_errors_name_the_file() {
        let files: Vec<(String, std::io::Result<&[u8]>)> = vec![
            (
                "Dockerfile".into(),
                Ok(&b"FROM alpine:3.20\nUSER app\n"[..]),
            ),
            (
                "Dockerfile.dockerignore".into(),
                Ok(&b"node_modules\n*.log\n"[..]),
            ),
            (
                "docs/Dockerfile.md".into(),
                Ok(&b"# How we build\n\nSee below.\n"[..]),
            ),
        ];
        let mut logged = Vec::new();
        let evaluation = evaluate_files(files, "{}", &mut |l| logged.push(l.to_owned())).unwrap();
        let long = |name| stagegate_sdk::EvaluationExt::long(&evaluation, name).unwrap();
        assert_eq!(
            (long("inputs"), long("files"), long("malformed")),
            (1, 3, 0)
        );
        assert_eq!(logged.len(), 2, "{logged:?}");
        let files: Vec<(String, std::io::Result<&[u8]>)> =
            vec![("img/Dockerfile".into(), Ok(&b"FROM a\0"[..]))];
        let err = evaluate_files(files, "{}", &mut |_| {}).unwrap_err();
        assert!(err.contains("`img/Dockerfile` is not a text file"), "{err}");
    }
}
