//! The gate: wires config → bundle → plugins → decision into one
//! [`GateReport`]. It prints nothing and never returns early without a
//! report: any failure on the way is recorded and makes the decision
//! [`GateDecision::Error`], so every caller (and every output format) sees the
//! same complete picture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::bundle::{Bundle, Skipped};
use crate::config::{ConfigSource, GateConfig, PolicySource};
use crate::decision::{Change, Policies, Reason};
use crate::facts::{FactSpec, Facts, Finding};
use crate::plugin::{LoadedPlugin, Outcome, PluginRun, Runtime};

/// What the gate decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateDecision {
    /// Promotion is allowed.
    Allow,
    /// Promotion is denied.
    Deny,
    /// The gate could not decide (and so blocks).
    Error,
}

impl GateDecision {
    /// `allow`, `deny` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            GateDecision::Allow => "allow",
            GateDecision::Deny => "deny",
            GateDecision::Error => "error",
        }
    }
}

/// One gate evaluation to perform.
#[derive(Debug, Clone)]
pub struct GateRequest {
    /// The bundle directory.
    pub bundle: PathBuf,
    /// Target stage.
    pub to: String,
    /// Source stage; defaults to the stage before `to`.
    pub from: Option<String>,
    /// The change being promoted.
    pub change: Change,
    /// wasmtime compilation cache directory, if caching.
    pub cache_dir: Option<PathBuf>,
}

/// An artifact as reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactSummary {
    /// Bundle-relative path.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256.
    pub sha256: String,
}

/// Everything the gate found out; renderers turn it into output.
#[derive(Debug, Clone)]
pub struct GateReport {
    /// The decision.
    pub decision: GateDecision,
    /// Source stage (empty if it could not be determined).
    pub from: String,
    /// Target stage.
    pub to: String,
    /// The change.
    pub change: Change,
    /// Deciding policies.
    pub reasons: Vec<Reason>,
    /// Every error met on the way.
    pub errors: Vec<String>,
    /// Plugin runs, in configuration order.
    pub plugins: Vec<PluginRun>,
    /// Facts by plugin.
    pub facts: BTreeMap<String, Facts>,
    /// Fact declarations by plugin, for documentation in reports.
    pub fact_specs: BTreeMap<String, Vec<FactSpec>>,
    /// Findings of all plugins, in plugin order.
    pub findings: Vec<Finding>,
    /// The bundle's artifacts.
    pub artifacts: Vec<ArtifactSummary>,
    /// Entries of the bundle that are not artifacts.
    pub skipped: Vec<Skipped>,
    /// Where the configuration came from.
    pub config: String,
    /// Where the policies came from.
    pub policy_source: String,
    /// Digest of the policy texts, when loaded.
    pub policy_digest: Option<String>,
}

impl GateReport {
    fn new(config: &GateConfig, request: &GateRequest) -> GateReport {
        GateReport {
            decision: GateDecision::Error,
            from: request.from.clone().unwrap_or_default(),
            to: request.to.clone(),
            change: request.change.clone(),
            reasons: Vec::new(),
            errors: Vec::new(),
            plugins: Vec::new(),
            facts: BTreeMap::new(),
            fact_specs: BTreeMap::new(),
            findings: Vec::new(),
            artifacts: Vec::new(),
            skipped: Vec::new(),
            config: match &config.source {
                ConfigSource::Defaults => "built-in defaults".into(),
                ConfigSource::File(p) => p.display().to_string(),
            },
            policy_source: match &config.policies {
                PolicySource::Builtin => "built-in defaults".into(),
                PolicySource::Dir(d) => d.display().to_string(),
            },
            policy_digest: None,
        }
    }

    fn fail(mut self, error: impl ToString) -> GateReport {
        self.errors.push(error.to_string());
        self.decision = GateDecision::Error;
        self
    }
}

