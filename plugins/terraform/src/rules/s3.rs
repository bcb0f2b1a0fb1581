//! S3 buckets and their companion resources (ACL, public-access block, bucket policy,
//! encryption configuration), collected while streaming and linked once the plan's
//! configuration has been read.
//!
//! A companion names its bucket by `bucket`, which is usually unknown until apply (it is
//! the bucket's id), so linking falls back to the configuration's references. A companion
//! that cannot be linked is still judged on its own; and when an unlinked public-access
//! block exists, a bucket without a linked one is "unknown", never "missing". Following
//! checkov (CKV2_AWS_6), a bucket with no public-access block at all counts as a public
//! bucket (severity medium), unless the plan sets an account-wide block with all four
//! flags on. Following checkov (CKV_AWS_19), a bucket without any encryption settings is
//! not unencrypted: since January 2023 S3 encrypts every new object with SSE-S3.

use super::{Rule, Verdict};
use crate::address::Address;
use crate::value::{Node, Val};
use serde::Deserialize;

pub mod link;

/// Canned ACLs that open a bucket to everyone or to every AWS account.
const PUBLIC_ACLS: [&str; 3] = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES: [&str; 2] = [
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];
const BLOCK_FLAGS: [&str; 4] = [
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];
const SSE_ALGORITHMS: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];
/// Condition keys that narrow who may use a statement (matched without case); an
/// operator containing `Not` does not narrow.
const NARROWING_KEYS: [&str; 18] = [
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:userid",
    "aws:username",
];

/// Resource types this module reads.
pub const S3_TYPES: [&str; 6] = [
    "aws_s3_bucket",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_account_public_access_block",
];

/// Whether `rtype` is read by this module.
pub fn is_s3_type(rtype: &str) -> bool {
    S3_TYPES.contains(&rtype)
}

/// Which companion a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `aws_s3_bucket_acl`.
    Acl,
    /// `aws_s3_bucket_public_access_block`.
    AccessBlock,
    /// `aws_s3_bucket_policy`.
    Policy,
    /// `aws_s3_bucket_server_side_encryption_configuration`.
    Encryption,
}

impl Kind {
    /// The rule a failing companion of this kind fires.
    pub fn rule(self) -> Rule {
        match self {
            Kind::Acl => Rule::S3PublicAcl,
            Kind::AccessBlock => Rule::S3AccessBlockDisabled,
            Kind::Policy => Rule::S3PublicPolicy,
            Kind::Encryption => Rule::S3Unencrypted,
        }
    }
}

/// A bucket as read from the plan.
#[derive(Debug)]
pub struct Bucket {
    /// Its address.
    pub address: String,
    /// The parsed address, for linking.
    pub parsed: Option<Address>,
    /// Its `bucket` name and `id`, where known.
    pub names: Vec<String>,
    /// Where its change starts in the plan.
    pub line: u64,
    /// Verdicts of its own attributes (`acl`, `grant`, `policy`, encryption).
    pub inline: Vec<(Rule, Verdict)>,
}

/// A companion resource as read from the plan.
#[derive(Debug)]
pub struct Companion {
    /// What it configures.
    pub kind: Kind,
    /// Its address.
    pub address: String,
    /// The parsed address, for linking.
    pub parsed: Option<Address>,
    /// Its `bucket` value where known.
    pub bucket: Option<String>,
    /// Where its change starts in the plan.
    pub line: u64,
    /// Its verdict on its own.
    pub verdict: Verdict,
}

/// What one S3 resource turned out to be.
#[derive(Debug)]
pub enum Item {
    /// An `aws_s3_bucket`.
    Bucket(Bucket),
    /// A companion resource.
    Companion(Companion),
    /// An `aws_s3_account_public_access_block`: whether all four flags are on.
    AccountBlock(bool),
}

