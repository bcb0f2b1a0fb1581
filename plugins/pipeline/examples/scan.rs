//! Runs the pipeline plugin natively on the files given on the command line
//! and prints its non-zero facts and its findings, one per line, as the gate
//! would report them.
//!
//! ```text
//! cargo run -p stagegate-plugin-pipeline --example scan -- .github/workflows/*.yml
//! cargo run -p stagegate-plugin-pipeline --example scan -- --config '{"repository":"o/r"}' ci.yml
//! ```
//!
//! Exits 1 when a file cannot be judged (the error is printed).

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;

use stagegate_plugin_pipeline::evaluate_pipelines;
use stagegate_sdk::FactValue;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = String::from("{}");
    if args.first().is_some_and(|a| a == "--config") && args.len() >= 2 {
        config = args.remove(1);
        args.remove(0);
    }
    let files = args
        .iter()
        .map(|path| (path.clone(), File::open(path).map(BufReader::new)));
    match evaluate_pipelines(files, &config) {
        Ok((evaluation, notes)) => {
            for fact in &evaluation.facts {
                if let FactValue::Long(n) = fact.value
                    && n != 0
                {
                    println!("fact {}={n}", fact.name);
                }
            }
            for finding in &evaluation.findings {
                println!(
                    "{:?} {} {}:{} {}",
                    finding.severity,
                    finding.rule,
                    finding.path.as_deref().unwrap_or("-"),
                    finding.line.unwrap_or(0),
                    finding.message
                );
            }
            for note in notes {
                eprintln!("note: {note}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
