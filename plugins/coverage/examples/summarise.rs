//! Prints the facts the `coverage` plugin would report for the reports named on the command
//! line (`.lcov`/`.info` files are read as LCOV, anything else as XML), merged, as one
//! `name = value` line each. Runs natively: `cargo run --example summarise -- a.xml b.lcov`.

use std::fs::File;
use std::io::BufReader;

use stagegate_plugin_coverage::{Config, Coverage, KIND_COBERTURA, KIND_LCOV, read_report, report};
use stagegate_sdk::FactValue;

fn main() -> Result<(), String> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let mut coverage = Coverage::default();
    for path in &paths {
        let file = File::open(path).map_err(|e| format!("cannot open `{path}`: {e}"))?;
        let kind = if path.ends_with(".lcov") || path.ends_with(".info") {
            KIND_LCOV
        } else {
            KIND_COBERTURA
        };
        let report = read_report(kind, BufReader::new(file), path).map_err(|e| e.to_string())?;
        coverage.merge(report);
    }
    let evaluation = report::evaluation(&coverage, paths.len(), &Config::parse("{}")?);
    for fact in &evaluation.facts {
        let value = match &fact.value {
            FactValue::Long(v) => v.to_string(),
            FactValue::Decimal(v) | FactValue::Text(v) => format!("{v:?}"),
            FactValue::Boolean(v) => v.to_string(),
            FactValue::TextSet(v) => format!("{v:?}"),
        };
        println!("{} = {value}", fact.name);
    }
    println!("findings = {}", evaluation.findings.len());
    Ok(())
}
