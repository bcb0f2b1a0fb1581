//! Native baseline for the JUnit parser: parses each file given on the command
//! line with the same parser the plugin runs inside WebAssembly and prints the
//! totals, so a benchmark can compare the sandboxed plugin with native code.
//!
//! ```text
//! cargo run --release --example native_parse -- reports/*.xml
//! ```
//!
//! Standard output: one line per file, then a `total` line. Standard error:
//! bytes read, time and throughput. Exits 1 when a file cannot be parsed.

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;
use std::time::Instant;

use stagegate_plugin_junit::parse::{Summary, parse_report};

fn line(label: &str, s: &Summary) -> String {
    format!(
        "{label}: total={} passed={} failed={} errored={} skipped={} flaky={} findings={}",
        s.total,
        s.passed,
        s.failed,
        s.errored,
        s.skipped,
        s.flaky,
        s.findings.len() as u64 + s.findings_dropped,
    )
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: native_parse FILE...");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut all = Summary::default();
    for path in &paths {
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) => {
                eprintln!("cannot open `{path}`: {e}");
                return ExitCode::FAILURE;
            }
        };
        bytes += file.metadata().map(|m| m.len()).unwrap_or(0);
        match parse_report(BufReader::with_capacity(64 * 1024, file), path) {
            Ok(summary) => {
                println!("{}", line(path, &summary));
                all.total += summary.total;
                all.passed += summary.passed;
                all.failed += summary.failed;
                all.errored += summary.errored;
                all.skipped += summary.skipped;
                all.flaky += summary.flaky;
                all.findings_dropped += summary.findings.len() as u64 + summary.findings_dropped;
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{}", line("total", &all));
    let seconds = started.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "parsed {bytes} bytes in {:.1} ms ({:.0} MB/s)",
        seconds * 1e3,
        mb / seconds.max(1e-9)
    );
    ExitCode::SUCCESS
}
