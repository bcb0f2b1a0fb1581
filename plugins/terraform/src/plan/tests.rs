//! Unit tests of the streaming parser on small inline plans: addresses, unknown values,
//! key order, line numbers and every kind of malformed input.

use super::*;
use crate::analysis::UNKNOWN_RULE;
use serde_json::json;

fn run(text: &str) -> Result<FileAnalysis, PlanError> {
    analyze(text.as_bytes(), "plans/plan.json")
}

fn change(address: &str, rtype: &str, actions: &[&str], after: Value, unknown: Value) -> Value {
    let mode = if address.contains("data.") {
        "data"
    } else {
        "managed"
    };
    json!({"address": address, "mode": mode, "type": rtype, "name": "n",
           "change": {"actions": actions, "before": null, "after": after, "after_unknown": unknown}})
}

fn plan(changes: Vec<Value>, extra: Value) -> String {
    let mut p =
        json!({"format_version": "1.2", "terraform_version": "1.9.8", "resource_changes": changes});
    if let (Some(p), Some(extra)) = (p.as_object_mut(), extra.as_object()) {
        p.extend(extra.clone());
    }
    p.to_string()
}

#[test]
fn counts_actions_across_modules_and_instance_keys() {
    let text = plan(
        vec![
            change(
                "module.a.module.b.aws_instance.x[0]",
                "aws_instance",
                &["create"],
                json!({}),
                json!({}),
            ),
            change(
                r#"module.a["k.1"].null_resource.y["k"]"#,
                "null_resource",
                &["delete"],
                Value::Null,
                json!({}),
            ),
            change(
                "null_resource.z",
                "null_resource",
                &["delete", "create"],
                json!({}),
                json!({}),
            ),
            change(
                "null_resource.w",
                "null_resource",
                &["create", "delete"],
                json!({}),
                json!({}),
            ),
            change(
                "null_resource.v",
                "null_resource",
                &["update"],
                json!({}),
                json!({}),
            ),
            change(
                "null_resource.u",
                "null_resource",
                &["no-op"],
                json!({}),
                json!({}),
            ),
            change(
                "data.aws_caller_identity.c",
                "aws_caller_identity",
                &["read"],
                json!({}),
                json!({}),
            ),
            change(
                "null_resource.f",
                "null_resource",
                &["forget"],
                Value::Null,
                json!({}),
            ),
        ],
        json!({}),
    );
    let a = run(&text).unwrap();
    let c = &a.changes;
    assert_eq!(
        (
            c.resource_changes,
            c.creates,
            c.deletes,
            c.replaces,
            c.updates,
            c.noops,
            c.reads,
            c.forgets
        ),
        (8, 1, 1, 2, 1, 1, 1, 1)
    );
    assert_eq!(c.destroy_count(), 3);
    let destroyed: Vec<&str> = c.destroyed.iter().map(String::as_str).collect();
    assert_eq!(
        destroyed,
        [
            r#"module.a["k.1"].null_resource.y["k"]"#,
            "null_resource.w",
            "null_resource.z"
        ]
    );
    assert_eq!(a.format_version, "1.2");
}

#[test]
fn rules_fire_on_module_instances_and_unknowns_are_counted_apart() {
    let open = json!({"type": "ingress", "cidr_blocks": ["0.0.0.0/0"], "from_port": 22, "to_port": 22, "protocol": "tcp"});
    let text = plan(
        vec![
            change(
                r#"module.net["eu"].aws_security_group_rule.ssh[0]"#,
                "aws_security_group_rule",
                &["create"],
                open.clone(),
                json!({}),
            ),
            change(
                "aws_security_group_rule.old",
                "aws_security_group_rule",
                &["delete"],
                Value::Null,
                json!({}),
            ),
            change(
                "aws_ebs_volume.v",
                "aws_ebs_volume",
                &["create"],
                json!({"size": 10}),
                json!({"encrypted": true}),
            ),
            change(
                "aws_security_group.set",
                "aws_security_group",
                &["create"],
                json!({}),
                json!({"ingress": true}),
            ),
            change(
                "aws_security_group.computed",
                "aws_security_group",
                &["create"],
                json!({}),
                json!({"ingress": true}),
            ),
        ],
        json!({"configuration": {"root_module": {"resources": [
            {"address": "aws_security_group.set", "expressions": {"ingress": {"references": ["var.rules"]}}},
            {"address": "aws_security_group.computed", "expressions": {"name": {"constant_value": "c"}}}
        ]}}}),
    );
    let a = run(&text).unwrap();
    assert_eq!(a.security.open_admin_ports, 1);
    assert_eq!(a.security.unencrypted_storage, 0);
    assert_eq!(a.security.unknown_security_values, 2);
    assert_eq!(
        a.security
            .security_rules
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        ["terraform/sg-open-admin-port"]
    );
    let unknown: Vec<&str> = a
        .issues
        .iter()
        .filter(|i| i.rule == UNKNOWN_RULE)
        .map(|i| i.address.as_str())
        .collect();
    assert_eq!(unknown, ["aws_ebs_volume.v", "aws_security_group.set"]);
    let fired = a
        .issues
        .iter()
        .find(|i| i.rule == "terraform/sg-open-admin-port")
        .unwrap();
    assert_eq!(
        fired.message,
        r#"`module.net["eu"].aws_security_group_rule.ssh[0]` allows ingress from 0.0.0.0/0 to tcp port 22 (SSH)"#
    );
}

