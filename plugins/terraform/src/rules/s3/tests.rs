//! Unit tests of the S3 verdicts and of bucket linking.

use super::link::{Collected, Judged};
use super::*;
use crate::config::{ConfigIndex, Configuration};
use serde_json::{Value, json};

fn item(rtype: &str, address: &str, after: Value, unknown: Value) -> Item {
    read(rtype, address, Node::new(Some(&after), Some(&unknown)), 1)
}

fn companion_verdict(rtype: &str, after: Value) -> Verdict {
    match item(rtype, "x.y", after, json!({})) {
        Item::Companion(c) => c.verdict,
        other => panic!("{other:?}"),
    }
}

fn policy_text(statement: Value) -> Value {
    json!({ "policy": json!({"Version": "2012-10-17", "Statement": statement}).to_string() })
}

#[test]
fn acls_and_grants() {
    let v = companion_verdict("aws_s3_bucket_acl", json!({"acl": "public-read"}));
    assert_eq!(v, Verdict::Fail("has the canned ACL `public-read`".into()));
    assert_eq!(
        companion_verdict("aws_s3_bucket_acl", json!({"acl": "private"})),
        Verdict::Pass
    );
    let acp = json!({"acl": null, "access_control_policy": [{"grant": [
        {"grantee": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}],
         "permission": "READ"}]}]});
    let v = companion_verdict("aws_s3_bucket_acl", acp);
    assert_eq!(
        v,
        Verdict::Fail("grants access to the `AuthenticatedUsers` group".into())
    );
    let Item::Bucket(b) = item(
        "aws_s3_bucket",
        "aws_s3_bucket.b",
        json!({"bucket": "b", "grant": [
        {"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "permissions": ["READ"]}]}),
        json!({}),
    ) else {
        panic!()
    };
    assert!(
        b.inline
            .iter()
            .any(|(r, v)| *r == Rule::S3PublicAcl && matches!(v, Verdict::Fail(_)))
    );
    assert_eq!(b.names, ["b"]);
}

#[test]
fn bucket_policies() {
    let public = policy_text(
        json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]),
    );
    assert!(matches!(
        companion_verdict("aws_s3_bucket_policy", public),
        Verdict::Fail(_)
    ));
    let aws_star = policy_text(
        json!({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:*", "Resource": "*"}),
    );
    assert!(matches!(
        companion_verdict("aws_s3_bucket_policy", aws_star),
        Verdict::Fail(_)
    ));
    let transport_only = policy_text(
        json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]),
    );
    assert!(matches!(
        companion_verdict("aws_s3_bucket_policy", transport_only),
        Verdict::Fail(_)
    ));
    let not_ip = policy_text(
        json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "*", "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]),
    );
    assert!(matches!(
        companion_verdict("aws_s3_bucket_policy", not_ip),
        Verdict::Fail(_)
    ));
    for passing in [
        policy_text(
            json!([{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"AWS:SourceVpce": "vpce-1"}}}]),
        ),
        policy_text(
            json!([{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]),
        ),
        policy_text(
            json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:*", "Resource": "*"}]),
        ),
        json!({"policy": ""}),
    ] {
        assert_eq!(
            companion_verdict("aws_s3_bucket_policy", passing.clone()),
            Verdict::Pass,
            "{passing}"
        );
    }
    let v = companion_verdict("aws_s3_bucket_policy", json!({"policy": "{"}));
    assert!(matches!(v, Verdict::Unknown(_)));
}

#[test]
fn access_blocks_and_encryption() {
    let on = json!({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
                    "restrict_public_buckets": true});
    assert_eq!(
        companion_verdict("aws_s3_bucket_public_access_block", on.clone()),
        Verdict::Pass
    );
    let mut off = on.clone();
    off["block_public_policy"] = json!(false);
    off["restrict_public_buckets"] = json!(null);
    let v = companion_verdict("aws_s3_bucket_public_access_block", off);
    assert_eq!(
        v,
        Verdict::Fail(
            "has a public-access block that turns off `block_public_policy`, `restrict_public_buckets`".into()
        )
    );
    let sse = |alg: &str| json!({"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": alg}]}]});
    assert_eq!(
        companion_verdict(
            "aws_s3_bucket_server_side_encryption_configuration",
            sse("aws:kms")
        ),
        Verdict::Pass
    );
    let v = companion_verdict(
        "aws_s3_bucket_server_side_encryption_configuration",
        sse("none"),
    );
    assert!(matches!(v, Verdict::Fail(_)));
    assert!(matches!(
        item("aws_s3_account_public_access_block", "a.b", on, json!({})),
        Item::AccountBlock(true)
    ));
}

fn index(config: Value) -> ConfigIndex {
    serde_json::from_value::<Configuration>(json!({"root_module": config}))
        .unwrap()
        .index()
}

