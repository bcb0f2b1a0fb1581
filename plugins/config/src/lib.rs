//! The `config` plugin: risky settings in application configuration files.
//!
//! This file is the thin glue between the host and the pure modules: it
//! declares the artifact kind and the facts, reads each artifact through the
//! sandbox, runs [`parse::read_config`] and turns the [`report::Report`] into
//! facts and findings. Formats live in `formats`, rules in `rules`, the YAML
//! reader in `yaml`; nothing here looks inside a file.

pub mod entry;
pub mod formats;
pub mod parse;
pub mod report;
pub mod rules;
pub use stagegate_yaml as yaml;

use report::{Level, Report, Rule};
use serde::Deserialize;
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};

/// The plugin.
pub struct Config;

/// The plugin's configuration (a JSON object; `{}` for defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Most findings returned; the rest are counted in `findings_dropped`.
    pub max_findings: usize,
    /// Largest configuration file read, in MiB; a larger one is an error.
    pub max_file_mib: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_findings: 1000,
            max_file_mib: 16,
        }
    }
}

impl Settings {
    /// Parses the configuration text the host passes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err("plugin `config` has a bad configuration: it must be a JSON object".into());
        }
        let settings: Settings = serde_json::from_str(text)
            .map_err(|e| format!("plugin `config` has a bad configuration: {e}"))?;
        if settings.max_file_mib == 0 || settings.max_file_mib > 256 {
            return Err(
                "plugin `config` has a bad configuration: `max_file_mib` must be 1 to 256".into(),
            );
        }
        Ok(settings)
    }
}

/// The file names the plugin reads (bundle-relative globs).
pub const GLOBS: [&str; 26] = [
    "**/*.properties",
    "**/.env",
    "**/*.env",
    "**/.env.*",
    "**/*.ini",
    "**/*.cfg",
    "**/*.conf",
    "**/.npmrc",
    "**/.gitconfig",
    "**/application*.yml",
    "**/application*.yaml",
    "**/bootstrap*.yml",
    "**/bootstrap*.yaml",
    "**/appsettings*.json",
    "**/settings.py",
    "**/*settings*.py",
    "**/docker-compose*.yml",
    "**/docker-compose*.yaml",
    "**/compose.yml",
    "**/compose.yaml",
    "**/*.toml",
    "**/config*.yml",
    "**/config*.yaml",
    "**/config*.json",
    "**/elasticsearch.yml",
    "**/mongod*.yaml",
];

const FACTS: [(&str, &str); 11] = [
    (
        "inputs",
        "configuration files from which at least one setting was read (an empty file, or one of comments only, does not count)",
    ),
    ("settings", "settings (flattened keys) read over all files"),
    (
        "debug_enabled",
        "debug modes on and DEBUG/TRACE log levels (Spring debug, Django DEBUG, FLASK_DEBUG, LOG_LEVEL, ASP.NET LogLevel, ...)",
    ),
    (
        "default_credentials",
        "password-like settings holding a well-known default (admin, changeme, postgres, ...) or equal to their user name",
    ),
    (
        "unauthenticated_datastores",
        "MongoDB, Redis, Elasticsearch and compose datastore services reachable without authentication",
    ),
    (
        "tls_verification_disabled",
        "settings that turn certificate verification or client TLS off (verify: false, NODE_TLS_REJECT_UNAUTHORIZED=0, sslmode=disable, ...)",
    ),
    (
        "xxe_enabled",
        "settings that turn XML external entity or DTD resolution on",
    ),
    (
        "permissive_cors",
        "files allowing any CORS origin together with credentials",
    ),
    (
        "actuator_exposed",
        "Spring Boot actuator exposure include=* or actuator security turned off",
    ),
    (
        "findings_dropped",
        "findings not returned because of the max_findings cap",
    ),
    (
        "rules",
        "names of the rule facts above that fired (at most 7 entries)",
    ),
];

fn severity(level: Level) -> Severity {
    match level {
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
    }
}

