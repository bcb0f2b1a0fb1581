//! The security rules: their ids, severities, the fact each one counts toward, and the
//! dispatch from a resource type to the check that reads it.
//!
//! Every check looks at one resource's planned values and answers with a [`Verdict`]; it
//! never guesses an unknown value (it answers `Unknown` instead) and never echoes an
//! attribute value other than the well-known constants it matched (a CIDR such as
//! `0.0.0.0/0`, a port, a canned ACL name), since plans can carry secrets in plain text.
//! S3 buckets are the exception to "one resource": their ACL, policy, public-access block
//! and encryption may live in companion resources, so they are linked in [`s3`].

pub mod iam;
pub mod network;
pub mod s3;
pub mod storage;

use crate::value::Node;
use serde::Serialize;

/// How urgent a finding is; mapped one-to-one onto the contract's severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Context only.
    Info,
    /// Worth a look.
    Low,
    /// Should be fixed.
    Medium,
    /// Blocks a promotion under the default policies.
    High,
}

/// The count fact a rule contributes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// `public_buckets`.
    PublicBuckets,
    /// `open_admin_ports`.
    OpenAdminPorts,
    /// `wildcard_iam`.
    WildcardIam,
    /// `unencrypted_storage`.
    UnencryptedStorage,
    /// `public_databases`.
    PublicDatabases,
}

/// One security rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Rule {
    /// S3 bucket with a public canned ACL or a grant to everyone.
    S3PublicAcl,
    /// S3 bucket policy that allows any principal without a restricting condition.
    S3PublicPolicy,
    /// S3 public-access block with one of its four flags off.
    S3AccessBlockDisabled,
    /// S3 bucket with no public-access block in the plan.
    S3AccessBlockMissing,
    /// S3 encryption configured with an algorithm that is not AES256 or KMS.
    S3Unencrypted,
    /// Azure storage account or container open to anonymous reads.
    AzureStoragePublic,
    /// GCS bucket IAM granting `allUsers` or `allAuthenticatedUsers`.
    GcsPublicIam,
    /// AWS security group rule open to the internet on SSH, RDP or all ports.
    SgOpenAdminPort,
    /// Azure network security rule open to the internet on SSH, RDP or all ports.
    NsgOpenAdminPort,
    /// GCP firewall open to the internet on SSH, RDP or all ports.
    FirewallOpenAdminPort,
    /// IAM policy allowing action `*` on resource `*`.
    IamWildcardAdmin,
    /// EBS volume without encryption.
    EbsUnencrypted,
    /// RDS instance or cluster without storage encryption.
    RdsUnencrypted,
    /// RDS instance reachable from the internet.
    RdsPublic,
}

