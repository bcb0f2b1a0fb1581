//! Write stagegate plugins in Rust.
//!
//! A plugin is a WebAssembly component built for `wasm32-wasip2` against the
//! `stagegate:plugin` WIT contract in `wit/`. This crate wraps the generated
//! bindings so an author writes one struct, one `impl Plugin` and one
//! [`export!`] call, and adds helpers to read artifacts from the read-only
//! bundle view and to build facts and findings.
//!
//! The crate never talks to anything but the host: a plugin has no network,
//! no environment and no writable file system, whatever it links.
//!
//! # A complete plugin
//!
//! ```no_run
//! use stagegate_sdk::{
//!     export, Artifact, ArtifactExt, ArtifactKind, Evaluation, Facts, FactSpec, Finding,
//!     Matcher, Metadata, Plugin, Severity,
//! };
//! use std::io::BufRead;
//!
//! /// Counts `TODO` lines in text files named `*.todo`.
//! struct Todos;
//!
//! impl Plugin for Todos {
//!     fn describe() -> Metadata {
//!         Metadata {
//!             name: "todos".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             description: "counts TODO lines".into(),
//!             reads: vec![ArtifactKind {
//!                 name: "todo-list".into(),
//!                 matchers: vec![Matcher::Glob("**/*.todo".into())],
//!             }],
//!             facts: vec![
//!                 FactSpec::long("inputs", "files read"),
//!                 FactSpec::long("open", "TODO lines found"),
//!             ],
//!         }
//!     }
//!
//!     fn evaluate(artifacts: Vec<Artifact>, _config: String) -> Result<Evaluation, String> {
//!         let mut open = 0;
//!         let mut findings = Vec::new();
//!         for artifact in &artifacts {
//!             let reader = artifact.reader().map_err(|e| e.to_string())?;
//!             for (index, line) in reader.lines().enumerate() {
//!                 let line = line.map_err(|e| format!("`{}`: {e}", artifact.path))?;
//!                 if line.starts_with("TODO") {
//!                     open += 1;
//!                     findings.push(
//!                         Finding::new("todos/open", Severity::Low, line)
//!                             .at(&artifact.path, index + 1),
//!                     );
//!                 }
//!             }
//!         }
//!         let facts = Facts::new()
//!             .long("inputs", artifacts.len())
//!             .long("open", open);
//!         Ok(facts.with_findings(findings))
//!     }
//! }
//!
//! export!(Todos);
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release` from a crate
//! whose `[lib]` has `crate-type = ["cdylib"]`; the `.wasm` file is the component.

/// Text helpers shared with the host: clipping, visible control characters
/// and byte-order-mark transcoding.
pub use stagegate_text as text;

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;

/// The bindings generated from `wit/plugin.wit`.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "wit",
        pub_export_macro: true,
        export_macro_name: "__export_component",
        default_bindings_module: "stagegate_sdk::bindings",
    });
}

pub use bindings::exports::stagegate::plugin::guest::Guest as Plugin;
pub use bindings::stagegate::plugin::types::{
    Artifact, ArtifactKind, Evaluation, Fact, FactSpec, FactType, FactValue, Finding, Matcher,
    Metadata, Severity,
};

/// The version of the WIT contract this SDK was built against.
pub const CONTRACT_VERSION: &str = "0.1.0";

/// Where the host mounts the bundle inside the sandbox.
pub const BUNDLE_ROOT: &str = "/bundle";

/// The directory artifact paths are relative to: [`BUNDLE_ROOT`] inside the
/// sandbox. A native build (a plugin's own tests, the benchmark's native
/// floor in `tests/bench/floor`) reads the bundle where
/// `STAGEGATE_NATIVE_BUNDLE_ROOT` points, when set; WebAssembly builds have
/// no such switch.
pub fn bundle_root() -> PathBuf {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(root) = std::env::var_os("STAGEGATE_NATIVE_BUNDLE_ROOT") {
        return PathBuf::from(root);
    }
    PathBuf::from(BUNDLE_ROOT)
}

/// Exports a type implementing [`Plugin`] as the component's `guest` interface.
///
/// The export only exists when building for WebAssembly, so the same crate
/// can be unit-tested natively (`cargo test`): the component's export names
/// contain `:`, which native linkers refuse.
///
/// ```ignore
/// stagegate_sdk::export!(MyPlugin);
/// ```
#[macro_export]
macro_rules! export {
    ($plugin:ident) => {
        #[cfg(target_arch = "wasm32")]
        $crate::bindings::__export_component!($plugin);
        // Natively, still check the impl and count it as used.
        #[cfg(not(target_arch = "wasm32"))]
        const _: () = {
            let _ = <$plugin as $crate::Plugin>::describe;
            let _ = <$plugin as $crate::Plugin>::evaluate;
        };
    };
}

