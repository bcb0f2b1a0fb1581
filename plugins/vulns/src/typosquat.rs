//! Flags package names that look like a typo of a popular package: the classic supply-chain
//! trick of publishing `reqeusts` next to `requests`. Names are compared within their ecosystem
//! (npm, PyPI, crates.io, known from the package URL or the scanner's package type) against the
//! popular names embedded from `popular/` (see `popular/SOURCES.md`).
//!
//! Rules, chosen to keep false positives rare:
//! - names are normalised first: lowercase; for PyPI (PEP 503) and crates.io, runs of `-_.`
//!   compare equal;
//! - a name that is itself popular, established (`popular/*-established.txt`: names that resemble
//!   a popular one but are widely used themselves, such as `binaryextensions` next to
//!   `binary-extensions`), or listed in the configured allow list, is never flagged;
//! - the Damerau-Levenshtein distance (adjacent transpositions count 1) must be 1 or 2, and
//!   exactly 1 when either name is shorter than 5 characters; names shorter than 4 characters
//!   are not checked at all (nearly every short name is one edit away from another);
//! - scoped npm names (`@scope/name`) are skipped: a scope belongs to one registry account, so a
//!   stranger cannot publish inside it, and comparing the bare name would match unrelated
//!   packages (`@babel/core` against `cors`);
//! - packages whose ecosystem is unknown are not checked.
//!
//! Candidates are found with a deletion index (every popular name with up to two characters
//! deleted), so the cost grows with the number of distinct names, not names times popular names.
//! This module never reads inputs.

use crate::dedup::collapse_separators;
use crate::model::Ecosystem;
use std::collections::{BTreeSet, HashSet};
use std::sync::OnceLock;

const NPM: &str = include_str!("popular/npm.txt");
const PYPI: &str = include_str!("popular/pypi.txt");
const CRATES: &str = include_str!("popular/crates.txt");
const NPM_ESTABLISHED: &str = include_str!("popular/npm-established.txt");
const PYPI_ESTABLISHED: &str = include_str!("popular/pypi-established.txt");

/// Names shorter than this (in characters) are not checked.
const MIN_CHECKED: usize = 4;
/// Below this length (of either name) only distance 1 counts.
const SHORT: usize = 5;
/// The largest distance flagged.
const MAX_DISTANCE: usize = 2;

/// A package name that resembles a popular one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suspect {
    /// The suspect name, as the input spelled it.
    pub name: String,
    /// The popular name it resembles.
    pub resembles: String,
    /// The ecosystem both belong to.
    pub ecosystem: Ecosystem,
    /// Their Damerau-Levenshtein distance (1 or 2).
    pub distance: usize,
}

/// Normalises a name the way the ecosystem compares names.
pub fn normalise(ecosystem: Ecosystem, name: &str) -> String {
    let lower = name.trim().to_lowercase();
    match ecosystem {
        Ecosystem::Npm => lower,
        Ecosystem::PyPi | Ecosystem::Crates => collapse_separators(&lower),
    }
}

/// The popular names of one ecosystem with their deletion index.
struct Popular {
    /// Normalised popular names, most popular first.
    names: Vec<String>,
    /// Popular and established names, normalised: never flagged.
    known: HashSet<String>,
    /// The longest popular name, in characters.
    longest: usize,
    /// `(hash of a deletion variant, index into names)`, sorted.
    index: Vec<(u64, usize)>,
}