impl Rule {
    /// The finding rule id, `terraform/<rule>`.
    pub fn id(self) -> &'static str {
        match self {
            Rule::S3PublicAcl => "terraform/s3-public-acl",
            Rule::S3PublicPolicy => "terraform/s3-public-policy",
            Rule::S3AccessBlockDisabled => "terraform/s3-public-access-block-disabled",
            Rule::S3AccessBlockMissing => "terraform/s3-public-access-block-missing",
            Rule::S3Unencrypted => "terraform/s3-unencrypted",
            Rule::AzureStoragePublic => "terraform/azure-storage-public",
            Rule::GcsPublicIam => "terraform/gcs-public-iam",
            Rule::SgOpenAdminPort => "terraform/sg-open-admin-port",
            Rule::NsgOpenAdminPort => "terraform/nsg-open-admin-port",
            Rule::FirewallOpenAdminPort => "terraform/firewall-open-admin-port",
            Rule::IamWildcardAdmin => "terraform/iam-wildcard-admin",
            Rule::EbsUnencrypted => "terraform/ebs-unencrypted",
            Rule::RdsUnencrypted => "terraform/rds-unencrypted",
            Rule::RdsPublic => "terraform/rds-public",
        }
    }

    /// The severity of a finding of this rule.
    pub fn severity(self) -> Severity {
        match self {
            Rule::S3AccessBlockMissing => Severity::Medium,
            _ => Severity::High,
        }
    }

    /// What the rule asks, to complete "cannot tell whether `<address>` ...".
    pub fn question(self) -> &'static str {
        match self {
            Rule::S3PublicAcl => "has a public ACL",
            Rule::S3PublicPolicy => "has a public bucket policy",
            Rule::S3AccessBlockDisabled | Rule::S3AccessBlockMissing => {
                "is covered by a public-access block"
            }
            Rule::S3Unencrypted => "is encrypted",
            Rule::AzureStoragePublic => "allows anonymous access",
            Rule::GcsPublicIam => "makes its bucket public",
            Rule::SgOpenAdminPort | Rule::NsgOpenAdminPort | Rule::FirewallOpenAdminPort => {
                "opens SSH, RDP or all ports to the internet"
            }
            Rule::IamWildcardAdmin => "grants every action on every resource",
            Rule::EbsUnencrypted => "is encrypted",
            Rule::RdsUnencrypted => "encrypts its storage",
            Rule::RdsPublic => "is reachable from the internet",
        }
    }

    /// The count fact this rule contributes to.
    pub fn category(self) -> Category {
        match self {
            Rule::S3PublicAcl
            | Rule::S3PublicPolicy
            | Rule::S3AccessBlockDisabled
            | Rule::S3AccessBlockMissing
            | Rule::AzureStoragePublic
            | Rule::GcsPublicIam => Category::PublicBuckets,
            Rule::SgOpenAdminPort | Rule::NsgOpenAdminPort | Rule::FirewallOpenAdminPort => {
                Category::OpenAdminPorts
            }
            Rule::IamWildcardAdmin => Category::WildcardIam,
            Rule::S3Unencrypted | Rule::EbsUnencrypted | Rule::RdsUnencrypted => {
                Category::UnencryptedStorage
            }
            Rule::RdsPublic => Category::PublicDatabases,
        }
    }
}

/// What a check concluded about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing to report.
    Pass,
    /// The rule fires; the text completes "`<address>` ...".
    Fail(String),
    /// A value the verdict depends on is unknown until apply; the text names it.
    Unknown(String),
    /// `attribute` is unknown: when the configuration does not set it, the provider computes
    /// it from resources that are checked on their own (e.g. separate security group rules),
    /// so the verdict is a pass; when the configuration sets it, it is `Unknown`.
    UnknownUnlessUnset {
        /// The top-level attribute that is unknown.
        attribute: &'static str,
        /// What is unknown, for the finding.
        detail: String,
    },
}

/// Whether the resource is a managed resource or a data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `resource` blocks.
    Managed,
    /// `data` blocks.
    Data,
}

/// The per-resource checks that apply to `rtype` in `mode`, each with its rule.
pub fn check(mode: Mode, rtype: &str, node: Node<'_>) -> Vec<(Rule, Verdict)> {
    match (mode, rtype) {
        (Mode::Data, "aws_iam_policy_document") => {
            vec![(Rule::IamWildcardAdmin, iam::document(node.get("json")))]
        }
        (Mode::Data, _) => Vec::new(),
        (Mode::Managed, _) => managed(rtype, node),
    }
}

