//! stagegate built-in plugin `provenance`: build provenance of the bundle's artifacts, from
//! in-toto attestations.
//!
//! It reads SLSA provenance v0.2 and v1 in in-toto statements (v1, and the legacy v0.1),
//! inside DSSE envelopes, inside the `dsseEnvelope` of Sigstore bundles, one per line of
//! `*.intoto.jsonl` files as slsa-github-generator writes them, or bare. It verifies each
//! envelope's signature against the keys of its configuration (Ed25519 and ECDSA P-256,
//! through [`stagegate_attest`]), compares each subject's sha256 with the artifacts of the
//! bundle, checks builder and source against allow-lists, and reports the SLSA Build level
//! the evidence supports. [`judge`] says exactly what counts.
//!
//! # What the plugin is given
//!
//! A plugin only receives the artifacts its kinds match, and its kinds cannot depend on
//! its configuration. So it declares two:
//!
//! - [`ATTESTATION_KIND`], the attestations, recognised by content (DSSE, statement and
//!   Sigstore bundle keys) and by name (`*.intoto.jsonl`, `*.intoto.json`, `*.sigstore`,
//!   `*.sigstore.json`);
//! - [`SUBJECT_KIND`], the files a subject is compared with: release files by name
//!   (archives, packages, installers, binaries: see [`SUBJECT_GLOBS`]) and anything under
//!   `dist/`, `release/` or `releases/`. The plugin never reads them; the host gives it their
//!   sha256. Any other file reaches it when `stagegate-bundle.toml` declares it of this
//!   kind.
//!
//! A subject naming a file the plugin was not given is neither attested nor a mismatch
//! (an info finding says so). That is why `required` globs are matched against the listing
//! of the whole (read-only) bundle: a required file the host did not hand over counts as
//! without provenance, so a bundle cannot pass by leaving a file out of the plugin's view.
//! The configuration's `subjects` names digests of artifacts that are not files of the
//! bundle (an image in a registry, say); it is static, so it suits pinned artifacts.
//!
//! # What it does not do
//!
//! Keyless Sigstore verification (the Fulcio certificate chain, the Rekor inclusion proof
//! and signed timestamp, against a trust root) is not implemented: an envelope signed that
//! way is never verified, and its finding says why. Give the signer's public key instead
//! when it has one. RSA keys are not supported.
//!
//! This file is only the glue: the modules below never talk to the host and are tested
//! natively.

pub mod attestation;
pub mod bounded;
pub mod config;
pub mod glob;
pub mod judge;
pub mod records;
pub mod slsa;
pub mod statement;

use std::io::{self, BufRead};
use std::path::Path;

use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Matcher, Metadata, Plugin,
};

use attestation::Read;
pub use config::{Config, ConfigError};
use judge::{Evidence, Known, Summary};

/// The kind of the attestation files.
pub const ATTESTATION_KIND: &str = "in-toto-attestation";
/// The kind of the files subjects are compared with.
pub const SUBJECT_KIND: &str = "provenance-subject";

/// The names of release files the [`SUBJECT_KIND`] kind matches, besides everything under
/// `dist/`, `release/` and `releases/`.
pub const SUBJECT_GLOBS: &[&str] = &[
    "**/*.tar.gz",
    "**/*.tgz",
    "**/*.tar",
    "**/*.tar.xz",
    "**/*.txz",
    "**/*.tar.bz2",
    "**/*.tar.zst",
    "**/*.zip",
    "**/*.7z",
    "**/*.whl",
    "**/*.egg",
    "**/*.jar",
    "**/*.war",
    "**/*.ear",
    "**/*.aar",
    "**/*.apk",
    "**/*.aab",
    "**/*.ipa",
    "**/*.deb",
    "**/*.rpm",
    "**/*.msi",
    "**/*.msix",
    "**/*.exe",
    "**/*.dmg",
    "**/*.pkg",
    "**/*.AppImage",
    "**/*.snap",
    "**/*.flatpak",
    "**/*.crate",
    "**/*.gem",
    "**/*.nupkg",
    "**/*.wasm",
    "**/*.so",
    "**/*.dll",
    "**/*.dylib",
    "**/*.iso",
    "**/*.img",
    "**/*.oci.tar",
    "dist/**",
    "release/**",
    "releases/**",
];

