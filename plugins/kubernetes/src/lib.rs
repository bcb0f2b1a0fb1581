//! The `kubernetes` plugin: security posture of Kubernetes manifests.
//!
//! This file is the thin glue between the host and the pure modules: it
//! declares the facts, reads each artifact through the sandbox, runs
//! [`parse::read_manifests`] and turns the [`report::Report`] into facts and
//! findings. Parsing and judging live in `parse`, `manifest`, `rules` and
//! `yaml`; nothing here looks inside a manifest.

pub mod manifest;
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
use std::io::BufRead;

/// The plugin.
pub struct Kubernetes;

/// The plugin's configuration (a JSON object; `{}` for defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Most findings returned; the rest are counted in `findings_dropped`.
    pub max_findings: usize,
    /// Largest manifest read, in MiB; a larger one is an error.
    pub max_file_mib: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_findings: 1000,
            max_file_mib: 64,
        }
    }
}

impl Config {
    /// Parses the configuration text the host passes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        if !text.trim_start().starts_with('{') {
            return Err(
                "plugin `kubernetes` has a bad configuration: it must be a JSON object".into(),
            );
        }
        let config: Config = serde_json::from_str(text)
            .map_err(|e| format!("plugin `kubernetes` has a bad configuration: {e}"))?;
        if config.max_file_mib == 0 || config.max_file_mib > 1024 {
            return Err(
                "plugin `kubernetes` has a bad configuration: `max_file_mib` must be 1 to 1024"
                    .into(),
            );
        }
        Ok(config)
    }
}

const FACTS: [(&str, &str); 15] = [
    (
        "inputs",
        "manifest files holding at least one Kubernetes object (a List's items count; a file of empty documents or an empty List does not)",
    ),
    (
        "objects",
        "Kubernetes objects read (items of a List counted one by one)",
    ),
    (
        "workloads",
        "workload objects with a pod spec (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController)",
    ),
    (
        "containers",
        "containers, init containers and ephemeral containers",
    ),
    (
        "privileged",
        "containers with securityContext.privileged: true",
    ),
    (
        "privilege_escalation",
        "containers with allowPrivilegeEscalation explicitly true",
    ),
    (
        "run_as_root",
        "containers whose effective runAsUser is 0, or that set neither runAsNonRoot: true nor a non-zero runAsUser (container or pod level)",
    ),
    (
        "host_namespaces",
        "hostNetwork, hostPID and hostIPC settings that are true (each counts once per pod spec)",
    ),
    ("host_path", "hostPath volumes"),
    (
        "latest_images",
        "containers whose image is tagged :latest or has neither tag nor digest",
    ),
    (
        "unpinned_images",
        "containers whose image is not pinned by an @sha256 digest",
    ),
    (
        "no_resource_limits",
        "containers (ephemeral ones excepted) missing resources.limits.cpu or resources.limits.memory",
    ),
    (
        "env_secrets",
        "env entries with a secret-looking name (PASSWORD, SECRET, TOKEN, API_KEY, ...) and a literal non-empty value",
    ),
    (
        "findings_dropped",
        "findings not returned because of the max_findings cap",
    ),
    (
        "images",
        "distinct container images (at most 100 entries of at most 200 characters)",
    ),
];

fn severity(level: Level) -> Severity {
    match level {
        Level::Low => Severity::Low,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
    }
}

impl Plugin for Kubernetes {
    fn describe() -> Metadata {
        let facts = FACTS
            .iter()
            .map(|(name, doc)| match *name {
                "images" => FactSpec::text_set(name, doc),
                _ => FactSpec::long(name, doc),
            })
            .collect();
        Metadata {
            name: "kubernetes".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "security posture of Kubernetes manifests (YAML streams, Lists, rendered Helm output, JSON)".into(),
            reads: vec![ArtifactKind {
                name: "kubernetes-manifest".into(),
                matchers: vec![
                    Matcher::YamlKeys(vec!["apiVersion".into(), "kind".into()]),
                    Matcher::JsonKeys(vec!["apiVersion".into(), "kind".into()]),
                ],
            }],
            facts,
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let files = artifacts.iter().map(|a| (a.path.clone(), a.text_reader()));
        let (evaluation, notes) = evaluate_manifests(files, &config)?;
        for note in &notes {
            stagegate_sdk::log::info(note);
        }
        Ok(evaluation)
    }
}

/// What the plugin's `evaluate` does, without the host: reads every manifest file, given as
/// its path and a reader, and returns the evaluation with the notes to log. A file counts in
/// `inputs` only when it holds at least one Kubernetes object (the items of a `List` count
/// one by one): a file of empty documents or an empty `List` measured nothing.
pub fn evaluate_manifests<R: BufRead>(
    files: impl IntoIterator<Item = (String, std::io::Result<R>)>,
    config: &str,
) -> Result<(Evaluation, Vec<String>), String> {
    let config = Config::parse(config)?;
    let limits = yaml::Limits {
        max_file_bytes: config.max_file_mib * 1024 * 1024,
        ..yaml::Limits::default()
    };
    let mut report = Report::new(config.max_findings);
    let mut inputs = 0usize;
    for (path, reader) in files {
        let reader = reader.map_err(|e| e.to_string())?;
        let before = report.objects;
        parse::read_manifests(reader, &path, &limits, &mut report).map_err(|e| e.to_string())?;
        if report.objects > before {
            inputs += 1;
        }
    }
    let notes = std::mem::take(&mut report.notes);
    Ok((to_evaluation(inputs, report), notes))
}

/// Turns a report into the declared facts (every one, always) and findings.
pub fn to_evaluation(inputs: usize, report: Report) -> Evaluation {
    let mut facts = Facts::new()
        .long("inputs", inputs)
        .long("objects", report.objects)
        .long("workloads", report.workloads)
        .long("containers", report.containers);
    for rule in Rule::ALL {
        facts = facts.long(rule.fact(), report.count(rule));
    }
    facts = facts
        .long("findings_dropped", report.hits_dropped)
        .text_set("images", report.images);
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
            "kubernetes/findings-capped",
            Severity::Info,
            format!(
                "{} more findings were not listed (max_findings cap)",
                report.hits_dropped
            ),
        ));
    }
    facts.with_findings(findings)
}

