//! Stage 1: the bundle. Lists the artifacts of a bundle directory, caps their
//! number and sizes, and in one streaming pass per file digests it, sniffs its
//! kind by content and copies it into a private snapshot: the only directory
//! plugins ever see.
//!
//! Every byte here is untrusted, and so is the directory itself. Symlinks and
//! special files (FIFOs, sockets, devices) are never followed or opened: they
//! are listed as skipped and are absent from the snapshot, so nothing a plugin
//! opens can block or lead outside. A file is opened without following links
//! and without blocking, and must still be the regular file that was listed
//! (same device and inode), so swapping an entry between listing and reading
//! is an error, not a way in. The digest in the report is of exactly the
//! bytes copied into the snapshot, which are the bytes plugins read. File
//! names never decide a kind on their own, except where a plugin asks for a
//! glob or the bundle manifest declares one.

pub mod sniff;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::BundleLimits;
pub use crate::kinds::hex;
use crate::kinds::{KindSpec, Matcher, Vocabulary};
use crate::progress::Progress;
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
    /// An entry changed between being listed and being read.
    #[error(
        "bundle `{bundle}`: `{path}` changed while it was read ({what}); refusing to judge a moving bundle"
    )]
    Changed {
        /// The bundle root.
        bundle: PathBuf,
        /// Bundle-relative path.
        path: String,
        /// What changed.
        what: String,
    },
    /// The private snapshot could not be written.
    #[error("cannot write the bundle snapshot for `{path}`: {source}")]
    Snapshot {
        /// Bundle-relative path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
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

/// A listed, digested, sniffed bundle and its private snapshot.
#[derive(Debug)]
pub struct Bundle {
    /// The bundle directory as given.
    pub root: PathBuf,
    /// Its artifacts, sorted by path.
    pub artifacts: Vec<Artifact>,
    /// Entries that are not artifacts (symlinks, special files).
    pub skipped: Vec<Skipped>,
    /// The snapshot: a private copy of exactly the listed artifacts.
    view: tempfile::TempDir,
}

/// Which plugins claim which artifacts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// Artifacts no plugin reads, or whose sniff a cap cut short.
    pub unclaimed: Vec<String>,
    /// Artifacts read by more than one plugin, with the plugins' names.
    pub shared: Vec<(String, Vec<String>)>,
}

/// One listed regular file, before it is read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Listed {
    rel: String,
    size: u64,
    identity: Identity,
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
    /// Lists, digests, sniffs and snapshots the bundle at `root`. `kinds` are
    /// every kind the loaded plugins read: the manifest may only declare
    /// those, and the sniffer keeps only the keys their matchers name.
    pub fn open(
        root: &Path,
        limits: &BundleLimits,
        kinds: &[&KindSpec],
    ) -> Result<Bundle, BundleError> {
        Self::open_counting(root, limits, kinds, None)
    }

    /// [`Bundle::open`], counting listed and hashed artifacts into `progress`.
    pub fn open_counting(
        root: &Path,
        limits: &BundleLimits,
        kinds: &[&KindSpec],
        progress: Option<&Progress>,
    ) -> Result<Bundle, BundleError> {
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
        skipped.sort_by(|a, b| a.path.cmp(&b.path));

        let declared = read_manifest(root, &files, kinds)?;
        files.retain(|f| f.rel != MANIFEST);

        let total: u64 = files.iter().map(|f| f.size).sum();
        if total > limits.max_total_bytes {
            return Err(BundleError::Limit {
                bundle: root.to_owned(),
                message: format!(
                    "artifacts total {total} bytes, more than the {} byte limit",
                    limits.max_total_bytes
                ),
            });
        }

        let view = tempfile::Builder::new()
            .prefix("stagegate-bundle-")
            .tempdir()
            .map_err(|source| BundleError::Snapshot {
                path: String::new(),
                source,
            })?;
        let vocabulary = Vocabulary::of(kinds.iter().copied());
        if let Some(progress) = progress {
            progress.files(files.len() as u64);
        }
        let context = Context {
            root,
            view: view.path(),
            limits,
            declared: &declared,
            vocabulary: &vocabulary,
            progress,
        };
        let artifacts = digest_all(&context, &files)?;
        Ok(Bundle {
            root: root.to_owned(),
            artifacts,
            skipped,
            view,
        })
    }

    /// The snapshot directory that plugins see as `/bundle`.
    pub fn view(&self) -> &Path {
        self.view.path()
    }

    /// The artifacts a plugin reading `kinds` receives, each with the name of
    /// the kind it matched. A kind the manifest declares is added to what
    /// sniffing finds; it never hides a file from a plugin that would read it.
    pub fn select<'a>(&'a self, kinds: &'a [KindSpec]) -> Vec<(&'a Artifact, &'a str)> {
        self.artifacts
            .iter()
            .filter_map(|artifact| {
                let declared = artifact
                    .declared_kind
                    .as_ref()
                    .and_then(|d| kinds.iter().find(|k| &k.name == d));
                let kind = declared.or_else(|| kinds.iter().find(|k| kind_matches(k, artifact)))?;
                Some((artifact, kind.name.as_str()))
            })
            .collect()
    }

    /// Which of `readers` (plugin name, kinds) read each artifact.
    pub fn claims(&self, readers: &[(&str, &[KindSpec])]) -> Claims {
        let mut by_path: BTreeMap<&str, Vec<String>> = self
            .artifacts
            .iter()
            .map(|a| (a.path.as_str(), Vec::new()))
            .collect();
        for (name, kinds) in readers {
            for (artifact, _) in self.select(kinds) {
                if let Some(names) = by_path.get_mut(artifact.path.as_str()) {
                    names.push((*name).to_owned());
                }
            }
        }
        let incomplete: BTreeSet<&str> = self
            .artifacts
            .iter()
            .filter(|a| a.sniff.incomplete)
            .map(|a| a.path.as_str())
            .collect();
        let mut claims = Claims::default();
        for (path, names) in by_path {
            if names.is_empty() || incomplete.contains(path) {
                claims.unclaimed.push(path.to_owned());
            }
            if names.len() > 1 {
                claims.shared.push((path.to_owned(), names));
            }
        }
        claims
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
    files: &mut Vec<Listed>,
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
            files.push(Listed {
                rel,
                size: meta.len(),
                identity: Identity::of(&meta),
            });
            if files.len() > limits.max_files {
                return Err(BundleError::Limit {
                    bundle: root.to_owned(),
                    message: format!("more than {} files", limits.max_files),
                });
            }
        } else {
            skipped.push(Skipped {
                path: rel,
                reason: special_reason(&kind).into(),
            });
        }
    }
    Ok(())
}