impl Popular {
    /// The list of `ecosystem`, built on first use.
    fn of(ecosystem: Ecosystem) -> &'static Self {
        static NPM_LIST: OnceLock<Popular> = OnceLock::new();
        static PYPI_LIST: OnceLock<Popular> = OnceLock::new();
        static CRATES_LIST: OnceLock<Popular> = OnceLock::new();
        let cell = match ecosystem {
            Ecosystem::Npm => &NPM_LIST,
            Ecosystem::PyPi => &PYPI_LIST,
            Ecosystem::Crates => &CRATES_LIST,
        };
        cell.get_or_init(|| Self::load(ecosystem))
    }

    fn load(ecosystem: Ecosystem) -> Self {
        let (popular, established) = match ecosystem {
            Ecosystem::Npm => (NPM, NPM_ESTABLISHED),
            Ecosystem::PyPi => (PYPI, PYPI_ESTABLISHED),
            Ecosystem::Crates => (CRATES, ""),
        };
        let lines = |text: &'static str| text.lines().map(str::trim).filter(|l| !l.is_empty());
        let mut names = Vec::new();
        let mut known = HashSet::new();
        for line in lines(popular) {
            let name = normalise(ecosystem, line);
            if known.insert(name.clone()) {
                names.push(name);
            }
        }
        known.extend(lines(established).map(|line| normalise(ecosystem, line)));
        let mut index = Vec::new();
        for (position, name) in names.iter().enumerate() {
            index.extend(variants(name).into_iter().map(|hash| (hash, position)));
        }
        index.sort_unstable();
        index.dedup();
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        Self {
            names,
            known,
            longest,
            index,
        }
    }

    /// The closest popular name within the allowed distance, most popular on ties.
    fn closest(&self, name: &str) -> Option<(&str, usize)> {
        let length = name.chars().count();
        if length > self.longest + MAX_DISTANCE {
            return None;
        }
        let mut candidates = BTreeSet::new();
        for hash in variants(name) {
            let start = self.index.partition_point(|(h, _)| *h < hash);
            let hits = self
                .index
                .iter()
                .skip(start)
                .take_while(|(h, _)| *h == hash);
            candidates.extend(hits.map(|(_, position)| *position));
        }
        candidates
            .into_iter()
            .filter_map(|position| {
                let popular = self.names.get(position)?;
                let distance = strsim::damerau_levenshtein(name, popular);
                let shortest = length.min(popular.chars().count());
                let allowed = if shortest < SHORT { 1 } else { MAX_DISTANCE };
                (1..=allowed)
                    .contains(&distance)
                    .then_some((distance, position, popular.as_str()))
            })
            .min()
            .map(|(distance, _, popular)| (popular, distance))
    }
}

/// Hashes of `name` with zero, one and two characters deleted.
fn variants(name: &str) -> Vec<u64> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = vec![hash(chars.iter())];
    for i in 0..chars.len() {
        out.push(hash(skip(&chars, i, i)));
        for j in i + 1..chars.len() {
            out.push(hash(skip(&chars, i, j)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn skip(chars: &[char], i: usize, j: usize) -> impl Iterator<Item = &char> {
    chars
        .iter()
        .enumerate()
        .filter(move |(k, _)| *k != i && *k != j)
        .map(|(_, c)| c)
}

/// FNV-1a over the characters: stable across runs and platforms.
fn hash<'a>(chars: impl Iterator<Item = &'a char>) -> u64 {
    chars.fold(0xcbf2_9ce4_8422_2325, |h, c| {
        (h ^ u64::from(u32::from(*c))).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Checks every `(ecosystem, name)` pair; `allow` lists names never flagged (any ecosystem).
pub fn check(names: &BTreeSet<(Ecosystem, String)>, allow: &[String]) -> Vec<Suspect> {
    let mut suspects = Vec::new();
    let mut seen = HashSet::new();
    for (ecosystem, name) in names {
        let ecosystem = *ecosystem;
        if ecosystem == Ecosystem::Npm && name.trim_start().starts_with('@') {
            continue;
        }
        let normal = normalise(ecosystem, name);
        let allowed = allow.iter().any(|a| normalise(ecosystem, a) == normal);
        if allowed
            || normal.chars().count() < MIN_CHECKED
            || !seen.insert((ecosystem, normal.clone()))
        {
            continue;
        }
        let list = Popular::of(ecosystem);
        if list.known.contains(&normal) {
            continue;
        }
        if let Some((resembles, distance)) = list.closest(&normal) {
            suspects.push(Suspect {
                name: crate::model::clip(name),
                resembles: resembles.to_owned(),
                ecosystem,
                distance,
            });
        }
    }
    suspects
}

#[cfg(test)]
mod tests;
