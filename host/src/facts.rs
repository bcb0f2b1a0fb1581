//! Stage 3: typed facts and findings, and the check of a plugin's output
//! against the schema it declared.
//!
//! Facts are Cedar-typed values at `context.<plugin>.<fact>`. A plugin must
//! return every fact it declared, exactly once, with the declared type, within
//! the caps of its [`Limits`]; anything else is a schema violation that makes
//! the gate unable to decide. This module never fills in a missing fact: an
//! absent fact is a broken plugin, not a zero.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::Limits;

/// The Cedar type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactType {
    /// `Bool`
    Bool,
    /// `Long`
    Long,
    /// `String`
    String,
    /// `Set<String>`
    SetOfString,
    /// `decimal`
    Decimal,
}

impl FactType {
    /// The type as written in a Cedar schema.
    pub fn cedar(self) -> &'static str {
        match self {
            FactType::Bool => "Bool",
            FactType::Long => "Long",
            FactType::String => "String",
            FactType::SetOfString => "Set<String>",
            FactType::Decimal => "decimal",
        }
    }
}

/// A fact a plugin declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactSpec {
    /// `[a-z][a-z0-9_]*`
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: FactType,
    /// One line of documentation.
    pub doc: String,
}

/// The value of a fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    /// `Bool`
    Bool(bool),
    /// `Long`
    Long(i64),
    /// `String`, and `decimal` in its canonical text form.
    String(String),
    /// `Set<String>`
    Set(BTreeSet<String>),
}

/// The checked facts of one plugin, by name.
pub type Facts = BTreeMap<String, FactValue>;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Something a person should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The plugin that reported it.
    pub plugin: String,
    /// Stable rule id.
    pub rule: String,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// Where, when known.
    pub path: Option<String>,
    /// Line in `path`, when known.
    pub line: Option<u32>,
}

/// Checks raw facts returned by `plugin` against `specs` and `limits`.
pub fn check_facts(
    specs: &[FactSpec],
    returned: Vec<(String, FactValue)>,
    limits: &Limits,
) -> Result<Facts, String> {
    if returned.len() > limits.max_facts {
        return Err(format!(
            "returned {} facts, more than its limit of {}",
            returned.len(),
            limits.max_facts
        ));
    }
    let mut facts = Facts::new();
    for (name, value) in returned {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(format!(
                "returned fact `{}` that it did not declare",
                clip(&name)
            ));
        };
        let value = check_value(spec, value, limits)?;
        if facts.insert(name, value).is_some() {
            return Err(format!("returned fact `{}` more than once", spec.name));
        }
    }
    let missing: Vec<&str> = specs
        .iter()
        .filter(|s| !facts.contains_key(&s.name))
        .map(|s| s.name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "did not return declared fact(s) `{}`",
            missing.join("`, `")
        ));
    }
    Ok(facts)
}

fn check_value(spec: &FactSpec, value: FactValue, limits: &Limits) -> Result<FactValue, String> {
    let mismatch = |got: &str| {
        format!(
            "returned fact `{}` as {got}, but declared it as {}",
            spec.name,
            spec.ty.cedar()
        )
    };
    let long_string = |s: &str| {
        (s.len() > limits.max_string_bytes).then(|| {
            format!(
                "returned fact `{}` with a {} byte string, more than its limit of {}",
                spec.name,
                s.len(),
                limits.max_string_bytes
            )
        })
    };
    match (spec.ty, value) {
        (FactType::Bool, v @ FactValue::Bool(_)) | (FactType::Long, v @ FactValue::Long(_)) => {
            Ok(v)
        }
        (FactType::String, FactValue::String(s)) => match long_string(&s) {
            Some(e) => Err(e),
            None => Ok(FactValue::String(s)),
        },
        (FactType::Decimal, FactValue::String(s)) => match canonical_decimal(&s) {
            Some(d) => Ok(FactValue::String(d)),
            None => Err(format!(
                "returned fact `{}` = `{}`, which is not a Cedar decimal (e.g. `87.5`, at most 4 fractional digits)",
                spec.name,
                clip(&s)
            )),
        },
        (FactType::SetOfString, FactValue::Set(set)) => {
            if set.len() > limits.max_set_entries {
                return Err(format!(
                    "returned fact `{}` with {} entries, more than its limit of {}",
                    spec.name,
                    set.len(),
                    limits.max_set_entries
                ));
            }
            match set.iter().find_map(|s| long_string(s)) {
                Some(e) => Err(e),
                None => Ok(FactValue::Set(set)),
            }
        }
        (_, FactValue::Bool(_)) => Err(mismatch("Bool")),
        (_, FactValue::Long(_)) => Err(mismatch("Long")),
        (_, FactValue::String(_)) => Err(mismatch("String or decimal")),
        (_, FactValue::Set(_)) => Err(mismatch("Set<String>")),
    }
}

