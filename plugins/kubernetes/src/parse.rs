//! Reads one manifest file (YAML stream or JSON) into the [`Report`].
//!
//! This is the pure entry point: bytes in, counts and findings out, no SDK
//! calls, so it is tested natively on real manifests. Documents are read and
//! checked one at a time. Every error names the file, the document and the
//! line; an error means the gate cannot judge the file, so nothing partial is
//! trusted by the caller.

use crate::manifest::{self, ShapeError};
use crate::report::Report;
use crate::rules;
use crate::yaml::{self, Limits, YamlError};
use std::io::BufRead;

/// Why a manifest could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not readable as YAML or JSON, or over a cap.
    #[error("`{path}` {source}")]
    Yaml {
        /// Bundle-relative path.
        path: String,
        /// What went wrong.
        source: YamlError,
    },
    /// A field has the wrong type.
    #[error("`{path}` document {document} line {line}: {message}{hint}")]
    Shape {
        /// Bundle-relative path.
        path: String,
        /// 1-based document number.
        document: usize,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
        /// Extra advice (unrendered templates).
        hint: &'static str,
    },
}

enum Failure {
    Yaml(YamlError),
    Shape(usize, ShapeError, bool),
}

impl From<YamlError> for Failure {
    fn from(e: YamlError) -> Self {
        Failure::Yaml(e)
    }
}

/// Reads every document of the manifest `reader` (bundle path `path`) into `report`.
///
/// ```
/// use stagegate_plugin_kubernetes::{parse::read_manifests, report::{Report, Rule}, yaml::Limits};
/// let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx}\n";
/// let mut report = Report::new(100);
/// read_manifests(pod.as_bytes(), "pod.yaml", &Limits::default(), &mut report).unwrap();
/// assert_eq!(report.count(Rule::LatestImage), 1);
/// ```
pub fn read_manifests<R: BufRead>(
    reader: R,
    path: &str,
    limits: &Limits,
    report: &mut Report,
) -> Result<(), ManifestError> {
    let result = yaml::for_each_document(reader, limits, |doc| {
        let number = doc.number();
        let template = doc.saw_template();
        let fail = |e: ShapeError| Failure::Shape(number, e, template);
        let found = manifest::objects(doc.root()).map_err(fail)?;
        for skipped in found.skipped {
            report.note(format!("`{path}` document {number}: skipped {skipped}"));
        }
        for object in &found.objects {
            report.objects += 1;
            let Some(spec_path) = manifest::pod_spec_path(object.kind) else {
                continue;
            };
            match manifest::pod_spec(object, spec_path).map_err(fail)? {
                Some(pod) => rules::check_pod(path, object, pod, report).map_err(fail)?,
                None => report.note(format!(
                    "`{path}` document {number}: `{}` has no pod spec (a patch?); not checked",
                    object.id
                )),
            }
        }
        Ok::<(), Failure>(())
    });
    result.map_err(|failure| match failure {
        Failure::Yaml(source) => ManifestError::Yaml {
            path: path.to_owned(),
            source,
        },
        Failure::Shape(document, e, template) => ManifestError::Shape {
            path: path.to_owned(),
            document,
            line: e.line,
            message: e.message,
            hint: if template {
                " (the file contains `{{`: render templates, e.g. with `helm template`, before the gate)"
            } else {
                ""
            },
        },
    })
}

#[cfg(test)]
mod tests;