#[test]
fn change_before_type_and_missing_mode_still_work() {
    let text = r#"{"format_version": "0.1", "resource_changes": [
        {"change": {"after": {"publicly_accessible": true, "storage_encrypted": true}, "actions": ["create"]},
         "address": "module.db.aws_db_instance.main"}]}"#;
    let a = run(text).unwrap();
    assert_eq!(a.security.public_databases, 1);
    assert_eq!(a.security.unencrypted_storage, 0);
}

#[test]
fn policy_documents_from_prior_state_are_read_once() {
    let admin =
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string();
    let doc = json!({"address": "data.aws_iam_policy_document.a", "mode": "data", "type": "aws_iam_policy_document",
                     "name": "a", "values": {"json": admin}});
    let text = plan(
        vec![],
        json!({"planned_values": {"root_module": {"child_modules": [{"resources": [doc.clone()]}]}},
               "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [doc]}}}}),
    );
    let a = run(&text).unwrap();
    assert_eq!(a.security.wildcard_iam, 1);
    assert_eq!(a.issues.len(), 1);
}

#[test]
fn findings_point_at_the_line_of_their_resource() {
    let text = serde_json::to_string_pretty(&json!({
        "format_version": "1.2",
        "resource_changes": [
            change("null_resource.a", "null_resource", &["create"], json!({}), json!({})),
            change("aws_db_instance.p", "aws_db_instance", &["create"],
                   json!({"publicly_accessible": true, "storage_encrypted": true}), json!({}))
        ]
    }))
    .unwrap();
    let expected = text
        .lines()
        .position(|l| l.contains("\"aws_db_instance.p\""))
        .unwrap();
    let a = run(&text).unwrap();
    // The entry's `{` is on the line before its first key.
    assert_eq!(a.issues[0].line, expected as u64);
}

#[test]
fn plans_without_changes_and_no_op_only_plans() {
    let a = run(r#"{"format_version": "1.2", "planned_values": {"root_module": {}}}"#).unwrap();
    assert_eq!(a.changes.resource_changes, 0);
    let a = run(&plan(vec![], json!({}))).unwrap();
    assert_eq!(a.changes, Default::default());
    let nulls = r#"{"format_version": "1.0", "planned_values": {"root_module": {"resources": null,
        "child_modules": null}}, "prior_state": null, "configuration": null, "resource_changes": []}"#;
    run(nulls).unwrap();
    let e = error(r#"{"format_version": "1.0", "resource_changes": null}"#);
    assert!(
        e.contains("invalid type: null, expected an array of resource change objects"),
        "{e}"
    );
    let e = error(r#"{"format_version": "1.0", "planned_values": [1]}"#);
    assert!(
        e.contains("invalid type: sequence, expected a planned values object"),
        "{e}"
    );
}

fn error(text: &str) -> String {
    run(text).unwrap_err().to_string()
}

#[test]
fn malformed_inputs_are_errors_naming_the_file() {
    let valid = plan(
        vec![change(
            "null_resource.a",
            "null_resource",
            &["create"],
            json!({}),
            json!({}),
        )],
        json!({}),
    );
    let truncated = error(&valid[..valid.len() / 2]);
    assert!(
        truncated.starts_with("`plans/plan.json` is truncated: EOF while parsing"),
        "{truncated}"
    );
    let e = error(r#"{"format_version": "1.2", "resource_changes": {"a": 1}}"#);
    assert!(
        e.starts_with(
            "`plans/plan.json` is not a Terraform plan: invalid type: map, expected an array"
        ),
        "{e}"
    );
    let e = error(r#"{"format_version": "2.0", "resource_changes": []}"#);
    assert_eq!(
        e,
        "`plans/plan.json` has plan format_version `2.0`; this plugin reads major versions 0 and 1"
    );
    let e = error(r#"{"format_version": 1, "resource_changes": []}"#);
    assert!(e.contains("invalid type: integer"), "{e}");
    let e = error(r#"{"resource_changes": []}"#);
    assert!(e.contains("has no `format_version`"), "{e}");
    let e = error(r#"{"format_version": "1.0", "values": {}}"#);
    assert!(
        e.contains("neither `resource_changes` nor `planned_values`"),
        "{e}"
    );
    let e = error("[1, 2]");
    assert!(e.contains("expected a Terraform plan object"), "{e}");
    let e = error("not json");
    assert!(
        e.starts_with("`plans/plan.json` is not valid JSON: expected"),
        "{e}"
    );
    let e = error(&format!("{valid} {{}}"));
    assert!(e.contains("trailing characters"), "{e}");
    let e = error(
        r#"{"format_version": "1.2", "resource_changes": [{"address": "x.y", "change": {"actions": ["explode"]}}]}"#,
    );
    assert!(
        e.contains("resource `x.y` has the action list [\"explode\"]"),
        "{e}"
    );
    let e =
        error(r#"{"format_version": "1.2", "resource_changes": [{"change": {"actions": []}}]}"#);
    assert!(e.contains("missing field `address`"), "{e}");
}

#[test]
fn deep_nesting_is_a_clean_error() {
    let depth = 10_000;
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let text = format!(
            r#"{{"format_version": "1.2", "resource_changes": [{{"address": "aws_iam_policy.p", "type": "aws_iam_policy", "change": {{"actions": ["create"], "after": {}1{}}}}}]}}"#,
            open.repeat(depth),
            close.repeat(depth)
        );
        let e = error(&text);
        assert!(
            e.starts_with("`plans/plan.json` nests JSON deeper than 128 levels"),
            "{e}"
        );
    }
    // Sections that are skipped unread are skipped iteratively by serde_json: deep
    // nesting there costs one byte per level and is not an error.
    let text = format!(
        r#"{{"format_version": "1.2", "variables": {}0{}, "resource_changes": []}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(run(&text).is_ok());
}

#[test]
fn huge_strings_do_not_crash_and_are_never_echoed() {
    let huge = "A".repeat(8 * 1024 * 1024);
    let policy =
        json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Sid": huge}]})
            .to_string();
    let text = plan(
        vec![
            change(
                "aws_iam_policy.p",
                "aws_iam_policy",
                &["create"],
                json!({"policy": policy}),
                json!({}),
            ),
            change(
                "null_resource.n",
                "null_resource",
                &["create"],
                json!({"triggers": {"t": huge}}),
                json!({}),
            ),
        ],
        json!({}),
    );
    let a = run(&text).unwrap();
    assert_eq!(a.security.wildcard_iam, 1);
    assert!(a.issues.iter().all(|i| i.message.len() < 300));
    let bad = format!(r#"{{"format_version": "1.2", "resource_changes": "{huge}"}}"#);
    let e = error(&bad);
    assert!(
        e.len() < 300 && !e.contains("AAAA"),
        "{}",
        &e[..e.len().min(300)]
    );
}

#[test]
fn the_issue_cap_keeps_the_most_severe() {
    let mut changes: Vec<Value> = (0..1100)
        .map(|i| {
            let address = format!("aws_ebs_volume.v[{i}]");
            change(
                &address,
                "aws_ebs_volume",
                &["create"],
                json!({}),
                json!({"encrypted": true}),
            )
        })
        .collect();
    let db = json!({"publicly_accessible": true, "storage_encrypted": true});
    changes.push(change(
        "aws_db_instance.late",
        "aws_db_instance",
        &["create"],
        db,
        json!({}),
    ));
    let a = run(&plan(changes, json!({}))).unwrap();
    assert_eq!(a.security.unknown_security_values, 1100);
    assert_eq!(a.security.public_databases, 1);
    assert_eq!(a.issues.len(), crate::analysis::ISSUE_LIMIT);
    assert_eq!(a.issues_omitted, 101);
    assert!(a.issues.iter().any(|i| i.address == "aws_db_instance.late"));
    assert_eq!(a.issues[0].address, "aws_ebs_volume.v[0]");
}
