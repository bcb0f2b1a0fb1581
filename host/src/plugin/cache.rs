//! The compiled-code cache for configured plugins.
//!
//! Compiling a Python or JavaScript component takes seconds, so the host keeps
//! the native code it compiled on disk. That code is machine code the gate
//! will execute, and a cache directory is untrusted data: in CI it is often
//! restored from a store that pull-request branches can write. So every entry
//! is authenticated: it carries an HMAC-SHA256 tag, under a key that never
//! lives in the cache directory, over the plugin's digest, the engine's
//! compatibility fingerprint and the code itself. An entry whose tag does not
//! verify (altered, swapped for another plugin's entry, written by anyone
//! without the key) is never deserialized: the plugin is compiled again and
//! the entry replaced.
//!
//! Built-in plugins never come through here: they are precompiled into the
//! binary.

use std::hash::Hasher;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::kinds::hex;

/// Leading bytes of a cache entry.
const MAGIC: &[u8; 8] = b"SGCODE1\n";
/// Domain separation for the tag.
const CONTEXT: &[u8] = b"stagegate compiled-code cache v1\0";
/// Largest entry read.
const MAX_ENTRY_BYTES: u64 = 1024 * 1024 * 1024;
/// Shortest key accepted.
pub const MIN_KEY_BYTES: usize = 16;

type Tag = Hmac<Sha256>;

/// What happened when a plugin's code was looked up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// Precompiled into the binary.
    Builtin,
    /// Built in, but this engine or CPU cannot run its precompiled code:
    /// the embedded component was compiled instead.
    BuiltinCompiled,
    /// No cache configured: compiled in process.
    Off,
    /// A verified entry was used.
    Hit,
    /// No entry: compiled, and an entry written.
    Miss,
    /// An entry failed verification and was not used; compiled again.
    Rejected,
    /// Loaded from its pinned precompiled artifact.
    Precompiled,
    /// Its pinned precompiled artifact is for another engine or CPU: the
    /// component was compiled instead.
    PrecompiledUnusable,
    /// An unpinned local component of a dry run (`--plugin`): compiled in
    /// process, never cached.
    Local,
}

impl CacheStatus {
    /// Lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            CacheStatus::Builtin => "built-in",
            CacheStatus::BuiltinCompiled => {
                "built-in, compiled: this engine or CPU cannot load its precompiled code"
            }
            CacheStatus::Off => "off",
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Rejected => "rejected",
            CacheStatus::Precompiled => "precompiled",
            CacheStatus::Local => "local, unpinned",
            CacheStatus::PrecompiledUnusable => {
                "compiled: this engine or CPU cannot load the precompiled artifact"
            }
        }
    }
}

/// Why the cache cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The key is too short.
    #[error("the cache key must be at least {MIN_KEY_BYTES} bytes")]
    ShortKey,
    /// The key file could not be read or created.
    #[error("cache key file `{path}`: {message}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The key file is inside the cache directory.
    #[error(
        "cache key file `{key}` is inside the cache directory `{dir}`: whoever can write the cache would hold the key"
    )]
    KeyInCache {
        /// The key file.
        key: PathBuf,
        /// The cache directory.
        dir: PathBuf,
    },
}

