//! Conversions between the generated binding types and the host's own types,
//! with every check an untrusted value needs on the way in.

use std::collections::BTreeSet;

use super::bindings::stagegate::plugin::types as wit;
use super::{KindSpec, Matcher, PluginMetadata};
use crate::config::{Limits, is_identifier};
use crate::facts::{self, FactSpec, FactType, FactValue, Finding, Severity, clip};

const MAX_KINDS: usize = 64;
const MAX_MATCHERS: usize = 64;
const MAX_DOC: usize = 1024;

/// Checks `describe()` output for plugin `expected_name`.
pub fn metadata(
    expected_name: &str,
    raw: wit::Metadata,
    limits: &Limits,
) -> Result<PluginMetadata, String> {
    if raw.name != expected_name {
        return Err(format!(
            "describes itself as `{}`, but is configured as `{expected_name}`",
            clip(&raw.name)
        ));
    }
    if raw.version.is_empty() || raw.version.len() > 64 {
        return Err("declares an empty or overlong version".into());
    }
    if raw.facts.len() > limits.max_facts {
        return Err(format!(
            "declares {} facts, more than its limit of {}",
            raw.facts.len(),
            limits.max_facts
        ));
    }
    let mut names = BTreeSet::new();
    let mut facts = Vec::with_capacity(raw.facts.len());
    for spec in raw.facts {
        if !is_identifier(&spec.name) {
            return Err(format!(
                "declares fact `{}`, whose name is not [a-z][a-z0-9_]* (at most 64 characters)",
                clip(&spec.name)
            ));
        }
        if !names.insert(spec.name.clone()) {
            return Err(format!("declares fact `{}` twice", spec.name));
        }
        let ty = match spec.type_ {
            wit::FactType::Boolean => FactType::Bool,
            wit::FactType::Long => FactType::Long,
            wit::FactType::Text => FactType::String,
            wit::FactType::TextSet => FactType::SetOfString,
            wit::FactType::Decimal => FactType::Decimal,
        };
        facts.push(FactSpec {
            name: spec.name,
            ty,
            doc: clip_to(&spec.doc, MAX_DOC),
        });
    }
    if raw.reads.len() > MAX_KINDS {
        return Err(format!("declares more than {MAX_KINDS} artifact kinds"));
    }
    let mut reads = Vec::with_capacity(raw.reads.len());
    for kind in raw.reads {
        if kind.name.is_empty() || kind.name.len() > 64 {
            return Err("declares an artifact kind with an empty or overlong name".into());
        }
        if kind.matchers.len() > MAX_MATCHERS {
            return Err(format!(
                "declares more than {MAX_MATCHERS} matchers for one kind"
            ));
        }
        let mut matchers = Vec::with_capacity(kind.matchers.len());
        for m in kind.matchers {
            matchers.push(match m {
                wit::Matcher::XmlRoot(root) => Matcher::XmlRoot(root),
                wit::Matcher::JsonKeys(keys) => Matcher::JsonKeys(keys),
                wit::Matcher::YamlKeys(keys) => Matcher::YamlKeys(keys),
                wit::Matcher::TextPrefix(prefix) => Matcher::TextPrefix(prefix),
                wit::Matcher::AnyText => Matcher::AnyText,
                wit::Matcher::Glob(pattern) => {
                    let glob = globset::GlobBuilder::new(&pattern)
                        .literal_separator(true)
                        .build()
                        .map_err(|e| {
                            format!("declares an invalid glob `{}`: {e}", clip(&pattern))
                        })?;
                    Matcher::Glob {
                        matcher: glob.compile_matcher(),
                        pattern,
                    }
                }
            });
        }
        reads.push(KindSpec {
            name: kind.name,
            matchers,
        });
    }
    Ok(PluginMetadata {
        name: raw.name,
        version: raw.version,
        description: clip_to(&raw.description, MAX_DOC),
        reads,
        facts,
    })
}

/// Checks `evaluate()` output against the plugin's declared facts and limits.
pub fn evaluation(
    meta: &PluginMetadata,
    raw: wit::Evaluation,
    limits: &Limits,
) -> Result<(facts::Facts, Vec<Finding>), String> {
    let returned = raw
        .facts
        .into_iter()
        .map(|f| {
            let value = match f.value {
                wit::FactValue::Boolean(b) => FactValue::Bool(b),
                wit::FactValue::Long(n) => FactValue::Long(n),
                wit::FactValue::Text(s) | wit::FactValue::Decimal(s) => FactValue::String(s),
                wit::FactValue::TextSet(v) => FactValue::Set(v.into_iter().collect()),
            };
            (f.name, value)
        })
        .collect();
    // A `text` value for a decimal fact (or the reverse) is a type error the
    // generic check cannot see, since both travel as strings.
    let facts = facts::check_facts(&meta.facts, returned, limits)?;
    if raw.findings.len() > limits.max_findings {
        return Err(format!(
            "returned {} findings, more than its limit of {}",
            raw.findings.len(),
            limits.max_findings
        ));
    }
    let mut findings = Vec::with_capacity(raw.findings.len());
    for f in raw.findings {
        for (what, text) in [
            ("rule", Some(&f.rule)),
            ("message", Some(&f.message)),
            ("path", f.path.as_ref()),
        ] {
            if let Some(text) = text.filter(|t| t.len() > limits.max_string_bytes) {
                return Err(format!(
                    "returned a finding whose {what} is {} bytes, more than its limit of {}",
                    text.len(),
                    limits.max_string_bytes
                ));
            }
        }
        findings.push(Finding {
            plugin: meta.name.clone(),
            rule: f.rule,
            severity: match f.severity {
                wit::Severity::Info => Severity::Info,
                wit::Severity::Low => Severity::Low,
                wit::Severity::Medium => Severity::Medium,
                wit::Severity::High => Severity::High,
                wit::Severity::Critical => Severity::Critical,
            },
            message: f.message,
            path: f.path,
            line: f.line,
        });
    }
    Ok((facts, findings))
}

fn clip_to(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or_default())
}
