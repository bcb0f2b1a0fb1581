//! What a component file is, as `check` would see it: its digest, the
//! contract it exports, the interfaces it imports and what the sandbox does
//! with each, and its checked metadata or the reason `check` would refuse it.
//!
//! The load goes through [`Runtime::load_compiled`], so a refusal carries the
//! message `check` gives.

use std::path::Path;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use super::{PluginError, PluginMetadata, Runtime, runtime};
use crate::kinds::hex;

/// What the sandbox does with one imported interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Linked as the plugin expects.
    Provided,
    /// Linked, but narrowed; the text says how.
    Restricted(&'static str),
    /// Not linked: `check` refuses the plugin.
    Refused,
}

/// One interface the component imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// As the component names it, with its version (`wasi:cli/stdout@0.2.6`).
    pub name: String,
    /// What the sandbox does with it.
    pub access: Access,
}

/// A component file, inspected.
#[derive(Debug)]
pub struct Inspection {
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex: the digest to pin.
    pub sha256: String,
    /// The version of `stagegate:plugin/guest` it exports, if any.
    pub contract: Option<String>,
    /// What it imports, in the component's order.
    pub imports: Vec<Import>,
    /// Its checked metadata, or why `check` would refuse it.
    pub loaded: Result<PluginMetadata, String>,
}

/// Interfaces the sandbox narrows, and how.
const RESTRICTED: &[(&str, &str)] = &[
    (
        "wasi:sockets/",
        "linked, but every socket and name lookup is refused",
    ),
    ("wasi:filesystem/", "only the bundle, read-only, at /bundle"),
    ("wasi:cli/environment", "empty: no variables, no arguments"),
    ("wasi:cli/stdin", "closed"),
    ("wasi:cli/stdout", "captured, within the output limit"),
    ("wasi:cli/stderr", "captured, within the output limit"),
    ("stagegate:plugin/host", "logging, within the output limit"),
];

/// Interfaces linked as they are.
const PROVIDED: &[&str] = &[
    "wasi:io/",
    "wasi:clocks/",
    "wasi:random/",
    "wasi:cli/exit",
    "wasi:cli/terminal-",
    "stagegate:plugin/types",
];

/// Whether interface `bare` is named by `pattern`: a whole interface, or a
/// prefix when the pattern ends in `/` or `-`.
fn names(pattern: &str, bare: &str) -> bool {
    if pattern.ends_with(['/', '-']) {
        bare.starts_with(pattern)
    } else {
        bare == pattern
    }
}

/// What the sandbox does with the interface `name` (versioned or not).
pub fn access(name: &str) -> Access {
    let bare = name.split('@').next().unwrap_or(name);
    if let Some((_, how)) = RESTRICTED.iter().find(|(p, _)| names(p, bare)) {
        return Access::Restricted(how);
    }
    if PROVIDED.iter().any(|p| names(p, bare)) {
        return Access::Provided;
    }
    Access::Refused
}

impl Runtime {
    /// Inspects the component at `path`. `Err` only when the file cannot be
    /// read; everything else that is wrong with it is in
    /// [`Inspection::loaded`].
    pub fn inspect(&self, path: &Path) -> Result<Inspection, PluginError> {
        let label = path.display().to_string();
        let bytes = runtime::read_component(&label, path)?;
        let size = bytes.len() as u64;
        let sha256 = hex(&Sha256::digest(&bytes));
        let component = match self.compile(&label, &bytes) {
            Ok(component) => component,
            Err(e) => {
                return Ok(Inspection {
                    size,
                    sha256,
                    contract: None,
                    imports: Vec::new(),
                    loaded: Err(e.to_string()),
                });
            }
        };
        let (contract, imports) = self.interfaces(&component);
        let loaded = self
            .load_compiled(path, &component, sha256.clone(), |_| None)
            .map(|plugin| plugin.meta)
            .map_err(|e| e.to_string());
        Ok(Inspection {
            size,
            sha256,
            contract,
            imports,
            loaded,
        })
    }

    fn interfaces(&self, component: &Component) -> (Option<String>, Vec<Import>) {
        let ty = component.component_type();
        let contract = ty.exports(self.engine()).find_map(|(name, _)| {
            name.strip_prefix("stagegate:plugin/guest@")
                .map(str::to_owned)
        });
        let imports = ty
            .imports(self.engine())
            .map(|(name, _)| Import {
                name: name.to_owned(),
                access: access(name),
            })
            .collect();
        (contract, imports)
    }
}

#[cfg(test)]
mod tests {
    use super::{Access, access};

    #[test]
    fn imports_are_classified_by_interface() {
        assert_eq!(access("wasi:io/streams@0.2.6"), Access::Provided);
        assert_eq!(access("wasi:random/random@0.2.0"), Access::Provided);
        assert!(matches!(
            access("wasi:sockets/tcp@0.2.6"),
            Access::Restricted(how) if how.contains("refused")
        ));
        assert!(matches!(
            access("wasi:filesystem/preopens@0.2.6"),
            Access::Restricted(how) if how.contains("read-only")
        ));
        assert_eq!(access("wasi:http/outgoing-handler@0.2.6"), Access::Refused);
        assert_eq!(access("wasi:cli/environmental"), Access::Refused);
        assert!(matches!(
            access("wasi:cli/environment@0.2.0"),
            Access::Restricted(_)
        ));
        assert_eq!(access("wasi:cli/terminal-stdout@0.2.6"), Access::Provided);
        assert_eq!(access("example:evil/exfiltrate"), Access::Refused);
    }
}
