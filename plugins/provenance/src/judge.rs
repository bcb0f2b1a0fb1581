//! The judgement: attestations against the bundle's artifacts and the configuration, as
//! counts, sets, a SLSA Build level and findings.
//!
//! # What counts
//!
//! - Only a **verified** attestation (a configured key signed it and its provenance was
//!   read) attests anything. `builders`, `sources`, `untrusted_builders`,
//!   `untrusted_sources`, `subject_mismatches` and `artifacts_without_provenance` are
//!   about verified attestations only; an unverified one counts in `unverified` and in
//!   nothing else (except the L1 of the level, below).
//! - A **subject** is matched to the bundle by name first: the artifact whose path is the
//!   subject's name, else those whose path ends in `/` and the name (statements usually
//!   name files by their base name). When some artifact has the name and none of them has
//!   the attested sha256, the subject **mismatches**. Whatever the name, an artifact whose
//!   sha256 equals a subject's is **attested** by the statement. The artifacts compared are
//!   the ones the host hands the plugin (attestation files, and the files its
//!   `provenance-subject` kind reads, see the crate docs) and the `subjects` of the
//!   configuration.
//! - A **builder** is untrusted when `trusted_builders` does not name it (no builder id
//!   counts as the untrusted id `(none)`); `untrusted_builders` counts distinct ids.
//!   `untrusted_sources` counts distinct sources outside `trusted_sources` (no source
//!   counts as `(none)`), and is 0 when `trusted_sources` is not configured.
//!
//! # The SLSA Build level
//!
//! By the SLSA v1.0 Build track, per attestation: **L1** when its provenance is read at all
//! (L1 asks only that provenance exists; it says nothing of authenticity, which is what
//! `unverified` is for); **L2** when it is also verified (signed by a configured key, the
//! stand-in for "signed by a hosted build platform") and its builder is trusted; **L3**
//! when that builder is also in `l3_builders` (the configuration's word that the platform
//! is hardened and isolates builds). An artifact has the highest level of the attestations
//! that attest it. `slsa_build_level` is the lowest level over the artifacts in question,
//! so one weak artifact cannot hide behind a strong one: with `required`, every artifact
//! a required glob matches (and 0 when a glob matches none); without it, every artifact
//! some provenance attests. 0 when there is none.
//!
//! # Required artifacts
//!
//! With `required`, every artifact whose path a glob matches must be attested by a verified
//! attestation, or it counts in `artifacts_without_provenance`; so does every glob that
//! matches no artifact at all. The paths are those of the whole bundle (the glue lists the
//! read-only bundle view), not only the artifacts handed to the plugin: a file the host did
//! not hand over has no digest to compare, so it counts, and the finding says how to hand
//! it over. Attestation files themselves are never required to have provenance.

use std::collections::{BTreeMap, BTreeSet};

use stagegate_sdk::text::shorten;
use stagegate_sdk::{Finding, Severity};

use crate::attestation::{Attestation, Signature};
use crate::config::Config;
use crate::statement::Provenance;

/// At most this many findings are listed; the rest are counted in `findings_dropped`.
pub const MAX_FINDINGS: usize = 1000;
/// Most entries of the `builders` and `sources` sets.
pub const MAX_SET: usize = 100;
/// Longest entry of a set or quoted value, in characters.
pub const MAX_ITEM: usize = 200;

/// An artifact with a known digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its bundle path, or its name in the configuration's `subjects`.
    pub path: String,
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// Whether it is an attestation file (never required to have provenance).
    pub is_attestation: bool,
}

/// What was read, for [`judge`].
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Every provenance attestation, in file and line order.
    pub attestations: Vec<Attestation>,
    /// Records that were not provenance: (path, line, what).
    pub skipped: Vec<(String, usize, String)>,
    /// The artifacts the host handed over, with their digests.
    pub artifacts: Vec<Known>,
    /// Every path of the bundle, when `required` is configured.
    pub bundle_paths: Vec<String>,
}

