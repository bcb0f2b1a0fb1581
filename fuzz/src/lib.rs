//! Fuzz targets for every parser of untrusted bytes in stagegate.
//!
//! Each public function takes arbitrary bytes and drives one entry point with
//! them. It returns normally when the input was handled (accepted or refused
//! with an error) and panics when an invariant breaks. The same functions run
//! under libFuzzer (`fuzz_targets/`, with the `libfuzzer` feature) and in the
//! corpus replay test (`tests/replay.rs`), which every `cargo test` runs.
//!
//! Host targets: [`sniff`], [`manifest`], [`metadata`], [`evaluation`],
//! [`glob`], [`redact`]. Plugin cores, called natively exactly as each
//! plugin's `evaluate` calls them: [`junit`], [`coverage`], [`sarif`],
//! [`vulns`], [`terraform`], [`kubernetes`], [`config`], [`secrets`], and the
//! shared bounded YAML reader, [`yaml`]; [`pipeline`], [`dockerfile`] and
//! [`provenance`]. The previous stage's decision attestation,
//! [`attestation`], and the decision log, [`decision_log`], are read by the
//! host.

use std::collections::BTreeSet;
use std::io::{BufReader, Cursor, Read};

use arbitrary::{Arbitrary, Unstructured};
use stagegate::bundle::sniff::{KEPT_PREFIX_BYTES, Sniff, Sniffer};
use stagegate::config::Limits;
use stagegate::kinds::{KindSpec, Matcher, Vocabulary};
use stagegate::plugin::bindings::stagegate::plugin::types as wit;
use stagegate::plugin::convert;
use stagegate_text::bom::BomReader;

/// A fuzz target: takes any bytes, panics only when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target with its name, which is also its corpus, `fuzz/corpus/<name>`.
pub const TARGETS: &[(&str, Target)] = &[
    ("sniff", sniff),
    ("manifest", manifest),
    ("metadata", metadata),
    ("evaluation", evaluation),
    ("glob", glob),
    ("redact", redact),
    ("junit", junit),
    ("coverage", coverage),
    ("sarif", sarif),
    ("vulns", vulns),
    ("terraform", terraform),
    ("kubernetes", kubernetes),
    ("config", config),
    ("secrets", secrets),
    ("yaml", yaml),
    ("pipeline", pipeline),
    ("dockerfile", dockerfile),
    ("provenance", provenance),
    ("attestation", attestation),
    ("decision_log", decision_log),
];

/// Every key the built-in plugins' JSON and YAML matchers name, plus a few
/// that no plugin asks for (which the sniffer must not keep).
const KEYS: &[&str] = &[
    "version",
    "runs",
    "$schema",
    "SchemaVersion",
    "Results",
    "ArtifactName",
    "ClusterName",
    "Resources",
    "Target",
    "Type",
    "Vulnerabilities",
    "matches",
    "source",
    "descriptor",
    "bomFormat",
    "specVersion",
    "dependencies",
    "fixes",
    "format_version",
    "resource_changes",
    "planned_values",
    "apiVersion",
    "kind",
];

/// `options[byte % len]`: the choice a leading input byte makes.
fn pick<T: Copy>(options: &[T], byte: u8) -> Option<T> {
    options
        .get(usize::from(byte) % options.len().max(1))
        .copied()
}

fn vocabulary() -> Vocabulary {
    Vocabulary::from_keys(KEYS.iter().map(|k| (*k).to_owned()))
}

/// Sniffs `bytes` fed in chunks of the given sizes (cycled), then the rest.
fn sniff_in_chunks(vocabulary: &Vocabulary, bytes: &[u8], sizes: &[usize]) -> Sniff {
    let mut sniffer = Sniffer::new(vocabulary);
    let mut rest = bytes;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let size = sizes
            .next()
            .copied()
            .unwrap_or(rest.len())
            .clamp(1, rest.len());
        let (chunk, tail) = rest.split_at(size);
        sniffer.update(chunk);
        rest = tail;
    }
    sniffer.finish()
}

