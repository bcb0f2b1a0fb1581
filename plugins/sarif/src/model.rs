//! The few SARIF 2.1.0 objects the plugin reads, as typed serde structs.
//!
//! Only the fields needed for counting and locating results are declared; serde skips every
//! other field without building it. Arrays that could be long but of which only a prefix
//! matters (`locations`, message `arguments`, `suppressions`) are folded while they stream
//! by ([`FirstN`], [`Suppressions`]), so a result costs memory for what is kept, not for
//! what it holds. A field with the wrong JSON type is an error, as the schema requires.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `run.tool`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Tool {
    pub driver: Option<ToolComponent>,
    pub extensions: Option<Vec<ToolComponent>>,
}

/// `tool.driver` or one of `tool.extensions`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolComponent {
    pub name: Option<String>,
    pub rules: Option<Vec<ReportingDescriptor>>,
}

/// A rule (`reportingDescriptor`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReportingDescriptor {
    pub id: Option<String>,
    pub default_configuration: Option<Configuration>,
    pub properties: Option<Properties>,
    pub message_strings: Option<BTreeMap<String, MessageString>>,
}

/// `reportingDescriptor.defaultConfiguration`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Configuration {
    pub level: Option<String>,
}

/// One entry of `reportingDescriptor.messageStrings`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct MessageString {
    pub text: Option<String>,
}

/// A property bag; only `security-severity` matters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Properties {
    #[serde(rename = "security-severity")]
    pub security_severity: Option<Score>,
}

