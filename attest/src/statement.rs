//! The in-toto Statement v1: what is attested (subjects by digest) and the predicate.
//!
//! One set of rules serves both ways: a statement that breaks them is not signed, and a
//! verified payload that breaks them is refused. The JSON this module writes is compact,
//! with fields in the spec's order and maps sorted, so a statement has one encoding.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{AttestError, shown};
use crate::{PREDICATE_TYPE, STATEMENT_TYPE};

/// One thing the statement is about, named and identified by its digests
/// (`{"sha256": "<hex>"}`, `{"gitCommit": "<sha>"}`, …).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Subject {
    /// The subject's name (for stagegate: `commit` or a bundle-relative path).
    pub name: String,
    /// Algorithm → lowercase hex digest; at least one.
    pub digest: BTreeMap<String, String>,
}

/// An in-toto Statement v1 (`_type` is [`STATEMENT_TYPE`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// What is attested; at least one.
    pub subjects: Vec<Subject>,
    /// What kind of predicate follows (for stagegate: [`PREDICATE_TYPE`]).
    pub predicate_type: String,
    /// The predicate, a JSON object.
    pub predicate: Value,
}

/// The statement as it is written: field names and order of the spec.
#[derive(Serialize)]
struct StatementJson<'a> {
    #[serde(rename = "_type")]
    type_: &'a str,
    subject: &'a [Subject],
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
    predicate: &'a Value,
}

impl Statement {
    /// A stagegate decision statement: `subjects` (see [`crate::decision_subjects`]) and
    /// `predicate` under [`PREDICATE_TYPE`].
    pub fn decision(subjects: Vec<Subject>, predicate: Value) -> Statement {
        Statement {
            subjects,
            predicate_type: PREDICATE_TYPE.to_owned(),
            predicate,
        }
    }

    /// The statement's JSON bytes (compact, deterministic): the payload [`crate::sign`]
    /// signs. Refuses a statement that [`Statement::from_json`] would refuse.
    pub fn to_json(&self) -> Result<Vec<u8>, AttestError> {
        self.check()
            .map_err(|what| AttestError::InvalidStatement { what })?;
        let predicate = sorted(self.predicate.clone());
        serde_json::to_vec(&StatementJson {
            type_: STATEMENT_TYPE,
            subject: &self.subjects,
            predicate_type: &self.predicate_type,
            predicate: &predicate,
        })
        .map_err(|e| AttestError::InvalidStatement {
            what: e.to_string(),
        })
    }

