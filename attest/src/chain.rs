//! The chain check: did the previous stage pass this commit? A pure function over the
//! envelopes a bundle carries, so the gate can ask it before promoting to the next stage.
//!
//! It trusts nothing in an envelope until a trusted key has verified it, and it never
//! decides on anything but a verified stagegate decision for exactly this commit. It
//! does not read files: the caller hands it the bundle's envelopes.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{AttestError, shown};
use crate::statement::Subject;
use crate::{PREDICATE_TYPE, VerifyingKey, verify};

/// How much of a commit a message shows: a SHA-256 object name and then some.
const COMMIT_SHOWN: usize = 72;

/// What the chain check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainOutcome {
    /// An envelope shows that the previous stage passed this commit.
    Passed {
        /// The envelope's bundle-relative path.
        path: String,
        /// The keyid of the trusted key that signed it.
        keyid: String,
    },
    /// No envelope does.
    NotPassed {
        /// One sentence for the report, naming each envelope and what was wrong with it.
        why: String,
    },
}

/// The subjects of a decision attestation: `{"name": "commit", "digest": {"gitCommit":
/// commit}}`, then one `{"name": path, "digest": {"sha256": hex}}` per artifact, in the
/// order given. `artifacts` are (bundle path, hex SHA-256); a leading `sha256:` is dropped.
pub fn decision_subjects(commit: &str, artifacts: &[(String, String)]) -> Vec<Subject> {
    let subject = |name: &str, algorithm: &str, digest: &str| Subject {
        name: name.to_owned(),
        digest: BTreeMap::from([(algorithm.to_owned(), digest.to_owned())]),
    };
    std::iter::once(subject("commit", "gitCommit", commit))
        .chain(artifacts.iter().map(|(path, sha256)| {
            subject(
                path,
                "sha256",
                sha256.strip_prefix("sha256:").unwrap_or(sha256),
            )
        }))
        .collect()
}

/// Among `envelopes` (bundle-relative path, bytes), the first in the order given that
/// verifies under a `trusted` key, has predicateType [`PREDICATE_TYPE`], a subject with
/// digest `{"gitCommit": commit}`, and a predicate with `"change": {"commit": commit}`,
/// `"decision": "allow"`, `"dry_run": false` and `"to": previous_stage`. An empty commit never passes.
///
/// ```
/// use stagegate_attest::{ChainOutcome, check_chain};
///
/// let outcome = check_chain(&[("attest/test.json".to_owned(), b"{}".to_vec())], &[], "0123abcd", "test");
/// let ChainOutcome::NotPassed { why } = outcome else { panic!("passed") };
/// assert!(why.contains("`attest/test.json`: the envelope is not DSSE JSON"), "{why}");
/// ```
pub fn check_chain(
    envelopes: &[(String, Vec<u8>)],
    trusted: &[VerifyingKey],
    commit: &str,
    previous_stage: &str,
) -> ChainOutcome {
    let stage = shown(previous_stage, 40);
    if commit.is_empty() {
        return ChainOutcome::NotPassed {
            why: format!(
                "there is no commit to check `{stage}` for (an empty commit never passes)"
            ),
        };
    }
    if envelopes.is_empty() {
        return ChainOutcome::NotPassed {
            why: format!(
                "no decision attestation shows that `{stage}` passed commit `{}`: the bundle has none",
                shown(commit, COMMIT_SHOWN)
            ),
        };
    }
    let mut reasons = Vec::new();
    for (path, bytes) in envelopes {
        match judge(bytes, trusted, commit, previous_stage) {
            Ok(keyid) => {
                return ChainOutcome::Passed {
                    path: path.clone(),
                    keyid,
                };
            }
            Err(reason) => reasons.push(format!("`{}`: {reason}", shown(path, 200))),
        }
    }
    ChainOutcome::NotPassed {
        why: format!(
            "no decision attestation shows that `{stage}` passed commit `{}`: {}",
            shown(commit, COMMIT_SHOWN),
            reasons.join("; ")
        ),
    }
}

/// The keyid that signed `bytes` if it is an allow of `previous_stage` for `commit`, else
/// what is wrong with it, in a few words.
fn judge(
    bytes: &[u8],
    trusted: &[VerifyingKey],
    commit: &str,
    previous_stage: &str,
) -> Result<String, String> {
    let verified = verify(bytes, trusted).map_err(|e| match e {
        AttestError::BadSignature { .. } => "bad signature".to_owned(),
        other => other.to_string(),
    })?;
    let statement = &verified.statement;
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(format!(
            "predicate type `{}` is not a stagegate decision",
            shown(&statement.predicate_type, 80)
        ));
    }
    let commits: Vec<&str> = statement
        .subjects
        .iter()
        .filter_map(|s| s.digest.get("gitCommit").map(String::as_str))
        .collect();
    if !commits.contains(&commit) {
        return Err(match commits.first() {
            Some(other) => format!("attests other commit `{}`", shown(other, COMMIT_SHOWN)),
            None => "names no commit among its subjects".to_owned(),
        });
    }
    let predicate = &statement.predicate;
    let change = text(predicate.get("change").and_then(|c| c.get("commit")));
    if change != Some(commit) {
        return Err(match change {
            Some(other) => format!(
                "its predicate is about other commit `{}`",
                shown(other, COMMIT_SHOWN)
            ),
            None => "its predicate names no `change.commit`".to_owned(),
        });
    }
    match text(predicate.get("decision")) {
        Some("allow") => {}
        Some(other) => return Err(format!("decision `{}`", shown(other, 40))),
        None => return Err("its predicate has no `decision`".to_owned()),
    }
    // A dry run decides the same way but promotes nothing.
    if predicate.get("dry_run") != Some(&Value::Bool(false)) {
        return Err("it records a dry run (or does not say it was not one)".to_owned());
    }
    match text(predicate.get("to")) {
        Some(to) if to == previous_stage => Ok(verified.keyid),
        Some(to) => Err(format!(
            "allowed promotion to other stage `{}`, not `{}`",
            shown(to, 40),
            shown(previous_stage, 40)
        )),
        None => Err("its predicate has no `to` stage".to_owned()),
    }
}

/// A string member of a JSON value, if it is one.
fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_commit_first_and_prefix_dropped() {
        let subjects = decision_subjects(
            "abc",
            &[
                ("b.xml".to_owned(), "sha256:00ff".to_owned()),
                ("a.xml".to_owned(), "11ee".to_owned()),
            ],
        );
        let flat: Vec<(&str, Vec<(&str, &str)>)> = subjects
            .iter()
            .map(|s| {
                let digest = s.digest.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                (s.name.as_str(), digest.collect())
            })
            .collect();
        assert_eq!(
            flat,
            [
                ("commit", vec![("gitCommit", "abc")]),
                ("b.xml", vec![("sha256", "00ff")]),
                ("a.xml", vec![("sha256", "11ee")]),
            ]
        );
    }

    #[test]
    fn empty_commit_and_no_envelopes_never_pass() {
        let none = check_chain(&[], &[], "abc", "test");
        assert!(matches!(none, ChainOutcome::NotPassed { why } if why.contains("has none")));
        let empty = check_chain(&[("a".to_owned(), Vec::new())], &[], "", "test");
        assert!(matches!(empty, ChainOutcome::NotPassed { why } if why.contains("empty commit")));
    }
}
