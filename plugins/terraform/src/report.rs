//! Turning the analyses of all plans in a bundle into the plugin's facts and findings.
//!
//! The fact list here is the single source of truth for names, types and docs: the plugin
//! declares it in `describe()` and fills every fact on every evaluation, with zeros when no
//! plan was read. The findings are capped at [`FINDING_LIMIT`], highest severity first;
//! the cap shows in the `findings_omitted` fact and a closing summary finding. This module
//! is pure: the SDK types are built from it in `lib.rs`.

use crate::analysis::{FileAnalysis, SecurityCounts};
use crate::changes::ChangeCounts;
use crate::rules::{Category, Severity};
use serde::Serialize;
use std::cmp::Reverse;

/// At most this many per-resource findings are returned.
pub const FINDING_LIMIT: usize = 1000;

/// The type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// Cedar `Long`.
    Long,
    /// Cedar `Set<String>`.
    TextSet,
}

/// Every fact the plugin reports: name, type, one-line doc.
pub const FACTS: [(&str, FactKind, &str); 19] = [
    (
        "inputs",
        FactKind::Long,
        "Terraform plans parsed (a plan with no changes counts; a file that is not a plan is an error, not an input)",
    ),
    (
        "resource_changes",
        FactKind::Long,
        "entries in resource_changes, all plans",
    ),
    (
        "creates",
        FactKind::Long,
        "resources created (actions [create], also [create,forget])",
    ),
    ("updates", FactKind::Long, "resources updated in place"),
    (
        "deletes",
        FactKind::Long,
        "resources deleted (actions [delete])",
    ),
    (
        "replaces",
        FactKind::Long,
        "resources replaced: [delete,create] or [create,delete]",
    ),
    ("noops", FactKind::Long, "resources left unchanged (no-op)"),
    (
        "reads",
        FactKind::Long,
        "data sources read during apply (read)",
    ),
    (
        "forgets",
        FactKind::Long,
        "resources removed from state without being destroyed (forget)",
    ),
    ("destroy_count", FactKind::Long, "deletes + replaces"),
    (
        "destroyed",
        FactKind::TextSet,
        "addresses deleted or replaced (the 100 smallest, each cut to 200 chars)",
    ),
    (
        "public_buckets",
        FactKind::Long,
        "public S3 buckets (ACL, policy, off or missing public-access block), Azure storage, GCS IAM",
    ),
    (
        "open_admin_ports",
        FactKind::Long,
        "security groups/rules, NSGs, firewalls open to the internet on 22, 3389 or all ports",
    ),
    (
        "wildcard_iam",
        FactKind::Long,
        "IAM policies allowing action * on resource *",
    ),
    (
        "unencrypted_storage",
        FactKind::Long,
        "unencrypted EBS volumes, RDS instances/clusters and S3 buckets with a non-AES/KMS algorithm",
    ),
    (
        "public_databases",
        FactKind::Long,
        "RDS instances with publicly_accessible = true",
    ),
    (
        "unknown_security_values",
        FactKind::Long,
        "security checks left undecided because a value is only known after apply",
    ),
    (
        "security_rules",
        FactKind::TextSet,
        "ids of the security rules that fired",
    ),
    (
        "findings_omitted",
        FactKind::Long,
        "findings dropped by the 1000-finding cap",
    ),
];

/// A fact's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    /// A count.
    Long(u64),
    /// A sorted set.
    TextSet(Vec<String>),
}

/// One finding, ready for the SDK.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFinding {
    /// Rule id.
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Message naming the resource.
    pub message: String,
    /// The plan file.
    pub path: String,
    /// 1-based line in the plan file (0 when not about one place).
    pub line: u64,
    /// The resource address, when about one resource.
    pub address: Option<String>,
    /// The companion resource that caused it, if any.
    pub related: Option<String>,
    /// The count fact the finding is about, when about one resource.
    pub category: Option<Category>,
}

/// Facts (in [`FACTS`] order) and findings of one evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Name and value of every fact.
    pub facts: Vec<(String, FactValue)>,
    /// Findings, capped.
    pub findings: Vec<ReportFinding>,
}

