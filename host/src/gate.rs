//! The gate: wires config → bundle → plugins → decision into one
//! [`GateReport`]. It prints nothing and never returns early without a
//! report: any failure on the way is recorded and makes the decision
//! [`GateDecision::Error`], so every caller (and every output format) sees the
//! same complete picture.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::bundle::{Bundle, Claims, Skipped};
use crate::config::{ConfigSource, FileDigest, GateConfig, PolicySource};
use chrono::NaiveDate;

use crate::config::PluginConfig;
use crate::decision::{
    BundleCounts, ChainContext, Change, ExceptionStatus, HostGates, Policies, PolicyEntry,
    PolicyTexts, Reason, Rollout, Transition, WaiverStatus,
};
use crate::facts::{FactSpec, FactType, Facts, Finding};
use crate::kinds::KindSpec;
use crate::plugin::{CodeCache, Job, LoadedPlugin, Outcome, PluginRun, Runtime};
use crate::progress::{Phase, Progress};

/// How long past its deadline a plugin's thread may take to come back before
/// the gate stops waiting for it. The epoch deadline stops a guest that runs;
/// this stops waiting for one blocked inside a host call.
pub const WATCHDOG_GRACE: Duration = Duration::from_millis(500);

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
    /// The compiled-code cache for configured plugins, if caching.
    pub cache: Option<CodeCache>,
    /// Unpinned component files to run as well (a dry run's `--plugin`); each
    /// stands in for the configured plugin of the same name, if any.
    pub local_plugins: Vec<PathBuf>,
    /// The day of the decision, for waivers (`--today`, else the UTC date).
    pub today: NaiveDate,
    /// Whether to explain each deciding policy in the terms of the facts.
    pub explain: bool,
    /// Counters for a progress line, if someone shows one.
    pub progress: Option<Arc<Progress>>,
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
    /// Which artifacts no plugin read, and which several read.
    pub claims: Claims,
    /// Where the configuration came from.
    pub config: String,
    /// Where the policies came from.
    pub policy_source: String,
    /// Digest of the policy texts, when loaded.
    pub policy_digest: Option<String>,
    /// Each policy file and its digest, when loaded.
    pub policy_files: Vec<FileDigest>,
    /// The configuration and waivers files and their digests.
    pub config_files: Vec<FileDigest>,
    /// The previous stage's signed decision, when `[chain]` requires one.
    pub chain: Option<ChainContext>,
    /// Every policy evaluated (empty when the policies did not load).
    pub policies: Vec<PolicyEntry>,
    /// Every configured waiver and what it did.
    pub waivers: Vec<WaiverStatus>,
    /// What the configuration leaves out or cannot reach (see `validate`).
    pub warnings: Vec<String>,
    /// Every plugin exception and whether it applied today.
    pub exceptions: Vec<ExceptionStatus>,
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
            claims: Claims::default(),
            config: match &config.source {
                ConfigSource::Defaults => "built-in defaults".into(),
                ConfigSource::File(p) => p.display().to_string(),
            },
            policy_source: match &config.policies {
                PolicySource::Builtin => "built-in defaults".into(),
                PolicySource::Dir(d) => d.display().to_string(),
            },
            policy_digest: None,
            policy_files: Vec::new(),
            chain: None,
            config_files: config.files.clone(),
            policies: Vec::new(),
            waivers: Vec::new(),
            warnings: Vec::new(),
            exceptions: Vec::new(),
        }
    }

    /// The report of a gate that could not start for want of a
    /// configuration: `why` is its one error.
    pub fn failed(to: &str, why: String) -> GateReport {
        let mut report = GateReport::new(
            &GateConfig::defaults(),
            &GateRequest {
                bundle: PathBuf::new(),
                to: to.to_owned(),
                from: None,
                change: Change::default(),
                cache: None,
                local_plugins: Vec::new(),
                today: NaiveDate::default(),
                explain: false,
                progress: None,
            },
        );
        report.config = String::new();
        report.policy_source = String::new();
        report.fail(why)
    }

    fn fail(mut self, error: impl ToString) -> GateReport {
        self.errors.push(error.to_string());
        self.decision = GateDecision::Error;
        self
    }
}

