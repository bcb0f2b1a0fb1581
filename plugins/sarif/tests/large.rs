//! Large logs: a synthetic SARIF file is written to disk and read back through the plugin's
//! parser, with counts known from the generator. The ~100 MB run is ignored by default
//! (`cargo test --release -- --ignored`); a 4 MB run always runs.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "test helpers may fail the test"
)]

#[path = "support/synth.rs"]
mod synth;

use std::fs::File;
use std::io::BufReader;

use stagegate_plugin_sarif::parse_one;

fn round_trip(megabytes: u64) {
    let path = std::env::temp_dir().join(format!(
        "stagegate-sarif-{}-{megabytes}mb.sarif",
        std::process::id()
    ));
    let expected =
        synth::write_sarif(File::create(&path).unwrap(), megabytes * 1024 * 1024).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let parsed = parse_one(
        BufReader::with_capacity(64 * 1024, File::open(&path).unwrap()),
        "big.sarif",
    );
    std::fs::remove_file(&path).unwrap();
    let tally = parsed.unwrap();
    assert!(size >= megabytes * 1024 * 1024, "{size}");
    assert_eq!(tally.open, expected.open);
    assert_eq!(tally.suppressed, expected.suppressed);
    assert_eq!(
        (tally.errors, tally.warnings, tally.notes, tally.nones),
        (expected.errors, expected.warnings, expected.notes, 0)
    );
    assert_eq!(
        (tally.critical, tally.high, tally.medium, tally.low),
        (
            expected.critical,
            expected.high,
            expected.medium,
            expected.low
        )
    );
    assert_eq!(tally.error_high, expected.error_high);
    assert_eq!(tally.new, expected.new);
    assert!(tally.baseline_present);
    assert_eq!(tally.findings.len(), 1000);
    assert_eq!(tally.findings_dropped, expected.open - 1000);
    assert_eq!(tally.rules.len(), 45);
    assert_eq!(
        tally.tools.iter().cloned().collect::<Vec<_>>(),
        ["synth-1", "synth-2"]
    );
}

#[test]
fn a_4_mb_log_with_tool_before_and_after_results() {
    round_trip(4);
}

#[test]
#[ignore = "writes and reads 100 MB; run with --release -- --ignored"]
fn a_100_mb_log() {
    round_trip(100);
}
