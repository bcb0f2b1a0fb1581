//! The WebAssembly runtime: one engine per process, each plugin compiled once
//! (through wasmtime's on-disk cache when enabled) and pre-instantiated, and a
//! fresh store per call.
//!
//! A ticker thread advances the engine's epoch every [`TICK`]; each store gets
//! a deadline in ticks, so a guest that loops traps as an interrupt. Host
//! functions never block for long (file reads of the bundle only), so the
//! deadline bounds the wall time of every call.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Cache, CacheConfig, Config, Engine, Store, Trap};

use super::bindings::stagegate::plugin::types as wit;
use super::bindings::{Plugin, PluginPre};
use super::sandbox::{LimitHit, Sandbox};
use super::{Outcome, PluginError, PluginMetadata, PluginRun, contract, convert};
use crate::bundle::{Bundle, hex};
use crate::config::{Limits, PluginConfig, PluginSource};

/// Epoch tick period: the granularity of deadlines.
pub const TICK: Duration = Duration::from_millis(10);
/// Largest component file read from disk.
const MAX_COMPONENT_BYTES: u64 = 512 * 1024 * 1024;

/// The engine, the linker every plugin is linked with, and the epoch ticker.
pub struct Runtime {
    engine: Engine,
    linker: Linker<Sandbox>,
    stop: Arc<AtomicBool>,
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
    pre: PluginPre<Sandbox>,
}

impl Runtime {
    /// Sets up the engine; `cache_dir` enables the on-disk compilation cache.
    pub fn new(cache_dir: Option<&Path>) -> Result<Runtime, PluginError> {
        let engine_err = |e: wasmtime::Error| PluginError::Engine(format!("{e:#}"));
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        if let Some(dir) = cache_dir {
            let mut cache = CacheConfig::new();
            cache.with_directory(dir);
            config.cache(Some(Cache::new(cache).map_err(engine_err)?));
        }
        let engine = Engine::new(&config).map_err(engine_err)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(engine_err)?;
        Plugin::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(engine_err)?;

        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let engine = engine.clone();
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("stagegate-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| PluginError::Engine(format!("cannot start the epoch ticker: {e}")))?
        };
        Ok(Runtime {
            engine,
            linker,
            stop,
            ticker: Some(ticker),
        })
    }

    /// Loads, verifies, compiles, links and describes one plugin.
    pub fn load(&self, spec: &PluginConfig) -> Result<LoadedPlugin, PluginError> {
        let invalid = |message: String| PluginError::Invalid {
            name: spec.name.clone(),
            message,
        };
        let (bytes, origin): (std::borrow::Cow<'_, [u8]>, String) = match &spec.source {
            PluginSource::Builtin(wasm) => ((*wasm).into(), "built-in".into()),
            PluginSource::File { path, sha256 } => {
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
                (bytes.into(), path.display().to_string())
            }
        };
        let sha256 = hex(&Sha256::digest(&bytes));
        let component = Component::new(&self.engine, &bytes)
            .map_err(|e| invalid(format!("is not a valid WebAssembly component: {e:#}")))?;
        contract::check(&self.engine, &component).map_err(&invalid)?;
        let instance_pre = self.linker.instantiate_pre(&component).map_err(|e| {
            invalid(format!(
                "needs an import the sandbox does not provide: {e:#}"
            ))
        })?;
        let pre = PluginPre::new(instance_pre)
            .map_err(|e| invalid(format!("does not match the plugin world: {e:#}")))?;

        let mut store = self
            .store(None, &spec.limits)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let started = Instant::now();
        let described = pre
            .instantiate(&mut store)
            .and_then(|p| p.stagegate_plugin_guest().call_describe(&mut store));
        let raw = match described {
            Ok(raw) => raw,
            Err(e) => {
                let logs = store.data_mut().take_logs();
                let why = classify(&e, store.data(), &logs, &spec.limits, started.elapsed());
                return Err(invalid(format!("failed in `describe`: {why}")));
            }
        };
        let meta = convert::metadata(&spec.name, raw, &spec.limits).map_err(&invalid)?;
        Ok(LoadedPlugin {
            meta,
            sha256,
            origin,
            limits: spec.limits,
            config_json: spec.config_json.clone(),
            pre,
        })
    }

    /// Runs one evaluation of `plugin` over the artifacts of `bundle` it reads.
    pub fn evaluate(&self, plugin: &LoadedPlugin, bundle: &Bundle) -> PluginRun {
        let selected = bundle.select(&plugin.meta.reads);
        let artifacts: Vec<wit::Artifact> = selected
            .iter()
            .map(|(a, kind)| wit::Artifact {
                path: a.path.clone(),
                kind: (*kind).to_owned(),
                size: a.size,
                sha256: a.sha256.clone(),
            })
            .collect();
        let started = Instant::now();
        let (outcome, logs) = match self.store(Some(&bundle.root), &plugin.limits) {
            Err(e) => (
                Outcome::Failed(format!("sandbox setup failed: {e:#}")),
                Vec::new(),
            ),
            Ok(mut store) => {
                let result = plugin.pre.instantiate(&mut store).and_then(|p| {
                    p.stagegate_plugin_guest().call_evaluate(
                        &mut store,
                        &artifacts,
                        &plugin.config_json,
                    )
                });
                let elapsed = started.elapsed();
                let logs = store.data_mut().take_logs();
                let outcome = match result {
                    Err(e) => {
                        Outcome::Failed(classify(&e, store.data(), &logs, &plugin.limits, elapsed))
                    }
                    Ok(_) if store.data().limit_hit() == Some(LimitHit::Output) => {
                        Outcome::Failed(output_message(store.data()))
                    }
                    Ok(Err(message)) => {
                        Outcome::Failed(format!("reported an error: {}", clip_long(&message)))
                    }
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
        PluginRun {
            name: plugin.meta.name.clone(),
            version: plugin.meta.version.clone(),
            sha256: plugin.sha256.clone(),
            origin: plugin.origin.clone(),
            artifacts: artifacts.len(),
            duration: started.elapsed(),
            logs,
            outcome,
            limits: plugin.limits,
        }
    }

    fn store(&self, bundle: Option<&Path>, limits: &Limits) -> wasmtime::Result<Store<Sandbox>> {
        let mut store = Store::new(&self.engine, Sandbox::new(bundle, limits)?);
        store.limiter(|s: &mut Sandbox| -> &mut dyn wasmtime::ResourceLimiter { s });
        let ticks = limits.timeout.as_millis().div_ceil(TICK.as_millis()).max(1);
        store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        store.epoch_deadline_trap();
        Ok(store)
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(ticker) = self.ticker.take() {
            let _ = ticker.join();
        }
    }
}

fn read_component(name: &str, path: &Path) -> Result<Vec<u8>, PluginError> {
    let read_err = |message: String| PluginError::Read {
        name: name.to_owned(),
        path: path.to_owned(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?;
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
    let mut message = format!("trapped: {}", clip_long(&cause));
    if !tail.is_empty() {
        message.push_str(&format!(" (stderr: {})", clip_long(&tail)));
    }
    message
}

fn output_message(sandbox: &Sandbox) -> String {
    format!(
        "exceeded its output limit of {} KiB (stdout, stderr and logs together)",
        sandbox.output_cap() / 1024
    )
}

/// At most 1000 characters of untrusted text.
fn clip_long(s: &str) -> String {
    if s.chars().count() <= 1000 {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(1000).collect();
    out.push('…');
    out
}
