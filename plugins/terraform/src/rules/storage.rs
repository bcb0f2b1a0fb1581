//! Storage and database checks that need only the resource itself: EBS and RDS
//! encryption, RDS public access, Azure storage public access and GCS bucket IAM.
//!
//! "Absent" and "unknown" differ here: an EBS volume that leaves `encrypted` unset gets
//! the account's default (unknown in the plan), so it is reported as unknown, not as
//! unencrypted; an attribute known to be `false` or `null` is a finding.

use super::Verdict;
use crate::value::{Node, Val};
use serde::Deserialize;

/// A boolean that must be `true` for the resource to be encrypted.
fn must_be_true(node: Node<'_>, key: &str, what: &str) -> Verdict {
    match node.get(key).bool() {
        Val::Known(true) => Verdict::Pass,
        Val::Known(false) => Verdict::Fail(format!("{what} (`{key}` is false)")),
        Val::Absent => Verdict::Fail(format!("{what} (`{key}` is not set)")),
        Val::Unknown => Verdict::Unknown(format!("`{key}` is only known after apply")),
    }
}

/// `aws_ebs_volume`: `encrypted` must be true.
pub fn ebs(node: Node<'_>) -> Verdict {
    must_be_true(node, "encrypted", "is not encrypted")
}

/// `aws_db_instance`: `storage_encrypted` must be true.
pub fn rds_encrypted(node: Node<'_>) -> Verdict {
    must_be_true(node, "storage_encrypted", "does not encrypt its storage")
}

/// `aws_rds_cluster`: `storage_encrypted` must be true, except Aurora Serverless v1
/// (`engine_mode = "serverless"`), which is always encrypted.
pub fn rds_cluster_encrypted(node: Node<'_>) -> Verdict {
    if node.get("engine_mode").str() == Val::Known("serverless") {
        return Verdict::Pass;
    }
    must_be_true(node, "storage_encrypted", "does not encrypt its storage")
}

/// `aws_db_instance` and `aws_rds_cluster_instance`: `publicly_accessible` must not be true.
pub fn rds_public(node: Node<'_>) -> Verdict {
    match node.get("publicly_accessible").bool() {
        Val::Known(true) => {
            Verdict::Fail("is reachable from the internet (`publicly_accessible` is true)".into())
        }
        Val::Unknown => Verdict::Unknown("`publicly_accessible` is only known after apply".into()),
        _ => Verdict::Pass,
    }
}

/// `azurerm_storage_account`: anonymous blob access allowed by
/// `allow_nested_items_to_be_public` (azurerm 3.x and later) or `allow_blob_public_access`
/// (azurerm 2.x).
pub fn azure_account(node: Node<'_>) -> Verdict {
    let mut unknown = None;
    for key in [
        "allow_nested_items_to_be_public",
        "allow_blob_public_access",
    ] {
        match node.get(key).bool() {
            Val::Known(true) => {
                return Verdict::Fail(format!("allows anonymous blob access (`{key}` is true)"));
            }
            Val::Unknown => unknown = Some(format!("`{key}` is only known after apply")),
            _ => {}
        }
    }
    unknown.map_or(Verdict::Pass, Verdict::Unknown)
}

/// `azurerm_storage_container`: `container_access_type` of `blob` or `container`.
pub fn azure_container(node: Node<'_>) -> Verdict {
    match node.get("container_access_type").str() {
        Val::Known(t) if t.eq_ignore_ascii_case("blob") || t.eq_ignore_ascii_case("container") => {
            Verdict::Fail(format!(
                "allows anonymous reads (`container_access_type` is `{}`)",
                t.to_ascii_lowercase()
            ))
        }
        Val::Unknown => {
            Verdict::Unknown("`container_access_type` is only known after apply".into())
        }
        _ => Verdict::Pass,
    }
}

const PUBLIC_MEMBERS: [&str; 2] = ["allUsers", "allAuthenticatedUsers"];

#[derive(Deserialize)]
struct GcsPolicy {
    #[serde(default)]
    bindings: Vec<GcsBinding>,
}

#[derive(Deserialize)]
struct GcsBinding {
    #[serde(default)]
    members: Vec<String>,
}