/// The outcome, every fact and the findings.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Files holding at least one provenance attestation.
    pub inputs: usize,
    /// Provenance attestations read (records that are, or may be, provenance).
    pub attestations: usize,
    /// Verified attestations.
    pub verified: usize,
    /// Attestations that are not verified.
    pub unverified: usize,
    /// Subjects of verified attestations whose named artifact has another digest.
    pub subject_mismatches: usize,
    /// Builder ids of verified attestations (bounded).
    pub builders: BTreeSet<String>,
    /// Normalised sources of verified attestations (bounded).
    pub sources: BTreeSet<String>,
    /// Distinct builder ids of verified attestations that are not trusted.
    pub untrusted_builders: usize,
    /// Distinct sources of verified attestations that are not trusted.
    pub untrusted_sources: usize,
    /// The SLSA Build level the evidence supports (0 to 3).
    pub slsa_build_level: i64,
    /// Required artifacts (or globs) without verified provenance.
    pub artifacts_without_provenance: usize,
    /// The listed findings.
    pub findings: Vec<Finding>,
    /// Findings not listed.
    pub findings_dropped: usize,
}

impl Summary {
    fn report(&mut self, finding: Finding) {
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(finding);
        } else {
            self.findings_dropped += 1;
        }
    }
}

/// Judges `evidence` under `config`.
pub fn judge(evidence: &Evidence, config: &Config) -> Summary {
    let mut summary = Summary::default();
    let mut untrusted_builders = BTreeSet::new();
    let mut untrusted_sources = BTreeSet::new();
    // Artifact (index into `known`) → highest level of an attestation attesting it.
    let mut levels: BTreeMap<usize, i64> = BTreeMap::new();
    // Artifacts a verified attestation attests.
    let mut attested: BTreeSet<usize> = BTreeSet::new();
    let known = known_artifacts(evidence, config);
    let by_digest = index_by_digest(&known);
    let names = Names::new(&known);

    summary.inputs = evidence
        .attestations
        .iter()
        .map(|a| a.path.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    for (path, line, what) in &evidence.skipped {
        summary.report(
            Finding::new(
                "provenance/not-provenance",
                Severity::Info,
                format!("{what}: not SLSA provenance, not judged"),
            )
            .at(path, *line),
        );
    }
    for attestation in &evidence.attestations {
        summary.attestations += 1;
        let verified = attestation.verified();
        if verified {
            summary.verified += 1;
        } else {
            summary.unverified += 1;
            summary.report(unverified_finding(attestation));
        }
        let Ok(claim) = &attestation.claim else {
            continue;
        };
        let builder_trusted = claim
            .builder
            .as_deref()
            .is_some_and(|b| config.trusts_builder(b));
        let level = match claim.builder.as_deref() {
            Some(b) if verified && builder_trusted && config.is_l3_builder(b) => 3,
            Some(_) if verified && builder_trusted => 2,
            _ => 1,
        };
        for subject in &claim.subjects {
            let Some(digest) = &subject.sha256 else {
                continue;
            };
            for &index in by_digest.get(digest.as_str()).into_iter().flatten() {
                let entry = levels.entry(index).or_insert(level);
                *entry = (*entry).max(level);
                if verified {
                    attested.insert(index);
                }
            }
        }
        if !verified {
            continue;
        }
        summary.report(verified_finding(attestation, claim, level));
        let builder = claim.builder.as_deref().unwrap_or("(none)");
        insert_bounded(&mut summary.builders, builder);
        if !builder_trusted {
            untrusted_builders.insert(builder.to_owned());
            summary.report(untrusted_builder_finding(attestation, builder, config));
        }
        let source = claim.source.as_deref().unwrap_or("(none)");
        if claim.source.is_some() {
            insert_bounded(&mut summary.sources, source);
        }
        let source_trusted = claim
            .source
            .as_deref()
            .is_some_and(|s| config.trusts_source(s))
            || config.trusted_sources.is_empty();
        if !source_trusted {
            untrusted_sources.insert(source.to_owned());
            summary.report(
                Finding::new(
                    "provenance/untrusted-source",
                    Severity::High,
                    format!(
                        "{}: built from source `{}`, which `trusted_sources` does not name",
                        locate(attestation),
                        shorten(source, MAX_ITEM)
                    ),
                )
                .at(&attestation.path, attestation.line),
            );
        }
        check_subjects(&mut summary, attestation, claim, &known, &names, &by_digest);
    }
    summary.untrusted_builders = untrusted_builders.len();
    summary.untrusted_sources = untrusted_sources.len();
    if config.required.is_empty() {
        summary.slsa_build_level = levels.values().copied().min().unwrap_or(0);
    } else {
        required(&mut summary, evidence, config, &known, &levels, &attested);
    }
    summary
}

/// The bundle's artifacts with digests, then the configuration's subjects.
fn known_artifacts(evidence: &Evidence, config: &Config) -> Vec<Known> {
    let mut known = evidence.artifacts.clone();
    known.extend(config.subjects.iter().map(|(name, sha256)| Known {
        path: name.clone(),
        sha256: sha256.clone(),
        is_attestation: false,
    }));
    known
}

fn index_by_digest(known: &[Known]) -> BTreeMap<&str, Vec<usize>> {
    let mut map: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, artifact) in known.iter().enumerate() {
        map.entry(artifact.sha256.as_str()).or_default().push(index);
    }
    map
}

