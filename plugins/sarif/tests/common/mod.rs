//! Helpers shared by the integration tests: locate fixtures, parse them the way the plugin
//! does, and flatten a tally into one line of counts for exact comparison.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::fs::File;
use std::io::BufReader;

use stagegate_plugin_sarif::{ParseError, Tally, parse_one};

/// Path of a committed fixture.
pub fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/fixtures/sarif/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Parses one committed fixture.
pub fn parse(name: &str) -> Result<Tally, ParseError> {
    let file = File::open(fixture(name)).unwrap();
    parse_one(BufReader::new(file), name)
}

/// Parses SARIF text.
pub fn parse_text(text: &str) -> Result<Tally, ParseError> {
    parse_one(text.as_bytes(), "input.sarif")
}

/// The counts of a tally on one line.
pub fn counts(tally: &Tally) -> String {
    format!(
        "open={} errors={} warnings={} notes={} nones={} critical={} high={} medium={} low={} \
         error_high={} new={} baseline={} suppressed={} dropped={}",
        tally.open,
        tally.errors,
        tally.warnings,
        tally.notes,
        tally.nones,
        tally.critical,
        tally.high,
        tally.medium,
        tally.low,
        tally.error_high,
        tally.new,
        tally.baseline_present,
        tally.suppressed,
        tally.findings_dropped
    )
}

/// A set fact as a comma-separated list.
pub fn list(set: &std::collections::BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(",")
}