/// An authenticated on-disk cache of compiled components.
#[derive(Clone)]
pub struct CodeCache {
    dir: PathBuf,
    key: [u8; 32],
}

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl CodeCache {
    /// A cache in `dir` authenticated with `key` (any bytes, at least
    /// [`MIN_KEY_BYTES`]).
    pub fn new(dir: &Path, key: &[u8]) -> Result<CodeCache, CacheError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(CacheError::ShortKey);
        }
        Ok(CodeCache {
            dir: dir.to_owned(),
            key: Sha256::digest(key).into(),
        })
    }

    /// A cache in `dir` whose key is read from `key_file`, which is created
    /// (mode 0600, 32 random bytes) when missing. The key file must not be
    /// inside `dir`.
    pub fn with_key_file(dir: &Path, key_file: &Path) -> Result<CodeCache, CacheError> {
        let inside = |a: &Path, b: &Path| match (a.parent().map(absolute), absolute(b)) {
            (Some(parent), dir) => parent.starts_with(dir),
            (None, _) => false,
        };
        if inside(key_file, dir) {
            return Err(CacheError::KeyInCache {
                key: key_file.to_owned(),
                dir: dir.to_owned(),
            });
        }
        let key_err = |message: String| CacheError::KeyFile {
            path: key_file.to_owned(),
            message,
        };
        match std::fs::read(key_file) {
            Ok(key) => CodeCache::new(dir, &key),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = fresh_key().map_err(|e| key_err(format!("cannot make a key: {e}")))?;
                if let Some(parent) = key_file.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| key_err(e.to_string()))?;
                }
                write_private(key_file, &key).map_err(|e| key_err(e.to_string()))?;
                CodeCache::new(dir, &key)
            }
            Err(e) => Err(key_err(e.to_string())),
        }
    }

    fn entry(&self, wasm_sha256: &str, engine: &Engine) -> PathBuf {
        let name = format!("{}-{}.cwasm", wasm_sha256, engine_fingerprint(engine));
        self.dir.join(name)
    }

    fn tag(&self, wasm_sha256: &str, engine: &Engine, code: &[u8]) -> Tag {
        // A 32-byte key always fits HMAC-SHA256.
        let mut tag = <Tag as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| <Tag as Mac>::new(&Default::default()));
        tag.update(CONTEXT);
        tag.update(wasm_sha256.as_bytes());
        tag.update(&[0]);
        tag.update(engine_fingerprint(engine).as_bytes());
        tag.update(&[0]);
        tag.update(code);
        tag
    }

    /// The verified entry for the component with digest `wasm_sha256`, if
    /// there is one; [`CacheStatus::Rejected`] when an entry exists but does
    /// not verify.
    pub fn load(&self, engine: &Engine, wasm_sha256: &str) -> (Option<Component>, CacheStatus) {
        let path = self.entry(wasm_sha256, engine);
        let Ok(file) = std::fs::File::open(&path) else {
            return (None, CacheStatus::Miss);
        };
        let mut bytes = Vec::new();
        if file
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .is_err()
            || bytes.len() as u64 > MAX_ENTRY_BYTES
        {
            return (None, CacheStatus::Rejected);
        }
        let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) else {
            return (None, CacheStatus::Rejected);
        };
        let (Some(tag), Some(code)) = (rest.get(..32), rest.get(32..)) else {
            return (None, CacheStatus::Rejected);
        };
        if self
            .tag(wasm_sha256, engine, code)
            .verify_slice(tag)
            .is_err()
        {
            return (None, CacheStatus::Rejected);
        }
        // SAFETY: `code` is exactly what `store` serialized with this
        // engine's configuration: its tag verifies under a key that only
        // this host holds, and covers the engine fingerprint and the
        // component's digest. wasmtime also checks its own header.
        #[expect(
            unsafe_code,
            reason = "deserializing code whose authenticity was just verified"
        )]
        let component = unsafe { Component::deserialize(engine, code) };
        match component {
            Ok(component) => (Some(component), CacheStatus::Hit),
            Err(_) => (None, CacheStatus::Rejected),
        }
    }

    /// Writes an authenticated entry for `component`. Failures are ignored:
    /// the cache is an optimisation, never a requirement.
    pub fn store(&self, engine: &Engine, wasm_sha256: &str, component: &Component) {
        let Ok(code) = component.serialize() else {
            return;
        };
        let tag = self.tag(wasm_sha256, engine, &code).finalize().into_bytes();
        let mut bytes = Vec::with_capacity(MAGIC.len() + tag.len() + code.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&tag);
        bytes.extend_from_slice(&code);
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let Ok(mut temp) = tempfile::NamedTempFile::new_in(&self.dir) else {
            return;
        };
        if std::io::Write::write_all(&mut temp, &bytes).is_ok() {
            let _ = temp.persist(self.entry(wasm_sha256, engine));
        }
    }
}

/// A stable text fingerprint of everything that makes compiled code
/// compatible with `engine`: wasmtime's version and configuration.
pub fn engine_fingerprint(engine: &Engine) -> String {
    struct Sha(Sha256);
    impl Hasher for Sha {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    let mut sha = Sha(Sha256::new());
    std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut sha);
    sha.0.update(env!("CARGO_PKG_VERSION").as_bytes());
    hex(sha.0.finalize().get(..12).unwrap_or_default())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn fresh_key() -> std::io::Result<Vec<u8>> {
    let mut key = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    std::io::Write::write_all(&mut options.open(path)?, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_created_private_and_never_inside_the_cache() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("cache");
        let key = home.path().join("config/stagegate/cache-key");
        CodeCache::with_key_file(&dir, &key).unwrap();
        let bytes = std::fs::read(&key).unwrap();
        assert_eq!(bytes.len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The same file is read, not replaced, on the next run.
        CodeCache::with_key_file(&dir, &key).unwrap();
        assert_eq!(std::fs::read(&key).unwrap(), bytes);

        let inside = dir.join("keys/cache-key");
        let err = CodeCache::with_key_file(&dir, &inside).unwrap_err();
        assert!(matches!(err, CacheError::KeyInCache { .. }), "{err}");
        assert!(matches!(
            CodeCache::new(&dir, b"short"),
            Err(CacheError::ShortKey)
        ));
    }

    #[test]
    fn a_missing_or_foreign_entry_is_never_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = CodeCache::new(dir.path(), b"sixteen bytes or more").unwrap();
        let digest = "0".repeat(64);
        assert!(matches!(
            cache.load(&engine, &digest),
            (None, CacheStatus::Miss)
        ));
        // Bytes that anyone could write where the entry belongs.
        std::fs::write(
            cache.entry(&digest, &engine),
            b"SGCODE1\nnot a tag, not code",
        )
        .unwrap();
        assert!(matches!(
            cache.load(&engine, &digest),
            (None, CacheStatus::Rejected)
        ));
        std::fs::write(cache.entry(&digest, &engine), b"\x7fELF").unwrap();
        assert!(matches!(
            cache.load(&engine, &digest),
            (None, CacheStatus::Rejected)
        ));
    }
}