/// The loaded plugins and validated policies of one configuration: what
/// `validate` checks, and what [`run_prepared`] reuses across runs.
pub struct Prepared {
    /// The engine the plugins run in.
    pub runtime: Runtime,
    /// Every plugin, in evaluation order.
    pub plugins: Vec<Arc<LoadedPlugin>>,
    /// The policies, host-enforced gates included.
    pub policies: Policies,
    /// The keys whose decision attestations count (`[chain] trusted_keys`).
    pub trusted_keys: Vec<stagegate_attest::VerifyingKey>,
}

/// Facts that stand in for plugins' output, by plugin: such a plugin is
/// given no artifacts, and these facts replace what it reports then.
pub type GivenFacts = BTreeMap<String, Facts>;

/// Runs the gate. Never panics; failures end up in the report. The
/// configuration, plugins and policies are checked before the bundle is
/// touched, so a bad configuration fails fast next to any bundle.
pub fn run(config: &GateConfig, request: &GateRequest) -> GateReport {
    run_retaining(config, request).0
}

/// [`run`], handing back the plugins and policies it loaded, if it did: a
/// caller about to exit need not spend a millisecond unmapping them.
pub fn run_retaining(config: &GateConfig, request: &GateRequest) -> (GateReport, Option<Prepared>) {
    let report = GateReport::new(config, request);
    if let Err(e) = resolve_stages(config, request) {
        return (report.fail(e), None);
    }
    match prepare(
        config,
        request.cache.clone(),
        &request.local_plugins,
        request.today,
    ) {
        Ok(prepared) => (
            run_prepared(config, &prepared, request, &GivenFacts::new()),
            Some(prepared),
        ),
        Err(e) => (report.fail(e), None),
    }
}