/// The artifacts by the names a subject may give them, so that matching stays linear in
/// subjects and artifacts: the whole path, and every tail of it after a `/`.
struct Names<'a> {
    exact: BTreeMap<&'a str, Vec<usize>>,
    tails: BTreeMap<&'a str, Vec<usize>>,
}

impl<'a> Names<'a> {
    fn new(known: &'a [Known]) -> Names<'a> {
        let mut exact: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut tails: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, artifact) in known.iter().enumerate() {
            let path = artifact.path.as_str();
            exact.entry(path).or_default().push(index);
            for (at, _) in path.match_indices('/') {
                if let Some(tail) = path.get(at + 1..).filter(|t| !t.is_empty()) {
                    tails.entry(tail).or_default().push(index);
                }
            }
        }
        Names { exact, tails }
    }

    /// The artifacts a subject name names: the exact path, else paths ending in `/name`.
    fn named(&self, name: &str) -> &[usize] {
        if name.is_empty() {
            return &[];
        }
        self.exact
            .get(name)
            .or_else(|| self.tails.get(name))
            .map_or(&[], Vec::as_slice)
    }
}

/// Compares every subject of a verified attestation with the artifacts of its name.
fn check_subjects(
    summary: &mut Summary,
    attestation: &Attestation,
    claim: &Provenance,
    known: &[Known],
    names: &Names<'_>,
    by_digest: &BTreeMap<&str, Vec<usize>>,
) {
    let mut absent = 0usize;
    let mut example = None;
    for subject in &claim.subjects {
        let name = subject.name.strip_prefix("./").unwrap_or(&subject.name);
        let candidates: Vec<&Known> = names
            .named(name)
            .iter()
            .filter_map(|i| known.get(*i))
            .collect();
        let Some(digest) = &subject.sha256 else {
            if !candidates.is_empty() {
                summary.report(
                    Finding::new(
                        "provenance/no-sha256",
                        Severity::Medium,
                        format!(
                            "{}: subject `{}` gives no sha256 digest ({}), so it cannot be \
                             compared with `{}`",
                            locate(attestation),
                            shorten(name, MAX_ITEM),
                            algorithms(&subject.others),
                            candidates.first().map_or("", |k| k.path.as_str())
                        ),
                    )
                    .at(&attestation.path, attestation.line),
                );
            }
            continue;
        };
        if candidates.is_empty() {
            if !by_digest.contains_key(digest.as_str()) {
                absent += 1;
                example.get_or_insert(name);
            }
            continue;
        }
        if candidates.iter().any(|k| &k.sha256 == digest) {
            continue;
        }
        summary.subject_mismatches += 1;
        let actual = candidates
            .iter()
            .take(3)
            .map(|k| format!("`{}` is sha256:{}", shorten(&k.path, MAX_ITEM), k.sha256))
            .collect::<Vec<_>>()
            .join(", ");
        summary.report(
            Finding::new(
                "provenance/subject-mismatch",
                Severity::Critical,
                format!(
                    "{}: subject `{}` is attested as sha256:{}, but {actual}",
                    locate(attestation),
                    shorten(name, MAX_ITEM),
                    shorten(digest, 80)
                ),
            )
            .at(&attestation.path, attestation.line),
        );
    }
    if let Some(name) = example {
        summary.report(
            Finding::new(
                "provenance/subject-not-in-bundle",
                Severity::Info,
                format!(
                    "{}: {absent} subject(s), e.g. `{}`, name no artifact the plugin was given \
                     and match none by digest",
                    locate(attestation),
                    shorten(name, MAX_ITEM)
                ),
            )
            .at(&attestation.path, attestation.line),
        );
    }
}

