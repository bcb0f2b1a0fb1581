//! Stage 2: plugins. Loads WebAssembly components (built in or pinned by
//! digest), checks their contract version and metadata, and runs each
//! evaluation in a fresh sandbox with a deadline, a memory cap and an output
//! cap.
//!
//! Plugins are untrusted code. Nothing a plugin does can crash the host or
//! pass the gate by itself: a trap, a limit, an error or output that does not
//! match the declared schema becomes a failed [`Outcome`], which the decision
//! stage turns into "cannot decide".

mod bindings;
pub mod builtin;
pub mod cache;
pub mod contract;
mod convert;
mod engine_config;
mod runtime;
pub mod sandbox;

use std::path::PathBuf;
use std::time::Duration;

use crate::config::Limits;
use crate::facts::{FactSpec, Facts, Finding};
pub use crate::kinds::{KindSpec, Matcher};
pub use cache::{CacheStatus, CodeCache};
pub use runtime::{Job, LoadedPlugin, Runtime};
pub use sandbox::LogLine;

/// What a plugin says about itself, checked.
#[derive(Debug, Clone)]
pub struct PluginMetadata {
    /// Its name: `context.<name>` in policies.
    pub name: String,
    /// Its own version.
    pub version: String,
    /// One line about it.
    pub description: String,
    /// The kinds of artifact it reads.
    pub reads: Vec<KindSpec>,
    /// The facts it reports.
    pub facts: Vec<FactSpec>,
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The engine could not be set up.
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
    /// The component file could not be read.
    #[error("plugin `{name}`: cannot read `{path}`: {message}")]
    Read {
        /// Plugin name.
        name: String,
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The file is not the pinned one.
    #[error(
        "plugin `{name}`: digest mismatch for `{path}`: expected sha256 {expected}, found {actual}; refusing to run it"
    )]
    DigestMismatch {
        /// Plugin name.
        name: String,
        /// The file.
        path: PathBuf,
        /// Pinned digest.
        expected: String,
        /// Actual digest.
        actual: String,
    },
    /// The plugin is unusable: not a component, wrong contract, bad metadata,
    /// imports the sandbox does not offer, or `describe` failed.
    #[error("plugin `{name}` {message}")]
    Invalid {
        /// Plugin name.
        name: String,
        /// What is wrong, as a predicate ("was built against ...").
        message: String,
    },
}

/// The result of one evaluation.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Facts matching the declared schema, and findings.
    Ok {
        /// Checked facts.
        facts: Facts,
        /// Findings, bounded.
        findings: Vec<Finding>,
    },
    /// The plugin could not produce a usable result; the text says why.
    Failed(String),
}

/// Everything known about one plugin's evaluation.
#[derive(Debug, Clone)]
pub struct PluginRun {
    /// Plugin name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// SHA-256 of the component.
    pub sha256: String,
    /// `built-in` or the component path.
    pub origin: String,
    /// Artifacts it was given.
    pub artifacts: usize,
    /// Wall time of the evaluation.
    pub duration: Duration,
    /// What it logged.
    pub logs: Vec<LogLine>,
    /// What came of it.
    pub outcome: Outcome,
    /// The limits it ran under.
    pub limits: Limits,
    /// Where its native code came from.
    pub cache: CacheStatus,
}
