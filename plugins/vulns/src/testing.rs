//! Helpers shared by the unit tests: fixture paths, one-call parses and summaries, and the
//! expected-count rows the per-format tests assert. Test-only; never part of the plugin.

use crate::format::Format;
use crate::model::Report;
use crate::summary::{Options, Summary, decimal, summarise};
use std::io::BufReader;

/// The fixture folder of a format, under `tests/fixtures/`.
pub fn folder(format: Format) -> &'static str {
    match format {
        Format::Trivy => "trivy",
        Format::Grype => "grype",
        Format::CycloneDx => "cyclonedx",
        Format::PipAudit => "pip-audit",
    }
}

/// The path of a fixture file.
pub fn path(format: Format, file: &str) -> String {
    format!(
        "{}/../../tests/fixtures/{}/{file}",
        env!("CARGO_MANIFEST_DIR"),
        folder(format)
    )
}

/// Every `.json` fixture of a format, sorted.
pub fn all(format: Format) -> Vec<String> {
    let dir = path(format, "");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    files.sort();
    files
}

/// Parses one fixture, panicking on error.
pub fn report(format: Format, file: &str) -> Report {
    let reader = BufReader::new(std::fs::File::open(path(format, file)).unwrap());
    crate::read(format, reader, file).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses bytes, returning the error text (panics when they parse).
pub fn error(format: Format, bytes: &[u8]) -> String {
    match crate::read(format, bytes, "input.json") {
        Ok(_) => panic!("expected an error for {format:?}"),
        Err(e) => e.to_string(),
    }
}

/// Summarises fixtures with the default options.
pub fn summary(files: &[(Format, &str)]) -> Summary {
    let inputs = files
        .iter()
        .map(|(format, file)| ((*file).to_owned(), report(*format, file)))
        .collect();
    summarise(inputs, &Options::default())
}

/// Summarises in-memory documents with the default options.
pub fn summary_of_bytes(docs: &[(Format, &str)]) -> Summary {
    let inputs = docs
        .iter()
        .enumerate()
        .map(|(i, (format, text))| {
            let name = format!("doc{i}.json");
            let report = crate::read(*format, text.as_bytes(), &name).unwrap();
            (name, report)
        })
        .collect();
    summarise(inputs, &Options::default())
}

/// Expected numbers for one file: counts (critical, high, medium, low, unknown), fixable
/// counts (critical, high, medium, low), not-affected count and `max_cvss`.
pub struct Expect {
    pub file: &'static str,
    pub counts: [u64; 5],
    pub fixable: [u64; 4],
    pub not_affected: u64,
    pub max_cvss: &'static str,
}

/// Asserts one row against the summary of its file alone (and that it flags no typosquat).
pub fn check(format: Format, expect: &Expect) {
    let file = expect.file;
    let s = summary(&[(format, file)]);
    let c = s.counts;
    let f = s.fixable;
    let counts = [c.critical, c.high, c.medium, c.low, c.unknown];
    assert_eq!(counts, expect.counts, "counts of {file}");
    let fixable = [f.critical, f.high, f.medium, f.low];
    assert_eq!(fixable, expect.fixable, "fixable counts of {file}");
    assert_eq!(
        s.not_affected, expect.not_affected,
        "not_affected of {file}"
    );
    assert_eq!(decimal(s.max_cvss), expect.max_cvss, "max_cvss of {file}");
    assert!(
        s.typosquats.is_empty(),
        "typosquats in {file}: {:?}",
        s.typosquats
    );
}

/// Asserts that a file parses to nothing counted: no vulnerabilities, no typosquats.
pub fn check_empty(format: Format, file: &str) {
    let s = summary(&[(format, file)]);
    assert_eq!(s.counts, Default::default(), "counts of {file}");
    assert_eq!((s.not_affected, s.max_cvss), (0, None), "{file}");
    assert!(s.ids.is_empty() && s.packages.is_empty(), "{file}");
    assert!(
        s.typosquats.is_empty(),
        "typosquats in {file}: {:?}",
        s.typosquats
    );
}

/// `depth` nested arrays inside an ignored field of an otherwise valid-looking object.
pub fn deeply_nested(prefix: &str, depth: usize) -> Vec<u8> {
    let mut text = String::from(prefix);
    text.push_str(&"[".repeat(depth));
    text.push_str(&"]".repeat(depth));
    text.push('}');
    text.into_bytes()
}
