//! What one plan amounts to: change counts, security counts and issues, accumulated while
//! the plan streams past and completed once its configuration has been read.
//!
//! The [`Collector`] receives one resource at a time from the parser and keeps only
//! counts, a bounded list of issues, and the few things that need the whole plan (S3
//! buckets and companions, verdicts waiting for the configuration). It never holds a
//! resource's values after the call that delivered them.

use crate::address::Address;
use crate::changes::{Action, ChangeCounts};
use crate::config::ConfigIndex;
use crate::error::{PlanError, plain_word, shorten};
use crate::rules::s3::{self, link::Collected};
use crate::rules::{self, Category, Mode, Rule, Severity, Verdict};
use crate::value::Node;
use serde::Serialize;
use serde_json::Value;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashSet};
use std::rc::Rc;

/// At most this many issues are kept per plan (the most severe, earliest first); the rest
/// are only counted.
pub const ISSUE_LIMIT: usize = 1000;
/// The rule id of findings about values only known after apply.
pub const UNKNOWN_RULE: &str = "terraform/unknown-security-value";

/// One finding about one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// Rule id, `terraform/<rule>`.
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The count fact the rule belongs to (for unknown values: the one left undecided).
    pub category: Category,
    /// The resource the finding is about.
    pub address: String,
    /// A companion resource that caused it (S3), if any.
    pub related: Option<String>,
    /// The human message.
    pub message: String,
    /// 1-based line in the plan file where the resource's entry starts.
    pub line: u64,
}

/// Security counts of one or more plans.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityCounts {
    /// Public S3 buckets, Azure storage and GCS buckets.
    pub public_buckets: u64,
    /// Rules opening SSH, RDP or all ports to the internet.
    pub open_admin_ports: u64,
    /// IAM policies granting `*` on `*`.
    pub wildcard_iam: u64,
    /// Unencrypted volumes, databases and buckets.
    pub unencrypted_storage: u64,
    /// Databases reachable from the internet.
    pub public_databases: u64,
    /// Checks that could not decide because a value is only known after apply.
    pub unknown_security_values: u64,
    /// Rule ids that fired.
    pub security_rules: BTreeSet<&'static str>,
}

impl SecurityCounts {
    fn count_mut(&mut self, category: Category) -> &mut u64 {
        match category {
            Category::PublicBuckets => &mut self.public_buckets,
            Category::OpenAdminPorts => &mut self.open_admin_ports,
            Category::WildcardIam => &mut self.wildcard_iam,
            Category::UnencryptedStorage => &mut self.unencrypted_storage,
            Category::PublicDatabases => &mut self.public_databases,
        }
    }

    /// Adds another plan's counts.
    pub fn merge(&mut self, other: &SecurityCounts) {
        self.public_buckets += other.public_buckets;
        self.open_admin_ports += other.open_admin_ports;
        self.wildcard_iam += other.wildcard_iam;
        self.unencrypted_storage += other.unencrypted_storage;
        self.public_databases += other.public_databases;
        self.unknown_security_values += other.unknown_security_values;
        self.security_rules
            .extend(other.security_rules.iter().copied());
    }
}

/// Everything the plugin learned from one plan file.
#[derive(Debug, Clone, Serialize)]
pub struct FileAnalysis {
    /// Bundle-relative path.
    pub path: String,
    /// The plan's `format_version`.
    pub format_version: String,
    /// Change counts.
    pub changes: ChangeCounts,
    /// Security counts.
    pub security: SecurityCounts,
    /// Issues, at most [`ISSUE_LIMIT`].
    pub issues: Vec<Issue>,
    /// Issues beyond the limit.
    pub issues_omitted: u64,
}

