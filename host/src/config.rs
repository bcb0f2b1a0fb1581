//! The gate configuration: `stagegate.toml` parsed once into a checked
//! [`GateConfig`].
//!
//! Configuration is trusted (it comes from a protected repository) but still
//! validated strictly: unknown keys, bad names, bad digests and out-of-range
//! limits are errors before any work starts. It never reads anything from the
//! bundle: a bundle cannot configure the gate that judges it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::plugin::builtin;

mod rollout;
pub use rollout::{
    DEFAULT_MAX_WAIVER_DAYS, Enforcement, Exception, Level, StageScope, Waiver, latest_expiry,
    window_state,
};

/// Errors in `stagegate.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config `{path}`: {source}")]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("config `{path}` is invalid: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// What the TOML parser said.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("config `{path}`: {message}")]
    Invalid {
        /// The config file (or `built-in defaults`).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Default wall-clock deadline per plugin evaluation.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// What each MiB of input adds to a plugin's deadline by default: room for
/// 10 MiB/s, well under what every built-in plugin reads.
pub const DEFAULT_TIMEOUT_PER_MIB: Duration = Duration::from_millis(100);

impl Limits {
    /// The deadline of a run given `bytes` of artifacts: `timeout` plus
    /// `timeout_per_mib` for every MiB or part of one.
    pub fn deadline(&self, bytes: u64) -> Duration {
        let mib = u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX);
        self.timeout
            .saturating_add(self.timeout_per_mib.saturating_mul(mib))
    }
}
/// Default cap on one plugin's share of the report.
pub const DEFAULT_REPORT_BYTES: usize = 8 * 1024 * 1024;
/// Default linear-memory cap per plugin evaluation.
pub const DEFAULT_MEMORY_BYTES: u64 = 512 * 1024 * 1024;

/// The keys the host itself puts into the Cedar context, beside one record
/// per plugin. None of them can be a plugin's name.
pub const HOST_CONTEXT_KEYS: &[&str] = &["from", "from_rank", "required", "bundle", "params"];

/// Names that cannot be plugins: the host's context keys, names kept for the
/// host's later use, and Cedar reserved words.
const RESERVED: &[&str] = &[
    "stage",
    "stages",
    "change",
    "gate",
    "host",
    "stagegate",
    "waivers",
    "enforcement",
    "true",
    "false",
    "if",
    "then",
    "else",
    "in",
    "is",
    "like",
    "has",
    "principal",
    "action",
    "resource",
    "context",
    "permit",
    "forbid",
    "when",
    "unless",
    "__cedar",
];

/// Whether `name` is reserved for the host and cannot name a plugin.
pub fn is_reserved(name: &str) -> bool {
    HOST_CONTEXT_KEYS.contains(&name) || RESERVED.contains(&name)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    stages: Option<Vec<String>>,
    policies: Option<PathBuf>,
    #[serde(default)]
    plugins: BTreeMap<String, RawPlugin>,
    #[serde(default)]
    bundle: RawBundle,
    evidence: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    allow_stage_skipping: bool,
    #[serde(default)]
    params: toml::Table,
    #[serde(default)]
    enforcement: Vec<rollout::RawEnforcement>,
    waivers: Option<PathBuf>,
    max_waiver_days: Option<u32>,
    log: Option<PathBuf>,
    chain: Option<RawChain>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawChain {
    #[serde(default)]
    require_previous: bool,
    #[serde(default)]
    trusted_keys: Vec<PathBuf>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPlugin {
    path: Option<PathBuf>,
    sha256: Option<String>,
    precompiled: Option<PathBuf>,
    precompiled_sha256: Option<String>,
    enabled: Option<bool>,
    timeout_ms: Option<u64>,
    timeout_ms_per_mib: Option<u64>,
    memory_mib: Option<u64>,
    report_mib: Option<u64>,
    config: Option<toml::Table>,
    #[serde(default)]
    exceptions: Vec<rollout::RawException>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    max_artifact_mib: Option<u64>,
    max_total_mib: Option<u64>,
    max_files: Option<usize>,
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No `stagegate.toml`: built-in plugins and default policies.
    Defaults,
    /// This file.
    File(PathBuf),
}

/// Where the Cedar policies come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The default policies embedded in the binary (`policies/` in the repository).
    Builtin,
    /// Every `*.cedar` file in this directory, replacing the defaults.
    Dir(PathBuf),
}

/// Where a plugin's WebAssembly comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// Embedded in the binary, precompiled.
    Builtin(&'static builtin::BuiltinWasm),
    /// A component file, pinned by its SHA-256.
    File {
        /// The `.wasm` file.
        path: PathBuf,
        /// The expected lowercase hex SHA-256.
        sha256: String,
        /// Its native code for this host (`stagegate plugin compile`), if given.
        precompiled: Option<Precompiled>,
    },
}

/// A precompiled artifact of a component, pinned by its own digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precompiled {
    /// The `.cwasm` file.
    pub path: PathBuf,
    /// Its expected lowercase hex SHA-256.
    pub sha256: String,
}