/// Logging through the host: lines are bounded and shown in the report.
pub mod log {
    use crate::bindings::stagegate::plugin::host::LogLevel;
    #[cfg(target_arch = "wasm32")]
    use crate::bindings::stagegate::plugin::host::log;

    /// Natively there is no host to log through: lines are dropped.
    #[cfg(not(target_arch = "wasm32"))]
    fn log(_level: LogLevel, _message: &str) {}

    /// Log at debug level.
    pub fn debug(message: &str) {
        log(LogLevel::Debug, message);
    }
    /// Log at info level.
    pub fn info(message: &str) {
        log(LogLevel::Info, message);
    }
    /// Log at warning level.
    pub fn warn(message: &str) {
        log(LogLevel::Warn, message);
    }
    /// Log at error level.
    pub fn error(message: &str) {
        log(LogLevel::Error, message);
    }
}

/// Looking facts up in an [`Evaluation`], for a plugin's own tests.
pub trait EvaluationExt {
    /// The value of the fact `name`, if the evaluation holds it.
    fn fact(&self, name: &str) -> Option<&FactValue>;
    /// The value of the `Long` fact `name`, if the evaluation holds one.
    fn long(&self, name: &str) -> Option<i64>;
}

impl EvaluationExt for Evaluation {
    fn fact(&self, name: &str) -> Option<&FactValue> {
        self.facts.iter().find(|f| f.name == name).map(|f| &f.value)
    }

    fn long(&self, name: &str) -> Option<i64> {
        match self.fact(name) {
            Some(FactValue::Long(n)) => Some(*n),
            _ => None,
        }
    }
}

/// Reading an artifact through the sandbox's read-only bundle view.
pub trait ArtifactExt {
    /// The path of the artifact inside the sandbox (`/bundle/<path>`).
    fn sandbox_path(&self) -> PathBuf;
    /// Opens the artifact for streaming reads.
    fn open(&self) -> io::Result<File>;
    /// A buffered reader over the artifact: the way to read large files in chunks.
    fn reader(&self) -> io::Result<BufReader<File>>;
    /// A buffered reader yielding the artifact as UTF-8 text: a file that
    /// starts with a UTF-16 or UTF-32 byte-order mark is transcoded while it
    /// streams (see [`text::bom`]); any other file passes through unchanged.
    fn text_reader(&self) -> io::Result<BufReader<text::bom::BomReader<File>>>;
    /// Reads the whole artifact into memory, refusing files larger than `limit` bytes.
    fn read_bytes(&self, limit: u64) -> io::Result<Vec<u8>>;
}

impl ArtifactExt for Artifact {
    fn sandbox_path(&self) -> PathBuf {
        bundle_root().join(&self.path)
    }

    fn open(&self) -> io::Result<File> {
        File::open(self.sandbox_path())
            .map_err(|e| io::Error::new(e.kind(), format!("cannot open `{}`: {e}", self.path)))
    }

    fn reader(&self) -> io::Result<BufReader<File>> {
        Ok(BufReader::with_capacity(64 * 1024, self.open()?))
    }

    fn text_reader(&self) -> io::Result<BufReader<text::bom::BomReader<File>>> {
        Ok(BufReader::with_capacity(
            64 * 1024,
            text::bom::BomReader::new(self.open()?),
        ))
    }

    fn read_bytes(&self, limit: u64) -> io::Result<Vec<u8>> {
        if self.size > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "`{}` is {} bytes, more than the {limit} bytes this plugin reads whole",
                    self.path, self.size
                ),
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        self.open()?
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("`{}` grew past {limit} bytes while being read", self.path),
            ));
        }
        Ok(bytes)
    }
}