/// Builds the report of all analysed plans.
pub fn build(files: &[FileAnalysis]) -> Report {
    let mut changes = ChangeCounts::default();
    let mut security = SecurityCounts::default();
    let mut issues = Vec::new();
    let mut omitted = 0u64;
    let mut summaries = Vec::new();
    for file in files {
        changes.merge(&file.changes);
        security.merge(&file.security);
        omitted += file.issues_omitted;
        issues.extend(file.issues.iter().map(|i| ReportFinding {
            rule: i.rule.to_owned(),
            severity: i.severity,
            message: i.message.clone(),
            path: file.path.clone(),
            line: i.line,
            address: Some(i.address.clone()),
            related: i.related.clone(),
            category: Some(i.category),
        }));
        if let Some(summary) = destroy_summary(file) {
            summaries.push(summary);
        }
    }
    issues.sort_by_key(|f| Reverse(f.severity));
    if issues.len() > FINDING_LIMIT {
        omitted += (issues.len() - FINDING_LIMIT) as u64;
        issues.truncate(FINDING_LIMIT);
    }
    issues.extend(summaries);
    if omitted > 0 {
        issues.push(ReportFinding {
            rule: "terraform/findings-omitted".into(),
            severity: Severity::Info,
            message: format!(
                "{omitted} more findings were left out (at most {FINDING_LIMIT} are reported); \
                 the count facts include them"
            ),
            path: String::new(),
            line: 0,
            address: None,
            related: None,
            category: None,
        });
    }
    let long = |v: u64| FactValue::Long(v);
    let values = [
        long(files.len() as u64),
        long(changes.resource_changes),
        long(changes.creates),
        long(changes.updates),
        long(changes.deletes),
        long(changes.replaces),
        long(changes.noops),
        long(changes.reads),
        long(changes.forgets),
        long(changes.destroy_count()),
        FactValue::TextSet(changes.destroyed.iter().cloned().collect()),
        long(security.public_buckets),
        long(security.open_admin_ports),
        long(security.wildcard_iam),
        long(security.unencrypted_storage),
        long(security.public_databases),
        long(security.unknown_security_values),
        FactValue::TextSet(
            security
                .security_rules
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
        ),
        long(omitted),
    ];
    Report {
        facts: FACTS
            .iter()
            .zip(values)
            .map(|((name, _, _), value)| ((*name).to_owned(), value))
            .collect(),
        findings: issues,
    }
}

/// An info finding listing what one plan destroys.
fn destroy_summary(file: &FileAnalysis) -> Option<ReportFinding> {
    let c = &file.changes;
    let total = c.destroy_count();
    if total == 0 {
        return None;
    }
    let mut names: Vec<String> = c
        .destroyed
        .iter()
        .take(5)
        .map(|a| format!("`{a}`"))
        .collect();
    if total > 5 {
        names.push(format!("and {} more", total - 5));
    }
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    Some(ReportFinding {
        rule: "terraform/destroys".into(),
        severity: Severity::Info,
        message: format!(
            "the plan destroys {} ({}, {}): {}",
            plural(total, "resource", "resources"),
            plural(c.deletes, "delete", "deletes"),
            plural(c.replaces, "replace", "replaces"),
            names.join(", ")
        ),
        path: file.path.clone(),
        line: 0,
        address: None,
        related: None,
        category: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_plans_give_every_fact_as_zero() {
        let report = build(&[]);
        assert_eq!(report.facts.len(), FACTS.len());
        for ((name, value), (spec, kind, _)) in report.facts.iter().zip(FACTS) {
            assert_eq!(name, spec);
            match (value, kind) {
                (FactValue::Long(0), FactKind::Long) => {}
                (FactValue::TextSet(v), FactKind::TextSet) if v.is_empty() => {}
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(report.findings.is_empty());
    }

    #[test]
    fn fact_names_are_valid_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (name, _, doc) in FACTS {
            assert!(seen.insert(name), "{name}");
            assert!(name.len() <= 64 && name.starts_with(|c: char| c.is_ascii_lowercase()));
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            assert!(!doc.is_empty() && !doc.contains('\n'));
        }
    }
}
