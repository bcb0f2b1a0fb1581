//! Merges the records of every input into distinct vulnerabilities, so a finding two scanners
//! (or two results of one scanner) report is counted once.
//!
//! The key is the affected package plus the vulnerability: two records are the same when their
//! package keys are equal (name lowercased, cut after the last `:` or `/` so Maven
//! `group:artifact` and a bare artifact match, runs of `-_.` equal; version trimmed, lowercased,
//! a `0:` epoch dropped) and they share an id. Ids are the record's own id plus the aliases it
//! states, but only aliases that name one vulnerability (CVE, GHSA, PYSEC, RUSTSEC, GO, GSD,
//! OSV, SNYK, MAL): distribution advisories such as DSA or RHSA cover many CVEs and would merge
//! distinct ones. A merged vulnerability takes the highest severity and CVSS score of its
//! records, is fixable when any record says so, and is not affected when any record (a VEX
//! statement) says so. This module never reads inputs.

use crate::model::{Package, Record, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Alias prefixes that identify exactly one vulnerability.
const MERGING_PREFIXES: [&str; 9] = [
    "CVE-", "GHSA-", "PYSEC-", "RUSTSEC-", "GO-", "GSD-", "OSV-", "SNYK-", "MAL-",
];

/// One distinct vulnerability of one package, after merging.
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    /// The id shown: the lowest CVE id among all ids, else the lowest GHSA id, else the first id.
    pub id: String,
    /// The affected package, as the first record named it.
    pub package: Package,
    /// The highest severity any record gave.
    pub severity: Severity,
    /// The highest CVSS score any record gave.
    pub cvss: Option<f64>,
    /// Whether any record says a fix is available.
    pub fixable: bool,
    /// The first fix version or hint a record gave.
    pub fix: Option<String>,
    /// Whether any record marks it not affected.
    pub not_affected: bool,
    /// The indexes of the inputs that reported it, in order.
    pub inputs: BTreeSet<usize>,
    /// Every id and alias any of its records gave, uppercased.
    pub ids: BTreeSet<String>,
}

/// Merges `records` (each tagged with the index of its input) into distinct vulnerabilities,
/// ordered by package key and first appearance.
pub fn merge(records: Vec<(usize, Record)>) -> Vec<Vulnerability> {
    let mut by_package: BTreeMap<(String, String), Vec<(usize, Record)>> = BTreeMap::new();
    for (input, record) in records {
        let key = (
            name_key(&record.package.name),
            version_key(&record.package.version),
        );
        by_package.entry(key).or_default().push((input, record));
    }
    by_package.into_values().flat_map(merge_package).collect()
}

/// Merges the records of one package: records sharing any id join one group.
fn merge_package(records: Vec<(usize, Record)>) -> Vec<Vulnerability> {
    let mut parents: Vec<usize> = (0..records.len()).collect();
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (index, (_, record)) in records.iter().enumerate() {
        for token in tokens(record) {
            match owner.get(&token) {
                Some(&other) => union(&mut parents, index, other),
                None => {
                    owner.insert(token, index);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<(usize, Record)>> = BTreeMap::new();
    for (index, item) in records.into_iter().enumerate() {
        groups
            .entry(find(&mut parents, index))
            .or_default()
            .push(item);
    }
    groups.into_values().filter_map(combine).collect()
}

/// The uppercase ids a record is known by: its own id and its merging aliases.
fn tokens(record: &Record) -> Vec<String> {
    let own = std::iter::once(record.id.trim().to_ascii_uppercase());
    let aliases = record
        .aliases
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| MERGING_PREFIXES.iter().any(|p| a.starts_with(p)));
    own.chain(aliases).filter(|t| !t.is_empty()).collect()
}

fn find(parents: &mut [usize], mut index: usize) -> usize {
    while let Some(&parent) = parents.get(index) {
        if parent == index {
            break;
        }
        let grandparent = parents.get(parent).copied().unwrap_or(parent);
        if let Some(slot) = parents.get_mut(index) {
            *slot = grandparent;
        }
        index = parent;
    }
    index
}

fn union(parents: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parents, a), find(parents, b));
    if let Some(slot) = parents.get_mut(ra.max(rb)) {
        *slot = ra.min(rb);
    }
}

fn combine(group: Vec<(usize, Record)>) -> Option<Vulnerability> {
    let (_, first) = group.first()?;
    let mut all_ids: Vec<String> = Vec::new();
    for (_, r) in &group {
        all_ids.push(r.id.clone());
        all_ids.extend(r.aliases.iter().cloned());
    }
    let lowest = |prefix: &str| {
        all_ids
            .iter()
            .filter(|id| id.to_ascii_uppercase().starts_with(prefix))
            .min()
            .cloned()
    };
    let id = lowest("CVE-")
        .or_else(|| lowest("GHSA-"))
        .unwrap_or_else(|| first.id.clone());
    Some(Vulnerability {
        id,
        package: first.package.clone(),
        severity: group
            .iter()
            .map(|(_, r)| r.severity)
            .max()
            .unwrap_or_default(),
        cvss: crate::model::max_score(group.iter().filter_map(|(_, r)| r.cvss)),
        fixable: group.iter().any(|(_, r)| r.fixable),
        fix: group.iter().find_map(|(_, r)| r.fix.clone()),
        not_affected: group.iter().any(|(_, r)| r.not_affected),
        inputs: group.iter().map(|(input, _)| *input).collect(),
        ids: all_ids
            .iter()
            .map(|i| i.trim().to_ascii_uppercase())
            .filter(|i| !i.is_empty())
            .collect(),
    })
}

/// The package-name half of the key (see the module docs).
pub fn name_key(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let last = lower.rsplit([':', '/']).next().unwrap_or("");
    collapse_separators(last)
}

/// The version half of the key (see the module docs).
fn version_key(version: &str) -> String {
    let lower = version.trim().to_lowercase();
    lower.strip_prefix("0:").unwrap_or(&lower).to_owned()
}

/// Replaces each run of `-`, `_` and `.` with one `-` (PEP 503 style).
pub fn collapse_separators(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

#[cfg(test)]
mod tests;