impl FactSpec {
    fn of(name: &str, ty: FactType, doc: &str) -> Self {
        FactSpec {
            name: name.to_owned(),
            type_: ty,
            doc: doc.to_owned(),
        }
    }
    /// A `Long` fact.
    pub fn long(name: &str, doc: &str) -> Self {
        Self::of(name, FactType::Long, doc)
    }
    /// A `Bool` fact.
    pub fn boolean(name: &str, doc: &str) -> Self {
        Self::of(name, FactType::Boolean, doc)
    }
    /// A `String` fact.
    pub fn text(name: &str, doc: &str) -> Self {
        Self::of(name, FactType::Text, doc)
    }
    /// A `Set<String>` fact.
    pub fn text_set(name: &str, doc: &str) -> Self {
        Self::of(name, FactType::TextSet, doc)
    }
    /// A `decimal` fact.
    pub fn decimal(name: &str, doc: &str) -> Self {
        Self::of(name, FactType::Decimal, doc)
    }
}

/// Builder for the facts of one evaluation.
#[derive(Debug, Default, Clone)]
pub struct Facts(Vec<Fact>);

impl Facts {
    /// No facts yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(mut self, name: &str, value: FactValue) -> Self {
        self.0.push(Fact {
            name: name.to_owned(),
            value,
        });
        self
    }

    /// Adds a `Long` count; counts past `i64::MAX` saturate.
    pub fn long<T: TryInto<i64>>(self, name: &str, count: T) -> Self {
        let value = count.try_into().unwrap_or(i64::MAX);
        self.push(name, FactValue::Long(value))
    }

    /// Adds a signed `Long` fact.
    pub fn signed(self, name: &str, value: i64) -> Self {
        self.push(name, FactValue::Long(value))
    }

    /// Adds a `Bool` fact.
    pub fn boolean(self, name: &str, value: bool) -> Self {
        self.push(name, FactValue::Boolean(value))
    }

    /// Adds a `String` fact.
    pub fn text(self, name: &str, value: impl Into<String>) -> Self {
        self.push(name, FactValue::Text(value.into()))
    }

    /// Adds a `Set<String>` fact (sorted, duplicates removed).
    pub fn text_set<I, S>(self, name: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut values: Vec<String> = values.into_iter().map(Into::into).collect();
        values.sort();
        values.dedup();
        self.push(name, FactValue::TextSet(values))
    }

    /// Adds a `decimal` fact, e.g. `"87.5"`.
    pub fn decimal(self, name: &str, value: impl Into<String>) -> Self {
        self.push(name, FactValue::Decimal(value.into()))
    }

    /// The facts built so far.
    pub fn into_vec(self) -> Vec<Fact> {
        self.0
    }

    /// Finishes an evaluation with these facts and `findings`.
    pub fn with_findings(self, findings: Vec<Finding>) -> Evaluation {
        Evaluation {
            facts: self.0,
            findings,
        }
    }
}

impl Finding {
    /// A finding without a location.
    pub fn new(rule: &str, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            rule: rule.to_owned(),
            severity,
            message: message.into(),
            path: None,
            line: None,
        }
    }

    /// Sets the location; a line of 0 means "unknown".
    pub fn at(mut self, path: &str, line: usize) -> Self {
        self.path = Some(path.to_owned());
        self.line = u32::try_from(line).ok().filter(|l| *l > 0);
        self
    }

    /// Sets the path only.
    pub fn in_file(mut self, path: &str) -> Self {
        self.path = Some(path.to_owned());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_builder_keeps_order_and_types() {
        let facts = Facts::new()
            .long("total", 3u32)
            .boolean("ok", true)
            .text_set("names", ["b", "a", "b"])
            .into_vec();
        assert_eq!(facts.len(), 3);
        assert!(matches!(facts[0].value, FactValue::Long(3)));
        assert!(matches!(facts[1].value, FactValue::Boolean(true)));
        match &facts[2].value {
            FactValue::TextSet(v) => assert_eq!(v, &vec!["a".to_string(), "b".to_string()]),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn long_saturates() {
        let facts = Facts::new().long("big", u64::MAX).into_vec();
        assert!(matches!(facts[0].value, FactValue::Long(i64::MAX)));
    }

    #[test]
    fn finding_line_zero_is_unknown() {
        let f = Finding::new("r", Severity::High, "m").at("a.xml", 0);
        assert_eq!(f.line, None);
        assert_eq!(f.path.as_deref(), Some("a.xml"));
    }
}
