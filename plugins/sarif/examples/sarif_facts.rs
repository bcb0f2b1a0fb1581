//! Prints the facts the `sarif` plugin would report for the SARIF files named on the command
//! line, or writes a large synthetic log for measuring:
//!
//! ```text
//! cargo run --release --example sarif_facts -- a.sarif b.sarif
//! cargo run --release --example sarif_facts -- --generate /tmp/big.sarif 100
//! /usr/bin/time -v target/release/examples/sarif_facts /tmp/big.sarif
//! ```

#[path = "../tests/support/synth.rs"]
mod synth;

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use stagegate_plugin_sarif::{Tally, parse_sarif, report};
use stagegate_sdk::FactValue;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path, megabytes] = args.as_slice()
        && flag == "--generate"
    {
        let megabytes: u64 = megabytes.parse().map_err(|e| format!("size: {e}"))?;
        let file = File::create(path).map_err(|e| format!("cannot create `{path}`: {e}"))?;
        let expected = synth::write_sarif(file, megabytes * 1024 * 1024)
            .map_err(|e| format!("cannot write `{path}`: {e}"))?;
        println!("{expected:?}");
        return Ok(());
    }
    let started = Instant::now();
    let mut tally = Tally::default();
    for path in &args {
        let file = File::open(path).map_err(|e| format!("cannot open `{path}`: {e}"))?;
        parse_sarif(BufReader::with_capacity(64 * 1024, file), path, &mut tally)
            .map_err(|e| e.to_string())?;
    }
    let elapsed = started.elapsed();
    let evaluation = report::evaluation(&tally);
    for fact in &evaluation.facts {
        let value = match &fact.value {
            FactValue::Long(v) => v.to_string(),
            FactValue::Boolean(v) => v.to_string(),
            FactValue::Decimal(v) | FactValue::Text(v) => format!("{v:?}"),
            FactValue::TextSet(v) if v.len() > 8 => format!("{} entries", v.len()),
            FactValue::TextSet(v) => format!("{v:?}"),
        };
        println!("{} = {value}", fact.name);
    }
    println!("findings = {}", evaluation.findings.len());
    eprintln!("parsed in {:.2?}", elapsed);
    Ok(())
}
