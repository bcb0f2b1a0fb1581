//! Reads one pipeline file (a YAML stream) into the [`Report`].
//!
//! This is the pure entry point: bytes in, counts and findings out, no SDK
//! calls, so it is tested natively on real workflows. Documents are read one
//! at a time through the shared bounded reader (alias bombs, deep nesting and
//! oversized files are refused there) and each is classified: a GitHub
//! workflow (`on` and `jobs`), a GitHub action definition (`runs.using`), a
//! GitLab CI definition, or none of them (noted and skipped: the host routes
//! YAML by top-level keys, and `stages:` or `include:` also occur elsewhere).
//! Every error names the file, the document and the line; an error means the
//! gate cannot judge the file, so nothing partial is trusted by the caller.

use crate::report::Report;
use crate::shape::ShapeError;
use crate::yaml::{self, Limits, YamlError};
use crate::{github, gitlab};
use std::io::BufRead;

/// Why a pipeline file could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PipelineError {
    /// Not readable as YAML, or over a cap.
    #[error("`{path}` {source}")]
    Yaml {
        /// Bundle-relative path.
        path: String,
        /// What went wrong.
        source: YamlError,
    },
    /// A field has a shape GitHub or GitLab would refuse.
    #[error("`{path}` document {document} line {line}: {message}")]
    Shape {
        /// Bundle-relative path.
        path: String,
        /// 1-based document number.
        document: usize,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What the checks need to know besides the file.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'s> {
    /// This repository, `owner/name`, if configured.
    pub repository: Option<&'s str>,
    /// Hosts of this GitLab instance.
    pub gitlab_hosts: &'s [String],
}

/// What kinds of document a file held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds {
    /// GitHub workflows.
    pub workflows: usize,
    /// GitHub action definitions.
    pub actions: usize,
    /// GitLab CI documents.
    pub gitlab: usize,
}

impl Kinds {
    /// Whether the file held anything the plugin judged.
    pub fn any(&self) -> bool {
        self.workflows + self.actions + self.gitlab > 0
    }
}

enum Failure {
    Yaml(YamlError),
    Shape(usize, ShapeError),
}

impl From<YamlError> for Failure {
    fn from(e: YamlError) -> Self {
        Failure::Yaml(e)
    }
}

/// Reads every document of the file `reader` (bundle path `path`) into `report`.
///
/// ```
/// use stagegate_plugin_pipeline::{parse::{read_pipeline, Settings}, report::{Report, Rule}, yaml::Limits};
/// let workflow = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";
/// let mut report = Report::new(100);
/// let settings = Settings { repository: None, gitlab_hosts: &[] };
/// read_pipeline(workflow.as_bytes(), ".github/workflows/ci.yml", &Limits::default(), settings, &mut report).unwrap();
/// assert_eq!(report.count(Rule::UnpinnedAction), 1);
/// ```
pub fn read_pipeline<R: BufRead>(
    reader: R,
    path: &str,
    limits: &Limits,
    settings: Settings<'_>,
    report: &mut Report,
) -> Result<Kinds, PipelineError> {
    let mut kinds = Kinds::default();
    let github_settings = github::Settings {
        repository: settings.repository,
    };
    let gitlab_settings = gitlab::Settings {
        gitlab_hosts: settings.gitlab_hosts,
    };
    let result = yaml::for_each_document(reader, limits, |doc| {
        let number = doc.number();
        let root = doc.root();
        let fail = |e: ShapeError| Failure::Shape(number, e);
        if github::is_workflow(root) {
            kinds.workflows += 1;
            github::check_workflow(path, root, github_settings, report).map_err(fail)?;
        } else if github::is_action(root) {
            kinds.actions += 1;
            github::check_action(path, root, github_settings, report).map_err(fail)?;
        } else if gitlab::is_gitlab(root) {
            kinds.gitlab += 1;
            gitlab::check_document(path, root, gitlab_settings, report).map_err(fail)?;
        } else if !root.is_null() {
            report.note(format!(
                "`{path}` document {number}: not a GitHub workflow, action or GitLab CI definition; skipped"
            ));
        }
        Ok::<(), Failure>(())
    });
    result.map_err(|failure| match failure {
        Failure::Yaml(source) => PipelineError::Yaml {
            path: path.to_owned(),
            source,
        },
        Failure::Shape(document, e) => PipelineError::Shape {
            path: path.to_owned(),
            document,
            line: e.line,
            message: e.message,
        },
    })?;
    Ok(kinds)
}