/// Reads one S3 resource of type `rtype`.
pub fn read(rtype: &str, address: &str, node: Node<'_>, line: u64) -> Item {
    let parsed = Address::parse(address);
    let companion = |kind, verdict| {
        let bucket = match node.get("bucket").str() {
            Val::Known(b) => Some(b.to_owned()),
            _ => None,
        };
        Item::Companion(Companion {
            kind,
            address: address.to_owned(),
            parsed: parsed.clone(),
            bucket,
            line,
            verdict,
        })
    };
    match rtype {
        "aws_s3_bucket_acl" => companion(Kind::Acl, acl_companion(node)),
        "aws_s3_bucket_public_access_block" => companion(Kind::AccessBlock, access_block(node)),
        "aws_s3_bucket_policy" => companion(Kind::Policy, policy(node.get("policy"), false)),
        "aws_s3_bucket_server_side_encryption_configuration" => {
            companion(Kind::Encryption, encryption(node.get("rule")))
        }
        "aws_s3_account_public_access_block" => {
            Item::AccountBlock(access_block(node) == Verdict::Pass)
        }
        _ => {
            let names = ["bucket", "id"]
                .iter()
                .filter_map(|k| match node.get(k).str() {
                    Val::Known(n) => Some(n.to_owned()),
                    _ => None,
                })
                .collect();
            let sse = node
                .get("server_side_encryption_configuration")
                .items()
                .map_known(|blocks| blocks.first().map(|b| b.get("rule")));
            let inline = vec![
                (Rule::S3PublicAcl, acl(node.get("acl"), true)),
                (Rule::S3PublicAcl, grants(node.get("grant"))),
                (Rule::S3PublicPolicy, policy(node.get("policy"), true)),
                (Rule::S3Unencrypted, sse.map_or(Verdict::Pass, encryption)),
            ];
            Item::Bucket(Bucket {
                address: address.to_owned(),
                parsed,
                names,
                line,
                inline,
            })
        }
    }
}

/// A canned ACL. `computed` marks the bucket's own `acl`, which the provider computes when
/// the configuration leaves it out.
fn acl(node: Node<'_>, computed: bool) -> Verdict {
    match node.str() {
        Val::Known(a) => match PUBLIC_ACLS.iter().find(|p| **p == a.trim()) {
            Some(p) => Verdict::Fail(format!("has the canned ACL `{p}`")),
            None => Verdict::Pass,
        },
        Val::Absent => Verdict::Pass,
        Val::Unknown if computed => Verdict::UnknownUnlessUnset {
            attribute: "acl",
            detail: "its `acl` is only known after apply".into(),
        },
        Val::Unknown => Verdict::Unknown("its `acl` is only known after apply".into()),
    }
}

/// Grants to everyone in `grant` blocks (bucket) or `grant { grantee { uri } }` (ACL).
fn grants(node: Node<'_>) -> Verdict {
    let items = match node.items() {
        Val::Known(items) => items,
        Val::Absent => return Verdict::Pass,
        Val::Unknown => {
            return Verdict::UnknownUnlessUnset {
                attribute: "grant",
                detail: "its `grant` blocks are only known after apply".into(),
            };
        }
    };
    let mut unknown = false;
    for grant in items {
        let uris = match grant.get("grantee").items() {
            Val::Known(grantees) => grantees.into_iter().map(|g| g.get("uri").str()).collect(),
            _ => vec![grant.get("uri").str()],
        };
        for uri in uris {
            match uri {
                Val::Known(u) if PUBLIC_GRANTEES.contains(&u.trim()) => {
                    let who = u.rsplit('/').next().unwrap_or(u);
                    return Verdict::Fail(format!("grants access to the `{who}` group"));
                }
                Val::Unknown => unknown = true,
                _ => {}
            }
        }
    }
    if unknown {
        Verdict::Unknown("a grantee is only known after apply".into())
    } else {
        Verdict::Pass
    }
}

/// `aws_s3_bucket_acl`: its canned `acl`, else its `access_control_policy` grants.
fn acl_companion(node: Node<'_>) -> Verdict {
    match acl(node.get("acl"), false) {
        Verdict::Pass if node.get("acl").str() == Val::Absent => {
            let policy = node.get("access_control_policy");
            match policy.items() {
                Val::Known(blocks) => blocks
                    .into_iter()
                    .map(|b| grants(b.get("grant")))
                    .find(|v| *v != Verdict::Pass)
                    .unwrap_or(Verdict::Pass),
                Val::Absent => Verdict::Pass,
                Val::Unknown => {
                    Verdict::Unknown("its `access_control_policy` is only known after apply".into())
                }
            }
        }
        other => other,
    }
}

