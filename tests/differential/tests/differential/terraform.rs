//! Terraform: the `terraform` plugin's change counts against a plain Python walk of
//! `resource_changes[].change.actions` (py/terraform_actions.py), which reads the action
//! lists as `terraform show -json` documents them.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stagegate_plugin_terraform::analysis::FileAnalysis;
use stagegate_plugin_terraform::changes::ChangeCounts;
use stagegate_plugin_terraform::error::PlanError;
use stagegate_plugin_terraform::plan::analyze;

use crate::support::{Mismatches, file_name, files, fixture_dir, num, python};

const NAMES: [&str; 8] = [
    "resource_changes",
    "creates",
    "updates",
    "deletes",
    "replaces",
    "noops",
    "reads",
    "forgets",
];

/// Files that the plugin refuses while the walk counts them, with why.
const REFUSED: &[(&str, &str)] = &[(
    "unknown-actions.json",
    "an action list outside the set Terraform writes ([\"delete\",\"delete\"]) makes the \
     plan unjudgeable for the plugin (it may destroy something); the walk counts it as \
     `unknown`",
)];

fn plugin(path: &Path) -> Result<FileAnalysis, PlanError> {
    let file = File::open(path).unwrap_or_else(|e| panic!("open `{}`: {e}", path.display()));
    analyze(BufReader::new(file), &file_name(path))
}

fn ours(changes: &ChangeCounts) -> [u64; 8] {
    [
        changes.resource_changes,
        changes.creates,
        changes.updates,
        changes.deletes,
        changes.replaces,
        changes.noops,
        changes.reads,
        changes.forgets,
    ]
}

fn compare(paths: &[PathBuf], comparison: &str) -> usize {
    let python = python("terraform_actions.py", paths);
    let mut mismatches = Mismatches::default();
    for path in paths {
        let name = file_name(path);
        let other = &python[path];
        mismatches.compared();
        let refused = REFUSED.iter().any(|(file, _)| *file == name);
        match (plugin(path), other.get("error")) {
            // Not JSON (trailing data after the plan): both refuse it.
            (Err(PlanError::Syntax { .. }), Some(_)) if name.starts_with("INVALID") => {}
            (Err(PlanError::UnknownActions { .. }), None) if refused => {
                let unknown = num(&other["counts"]["unknown"], "unknown");
                if unknown == 0 {
                    mismatches.add(&name, "refused, but the walk finds no unknown action list");
                }
            }
            (Err(error), _) => mismatches.add(&name, format!("the plugin refuses it: {error}")),
            (Ok(_), Some(error)) => mismatches.add(&name, format!("the walk refuses it: {error}")),
            (Ok(_), None) if refused => mismatches.add(&name, "the plugin now reads it"),
            (Ok(analysis), None) => {
                let counts = &other["counts"];
                let theirs = NAMES.map(|n| num(&counts[n], n));
                mismatches.check(
                    &name,
                    &format!("counts {NAMES:?} (by action list: {})", other["by_actions"]),
                    ours(&analysis.changes),
                    theirs,
                );
                mismatches.check(
                    &name,
                    "unknown action lists",
                    0,
                    num(&counts["unknown"], "unknown"),
                );
                let destroyed = analysis.changes.destroy_count();
                mismatches.check(
                    &name,
                    "deletes + replaces",
                    destroyed,
                    theirs[3] + theirs[4],
                );
            }
        }
    }
    mismatches.finish(comparison)
}

#[test]
fn terraform_fixtures_agree_with_the_walk() {
    let paths = files(&fixture_dir("terraform-plan"), &[".json"]);
    assert_eq!(compare(&paths, "terraform fixtures"), paths.len());
}

#[test]
fn terraform_generated_plans_agree_with_the_walk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<PathBuf> = variants()
        .into_iter()
        .map(|(name, plan)| {
            let path = dir.path().join(name);
            std::fs::write(&path, serde_json::to_vec_pretty(&plan).expect("json")).expect("write");
            path
        })
        .collect();
    assert_eq!(compare(&paths, "terraform generated plans"), paths.len());
    for (file, _) in REFUSED {
        assert!(
            paths.iter().any(|p| file_name(p) == *file),
            "no plan `{file}`"
        );
    }
}