/// The content sniffer (`bundle::sniff`): the first two bytes choose how the
/// rest is cut into chunks. Whatever the cut, the sniff is the same, keeps
/// only vocabulary keys, and keeps a bounded prefix.
pub fn sniff(data: &[u8]) {
    let vocabulary = vocabulary();
    let (sizes, body): (Vec<usize>, &[u8]) = match data {
        [a, b, body @ ..] => (vec![usize::from(*a) + 1, usize::from(*b) * 7 + 1], body),
        _ => (Vec::new(), data),
    };
    let whole = sniff_in_chunks(&vocabulary, body, &[]);
    let cut = sniff_in_chunks(&vocabulary, body, &sizes);
    assert_eq!(whole, cut, "the sniff depends on how the file was cut");
    if body.len() <= 64 * 1024 {
        let bytewise = sniff_in_chunks(&vocabulary, body, &[1]);
        assert_eq!(whole, bytewise, "the sniff differs when fed byte by byte");
    }
    assert!(whole.prefix.len() <= KEPT_PREFIX_BYTES);
    let kept = whole
        .json_keys
        .iter()
        .chain(whole.yaml_documents.iter().flatten());
    for key in kept {
        assert!(
            vocabulary.contains(key),
            "kept key {key:?} outside the vocabulary"
        );
    }
}

fn kind(name: &str) -> KindSpec {
    KindSpec {
        name: name.to_owned(),
        matchers: vec![Matcher::AnyText],
    }
}

/// The bundle manifest (`bundle::parse_manifest`) against a fixed listing.
/// Whatever it accepts names listed files with loaded kinds, each once.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files: BTreeSet<&str> = [
        "reports/junit.xml",
        "scan.sarif",
        "plan.json",
        "a b/ü.yaml",
        "stagegate-bundle.toml",
    ]
    .into_iter()
    .collect();
    let kinds = [kind("junit-xml"), kind("sarif"), kind("terraform-plan")];
    let refs: Vec<&KindSpec> = kinds.iter().collect();
    if let Ok(declared) = stagegate::bundle::parse_manifest(text, &files, &refs) {
        for (path, declared_kind) in &declared {
            assert!(files.contains(path.as_str()) && path != "stagegate-bundle.toml");
            assert!(kinds.iter().any(|k| &k.name == declared_kind));
        }
    }
}

/// Strings that the checks treat specially, so the fuzzer reaches past the
/// first check more often than random text would.
const WORDS: &[&str] = &[
    "fuzzed",
    "junit-xml",
    "failed",
    "line_rate",
    "1.0",
    "0.5",
    "-1",
    "NaN",
    "**/*.xml",
    "{a,{b,{c,{d,{e}}}}}",
    "[[[[[a]]]]]",
    "",
    "ok",
];

fn text(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(2, 3)? {
        Ok((*u.choose(WORDS)?).to_owned())
    } else {
        String::arbitrary(u)
    }
}

fn texts(u: &mut Unstructured<'_>, most: usize) -> arbitrary::Result<Vec<String>> {
    let n = u.int_in_range(0..=most)?;
    (0..n).map(|_| text(u)).collect()
}

fn fact_type(u: &mut Unstructured<'_>) -> arbitrary::Result<wit::FactType> {
    Ok(match u.int_in_range(0..=4u8)? {
        0 => wit::FactType::Boolean,
        1 => wit::FactType::Long,
        2 => wit::FactType::Text,
        3 => wit::FactType::TextSet,
        _ => wit::FactType::Decimal,
    })
}

fn matcher(u: &mut Unstructured<'_>) -> arbitrary::Result<wit::Matcher> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => wit::Matcher::XmlRoot(text(u)?),
        1 => wit::Matcher::JsonKeys(texts(u, 80)?),
        2 => wit::Matcher::YamlKeys(texts(u, 80)?),
        3 => wit::Matcher::Glob(text(u)?),
        4 => wit::Matcher::TextPrefix(text(u)?),
        _ => wit::Matcher::AnyText,
    })
}

