//! Terraform's change actions and their counts.
//!
//! Each resource change carries an action list. The lists Terraform (and OpenTofu) write
//! are a closed set; a list outside it makes the plan unjudgeable rather than silently
//! uncounted, since it may well destroy something. This module only counts: which
//! resources are evaluated by the rules is decided by the caller.

use serde::Serialize;
use std::collections::BTreeSet;

/// At most this many addresses are kept in the `destroyed` fact.
pub const DESTROYED_LIMIT: usize = 100;
/// Addresses longer than this are cut (on a character boundary) in the `destroyed` fact.
pub const ADDRESS_LIMIT: usize = 200;

/// What a resource change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `["no-op"]`.
    NoOp,
    /// `["create"]`.
    Create,
    /// `["read"]`, and OpenTofu's `["open"]` for ephemeral resources.
    Read,
    /// `["update"]`.
    Update,
    /// `["delete"]`.
    Delete,
    /// `["delete","create"]` or `["create","delete"]`.
    Replace,
    /// `["forget"]`: removed from state, not destroyed.
    Forget,
    /// `["create","forget"]` or `["forget","create"]`: a new object, the old one forgotten.
    CreateForget,
}

impl Action {
    /// Classifies an action list; `None` for a list this plugin does not know.
    pub fn classify(actions: &[String]) -> Option<Action> {
        let names: Vec<&str> = actions.iter().map(String::as_str).collect();
        Some(match names.as_slice() {
            ["no-op"] => Action::NoOp,
            ["create"] => Action::Create,
            ["read"] | ["open"] => Action::Read,
            ["update"] => Action::Update,
            ["delete"] => Action::Delete,
            ["delete", "create"] | ["create", "delete"] => Action::Replace,
            ["forget"] => Action::Forget,
            ["create", "forget"] | ["forget", "create"] => Action::CreateForget,
            _ => return None,
        })
    }

    /// Whether the planned values after the change describe a live object worth checking.
    pub fn leaves_object(self) -> bool {
        !matches!(self, Action::Delete | Action::Forget)
    }
}

/// Counts of one or more plans' changes.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeCounts {
    /// Entries in `resource_changes`.
    pub resource_changes: u64,
    /// Creates (including the create half of create-then-forget).
    pub creates: u64,
    /// In-place updates.
    pub updates: u64,
    /// Deletes.
    pub deletes: u64,
    /// Replaces (delete-then-create or create-then-delete).
    pub replaces: u64,
    /// No-ops.
    pub noops: u64,
    /// Data source reads.
    pub reads: u64,
    /// Objects removed from state without being destroyed.
    pub forgets: u64,
    /// Up to [`DESTROYED_LIMIT`] addresses deleted or replaced (the smallest, sorted).
    pub destroyed: BTreeSet<String>,
}

impl ChangeCounts {
    /// Counts one change of `address`.
    pub fn count(&mut self, action: Action, address: &str) {
        self.resource_changes += 1;
        match action {
            Action::NoOp => self.noops += 1,
            Action::Create => self.creates += 1,
            Action::Read => self.reads += 1,
            Action::Update => self.updates += 1,
            Action::Delete => self.deletes += 1,
            Action::Replace => self.replaces += 1,
            Action::Forget => self.forgets += 1,
            Action::CreateForget => {
                self.creates += 1;
                self.forgets += 1;
            }
        }
        if matches!(action, Action::Delete | Action::Replace) {
            self.remember_destroyed(address);
        }
    }

    fn remember_destroyed(&mut self, address: &str) {
        let mut text = address.to_owned();
        if text.len() > ADDRESS_LIMIT {
            let mut cut = ADDRESS_LIMIT - 3;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("...");
        }
        self.destroyed.insert(text);
        if self.destroyed.len() > DESTROYED_LIMIT {
            self.destroyed.pop_last();
        }
    }

    /// Deletes plus replaces.
    pub fn destroy_count(&self) -> u64 {
        self.deletes + self.replaces
    }

    /// Adds another plan's counts.
    pub fn merge(&mut self, other: &ChangeCounts) {
        self.resource_changes += other.resource_changes;
        self.creates += other.creates;
        self.updates += other.updates;
        self.deletes += other.deletes;
        self.replaces += other.replaces;
        self.noops += other.noops;
        self.reads += other.reads;
        self.forgets += other.forgets;
        for address in &other.destroyed {
            self.destroyed.insert(address.clone());
            if self.destroyed.len() > DESTROYED_LIMIT {
                self.destroyed.pop_last();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn classifies_every_known_list() {
        assert_eq!(
            Action::classify(&list(&["delete", "create"])),
            Some(Action::Replace)
        );
        assert_eq!(
            Action::classify(&list(&["create", "delete"])),
            Some(Action::Replace)
        );
        assert_eq!(Action::classify(&list(&["no-op"])), Some(Action::NoOp));
        assert_eq!(Action::classify(&list(&["forget"])), Some(Action::Forget));
        assert_eq!(
            Action::classify(&list(&["create", "forget"])),
            Some(Action::CreateForget)
        );
        assert_eq!(Action::classify(&list(&["open"])), Some(Action::Read));
        assert_eq!(Action::classify(&list(&[])), None);
        assert_eq!(Action::classify(&list(&["delete", "delete"])), None);
        assert_eq!(Action::classify(&list(&["explode"])), None);
    }

    #[test]
    fn destroyed_is_bounded_and_sorted() {
        let mut counts = ChangeCounts::default();
        for i in (0..250).rev() {
            counts.count(Action::Delete, &format!("null_resource.r[{i:03}]"));
        }
        counts.count(Action::Replace, &"é".repeat(300));
        assert_eq!(counts.deletes, 250);
        assert_eq!(counts.destroy_count(), 251);
        assert_eq!(counts.destroyed.len(), DESTROYED_LIMIT);
        assert_eq!(counts.destroyed.first().unwrap(), "null_resource.r[000]");
        assert_eq!(counts.destroyed.last().unwrap(), "null_resource.r[099]");
        let mut other = ChangeCounts::default();
        other.count(Action::Delete, &"a".repeat(300));
        counts.merge(&other);
        let first = counts.destroyed.first().unwrap();
        assert!(first.starts_with("aaa") && first.ends_with("...") && first.len() == ADDRESS_LIMIT);
        assert_eq!(counts.destroyed.len(), DESTROYED_LIMIT);
        assert_eq!(counts.destroyed.last().unwrap(), "null_resource.r[098]");
        assert_eq!(counts.deletes, 251);
    }
}
