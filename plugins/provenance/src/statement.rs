//! What an in-toto statement claims: its subjects, and, for SLSA provenance, who built them
//! from what.
//!
//! Reads Statement v1 (`https://in-toto.io/Statement/v1`) and the legacy v0.1
//! (`https://in-toto.io/Statement/v0.1`, which SLSA v0.2 provenance uses), and the SLSA
//! provenance predicates v0.2 and v1 (see [`crate::slsa`]). Nothing here is authenticated:
//! the caller decides, from the envelope's signature, whether a claim counts. Input is
//! bounded ([`MAX_SUBJECTS`]) and read without building a JSON tree.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::bounded::{Bounded, Digests};
use crate::slsa::{self, SlsaVersion};
use stagegate_sdk::text::shorten;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of the legacy in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// Most subjects read from one statement; a statement with more is refused.
pub const MAX_SUBJECTS: usize = 10_000;

/// One subject: a name and its SHA-256, if it gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The subject's `name` (empty when none is given).
    pub name: String,
    /// The lowercase hex `digest.sha256`.
    pub sha256: Option<String>,
    /// The other digest algorithms it names.
    pub others: Vec<String>,
}

/// A statement whose predicate is SLSA provenance, as claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// `true` for Statement v0.1.
    pub legacy_statement: bool,
    /// The provenance version.
    pub version: SlsaVersion,
    /// Its subjects (at least one).
    pub subjects: Vec<Subject>,
    /// The builder id.
    pub builder: Option<String>,
    /// The source repository, normalised (see [`slsa::normalise_source`]).
    pub source: Option<String>,
}

/// What a statement's payload turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// SLSA provenance of a version this plugin reads.
    Provenance(Provenance),
    /// A statement of another predicate type (SPDX, vulnerability scan, a gate decision…):
    /// not judged here.
    Other {
        /// Its predicate type, shortened.
        predicate_type: String,
    },
}

#[derive(Deserialize)]
struct StatementIn<'a> {
    #[serde(rename = "_type")]
    type_: Option<String>,
    subject: Option<Bounded<SubjectIn, MAX_SUBJECTS>>,
    #[serde(rename = "predicateType")]
    predicate_type: Option<String>,
    #[serde(borrow)]
    predicate: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct SubjectIn {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    digest: Option<Digests>,
}

