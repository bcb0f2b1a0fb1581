//! Every plan in `tests/fixtures/terraform-plan/` through the plugin's analysis, with the
//! exact facts it must report. Where a number was computed independently of the plugin,
//! the command that computed it stands next to the assertion.

#![cfg(test)]

use stagegate_plugin_terraform::report::{self, FactValue};
use stagegate_plugin_terraform::{error::PlanError, plan};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/terraform-plan"
);

fn analyze(name: &str) -> Result<report::Report, PlanError> {
    let file = File::open(format!("{DIR}/{name}")).unwrap();
    let analysis = plan::analyze(BufReader::new(file), name)?;
    Ok(report::build(std::slice::from_ref(&analysis)))
}

fn facts(name: &str) -> BTreeMap<String, FactValue> {
    analyze(name).unwrap().facts.into_iter().collect()
}

/// Long facts in this order, then `destroyed`.
const COUNTS: [&str; 16] = [
    "resource_changes",
    "creates",
    "updates",
    "deletes",
    "replaces",
    "noops",
    "reads",
    "forgets",
    "destroy_count",
    "public_buckets",
    "open_admin_ports",
    "wildcard_iam",
    "unencrypted_storage",
    "public_databases",
    "unknown_security_values",
    "findings_omitted",
];

fn assert_counts(name: &str, expected: [u64; 16], destroyed: &[&str]) {
    let facts = facts(name);
    let got: Vec<u64> = COUNTS
        .iter()
        .map(|k| match &facts[*k] {
            FactValue::Long(v) => *v,
            other => panic!("{k}: {other:?}"),
        })
        .collect();
    assert_eq!(got, expected, "{name}: {COUNTS:?}");
    assert_eq!(facts["inputs"], FactValue::Long(1));
    let want: Vec<String> = destroyed.iter().map(|s| s.to_string()).collect();
    assert_eq!(facts["destroyed"], FactValue::TextSet(want), "{name}");
}

// Change counts of every file: python3 -c "import json,collections as c;d=json.load(open(F));
//   print(len(d['resource_changes']), c.Counter('+'.join(r['change']['actions']) for r in d['resource_changes']))"