/// An issue in the bounded heap: the greatest key (least severe, then latest) leaves first.
struct Ranked {
    key: (Reverse<Severity>, u64),
    issue: Issue,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

/// A verdict waiting for the configuration.
struct Pending {
    rule: Rule,
    address: String,
    attribute: &'static str,
    detail: String,
    line: u64,
}

/// One resource change as delivered by the parser.
pub struct Change {
    /// `address`.
    pub address: String,
    /// `mode`, if given.
    pub mode: Option<String>,
    /// `type`, if given.
    pub rtype: Option<String>,
    /// `change.actions`.
    pub actions: Vec<String>,
    /// `change.after`, kept only for relevant resources.
    pub after: Option<Value>,
    /// `change.after_unknown`, kept only for relevant resources.
    pub after_unknown: Option<Value>,
    /// Line where the entry starts.
    pub line: u64,
}

/// Accumulates one plan while it streams.
pub struct Collector {
    path: String,
    /// The current line of the reader, shared with it.
    pub line: Rc<Cell<u64>>,
    format_version: Option<String>,
    /// Whether `resource_changes` or `planned_values` was seen.
    pub saw_plan_keys: bool,
    changes: ChangeCounts,
    security: SecurityCounts,
    issues: BinaryHeap<Ranked>,
    omitted: u64,
    pending: Vec<Pending>,
    s3: Collected,
    documents_seen: HashSet<String>,
    config: Option<ConfigIndex>,
    /// A domain error raised inside the parser, reported instead of the parser's own.
    pub fatal: Option<PlanError>,
}

/// The mode of a resource from its `mode` field, or from its address.
pub fn mode_of(mode: Option<&str>, address: &str) -> Mode {
    match mode {
        Some("data") => Mode::Data,
        Some(_) => Mode::Managed,
        None if Address::parse(address).is_some_and(|a| a.block.starts_with("data.")) => Mode::Data,
        None => Mode::Managed,
    }
}

/// The type of a resource from its `type` field, or from its address.
pub fn type_of(rtype: Option<&str>, address: &str) -> String {
    rtype
        .map(str::to_owned)
        .or_else(|| Address::parse(address).map(|a| a.rtype))
        .unwrap_or_default()
}

impl Collector {
    /// A collector for the plan at `path`, sharing the reader's line counter.
    pub fn new(path: &str, line: Rc<Cell<u64>>) -> Self {
        Collector {
            path: path.to_owned(),
            line,
            format_version: None,
            saw_plan_keys: false,
            changes: ChangeCounts::default(),
            security: SecurityCounts::default(),
            issues: BinaryHeap::new(),
            omitted: 0,
            pending: Vec::new(),
            s3: Collected::default(),
            documents_seen: HashSet::new(),
            config: None,
            fatal: None,
        }
    }

    /// The plan's path, for messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Records `format_version`, refusing major versions other than 0 and 1.
    pub fn format_version(&mut self, version: String) -> Result<(), PlanError> {
        let major = version.split('.').next().unwrap_or_default().trim();
        if major != "0" && major != "1" {
            return Err(PlanError::UnsupportedVersion {
                path: self.path.clone(),
                version: plain_word(version.trim()),
            });
        }
        self.format_version = Some(shorten(&version, 40));
        Ok(())
    }

