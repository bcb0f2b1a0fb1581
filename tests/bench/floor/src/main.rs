//! The benchmark's native floor: the work `stagegate check` does on a
//! bundle, done natively. Every file is hashed (SHA-256, as the bundle stage
//! does), and every plugin that has artifacts runs its own `evaluate`
//! natively, compiled for this machine, on the same artifacts with the same
//! kinds and configuration the gate gives it; both on as many threads as
//! the gate uses (one per core).
//!
//! ```text
//! floor BUNDLE [CONFIG] [RUNS]
//! ```
//!
//! The plugins are described and the bundle listed first, untimed (the gate
//! itself does both); then each run is timed. Prints one JSON object: the
//! median seconds of the whole floor, of hashing, and of each plugin alone
//! (one thread), with its artifact count.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use stagegate::bundle::Bundle;
use stagegate::config::{GateConfig, PluginSource};
use stagegate::plugin::Runtime;
use stagegate_sdk::{Artifact, Plugin};

type Evaluate = fn(Vec<Artifact>, String) -> Result<stagegate_sdk::Evaluation, String>;

/// The native `evaluate` of a built-in plugin.
fn native(name: &str) -> Option<Evaluate> {
    Some(match name {
        "config" => <stagegate_plugin_config::Config as Plugin>::evaluate,
        "coverage" => <stagegate_plugin_coverage::CoveragePlugin as Plugin>::evaluate,
        "dockerfile" => <stagegate_plugin_dockerfile::Dockerfile as Plugin>::evaluate,
        "junit" => <stagegate_plugin_junit::Junit as Plugin>::evaluate,
        "kubernetes" => <stagegate_plugin_kubernetes::Kubernetes as Plugin>::evaluate,
        "pipeline" => <stagegate_plugin_pipeline::Pipeline as Plugin>::evaluate,
        "provenance" => <stagegate_plugin_provenance::ProvenancePlugin as Plugin>::evaluate,
        "sarif" => <stagegate_plugin_sarif::SarifPlugin as Plugin>::evaluate,
        "secrets" => <stagegate_plugin_secrets::Secrets as Plugin>::evaluate,
        "terraform" => <stagegate_plugin_terraform::Terraform as Plugin>::evaluate,
        "vulns" => <stagegate_plugin_vulns::Vulns as Plugin>::evaluate,
        _ => return None,
    })
}

/// One plugin's share of the work.
struct Work {
    name: String,
    config: String,
    artifacts: Vec<Artifact>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(args.first().ok_or("usage: floor BUNDLE [CONFIG] [RUNS]")?);
    let config = match args.get(1).filter(|c| !c.is_empty()) {
        Some(path) => GateConfig::load(Path::new(path)).map_err(|e| e.to_string())?,
        None => GateConfig::defaults(),
    };
    let runs: usize = args
        .get(2)
        .map_or(Ok(3), |r| r.parse())
        .map_err(|e| format!("RUNS: {e}"))?;

    let runtime = Runtime::new(None).map_err(|e| e.to_string())?;
    let mut loaded = Vec::new();
    for spec in &config.plugins {
        if !matches!(spec.source, PluginSource::Builtin(_)) {
            return Err(format!(
                "plugin `{}` is not built in: the floor runs built-in plugins only",
                spec.name
            ));
        }
        loaded.push(runtime.load(spec).map_err(|e| e.to_string())?);
    }
    let kinds: Vec<_> = loaded.iter().flat_map(|p| p.meta.reads.iter()).collect();
    let bundle = Bundle::open(&root, &config.bundle, &kinds).map_err(|e| e.to_string())?;
    let files: Vec<PathBuf> = bundle
        .artifacts
        .iter()
        .map(|a| root.join(&a.path))
        .collect();
    let work: Vec<Work> = loaded
        .iter()
        .map(|p| Work {
            name: p.meta.name.clone(),
            config: p.config_json.clone(),
            artifacts: bundle
                .select(&p.meta.reads)
                .into_iter()
                .map(|(a, kind)| Artifact {
                    path: a.path.clone(),
                    kind: kind.to_owned(),
                    size: a.size,
                    sha256: a.sha256.clone(),
                })
                .collect(),
        })
        .filter(|w| !w.artifacts.is_empty())
        .collect();
    set_root(&root);

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut whole = Vec::new();
    let mut hashing = Vec::new();
    let mut alone: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for _ in 0..runs {
        let started = Instant::now();
        hash_all(&files, threads)?;
        let hashed = started.elapsed();
        evaluate_all(&work, threads)?;
        whole.push(started.elapsed().as_secs_f64());
        hashing.push(hashed.as_secs_f64());
        for w in &work {
            let t = time_one(w)?;
            alone
                .entry(w.name.clone())
                .or_default()
                .push(t.as_secs_f64());
        }
    }
    let plugins: serde_json::Map<String, serde_json::Value> = work
        .iter()
        .map(|w| {
            let times = alone.get(&w.name).cloned().unwrap_or_default();
            (
                w.name.clone(),
                serde_json::json!({ "artifacts": w.artifacts.len(), "seconds": median(times) }),
            )
        })
        .collect();
    let bytes: u64 = bundle.artifacts.iter().map(|a| a.size).sum();
    println!(
        "{}",
        serde_json::json!({
            "files": files.len(),
            "bytes": bytes,
            "threads": threads,
            "floor": median(whole),
            "hashing": median(hashing),
            "plugins": plugins,
        })
    );
    Ok(())
}

#[expect(
    unsafe_code,
    reason = "setting the environment before any other thread starts"
)]
fn set_root(root: &Path) {
    // SAFETY: called on the main thread before any thread of this process
    // that reads the environment is started.
    unsafe { std::env::set_var("STAGEGATE_NATIVE_BUNDLE_ROOT", root) };
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

fn hash_file(path: &Path) -> Result<(), String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    std::hint::black_box(hasher.finalize());
    Ok(())
}

/// Runs `job` over `items` on `threads` threads, taking the next item as
/// each thread comes free (as the gate schedules plugins).
fn pool<T: Sync>(
    items: &[T],
    threads: usize,
    job: impl Fn(&T) -> Result<(), String> + Sync,
) -> Result<(), String> {
    let next = Mutex::new(0usize);
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(items.len()).max(1) {
            scope.spawn(|| {
                loop {
                    let index = {
                        let Ok(mut n) = next.lock() else { return };
                        *n += 1;
                        *n - 1
                    };
                    let Some(item) = items.get(index) else { return };
                    if let Err(e) = job(item)
                        && let Ok(mut f) = failure.lock()
                    {
                        *f = Some(e);
                    }
                }
            });
        }
    });
    match failure.into_inner() {
        Ok(Some(e)) => Err(e),
        _ => Ok(()),
    }
}

fn hash_all(files: &[PathBuf], threads: usize) -> Result<(), String> {
    pool(files, threads, |path| hash_file(path))
}

fn evaluate_all(work: &[Work], threads: usize) -> Result<(), String> {
    pool(work, threads, |w| time_one(w).map(|_| ()))
}

fn time_one(w: &Work) -> Result<Duration, String> {
    let evaluate = native(&w.name).ok_or_else(|| format!("no native `{}`", w.name))?;
    let started = Instant::now();
    let evaluation = evaluate(w.artifacts.clone(), w.config.clone())
        .map_err(|e| format!("plugin `{}` natively: {e}", w.name))?;
    let elapsed = started.elapsed();
    std::hint::black_box(evaluation);
    Ok(elapsed)
}
