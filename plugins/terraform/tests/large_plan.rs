//! Large generated plans: one pass, exact counts, bounded memory.
//!
//! The generator writes a plan in the shape `terraform show -json` prints (a single line,
//! `planned_values`, `resource_changes`, `prior_state`, `configuration`) with a known mix
//! of security groups, S3 buckets with public-access blocks linked through module
//! references, IAM policies, EBS volumes, deletes, replaces and bulky resources no rule
//! reads, and returns the counts the plugin must find. The ~60 MB run is ignored by
//! default (slow in a debug build); run it with
//! `cargo test --release --test large_plan -- --ignored --nocapture`. It leaves the file in
//! the temporary directory so the native example can be measured on it:
//! `/usr/bin/time -v target/release/examples/native_scan /tmp/stagegate-terraform-60mb.json`.

#![cfg(test)]

use serde_json::json;
use stagegate_plugin_terraform::{plan, report};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

#[derive(Debug, Default, PartialEq)]
struct Expected {
    resource_changes: u64,
    creates: u64,
    deletes: u64,
    replaces: u64,
    open_admin_ports: u64,
    wildcard_iam: u64,
    unencrypted_storage: u64,
    public_buckets: u64,
}

/// Writes a plan of about `target_bytes` to `path` and returns what it holds.
fn generate(path: &Path, target_bytes: u64) -> Expected {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut e = Expected::default();
    let bulk: String = "0123456789abcdef".repeat(96);
    write!(out, r#"{{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{{"root_module":{{"resources":[]}}}},"resource_changes":["#).unwrap();
    let mut written = 0u64;
    let mut i = 0u64;
    while written < target_bytes || !i.is_multiple_of(10) {
        let module = format!(r#"module.tenant["t-{:06}"]"#, i / 10);
        let (rtype, name, after, unknown) = match i % 10 {
            0 => {
                let cidr = if i.is_multiple_of(20) {
                    "0.0.0.0/0"
                } else {
                    "10.0.0.0/8"
                };
                e.open_admin_ports += u64::from(i.is_multiple_of(20));
                (
                    "aws_security_group",
                    "ssh",
                    json!({"name": format!("sg-{i}"), "ingress": [
                    {"cidr_blocks": [cidr], "ipv6_cidr_blocks": [], "from_port": 22, "to_port": 22, "protocol": "tcp",
                     "description": "", "prefix_list_ids": [], "security_groups": [], "self": false}],
                    "egress": [], "tags": {"bulk": bulk}}),
                    json!({"id": true, "arn": true}),
                )
            }
            1 => (
                "aws_s3_bucket",
                "data",
                json!({"bucket": format!("b-{i}"), "force_destroy": false, "tags": {"bulk": bulk}}),
                json!({"id": true, "arn": true, "acl": true, "grant": true, "policy": true,
                         "server_side_encryption_configuration": true}),
            ),
            2 => {
                let off = i % 40 == 12;
                e.public_buckets += u64::from(off);
                (
                    "aws_s3_bucket_public_access_block",
                    "data",
                    json!({"block_public_acls": true, "block_public_policy": !off,
                    "ignore_public_acls": true, "restrict_public_buckets": true}),
                    json!({"id": true, "bucket": true}),
                )
            }
            3 => {
                let admin = i % 30 == 3;
                e.wildcard_iam += u64::from(admin);
                let action = if admin {
                    json!("*")
                } else {
                    json!(["s3:GetObject", "s3:ListBucket"])
                };
                let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]});
                (
                    "aws_iam_policy",
                    "app",
                    json!({"name": format!("p-{i}"), "policy": policy.to_string(), "path": "/"}),
                    json!({"id": true, "arn": true}),
                )
            }
            4 => {
                let plain = i % 40 == 4;
                e.unencrypted_storage += u64::from(plain);
                (
                    "aws_ebs_volume",
                    "disk",
                    json!({"availability_zone": "eu-west-1a", "size": 20, "encrypted": !plain}),
                    json!({"id": true}),
                )
            }
            _ => (
                "terraform_data",
                "bulk",
                json!({"input": {"blob": bulk, "list": [bulk, bulk]}}),
                json!({"id": true}),
            ),
        };
        let actions: &[&str] = match i % 50 {
            7 => &["delete"],
            8 => &["delete", "create"],
            _ => &["create"],
        };
        let after = if actions == ["delete"] {
            serde_json::Value::Null
        } else {
            after
        };
        match actions {
            ["delete"] => e.deletes += 1,
            ["delete", "create"] => e.replaces += 1,
            _ => e.creates += 1,
        }
        e.resource_changes += 1;
        let address = format!("{module}.{rtype}.{name}");
        let entry = json!({"address": address, "module_address": module, "mode": "managed", "type": rtype,
            "name": name, "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": null, "after": after, "after_unknown": unknown,
                       "before_sensitive": false, "after_sensitive": {}}});
        let text = entry.to_string();
        if i > 0 {
            out.write_all(b",").unwrap();
        }
        out.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64 + 1;
        i += 1;
    }
    let config = json!({"root_module": {"module_calls": {"tenant": {"source": "./tenant",
    "for_each_expression": {"references": ["local.tenants"]}, "module": {"resources": [
        {"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data",
         "expressions": {"bucket": {"references": ["each.key"]}}},
        {"address": "aws_s3_bucket_public_access_block.data", "mode": "managed",
         "type": "aws_s3_bucket_public_access_block", "name": "data",
         "expressions": {"bucket": {"references": ["aws_s3_bucket.data.id", "aws_s3_bucket.data"]}}},
        {"address": "aws_security_group.ssh", "mode": "managed", "type": "aws_security_group", "name": "ssh",
         "expressions": {"ingress": [{"from_port": {"constant_value": 22}}]}}
    ]}}}}});
    write!(out, r#"],"prior_state":{{"format_version":"1.0","values":{{"root_module":{{}}}}}},"configuration":{config},"errored":false}}"#).unwrap();
    out.flush().unwrap();
    e
}

