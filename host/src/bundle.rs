//! Stage 1: the bundle. Lists the artifacts of a bundle directory, caps their
//! number and sizes, digests each one and sniffs its kind by content.
//!
//! Every byte here is untrusted. Symlinks and special files are never followed
//! (they are listed as skipped), paths must be UTF-8 and stay inside the
//! bundle, and nothing is read twice: one streaming pass per file yields both
//! its SHA-256 and its [`Sniff`]. File names never decide a kind on their own,
//! except where a plugin asks for a glob or the bundle manifest declares one.

pub mod sniff;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::BundleLimits;
use crate::plugin::{KindSpec, Matcher};
pub use sniff::Sniff;

/// The optional manifest at the bundle root that declares kinds explicitly.
pub const MANIFEST: &str = "stagegate-bundle.toml";
/// Deepest directory nesting walked.
const MAX_DEPTH: usize = 64;

/// Why a bundle cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The bundle directory is missing or unreadable.
    #[error("bundle `{path}` cannot be read: {source}")]
    Unreadable {
        /// The path that failed.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The bundle is not a directory.
    #[error("bundle `{0}` is not a directory")]
    NotADirectory(PathBuf),
    /// A cap was exceeded.
    #[error("bundle `{bundle}`: {message}")]
    Limit {
        /// The bundle root.
        bundle: PathBuf,
        /// Which cap and by what.
        message: String,
    },
    /// The manifest is invalid.
    #[error("bundle manifest `{path}` is invalid: {message}")]
    Manifest {
        /// The manifest path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A path is not UTF-8.
    #[error("bundle `{bundle}` holds a path that is not UTF-8: `{path}`")]
    NonUtf8Path {
        /// The bundle root.
        bundle: PathBuf,
        /// The path, lossily decoded.
        path: String,
    },
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Bundle-relative path with `/` separators.
    pub path: String,
    /// Size in bytes, as read.
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// What its content looks like.
    pub sniff: Sniff,
    /// The kind the manifest declares for it, if any.
    pub declared_kind: Option<String>,
}

/// A file that is not an artifact, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Bundle-relative path.
    pub path: String,
    /// Why it was skipped.
    pub reason: String,
}

/// A listed, digested, sniffed bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundle directory.
    pub root: PathBuf,
    /// Its artifacts, sorted by path.
    pub artifacts: Vec<Artifact>,
    /// Entries that are not artifacts (symlinks, special files).
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    #[serde(default)]
    artifact: Vec<RawDeclared>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeclared {
    path: String,
    kind: String,
}