/// `aws_s3_bucket_public_access_block` (and the account-wide block): all four flags on.
fn access_block(node: Node<'_>) -> Verdict {
    let mut off = Vec::new();
    let mut unknown = Vec::new();
    for flag in BLOCK_FLAGS {
        match node.get(flag).bool() {
            Val::Known(true) => {}
            Val::Unknown => unknown.push(flag),
            _ => off.push(format!("`{flag}`")),
        }
    }
    if !off.is_empty() {
        Verdict::Fail(format!(
            "has a public-access block that turns off {}",
            off.join(", ")
        ))
    } else if let Some(flag) = unknown.first() {
        Verdict::Unknown(format!(
            "`{flag}` of its public-access block is only known after apply"
        ))
    } else {
        Verdict::Pass
    }
}

/// An encryption `rule` list: fails on an algorithm other than AES256 or KMS.
fn encryption(rules: Node<'_>) -> Verdict {
    let Val::Known(rules) = rules.items() else {
        return Verdict::Pass;
    };
    for rule in rules {
        let Val::Known(defaults) = rule.get("apply_server_side_encryption_by_default").items()
        else {
            continue;
        };
        for d in defaults {
            if let Val::Known(alg) = d.get("sse_algorithm").str()
                && !SSE_ALGORITHMS.contains(&alg.trim())
            {
                return Verdict::Fail(
                    "sets an encryption algorithm other than AES256 or aws:kms".into(),
                );
            }
        }
    }
    Verdict::Pass
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

#[derive(Deserialize)]
struct PolicyDoc {
    #[serde(rename = "Statement")]
    statement: Option<OneOrMany<serde_json::Value>>,
}

/// Whether one statement allows everyone without a narrowing condition.
fn public_statement(s: &serde_json::Value) -> bool {
    let allow = s.get("Effect").and_then(|e| e.as_str()).unwrap_or("Allow") == "Allow";
    let star = |v: &serde_json::Value| match v {
        serde_json::Value::String(p) => p.trim() == "*",
        serde_json::Value::Array(list) => list.iter().any(|p| p.as_str() == Some("*")),
        _ => false,
    };
    let everyone = match s.get("Principal") {
        Some(p) if star(p) => true,
        Some(p) => p.get("AWS").is_some_and(star),
        None => false,
    };
    let narrowed = s
        .get("Condition")
        .and_then(|c| c.as_object())
        .is_some_and(|ops| {
            ops.iter().any(|(op, keys)| {
                !op.contains("Not")
                    && keys.as_object().is_some_and(|k| {
                        k.keys()
                            .any(|key| NARROWING_KEYS.contains(&key.to_ascii_lowercase().as_str()))
                    })
            })
        });
    allow && everyone && !narrowed
}

/// A bucket policy held as JSON text.
fn policy(node: Node<'_>, computed: bool) -> Verdict {
    let text = match node.str() {
        Val::Known(t) if !t.trim().is_empty() => t,
        Val::Known(_) | Val::Absent => return Verdict::Pass,
        Val::Unknown if computed => {
            return Verdict::UnknownUnlessUnset {
                attribute: "policy",
                detail: "its bucket policy is only known after apply".into(),
            };
        }
        Val::Unknown => {
            return Verdict::Unknown("its bucket policy is only known after apply".into());
        }
    };
    let Ok(doc) = serde_json::from_str::<PolicyDoc>(text) else {
        return Verdict::Unknown("its bucket policy is not a readable policy document".into());
    };
    let statements = match &doc.statement {
        Some(OneOrMany::One(s)) => std::slice::from_ref(s),
        Some(OneOrMany::Many(list)) => list.as_slice(),
        None => &[],
    };
    match statements.iter().position(public_statement) {
        Some(i) => Verdict::Fail(format!(
            "has a bucket policy that allows any principal (`*`) without a narrowing condition \
             in statement {}",
            i + 1
        )),
        None => Verdict::Pass,
    }
}

#[cfg(test)]
mod tests;