/// Counts the required artifacts without verified provenance, and the level over them.
fn required(
    summary: &mut Summary,
    evidence: &Evidence,
    config: &Config,
    known: &[Known],
    levels: &BTreeMap<usize, i64>,
    attested: &BTreeSet<usize>,
) {
    let attestation_paths: BTreeSet<&str> = known
        .iter()
        .filter(|k| k.is_attestation)
        .map(|k| k.path.as_str())
        .collect();
    // Every path with a digest, then every path of the bundle without one.
    let mut paths: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, artifact) in known.iter().enumerate() {
        if !artifact.is_attestation {
            paths.entry(artifact.path.as_str()).or_default().push(index);
        }
    }
    for path in &evidence.bundle_paths {
        if !attestation_paths.contains(path.as_str()) {
            paths.entry(path.as_str()).or_default();
        }
    }
    let mut lowest: Option<i64> = None;
    let mut matched_globs = vec![false; config.required.len()];
    for (path, indices) in &paths {
        let Some(glob) = config
            .required
            .iter()
            .enumerate()
            .filter(|(_, g)| g.matches(path))
            .map(|(i, g)| {
                if let Some(seen) = matched_globs.get_mut(i) {
                    *seen = true;
                }
                g
            })
            .last()
        else {
            continue;
        };
        let level = indices
            .iter()
            .filter_map(|i| levels.get(i))
            .copied()
            .max()
            .unwrap_or(0);
        // Every digest the path has (a bundle file and a configured subject of the same
        // name) must be attested.
        let covered = !indices.is_empty() && indices.iter().all(|i| attested.contains(i));
        let level = if covered { level } else { level.min(1) };
        lowest = Some(lowest.map_or(level, |l| l.min(level)));
        if covered {
            continue;
        }
        summary.artifacts_without_provenance += 1;
        let why = if indices.is_empty() {
            format!(
                "the host did not hand it to the plugin, so its digest is unknown: give it a \
                 release-file name the plugin reads (see its `{}` kind) or declare it as that \
                 kind in stagegate-bundle.toml",
                crate::SUBJECT_KIND
            )
        } else {
            let digests = indices
                .iter()
                .filter_map(|i| known.get(*i))
                .map(|k| format!("sha256:{}", k.sha256))
                .collect::<Vec<_>>()
                .join(", ");
            format!("no verified provenance attests its digest {digests}")
        };
        summary.report(
            Finding::new(
                "provenance/missing",
                Severity::High,
                format!(
                    "`{}` matches required `{}`, and {why}",
                    shorten(path, MAX_ITEM),
                    glob.as_str()
                ),
            )
            .in_file(path),
        );
    }
    for (glob, matched) in config.required.iter().zip(&matched_globs) {
        if *matched {
            continue;
        }
        summary.artifacts_without_provenance += 1;
        lowest = Some(0);
        summary.report(Finding::new(
            "provenance/missing",
            Severity::High,
            format!(
                "required `{}` matches no artifact of the bundle: the artifact that needs \
                 provenance is missing",
                glob.as_str()
            ),
        ));
    }
    summary.slsa_build_level = lowest.unwrap_or(0);
}