impl Plugin for Config {
    fn describe() -> Metadata {
        let facts = FACTS
            .iter()
            .map(|(name, doc)| match *name {
                "rules" => FactSpec::text_set(name, doc),
                _ => FactSpec::long(name, doc),
            })
            .collect();
        Metadata {
            name: "config".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "risky settings in application configuration (YAML, JSON, TOML, .properties, .env, INI, .conf, Python settings)".into(),
            reads: vec![ArtifactKind {
                name: "app-config".into(),
                matchers: GLOBS.iter().map(|g| Matcher::Glob((*g).into())).collect(),
            }],
            facts,
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let files = artifacts.iter().map(|a| (a.path.clone(), a.text_reader()));
        evaluate_files(files, &config, &mut |line| stagegate_sdk::log::debug(line))
    }
}

/// What the plugin's `evaluate` does, without the host: reads every configuration file,
/// given as its path and a reader (UTF-8; the plugin transcodes UTF-16 and UTF-32 first), and
/// reports the facts; `log` receives one line per file. A file counts in `inputs` only when at
/// least one setting was read from it: an empty file, or one of comments only, measured
/// nothing.
pub fn evaluate_files<R: std::io::Read>(
    files: impl IntoIterator<Item = (String, std::io::Result<R>)>,
    config: &str,
    log: &mut dyn FnMut(&str),
) -> Result<Evaluation, String> {
    let settings = Settings::parse(config)?;
    let limits = yaml::Limits {
        max_file_bytes: settings.max_file_mib * 1024 * 1024,
        ..yaml::Limits::default()
    };
    let mut report = Report::new(settings.max_findings);
    let mut inputs = 0usize;
    for (path, reader) in files {
        let reader = reader.map_err(|e| e.to_string())?;
        let before = report.entries;
        let format =
            parse::read_config(reader, &path, &limits, &mut report).map_err(|e| e.to_string())?;
        log(&format!("`{path}` read as {}", format.name()));
        if report.entries > before {
            inputs += 1;
        }
    }
    Ok(to_evaluation(inputs, report))
}

/// Turns a report into the declared facts (every one, always) and findings.
pub fn to_evaluation(inputs: usize, report: Report) -> Evaluation {
    let mut facts = Facts::new()
        .long("inputs", inputs)
        .long("settings", report.entries);
    for rule in Rule::ALL {
        facts = facts.long(rule.fact(), report.count(rule));
    }
    facts = facts
        .long("findings_dropped", report.hits_dropped)
        .text_set("rules", report.fired());
    let mut findings: Vec<Finding> = report
        .hits
        .into_iter()
        .map(|hit| {
            Finding::new(hit.rule.id(), severity(hit.rule.level()), hit.message)
                .at(&hit.path, hit.line)
        })
        .collect();
    if report.hits_dropped > 0 {
        findings.push(Finding::new(
            "config/findings-capped",
            Severity::Info,
            format!(
                "{} more findings were not listed (max_findings cap)",
                report.hits_dropped
            ),
        ));
    }
    facts.with_findings(findings)
}

stagegate_sdk::export!(Config);

#[cfg(test)]
mod tests {
    use super::*;
    use stagegate_sdk::FactValue;

    #[test]
    fn settings_defaults_and_errors() {
        assert_eq!(Settings::parse("{}").unwrap(), Settings::default());
        assert_eq!(Settings::parse(" ").unwrap(), Settings::default());
        assert_eq!(
            Settings::parse("{\"max_file_mib\": 2}")
                .unwrap()
                .max_file_mib,
            2
        );
        let err = Settings::parse("{\"rules\": []}").unwrap_err();
        assert!(err.contains("unknown field `rules`"), "{err}");
        assert!(Settings::parse("{\"max_findings\": -1}").is_err());
        assert!(Settings::parse("[]").is_err());
    }

