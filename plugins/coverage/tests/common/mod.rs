//! Helpers shared by the integration tests: locate fixtures, read them the way the plugin
//! does, and flatten the reported facts into `name = value` text for exact comparison.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs::File;
use std::io::BufReader;

use stagegate_plugin_coverage::{
    Config, Coverage, KIND_COBERTURA, KIND_LCOV, ParseError, read_report, report,
};
use stagegate_sdk::FactValue;

/// Path of a committed fixture.
pub fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/coverage/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The artifact kind the host would give a fixture, from its name.
pub fn kind_of(name: &str) -> &'static str {
    if name.ends_with(".lcov") || name.ends_with(".info") {
        KIND_LCOV
    } else {
        KIND_COBERTURA
    }
}

/// Reads one committed fixture.
pub fn read(name: &str) -> Result<Coverage, ParseError> {
    let file = File::open(fixture(name)).unwrap();
    read_report(kind_of(name), BufReader::new(file), name)
}

/// Reads bytes as a report of `kind`.
pub fn read_bytes(kind: &str, bytes: &[u8]) -> Result<Coverage, ParseError> {
    read_report(kind, bytes, "input")
}

/// The facts for `coverage` (read from `inputs` files) as `name=value` lines.
pub fn facts(coverage: &Coverage, inputs: usize, config: &str) -> String {
    let evaluation = report::evaluation(coverage, inputs, &Config::parse(config).unwrap());
    evaluation
        .facts
        .iter()
        .map(|fact| {
            let value = match &fact.value {
                FactValue::Long(v) => v.to_string(),
                FactValue::Decimal(v) | FactValue::Text(v) => v.clone(),
                FactValue::Boolean(v) => v.to_string(),
                FactValue::TextSet(v) => v.join(","),
            };
            format!("{}={value}", fact.name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Merges several fixtures in order.
pub fn merged(names: &[&str]) -> Coverage {
    let mut coverage = Coverage::default();
    for name in names {
        coverage.merge(read(name).unwrap());
    }
    coverage
}
