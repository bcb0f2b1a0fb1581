//! The WebAssembly runtime: one engine per process; built-in plugins
//! deserialized from the code precompiled into the binary, configured plugins
//! compiled once (through the authenticated [`CodeCache`] when enabled); each
//! pre-instantiated, with a fresh store per call.
//!
//! A ticker thread advances the engine's epoch every [`TICK`]; each store gets
//! a deadline in ticks, so a guest that loops traps as an interrupt. A guest
//! that waits inside a host call (a sleep, a poll) is not interrupted by the
//! epoch; that is what the gate's watchdog is for: it runs every [`Job`] on
//! its own thread and abandons one that outlives its deadline.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store, Trap};

use super::bindings::stagegate::plugin::types as wit;
use super::bindings::{Plugin, PluginPre};
use super::cache::{CacheStatus, CodeCache};
use super::engine_config::plugin_engine_config;
use super::sandbox::{LimitHit, Sandbox};
use super::{
    Outcome, PluginError, PluginMetadata, PluginRun, code_memory, contract, convert, precompiled,
};
use crate::bundle::Bundle;
use crate::config::{Limits, PluginConfig, PluginSource};
use crate::kinds::hex;

/// Epoch tick period: the granularity of deadlines.
pub const TICK: Duration = Duration::from_millis(10);
/// Most characters of a plugin's error text kept.
const MAX_ERROR_CHARS: usize = 1000;
/// Largest component file read from disk.
const MAX_COMPONENT_BYTES: u64 = 512 * 1024 * 1024;

/// The engine, the linker every plugin is linked with, and the epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    cache: Option<CodeCache>,
    /// Dropped to stop the ticker at once, not at its next tick.
    stop: Option<mpsc::Sender<()>>,
    ticker: Option<JoinHandle<()>>,
}

/// A plugin ready to evaluate: compiled, linked, described and checked.
pub struct LoadedPlugin {
    /// Its checked metadata.
    pub meta: PluginMetadata,
    /// SHA-256 of its component.
    pub sha256: String,
    /// `built-in` or the component path.
    pub origin: String,
    /// Its limits.
    pub limits: Limits,
    /// Its configuration (JSON object text).
    pub config_json: String,
    /// Where its native code came from.
    pub cache: CacheStatus,
    pre: PluginPre<Sandbox>,
}

/// One evaluation, ready to run on any thread.
pub struct Job {
    engine: Engine,
    plugin: Arc<LoadedPlugin>,
    view: PathBuf,
    artifacts: Vec<wit::Artifact>,
}

impl Runtime {
    /// Sets up the engine; `cache` keeps configured plugins' compiled code.
    pub fn new(cache: Option<CodeCache>) -> Result<Runtime, PluginError> {
        Self::with_config(code_memory::configure(plugin_engine_config()), cache)
    }

