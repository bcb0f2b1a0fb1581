//! What every comparison shares: the fixture folders, the Python venv, one script run per
//! group of files, and a collector of mismatches that names each file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `tests/fixtures/<kind>` of the workspace.
pub fn fixture_dir(kind: &str) -> PathBuf {
    stagegate_differential::workspace()
        .join("tests/fixtures")
        .join(kind)
}

/// This crate's own fixtures (`tests/differential/fixtures/<name>`).
pub fn own_fixture(name: &str) -> PathBuf {
    stagegate_differential::crate_dir()
        .join("fixtures")
        .join(name)
}

/// The files of `dir` whose names end with one of `suffixes`, sorted.
pub fn files(dir: &Path, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list `{}`: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            let name = file_name(path);
            path.is_file() && suffixes.iter().any(|s| name.ends_with(s))
        })
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no fixtures in `{}`", dir.display());
    found
}

/// The last path component, for messages and exception tables.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs `py/<script>` on `paths` in the pinned venv: one JSON object per path, keyed by
/// the path as given. Fails the test, saying what to install, when the venv cannot be set
/// up: a differential test never passes without its other side.
pub fn python(script: &str, paths: &[PathBuf]) -> BTreeMap<PathBuf, Value> {
    let venv = stagegate_differential::venv().unwrap_or_else(|e| panic!("{e}"));
    let out = venv
        .run_json(script, paths)
        .unwrap_or_else(|e| panic!("{e}"));
    let Value::Object(map) = out else {
        panic!("{script} printed {out}, not an object");
    };
    let by_path: BTreeMap<PathBuf, Value> = map
        .into_iter()
        .map(|(path, value)| (PathBuf::from(path), value))
        .collect();
    for path in paths {
        assert!(
            by_path.contains_key(path),
            "{script} said nothing about `{}`",
            path.display()
        );
    }
    by_path
}

/// Collects every mismatch of one comparison, so that one run names them all.
#[derive(Default)]
pub struct Mismatches {
    found: Vec<String>,
    compared: usize,
}

impl Mismatches {
    /// Counts one compared file.
    pub fn compared(&mut self) {
        self.compared += 1;
    }

    /// Records a mismatch of `file`.
    pub fn add(&mut self, file: &str, what: impl std::fmt::Display) {
        self.found.push(format!("{file}: {what}"));
    }

    /// Checks `ours == theirs`, recording a mismatch named `what` otherwise.
    pub fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        file: &str,
        what: &str,
        ours: T,
        theirs: T,
    ) {
        if ours != theirs {
            self.add(
                file,
                format!("{what}: plugin {ours:?}, other side {theirs:?}"),
            );
        }
    }

    /// Checks that what the other side `found` is what a table `expected`.
    pub fn expect<T: PartialEq + std::fmt::Debug>(
        &mut self,
        file: &str,
        what: &str,
        found: T,
        expected: T,
    ) {
        if found != expected {
            self.add(
                file,
                format!("{what}: found {found:?}, expected {expected:?}"),
            );
        }
    }

    /// Fails the test when anything was recorded; returns how many files were compared.
    pub fn finish(self, comparison: &str) -> usize {
        assert!(
            self.found.is_empty(),
            "{comparison}: {} mismatch(es) over {} file(s):\n  {}",
            self.found.len(),
            self.compared,
            self.found.join("\n  ")
        );
        eprintln!("{comparison}: {} file(s) agree", self.compared);
        self.compared
    }
}

/// A JSON number as u64 (missing or not a number: a test failure naming `what`).
pub fn num(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("`{what}` is not a count: {value}"))
}