    #[test]
    fn every_declared_fact_is_returned_even_with_no_input() {
        let declared: Vec<String> = Config::describe()
            .facts
            .into_iter()
            .map(|f| f.name)
            .collect();
        let evaluation = to_evaluation(0, Report::new(10));
        let returned: Vec<String> = evaluation.facts.iter().map(|f| f.name.clone()).collect();
        assert_eq!(declared, returned);
        for fact in &evaluation.facts {
            match &fact.value {
                FactValue::Long(v) => assert_eq!(*v, 0, "{}", fact.name),
                FactValue::TextSet(v) => assert!(v.is_empty()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn rules_set_names_fired_rules() {
        let mut report = Report::new(10);
        report.hit(Rule::XxeEnabled, "a", 1, "x");
        let evaluation = to_evaluation(1, report);
        let rules = evaluation.facts.iter().find(|f| f.name == "rules").unwrap();
        assert!(
            matches!(&rules.value, FactValue::TextSet(v) if v == &vec!["xxe_enabled".to_string()])
        );
        assert!(
            evaluation.findings[0]
                .message
                .ends_with("fix: disable external entity and DTD resolution in the XML parser")
        );
    }

    fn inputs_of(files: Vec<(String, std::io::Result<&[u8]>)>) -> i64 {
        let evaluation = evaluate_files(files, "{}", &mut |_| {}).unwrap();
        stagegate_sdk::EvaluationExt::long(&evaluation, "inputs")
            .unwrap_or_else(|| panic!("inputs is not a Long fact"))
    }

    #[test]
    fn files_from_which_no_setting_was_read_are_not_inputs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/config");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != "SOURCES.md")
            .collect();
        names.sort();
        let files: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|n| (n.clone(), std::fs::read(format!("{dir}/{n}")).unwrap()))
            .collect();
        // Every real configuration file sets something.
        for (name, bytes) in &files {
            assert_eq!(inputs_of(vec![(name.clone(), Ok(&bytes[..]))]), 1, "{name}");
        }
        let all = files.iter().map(|(n, b)| (n.clone(), Ok(&b[..]))).collect();
        assert_eq!(inputs_of(all), files.len() as i64);
        // Empty files and files of comments or empty sections only.
        for (path, text) in [
            ("app/.env", ""),
            ("app/.env", "# nothing configured yet\n\n"),
            ("config/application.yml", "# defaults apply\n---\n"),
            ("config/settings.json", "{}"),
            ("grafana.ini", "; comment\n[server]\n"),
        ] {
            let files = vec![(path.to_owned(), Ok(text.as_bytes()))];
            assert_eq!(inputs_of(files), 0, "{path}: {text:?}");
        }
        let one = vec![("app/.env".to_owned(), Ok(&b"PORT=8080\n"[..]))];
        assert_eq!(inputs_of(one), 1);
    }

    fn long_fact(evaluation: &Evaluation, name: &str) -> i64 {
        stagegate_sdk::EvaluationExt::long(evaluation, name)
            .unwrap_or_else(|| panic!("{name} is not a Long fact"))
    }

    #[test]
    fn utf16_files_with_a_byte_order_mark_are_read() {
        use stagegate_sdk::text::bom::BomReader;
        // What Windows PowerShell's `Out-File` writes: UTF-16LE with a mark, CRLF lines.
        let env = "# app settings\r\nDEBUG=true\r\nPOSTGRES_PASSWORD=postgres\r\n";
        for little_endian in [true, false] {
            let bytes = stagegate_sdk::text::bom::utf16_with_mark(env, little_endian);
            let files = vec![("app/.env".to_owned(), Ok(BomReader::new(&bytes[..])))];
            let evaluation = evaluate_files(files, "{}", &mut |_| {}).unwrap();
            assert_eq!(long_fact(&evaluation, "inputs"), 1, "{little_endian}");
            assert_eq!(long_fact(&evaluation, "settings"), 2, "{little_endian}");
            assert_eq!(
                long_fact(&evaluation, "debug_enabled"),
                1,
                "{little_endian}"
            );
            assert_eq!(
                long_fact(&evaluation, "default_credentials"),
                1,
                "{little_endian}"
            );
        }
    }
}