/// Runs the gate. Never panics; failures end up in the report.
pub fn run(config: &GateConfig, request: &GateRequest) -> GateReport {
    let mut report = GateReport::new(config, request);

    let from = match resolve_stages(config, request) {
        Ok(from) => from,
        Err(e) => return report.fail(e),
    };
    report.from = from.clone();

    let bundle = match Bundle::open(&request.bundle, &config.bundle) {
        Ok(bundle) => bundle,
        Err(e) => return report.fail(e),
    };
    report.artifacts = bundle
        .artifacts
        .iter()
        .map(|a| ArtifactSummary {
            path: a.path.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
        })
        .collect();
    report.skipped = bundle.skipped.clone();

    let (runtime, plugins, policies) = match prepare(config, request.cache_dir.as_deref()) {
        Ok(prepared) => prepared,
        Err(e) => return report.fail(e),
    };
    report.policy_digest = Some(policies.digest.clone());

    let runs = evaluate_all(&runtime, &plugins, &bundle);

    let mut inputs = BTreeMap::new();
    for (run, plugin) in runs.iter().zip(&plugins) {
        report
            .fact_specs
            .insert(run.name.clone(), plugin.meta.facts.clone());
        match &run.outcome {
            Outcome::Ok { facts, findings } => {
                report.facts.insert(run.name.clone(), facts.clone());
                report.findings.extend(findings.iter().cloned());
                inputs.insert(run.name.clone(), (plugin.meta.facts.clone(), facts.clone()));
            }
            Outcome::Failed(why) => {
                report.errors.push(format!("plugin `{}` {why}", run.name));
            }
        }
    }
    report.plugins = runs;
    if !report.errors.is_empty() {
        report.decision = GateDecision::Error;
        return report;
    }

    let verdict = policies.decide(
        &request.change,
        &from,
        &request.to,
        config.required_evidence(&request.to),
        &inputs,
    );
    report.reasons = verdict.reasons;
    report.errors = verdict.errors;
    report.decision = if verdict.allowed {
        GateDecision::Allow
    } else {
        GateDecision::Deny
    };
    report
}

/// Evaluates every plugin, at most one per core at a time: each plugin's
/// deadline is wall-clock, so plugins must not wait for a core behind each
/// other while their clock runs. Results come back in plugin order.
fn evaluate_all(runtime: &Runtime, plugins: &[LoadedPlugin], bundle: &Bundle) -> Vec<PluginRun> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, plugins.len().max(1));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<PluginRun>>> = plugins.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(plugin), Some(slot)) = (plugins.get(index), slots.get(index)) else {
                        break;
                    };
                    let run = runtime.evaluate(plugin, bundle);
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(run);
                    }
                }
            });
        }
    });
    plugins
        .iter()
        .zip(slots)
        .map(|(p, slot)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| PluginRun {
                    name: p.meta.name.clone(),
                    version: p.meta.version.clone(),
                    sha256: p.sha256.clone(),
                    origin: p.origin.clone(),
                    artifacts: 0,
                    duration: std::time::Duration::ZERO,
                    logs: Vec::new(),
                    outcome: Outcome::Failed("the host thread running it failed".into()),
                    limits: p.limits,
                })
        })
        .collect()
}

/// Loads every plugin and the policies: what `validate` checks.
pub fn prepare(
    config: &GateConfig,
    cache_dir: Option<&Path>,
) -> Result<(Runtime, Vec<LoadedPlugin>, Policies), String> {
    let runtime = Runtime::new(cache_dir).map_err(|e| e.to_string())?;
    let mut plugins = Vec::with_capacity(config.plugins.len());
    for spec in &config.plugins {
        plugins.push(runtime.load(spec).map_err(|e| e.to_string())?);
    }
    let declared: Vec<(&str, &[FactSpec])> = plugins
        .iter()
        .map(|p| (p.meta.name.as_str(), p.meta.facts.as_slice()))
        .collect();
    for (stage, required) in &config.evidence {
        for name in required {
            let declares_inputs = plugins
                .iter()
                .find(|p| &p.meta.name == name)
                .map(|p| p.meta.facts.iter().any(|f| f.name == "inputs"));
            match declares_inputs {
                Some(true) => {}
                Some(false) => {
                    return Err(format!(
                        "`evidence.{stage}` requires plugin `{name}`, which declares no `inputs` fact"
                    ));
                }
                None => {
                    return Err(format!(
                        "`evidence.{stage}` requires plugin `{name}`, which is not loaded"
                    ));
                }
            }
        }
    }
    let policies = Policies::load(&config.policies, &declared, &config.stages, &config.params)
        .map_err(|e| e.to_string())?;
    Ok((runtime, plugins, policies))
}

fn resolve_stages(config: &GateConfig, request: &GateRequest) -> Result<String, String> {
    let position = |stage: &str| config.stages.iter().position(|s| s == stage);
    let known = config.stages.join(" → ");
    let Some(to) = position(&request.to) else {
        return Err(format!(
            "unknown target stage `{}` (stages: {known})",
            request.to
        ));
    };
    match &request.from {
        None => config
            .stage_before(&request.to)
            .map(str::to_owned)
            .ok_or_else(|| {
                format!(
                    "`{}` is the first stage: pass --from to say where the change comes from",
                    request.to
                )
            }),
        Some(from) => match position(from) {
            None => Err(format!("unknown source stage `{from}` (stages: {known})")),
            Some(f) if f >= to => Err(format!(
                "cannot promote from `{from}` to `{}`: stages run {known}",
                request.to
            )),
            Some(_) => Ok(from.clone()),
        },
    }
}