/// Most files listed from the bundle (the host's limit on a bundle).
const MAX_BUNDLE_FILES: usize = 100_000;
/// Deepest folder listed (the host's limit on a bundle).
const MAX_DEPTH: usize = 64;

/// The plugin.
pub struct ProvenancePlugin;

impl Plugin for ProvenancePlugin {
    fn describe() -> Metadata {
        let keys =
            |keys: &[&str]| Matcher::JsonKeys(keys.iter().map(|k| (*k).to_owned()).collect());
        let glob = |g: &str| Matcher::Glob(g.to_owned());
        Metadata {
            name: "provenance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "build provenance: SLSA v0.2/v1 in in-toto attestations (DSSE, \
                          Sigstore bundles, JSON lines), signatures verified against \
                          configured Ed25519/P-256 keys, subjects compared with the bundle, \
                          builders and sources against allow-lists"
                .into(),
            reads: vec![
                ArtifactKind {
                    name: ATTESTATION_KIND.into(),
                    matchers: vec![
                        keys(&["payloadType", "payload", "signatures"]),
                        keys(&["mediaType", "dsseEnvelope"]),
                        keys(&["_type", "predicateType"]),
                        keys(&["_type", "subject"]),
                        glob("**/*.intoto.jsonl"),
                        glob("**/*.intoto.json"),
                        glob("**/*.sigstore"),
                        glob("**/*.sigstore.json"),
                    ],
                },
                ArtifactKind {
                    name: SUBJECT_KIND.into(),
                    matchers: SUBJECT_GLOBS.iter().map(|g| glob(g)).collect(),
                },
            ],
            facts: fact_specs(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let config = Config::parse(&config).map_err(|e| e.to_string())?;
        let bundle_paths = if config.required.is_empty() {
            Vec::new()
        } else {
            list_bundle(&stagegate_sdk::bundle_root()).map_err(|e| e.to_string())?
        };
        let mut open = |artifact: &Artifact| -> io::Result<Box<dyn BufRead>> {
            Ok(Box::new(artifact.text_reader()?))
        };
        evaluate_with(&artifacts, &config, bundle_paths, &mut open)
    }
}

/// What `evaluate` does, without the host: reads the attestation artifacts through `open`,
/// takes every artifact's digest, and judges them with `bundle_paths` (every path of the
/// bundle; only used for `required`).
pub fn evaluate_with(
    artifacts: &[Artifact],
    config: &Config,
    bundle_paths: Vec<String>,
    open: &mut dyn FnMut(&Artifact) -> io::Result<Box<dyn BufRead>>,
) -> Result<Evaluation, String> {
    let mut evidence = Evidence {
        bundle_paths,
        ..Evidence::default()
    };
    for artifact in artifacts {
        let is_attestation = artifact.kind == ATTESTATION_KIND;
        evidence.artifacts.push(Known {
            path: artifact.path.clone(),
            sha256: artifact.sha256.to_ascii_lowercase(),
            is_attestation,
        });
        if !is_attestation {
            continue;
        }
        let reader = open(artifact).map_err(|e| format!("`{}`: {e}", artifact.path))?;
        let records = records::read(reader)
            .map_err(|e| format!("`{}` could not be read: {e}", artifact.path))?;
        for record in records {
            match attestation::read(&artifact.path, record, &config.keys) {
                Read::Attestation(a) => evidence.attestations.push(a),
                Read::Skipped { path, line, what } => evidence.skipped.push((path, line, what)),
            }
        }
    }
    let summary = judge::judge(&evidence, config);
    let findings = summary.findings.clone();
    Ok(facts(&summary).with_findings(findings))
}

/// Every file of the bundle under `root`, as bundle-relative paths with `/`, sorted.
pub fn list_bundle(root: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new(), 0usize)];
    while let Some((dir, prefix, depth)) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    return Err(io::Error::other(format!(
                        "the bundle is nested deeper than {MAX_DEPTH} folders at `{path}`"
                    )));
                }
                stack.push((entry.path(), path, depth + 1));
            } else if kind.is_file() {
                if out.len() >= MAX_BUNDLE_FILES {
                    return Err(io::Error::other(format!(
                        "the bundle holds more than {MAX_BUNDLE_FILES} files"
                    )));
                }
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The declared facts, in the order [`facts`] reports them.
pub fn fact_specs() -> Vec<FactSpec> {
    vec![
        FactSpec::long(
            "inputs",
            "files holding at least one SLSA provenance attestation (verified or not)",
        ),
        FactSpec::long(
            "attestations",
            "SLSA provenance attestations read (records that cannot be read count too); \
             verified + unverified",
        ),
        FactSpec::long(
            "verified",
            "attestations signed by a key of trusted_keys whose provenance was read: the only \
             ones that attest anything",
        ),
        FactSpec::long(
            "unverified",
            "attestations not verified: signed by no trusted key, tampered, keyless Sigstore \
             (not verified by this plugin), unsigned, or unreadable",
        ),
        FactSpec::long(
            "subject_mismatches",
            "subjects of verified attestations naming an artifact whose sha256 differs",
        ),
        FactSpec::text_set(
            "builders",
            "builder ids of verified attestations, at most 100 of at most 200 chars",
        ),
        FactSpec::text_set(
            "sources",
            "source repositories of verified attestations, normalised (no git+, no @ref), \
             at most 100 of at most 200 chars",
        ),
        FactSpec::long(
            "untrusted_builders",
            "distinct builder ids of verified attestations that trusted_builders does not \
             name (a missing id counts)",
        ),
        FactSpec::long(
            "untrusted_sources",
            "distinct sources of verified attestations that trusted_sources does not name \
             (0 when trusted_sources is not set)",
        ),
        FactSpec::long(
            "slsa_build_level",
            "SLSA v1.0 Build level every artifact in question reaches (required ones, else \
             every attested one): 1 provenance exists, 2 verified from a trusted builder, 3 \
             from a builder of l3_builders; 0 when none",
        ),
        FactSpec::long(
            "artifacts_without_provenance",
            "artifacts matching a required glob without verified provenance, plus required \
             globs matching nothing (0 when required is not set)",
        ),
        FactSpec::long(
            "findings_dropped",
            "findings not listed because of the 1000-finding cap (the counts include them)",
        ),
    ]
}

/// The facts of `summary`, every declared fact exactly once.
fn facts(summary: &Summary) -> Facts {
    Facts::new()
        .long("inputs", summary.inputs)
        .long("attestations", summary.attestations)
        .long("verified", summary.verified)
        .long("unverified", summary.unverified)
        .long("subject_mismatches", summary.subject_mismatches)
        .text_set("builders", summary.builders.iter().cloned())
        .text_set("sources", summary.sources.iter().cloned())
        .long("untrusted_builders", summary.untrusted_builders)
        .long("untrusted_sources", summary.untrusted_sources)
        .signed("slsa_build_level", summary.slsa_build_level)
        .long(
            "artifacts_without_provenance",
            summary.artifacts_without_provenance,
        )
        .long("findings_dropped", summary.findings_dropped)
}

stagegate_sdk::export!(ProvenancePlugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_declares_both_kinds_and_every_fact() {
        let metadata = ProvenancePlugin::describe();
        assert_eq!(metadata.name, "provenance");
        let kinds: Vec<&str> = metadata.reads.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(kinds, [ATTESTATION_KIND, SUBJECT_KIND]);
        assert!(metadata.reads.iter().all(|k| k.matchers.len() <= 64));
        let names: Vec<&str> = metadata.facts.iter().map(|f| f.name.as_str()).collect();
        let evaluation = evaluate_with(&[], &Config::default(), Vec::new(), &mut |_| {
            Err(io::Error::other("unused"))
        })
        .unwrap();
        let reported: Vec<&str> = evaluation.facts.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, reported);
        for spec in &metadata.facts {
            assert!(
                spec.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
    }

    #[test]
    fn every_subject_glob_is_a_valid_required_pattern() {
        for g in SUBJECT_GLOBS {
            glob::Glob::new(g).unwrap();
        }
    }

    #[test]
    fn the_bundle_is_listed_with_relative_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dist/sub")).unwrap();
        std::fs::write(dir.path().join("dist/sub/a.bin"), b"a").unwrap();
        std::fs::write(dir.path().join("b.json"), b"{}").unwrap();
        assert_eq!(
            list_bundle(dir.path()).unwrap(),
            ["b.json", "dist/sub/a.bin"]
        );
        assert!(list_bundle(&dir.path().join("missing")).is_err());
    }
}