fn check(path: &Path, expected: &Expected) {
    let reader = BufReader::with_capacity(64 * 1024, File::open(path).unwrap());
    let analysis = plan::analyze(reader, "large.json").unwrap();
    let c = &analysis.changes;
    let s = &analysis.security;
    let got = Expected {
        resource_changes: c.resource_changes,
        creates: c.creates,
        deletes: c.deletes,
        replaces: c.replaces,
        open_admin_ports: s.open_admin_ports,
        wildcard_iam: s.wildcard_iam,
        unencrypted_storage: s.unencrypted_storage,
        public_buckets: s.public_buckets,
    };
    assert_eq!(&got, expected);
    assert_eq!(s.unknown_security_values, 0);
    let report = report::build(std::slice::from_ref(&analysis));
    assert!(report.findings.len() <= report::FINDING_LIMIT + 2);
}

#[test]
fn three_megabyte_plan() {
    let path = std::env::temp_dir().join(format!(
        "stagegate-terraform-3mb-{}.json",
        std::process::id()
    ));
    let expected = generate(&path, 3 << 20);
    assert!(expected.resource_changes > 1000);
    check(&path, &expected);
    std::fs::remove_file(&path).unwrap();
}

#[test]
#[ignore = "writes and parses a ~60 MB plan; slow in a debug build"]
fn sixty_megabyte_plan() {
    let path = std::env::temp_dir().join("stagegate-terraform-60mb.json");
    let expected = generate(&path, 60 << 20);
    let size = std::fs::metadata(&path).unwrap().len();
    let started = std::time::Instant::now();
    check(&path, &expected);
    println!(
        "{}: {:.1} MB, {} resource changes, analysed in {:.2} s; {expected:?}",
        path.display(),
        size as f64 / 1e6,
        expected.resource_changes,
        started.elapsed().as_secs_f64()
    );
}