/// Resource limits for one plugin evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock deadline (epoch interruption) for a plugin given no input.
    pub timeout: Duration,
    /// Added to the deadline for every MiB (or part) of artifacts the plugin
    /// is given, so a legitimately large bundle does not run out of time.
    pub timeout_per_mib: Duration,
    /// Cap on the sum of the plugin's linear memories.
    pub memory_bytes: u64,
    /// Cap on stdout + stderr + log bytes.
    pub output_bytes: usize,
    /// Cap on the number of facts returned.
    pub max_facts: usize,
    /// Cap on the number of findings returned.
    pub max_findings: usize,
    /// Cap on the length of any returned string.
    pub max_string_bytes: usize,
    /// Cap on the entries of a `Set<String>` fact.
    pub max_set_entries: usize,
    /// Cap on the plugin's share of the report: its findings, logs and
    /// error, in bytes.
    pub report_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            timeout_per_mib: DEFAULT_TIMEOUT_PER_MIB,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            output_bytes: 256 * 1024,
            max_facts: 256,
            max_findings: 10_000,
            max_string_bytes: 4096,
            max_set_entries: 1000,
            report_bytes: DEFAULT_REPORT_BYTES,
        }
    }
}

/// One plugin the gate runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginConfig {
    /// The name it must report in its metadata.
    pub name: String,
    /// Where its code comes from.
    pub source: PluginSource,
    /// Its configuration as a JSON object text.
    pub config_json: String,
    /// Its limits.
    pub limits: Limits,
    /// Findings it is told to stop counting, until each expires.
    pub exceptions: Vec<Exception>,
}

/// Caps on what a bundle may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// Largest single artifact.
    pub max_artifact_bytes: u64,
    /// Largest sum of artifact sizes.
    pub max_total_bytes: u64,
    /// Most files.
    pub max_files: usize,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            max_artifact_bytes: 2 * 1024 * 1024 * 1024,
            max_total_bytes: 8 * 1024 * 1024 * 1024,
            max_files: 100_000,
        }
    }
}