/// `` `path` line N (envelope) ``, how findings name an attestation.
fn locate(attestation: &Attestation) -> String {
    format!("{} at line {}", attestation.form.name(), attestation.line)
}

fn unverified_finding(attestation: &Attestation) -> Finding {
    let why = match &attestation.signature {
        Signature::Unverified(why) => why.clone(),
        Signature::Verified(keyid) => match &attestation.claim {
            Err(why) => format!("signed by {}, but {why}", short_keyid(keyid)),
            Ok(_) => String::new(),
        },
    };
    let payload = match (&attestation.signature, &attestation.claim) {
        (Signature::Unverified(sig), Err(claim)) if sig != claim => format!("; also, {claim}"),
        _ => String::new(),
    };
    Finding::new(
        "provenance/unverified",
        Severity::High,
        format!(
            "{} is not verified, so it attests nothing: {}{}",
            locate(attestation),
            shorten(&why, 600),
            shorten(&payload, 300)
        ),
    )
    .at(&attestation.path, attestation.line)
}

fn verified_finding(attestation: &Attestation, claim: &Provenance, level: i64) -> Finding {
    Finding::new(
        "provenance/verified",
        Severity::Info,
        format!(
            "{}: {} provenance (Statement {}) signed by {}, builder `{}`, source `{}`, {} \
             subject(s), SLSA Build L{level}",
            locate(attestation),
            claim.version.name(),
            if claim.legacy_statement { "v0.1" } else { "v1" },
            short_keyid(attestation.signer().unwrap_or_default()),
            shorten(claim.builder.as_deref().unwrap_or("(none)"), MAX_ITEM),
            shorten(claim.source.as_deref().unwrap_or("(none)"), MAX_ITEM),
            claim.subjects.len()
        ),
    )
    .at(&attestation.path, attestation.line)
}

fn untrusted_builder_finding(attestation: &Attestation, builder: &str, config: &Config) -> Finding {
    let why = if config.trusted_builders.is_empty() {
        "`trusted_builders` is empty, so no builder is trusted"
    } else {
        "`trusted_builders` does not name it"
    };
    Finding::new(
        "provenance/untrusted-builder",
        Severity::High,
        format!(
            "{}: built by `{}`: {why}",
            locate(attestation),
            shorten(builder, MAX_ITEM)
        ),
    )
    .at(&attestation.path, attestation.line)
}

fn algorithms(others: &[String]) -> String {
    if others.is_empty() {
        "none".to_owned()
    } else {
        format!("only {}", others.join(", "))
    }
}

/// `sha256:` and 12 hex digits, then `…`.
pub fn short_keyid(keyid: &str) -> String {
    match keyid.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => format!("sha256:{}…", hex.get(..12).unwrap_or(hex)),
        _ => shorten(keyid, 24),
    }
}

/// Inserts into a set that keeps its [`MAX_SET`] smallest entries, so the result does not
/// depend on the order attestations arrive in.
fn insert_bounded(set: &mut BTreeSet<String>, value: &str) {
    let value = shorten(value, MAX_ITEM);
    if set.len() >= MAX_SET && set.last().is_some_and(|last| *last < value) {
        return;
    }
    set.insert(value);
    if set.len() > MAX_SET {
        set.pop_last();
    }
}