/// `-?digits(.digits{1,4})?` within Cedar's decimal range, as `-?d+.d{1,4}`.
fn canonical_decimal(s: &str) -> Option<String> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || frac.len() > 4 || int.len() > 15 {
        return None;
    }
    // Cedar decimals are i64 with 4 fractional digits: |int| <= 922337203685477.
    let magnitude: u64 = int.parse().ok()?;
    if magnitude > 922_337_203_685_476 {
        return None;
    }
    let sign = if s.starts_with('-') { "-" } else { "" };
    Some(format!("{sign}{int}.{frac}"))
}

/// At most 64 characters of an untrusted string, for error messages.
pub fn clip(s: &str) -> String {
    stagegate_text::shorten(s, 64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, ty: FactType) -> FactSpec {
        FactSpec {
            name: name.into(),
            ty,
            doc: String::new(),
        }
    }

    #[test]
    fn accepts_exact_schema() {
        let specs = [
            spec("total", FactType::Long),
            spec("rate", FactType::Decimal),
        ];
        let facts = check_facts(
            &specs,
            vec![
                ("total".into(), FactValue::Long(3)),
                ("rate".into(), FactValue::String("87".into())),
            ],
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(facts["rate"], FactValue::String("87.0".into()));
    }

    #[test]
    fn rejects_violations() {
        let specs = [spec("total", FactType::Long)];
        let limits = Limits::default();
        let cases: Vec<(Vec<(String, FactValue)>, &str)> = vec![
            (vec![], "did not return declared fact(s) `total`"),
            (
                vec![("total".into(), FactValue::String("3".into()))],
                "as String or decimal, but declared it as Long",
            ),
            (
                vec![
                    ("total".into(), FactValue::Long(1)),
                    ("total".into(), FactValue::Long(2)),
                ],
                "more than once",
            ),
            (
                vec![
                    ("total".into(), FactValue::Long(1)),
                    ("extra".into(), FactValue::Long(2)),
                ],
                "did not declare",
            ),
        ];
        for (returned, expected) in cases {
            let err = check_facts(&specs, returned, &limits).unwrap_err();
            assert!(err.contains(expected), "{err} vs {expected}");
        }
    }

    #[test]
    fn decimals_are_checked() {
        assert_eq!(canonical_decimal("-1.25").as_deref(), Some("-1.25"));
        assert_eq!(canonical_decimal("1.23456"), None);
        assert_eq!(canonical_decimal("abc"), None);
        assert_eq!(canonical_decimal("1e5"), None);
        assert_eq!(canonical_decimal("99999999999999999.0"), None);
    }

    #[test]
    fn caps_sets_and_strings() {
        let limits = Limits {
            max_set_entries: 2,
            max_string_bytes: 4,
            ..Limits::default()
        };
        let specs = [spec("names", FactType::SetOfString)];
        let set = |v: &[&str]| FactValue::Set(v.iter().map(|s| s.to_string()).collect());
        assert!(
            check_facts(
                &specs,
                vec![("names".into(), set(&["a", "b", "c"]))],
                &limits
            )
            .is_err()
        );
        assert!(check_facts(&specs, vec![("names".into(), set(&["toolong"]))], &limits).is_err());
        assert!(check_facts(&specs, vec![("names".into(), set(&["ok"]))], &limits).is_ok());
    }
}