/// The checked configuration every later stage works from.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Where it came from.
    pub source: ConfigSource,
    /// Ordered stage names, earliest first.
    pub stages: Vec<String>,
    /// Where the policies come from.
    pub policies: PolicySource,
    /// Plugins in evaluation order: built-ins first, then the configured ones by name.
    pub plugins: Vec<PluginConfig>,
    /// Bundle caps.
    pub bundle: BundleLimits,
    /// Per target stage, the plugins whose evidence is required
    /// (`context.required`), enforced by the host; default: test results
    /// for every stage after the first.
    pub evidence: BTreeMap<String, Vec<String>>,
    /// Whether a change may skip stages (`--from dev --to prod` in a
    /// three-stage chain); default no.
    pub allow_stage_skipping: bool,
    /// Overrides and additions for `context.params` (defaults live beside the policies).
    pub params: toml::Table,
    /// Enforcement levels other than the default (mandatory).
    pub enforcement: Vec<Enforcement>,
    /// Waivers, from the file `waivers` names.
    pub waivers: Vec<Waiver>,
    /// That file, if any.
    pub waivers_file: Option<PathBuf>,
    /// How many days ahead a waiver may expire.
    pub max_waiver_days: u32,
    /// Plugins switched off with `enabled = false`.
    pub disabled: Vec<String>,
    /// The configuration file and the waivers file, with their SHA-256.
    pub files: Vec<FileDigest>,
    /// The decision log every `check` appends to (`log = "…"`), if any.
    pub log: Option<PathBuf>,
    /// Stage chaining: whether a promotion needs the previous stage's signed decision.
    pub chain: Chain,
}

/// A file the decision depends on, and its SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileDigest {
    /// Where it is (for built-in text, its name in the repository).
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

impl FileDigest {
    /// The digest of `bytes` read from `path`.
    pub fn of(path: &Path, bytes: &[u8]) -> FileDigest {
        use sha2::{Digest, Sha256};
        FileDigest {
            path: path.display().to_string(),
            sha256: Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }
}

/// `[chain]`: a promotion into a stage needs a valid attestation, signed by a
/// trusted key, that the same commit was allowed into the previous stage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    /// Whether the previous stage's attestation is required.
    pub require_previous: bool,
    /// The public keys (PEM files) whose attestations are trusted.
    pub trusted_keys: Vec<PathBuf>,
}

impl GateConfig {
    /// The configuration used when there is no `stagegate.toml`.
    ///
    /// ```
    /// let config = stagegate::config::GateConfig::defaults();
    /// assert_eq!(config.stages, ["dev", "test", "prod"]);
    /// ```
    pub fn defaults() -> GateConfig {
        // Built-in defaults are valid by construction; parsing an empty
        // document cannot fail.
        Self::from_raw(RawConfig::default(), ConfigSource::Defaults, Path::new(".")).unwrap_or_else(
            |_| GateConfig {
                source: ConfigSource::Defaults,
                stages: vec!["dev".into(), "test".into(), "prod".into()],
                policies: PolicySource::Builtin,
                plugins: Vec::new(),
                bundle: BundleLimits::default(),
                evidence: BTreeMap::new(),
                allow_stage_skipping: false,
                params: toml::Table::new(),
                enforcement: Vec::new(),
                waivers: Vec::new(),
                waivers_file: None,
                max_waiver_days: DEFAULT_MAX_WAIVER_DAYS,
                disabled: Vec::new(),
                files: Vec::new(),
                log: None,
                chain: Chain::default(),
            },
        )
    }

