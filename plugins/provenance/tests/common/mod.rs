//! Shared by the integration tests: a bundle made of committed fixtures, handed to the
//! plugin the way the host would (each file with its kind and sha256), and the facts and
//! findings flattened for exact comparison.

#![allow(dead_code, reason = "each test binary uses a different subset")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail the test on a broken fixture"
)]

use std::io::{BufRead, BufReader, Cursor};
use std::path::PathBuf;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stagegate_plugin_provenance::{ATTESTATION_KIND, Config, SUBJECT_KIND, evaluate_with};
use stagegate_sdk::text::bom::BomReader;
use stagegate_sdk::{Artifact, Evaluation, FactValue, Severity};

/// The builder the fixtures trust.
pub const BUILDER: &str = "https://ci.example.com/builders/release-runner@v1";
/// The hardened builder of `slsa-v1_hardened-builder.intoto.json`.
pub const HARDENED: &str = "https://ci.example.com/builders/hardened-runner@v2";

/// `tests/fixtures/provenance/<name>` of the workspace.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/provenance")
        .join(name)
}

/// The text of a fixture.
pub fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

/// The configuration of the fixtures: both builder keys, both builders trusted, the
/// hardened one at L3, the shop repository the only trusted source.
pub fn config() -> Value {
    json!({
        "trusted_keys": [text("keys/builder-ed25519.pub"), text("keys/builder-p256.pub")],
        "trusted_builders": [BUILDER, HARDENED],
        "l3_builders": [HARDENED],
        "trusted_sources": ["git+https://github.com/acme/shop"],
    })
}

/// The kind the host gives a bundle path, by the plugin's own name matchers.
fn kind(path: &str) -> &'static str {
    if [".json", ".jsonl", ".sigstore"]
        .iter()
        .any(|e| path.ends_with(e))
    {
        ATTESTATION_KIND
    } else {
        SUBJECT_KIND
    }
}

/// Runs the plugin on a bundle of `(bundle path, bytes)` with `config`.
pub fn run_bytes(files: &[(&str, Vec<u8>)], config: &Value) -> Result<Evaluation, String> {
    let config = Config::parse(&config.to_string()).map_err(|e| e.to_string())?;
    let artifacts: Vec<Artifact> = files
        .iter()
        .map(|(path, bytes)| Artifact {
            path: (*path).to_owned(),
            kind: kind(path).to_owned(),
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
        })
        .collect();
    let paths = files.iter().map(|(p, _)| (*p).to_owned()).collect();
    let mut open = |artifact: &Artifact| -> std::io::Result<Box<dyn BufRead>> {
        let bytes = files
            .iter()
            .find(|(p, _)| *p == artifact.path)
            .map(|(_, b)| b.clone())
            .unwrap();
        // As the glue reads them: through the SDK's byte-order-mark transcoder.
        Ok(Box::new(BufReader::new(BomReader::new(Cursor::new(bytes)))))
    };
    evaluate_with(&artifacts, &config, paths, &mut open)
}

/// Runs the plugin on a bundle of `(bundle path, fixture name)`.
pub fn run(files: &[(&str, &str)], config: &Value) -> Evaluation {
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(path, name)| (*path, std::fs::read(fixture(name)).unwrap()))
        .collect();
    run_bytes(&files, config).unwrap()
}

/// The release files of `dist/`, at their bundle paths.
pub const DIST: [(&str, &str); 2] = [
    ("dist/shop-1.4.2.tar.gz", "dist/shop-1.4.2.tar.gz"),
    ("dist/shop-linux-amd64", "dist/shop-linux-amd64"),
];

/// A bundle of `dist/` and the attestation fixture `name` at `attestations/<name>`.
pub fn with_dist(name: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = DIST
        .iter()
        .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
        .collect();
    files.push((format!("attestations/{name}"), name.to_owned()));
    files
}

/// [`run`] over owned pairs.
pub fn run_owned(files: &[(String, String)], config: &Value) -> Evaluation {
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, n)| (p.as_str(), n.as_str()))
        .collect();
    run(&borrowed, config)
}

/// Every fact as `name=value`, in declaration order, sets as `[a,b]`.
pub fn facts(evaluation: &Evaluation) -> String {
    evaluation
        .facts
        .iter()
        .map(|f| {
            let value = match &f.value {
                FactValue::Long(n) => n.to_string(),
                FactValue::TextSet(items) => format!("[{}]", items.join(",")),
                FactValue::Boolean(b) => b.to_string(),
                FactValue::Text(t) | FactValue::Decimal(t) => t.clone(),
            };
            format!("{}={value}", f.name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The findings as `rule severity path:line message`, one per line.
pub fn findings(evaluation: &Evaluation) -> Vec<String> {
    evaluation
        .findings
        .iter()
        .map(|f| {
            let severity = match f.severity {
                Severity::Info => "info",
                Severity::Low => "low",
                Severity::Medium => "medium",
                Severity::High => "high",
                Severity::Critical => "critical",
            };
            format!(
                "{} {severity} {}:{} {}",
                f.rule,
                f.path.as_deref().unwrap_or("-"),
                f.line.unwrap_or(0),
                f.message
            )
        })
        .collect()
}

/// The finding lines of `rule`.
pub fn with_rule(evaluation: &Evaluation, rule: &str) -> Vec<String> {
    findings(evaluation)
        .into_iter()
        .filter(|f| f.starts_with(&format!("{rule} ")))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
