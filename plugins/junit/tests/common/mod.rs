//! Every report a test parses is parsed three ways, which must agree exactly,
//! errors and their lines included: held whole in memory (the plugin's path
//! for reports that fit), streamed, and streamed seven bytes at a time, so
//! that events and line breaks fall across every read boundary.

use std::io::BufReader;

use stagegate_plugin_junit::parse::{
    Limits, ParseError, Summary, parse_bytes_with, parse_report_with,
};

/// The result of parsing `bytes`, after checking that every way agrees.
pub fn parse_every_way(bytes: &[u8], path: &str, limits: Limits) -> Result<Summary, ParseError> {
    let whole = parse_bytes_with(bytes, path, limits);
    let streamed = parse_report_with(bytes, path, limits);
    let trickled = parse_report_with(BufReader::with_capacity(7, bytes), path, limits);
    let shown = format!("{whole:?}");
    assert_eq!(
        shown,
        format!("{streamed:?}"),
        "held whole and streamed differ on `{path}`"
    );
    assert_eq!(
        shown,
        format!("{trickled:?}"),
        "streamed at once and in small reads differ on `{path}`"
    );
    whole
}