    /// Reads and checks a `stagegate.toml`. Relative paths in it are relative
    /// to the file's directory.
    pub fn load(path: &Path) -> Result<GateConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks configuration text that was read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<GateConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut config = Self::from_raw(raw, ConfigSource::File(path.to_owned()), base)?;
        config
            .files
            .insert(0, FileDigest::of(path, text.as_bytes()));
        Ok(config)
    }

    fn from_raw(
        raw: RawConfig,
        source: ConfigSource,
        base: &Path,
    ) -> Result<GateConfig, ConfigError> {
        let label = match &source {
            ConfigSource::Defaults => PathBuf::from("built-in defaults"),
            ConfigSource::File(p) => p.clone(),
        };
        let invalid = |message: String| ConfigError::Invalid {
            path: label.clone(),
            message,
        };

        let stages = raw
            .stages
            .unwrap_or_else(|| vec!["dev".into(), "test".into(), "prod".into()]);
        if stages.len() < 2 {
            return Err(invalid("`stages` needs at least two stages".into()));
        }
        for (i, stage) in stages.iter().enumerate() {
            if !is_stage_name(stage) {
                return Err(invalid(format!(
                    "stage `{stage}` is not a valid name (letters, digits, `-`, `_`; at most 64)"
                )));
            }
            if stages.iter().take(i).any(|s| s == stage) {
                return Err(invalid(format!("stage `{stage}` is listed twice")));
            }
        }

        let policies = match raw.policies {
            None => PolicySource::Builtin,
            Some(dir) => {
                let dir = base.join(dir);
                if !dir.is_dir() {
                    return Err(invalid(format!(
                        "policy directory `{}` does not exist",
                        dir.display()
                    )));
                }
                PolicySource::Dir(dir)
            }
        };

        let mut raw_plugins = raw.plugins;
        let mut plugins = Vec::new();
        let mut disabled = Vec::new();
        for builtin in builtin::BUILTINS {
            let mut settings = raw_plugins.remove(builtin.name).unwrap_or_default();
            if settings.path.is_some() || settings.sha256.is_some() {
                return Err(invalid(format!(
                    "plugin `{}` is built in: it takes no `path` or `sha256` \
                     (give your plugin another name, or set `enabled = false` here)",
                    builtin.name
                )));
            }
            if settings.enabled == Some(false) {
                disabled.push(builtin.name.to_owned());
                continue;
            }
            let limits = limits(&settings, &invalid, builtin.name)?;
            let exceptions = plugin_exceptions(builtin.name, &mut settings, &invalid)?;
            plugins.push(PluginConfig {
                name: builtin.name.to_owned(),
                source: PluginSource::Builtin(builtin),
                config_json: config_json(settings.config),
                limits,
                exceptions,
            });
        }
        for (name, mut settings) in raw_plugins {
            check_plugin_name(&name).map_err(&invalid)?;
            if settings.enabled == Some(false) {
                disabled.push(name);
                continue;
            }
            let (Some(path), Some(sha256)) = (settings.path.clone(), settings.sha256.clone())
            else {
                return Err(invalid(format!(
                    "plugin `{name}` needs both `path` and `sha256` (or `enabled = false`)"
                )));
            };
            let is_digest = |d: &str| d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit());
            if !is_digest(&sha256) {
                return Err(invalid(format!(
                    "plugin `{name}`: `sha256` must be 64 hexadecimal characters"
                )));
            }
            let precompiled = match (
                settings.precompiled.clone(),
                settings.precompiled_sha256.clone(),
            ) {
                (None, None) => None,
                (Some(path), Some(digest)) if is_digest(&digest) => Some(Precompiled {
                    path: base.join(path),
                    sha256: digest.to_ascii_lowercase(),
                }),
                (Some(_), Some(_)) => {
                    return Err(invalid(format!(
                        "plugin `{name}`: `precompiled_sha256` must be 64 hexadecimal characters"
                    )));
                }
                _ => {
                    return Err(invalid(format!(
                        "plugin `{name}` needs both `precompiled` and `precompiled_sha256`, or neither"
                    )));
                }
            };
            let limits = limits(&settings, &invalid, &name)?;
            let exceptions = plugin_exceptions(&name, &mut settings, &invalid)?;
            plugins.push(PluginConfig {
                source: PluginSource::File {
                    path: base.join(path),
                    sha256: sha256.to_ascii_lowercase(),
                    precompiled,
                },
                config_json: config_json(settings.config),
                limits,
                exceptions,
                name,
            });
        }

        let defaults = BundleLimits::default();
        let mib = |v: Option<u64>, d: u64| v.map_or(d, |m| m.saturating_mul(1024 * 1024));
        let bundle = BundleLimits {
            max_artifact_bytes: mib(raw.bundle.max_artifact_mib, defaults.max_artifact_bytes),
            max_total_bytes: mib(raw.bundle.max_total_mib, defaults.max_total_bytes),
            max_files: raw.bundle.max_files.unwrap_or(defaults.max_files),
        };
        if bundle.max_artifact_bytes == 0 || bundle.max_total_bytes == 0 || bundle.max_files == 0 {
            return Err(invalid("bundle limits must be greater than zero".into()));
        }

        let evidence = match raw.evidence {
            Some(evidence) => evidence,
            None if plugins.iter().any(|p| p.name == "junit") => stages
                .iter()
                .skip(1)
                .map(|s| (s.clone(), vec!["junit".to_owned()]))
                .collect(),
            None => BTreeMap::new(),
        };
        for (stage, required) in &evidence {
            if !stages.contains(stage) {
                return Err(invalid(format!(
                    "`evidence.{stage}` names an unknown stage (stages: {})",
                    stages.join(" → ")
                )));
            }
            for name in required {
                if !plugins.iter().any(|p| &p.name == name) {
                    let known: Vec<&str> = plugins.iter().map(|p| p.name.as_str()).collect();
                    return Err(invalid(format!(
                        "`evidence.{stage}` names `{name}`, which is not a loaded plugin (plugins: {})",
                        known.join(", ")
                    )));
                }
            }
        }
        for key in raw.params.keys() {
            if !is_identifier(key) {
                return Err(invalid(format!(
                    "param `{key}` must match [a-z][a-z0-9_]* (at most 64 characters)"
                )));
            }
        }

        let enforcement = rollout::enforcement(raw.enforcement, &stages).map_err(&invalid)?;
        let max_waiver_days = raw.max_waiver_days.unwrap_or(DEFAULT_MAX_WAIVER_DAYS);
        if !(1..=3660).contains(&max_waiver_days) {
            return Err(invalid(
                "`max_waiver_days` must be between 1 and 3660".into(),
            ));
        }
        let waivers_file = raw.waivers.map(|p| base.join(p));
        let waivers = match &waivers_file {
            Some(path) => rollout::load_waivers(path, &stages)?,
            None => Vec::new(),
        };
        let mut files = Vec::new();
        if let Some(path) = &waivers_file {
            let bytes = std::fs::read(path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            files.push(FileDigest::of(path, &bytes));
        }
        let chain = raw.chain.unwrap_or_default();
        if chain.require_previous && chain.trusted_keys.is_empty() {
            return Err(invalid(
                "`[chain] require_previous = true` needs `trusted_keys`, the public keys of the gates whose decisions count".into(),
            ));
        }
        let chain = Chain {
            require_previous: chain.require_previous,
            trusted_keys: chain.trusted_keys.iter().map(|k| base.join(k)).collect(),
        };

        Ok(GateConfig {
            source,
            stages,
            policies,
            plugins,
            bundle,
            evidence,
            allow_stage_skipping: raw.allow_stage_skipping,
            params: raw.params,
            enforcement,
            waivers,
            waivers_file,
            max_waiver_days,
            disabled,
            files,
            log: raw.log.map(|p| base.join(p)),
            chain,
        })
    }

    /// The plugins whose evidence `stage` requires.
    pub fn required_evidence(&self, stage: &str) -> &[String] {
        self.evidence.get(stage).map_or(&[], Vec::as_slice)
    }

    /// The stage before `to`, if `to` is a known stage that has one.
    pub fn stage_before(&self, to: &str) -> Option<&str> {
        let index = self.stages.iter().position(|s| s == to)?;
        index
            .checked_sub(1)
            .and_then(|i| self.stages.get(i))
            .map(String::as_str)
    }
}