impl Bundle {
    /// Lists, digests and sniffs the bundle at `root`.
    pub fn open(root: &Path, limits: &BundleLimits) -> Result<Bundle, BundleError> {
        let meta = std::fs::metadata(root).map_err(|source| BundleError::Unreadable {
            path: root.to_owned(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(BundleError::NotADirectory(root.to_owned()));
        }
        let mut files = Vec::new();
        let mut skipped = Vec::new();
        walk(root, root, 0, limits, &mut files, &mut skipped)?;
        files.sort();

        let declared = read_manifest(root, &files)?;
        files.retain(|(rel, _)| rel != MANIFEST);

        let total: u64 = files.iter().map(|(_, size)| *size).sum();
        if total > limits.max_total_bytes {
            return Err(BundleError::Limit {
                bundle: root.to_owned(),
                message: format!(
                    "artifacts total {total} bytes, more than the {} byte limit",
                    limits.max_total_bytes
                ),
            });
        }

        let artifacts = digest_all(root, &files, limits, &declared)?;
        Ok(Bundle {
            root: root.to_owned(),
            artifacts,
            skipped,
        })
    }

    /// The artifacts a plugin reading `kinds` receives, each with the name of
    /// the kind it matched. A declared kind overrides sniffing.
    pub fn select<'a>(&'a self, kinds: &'a [KindSpec]) -> Vec<(&'a Artifact, &'a str)> {
        self.artifacts
            .iter()
            .filter_map(|artifact| {
                let kind = match &artifact.declared_kind {
                    Some(declared) => kinds.iter().find(|k| &k.name == declared),
                    None => kinds.iter().find(|k| kind_matches(k, artifact)),
                }?;
                Some((artifact, kind.name.as_str()))
            })
            .collect()
    }
}

/// Whether any of `kind`'s matchers matches `artifact`.
pub fn kind_matches(kind: &KindSpec, artifact: &Artifact) -> bool {
    let sniff = &artifact.sniff;
    kind.matchers.iter().any(|m| match m {
        Matcher::XmlRoot(root) => sniff.xml_root.as_deref() == Some(root.as_str()),
        Matcher::JsonKeys(keys) => {
            !keys.is_empty() && keys.iter().all(|k| sniff.json_keys.contains(k))
        }
        Matcher::YamlKeys(keys) => {
            !keys.is_empty()
                && sniff
                    .yaml_documents
                    .iter()
                    .any(|doc| keys.iter().all(|k| doc.contains(k)))
        }
        Matcher::Glob { matcher, .. } => matcher.is_match(&artifact.path),
        Matcher::TextPrefix(prefix) => {
            !prefix.is_empty() && sniff.prefix.starts_with(prefix.as_bytes())
        }
        Matcher::AnyText => sniff.is_text,
    })
}

fn walk(
    root: &Path,
    dir: &Path,
    depth: usize,
    limits: &BundleLimits,
    files: &mut Vec<(String, u64)>,
    skipped: &mut Vec<Skipped>,
) -> Result<(), BundleError> {
    let unreadable = |source| BundleError::Unreadable {
        path: dir.to_owned(),
        source,
    };
    if depth > MAX_DEPTH {
        return Err(BundleError::Limit {
            bundle: root.to_owned(),
            message: format!(
                "directories nest deeper than {MAX_DEPTH} levels at `{}`",
                dir.display()
            ),
        });
    }
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        let rel = relative(root, &path)?;
        // symlink_metadata: a symlink is reported as a symlink, never followed.
        let meta = std::fs::symlink_metadata(&path).map_err(|source| BundleError::Unreadable {
            path: path.clone(),
            source,
        })?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            skipped.push(Skipped {
                path: rel,
                reason: "symbolic link (never followed)".into(),
            });
        } else if kind.is_dir() {
            walk(root, &path, depth + 1, limits, files, skipped)?;
        } else if kind.is_file() {
            if meta.len() > limits.max_artifact_bytes {
                return Err(BundleError::Limit {
                    bundle: root.to_owned(),
                    message: format!(
                        "artifact `{rel}` is {} bytes, more than the {} byte limit",
                        meta.len(),
                        limits.max_artifact_bytes
                    ),
                });
            }
            files.push((rel, meta.len()));
            if files.len() > limits.max_files {
                return Err(BundleError::Limit {
                    bundle: root.to_owned(),
                    message: format!("more than {} files", limits.max_files),
                });
            }
        } else {
            skipped.push(Skipped {
                path: rel,
                reason: "not a regular file".into(),
            });
        }
    }
    Ok(())
}

fn relative(root: &Path, path: &Path) -> Result<String, BundleError> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(part) => match part.to_str() {
                Some(part) => parts.push(part),
                None => {
                    return Err(BundleError::NonUtf8Path {
                        bundle: root.to_owned(),
                        path: rel.to_string_lossy().into_owned(),
                    });
                }
            },
            _ => {
                return Err(BundleError::NonUtf8Path {
                    bundle: root.to_owned(),
                    path: rel.to_string_lossy().into_owned(),
                });
            }
        }
    }
    Ok(parts.join("/"))
}

fn read_manifest(
    root: &Path,
    files: &[(String, u64)],
) -> Result<BTreeMap<String, String>, BundleError> {
    let path = root.join(MANIFEST);
    if !files.iter().any(|(rel, _)| rel == MANIFEST) {
        return Ok(BTreeMap::new());
    }
    let invalid = |message: String| BundleError::Manifest {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| invalid(e.to_string()))?;
    let raw: RawManifest =
        toml::from_str(&text).map_err(|e| invalid(e.to_string().trim_end().to_owned()))?;
    let mut declared = BTreeMap::new();
    for entry in raw.artifact {
        let normalised = entry.path.trim_start_matches("./").to_owned();
        if !files.iter().any(|(rel, _)| *rel == normalised) || normalised == MANIFEST {
            return Err(invalid(format!(
                "`{}` is not a regular file of the bundle",
                entry.path
            )));
        }
        if entry.kind.is_empty() {
            return Err(invalid(format!("`{}` has an empty kind", entry.path)));
        }
        if declared.insert(normalised, entry.kind).is_some() {
            return Err(invalid(format!("`{}` is declared twice", entry.path)));
        }
    }
    Ok(declared)
}

fn digest_all(
    root: &Path,
    files: &[(String, u64)],
    limits: &BundleLimits,
    declared: &BTreeMap<String, String>,
) -> Result<Vec<Artifact>, BundleError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let chunk = files.len().div_ceil(workers).max(1);
    let results: Vec<Result<Vec<Artifact>, BundleError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(rel, _)| digest_one(root, rel, limits, declared))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(BundleError::Limit {
                        bundle: root.to_owned(),
                        message: "a digest worker failed".into(),
                    })
                })
            })
            .collect()
    });
    let mut artifacts = Vec::with_capacity(files.len());
    for part in results {
        artifacts.extend(part?);
    }
    Ok(artifacts)
}