fn raw_metadata(u: &mut Unstructured<'_>) -> arbitrary::Result<wit::Metadata> {
    let kinds = u.int_in_range(0..=70usize)?;
    let reads = (0..kinds)
        .map(|_| {
            let matchers = u.int_in_range(0..=70usize)?;
            Ok(wit::ArtifactKind {
                name: text(u)?,
                matchers: (0..matchers)
                    .map(|_| matcher(u))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect::<arbitrary::Result<_>>()?;
    let facts = u.int_in_range(0..=300usize)?;
    let facts = (0..facts)
        .map(|_| {
            Ok(wit::FactSpec {
                name: text(u)?,
                type_: fact_type(u)?,
                doc: text(u)?,
            })
        })
        .collect::<arbitrary::Result<_>>()?;
    Ok(wit::Metadata {
        name: "fuzzed".into(),
        version: text(u)?,
        description: text(u)?,
        reads,
        facts,
    })
}

/// `describe()` output through `plugin::convert::metadata`. Whatever passes
/// stays within the declared limits.
pub fn metadata(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(raw) = raw_metadata(&mut u) else {
        return;
    };
    let limits = Limits::default();
    if let Ok(meta) = convert::metadata("fuzzed", raw, &limits) {
        assert!(meta.facts.len() <= limits.max_facts);
        assert!(meta.reads.len() <= 64);
        let matchers: usize = meta.reads.iter().map(|k| k.matchers.len()).sum();
        assert!(matchers <= 256);
    }
}

/// A plugin with one fact of each type, as `convert::metadata` checked it.
fn fixed_plugin() -> Option<stagegate::plugin::PluginMetadata> {
    let spec = |name: &str, type_| wit::FactSpec {
        name: name.into(),
        type_,
        doc: "a fact".into(),
    };
    let raw = wit::Metadata {
        name: "fuzzed".into(),
        version: "1.0.0".into(),
        description: "fuzz target".into(),
        reads: vec![wit::ArtifactKind {
            name: "junit-xml".into(),
            matchers: vec![wit::Matcher::AnyText],
        }],
        facts: vec![
            spec("ok", wit::FactType::Boolean),
            spec("failed", wit::FactType::Long),
            spec("name", wit::FactType::Text),
            spec("tags", wit::FactType::TextSet),
            spec("line_rate", wit::FactType::Decimal),
        ],
    };
    convert::metadata("fuzzed", raw, &Limits::default()).ok()
}

fn raw_evaluation(u: &mut Unstructured<'_>) -> arbitrary::Result<wit::Evaluation> {
    const NAMES: &[&str] = &["ok", "failed", "name", "tags", "line_rate", "other"];
    let facts = u.int_in_range(0..=8usize)?;
    let facts = (0..facts)
        .map(|_| {
            let name = (*u.choose(NAMES)?).to_owned();
            let value = match u.int_in_range(0..=4u8)? {
                0 => wit::FactValue::Boolean(bool::arbitrary(u)?),
                1 => wit::FactValue::Long(i64::arbitrary(u)?),
                2 => wit::FactValue::Text(text(u)?),
                3 => wit::FactValue::TextSet(texts(u, 1100)?),
                _ => wit::FactValue::Decimal(text(u)?),
            };
            Ok(wit::Fact { name, value })
        })
        .collect::<arbitrary::Result<_>>()?;
    let findings = u.int_in_range(0..=64usize)?;
    let findings = (0..findings)
        .map(|_| {
            Ok(wit::Finding {
                rule: text(u)?,
                severity: match u.int_in_range(0..=4u8)? {
                    0 => wit::Severity::Info,
                    1 => wit::Severity::Low,
                    2 => wit::Severity::Medium,
                    3 => wit::Severity::High,
                    _ => wit::Severity::Critical,
                },
                message: text(u)?,
                path: Option::<String>::arbitrary(u)?,
                line: Option::<u32>::arbitrary(u)?,
            })
        })
        .collect::<arbitrary::Result<_>>()?;
    Ok(wit::Evaluation { facts, findings })
}

/// `evaluate()` output through `plugin::convert::evaluation`, for a plugin
/// declaring one fact of each type. Accepted output has every declared fact,
/// nothing else, and strings within their caps.
pub fn evaluation(data: &[u8]) {
    let Some(meta) = fixed_plugin() else {
        return;
    };
    let mut u = Unstructured::new(data);
    let Ok(raw) = raw_evaluation(&mut u) else {
        return;
    };
    let limits = Limits::default();
    if let Ok((facts, findings)) = convert::evaluation(&meta, raw, &limits) {
        assert!(findings.len() <= limits.max_findings);
        assert_eq!(facts.len(), meta.facts.len(), "facts: {facts:?}");
        for spec in &meta.facts {
            assert!(facts.contains_key(&spec.name), "missing {}", spec.name);
        }
        for finding in &findings {
            assert!(finding.message.len() <= limits.max_string_bytes + 8);
        }
    }
}

/// Glob compilation from plugin metadata (`plugin::convert::compile_glob`),
/// then a match against a path taken from the same input.
pub fn glob(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (pattern, path) = text.split_once('\n').unwrap_or((&text, "reports/a/b.xml"));
    if let Ok(matcher) = convert::compile_glob(pattern) {
        let _ = matcher.is_match(path);
    }
}

/// `stagegate_redact::redact`: the result holds no secret, and redacting it
/// again changes nothing.
pub fn redact(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = stagegate_redact::redact(&text);
    assert!(
        !stagegate_redact::contains_secret(&once),
        "a secret survived redaction: {once:?}"
    );
    let twice = stagegate_redact::redact(&once);
    assert_eq!(once, twice, "redaction is not idempotent");
}

fn reader(data: &[u8]) -> BufReader<BomReader<Cursor<&[u8]>>> {
    BufReader::with_capacity(64 * 1024, BomReader::new(Cursor::new(data)))
}

/// The junit plugin's core, both ways: streamed, and held whole as the
/// plugin reads reports that fit; the two must agree exactly.
pub fn junit(data: &[u8]) {
    use stagegate_plugin_junit::parse::{Limits, parse_bytes_with, parse_report_with};
    let streamed = parse_report_with(reader(data), "fuzz.xml", Limits::default());
    let mut text = Vec::new();
    if reader(data).read_to_end(&mut text).is_ok() {
        let whole = parse_bytes_with(&text, "fuzz.xml", Limits::default());
        assert_eq!(
            format!("{streamed:?}"),
            format!("{whole:?}"),
            "streamed and held whole differ"
        );
    }
}

/// The coverage plugin's core; the first byte chooses the artifact kind.
pub fn coverage(data: &[u8]) {
    use stagegate_plugin_coverage::{KIND_COBERTURA, KIND_JACOCO, KIND_LCOV};
    let Some((choice, body)) = data.split_first() else {
        return;
    };
    let Some(kind) = pick(&[KIND_COBERTURA, KIND_JACOCO, KIND_LCOV], *choice) else {
        return;
    };
    let reports = [("fuzz".to_owned(), kind.to_owned(), Ok(reader(body)))];
    let _ = stagegate_plugin_coverage::evaluate_reports(reports, "", &mut |_| {});
}

/// The sarif plugin's core.
pub fn sarif(data: &[u8]) {
    let mut tally = stagegate_plugin_sarif::tally::Tally::default();
    if stagegate_plugin_sarif::parse_sarif(reader(data), "fuzz.sarif", &mut tally).is_ok() {
        let _ = stagegate_plugin_sarif::report::evaluation(&tally);
    }
}

/// The vulns plugin's core; the first byte chooses the input format.
pub fn vulns(data: &[u8]) {
    use stagegate_plugin_vulns::format::Format;
    let Some((choice, body)) = data.split_first() else {
        return;
    };
    let formats = [
        Format::Trivy,
        Format::Grype,
        Format::CycloneDx,
        Format::PipAudit,
    ];
    let Some(format) = pick(&formats, *choice) else {
        return;
    };
    let inputs = [(
        "fuzz.json".to_owned(),
        format.kind().to_owned(),
        Ok(reader(body)),
    )];
    let _ = stagegate_plugin_vulns::evaluate_inputs(inputs, "", &mut |_| {});
}

/// The terraform plugin's core.
pub fn terraform(data: &[u8]) {
    use stagegate_plugin_terraform::{plan, report};
    if let Ok(analysis) = plan::analyze(reader(data), "plan.json") {
        let _ = report::build(&[analysis]);
    }
}

/// The kubernetes plugin's core.
pub fn kubernetes(data: &[u8]) {
    let files = [("fuzz.yaml".to_owned(), Ok(reader(data)))];
    let _ = stagegate_plugin_kubernetes::evaluate_manifests(files, "");
}

/// The config plugin's core; the first byte chooses the file name, which
/// decides the format.
pub fn config(data: &[u8]) {
    let Some((choice, body)) = data.split_first() else {
        return;
    };
    let names = [
        "application.yaml",
        "appsettings.json",
        "app.toml",
        ".env",
        "app.ini",
        "app.properties",
        "settings.py",
        "redis.conf",
    ];
    let Some(name) = pick(&names, *choice) else {
        return;
    };
    let files = [(name.to_owned(), Ok(reader(body)))];
    let _ = stagegate_plugin_config::evaluate_files(files, "", &mut |_| {});
}

/// The secrets plugin's core, on the text and on the raw bytes.
pub fn secrets(data: &[u8]) {
    use stagegate_plugin_secrets::{config::Config, scan_file, scanner::Scanner};
    let Ok(mut scanner) = Scanner::new(Config::default()) else {
        return;
    };
    let _ = scan_file(&mut scanner, "fuzz.txt", Ok(reader(data)), || {
        Ok(Cursor::new(data))
    });
    let _ = scanner.finish();
}

/// The shared bounded YAML reader, walking every node it returns.
pub fn yaml(data: &[u8]) {
    use stagegate_yaml::{Limits as YamlLimits, NodeRef, YamlError, for_each_document};
    fn walk(node: NodeRef<'_>, depth: usize) {
        assert!(
            depth <= 129,
            "the reader returned a tree deeper than its limit"
        );
        let _ = (node.line(), node.scalar(), node.as_bool(), node.as_i64());
        for item in node.items() {
            walk(item, depth + 1);
        }
        for (key, value) in node.entries() {
            walk(key, depth + 1);
            walk(value, depth + 1);
        }
    }
    let limits = YamlLimits::default();
    let _ = for_each_document(reader(data), &limits, |document| {
        walk(document.root(), 0);
        Ok::<(), YamlError>(())
    });
}

/// The pipeline plugin's core; the first byte chooses the file name (a
/// workflow, an action definition, a GitLab CI file, or an included one).
pub fn pipeline(data: &[u8]) {
    let Some((choice, body)) = data.split_first() else {
        return;
    };
    let names = [
        ".github/workflows/ci.yml",
        "action.yml",
        ".gitlab-ci.yml",
        "ci/templates/build.gitlab-ci.yml",
    ];
    let Some(name) = pick(&names, *choice) else {
        return;
    };
    let files = [(name.to_owned(), Ok(reader(body)))];
    let _ = stagegate_plugin_pipeline::evaluate_pipelines(files, "");
}

/// The dockerfile plugin's core.
pub fn dockerfile(data: &[u8]) {
    let files = [(
        "Dockerfile".to_owned(),
        Ok(BomReader::new(Cursor::new(data))),
    )];
    let _ = stagegate_plugin_dockerfile::evaluate_files(files, "", &mut |_| {});
}

/// The builder keys and allow-lists of the provenance fixtures, so that a
/// mutated fixture reaches signature checks, subjects and builders.
fn provenance_config() -> Option<stagegate_plugin_provenance::Config> {
    const ED25519: &str = include_str!("../../tests/fixtures/provenance/keys/builder-ed25519.pub");
    const P256: &str = include_str!("../../tests/fixtures/provenance/keys/builder-p256.pub");
    let config = serde_json::json!({
        "trusted_keys": [ED25519, P256],
        "trusted_builders": ["https://ci.example.com/builders/release-runner@v1"],
        "trusted_sources": ["git+https://github.com/acme/shop"],
        "required": ["dist/*.tar.gz"],
    });
    stagegate_plugin_provenance::Config::parse(&config.to_string()).ok()
}

/// The provenance plugin's core: the input is one attestation file (JSON,
/// JSON Lines, or a Sigstore bundle) beside one release file. The plugin never
/// counts more verified attestations than it read.
pub fn provenance(data: &[u8]) {
    use stagegate_plugin_provenance::{ATTESTATION_KIND, SUBJECT_KIND, evaluate_with};
    use stagegate_sdk::{Artifact, FactValue};
    let Some(config) = provenance_config() else {
        unreachable!("the fixture keys no longer parse");
    };
    let artifacts = vec![
        Artifact {
            path: "attestations/build.intoto.jsonl".to_owned(),
            kind: ATTESTATION_KIND.to_owned(),
            size: data.len() as u64,
            sha256: "00".repeat(32),
        },
        Artifact {
            path: "dist/app-1.0.tar.gz".to_owned(),
            kind: SUBJECT_KIND.to_owned(),
            size: 0,
            sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
        },
    ];
    let paths = artifacts.iter().map(|a| a.path.clone()).collect();
    let mut open = |_: &Artifact| -> std::io::Result<Box<dyn std::io::BufRead>> {
        let owned = Cursor::new(data.to_vec());
        Ok(Box::new(BufReader::new(BomReader::new(owned))))
    };
    let Ok(evaluation) = evaluate_with(&artifacts, &config, paths, &mut open) else {
        return;
    };
    let long = |name: &str| {
        evaluation.facts.iter().find_map(|fact| match fact.value {
            FactValue::Long(x) if fact.name == name => Some(x),
            _ => None,
        })
    };
    if let (Some(verified), Some(all)) = (long("verified"), long("attestations")) {
        assert!(verified <= all, "{verified} verified of {all} attestations");
    }
}

/// Checking the previous stage's decision attestation (`[chain]`): the input
/// is the envelope. Only an envelope signed by the trusted key can pass, and
/// the fuzzer holds no private key, so a pass must come from a stored
/// signature over a statement for this commit.
pub fn attestation(data: &[u8]) {
    const TRUSTED: &str = include_str!("../../tests/fixtures/keys/test-gate.pub");
    let Ok(key) = stagegate_attest::VerifyingKey::from_pem(TRUSTED) else {
        unreachable!("the fixture key no longer parses");
    };
    let _ = stagegate_attest::verify(data, std::slice::from_ref(&key));
    let _ = stagegate_attest::Statement::from_json(data);
    let envelopes = [("attest/test.json".to_owned(), data.to_vec())];
    let _ = stagegate_attest::check_chain(&envelopes, &[key], "0123abcd", "test");
}

/// `stagegate log verify` on a decision log: whatever the bytes, a verdict
/// or an error, and an intact log has exactly one record per line.
pub fn decision_log(data: &[u8]) {
    use stagegate::log::{Verdict, verify_lines};
    let path = std::path::Path::new("decisions.jsonl");
    if let Ok(Verdict::Intact { records, .. }) = verify_lines(Cursor::new(data), path, None) {
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64;
        assert_eq!(
            records, lines,
            "an intact log of {lines} lines has {records} records"
        );
    }
}