fn limits(
    settings: &RawPlugin,
    invalid: &dyn Fn(String) -> ConfigError,
    name: &str,
) -> Result<Limits, ConfigError> {
    let mut limits = Limits::default();
    if let Some(ms) = settings.timeout_ms {
        if !(1..=3_600_000).contains(&ms) {
            return Err(invalid(format!(
                "plugin `{name}`: `timeout_ms` must be between 1 and 3600000"
            )));
        }
        limits.timeout = Duration::from_millis(ms);
    }
    if let Some(ms) = settings.timeout_ms_per_mib {
        if ms > 60_000 {
            return Err(invalid(format!(
                "plugin `{name}`: `timeout_ms_per_mib` must be between 0 and 60000"
            )));
        }
        limits.timeout_per_mib = Duration::from_millis(ms);
    }
    if let Some(mib) = settings.memory_mib {
        if !(1..=4095).contains(&mib) {
            return Err(invalid(format!(
                "plugin `{name}`: `memory_mib` must be between 1 and 4095"
            )));
        }
        limits.memory_bytes = mib * 1024 * 1024;
    }
    if let Some(mib) = settings.report_mib {
        if !(1..=1024).contains(&mib) {
            return Err(invalid(format!(
                "plugin `{name}`: `report_mib` must be between 1 and 1024"
            )));
        }
        limits.report_bytes = usize::try_from(mib * 1024 * 1024).unwrap_or(usize::MAX);
    }
    Ok(limits)
}