#[cfg(unix)]
fn special_reason(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "FIFO (never opened)"
    } else if kind.is_socket() {
        "socket (never opened)"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device (never opened)"
    } else {
        "not a regular file (never opened)"
    }
}

#[cfg(not(unix))]
fn special_reason(_: &std::fs::FileType) -> &'static str {
    "not a regular file (never opened)"
}

/// What identifies a file on disk: device and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Identity(u64, u64);

impl Identity {
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Identity {
        use std::os::unix::fs::MetadataExt;
        Identity(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Identity {
        Identity(0, 0)
    }
}

/// Opens a listed file: never following a final symlink, never blocking (a
/// FIFO swapped in opens at once, and is then refused), and only if it is
/// still the regular file that was listed.
fn open_listed(root: &Path, listed: &Listed) -> Result<File, BundleError> {
    let path = root.join(&listed.rel);
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let changed = |what: String| BundleError::Changed {
        bundle: root.to_owned(),
        path: listed.rel.clone(),
        what,
    };
    let file = options
        .open(&path)
        .map_err(|e| changed(format!("it cannot be opened as listed: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| changed(format!("it cannot be inspected: {e}")))?;
    if !meta.is_file() {
        return Err(changed("it is no longer a regular file".into()));
    }
    if Identity::of(&meta) != listed.identity {
        return Err(changed("another file took its place".into()));
    }
    Ok(file)
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

/// Largest manifest read.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

fn read_manifest(
    root: &Path,
    files: &[Listed],
    kinds: &[&KindSpec],
) -> Result<BTreeMap<String, String>, BundleError> {
    let path = root.join(MANIFEST);
    let Some(listed) = files.iter().find(|f| f.rel == MANIFEST) else {
        return Ok(BTreeMap::new());
    };
    let invalid = |message: String| BundleError::Manifest {
        path: path.clone(),
        message,
    };
    let mut text = String::new();
    open_listed(root, listed)?
        .take(MAX_MANIFEST_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| invalid(e.to_string()))?;
    let listed: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    parse_manifest(&text, &listed, kinds).map_err(invalid)
}

/// Checks the text of a bundle manifest: every entry names a listed regular
/// file (`files`, relative paths) once, with a kind one of `kinds` has. Returns
/// path → declared kind, or what is wrong with the manifest.
pub fn parse_manifest(
    text: &str,
    files: &BTreeSet<&str>,
    kinds: &[&KindSpec],
) -> Result<BTreeMap<String, String>, String> {
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(format!("it is larger than {MAX_MANIFEST_BYTES} bytes"));
    }
    let raw: RawManifest = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    let mut declared = BTreeMap::new();
    for entry in raw.artifact {
        let normalised = entry.path.trim_start_matches("./").to_owned();
        if !files.contains(normalised.as_str()) || normalised == MANIFEST {
            return Err(format!(
                "`{}` is not a regular file of the bundle",
                entry.path
            ));
        }
        if entry.kind.is_empty() {
            return Err(format!("`{}` has an empty kind", entry.path));
        }
        if !kinds.iter().any(|k| k.name == entry.kind) {
            let mut known: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(format!(
                "`{}` is declared as kind `{}`, which no loaded plugin reads (kinds: {})",
                entry.path,
                entry.kind,
                known.join(", ")
            ));
        }
        if declared.insert(normalised, entry.kind).is_some() {
            return Err(format!("`{}` is declared twice", entry.path));
        }
    }
    Ok(declared)
}

/// What every digest worker needs.
struct Context<'a> {
    root: &'a Path,
    view: &'a Path,
    limits: &'a BundleLimits,
    declared: &'a BTreeMap<String, String>,
    vocabulary: &'a Vocabulary,
    progress: Option<&'a Progress>,
}

fn digest_all(context: &Context<'_>, files: &[Listed]) -> Result<Vec<Artifact>, BundleError> {
    // Directories first, so the workers only create files.
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for file in files {
        if let Some((parent, _)) = file.rel.rsplit_once('/') {
            dirs.insert(parent);
        }
    }
    for dir in dirs {
        std::fs::create_dir_all(context.view.join(dir)).map_err(|source| {
            BundleError::Snapshot {
                path: dir.to_owned(),
                source,
            }
        })?;
    }
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
                        .map(|listed| digest_one(context, listed))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(BundleError::Limit {
                        bundle: context.root.to_owned(),
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

fn digest_one(context: &Context<'_>, listed: &Listed) -> Result<Artifact, BundleError> {
    let rel = listed.rel.as_str();
    let unreadable = |source| BundleError::Unreadable {
        path: context.root.join(rel),
        source,
    };
    let snapshot_err = |source| BundleError::Snapshot {
        path: rel.to_owned(),
        source,
    };
    let mut file = open_listed(context.root, listed)?;
    let mut copy = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(context.view.join(rel))
        .map_err(snapshot_err)?;
    let mut hasher = Sha256::new();
    let mut sniffer = sniff::Sniffer::new(context.vocabulary);
    let mut buf = vec![0u8; 256 * 1024];
    let mut size: u64 = 0;
    loop {
        let n = file.read(&mut buf).map_err(unreadable)?;
        let Some(chunk) = buf.get(..n) else { break };
        if chunk.is_empty() {
            break;
        }
        size += n as u64;
        if size > context.limits.max_artifact_bytes {
            return Err(BundleError::Limit {
                bundle: context.root.to_owned(),
                message: format!(
                    "artifact `{rel}` grew past the {} byte limit while being read",
                    context.limits.max_artifact_bytes
                ),
            });
        }
        hasher.update(chunk);
        sniffer.update(chunk);
        copy.write_all(chunk).map_err(snapshot_err)?;
    }
    copy.flush().map_err(snapshot_err)?;
    if let Some(progress) = context.progress {
        progress.hashed(size);
    }
    Ok(Artifact {
        path: rel.to_owned(),
        size,
        sha256: hex(&hasher.finalize()),
        sniff: sniffer.finish(),
        declared_kind: context.declared.get(rel).cloned(),
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

    fn junit() -> KindSpec {
        kind("junit-xml", vec![Matcher::XmlRoot("testsuites".into())])
    }

    fn sarif() -> KindSpec {
        kind(
            "sarif",
            vec![Matcher::JsonKeys(vec!["version".into(), "runs".into()])],
        )
    }

    fn text() -> KindSpec {
        kind("text", vec![Matcher::AnyText])
    }

    #[test]
    fn lists_digests_sniffs_and_snapshots() {
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
        let kinds = [junit(), sarif()];
        let bundle = Bundle::open(
            dir.path(),
            &BundleLimits::default(),
            &[&kinds[0], &kinds[1]],
        )
        .unwrap();
        let paths: Vec<_> = bundle.artifacts.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["a.json", "reports/results.xml"]);
        assert_eq!(
            bundle.artifacts[1].sha256,
            hex(&Sha256::digest(b"<testsuites/>"))
        );
        assert_eq!(
            std::fs::read(bundle.view().join("reports/results.xml")).unwrap(),
            b"<testsuites/>"
        );
        #[cfg(unix)]
        {
            assert_eq!(bundle.skipped[0].path, "link");
            assert!(!bundle.view().join("link").exists());
        }
        let selected: Vec<_> = bundle
            .select(&kinds)
            .into_iter()
            .map(|(a, k)| (a.path.as_str(), k))
            .collect();
        assert_eq!(
            selected,
            [("a.json", "sarif"), ("reports/results.xml", "junit-xml")]
        );
        let view = bundle.view().to_owned();
        drop(bundle);
        assert!(!view.exists(), "the snapshot is removed with the bundle");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_skipped_and_never_in_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.xml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::write(dir.path().join("ok.txt"), "fine").unwrap();
        let t = text();
        let bundle = Bundle::open(dir.path(), &BundleLimits::default(), &[&t]).unwrap();
        assert_eq!(bundle.artifacts.len(), 1);
        assert_eq!(bundle.skipped[0].path, "pipe.xml");
        assert_eq!(bundle.skipped[0].reason, "FIFO (never opened)");
        assert!(!bundle.view().join("pipe.xml").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_swapped_after_listing_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one").unwrap();
        let meta = std::fs::symlink_metadata(dir.path().join("a.txt")).unwrap();
        let listed = Listed {
            rel: "a.txt".into(),
            size: 3,
            identity: Identity::of(&meta),
        };
        std::fs::remove_file(dir.path().join("a.txt")).unwrap();
        std::fs::write(dir.path().join("other"), "two").unwrap();
        std::fs::write(dir.path().join("a.txt"), "two").unwrap();
        let err = open_listed(dir.path(), &listed).unwrap_err().to_string();
        assert!(err.contains("changed while it was read"), "{err}");
        std::fs::remove_file(dir.path().join("a.txt")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("a.txt")).unwrap();
        let err = open_listed(dir.path(), &listed).unwrap_err().to_string();
        assert!(err.contains("cannot be opened as listed"), "{err}");
    }

    #[test]
    fn manifest_adds_kinds_but_never_hides_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "TOKEN=x").unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            "[[artifact]]\npath = \".env\"\nkind = \"junit-xml\"\n",
        )
        .unwrap();
        let (j, t) = (junit(), text());
        let bundle = Bundle::open(dir.path(), &BundleLimits::default(), &[&j, &t]).unwrap();
        assert_eq!(bundle.artifacts.len(), 1);
        assert_eq!(bundle.select(std::slice::from_ref(&j)).len(), 1);
        assert_eq!(
            bundle.select(std::slice::from_ref(&t)).len(),
            1,
            "still read as text"
        );

        std::fs::write(
            dir.path().join(MANIFEST),
            "[[artifact]]\npath = \".env\"\nkind = \"nothing-reads-this\"\n",
        )
        .unwrap();
        let err = Bundle::open(dir.path(), &BundleLimits::default(), &[&j, &t])
            .unwrap_err()
            .to_string();
        assert!(err.contains("which no loaded plugin reads"), "{err}");
        assert!(err.contains(MANIFEST), "{err}");

        std::fs::write(
            dir.path().join(MANIFEST),
            "[[artifact]]\npath = \"../etc/passwd\"\nkind = \"junit-xml\"\n",
        )
        .unwrap();
        let err = Bundle::open(dir.path(), &BundleLimits::default(), &[&j])
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file of the bundle"), "{err}");
    }

    #[test]
    fn claims_name_unclaimed_shared_and_cut_short_artifacts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("r.xml"), "<testsuites/>").unwrap();
        std::fs::write(dir.path().join("blob.bin"), b"\x00\x01\x02").unwrap();
        std::fs::write(
            dir.path().join("long.xml"),
            format!("<{}/>", "x".repeat(1000)),
        )
        .unwrap();
        let (j, t) = (junit(), text());
        let bundle = Bundle::open(dir.path(), &BundleLimits::default(), &[&j, &t]).unwrap();
        let claims = bundle.claims(&[
            ("junit", std::slice::from_ref(&j)),
            ("secrets", std::slice::from_ref(&t)),
        ]);
        assert_eq!(claims.unclaimed, ["blob.bin", "long.xml"]);
        assert_eq!(
            claims.shared,
            [(
                "r.xml".to_owned(),
                vec!["junit".to_owned(), "secrets".to_owned()]
            )]
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
        let err = Bundle::open(dir.path(), &limits, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("`big` is 2048 bytes"), "{err}");
        std::fs::write(dir.path().join("big"), vec![b'x'; 600]).unwrap();
        std::fs::write(dir.path().join("big2"), vec![b'x'; 600]).unwrap();
        let err = Bundle::open(dir.path(), &limits, &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("artifacts total 1200 bytes, more than the 1024 byte limit"),
            "{err}"
        );
        let few = BundleLimits {
            max_files: 1,
            ..BundleLimits::default()
        };
        let err = Bundle::open(dir.path(), &few, &[]).unwrap_err().to_string();
        assert!(err.contains("more than 1 files"), "{err}");
        let err = Bundle::open(&dir.path().join("nope"), &limits, &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }
}
