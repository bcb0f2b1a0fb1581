//! The decision record: what was promoted, when, on what evidence and under
//! which waivers. One record is one line of the decision log, and the
//! predicate of a signed decision attestation.
//!
//! It carries the SHA-256 of every artifact, plugin, policy file and
//! configuration file, so an auditor can tell exactly which inputs and which
//! rules produced the decision.

use serde_json::{Value, json};

use crate::gate::GateReport;
use crate::plugin::Outcome;

/// The value of a record's `schema` key.
pub const SCHEMA: &str = "stagegate.decision/v1";

/// The record of `report`, decided at `time` (RFC 3339, UTC).
pub fn record(report: &GateReport, dry_run: bool, time: &str) -> Value {
    let plugins: Vec<Value> = report
        .plugins
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "version": p.version,
                "sha256": p.sha256,
                "origin": p.origin,
                "outcome": match p.outcome { Outcome::Ok { .. } => "ok", Outcome::Failed(_) => "failed" },
            })
        })
        .collect();
    let facts: serde_json::Map<String, Value> = report
        .facts
        .iter()
        .map(|(plugin, facts)| {
            (
                plugin.clone(),
                serde_json::to_value(facts).unwrap_or(Value::Null),
            )
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "stagegate": env!("CARGO_PKG_VERSION"),
        "time": time,
        "change": report.change,
        "from": report.from,
        "to": report.to,
        "decision": report.decision.as_str(),
        "dry_run": dry_run,
        "reasons": report.reasons.iter().map(|r| json!({
            "policy": r.policy, "effect": r.effect, "reason": r.reason, "waiver": r.waiver,
        })).collect::<Vec<_>>(),
        "chain": report.chain,
        "waivers": report.waivers,
        "exceptions": report.exceptions,
        "errors": report.errors,
        "facts": Value::Object(facts),
        "artifacts": report.artifacts,
        "plugins": plugins,
        "policies": {
            "source": report.policy_source,
            "sha256": report.policy_digest,
            "files": report.policy_files,
        },
        "config": { "source": report.config, "files": report.config_files },
    })
}

/// Now, as a record's `time`: RFC 3339 in UTC, to the second.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