/// Every action list Terraform and OpenTofu write.
const ACTIONS: &[&[&str]] = &[
    &["no-op"],
    &["create"],
    &["read"],
    &["open"],
    &["update"],
    &["delete"],
    &["delete", "create"],
    &["create", "delete"],
    &["forget"],
    &["create", "forget"],
    &["forget", "create"],
];

fn change(address: &str, rtype: &str, mode: &str, actions: &[&str]) -> Value {
    let after = if actions == ["delete"] || actions == ["forget"] {
        Value::Null
    } else {
        json!({"name": address, "tags": {"k": "v"}})
    };
    json!({
        "address": address,
        "mode": mode,
        "type": rtype,
        "name": address.rsplit('.').next().unwrap_or(address),
        "provider_name": "registry.terraform.io/hashicorp/null",
        "change": {"actions": actions, "before": null, "after": after, "after_unknown": {}}
    })
}

fn plan(version: &str, changes: Vec<Value>) -> Value {
    json!({
        "format_version": version,
        "terraform_version": "1.15.5",
        "resource_changes": changes,
        "planned_values": {"root_module": {}},
    })
}

fn variants() -> Vec<(&'static str, Value)> {
    let every: Vec<Value> = ACTIONS
        .iter()
        .enumerate()
        .map(|(i, actions)| {
            let mode = if actions == &["read"] {
                "data"
            } else {
                "managed"
            };
            let prefix = if mode == "data" { "data." } else { "" };
            change(
                &format!("{prefix}null_resource.r{i}"),
                "null_resource",
                mode,
                actions,
            )
        })
        .collect();
    let mut in_modules = every.clone();
    for (i, entry) in in_modules.iter_mut().enumerate() {
        if let Some(address) = entry["address"].as_str().map(str::to_owned) {
            entry["address"] = json!(format!("module.app[\"k{i}\"].module.db.{address}"));
            entry["module_address"] = json!(format!("module.app[\"k{i}\"].module.db"));
        }
    }
    let mut with_drift = plan("1.2", every.clone());
    with_drift["resource_drift"] = json!([
        change(
            "null_resource.drifted",
            "null_resource",
            "managed",
            &["update"]
        ),
        change(
            "null_resource.gone",
            "null_resource",
            "managed",
            &["delete"]
        )
    ]);
    with_drift["prior_state"] =
        json!({"format_version": "1.0", "values": {"root_module": {"resources": []}}});
    let mut unknown = every.clone();
    unknown.push(change(
        "null_resource.odd",
        "null_resource",
        "managed",
        &["delete", "delete"],
    ));
    vec![
        ("every-action.json", plan("1.2", every.clone())),
        ("every-action-format-0.1.json", plan("0.1", every.clone())),
        ("every-action-in-modules.json", plan("1.2", in_modules)),
        ("drift-is-not-a-change.json", with_drift),
        ("no-resource-changes.json", plan("1.2", Vec::new())),
        (
            "planned-values-only.json",
            json!({"format_version": "1.2", "planned_values": {"root_module": {}}}),
        ),
        ("unknown-actions.json", plan("1.2", unknown)),
        ("large-mix.json", large_mix()),
    ]
}

/// 3000 changes whose action lists and resource types come from a fixed linear
/// congruential sequence (the same plan on every run), with types some rules read so that
/// their values are walked too.
fn large_mix() -> Value {
    let mut state: u64 = 0x7E44;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((state >> 33) % n as u64).expect("small")
    };
    let types = [
        "null_resource",
        "aws_s3_bucket",
        "aws_security_group",
        "aws_db_instance",
        "random_id",
    ];
    let changes = (0..3000)
        .map(|i| {
            let actions = ACTIONS[next(ACTIONS.len())];
            let rtype = types[next(types.len())];
            let data = actions == ["read"];
            let address = if data {
                format!("data.{rtype}.r{i}")
            } else {
                format!("{rtype}.r{i}")
            };
            change(
                &address,
                rtype,
                if data { "data" } else { "managed" },
                actions,
            )
        })
        .collect();
    plan("1.2", changes)
}
