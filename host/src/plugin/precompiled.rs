//! Precompiled artifacts (`stagegate plugin compile`): a component's native
//! code for this host, so that a fresh CI machine deserializes a big guest
//! (CPython, SpiderMonkey) instead of compiling it for seconds.
//!
//! An artifact is native code the gate will execute, so it is trusted only
//! as far as the configuration vouches for it: it is pinned by its own
//! SHA-256 next to the component's, and it names the component it was
//! compiled from. The file is `MAGIC`, the component's SHA-256 in hex, a
//! newline, then wasmtime's serialized component. wasmtime itself refuses
//! code serialized by another version, configuration or CPU; the caller
//! then compiles the component instead.

use wasmtime::Engine;
use wasmtime::component::Component;

const MAGIC: &[u8; 9] = b"SGCWASM1\n";

/// Why an artifact was refused outright (the gate does not fall back).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PrecompiledError {
    /// Not a stagegate precompiled artifact.
    #[error("is not a stagegate precompiled artifact (written by `stagegate plugin compile`)")]
    Format,
    /// Compiled from another component than the one pinned.
    #[error("was compiled from another component (sha256 {found}), not the pinned {expected}")]
    OtherComponent {
        /// The pinned component digest.
        expected: String,
        /// The digest the artifact names.
        found: String,
    },
}

/// The artifact for `component` (its bytes) whose digest is `sha256`.
pub fn compile(engine: &Engine, component: &[u8], sha256: &str) -> wasmtime::Result<Vec<u8>> {
    let code = engine.precompile_component(component)?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 65 + code.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(sha256.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&code);
    Ok(bytes)
}

/// The serialized code in `bytes`, checked to come from component `sha256`.
pub fn code<'b>(bytes: &'b [u8], sha256: &str) -> Result<&'b [u8], PrecompiledError> {
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(PrecompiledError::Format)?;
    let (digest, code) = rest.split_at_checked(65).ok_or(PrecompiledError::Format)?;
    let digest = digest
        .strip_suffix(b"\n")
        .and_then(|d| std::str::from_utf8(d).ok())
        .ok_or(PrecompiledError::Format)?;
    if digest != sha256 {
        return Err(PrecompiledError::OtherComponent {
            expected: sha256.to_owned(),
            found: stagegate_text::clip_bytes(digest, 64),
        });
    }
    Ok(code)
}

/// Deserializes checked code; `Err` when this engine or CPU cannot run it.
pub fn load(engine: &Engine, code: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `code` is pinned by its SHA-256 in the gate's configuration
    // (checked by the caller before this call) and names the pinned
    // component, so it is the code the configuration's author compiled with
    // `stagegate plugin compile`; wasmtime checks that it was serialized by
    // a compatible engine for this CPU.
    #[expect(unsafe_code, reason = "loading code pinned by the configuration")]
    unsafe {
        Component::deserialize(engine, code)
    }
}

#[cfg(test)]
mod tests {
    use super::{PrecompiledError, code};

    #[test]
    fn an_artifact_names_its_component() {
        let sha = "a".repeat(64);
        let mut bytes = b"SGCWASM1\n".to_vec();
        bytes.extend_from_slice(sha.as_bytes());
        bytes.extend_from_slice(b"\nCODE");
        assert_eq!(code(&bytes, &sha), Ok(b"CODE".as_slice()));
        assert!(matches!(
            code(&bytes, &"b".repeat(64)),
            Err(PrecompiledError::OtherComponent { .. })
        ));
        assert_eq!(code(b"\0asm", &sha), Err(PrecompiledError::Format));
        assert_eq!(
            code(b"SGCWASM1\nshort", &sha),
            Err(PrecompiledError::Format)
        );
    }
}