fn judge(items: Vec<Item>, config: &ConfigIndex) -> Vec<Judged> {
    let mut collected = Collected::default();
    for i in items {
        collected.add(i);
    }
    collected.judge(config)
}

fn failed(judged: &[Judged]) -> Vec<(Rule, &str, Option<&str>)> {
    judged
        .iter()
        .filter(|j| matches!(j.verdict, Verdict::Fail(_)))
        .map(|j| (j.rule, j.address.as_str(), j.related.as_deref()))
        .collect()
}

#[test]
fn links_by_reference_within_module_instances_and_keys() {
    let config = index(json!({"module_calls": {"m": {"module": {"resources": [
        {"address": "aws_s3_bucket.b", "expressions": {"bucket": {"references": ["each.key"]}}},
        {"address": "aws_s3_bucket_acl.a", "expressions": {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}},
        {"address": "aws_s3_bucket_public_access_block.p", "expressions": {"bucket": {"references": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]}}}
    ]}}}}));
    let bucket = |m: &str| {
        item(
            "aws_s3_bucket",
            &format!("module.m[\"{m}\"].aws_s3_bucket.b"),
            json!({"bucket": m}),
            json!({"acl": true}),
        )
    };
    let acl = |m: &str, acl: &str| {
        item(
            "aws_s3_bucket_acl",
            &format!("module.m[\"{m}\"].aws_s3_bucket_acl.a"),
            json!({"acl": acl}),
            json!({"bucket": true}),
        )
    };
    let block = |m: &str| {
        item(
            "aws_s3_bucket_public_access_block",
            &format!("module.m[\"{m}\"].aws_s3_bucket_public_access_block.p"),
            json!({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}),
            json!({"bucket": true}),
        )
    };
    let judged = judge(
        vec![
            bucket("x"),
            bucket("y"),
            acl("x", "private"),
            acl("y", "public-read"),
            block("x"),
            block("y"),
        ],
        &config,
    );
    assert_eq!(
        failed(&judged),
        [(
            Rule::S3PublicAcl,
            r#"module.m["y"].aws_s3_bucket.b"#,
            Some(r#"module.m["y"].aws_s3_bucket_acl.a"#)
        )]
    );
    // The bucket's own computed `acl` is unknown but not set in the configuration: a pass.
    assert!(
        judged
            .iter()
            .all(|j| !matches!(j.verdict, Verdict::Unknown(_)))
    );
}

#[test]
fn missing_ambiguous_and_account_blocks() {
    let config = index(json!({"resources": [
        {"address": "aws_s3_bucket.b", "expressions": {"bucket": {"constant_value": "b"}}},
        {"address": "aws_s3_bucket_public_access_block.p", "expressions": {"bucket": {"references": ["var.bucket"]}}}
    ]}));
    let bucket = || {
        item(
            "aws_s3_bucket",
            "aws_s3_bucket.b",
            json!({"bucket": "b"}),
            json!({}),
        )
    };
    let judged = judge(vec![bucket()], &config);
    assert_eq!(
        failed(&judged),
        [(Rule::S3AccessBlockMissing, "aws_s3_bucket.b", None)]
    );
    let unmatched = item(
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_public_access_block.p",
        json!({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
               "restrict_public_buckets": true}),
        json!({"bucket": true}),
    );
    let judged = judge(vec![bucket(), unmatched], &config);
    assert!(failed(&judged).is_empty());
    assert!(
        judged
            .iter()
            .any(|j| j.rule == Rule::S3AccessBlockMissing
                && matches!(j.verdict, Verdict::Unknown(_)))
    );
    let account = item(
        "aws_s3_account_public_access_block",
        "aws_s3_account_public_access_block.a",
        json!({"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true,
               "restrict_public_buckets": true}),
        json!({}),
    );
    assert!(failed(&judge(vec![bucket(), account], &config)).is_empty());
}

#[test]
fn links_by_known_name_and_reports_unlinked_companions() {
    let config = ConfigIndex::default();
    let bucket = item(
        "aws_s3_bucket",
        "aws_s3_bucket.b",
        json!({"bucket": "logs", "acl": "private"}),
        json!({}),
    );
    let policy = item(
        "aws_s3_bucket_policy",
        "aws_s3_bucket_policy.p",
        json!({"bucket": "logs", "policy": json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}).to_string()}),
        json!({}),
    );
    let external = item(
        "aws_s3_bucket_acl",
        "aws_s3_bucket_acl.other",
        json!({"bucket": "elsewhere", "acl": "public-read-write"}),
        json!({}),
    );
    let judged = judge(vec![bucket, policy, external], &config);
    assert_eq!(
        failed(&judged),
        [
            (
                Rule::S3PublicPolicy,
                "aws_s3_bucket.b",
                Some("aws_s3_bucket_policy.p")
            ),
            (Rule::S3AccessBlockMissing, "aws_s3_bucket.b", None),
            (Rule::S3PublicAcl, "aws_s3_bucket_acl.other", None),
        ]
    );
}