fn digest_one(
    root: &Path,
    rel: &str,
    limits: &BundleLimits,
    declared: &BTreeMap<String, String>,
) -> Result<Artifact, BundleError> {
    let path = root.join(rel);
    let unreadable = |source| BundleError::Unreadable {
        path: path.clone(),
        source,
    };
    let mut file = File::open(&path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut sniffer = sniff::Sniffer::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size: u64 = 0;
    loop {
        let n = file.read(&mut buf).map_err(unreadable)?;
        let Some(chunk) = buf.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        size += n as u64;
        if size > limits.max_artifact_bytes {
            return Err(BundleError::Limit {
                bundle: root.to_owned(),
                message: format!(
                    "artifact `{rel}` grew past the {} byte limit while being read",
                    limits.max_artifact_bytes
                ),
            });
        }
        hasher.update(chunk);
        sniffer.update(chunk);
    }
    Ok(Artifact {
        path: rel.to_owned(),
        size,
        sha256: hex(&hasher.finalize()),
        sniff: sniffer.finish(),
        declared_kind: declared.get(rel).cloned(),
    })
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, matchers: Vec<Matcher>) -> KindSpec {
        KindSpec {
            name: name.into(),
            matchers,
        }
    }

    #[test]
    fn lists_digests_and_sniffs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("reports")).unwrap();
        std::fs::write(dir.path().join("reports/results.xml"), "<testsuites/>").unwrap();
        std::fs::write(
            dir.path().join("a.json"),
            r#"{"runs": [], "version": "2.1.0"}"#,
        )
        .unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link")).unwrap();
        let bundle = Bundle::open(dir.path(), &BundleLimits::default()).unwrap();
        let paths: Vec<_> = bundle.artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["a.json", "reports/results.xml"]);
        assert_eq!(
            bundle.artifacts[1].sha256,
            hex(&Sha256::digest(b"<testsuites/>"))
        );
        #[cfg(unix)]
        assert_eq!(bundle.skipped[0].path, "link");

        let junit = kind("junit-xml", vec![Matcher::XmlRoot("testsuites".into())]);
        let sarif = kind(
            "sarif",
            vec![Matcher::JsonKeys(vec!["version".into(), "runs".into()])],
        );
        let kinds = [junit, sarif];
        let selected: Vec<_> = bundle
            .select(&kinds)
            .into_iter()
            .map(|(a, k)| (a.path.as_str(), k))
            .collect();
        assert_eq!(
            selected,
            [("a.json", "sarif"), ("reports/results.xml", "junit-xml")]
        );
    }

    #[test]
    fn manifest_declares_kinds_and_is_not_an_artifact() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("out.txt"), "whatever").unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            "[[artifact]]\npath = \"out.txt\"\nkind = \"junit-xml\"\n",
        )
        .unwrap();
        let bundle = Bundle::open(dir.path(), &BundleLimits::default()).unwrap();
        assert_eq!(bundle.artifacts.len(), 1);
        let kinds = [kind(
            "junit-xml",
            vec![Matcher::XmlRoot("testsuites".into())],
        )];
        assert_eq!(bundle.select(&kinds).len(), 1);

        std::fs::write(
            dir.path().join(MANIFEST),
            "[[artifact]]\npath = \"../etc/passwd\"\nkind = \"junit-xml\"\n",
        )
        .unwrap();
        let err = Bundle::open(dir.path(), &BundleLimits::default()).unwrap_err();
        assert!(
            err.to_string().contains("not a regular file of the bundle"),
            "{err}"
        );
    }

    #[test]
    fn caps_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big"), vec![b'x'; 2048]).unwrap();
        let limits = BundleLimits {
            max_artifact_bytes: 1024,
            max_total_bytes: 1024,
            ..BundleLimits::default()
        };
        let err = Bundle::open(dir.path(), &limits).unwrap_err().to_string();
        assert!(err.contains("`big` is 2048 bytes"), "{err}");
        std::fs::write(dir.path().join("big"), vec![b'x'; 600]).unwrap();
        std::fs::write(dir.path().join("big2"), vec![b'x'; 600]).unwrap();
        let err = Bundle::open(dir.path(), &limits).unwrap_err().to_string();
        assert!(
            err.contains("artifacts total 1200 bytes, more than the 1024 byte limit"),
            "{err}"
        );
        let few = BundleLimits {
            max_files: 1,
            ..BundleLimits::default()
        };
        let err = Bundle::open(dir.path(), &few).unwrap_err().to_string();
        assert!(err.contains("more than 1 files"), "{err}");
        let err = Bundle::open(&dir.path().join("nope"), &limits)
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }
}