stagegate_sdk::export!(Kubernetes);

#[cfg(test)]
mod tests {
    use super::*;
    use stagegate_sdk::FactValue;

    #[test]
    fn config_defaults_and_errors() {
        assert_eq!(Config::parse("{}").unwrap(), Config::default());
        assert_eq!(Config::parse("").unwrap(), Config::default());
        assert_eq!(
            Config::parse("{\"max_findings\": 5}").unwrap().max_findings,
            5
        );
        let err = Config::parse("{\"max_finding\": 5}").unwrap_err();
        assert!(err.contains("unknown field `max_finding`"), "{err}");
        assert!(Config::parse("{\"max_file_mib\": 0}").is_err());
        assert!(Config::parse("[]").is_err());
    }

    #[test]
    fn every_declared_fact_is_returned_even_with_no_input() {
        let declared: Vec<String> = Kubernetes::describe()
            .facts
            .into_iter()
            .map(|f| f.name)
            .collect();
        let evaluation = to_evaluation(0, Report::new(10));
        let returned: Vec<String> = evaluation.facts.iter().map(|f| f.name.clone()).collect();
        assert_eq!(declared, returned);
        for fact in &evaluation.facts {
            assert!(
                fact.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            match &fact.value {
                FactValue::Long(v) => assert_eq!(*v, 0, "{}", fact.name),
                FactValue::TextSet(v) => assert!(v.is_empty()),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn inputs(files: Vec<(String, std::io::Result<&[u8]>)>) -> i64 {
        let (evaluation, _) = evaluate_manifests(files, "{}").unwrap();
        stagegate_sdk::EvaluationExt::long(&evaluation, "inputs")
            .unwrap_or_else(|| panic!("inputs is not a Long fact"))
    }

    #[test]
    fn files_without_a_kubernetes_object_are_not_inputs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/k8s");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".yaml") && !n.starts_with("NOT-RENDERED"))
            .collect();
        names.sort();
        let bytes: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|n| (n.clone(), std::fs::read(format!("{dir}/{n}")).unwrap()))
            .collect();
        // Every real manifest holds objects: each counts once.
        for (name, content) in &bytes {
            assert_eq!(inputs(vec![(name.clone(), Ok(&content[..]))]), 1, "{name}");
        }
        let all = bytes.iter().map(|(n, c)| (n.clone(), Ok(&c[..]))).collect();
        assert_eq!(inputs(all), bytes.len() as i64);
        // Documents without an object: comments, empty documents, an empty List.
        for empty in [
            "",
            "# rendered nothing\n---\n---\n",
            "apiVersion: v1\nkind: List\nitems: []\n",
        ] {
            assert_eq!(
                inputs(vec![("e.yaml".into(), Ok(empty.as_bytes()))]),
                0,
                "{empty:?}"
            );
        }
        let one = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        assert_eq!(inputs(vec![("c.yaml".into(), Ok(one.as_bytes()))]), 1);
    }

    #[test]
    fn utf16_manifests_with_a_byte_order_mark_are_read() {
        use stagegate_sdk::text::bom::BomReader;
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: débug\nspec:\n  containers:\n  - name: c\n    image: busybox\n    securityContext:\n      privileged: true\n";
        for little_endian in [true, false] {
            let bytes = stagegate_sdk::text::bom::utf16_with_mark(yaml, little_endian);
            let files = vec![(
                "pod.yaml".to_owned(),
                Ok(std::io::BufReader::new(BomReader::new(&bytes[..]))),
            )];
            let (evaluation, _) = evaluate_manifests(files, "{}").unwrap();
            let long = |name: &str| {
                stagegate_sdk::EvaluationExt::long(&evaluation, name)
                    .unwrap_or_else(|| panic!("{name} is not a Long fact"))
            };
            assert_eq!(
                (long("inputs"), long("objects"), long("privileged")),
                (1, 1, 1),
                "{little_endian}"
            );
            assert_eq!(evaluation.findings[0].line, Some(10), "{little_endian}");
        }
    }
}