/// The checked `[[plugins.NAME.exceptions]]`; the key `exceptions` of the
/// plugin's own `config` is the host's to fill.
fn plugin_exceptions(
    name: &str,
    settings: &mut RawPlugin,
    invalid: &dyn Fn(String) -> ConfigError,
) -> Result<Vec<Exception>, ConfigError> {
    if settings
        .config
        .as_ref()
        .is_some_and(|c| c.contains_key("exceptions"))
    {
        return Err(invalid(format!(
            "plugin `{name}`: `config.exceptions` is set by the host; write each as \
             `[[plugins.{name}.exceptions]]` with `id`, `match`, `reason`, `ticket`, `approver` and `expires`"
        )));
    }
    rollout::exceptions(name, std::mem::take(&mut settings.exceptions)).map_err(invalid)
}

fn config_json(table: Option<toml::Table>) -> String {
    match table {
        None => "{}".to_owned(),
        Some(table) => serde_json::to_string(&table).unwrap_or_else(|_| "{}".to_owned()),
    }
}

fn is_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks that `name` can be a plugin (and so a Cedar attribute) name.
pub fn check_plugin_name(name: &str) -> Result<(), String> {
    if !is_identifier(name) {
        return Err(format!(
            "plugin name `{name}` must match [a-z][a-z0-9_]* (at most 64 characters)"
        ));
    }
    if is_reserved(name) {
        return Err(format!("plugin name `{name}` is reserved"));
    }
    Ok(())
}

