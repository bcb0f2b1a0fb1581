//! Conversions between the generated binding types and the host's own types,
//! with every check an untrusted value needs on the way in.

use std::collections::BTreeSet;

use super::bindings::stagegate::plugin::types as wit;
use super::{KindSpec, Matcher, PluginMetadata};
use crate::config::{Limits, is_identifier};
use crate::facts::{self, FactSpec, FactType, FactValue, Finding, Severity, clip};

const MAX_KINDS: usize = 64;
const MAX_MATCHERS: usize = 64;
/// Matchers over all of a plugin's kinds: each is checked against every
/// artifact, so their number bounds the host's sniffing work.
const MAX_TOTAL_MATCHERS: usize = 256;
/// Keys one JSON or YAML matcher may name.
const MAX_MATCHER_KEYS: usize = 64;
/// Longest matcher argument: a key, a root name, a prefix, a glob.
const MAX_MATCHER_BYTES: usize = 256;
/// Deepest nesting of `{…}` alternates and `[…]` classes in a glob.
const MAX_GLOB_NESTING: usize = 4;
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
            doc: stagegate_text::clip_bytes(&spec.doc, MAX_DOC),
        });
    }
    if raw.reads.len() > MAX_KINDS {
        return Err(format!("declares more than {MAX_KINDS} artifact kinds"));
    }
    let total: usize = raw.reads.iter().map(|k| k.matchers.len()).sum();
    if total > MAX_TOTAL_MATCHERS {
        return Err(format!(
            "declares {total} matchers, more than {MAX_TOTAL_MATCHERS}"
        ));
    }
    let mut reads = Vec::with_capacity(raw.reads.len());
    for kind in raw.reads {
        if !is_kind_name(&kind.name) {
            return Err(format!(
                "declares artifact kind `{}`, whose name is not [a-z0-9][a-z0-9._-]* (at most 64 characters)",
                clip(&kind.name)
            ));
        }
        if kind.matchers.len() > MAX_MATCHERS {
            return Err(format!(
                "declares more than {MAX_MATCHERS} matchers for one kind"
            ));
        }
        let mut matchers = Vec::with_capacity(kind.matchers.len());
        for m in kind.matchers {
            matchers.push(matcher(&kind.name, m)?);
        }
        reads.push(KindSpec {
            name: kind.name,
            matchers,
        });
    }
    Ok(PluginMetadata {
        name: raw.name,
        version: raw.version,
        description: stagegate_text::clip_bytes(&raw.description, MAX_DOC),
        reads,
        facts,
    })
}

/// Checks and converts one matcher of kind `kind`.
fn matcher(kind: &str, raw: wit::Matcher) -> Result<Matcher, String> {
    let long = |what: &str, text: &str| {
        (text.len() > MAX_MATCHER_BYTES || text.is_empty()).then(|| {
            format!(
                "declares for kind `{kind}` an empty or overlong {what} (at most {MAX_MATCHER_BYTES} bytes): `{}`",
                clip(text)
            )
        })
    };
    let keys = |keys: &[String]| -> Result<(), String> {
        if keys.is_empty() || keys.len() > MAX_MATCHER_KEYS {
            return Err(format!(
                "declares for kind `{kind}` a key matcher with {} keys (1 to {MAX_MATCHER_KEYS})",
                keys.len()
            ));
        }
        keys.iter().find_map(|k| long("key", k)).map_or(Ok(()), Err)
    };
    Ok(match raw {
        wit::Matcher::XmlRoot(root) => match long("XML root", &root) {
            Some(e) => return Err(e),
            None => Matcher::XmlRoot(root),
        },
        wit::Matcher::JsonKeys(list) => {
            keys(&list)?;
            Matcher::JsonKeys(list)
        }
        wit::Matcher::YamlKeys(list) => {
            keys(&list)?;
            Matcher::YamlKeys(list)
        }
        wit::Matcher::TextPrefix(prefix) => match long("text prefix", &prefix) {
            Some(e) => return Err(e),
            None => Matcher::TextPrefix(prefix),
        },
        wit::Matcher::AnyText => Matcher::AnyText,
        wit::Matcher::Glob(pattern) => {
            if let Some(e) = long("glob", &pattern) {
                return Err(e);
            }
            let matcher = compile_glob(&pattern)
                .map_err(|e| format!("declares an invalid glob `{}`: {e}", clip(&pattern)))?;
            Matcher::Glob { pattern, matcher }
        }
    })
}

