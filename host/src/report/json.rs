//! The JSON report: one object with stable, sorted keys. Every string in it,
//! keys included, is redacted, and the characters a terminal would obey are
//! written as JSON escapes (see [`super::text`]).

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::gate::GateReport;
use crate::plugin::Outcome;

/// Writes `report` as one JSON object followed by a newline.
pub fn render(report: &GateReport, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    super::text::write_json(sorted(to_value(report, dry_run)), out)
}

/// The value of the report's `schema` key, the version of its shape
/// (`schemas/report.schema.json`).
pub const SCHEMA: &str = "stagegate.report/v1";

/// `value` with the keys of every object in sorted order, whatever map
/// ordering serde_json was built with.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The report as a JSON value.
pub fn to_value(report: &GateReport, dry_run: bool) -> Value {
    let facts: Map<String, Value> = report
        .facts
        .iter()
        .map(|(plugin, facts)| {
            let record: Map<String, Value> = facts
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Value::Null)))
                .collect();
            (plugin.clone(), Value::Object(record))
        })
        .collect();
    let plugins: Vec<Value> = report
        .plugins
        .iter()
        .map(|run| {
            let (outcome, error) = match &run.outcome {
                Outcome::Ok { .. } => ("ok", Value::Null),
                Outcome::Failed(why) => ("failed", Value::String(why.clone())),
            };
            json!({
                "name": run.name,
                "version": run.version,
                "sha256": run.sha256,
                "origin": run.origin,
                "outcome": outcome,
                "error": error,
                "artifacts": run.artifacts,
                "code": run.cache.as_str(),
                "logs": run.logs,
                "limits": {
                    "timeout_ms": run.limits.timeout.as_millis(),
                    "timeout_ms_per_mib": run.limits.timeout_per_mib.as_millis(),
                    "memory_bytes": run.limits.memory_bytes,
                    "output_bytes": run.limits.output_bytes,
                },
            })
        })
        .collect();
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| serde_json::to_value(f).unwrap_or(Value::Null))
        .collect();
    json!({
        "schema": SCHEMA,
        "decision": report.decision.as_str(),
        "dry_run": dry_run,
        "exit_code": super::exit_code(report, dry_run),
        "from": report.from,
        "to": report.to,
        "change": report.change,
        "reasons": report.reasons,
        "errors": report.errors,
        "facts": Value::Object(facts),
        "findings": findings,
        "plugins": plugins,
        "artifacts": report.artifacts,
        "skipped": report.skipped.iter().map(|s| json!({"path": s.path, "reason": s.reason})).collect::<Vec<_>>(),
        "unclaimed": report.claims.unclaimed,
        "shared": report.claims.shared.iter().map(|(path, plugins)| json!({"path": path, "plugins": plugins})).collect::<Vec<_>>(),
        "config": report.config,
        "policies": {
            "source": report.policy_source,
            "sha256": report.policy_digest,
            "files": report.policy_files,
        },
        "config_files": report.config_files,
        "chain": report.chain,
        "gates": super::gates(report).iter().map(|g| json!({
            "policy": g.policy, "effect": g.effect, "host": g.host,
            "status": g.status.as_str(), "note": g.note,
        })).collect::<Vec<_>>(),
        "waivers": report.waivers,
        "warnings": report.warnings,
        "exceptions": report.exceptions,
    })
}