/// `[a-z][a-z0-9_]*`, at most 64 bytes: the shape of plugin and fact names.
pub fn is_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && name.len() <= 64
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GateConfig, ConfigError> {
        GateConfig::parse(text, Path::new("/cfg/stagegate.toml"))
    }

    #[test]
    fn defaults_have_three_stages_and_builtins() {
        let config = GateConfig::defaults();
        assert_eq!(config.stages, ["dev", "test", "prod"]);
        assert!(config.plugins.iter().any(|p| p.name == "junit"));
        assert_eq!(config.stage_before("prod"), Some("test"));
        assert_eq!(config.stage_before("dev"), None);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = parse("stagez = [\"a\", \"b\"]").unwrap_err().to_string();
        assert!(err.contains("unknown field `stagez`"), "{err}");
        let err = parse("[plugins.junit]\ntimeout = 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `timeout`"), "{err}");
    }

    #[test]
    fn external_plugins_need_digest() {
        let err = parse("[plugins.extra]\npath = \"x.wasm\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs both `path` and `sha256`"), "{err}");
        let err = parse("[plugins.extra]\npath = \"x.wasm\"\nsha256 = \"abc\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("64 hexadecimal"), "{err}");
        let ok = parse(&format!(
            "[plugins.extra]\npath = \"x.wasm\"\nsha256 = \"{}\"\ntimeout_ms = 500\n[plugins.extra.config]\nk = 1",
            "A".repeat(64)
        ))
        .unwrap();
        let extra = ok.plugins.iter().find(|p| p.name == "extra").unwrap();
        assert_eq!(extra.limits.timeout, Duration::from_millis(500));
        assert_eq!(extra.config_json, r#"{"k":1}"#);
        assert_eq!(
            extra.source,
            PluginSource::File {
                path: PathBuf::from("/cfg/x.wasm"),
                sha256: "a".repeat(64),
                precompiled: None,
            }
        );
    }

    #[test]
    fn builtins_can_be_tuned_or_disabled_but_not_replaced() {
        let config = parse("[plugins.junit]\nenabled = false").unwrap();
        assert!(!config.plugins.iter().any(|p| p.name == "junit"));
        let err = parse(&format!(
            "[plugins.junit]\npath = \"j.wasm\"\nsha256 = \"{}\"",
            "a".repeat(64)
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("is built in"), "{err}");
    }

    #[test]
    fn evidence_defaults_and_overrides() {
        let config = GateConfig::defaults();
        assert_eq!(config.required_evidence("prod"), ["junit"]);
        assert!(config.required_evidence("dev").is_empty());
        let config =
            parse("[evidence]\nprod = [\"junit\", \"coverage\"]\n[params]\ncoverage_floor = 75.0")
                .unwrap();
        assert_eq!(config.required_evidence("prod"), ["junit", "coverage"]);
        assert!(config.required_evidence("test").is_empty());
        assert!(parse("[evidence]\nstaging = [\"junit\"]").is_err());
        let err = parse("[evidence]\nprod = [\"kubernets\"]")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`kubernets`, which is not a loaded plugin"),
            "{err}"
        );
        let renamed = parse("stages = [\"dev\", \"qa\", \"staging\", \"production\"]").unwrap();
        for stage in ["qa", "staging", "production"] {
            assert_eq!(renamed.required_evidence(stage), ["junit"], "{stage}");
        }
        assert!(renamed.required_evidence("dev").is_empty());
        let without = parse("[plugins.junit]\nenabled = false").unwrap();
        assert!(without.evidence.is_empty());
        assert!(parse("[params]\nBad = 1").is_err());
    }

    #[test]
    fn names_and_stages_are_checked() {
        assert!(parse("stages = [\"only\"]").is_err());
        assert!(parse("stages = [\"a\", \"a\"]").is_err());
        assert!(parse("stages = [\"a b\", \"c\"]").is_err());
        let err = parse(&format!(
            "[plugins.Bad]\npath = \"x\"\nsha256 = \"{}\"",
            "a".repeat(64)
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("must match"), "{err}");
        let err = parse(&format!(
            "[plugins.from]\npath = \"x\"\nsha256 = \"{}\"",
            "a".repeat(64)
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("reserved"), "{err}");
        for name in HOST_CONTEXT_KEYS {
            let err = parse(&format!(
                "[plugins.{name}]\npath = \"x\"\nsha256 = \"{}\"",
                "a".repeat(64)
            ))
            .unwrap_err()
            .to_string();
            assert!(err.contains("is reserved"), "{name}: {err}");
        }
        assert!(parse("[plugins.junit]\nmemory_mib = 0").is_err());
        assert!(parse("[plugins.junit]\nreport_mib = 0").is_err());
        assert!(parse("[plugins.junit]\nreport_mib = 1025").is_err());
        let tuned = parse("[plugins.junit]\nreport_mib = 2").unwrap();
        let junit = tuned.plugins.iter().find(|p| p.name == "junit").unwrap();
        assert_eq!(junit.limits.report_bytes, 2 * 1024 * 1024);
        let skipping = parse("allow_stage_skipping = true").unwrap();
        assert!(skipping.allow_stage_skipping && !GateConfig::defaults().allow_stage_skipping);
    }
}