    /// Sets up the engine with `config`: [`Runtime::new`]'s, or in tests
    /// another one, under which the built-ins' precompiled code is refused.
    pub(crate) fn with_config(
        config: wasmtime::Config,
        cache: Option<CodeCache>,
    ) -> Result<Runtime, PluginError> {
        let engine_err = |e: wasmtime::Error| PluginError::Engine(format!("{e:#}"));
        let engine = Engine::new(&config).map_err(engine_err)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(engine_err)?;
        Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(engine_err)?;

        let (stop, stopped) = mpsc::channel::<()>();
        let ticker = {
            let engine = engine.clone();
            std::thread::Builder::new()
                .name("stagegate-epoch".into())
                .spawn(move || {
                    // A tick never comes early (`recv_timeout` waits the
                    // whole period), and the thread ends as soon as the
                    // runtime is dropped, not up to a tick later.
                    while stopped.recv_timeout(TICK) == Err(mpsc::RecvTimeoutError::Timeout) {
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| PluginError::Engine(format!("cannot start the epoch ticker: {e}")))?
        };
        Ok(Runtime {
            engine,
            linker,
            cache,
            stop: Some(stop),
            ticker: Some(ticker),
        })
    }

    /// Loads, verifies, compiles, links and describes one plugin.
    pub fn load(&self, spec: &PluginConfig) -> Result<LoadedPlugin, PluginError> {
        let invalid = |message: String| PluginError::Invalid {
            name: spec.name.clone(),
            message,
        };
        let (component, sha256, origin, cache) = match &spec.source {
            PluginSource::Builtin(builtin) => {
                let (component, status) = match code_memory::load_builtin(&self.engine, builtin) {
                    Ok(component) => (component, CacheStatus::Builtin),
                    // Another CPU or engine than the build's: the embedded
                    // component is compiled instead, as a configured one is.
                    Err(_) => (
                        self.compile(&spec.name, builtin.wasm)?,
                        CacheStatus::BuiltinCompiled,
                    ),
                };
                (
                    component,
                    builtin.sha256.to_owned(),
                    "built-in".to_owned(),
                    status,
                )
            }
            PluginSource::File {
                path,
                sha256,
                precompiled,
            } => {
                let bytes = read_component(&spec.name, path)?;
                let actual = hex(&Sha256::digest(&bytes));
                if &actual != sha256 {
                    return Err(PluginError::DigestMismatch {
                        name: spec.name.clone(),
                        path: path.clone(),
                        expected: sha256.clone(),
                        actual,
                    });
                }
                let (cached, status) = match (precompiled, &self.cache) {
                    (Some(artifact), _) => self.load_precompiled(&spec.name, artifact, &actual)?,
                    (None, Some(cache)) => cache.load(&self.engine, &actual),
                    (None, None) => (None, CacheStatus::Off),
                };
                let component = match cached {
                    Some(component) => component,
                    None => {
                        let component = self.compile(&spec.name, &bytes)?;
                        if let (None, Some(cache)) = (precompiled, &self.cache) {
                            cache.store(&self.engine, &actual, &component);
                        }
                        component
                    }
                };
                (component, actual, path.display().to_string(), status)
            }
        };
        let (pre, raw) = self.describe(&spec.name, &component, &spec.limits)?;
        let meta = convert::metadata(&spec.name, raw, &spec.limits).map_err(&invalid)?;
        Ok(LoadedPlugin {
            meta,
            sha256,
            origin,
            limits: spec.limits,
            config_json: spec.config_json.clone(),
            cache,
            pre,
        })
    }

    /// The component from its pinned precompiled artifact, or `None` (with
    /// the note) when this engine or CPU cannot run it. A digest mismatch or
    /// an artifact of another component refuses the plugin.
    fn load_precompiled(
        &self,
        name: &str,
        artifact: &crate::config::Precompiled,
        component_sha256: &str,
    ) -> Result<(Option<Component>, CacheStatus), PluginError> {
        let bytes = read_component(name, &artifact.path)?;
        let actual = hex(&Sha256::digest(&bytes));
        if actual != artifact.sha256 {
            return Err(PluginError::DigestMismatch {
                name: name.to_owned(),
                path: artifact.path.clone(),
                expected: artifact.sha256.clone(),
                actual,
            });
        }
        let code =
            precompiled::code(&bytes, component_sha256).map_err(|e| PluginError::Invalid {
                name: name.to_owned(),
                message: format!("precompiled artifact `{}` {e}", artifact.path.display()),
            })?;
        Ok(match precompiled::load(&self.engine, code) {
            Ok(component) => (Some(component), CacheStatus::Precompiled),
            Err(_) => (None, CacheStatus::PrecompiledUnusable),
        })
    }

    /// The precompiled artifact of the component at `path` for this host's
    /// engine, compiled once and checked as `check` would load it.
    pub fn precompile(&self, path: &Path) -> Result<Vec<u8>, PluginError> {
        let label = path.display().to_string();
        let bytes = read_component(&label, path)?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let artifact = precompiled::compile(&self.engine, &bytes, &sha256).map_err(|e| {
            PluginError::Invalid {
                name: label.clone(),
                message: format!("is not a valid WebAssembly component: {e:#}"),
            }
        })?;
        let engine_err =
            |e: String| PluginError::Engine(format!("cannot reload what it precompiled: {e}"));
        let code = precompiled::code(&artifact, &sha256).map_err(|e| engine_err(e.to_string()))?;
        let component =
            precompiled::load(&self.engine, code).map_err(|e| engine_err(format!("{e:#}")))?;
        self.load_compiled(path, &component, sha256, |_| None)?;
        Ok(artifact)
    }

    /// Loads a component given on the command line for a dry run: unpinned,
    /// its digest taken as read, compiled without the cache. Its name is the
    /// one it describes itself with; `settings` gives the limits and
    /// configuration for that name (those of the configured plugin it stands
    /// in for), else the defaults apply. `describe` runs under the default
    /// limits; its metadata is checked against the plugin's own.
    pub fn load_local(
        &self,
        path: &Path,
        settings: impl FnOnce(&str) -> Option<(Limits, String)>,
    ) -> Result<LoadedPlugin, PluginError> {
        let label = path.display().to_string();
        let bytes = read_component(&label, path)?;
        let sha256 = hex(&Sha256::digest(&bytes));
        let component = self.compile(&label, &bytes)?;
        self.load_compiled(path, &component, sha256, settings)
    }

    /// [`Runtime::load_local`] of a component already read and compiled.
    pub(crate) fn load_compiled(
        &self,
        path: &Path,
        component: &Component,
        sha256: String,
        settings: impl FnOnce(&str) -> Option<(Limits, String)>,
    ) -> Result<LoadedPlugin, PluginError> {
        let label = path.display().to_string();
        let (pre, raw) = self.describe(&label, component, &Limits::default())?;
        let name = raw.name.clone();
        crate::config::check_plugin_name(&name).map_err(|e| PluginError::Invalid {
            name: label.clone(),
            message: format!("describes itself with a name the gate cannot use: {e}"),
        })?;
        let (limits, config_json) =
            settings(&name).unwrap_or_else(|| (Limits::default(), "{}".to_owned()));
        let meta =
            convert::metadata(&name, raw, &limits).map_err(|message| PluginError::Invalid {
                name: name.clone(),
                message,
            })?;
        Ok(LoadedPlugin {
            meta,
            sha256,
            origin: format!("{label} (local, unpinned)"),
            limits,
            config_json,
            cache: CacheStatus::Local,
            pre,
        })
    }

    /// Compiles a component read from a file.
    pub(crate) fn compile(&self, name: &str, bytes: &[u8]) -> Result<Component, PluginError> {
        Component::new(&self.engine, bytes).map_err(|e| PluginError::Invalid {
            name: name.to_owned(),
            message: format!("is not a valid WebAssembly component: {e:#}"),
        })
    }

    /// The engine plugins are compiled for.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Checks the contract, links `component` and calls its `describe`.
    fn describe(
        &self,
        name: &str,
        component: &Component,
        limits: &Limits,
    ) -> Result<(PluginPre<Sandbox>, wit::Metadata), PluginError> {
        let invalid = |message: String| PluginError::Invalid {
            name: name.to_owned(),
            message,
        };
        contract::check(&self.engine, component).map_err(invalid)?;
        let instance_pre = self.linker.instantiate_pre(component).map_err(|e| {
            invalid(format!(
                "needs an import the sandbox does not provide: {e:#}"
            ))
        })?;
        let pre = PluginPre::new(instance_pre)
            .map_err(|e| invalid(format!("does not match the plugin world: {e:#}")))?;

        let mut store = self
            .store(None, limits)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let started = Instant::now();
        let described = pre
            .instantiate(&mut store)
            .and_then(|p| p.stagegate_plugin_guest().call_describe(&mut store));
        match described {
            Ok(raw) => Ok((pre, raw)),
            Err(e) => {
                let logs = store.data_mut().take_logs();
                let why = classify(&e, store.data(), &logs, limits, started.elapsed());
                Err(invalid(format!("failed in `describe`: {why}")))
            }
        }
    }

    /// The evaluation of `plugin` over the artifacts of `bundle` it reads.
    pub fn job(&self, plugin: &Arc<LoadedPlugin>, bundle: &Bundle) -> Job {
        let artifacts = bundle
            .select(&plugin.meta.reads)
            .iter()
            .map(|(a, kind)| wit::Artifact {
                path: a.path.clone(),
                kind: (*kind).to_owned(),
                size: a.size,
                sha256: a.sha256.clone(),
            })
            .collect();
        Job {
            engine: self.engine.clone(),
            plugin: Arc::clone(plugin),
            view: bundle.view().to_owned(),
            artifacts,
        }
    }

    fn store(&self, bundle: Option<&Path>, limits: &Limits) -> wasmtime::Result<Store<Sandbox>> {
        new_store(&self.engine, bundle, limits)
    }
}

fn new_store(
    engine: &Engine,
    bundle: Option<&Path>,
    limits: &Limits,
) -> wasmtime::Result<Store<Sandbox>> {
    let mut store = Store::new(engine, Sandbox::new(bundle, limits)?);
    store.limiter(|s: &mut Sandbox| -> &mut dyn wasmtime::ResourceLimiter { s });
    // One tick more than the timeout holds: the first tick may come at any
    // moment of the current interval, and a plugin is never stopped before
    // its whole deadline has passed.
    let ticks = limits.timeout.as_millis().div_ceil(TICK.as_millis()) + 1;
    store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
    store.epoch_deadline_trap();
    Ok(store)
}

impl Job {
    /// The plugin this job evaluates.
    pub fn plugin_arc(&self) -> &Arc<LoadedPlugin> {
        &self.plugin
    }

    /// Runs the evaluation on the current thread.
    pub fn run(self) -> PluginRun {
        let plugin = &*self.plugin;
        let started = Instant::now();
        // The deadline grows with the input (see `Limits::deadline`).
        let limits = Limits {
            timeout: self.deadline(),
            ..plugin.limits
        };
        let (outcome, logs) = match new_store(&self.engine, Some(&self.view), &limits) {
            Err(e) => (
                Outcome::Failed(format!("sandbox setup failed: {e:#}")),
                Vec::new(),
            ),
            Ok(mut store) => {
                let result = plugin.pre.instantiate(&mut store).and_then(|p| {
                    p.stagegate_plugin_guest().call_evaluate(
                        &mut store,
                        &self.artifacts,
                        &plugin.config_json,
                    )
                });
                let elapsed = started.elapsed();
                let logs = store.data_mut().take_logs();
                let outcome = match result {
                    Err(e) => Outcome::Failed(classify(&e, store.data(), &logs, &limits, elapsed)),
                    Ok(_) if store.data().limit_hit() == Some(LimitHit::Output) => {
                        Outcome::Failed(output_message(store.data()))
                    }
                    Ok(Err(message)) => Outcome::Failed(format!(
                        "reported an error: {}",
                        stagegate_text::clip(&message, MAX_ERROR_CHARS)
                    )),
                    Ok(Ok(raw)) => match convert::evaluation(&plugin.meta, raw, &plugin.limits) {
                        Ok((facts, findings)) => Outcome::Ok { facts, findings },
                        Err(violation) => {
                            Outcome::Failed(format!("violated its declared schema: it {violation}"))
                        }
                    },
                };
                (outcome, logs)
            }
        };
        let outcome = match outcome {
            Outcome::Ok { findings, .. }
                if share(&findings, &logs) > plugin.limits.report_bytes =>
            {
                Outcome::Failed(format!(
                    "exceeded its share of the report: its findings and logs take {} bytes, more than its limit of {}",
                    share(&findings, &logs),
                    plugin.limits.report_bytes
                ))
            }
            other => other,
        };
        PluginRun {
            name: plugin.meta.name.clone(),
            version: plugin.meta.version.clone(),
            sha256: plugin.sha256.clone(),
            origin: plugin.origin.clone(),
            artifacts: self.artifacts.len(),
            duration: started.elapsed(),
            logs,
            outcome,
            limits: plugin.limits,
            cache: plugin.cache.clone(),
        }
    }

    /// The run to report when this job's thread did not come back in time
    /// (a guest blocked inside a host call) or died.
    pub fn abandoned(
        plugin: &LoadedPlugin,
        artifacts: usize,
        elapsed: Duration,
        why: String,
    ) -> PluginRun {
        PluginRun {
            name: plugin.meta.name.clone(),
            version: plugin.meta.version.clone(),
            sha256: plugin.sha256.clone(),
            origin: plugin.origin.clone(),
            artifacts,
            duration: elapsed,
            logs: Vec::new(),
            outcome: Outcome::Failed(why),
            limits: plugin.limits,
            cache: plugin.cache.clone(),
        }
    }

    /// The same job given no artifacts: what the plugin reports when the
    /// bundle holds nothing for it.
    pub fn without_artifacts(mut self) -> Job {
        self.artifacts.clear();
        self
    }

    /// How many artifacts the plugin is given.
    pub fn artifact_count(&self) -> usize {
        self.artifacts.len()
    }

    /// How many bytes of artifacts the plugin is given.
    pub fn bytes(&self) -> u64 {
        self.artifacts.iter().map(|a| a.size).sum()
    }

    /// This run's deadline: the plugin's timeout, plus its allowance for
    /// every MiB of the artifacts it is given.
    pub fn deadline(&self) -> Duration {
        self.plugin.limits.deadline(self.bytes())
    }
}

/// What a plugin's findings and logs add to the report, in bytes: their
/// strings plus a fixed cost per item for the structure around them.
fn share(findings: &[crate::facts::Finding], logs: &[super::LogLine]) -> usize {
    const ITEM: usize = 64;
    let findings: usize = findings
        .iter()
        .map(|f| ITEM + f.rule.len() + f.message.len() + f.path.as_ref().map_or(0, String::len))
        .sum();
    let logs: usize = logs.iter().map(|l| ITEM + l.message.len()).sum();
    findings.saturating_add(logs)
}

impl Drop for Runtime {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

pub(crate) fn read_component(name: &str, path: &Path) -> Result<Vec<u8>, PluginError> {
    let read_err = |message: String| PluginError::Read {
        name: name.to_owned(),
        path: path.to_owned(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?;
    // A FIFO or a device would block the read or never end.
    if !meta.is_file() {
        return Err(read_err("it is not a regular file".to_owned()));
    }
    if meta.len() > MAX_COMPONENT_BYTES {
        return Err(read_err(format!(
            "it is {} bytes, more than {MAX_COMPONENT_BYTES}",
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| read_err(e.to_string()))
}

/// Names the limit or trap behind a failed call.
fn classify(
    err: &wasmtime::Error,
    sandbox: &Sandbox,
    logs: &[super::LogLine],
    limits: &Limits,
    elapsed: Duration,
) -> String {
    match sandbox.limit_hit() {
        Some(LimitHit::Memory) => {
            return format!(
                "exceeded its {} MiB memory limit",
                sandbox.memory_cap() / (1024 * 1024)
            );
        }
        Some(LimitHit::Output) => return output_message(sandbox),
        None => {}
    }
    if err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return format!(
            "exceeded its {} ms deadline (stopped after {} ms)",
            limits.timeout.as_millis(),
            elapsed.as_millis()
        );
    }
    let stderr: Vec<&str> = logs
        .iter()
        .filter(|l| l.level == "stderr")
        .map(|l| l.message.as_str())
        .collect();
    let tail = stderr
        .len()
        .checked_sub(3)
        .and_then(|start| stderr.get(start..))
        .unwrap_or(&stderr)
        .join(" | ");
    // The trap itself (e.g. "wasm `unreachable` instruction executed"), not
    // the guest backtrace wasmtime wraps around it.
    let cause = match err.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => err.root_cause().to_string(),
    };
    let mut message = format!("trapped: {}", stagegate_text::clip(&cause, MAX_ERROR_CHARS));
    if !tail.is_empty() {
        message.push_str(&format!(
            " (stderr: {})",
            stagegate_text::clip(&tail, MAX_ERROR_CHARS)
        ));
    }
    message
}

fn output_message(sandbox: &Sandbox) -> String {
    format!(
        "exceeded its output limit of {} KiB (stdout, stderr and logs together)",
        sandbox.output_cap() / 1024
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BundleLimits, GateConfig};

    fn builtin(name: &str) -> PluginConfig {
        GateConfig::defaults()
            .plugins
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    fn run_without_artifacts(runtime: &Runtime, plugin: &Arc<LoadedPlugin>) -> PluginRun {
        let dir = tempfile::tempdir().unwrap();
        let bundle = Bundle::open(dir.path(), &BundleLimits::default(), &[]).unwrap();
        runtime.job(plugin, &bundle).run()
    }

    #[test]
    fn a_builtin_loads_its_precompiled_code() {
        let runtime = Runtime::new(None).unwrap();
        let junit = Arc::new(runtime.load(&builtin("junit")).unwrap());
        assert_eq!(junit.cache, CacheStatus::Builtin);
        let run = run_without_artifacts(&runtime, &junit);
        let Outcome::Ok { facts, .. } = run.outcome else {
            panic!("{:?}", run.outcome);
        };
        assert!(!facts.is_empty());
    }

    #[test]
    fn a_builtin_is_compiled_where_its_precompiled_code_cannot_run() {
        // Another guard size: wasmtime refuses the precompiled code.
        let mut config = plugin_engine_config();
        config.memory_guard_size(1 << 16);
        let runtime = Runtime::with_config(code_memory::configure(config), None).unwrap();
        let junit = Arc::new(runtime.load(&builtin("junit")).unwrap());
        assert_eq!(junit.cache, CacheStatus::BuiltinCompiled);
        assert_eq!(junit.meta.name, "junit");
        assert!(matches!(
            run_without_artifacts(&runtime, &junit).outcome,
            Outcome::Ok { .. }
        ));
    }

    #[test]
    fn a_builtin_loads_again_in_another_runtime_of_the_same_process() {
        let first = Runtime::new(None).unwrap();
        let second = Runtime::new(None).unwrap();
        let a = Arc::new(first.load(&builtin("sarif")).unwrap());
        let b = Arc::new(second.load(&builtin("sarif")).unwrap());
        drop(a);
        drop(first);
        assert!(matches!(
            run_without_artifacts(&second, &b).outcome,
            Outcome::Ok { .. }
        ));
    }
}