/// A `security-severity` value: a number or a numeric string; anything else reads as absent.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Score(pub Option<f64>);

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScoreVisitor;
        impl<'de> Visitor<'de> for ScoreVisitor {
            type Value = Score;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a security-severity score")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Score, E> {
                Ok(Score(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Score, E> {
                Ok(Score(Some(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Score, E> {
                Ok(Score(Some(v as f64)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Score, E> {
                Ok(Score(v.trim().parse().ok()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Score, E> {
                Ok(Score(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Score, E> {
                Ok(Score(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Score, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Score(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Score, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Score(None))
            }
        }
        deserializer.deserialize_any(ScoreVisitor)
    }
}

/// A `result`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SarifResult {
    pub rule_id: Option<String>,
    pub rule_index: Option<i64>,
    pub rule: Option<RuleReference>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub message: Option<Message>,
    pub locations: Option<FirstN<Location, 1>>,
    pub suppressions: Option<Suppressions>,
    pub baseline_state: Option<String>,
    pub properties: Option<Properties>,
    pub provenance: Option<Provenance>,
}

/// `result.provenance`; only the invocation the result came from matters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Provenance {
    pub invocation_index: Option<i64>,
}

/// One of `run.invocations`; only its rule configuration overrides matter (§3.20.5).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Invocation {
    pub rule_configuration_overrides: Option<Vec<ConfigurationOverride>>,
}

/// `invocation.ruleConfigurationOverrides[]`: a rule and the configuration it ran with.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigurationOverride {
    pub descriptor: Option<RuleReference>,
    pub configuration: Option<Configuration>,
}

/// `result.rule` (a `reportingDescriptorReference`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RuleReference {
    pub id: Option<String>,
    pub index: Option<i64>,
    pub tool_component: Option<ToolComponentReference>,
}

/// `reportingDescriptorReference.toolComponent`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ToolComponentReference {
    pub index: Option<i64>,
    pub name: Option<String>,
}

/// `result.message`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Message {
    pub text: Option<String>,
    pub id: Option<String>,
    pub arguments: Option<FirstN<String, 10>>,
}

/// A `location`; only the physical part is read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location {
    pub physical_location: Option<PhysicalLocation>,
}

/// `location.physicalLocation`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhysicalLocation {
    pub artifact_location: Option<ArtifactLocation>,
    pub region: Option<Region>,
}

/// `physicalLocation.artifactLocation`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ArtifactLocation {
    pub uri: Option<String>,
}

/// `physicalLocation.region`; the snippet is deliberately never read (it may hold a secret).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Region {
    pub start_line: Option<i64>,
}

/// The first `N` elements of a JSON array; the rest are skipped without being built.
#[derive(Debug)]
pub(crate) struct FirstN<T, const N: usize>(pub Vec<T>);

impl<T, const N: usize> Default for FirstN<T, N> {
    fn default() -> Self {
        FirstN(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for FirstN<T, N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FirstVisitor<T, const N: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for FirstVisitor<T, N> {
            type Value = FirstN<T, N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut kept = Vec::new();
                while kept.len() < N {
                    match seq.next_element()? {
                        Some(item) => kept.push(item),
                        None => return Ok(FirstN(kept)),
                    }
                }
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstN(kept))
            }
        }
        deserializer.deserialize_seq(FirstVisitor(PhantomData))
    }
}

/// `result.suppressions`, folded to one answer: does any suppression take effect?
///
/// A suppression takes effect when its `status` is `accepted` or absent (SARIF §3.35.3);
/// `underReview` and `rejected` leave the result open. An empty array suppresses nothing.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Suppressions {
    pub effective: bool,
}

/// One `suppression`; only `status` matters.
#[derive(Debug, Default, Deserialize)]
struct Suppression {
    status: Option<String>,
}

impl<'de> Deserialize<'de> for Suppressions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SuppressionsVisitor;
        impl<'de> Visitor<'de> for SuppressionsVisitor {
            type Value = Suppressions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of suppressions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Suppressions, A::Error> {
                let mut effective = false;
                while let Some(suppression) = seq.next_element::<Suppression>()? {
                    effective |= matches!(suppression.status.as_deref(), None | Some("accepted"));
                }
                Ok(Suppressions { effective })
            }
        }
        deserializer.deserialize_seq(SuppressionsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_read_from_numbers_and_strings() {
        let read = |json: &str| serde_json::from_str::<Properties>(json).unwrap();
        assert_eq!(
            read(r#"{"security-severity": "8.8"}"#).security_severity,
            Some(Score(Some(8.8)))
        );
        assert_eq!(
            read(r#"{"security-severity": 5}"#).security_severity,
            Some(Score(Some(5.0)))
        );
        assert_eq!(
            read(r#"{"security-severity": "high"}"#).security_severity,
            Some(Score(None))
        );
        assert_eq!(
            read(r#"{"security-severity": {"a": [1]}}"#).security_severity,
            Some(Score(None))
        );
        assert_eq!(read(r#"{"tags": ["x"]}"#).security_severity, None);
    }

    #[test]
    fn first_n_keeps_a_prefix() {
        let first: FirstN<u32, 2> = serde_json::from_str("[1, 2, 3, {\"x\": [4]}]").unwrap();
        assert_eq!(first.0, vec![1, 2]);
        let first: FirstN<u32, 2> = serde_json::from_str("[]").unwrap();
        assert!(first.0.is_empty());
    }

    #[test]
    fn suppression_status_decides() {
        let read = |json: &str| {
            serde_json::from_str::<Suppressions>(json)
                .unwrap()
                .effective
        };
        assert!(read(r#"[{"kind": "inSource"}]"#));
        assert!(read(r#"[{"kind": "external", "status": "accepted"}]"#));
        assert!(!read(r#"[{"kind": "external", "status": "underReview"}]"#));
        assert!(!read(r#"[{"status": "rejected"}]"#));
        assert!(read(r#"[{"status": "rejected"}, {"status": "accepted"}]"#));
        assert!(!read("[]"));
    }

    #[test]
    fn wrong_types_are_errors() {
        assert!(serde_json::from_str::<SarifResult>(r#"{"level": 3}"#).is_err());
        assert!(serde_json::from_str::<Region>(r#"{"startLine": "12"}"#).is_err());
    }
}