#[test]
fn plans_with_no_security_findings() {
    //                                          rc    cr   up de rp  no rd fg ds pb oa wi ue pd uk om
    assert_counts(
        "conftest_gke-show.json",
        [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    // jq '[.resource_changes[] | select(.change.actions==["create"])] | length'  -> 2502
    assert_counts(
        "tf-1.15_large_2500-foreach.json",
        [2502, 2502, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfc_aws_29-creates.json",
        [29, 29, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfc_aws_tf-1.14.json",
        [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfjson_checks.json",
        [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfjson_moved-block.json",
        [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfjson_no-changes.json",
        [6, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
    assert_counts(
        "tfjson_sensitive-values.json",
        [7, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
}

#[test]
fn plans_that_destroy() {
    // jq -r '[.resource_changes[] | select(.change.actions|index("delete")) | .address] | sort'
    assert_counts(
        "tf-1.15_envs_update-replace-delete.json",
        [7, 1, 2, 2, 1, 1, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0],
        &[
            "terraform_data.kms_key",
            "terraform_data.namespace[\"staging\"]",
            "terraform_data.old_cron",
        ],
    );
    assert_counts(
        "tfjson_replace-action-reason.json",
        [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        &["null_resource.example"],
    );
    assert_counts(
        "tfjson_replace-depends-on.json",
        [2, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        &["null_resource.bar"],
    );
    // The security group's `ingress` is unknown but not set in the configuration (its rules
    // are separate resources), and its only rule is an egress rule: nothing is unknown.
    assert_counts(
        "tfc_aws_delete-update-create.json",
        [15, 5, 1, 2, 0, 7, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0],
        &[
            "aws_cloudwatch_event_rule.Metricos_custom_alert_schedule_frequent[0]",
            "aws_cloudwatch_event_target.Metricos_custom_alert_event_target_frequent[0]",
        ],
    );
}

#[test]
fn aws_plan_with_internal_security_groups_and_narrow_iam() {
    // jq '[.resource_changes[] | select(.type=="aws_security_group_rule" or .type=="aws_security_group")
    //   | .change.after | (.ingress // [.]) | .[] | select(.type? != "egress")
    //   | select((.cidr_blocks // []) | index("0.0.0.0/0"))] | length'  -> 0 (open_admin_ports)
    // python3 -c "import json;d=json.load(open(F));L=lambda a:[a] if isinstance(a,str) else a;
    //   print(sum(any(s.get('Effect','Allow')=='Allow' and '*' in L(s.get('Action',[])) and '*' in
    //   L(s.get('Resource',[])) for s in L(json.loads(r['change']['after']['policy'])['Statement']))
    //   for r in d['resource_changes'] if r['type'].endswith('policy') and r['change']['after'].get('policy')))"
    //   -> 0 (wildcard_iam; checkov's broader CKV_AWS_355 does fire, see checkov-compare.txt)
    assert_counts(
        "tfc_aws_large-noop-update.json",
        [24, 2, 4, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &[],
    );
}

#[test]
fn azure_plan_with_ssh_and_rdp_open_to_everyone() {
    // jq '[.resource_changes[] | .change.after | select(.direction=="Inbound" and .access=="Allow"
    //   and .source_address_prefix=="*" and (.destination_port_range=="22"
    //   or .destination_port_range=="3389"))] | length'  -> 2 (open_admin_ports)
    // jq '[.resource_changes[] | select(.change.actions==["read"])] | length'  -> 2 (reads)
    assert_counts(
        "tfc_azurerm_random_read.json",
        [20, 18, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0],
        &[],
    );
    let report = analyze("tfc_azurerm_random_read.json").unwrap();
    let rules: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.address.as_deref().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            (
                "terraform/nsg-open-admin-port",
                "module.linuxservers-fail.azurerm_network_security_rule.vm"
            ),
            (
                "terraform/nsg-open-admin-port",
                "module.windowsservers-pass.azurerm_network_security_rule.vm"
            ),
        ]
    );
}

#[test]
fn synthetic_plan_fires_every_rule() {
    // Built by tests/terraform/make-synthetic-plan.py with these outcomes by construction.
    // jq '[.resource_changes[] | select(.change.after.publicly_accessible==true)] | length' -> 2
    // wildcard_iam -> 3: python3 -c "import json;d=json.load(open(F));docs=[r['change']['after'].get('policy')
    //   for r in d['resource_changes'] if r['type'] in ('aws_iam_policy','aws_iam_role_policy',
    //   'aws_iam_user_policy','aws_iam_group_policy') and r['change']['after']]+[r['values']['json'] for r in
    //   d['prior_state']['values']['root_module']['resources']];L=lambda a:[a] if isinstance(a,str) else a;
    //   print(sum(1 for p in docs if p and any(s['Effect']=='Allow' and '*' in L(s['Action']) and '*' in
    //   L(s['Resource']) for s in json.loads(p)['Statement'])))"
    assert_counts(
        "synthetic_security-mix.json",
        [60, 54, 1, 1, 2, 1, 1, 0, 3, 8, 8, 3, 3, 2, 4, 0],
        &[
            "aws_instance.blue_green[\"blue\"]",
            "aws_instance.old_bastion",
            "module.legacy.aws_instance.app[0]",
        ],
    );
    let report = analyze("synthetic_security-mix.json").unwrap();
    let mut fired: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter_map(|f| f.address.as_deref().map(|a| (f.rule.as_str(), a)))
        .collect();
    fired.sort();
    let expected = [
        (
            "terraform/azure-storage-public",
            "azurerm_storage_account.public",
        ),
        (
            "terraform/azure-storage-public",
            "azurerm_storage_container.assets",
        ),
        ("terraform/ebs-unencrypted", "aws_ebs_volume.plain"),
        (
            "terraform/firewall-open-admin-port",
            "google_compute_firewall.all_world",
        ),
        (
            "terraform/firewall-open-admin-port",
            "google_compute_firewall.ssh_world",
        ),
        (
            "terraform/gcs-public-iam",
            "google_storage_bucket_iam_binding.authenticated",
        ),
        (
            "terraform/gcs-public-iam",
            "google_storage_bucket_iam_member.public_read",
        ),
        ("terraform/iam-wildcard-admin", "aws_iam_policy.admin"),
        ("terraform/iam-wildcard-admin", "aws_iam_role_policy.mixed"),
        (
            "terraform/iam-wildcard-admin",
            "data.aws_iam_policy_document.admin",
        ),
        (
            "terraform/nsg-open-admin-port",
            "azurerm_network_security_group.inline",
        ),
        (
            "terraform/nsg-open-admin-port",
            "azurerm_network_security_rule.ssh_internet",
        ),
        ("terraform/rds-public", "aws_db_instance.public"),
        ("terraform/rds-public", "aws_rds_cluster_instance.aurora[0]"),
        ("terraform/rds-unencrypted", "aws_db_instance.public"),
        ("terraform/rds-unencrypted", "aws_rds_cluster.aurora"),
        (
            "terraform/s3-public-access-block-disabled",
            "aws_s3_bucket.open_pab",
        ),
        (
            "terraform/s3-public-access-block-missing",
            "aws_s3_bucket.logs",
        ),
        (
            "terraform/s3-public-access-block-missing",
            "aws_s3_bucket.policy_star",
        ),
        (
            "terraform/s3-public-access-block-missing",
            "aws_s3_bucket.public_acl",
        ),
        ("terraform/s3-public-acl", "aws_s3_bucket.logs"),
        ("terraform/s3-public-acl", "aws_s3_bucket.public_acl"),
        ("terraform/s3-public-policy", "aws_s3_bucket.policy_star"),
        (
            "terraform/sg-open-admin-port",
            "aws_security_group.ssh_world",
        ),
        (
            "terraform/sg-open-admin-port",
            "aws_security_group_rule.rdp_v6",
        ),
        (
            "terraform/sg-open-admin-port",
            "aws_security_group_rule.wide_range",
        ),
        (
            "terraform/sg-open-admin-port",
            "aws_vpc_security_group_ingress_rule.all_traffic",
        ),
        (
            "terraform/unknown-security-value",
            "aws_ebs_volume.account_default",
        ),
        (
            "terraform/unknown-security-value",
            "aws_iam_policy.computed",
        ),
        (
            "terraform/unknown-security-value",
            "aws_security_group_rule.ssh_from_var",
        ),
        (
            "terraform/unknown-security-value",
            "data.aws_iam_policy_document.deferred",
        ),
    ];
    assert_eq!(fired, expected);
    let facts: BTreeMap<_, _> = report.facts.into_iter().collect();
    let FactValue::TextSet(rules) = &facts["security_rules"] else {
        panic!()
    };
    assert_eq!(rules.len(), 13);
    // The destroy summary closes the findings.
    assert_eq!(report.findings.last().unwrap().rule, "terraform/destroys");
}

#[test]
fn invalid_json_fixture_is_an_error_naming_the_file() {
    let error = analyze("INVALID_tfjson_plan.json").unwrap_err().to_string();
    assert_eq!(
        error,
        "`INVALID_tfjson_plan.json` is not valid JSON: trailing characters at line 676 column 29"
    );
}

#[test]
fn every_fixture_is_covered() {
    let covered = [
        "INVALID_tfjson_plan.json",
        "conftest_gke-show.json",
        "synthetic_security-mix.json",
        "tf-1.15_envs_update-replace-delete.json",
        "tf-1.15_large_2500-foreach.json",
        "tfc_aws_29-creates.json",
        "tfc_aws_delete-update-create.json",
        "tfc_aws_large-noop-update.json",
        "tfc_aws_tf-1.14.json",
        "tfc_azurerm_random_read.json",
        "tfjson_checks.json",
        "tfjson_moved-block.json",
        "tfjson_no-changes.json",
        "tfjson_replace-action-reason.json",
        "tfjson_replace-depends-on.json",
        "tfjson_sensitive-values.json",
    ];
    let mut present: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    present.sort();
    assert_eq!(present, covered);
}

#[test]
fn several_plans_add_up() {
    let names = [
        "tf-1.15_envs_update-replace-delete.json",
        "tfc_azurerm_random_read.json",
    ];
    let analyses: Vec<_> = names
        .iter()
        .map(|n| {
            plan::analyze(BufReader::new(File::open(format!("{DIR}/{n}")).unwrap()), n).unwrap()
        })
        .collect();
    let facts: BTreeMap<_, _> = report::build(&analyses).facts.into_iter().collect();
    assert_eq!(facts["inputs"], FactValue::Long(2));
    assert_eq!(facts["resource_changes"], FactValue::Long(27));
    assert_eq!(facts["open_admin_ports"], FactValue::Long(2));
    assert_eq!(facts["destroy_count"], FactValue::Long(3));
}

/// `inputs` counts the files that parsed as plans: a plan with no change is evidence that
/// Terraform planned and found nothing to do; a file that is not a plan is an error, never a
/// silent zero.
#[test]
fn a_plan_without_changes_is_an_input_and_a_non_plan_is_an_error() {
    let facts = facts("tfjson_no-changes.json");
    assert_eq!(facts["inputs"], FactValue::Long(1));
    for change in ["creates", "updates", "deletes", "replaces"] {
        assert_eq!(facts[change], FactValue::Long(0), "{change}");
    }
    // `terraform show -json` of a state, not a plan: refused.
    let state =
        r#"{"format_version": "1.0", "terraform_version": "1.9.0", "values": {"root_module": {}}}"#;
    let error = plan::analyze(state.as_bytes(), "state.json").unwrap_err();
    assert!(matches!(error, PlanError::NotAPlan { .. }), "{error}");
    let names = ["tfjson_no-changes.json", "tfc_aws_29-creates.json"];
    let analyses: Vec<_> = names
        .iter()
        .map(|n| {
            plan::analyze(BufReader::new(File::open(format!("{DIR}/{n}")).unwrap()), n).unwrap()
        })
        .collect();
    let facts: BTreeMap<_, _> = report::build(&analyses).facts.into_iter().collect();
    assert_eq!(facts["inputs"], FactValue::Long(2));
}

use stagegate_sdk::text::bom::utf16_with_mark as utf16;

#[test]
fn utf16_plans_with_a_byte_order_mark_are_read() {
    use stagegate_sdk::text::bom::BomReader;
    let name = "tf-1.15_envs_update-replace-delete.json";
    let text = std::fs::read_to_string(format!("{DIR}/{name}")).unwrap();
    let plain = facts(name);
    for little_endian in [true, false] {
        let bytes = utf16(&text, little_endian);
        let analysis = plan::analyze(BufReader::new(BomReader::new(&bytes[..])), name).unwrap();
        let got: BTreeMap<_, _> = report::build(std::slice::from_ref(&analysis))
            .facts
            .into_iter()
            .collect();
        assert_eq!(got, plain, "{little_endian}");
    }
}
