//! Stage 6: signed decision attestations. A decision becomes an in-toto
//! Statement v1 in a DSSE envelope ([`stagegate_attest`]): its subjects are
//! the change's commit and every artifact's digest, its predicate the
//! [decision record](crate::report::record). A later stage's gate trusts it
//! through `[chain]`; [`check_subjects`] ties one to a bundle.

use std::path::Path;

use stagegate_attest::{SigningKey, Statement};

use crate::bundle::Bundle;
use crate::config::BundleLimits;
use crate::gate::GateReport;
use crate::report::record;

/// Why an attestation could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum AttestationError {
    /// Without a commit there is nothing for a later stage to match.
    #[error(
        "an attestation needs the commit being promoted: pass --commit, or run in a CI that sets one (GITHUB_SHA, CI_COMMIT_SHA, …)"
    )]
    NoCommit,
    /// Signing or verifying failed.
    #[error(transparent)]
    Attest(#[from] stagegate_attest::AttestError),
    /// The bundle to compare the subjects with could not be read.
    #[error("{0}")]
    Bundle(String),
}

/// The signed attestation of `report`'s decision, made at `time`, as the
/// DSSE envelope's JSON text. Dry runs are not attested (the caller refuses
/// them): the predicate says `dry_run: false`.
pub fn attest(
    report: &GateReport,
    key: &SigningKey,
    time: &str,
) -> Result<String, AttestationError> {
    if report.change.commit.is_empty() {
        return Err(AttestationError::NoCommit);
    }
    let artifacts: Vec<(String, String)> = report
        .artifacts
        .iter()
        .map(|a| (a.path.clone(), a.sha256.clone()))
        .collect();
    let predicate = crate::report::text::redact_json(record::record(report, false, time));
    let statement = Statement::decision(
        stagegate_attest::decision_subjects(&report.change.commit, &artifacts),
        predicate,
    );
    Ok(stagegate_attest::sign(&statement, key)?)
}

/// How an attestation's artifact subjects compare with a bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectCheck {
    /// Subjects whose file has the attested digest.
    pub matched: Vec<String>,
    /// Subjects whose file differs: (path, attested, found).
    pub changed: Vec<(String, String, String)>,
    /// Subjects with no file in the bundle.
    pub missing: Vec<String>,
    /// Files of the bundle that no subject names (the attestation itself, say).
    pub unattested: Vec<String>,
}

impl SubjectCheck {
    /// Whether every attested artifact is in the bundle, unchanged.
    pub fn holds(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty()
    }
}

/// Compares the artifact subjects of `statement` (all but the commit) with
/// the files of the bundle at `dir`, read as the gate reads a bundle.
pub fn check_subjects(statement: &Statement, dir: &Path) -> Result<SubjectCheck, AttestationError> {
    let bundle = Bundle::open(dir, &BundleLimits::default(), &[])
        .map_err(|e| AttestationError::Bundle(e.to_string()))?;
    let mut check = SubjectCheck::default();
    let mut named = Vec::new();
    for subject in &statement.subjects {
        let Some(want) = subject.digest.get("sha256") else {
            continue;
        };
        named.push(subject.name.as_str());
        match bundle.artifacts.iter().find(|a| a.path == subject.name) {
            Some(a) if &a.sha256 == want => check.matched.push(subject.name.clone()),
            Some(a) => check
                .changed
                .push((subject.name.clone(), want.clone(), a.sha256.clone())),
            None => check.missing.push(subject.name.clone()),
        }
    }
    check.unattested = bundle
        .artifacts
        .iter()
        .filter(|a| !named.contains(&a.path.as_str()))
        .map(|a| a.path.clone())
        .collect();
    Ok(check)
}