    /// Parses a Statement v1: `_type` is [`STATEMENT_TYPE`], `subject` a non-empty list of
    /// objects with a `name` string and a non-empty `digest` object of strings,
    /// `predicateType` a non-empty string, `predicate` an object. Other fields (a subject's
    /// `uri` or `annotations`, say) are allowed and not kept.
    pub fn from_json(bytes: &[u8]) -> Result<Statement, AttestError> {
        let not = |what: String| AttestError::NotAStatement { what };
        let value: Value = serde_json::from_slice(bytes).map_err(|e| not(e.to_string()))?;
        let Some(object) = value.as_object() else {
            return Err(not("not a JSON object".to_owned()));
        };
        let field = |name: &str| {
            object
                .get(name)
                .ok_or_else(|| not(format!("missing `{name}`")))
        };
        match field("_type")?.as_str() {
            Some(STATEMENT_TYPE) => {}
            Some(other) => {
                return Err(not(format!(
                    "`_type` is `{}`, not `{STATEMENT_TYPE}`",
                    shown(other, 80)
                )));
            }
            None => return Err(not("`_type` is not a string".to_owned())),
        }
        let Some(list) = field("subject")?.as_array() else {
            return Err(not("`subject` is not a list".to_owned()));
        };
        let subjects = list
            .iter()
            .enumerate()
            .map(|(index, subject)| {
                Subject::deserialize(subject).map_err(|e| {
                    not(format!(
                        "`subject[{index}]` is not an object with `name` and `digest` strings: {e}"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let Some(predicate_type) = field("predicateType")?.as_str() else {
            return Err(not("`predicateType` is not a string".to_owned()));
        };
        let statement = Statement {
            subjects,
            predicate_type: predicate_type.to_owned(),
            predicate: field("predicate")?.clone(),
        };
        statement.check().map_err(not)?;
        Ok(statement)
    }

    /// The rules both ways share, as the broken rule.
    fn check(&self) -> Result<(), String> {
        if self.subjects.is_empty() {
            return Err("`subject` is empty".to_owned());
        }
        if let Some(index) = self.subjects.iter().position(|s| s.digest.is_empty()) {
            return Err(format!("`subject[{index}].digest` is empty"));
        }
        if self.predicate_type.is_empty() {
            return Err("`predicateType` is empty".to_owned());
        }
        if !self.predicate.is_object() {
            return Err("`predicate` is not an object".to_owned());
        }
        Ok(())
    }
}

/// `value` with every object's keys in sorted order, whichever map order
/// `serde_json` was built with (another crate in the build may turn on its
/// `preserve_order`): the same statement always signs to the same bytes.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn statement() -> Statement {
        Statement::decision(
            vec![Subject {
                name: "commit".to_owned(),
                digest: BTreeMap::from([("gitCommit".to_owned(), "abc".to_owned())]),
            }],
            json!({"decision": "allow", "b": 1, "a": 2}),
        )
    }

    #[test]
    fn encoding_is_compact_ordered_and_round_trips() {
        let bytes = statement().to_json().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"_type":"{STATEMENT_TYPE}","subject":[{{"name":"commit","digest":{{"gitCommit":"abc"}}}}],"predicateType":"{PREDICATE_TYPE}","predicate":{{"a":2,"b":1,"decision":"allow"}}}}"#
            )
        );
        assert_eq!(Statement::from_json(&bytes).unwrap(), statement());
    }

    #[test]
    fn broken_statements_are_not_signed() {
        let mut empty = statement();
        empty.subjects.clear();
        let mut no_digest = statement();
        no_digest.subjects[0].digest.clear();
        let mut list = statement();
        list.predicate = json!([1]);
        let mut untyped = statement();
        untyped.predicate_type.clear();
        for (broken, what) in [
            (empty, "`subject` is empty"),
            (no_digest, "`subject[0].digest` is empty"),
            (list, "`predicate` is not an object"),
            (untyped, "`predicateType` is empty"),
        ] {
            assert_eq!(
                broken.to_json(),
                Err(AttestError::InvalidStatement {
                    what: what.to_owned()
                })
            );
        }
    }

    #[test]
    fn payloads_that_are_not_statements_say_why() {
        let cases: &[(Value, &str)] = &[
            (json!([]), "not a JSON object"),
            (json!({"subject": []}), "missing `_type`"),
            (
                json!({"_type": "https://in-toto.io/Statement/v0.1"}),
                "`_type` is `https://in-toto.io/Statement/v0.1`, not `https://in-toto.io/Statement/v1`",
            ),
            (json!({"_type": STATEMENT_TYPE}), "missing `subject`"),
            (
                json!({"_type": STATEMENT_TYPE, "subject": {}}),
                "`subject` is not a list",
            ),
            (
                json!({"_type": STATEMENT_TYPE, "subject": [{"digest": {"sha256": "a"}}], "predicateType": "x", "predicate": {}}),
                "`subject[0]` is not an object with `name` and `digest` strings: missing field `name`",
            ),
            (
                json!({"_type": STATEMENT_TYPE, "subject": [{"name": "a", "digest": {"sha256": "a"}}], "predicate": {}}),
                "missing `predicateType`",
            ),
            (
                json!({"_type": STATEMENT_TYPE, "subject": [{"name": "a", "digest": {"sha256": "a"}}], "predicateType": "x"}),
                "missing `predicate`",
            ),
            (
                json!({"_type": STATEMENT_TYPE, "subject": [], "predicateType": "x", "predicate": {}}),
                "`subject` is empty",
            ),
        ];
        for (value, what) in cases {
            let bytes = serde_json::to_vec(value).unwrap();
            assert_eq!(
                Statement::from_json(&bytes),
                Err(AttestError::NotAStatement {
                    what: (*what).to_owned()
                }),
                "{value}"
            );
        }
    }
}