/// Compiles a bounded glob. The nesting cap keeps the compiler's recursion
/// shallow; a panic inside it (a bug of the glob library) is an error here,
/// never a crash of the host.
pub fn compile_glob(pattern: &str) -> Result<globset::GlobSet, String> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in pattern.chars() {
        match c {
            '{' | '[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_GLOB_NESTING {
        return Err(format!(
            "it nests `{{…}}` or `[…]` {deepest} deep, more than {MAX_GLOB_NESTING}"
        ));
    }
    let built = std::panic::catch_unwind(|| {
        globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .and_then(|g| globset::GlobSetBuilder::new().add(g).build())
    });
    match built {
        Ok(Ok(matcher)) => Ok(matcher),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the glob compiler failed on it".into()),
    }
}

/// `[a-z0-9][a-z0-9._-]*`, at most 64 bytes: the shape of artifact kind names.
fn is_kind_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && name.len() <= 64
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(reads: Vec<wit::ArtifactKind>) -> wit::Metadata {
        wit::Metadata {
            name: "p".into(),
            version: "1.0.0".into(),
            description: String::new(),
            reads,
            facts: Vec::new(),
        }
    }

    fn kind(matchers: Vec<wit::Matcher>) -> wit::ArtifactKind {
        wit::ArtifactKind {
            name: "k".into(),
            matchers,
        }
    }

    fn check(reads: Vec<wit::ArtifactKind>) -> Result<PluginMetadata, String> {
        metadata("p", meta(reads), &Limits::default())
    }

    #[test]
    fn pathological_globs_are_refused_not_crashes() {
        let deep = format!("{}a{}", "{".repeat(5000), "}".repeat(5000));
        let err = check(vec![kind(vec![wit::Matcher::Glob(deep)])]).unwrap_err();
        assert!(err.contains("overlong glob"), "{err}");
        let nested = format!("{}a{}", "{x,".repeat(5), "}".repeat(5));
        let err = check(vec![kind(vec![wit::Matcher::Glob(nested)])]).unwrap_err();
        assert!(err.contains("nests"), "{err}");
        let classes = "[[[[[a]]]]]".to_owned();
        assert!(check(vec![kind(vec![wit::Matcher::Glob(classes)])]).is_err());
        for bad in ["{", "[", "a[b", "**/{a,b", "[z-a]", "\\"] {
            let _ = check(vec![kind(vec![wit::Matcher::Glob(bad.into())])]);
        }
        let fine = check(vec![kind(vec![wit::Matcher::Glob(
            "**/{a,b}/*.txt".into(),
        )])])
        .unwrap();
        assert_eq!(fine.reads.len(), 1);
    }

    #[test]
    fn declared_matchers_are_bounded() {
        let many_kinds = (0..65).map(|_| kind(vec![wit::Matcher::AnyText])).collect();
        assert!(check(many_kinds).unwrap_err().contains("64 artifact kinds"));
        let many = (0..4)
            .map(|_| kind((0..64).map(|_| wit::Matcher::AnyText).collect()))
            .chain([kind(vec![wit::Matcher::AnyText])])
            .collect();
        assert!(check(many).unwrap_err().contains("more than 256"));
        let keys = (0..65).map(|i| format!("k{i}")).collect();
        assert!(check(vec![kind(vec![wit::Matcher::JsonKeys(keys)])]).is_err());
        assert!(check(vec![kind(vec![wit::Matcher::JsonKeys(Vec::new())])]).is_err());
        let long = "x".repeat(257);
        for m in [
            wit::Matcher::XmlRoot(long.clone()),
            wit::Matcher::TextPrefix(long.clone()),
            wit::Matcher::YamlKeys(vec![long.clone()]),
        ] {
            assert!(check(vec![kind(vec![m])]).is_err());
        }
        let bad_name = wit::ArtifactKind {
            name: "Bad Kind\u{1b}".into(),
            matchers: vec![wit::Matcher::AnyText],
        };
        assert!(check(vec![bad_name]).unwrap_err().contains("artifact kind"));
    }
}
