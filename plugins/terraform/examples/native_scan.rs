//! Runs the `terraform` plugin's analysis natively (no WebAssembly, no host) on plan files
//! and prints, per file, the facts and findings the plugin would report, as JSON.
//!
//! ```text
//! cargo run --release --example native_scan -- plan.json [more.json ...]
//! ```
//!
//! Each file is analysed on its own (so the output can be compared per plan); a file that
//! cannot be judged prints `{"path": ..., "error": ...}`. Used by
//! `tests/terraform/checkov-compare.py` and for time and memory measurements.

use stagegate_plugin_terraform::{plan, report};
use std::fs::File;
use std::io::{BufReader, Write};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: native_scan PLAN.json [PLAN.json ...]");
        return ExitCode::from(2);
    }
    let mut out = Vec::new();
    for path in &paths {
        let started = Instant::now();
        let result = File::open(path)
            .map_err(|e| format!("`{path}` could not be opened: {e}"))
            .and_then(|f| {
                plan::analyze(BufReader::with_capacity(64 * 1024, f), path)
                    .map_err(|e| e.to_string())
            });
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        out.push(match result {
            Ok(analysis) => {
                let report = report::build(std::slice::from_ref(&analysis));
                let facts: serde_json::Map<String, serde_json::Value> = report
                    .facts
                    .into_iter()
                    .map(|(name, value)| (name, serde_json::json!(value)))
                    .collect();
                serde_json::json!({
                    "path": path,
                    "elapsed_ms": elapsed_ms,
                    "facts": facts,
                    "findings": report.findings,
                })
            }
            Err(error) => {
                serde_json::json!({"path": path, "elapsed_ms": elapsed_ms, "error": error})
            }
        });
    }
    let mut stdout = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut stdout, &out)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(stdout));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write the report: {e}");
            ExitCode::from(2)
        }
    }
}