/// Runs the gate with plugins and policies already loaded from `config`
/// (`request.local_plugins` is not looked at: it was used to prepare).
pub fn run_prepared(
    config: &GateConfig,
    prepared: &Prepared,
    request: &GateRequest,
    given: &GivenFacts,
) -> GateReport {
    let mut report = GateReport::new(config, request);
    let from = match resolve_stages(config, request) {
        Ok(from) => from,
        Err(e) => return report.fail(e),
    };
    report.from = from.clone();
    let Prepared {
        runtime,
        plugins,
        policies,
        trusted_keys,
    } = prepared;
    report.policy_digest = Some(policies.digest.clone());
    report.policies = policies.entries();
    report.policy_files = policies.files.clone();
    report.warnings = policies.all_warnings(request.today);
    report.exceptions = config
        .plugins
        .iter()
        .flat_map(|p| {
            p.exceptions.iter().map(|e| ExceptionStatus {
                plugin: p.name.clone(),
                id: e.id.clone(),
                matches: e.matches.clone(),
                status: e.state(request.today),
                expires: e.expires.format("%Y-%m-%d").to_string(),
                approver: e.approver.clone(),
                ticket: e.ticket.clone(),
                reason: e.reason.clone(),
            })
        })
        .collect();

    let kinds: Vec<&KindSpec> = plugins.iter().flat_map(|p| &p.meta.reads).collect();
    let progress = request.progress.as_deref();
    let bundle = match Bundle::open_counting(&request.bundle, &config.bundle, &kinds, progress) {
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
    let readers: Vec<(&str, &[KindSpec])> = plugins
        .iter()
        .map(|p| (p.meta.name.as_str(), p.meta.reads.as_slice()))
        .collect();
    report.claims = bundle.claims(&readers);

    if let Some(progress) = progress {
        progress.phase(Phase::Plugins);
        progress.plugins(plugins.len() as u64);
    }
    let runs = evaluate_all(runtime, plugins, &bundle, given, progress);
    if let Some(progress) = progress {
        progress.phase(Phase::Deciding);
    }

    let mut inputs = BTreeMap::new();
    for (run, plugin) in runs.iter().zip(plugins) {
        report
            .fact_specs
            .insert(run.name.clone(), plugin.meta.facts.clone());
        match &run.outcome {
            Outcome::Ok { facts, .. } if given.contains_key(&run.name) => {
                let mut facts = facts.clone();
                if let Some(stand_in) = given.get(&run.name) {
                    facts.extend(stand_in.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                report.facts.insert(run.name.clone(), facts.clone());
                inputs.insert(run.name.clone(), (plugin.meta.facts.clone(), facts));
            }
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

    let chain = chain_context(config, &bundle, trusted_keys, &request.change.commit, &from);
    if config.chain.require_previous {
        report.chain = Some(chain.clone());
    }
    let verdict = policies.decide(&Transition {
        change: &request.change,
        from: &from,
        to: &request.to,
        required: config.required_evidence(&request.to),
        bundle: BundleCounts {
            artifacts: report.artifacts.len(),
            unclaimed: report.claims.unclaimed.len(),
        },
        facts: &inputs,
        chain: &chain,
        today: request.today,
        explain: request.explain,
    });
    report.reasons = verdict.reasons;
    for explained in report.reasons.iter_mut().filter_map(|r| r.explain.as_mut()) {
        explained.findings = report
            .findings
            .iter()
            .filter(|f| explained.plugins.contains(&f.plugin))
            .take(crate::decision::explain::EXPLAIN_FINDINGS)
            .cloned()
            .collect();
    }
    report.waivers = verdict.waivers;
    report.errors = verdict.errors;
    report.decision = if verdict.allowed {
        GateDecision::Allow
    } else {
        GateDecision::Deny
    };
    report
}

/// Evaluates every plugin, each on a thread of its own and at most one per
/// core at a time: each plugin's deadline is wall-clock, so plugins must not
/// wait for a core behind each other while their clock runs. A thread that
/// has not come back [`WATCHDOG_GRACE`] after its plugin's deadline (its guest
/// is blocked inside a host call, where the epoch cannot stop it) is
/// abandoned and its plugin fails; so does one that panicked. Results come
/// back in plugin order.
fn evaluate_all(
    runtime: &Runtime,
    plugins: &[Arc<LoadedPlugin>],
    bundle: &Bundle,
    given: &GivenFacts,
    progress: Option<&Progress>,
) -> Vec<PluginRun> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, plugins.len().max(1));
    let mut slots: Vec<Option<PluginRun>> = plugins.iter().map(|_| None).collect();
    let (tx, rx) = mpsc::channel::<(usize, PluginRun)>();
    // Running jobs: index, start, watchdog deadline, artifact count.
    let mut running: Vec<(usize, Instant, Instant, usize)> = Vec::new();
    // The plugins given the most bytes start first: the longest runs do not
    // wait behind the short ones (a plugin given nothing takes a fraction of
    // a millisecond), and the wall time is nearer to that of the longest.
    let mut queue: Vec<(usize, Job)> = plugins
        .iter()
        .enumerate()
        .map(|(index, plugin)| {
            let job = runtime.job(plugin, bundle);
            if given.contains_key(&plugin.meta.name) {
                (index, job.without_artifacts())
            } else {
                (index, job)
            }
        })
        .collect();
    queue.sort_by_key(|(_, job)| std::cmp::Reverse(job.bytes()));
    let mut queue = queue.into_iter();
    loop {
        while running.len() < workers {
            let Some((index, job)) = queue.next() else {
                break;
            };
            let Some(plugin) = plugins.get(index) else {
                break;
            };
            let started = Instant::now();
            let deadline = job.deadline();
            let watchdog = started + deadline + WATCHDOG_GRACE;
            let artifacts = job.artifact_count();
            let tx = tx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("stagegate-plugin-{}", plugin.meta.name))
                .spawn(move || {
                    let plugin = Arc::clone(job.plugin_arc());
                    let run = guarded(
                        || job.run(),
                        |why| Job::abandoned(&plugin, artifacts, started.elapsed(), why),
                    );
                    let _ = tx.send((index, run));
                });
            match spawned {
                Ok(_) => running.push((index, started, watchdog, artifacts)),
                Err(e) => {
                    if let Some(slot) = slots.get_mut(index) {
                        *slot = Some(Job::abandoned(
                            plugin,
                            artifacts,
                            Duration::ZERO,
                            format!("could not be evaluated: no thread for it ({e})"),
                        ));
                    }
                }
            }
        }
        let Some(soonest) = running.iter().map(|r| r.2).min() else {
            break;
        };
        match rx.recv_timeout(soonest.saturating_duration_since(Instant::now())) {
            Ok((index, run)) => {
                running.retain(|r| r.0 != index);
                if let Some(slot) = slots.get_mut(index) {
                    *slot = Some(run);
                }
                if let Some(progress) = progress {
                    progress.plugin_done();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for (index, started, watchdog, artifacts) in running.iter().filter(|r| r.2 <= now) {
                    let (Some(plugin), Some(slot)) = (plugins.get(*index), slots.get_mut(*index))
                    else {
                        continue;
                    };
                    *slot = Some(Job::abandoned(
                        plugin,
                        *artifacts,
                        started.elapsed(),
                        format!(
                            "exceeded its {} ms deadline while blocked in a host call (abandoned after {} ms)",
                            watchdog
                                .saturating_duration_since(*started)
                                .saturating_sub(WATCHDOG_GRACE)
                                .as_millis(),
                            started.elapsed().as_millis()
                        ),
                    ));
                }
                running.retain(|r| r.2 > now);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    plugins
        .iter()
        .zip(slots)
        .map(|(plugin, slot)| {
            slot.unwrap_or_else(|| {
                Job::abandoned(
                    plugin,
                    0,
                    Duration::ZERO,
                    "could not be evaluated: the host thread running it failed".into(),
                )
            })
        })
        .collect()
}

/// Runs `work`; a panic in it (a bug of the host) becomes `failed(why)`, a
/// failed plugin run, so the gate reports "cannot decide" instead of dying.
fn guarded<T>(work: impl FnOnce() -> T, failed: impl FnOnce(String) -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        failed(format!(
            "could not be evaluated: the host thread running it panicked ({})",
            panic_message(panic.as_ref())
        ))
    })
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// Loads every plugin and the policies: what `validate` checks. Each of
/// `local` (unpinned component files) is loaded first and replaces the
/// configured plugin of the name it reports, taking over its limits and
/// configuration; the replaced one is not loaded. Waivers are checked
/// against `today`: none may expire further ahead than `max_waiver_days`.
pub fn prepare(
    config: &GateConfig,
    cache: Option<CodeCache>,
    local: &[PathBuf],
    today: NaiveDate,
) -> Result<Prepared, String> {
    let runtime = Runtime::new(cache).map_err(|e| e.to_string())?;
    let specs: Vec<PluginConfig> = config
        .plugins
        .iter()
        .map(|spec| with_exceptions(spec, today, config.max_waiver_days))
        .collect::<Result<_, _>>()?;
    let mut locals: Vec<LoadedPlugin> = Vec::with_capacity(local.len());
    for path in local {
        let plugin = runtime
            .load_local(path, |name| {
                specs
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| (p.limits, p.config_json.clone()))
            })
            .map_err(|e| e.to_string())?;
        if locals.iter().any(|l| l.meta.name == plugin.meta.name) {
            return Err(format!(
                "two local plugins describe themselves as `{}`",
                plugin.meta.name
            ));
        }
        locals.push(plugin);
    }
    let configured: Vec<&PluginConfig> = specs
        .iter()
        .filter(|spec| !locals.iter().any(|l| l.meta.name == spec.name))
        .collect();
    // Both cores load plugins; the other one first reads and parses the
    // policy files, which needs no plugin (only the schema does).
    let pool = LoadPool::new(&configured);
    let texts = std::thread::scope(|scope| {
        let (pool, runtime) = (&pool, &runtime);
        let helper = std::thread::Builder::new()
            .name("stagegate-prepare".into())
            .spawn_scoped(scope, move || {
                let texts = PolicyTexts::read(&config.policies);
                pool.work(runtime);
                texts
            })
            .ok();
        pool.work(runtime);
        match helper.map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(texts)) => Ok(texts),
            Some(Err(panic)) => Err(format!(
                "could not prepare: the thread reading the policies and loading plugins panicked ({})",
                panic_message(panic.as_ref())
            )),
            // No thread for it: they are read here.
            None => Ok(PolicyTexts::read(&config.policies)),
        }
    });
    let mut loaded = pool.into_loaded();
    // The first failure in configuration order is the one reported.
    let mut plugins = Vec::with_capacity(config.plugins.len() + locals.len());
    for spec in &specs {
        match locals.iter().position(|l| l.meta.name == spec.name) {
            Some(at) => plugins.push(Arc::new(locals.remove(at))),
            None => {
                let plugin = loaded.next().flatten().unwrap_or_else(|| {
                    Err(format!(
                        "plugin `{}` could not be loaded: the thread loading it failed",
                        spec.name
                    ))
                })?;
                plugins.push(Arc::new(plugin));
            }
        }
    }
    plugins.extend(locals.into_iter().map(Arc::new));
    let declared: Vec<(&str, &[FactSpec])> = plugins
        .iter()
        .map(|p| (p.meta.name.as_str(), p.meta.facts.as_slice()))
        .collect();
    for (stage, required) in &config.evidence {
        for name in required {
            let inputs = plugins.iter().find(|p| &p.meta.name == name).map(|p| {
                p.meta
                    .facts
                    .iter()
                    .find(|f| f.name == "inputs")
                    .map(|f| f.ty)
            });
            match inputs {
                Some(Some(FactType::Long)) => {}
                Some(_) => {
                    return Err(format!(
                        "`evidence.{stage}` requires plugin `{name}`, which declares no Long `inputs` fact to count its evidence"
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
    let gates = HostGates {
        allow_stage_skipping: config.allow_stage_skipping,
        require_previous: config.chain.require_previous,
    };
    let trusted_keys = config
        .chain
        .trusted_keys
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "`[chain] trusted_keys`: cannot read {}: {e}",
                    path.display()
                )
            })?;
            stagegate_attest::VerifyingKey::from_pem(&text)
                .map_err(|e| format!("`[chain] trusted_keys`: {}: {e}", path.display()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    // While this core builds the schema and validates the policies, the
    // other one compiles the redactor's detectors, which every report needs.
    // Not joined: whoever redacts first waits for them if they are not done.
    let _ = std::thread::Builder::new()
        .name("stagegate-redactor".into())
        .spawn(stagegate_redact::build_detectors);
    let policies = Policies::load(
        texts?,
        &declared,
        &config.stages,
        &config.params,
        gates,
        rollout(config),
        &config.disabled,
    )
    .map_err(|e| e.to_string())?;
    policies.check_waivers(today).map_err(|e| e.to_string())?;
    Ok(Prepared {
        runtime,
        plugins,
        policies,
        trusted_keys,
    })
}

/// Plugins to load, taken one at a time by every thread that helps; each
/// result is kept in its plugin's place.
struct LoadPool<'a> {
    specs: &'a [&'a PluginConfig],
    next: AtomicUsize,
    loaded: Mutex<Vec<Option<Result<LoadedPlugin, String>>>>,
}

impl<'a> LoadPool<'a> {
    fn new(specs: &'a [&'a PluginConfig]) -> LoadPool<'a> {
        LoadPool {
            specs,
            next: AtomicUsize::new(0),
            loaded: Mutex::new(specs.iter().map(|_| None).collect()),
        }
    }

    /// Loads plugins until none is left. Every plugin is loaded even after
    /// one fails, so which failure is reported does not depend on timing.
    fn work(&self, runtime: &Runtime) {
        loop {
            let at = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(spec) = self.specs.get(at) else {
                return;
            };
            let result = runtime.load(spec).map_err(|e| e.to_string());
            let mut loaded = self.loaded.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(slot) = loaded.get_mut(at) {
                *slot = Some(result);
            }
        }
    }

    /// The results in plugin order; `None` where a thread died loading it.
    fn into_loaded(self) -> impl Iterator<Item = Option<Result<LoadedPlugin, String>>> {
        self.loaded
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
    }
}

/// Whether the bundle holds the previous stage's signed allow for `commit`.
/// Promotions out of the first stage need none: nothing promotes into it.
fn chain_context(
    config: &GateConfig,
    bundle: &Bundle,
    trusted: &[stagegate_attest::VerifyingKey],
    commit: &str,
    from: &str,
) -> ChainContext {
    let mut chain = ChainContext {
        previous: from.to_owned(),
        ..ChainContext::default()
    };
    if !config.chain.require_previous {
        return chain;
    }
    if config.stages.first().map(String::as_str) == Some(from) {
        chain.detail = format!("`{from}` is the first stage: nothing promotes into it");
        return chain;
    }
    chain.required = true;
    let envelopes: Vec<(String, Vec<u8>)> = bundle
        .artifacts
        .iter()
        .filter(|a| {
            a.size <= stagegate_attest::MAX_ENVELOPE_BYTES as u64
                && a.sniff.prefix.trim_ascii_start().starts_with(b"{")
        })
        .filter_map(|a| {
            let bytes = std::fs::read(bundle.view().join(&a.path)).ok()?;
            Some((a.path.clone(), bytes))
        })
        .collect();
    match stagegate_attest::check_chain(&envelopes, trusted, commit, from) {
        stagegate_attest::ChainOutcome::Passed { path, keyid } => {
            chain.passed = true;
            chain.detail = format!("`{path}` shows that `{from}` allowed this commit");
            chain.signer = keyid;
        }
        stagegate_attest::ChainOutcome::NotPassed { why } => chain.detail = why,
    }
    chain
}

/// `spec` with its exceptions in time on `today` in its configuration, as
/// `exceptions: [{id, match}]`; one expiring more than `max_days` after
/// `today` is refused, as a waiver would be.
fn with_exceptions(
    spec: &PluginConfig,
    today: NaiveDate,
    max_days: u32,
) -> Result<PluginConfig, String> {
    if spec.exceptions.is_empty() {
        return Ok(spec.clone());
    }
    let limit = crate::config::latest_expiry(today, max_days);
    if let Some(e) = spec.exceptions.iter().find(|e| e.expires > limit) {
        return Err(format!(
            "plugin `{}`: exception `{}` expires {}, more than {max_days} days after {today} (`max_waiver_days`): renew it when it runs out",
            spec.name, e.id, e.expires
        ));
    }
    let mut config: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&spec.config_json).unwrap_or_default();
    let active: Vec<serde_json::Value> = spec
        .exceptions
        .iter()
        .filter(|e| e.state(today) == "active")
        .map(|e| serde_json::json!({ "id": e.id, "match": e.matches }))
        .collect();
    config.insert("exceptions".into(), serde_json::Value::Array(active));
    let mut spec = spec.clone();
    spec.config_json = serde_json::Value::Object(config).to_string();
    Ok(spec)
}

/// The enforcement levels and waivers of `config`.
fn rollout(config: &GateConfig) -> Rollout {
    Rollout {
        enforcement: config.enforcement.clone(),
        waivers: config.waivers.clone(),
        waivers_file: config
            .waivers_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        config_file: match &config.source {
            ConfigSource::Defaults => "built-in defaults".into(),
            ConfigSource::File(p) => p.display().to_string(),
        },
        max_waiver_days: config.max_waiver_days,
    }
}

/// Today's date in UTC.
pub fn today_utc() -> NaiveDate {
    chrono::Utc::now().date_naive()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_worker_becomes_a_failure() {
        let outcome: Result<u8, String> = guarded(|| panic!("index out of range"), Err);
        let why = outcome.unwrap_err();
        assert!(why.contains("panicked (index out of range)"), "{why}");
        let formatted: Result<u8, String> = guarded(|| panic!("bad {}", 7), Err);
        assert!(formatted.unwrap_err().contains("bad 7"));
        assert_eq!(guarded(|| Ok::<u8, String>(3), Err), Ok(3));
    }

    #[test]
    fn the_first_plugin_that_fails_to_load_is_the_one_reported() {
        // Plugins load on two threads; whichever finishes first, the error
        // is that of the first failing plugin in configuration order.
        let dir = tempfile::tempdir().unwrap();
        let mut config = GateConfig::defaults();
        let broken = |name: &str| PluginConfig {
            name: name.to_owned(),
            source: crate::config::PluginSource::File {
                path: dir.path().join(format!("{name}.wasm")),
                sha256: "0".repeat(64),
                precompiled: None,
            },
            config_json: "{}".to_owned(),
            limits: crate::config::Limits::default(),
            exceptions: Vec::new(),
        };
        config.plugins.insert(3, broken("zulu"));
        config.plugins.push(broken("alpha"));
        for _ in 0..3 {
            let Err(why) = prepare(&config, None, &[], NaiveDate::default()) else {
                panic!("two plugins cannot be read, yet the gate prepared");
            };
            assert!(why.starts_with("plugin `zulu`: cannot read"), "{why}");
        }
    }
}
