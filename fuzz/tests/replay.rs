//! Replays every stored fuzz input through its target, so a regression is
//! caught by the normal test suite on the pinned toolchain, without libFuzzer:
//!
//! - `fuzz/corpus/<target>/`: the corpus (seeded by `fuzz/seed.sh` from the
//!   real fixtures, grown by fuzzing and minimised with `cargo fuzz cmin`);
//! - `tests/fuzz-regressions/<target>/`: every input a fuzzer found crashing,
//!   hanging or allocating too much, kept after the fix;
//! - every real fixture under `tests/fixtures/`, whole, through the sniffer,
//!   the secrets scanner and redaction (the corpus keeps only small ones).

use std::fs;
use std::path::{Path, PathBuf};

use stagegate_fuzz::{TARGETS, Target};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Every regular file under `dir`, recursively, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                Ok(t) if t.is_file() => out.push(path),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

fn target(name: &str) -> Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| unreachable!("no fuzz target `{name}`"))
}

/// Runs `target` on each file, naming the file when it panics.
fn replay(name: &str, target: Target, inputs: &[PathBuf]) -> usize {
    for input in inputs {
        let data = fs::read(input).unwrap_or_else(|e| unreachable!("{}: {e}", input.display()));
        let outcome = std::panic::catch_unwind(|| target(&data));
        assert!(
            outcome.is_ok(),
            "fuzz target `{name}` panicked on {}",
            input.display()
        );
    }
    inputs.len()
}

#[test]
fn every_target_has_a_corpus_and_every_stored_input_passes() {
    let root = workspace();
    for (name, run) in TARGETS {
        let corpus = files(&root.join("fuzz/corpus").join(name));
        assert!(
            !corpus.is_empty(),
            "fuzz target `{name}` has no corpus in fuzz/corpus/{name} (run fuzz/seed.sh)"
        );
        let regressions = files(&root.join("tests/fuzz-regressions").join(name));
        replay(name, *run, &corpus);
        replay(name, *run, &regressions);
    }
}

#[test]
fn every_regression_folder_names_a_target() {
    let dir = workspace().join("tests/fuzz-regressions");
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            assert!(
                TARGETS.iter().any(|(n, _)| *n == name),
                "tests/fuzz-regressions/{name} names no fuzz target"
            );
        }
    }
}

#[test]
fn every_real_fixture_passes_the_sniffer_the_scanner_and_redaction() {
    let fixtures: Vec<PathBuf> = files(&workspace().join("tests/fixtures"))
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "SOURCES.md"))
        .collect();
    assert!(
        fixtures.len() > 100,
        "only {} fixtures found",
        fixtures.len()
    );
    for name in ["sniff", "secrets", "redact"] {
        replay(name, target(name), &fixtures);
    }
}