/// Reads a statement's JSON bytes. The error says, in one phrase, why they are not an
/// in-toto statement of SLSA provenance this plugin reads.
pub fn parse(bytes: &[u8]) -> Result<Claim, String> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err("not an in-toto statement: not a JSON object".to_owned());
    }
    let statement: StatementIn<'_> = serde_json::from_slice(bytes)
        .map_err(|e| format!("not an in-toto statement: {}", shorten(&e.to_string(), 200)))?;
    let legacy_statement = match statement.type_.as_deref() {
        Some(STATEMENT_V1) => false,
        Some(STATEMENT_V01) => true,
        Some(other) => {
            return Err(format!(
                "`_type` is `{}`, not an in-toto statement (v1 or v0.1)",
                shorten(other, 80)
            ));
        }
        None => return Err("not an in-toto statement: no `_type`".to_owned()),
    };
    let Some(predicate_type) = statement.predicate_type else {
        return Err("the statement has no `predicateType`".to_owned());
    };
    let Some(version) = SlsaVersion::of(&predicate_type) else {
        if predicate_type.starts_with(slsa::PROVENANCE_PREFIX) {
            return Err(format!(
                "predicate type `{}` is a SLSA provenance version this plugin does not read \
                 (it reads {} and {})",
                shorten(&predicate_type, 80),
                slsa::PROVENANCE_V02,
                slsa::PROVENANCE_V1
            ));
        }
        return Ok(Claim::Other {
            predicate_type: shorten(&predicate_type, 80),
        });
    };
    let subjects = statement.subject.unwrap_or_default();
    if subjects.total > MAX_SUBJECTS {
        return Err(format!(
            "the statement has {} subjects, more than the {MAX_SUBJECTS} this plugin reads",
            subjects.total
        ));
    }
    if subjects.items.is_empty() {
        return Err("the statement has no subject".to_owned());
    }
    let Some(predicate) = statement.predicate else {
        return Err("the statement has no `predicate`".to_owned());
    };
    let build = slsa::parse(version, predicate.get()).map_err(|e| {
        format!(
            "the {} predicate is malformed: {}",
            version.name(),
            shorten(&e, 200)
        )
    })?;
    Ok(Claim::Provenance(Provenance {
        legacy_statement,
        version,
        subjects: subjects
            .items
            .into_iter()
            .map(|s| {
                let digest = s.digest.unwrap_or_default();
                Subject {
                    name: s.name.unwrap_or_default(),
                    sha256: digest.sha256,
                    others: digest.others,
                }
            })
            .collect(),
        builder: build.builder,
        source: build.source,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(kind: &str, predicate_type: &str, predicate: &str) -> String {
        format!(
            r#"{{"_type":"{kind}","subject":[{{"name":"app","digest":{{"sha256":"AB"}}}}],"predicateType":"{predicate_type}","predicate":{predicate}}}"#
        )
    }

    #[test]
    fn v1_provenance_in_a_v1_statement() {
        let text = statement(
            STATEMENT_V1,
            slsa::PROVENANCE_V1,
            r#"{"buildDefinition":{"externalParameters":{"workflow":{"repository":"https://github.com/acme/shop"}}},"runDetails":{"builder":{"id":"https://ci/b"}}}"#,
        );
        let Claim::Provenance(p) = parse(text.as_bytes()).unwrap() else {
            panic!("not provenance")
        };
        assert!(!p.legacy_statement);
        assert_eq!(p.version, SlsaVersion::V1);
        assert_eq!(
            p.subjects,
            [Subject {
                name: "app".into(),
                sha256: Some("ab".into()),
                others: vec![]
            }]
        );
        assert_eq!(p.builder.as_deref(), Some("https://ci/b"));
        assert_eq!(p.source.as_deref(), Some("https://github.com/acme/shop"));
    }

    #[test]
    fn v02_provenance_in_a_legacy_statement() {
        let text = statement(
            STATEMENT_V01,
            slsa::PROVENANCE_V02,
            r#"{"builder":{"id":"https://ci/b"},"invocation":{"configSource":{"uri":"git+https://github.com/acme/shop@refs/heads/main"}}}"#,
        );
        let Claim::Provenance(p) = parse(text.as_bytes()).unwrap() else {
            panic!("not provenance")
        };
        assert!(p.legacy_statement);
        assert_eq!(p.version, SlsaVersion::V02);
        assert_eq!(p.source.as_deref(), Some("https://github.com/acme/shop"));
    }

    #[test]
    fn other_predicates_are_named_not_judged() {
        let text = statement(STATEMENT_V1, "https://spdx.dev/Document", "[]");
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            Claim::Other {
                predicate_type: "https://spdx.dev/Document".into()
            }
        );
    }

    #[test]
    fn what_is_wrong_is_said() {
        let cases: &[(String, &str)] = &[
            ("[]".into(), "not an in-toto statement: not a JSON object"),
            ("{".into(), "not an in-toto statement: EOF"),
            ("{}".into(), "not an in-toto statement: no `_type`"),
            (
                statement("https://in-toto.io/Statement/v9", slsa::PROVENANCE_V1, "{}"),
                "`_type` is `https://in-toto.io/Statement/v9`, not an in-toto statement",
            ),
            (
                statement(STATEMENT_V1, "https://slsa.dev/provenance/v1.0", "{}"),
                "predicate type `https://slsa.dev/provenance/v1.0` is a SLSA provenance version this plugin does not read",
            ),
            (
                format!(
                    r#"{{"_type":"{STATEMENT_V1}","subject":[],"predicateType":"{}","predicate":{{}}}}"#,
                    slsa::PROVENANCE_V1
                ),
                "the statement has no subject",
            ),
            (
                format!(
                    r#"{{"_type":"{STATEMENT_V1}","subject":[{{"digest":{{}}}}],"predicateType":"{}"}}"#,
                    slsa::PROVENANCE_V1
                ),
                "the statement has no `predicate`",
            ),
            (
                statement(STATEMENT_V1, slsa::PROVENANCE_V1, r#"{"runDetails":"x"}"#),
                "the SLSA v1 predicate is malformed: invalid type",
            ),
            (
                format!(r#"{{"_type":"{STATEMENT_V1}","subject":[{{"digest":{{"sha256":1}}}}]}}"#),
                "not an in-toto statement: invalid type: integer",
            ),
        ];
        for (text, why) in cases {
            let err = parse(text.as_bytes()).unwrap_err();
            assert!(err.starts_with(why), "{text}: {err}");
        }
    }

    #[test]
    fn subjects_are_bounded() {
        let subjects = vec![r#"{"name":"a","digest":{"sha256":"00"}}"#; MAX_SUBJECTS + 1].join(",");
        let text = format!(
            r#"{{"_type":"{STATEMENT_V1}","subject":[{subjects}],"predicateType":"{}","predicate":{{}}}}"#,
            slsa::PROVENANCE_V1
        );
        assert_eq!(
            parse(text.as_bytes()).unwrap_err(),
            format!(
                "the statement has {} subjects, more than the {MAX_SUBJECTS} this plugin reads",
                MAX_SUBJECTS + 1
            )
        );
    }

    #[test]
    fn deep_nesting_is_skipped_or_refused_never_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        // In a field that is not read: skipped without recursion.
        let text = statement(
            STATEMENT_V1,
            slsa::PROVENANCE_V1,
            &format!(r#"{{"x":{deep}}}"#),
        );
        assert!(matches!(parse(text.as_bytes()), Ok(Claim::Provenance(_))));
        // Where a value is read: refused at once.
        let text = format!(
            r#"{{"_type":"{STATEMENT_V1}","subject":{deep},"predicateType":"{}","predicate":{{}}}}"#,
            slsa::PROVENANCE_V1
        );
        assert!(
            parse(text.as_bytes())
                .unwrap_err()
                .starts_with("not an in-toto statement: invalid type")
        );
        let text = format!(
            r#"{{"_type":{}1{}}}"#,
            "{\"a\":".repeat(100_000),
            "}".repeat(100_000)
        );
        assert!(
            parse(text.as_bytes())
                .unwrap_err()
                .contains("not an in-toto statement")
        );
    }
}