/// `google_storage_bucket_iam_member` (`member`), `_binding` (`members`) and `_policy`
/// (`policy_data` JSON): a grant to `allUsers` or `allAuthenticatedUsers`.
pub fn gcs_iam(node: Node<'_>) -> Verdict {
    let (mut members, mut unknown) = node.get("members").strings();
    match node.get("member").str() {
        Val::Known(m) => members.push(m),
        Val::Unknown => unknown = true,
        Val::Absent => {}
    }
    let mut owned = Vec::new();
    match node.get("policy_data").str() {
        Val::Known(text) => match serde_json::from_str::<GcsPolicy>(text) {
            Ok(policy) => owned.extend(policy.bindings.into_iter().flat_map(|b| b.members)),
            Err(_) => {
                return Verdict::Unknown("its `policy_data` is not a readable IAM policy".into());
            }
        },
        Val::Unknown => unknown = true,
        Val::Absent => {}
    }
    let public = members
        .into_iter()
        .chain(owned.iter().map(String::as_str))
        .find_map(|m| PUBLIC_MEMBERS.iter().find(|p| **p == m.trim()));
    match public {
        Some(member) => Verdict::Fail(format!("grants bucket access to `{member}`")),
        None if unknown => Verdict::Unknown("its members are only known after apply".into()),
        None => Verdict::Pass,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(after: &serde_json::Value) -> Node<'_> {
        Node::new(Some(after), None)
    }

    #[test]
    fn ebs_known_absent_unknown() {
        assert_eq!(ebs(node(&json!({"encrypted": true}))), Verdict::Pass);
        assert!(matches!(
            ebs(node(&json!({"encrypted": false}))),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            ebs(node(&json!({"encrypted": null}))),
            Verdict::Fail(_)
        ));
        let unknown = json!({"encrypted": true});
        let after = json!({});
        let v = ebs(Node::new(Some(&after), Some(&unknown)));
        assert!(matches!(v, Verdict::Unknown(_)));
    }

    #[test]
    fn rds() {
        let after = json!({"storage_encrypted": false, "publicly_accessible": true});
        assert!(matches!(rds_encrypted(node(&after)), Verdict::Fail(_)));
        assert!(matches!(rds_public(node(&after)), Verdict::Fail(_)));
        let serverless = json!({"engine_mode": "serverless", "storage_encrypted": false});
        assert_eq!(rds_cluster_encrypted(node(&serverless)), Verdict::Pass);
        assert_eq!(
            rds_public(node(&json!({"publicly_accessible": false}))),
            Verdict::Pass
        );
    }

    #[test]
    fn azure() {
        let v = azure_account(node(&json!({"allow_nested_items_to_be_public": true})));
        assert!(matches!(v, Verdict::Fail(_)));
        let v = azure_account(node(&json!({"allow_blob_public_access": true})));
        assert!(matches!(v, Verdict::Fail(_)));
        let v = azure_account(node(&json!({"allow_nested_items_to_be_public": false})));
        assert_eq!(v, Verdict::Pass);
        let v = azure_container(node(&json!({"container_access_type": "Blob"})));
        assert!(matches!(v, Verdict::Fail(ref d) if d.contains("`blob`")));
        let v = azure_container(node(&json!({"container_access_type": "private"})));
        assert_eq!(v, Verdict::Pass);
    }

    #[test]
    fn gcs() {
        assert!(matches!(
            gcs_iam(node(&json!({"member": "allUsers"}))),
            Verdict::Fail(_)
        ));
        let binding = json!({"members": ["user:a@example.com", "allAuthenticatedUsers"]});
        assert!(matches!(gcs_iam(node(&binding)), Verdict::Fail(_)));
        let policy = json!({"policy_data": json!({"bindings": [{"role": "r", "members": ["allUsers"]}]}).to_string()});
        assert!(matches!(gcs_iam(node(&policy)), Verdict::Fail(_)));
        assert_eq!(
            gcs_iam(node(&json!({"member": "group:x@example.com"}))),
            Verdict::Pass
        );
        let after = json!({});
        let unknown = json!({"member": true});
        assert!(matches!(
            gcs_iam(Node::new(Some(&after), Some(&unknown))),
            Verdict::Unknown(_)
        ));
    }
}