    /// Counts and checks one resource change.
    pub fn change(&mut self, change: Change) -> Result<(), PlanError> {
        let Some(action) = Action::classify(&change.actions) else {
            return Err(PlanError::UnknownActions {
                path: self.path.clone(),
                address: shorten(&change.address, 200),
                actions: format!(
                    "[{}]",
                    change
                        .actions
                        .iter()
                        .take(4)
                        .map(|a| format!("\"{}\"", plain_word(a)))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            });
        };
        self.changes.count(action, &change.address);
        if action.leaves_object() && change.after.as_ref().is_some_and(|a| !a.is_null()) {
            let mode = mode_of(change.mode.as_deref(), &change.address);
            let rtype = type_of(change.rtype.as_deref(), &change.address);
            let node = Node::new(change.after.as_ref(), change.after_unknown.as_ref());
            self.evaluate(mode, &rtype, &change.address, node, change.line);
        }
        Ok(())
    }

    /// Checks a data source found in `planned_values` or `prior_state` (policy documents
    /// read at plan time live there, not in `resource_changes`).
    pub fn state_resource(&mut self, address: &str, rtype: &str, values: &Value, line: u64) {
        if values.get("json").is_some_and(|j| j.is_string()) {
            let node = Node::new(Some(values), None);
            self.evaluate(Mode::Data, rtype, address, node, line);
        }
    }

    /// Stores the configuration index, read after the resources.
    pub fn configuration(&mut self, index: ConfigIndex) {
        self.config = Some(index);
    }

    fn evaluate(&mut self, mode: Mode, rtype: &str, address: &str, node: Node<'_>, line: u64) {
        if mode == Mode::Managed && s3::is_s3_type(rtype) {
            self.s3.add(s3::read(rtype, address, node, line));
            return;
        }
        if mode == Mode::Data && !self.documents_seen.insert(address.to_owned()) {
            return;
        }
        for (rule, verdict) in rules::check(mode, rtype, node) {
            match verdict {
                Verdict::Pass => {}
                Verdict::Fail(detail) => self.fire(rule, address, None, &detail, line, true),
                Verdict::Unknown(detail) => self.unknown(rule, address, &detail, line),
                Verdict::UnknownUnlessUnset { attribute, detail } => self.pending.push(Pending {
                    rule,
                    address: address.to_owned(),
                    attribute,
                    detail,
                    line,
                }),
            }
        }
    }

    fn fire(
        &mut self,
        rule: Rule,
        address: &str,
        related: Option<&str>,
        detail: &str,
        line: u64,
        count: bool,
    ) {
        if count {
            *self.security.count_mut(rule.category()) += 1;
        }
        self.security.security_rules.insert(rule.id());
        let mut message = format!("`{address}` {detail}");
        if let Some(related) = related {
            message.push_str(&format!(" (set by `{related}`)"));
        }
        self.push(Issue {
            rule: rule.id(),
            severity: rule.severity(),
            category: rule.category(),
            address: address.to_owned(),
            related: related.map(str::to_owned),
            message,
            line,
        });
    }

    fn unknown(&mut self, rule: Rule, address: &str, detail: &str, line: u64) {
        self.security.unknown_security_values += 1;
        self.push(Issue {
            rule: UNKNOWN_RULE,
            severity: Severity::Low,
            category: rule.category(),
            address: address.to_owned(),
            related: None,
            message: format!(
                "cannot tell whether `{address}` {}: {detail}",
                rule.question()
            ),
            line,
        });
    }

    fn push(&mut self, issue: Issue) {
        let seq = self.issues.len() as u64 + self.omitted;
        self.issues.push(Ranked {
            key: (Reverse(issue.severity), seq),
            issue,
        });
        if self.issues.len() > ISSUE_LIMIT {
            self.issues.pop();
            self.omitted += 1;
        }
    }

    /// Resolves what waited for the configuration and returns the plan's analysis.
    pub fn finish(mut self) -> Result<FileAnalysis, PlanError> {
        let Some(format_version) = self.format_version.take() else {
            return Err(PlanError::MissingVersion { path: self.path });
        };
        if !self.saw_plan_keys {
            return Err(PlanError::NotAPlan { path: self.path });
        }
        let config = self.config.take().unwrap_or_default();
        for p in std::mem::take(&mut self.pending) {
            let set = Address::parse(&p.address)
                .and_then(|a| config.sets(&a.config_address(), p.attribute));
            if set != Some(false) {
                self.unknown(p.rule, &p.address, &p.detail, p.line);
            }
        }
        let mut subjects = BTreeSet::new();
        for judged in std::mem::take(&mut self.s3).judge(&config) {
            let (rule, address, line) = (judged.rule, judged.address, judged.line);
            match judged.verdict {
                Verdict::Fail(detail) => {
                    self.fire(
                        rule,
                        &address,
                        judged.related.as_deref(),
                        &detail,
                        line,
                        false,
                    );
                    subjects.insert((rule.category(), address));
                }
                Verdict::Unknown(detail) | Verdict::UnknownUnlessUnset { detail, .. } => {
                    self.unknown(rule, &address, &detail, line);
                }
                Verdict::Pass => {}
            }
        }
        for (category, _) in subjects {
            *self.security.count_mut(category) += 1;
        }
        let mut ranked = std::mem::take(&mut self.issues).into_vec();
        ranked.sort_by_key(|r| (r.issue.line, r.key.1));
        let issues = ranked.into_iter().map(|r| r.issue).collect();
        Ok(FileAnalysis {
            path: self.path,
            format_version,
            changes: self.changes,
            security: self.security,
            issues,
            issues_omitted: self.omitted,
        })
    }
}