fn managed(rtype: &str, node: Node<'_>) -> Vec<(Rule, Verdict)> {
    let one = |rule, verdict| vec![(rule, verdict)];
    match rtype {
        "aws_security_group"
        | "aws_security_group_rule"
        | "aws_vpc_security_group_ingress_rule" => {
            one(Rule::SgOpenAdminPort, network::aws(rtype, node))
        }
        "azurerm_network_security_rule" => one(Rule::NsgOpenAdminPort, network::azure_rule(node)),
        "azurerm_network_security_group" => one(Rule::NsgOpenAdminPort, network::azure_group(node)),
        "google_compute_firewall" => one(Rule::FirewallOpenAdminPort, network::gcp(node)),
        "aws_iam_policy"
        | "aws_iam_role_policy"
        | "aws_iam_user_policy"
        | "aws_iam_group_policy" => one(Rule::IamWildcardAdmin, iam::document(node.get("policy"))),
        "aws_ssoadmin_permission_set_inline_policy" => one(
            Rule::IamWildcardAdmin,
            iam::document(node.get("inline_policy")),
        ),
        "aws_iam_role" => one(Rule::IamWildcardAdmin, iam::role_inline(node)),
        "aws_ebs_volume" => one(Rule::EbsUnencrypted, storage::ebs(node)),
        "aws_db_instance" => vec![
            (Rule::RdsUnencrypted, storage::rds_encrypted(node)),
            (Rule::RdsPublic, storage::rds_public(node)),
        ],
        "aws_rds_cluster" => one(Rule::RdsUnencrypted, storage::rds_cluster_encrypted(node)),
        "aws_rds_cluster_instance" => one(Rule::RdsPublic, storage::rds_public(node)),
        "azurerm_storage_account" => one(Rule::AzureStoragePublic, storage::azure_account(node)),
        "azurerm_storage_container" => {
            one(Rule::AzureStoragePublic, storage::azure_container(node))
        }
        "google_storage_bucket_iam_member"
        | "google_storage_bucket_iam_binding"
        | "google_storage_bucket_iam_policy" => one(Rule::GcsPublicIam, storage::gcs_iam(node)),
        _ => Vec::new(),
    }
}

/// Managed resource types with a per-resource check in [`check`].
const CHECKED_TYPES: [&str; 21] = [
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "azurerm_network_security_rule",
    "azurerm_network_security_group",
    "google_compute_firewall",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_ssoadmin_permission_set_inline_policy",
    "aws_iam_role",
    "aws_ebs_volume",
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "azurerm_storage_account",
    "azurerm_storage_container",
    "google_storage_bucket_iam_member",
    "google_storage_bucket_iam_binding",
    "google_storage_bucket_iam_policy",
];

/// Whether a resource of this mode and type is read by any rule, so that its planned
/// values are worth keeping while streaming (everything else is skipped unread).
pub fn is_relevant(mode: Mode, rtype: &str) -> bool {
    match mode {
        Mode::Data => rtype == "aws_iam_policy_document",
        Mode::Managed => s3::is_s3_type(rtype) || CHECKED_TYPES.contains(&rtype),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checked_type_has_a_check_and_ids_are_unique() {
        for rtype in CHECKED_TYPES {
            assert!(
                !check(Mode::Managed, rtype, Node::new(None, None)).is_empty(),
                "{rtype}"
            );
            assert!(is_relevant(Mode::Managed, rtype));
        }
        assert!(check(Mode::Managed, "null_resource", Node::new(None, None)).is_empty());
        assert!(!is_relevant(Mode::Data, "aws_s3_bucket"));
        assert!(is_relevant(Mode::Data, "aws_iam_policy_document"));
        let rules = [
            Rule::S3PublicAcl,
            Rule::S3PublicPolicy,
            Rule::S3AccessBlockDisabled,
            Rule::S3AccessBlockMissing,
            Rule::S3Unencrypted,
            Rule::AzureStoragePublic,
            Rule::GcsPublicIam,
            Rule::SgOpenAdminPort,
            Rule::NsgOpenAdminPort,
            Rule::FirewallOpenAdminPort,
            Rule::IamWildcardAdmin,
            Rule::EbsUnencrypted,
            Rule::RdsUnencrypted,
            Rule::RdsPublic,
        ];
        let ids: std::collections::BTreeSet<_> = rules.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), rules.len());
        assert!(ids.iter().all(|id| id.starts_with("terraform/")));
    }
}
