//! Enforcement levels and waivers applied to a decision. Cedar decides with
//! every policy; a forbid that fired then counts as blocking, `advisory` (its
//! level at the target stage) or `waived` (a waiver in scope and in time),
//! and only blocking forbids deny. Evaluation errors deny whatever the level:
//! a policy that cannot be evaluated is never waved through.

use chrono::NaiveDate;
use serde::Serialize;

use crate::config::{Enforcement, Level, Waiver, latest_expiry, window_state};

/// How policies are rolled out and excepted.
#[derive(Debug, Clone, Default)]
pub struct Rollout {
    /// Levels other than mandatory.
    pub enforcement: Vec<Enforcement>,
    /// Waivers, in file order.
    pub waivers: Vec<Waiver>,
    /// Where the waivers came from, for messages.
    pub waivers_file: String,
    /// The configuration file, for messages.
    pub config_file: String,
    /// How many days ahead a waiver may expire.
    pub max_waiver_days: u32,
}

/// What a waiver did in one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverState {
    /// In scope and in time, and it lifted its policy's forbid.
    Applied,
    /// Past its `expires` day: ignored.
    Expired,
    /// Before its `starts` day: ignored.
    NotYetValid,
    /// Another stage, branch or commit.
    OutOfScope,
    /// In scope and in time, but its policy did not deny.
    Unused,
}

impl WaiverState {
    /// The state as reported.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Applied => "applied",
            WaiverState::Expired => "expired",
            WaiverState::NotYetValid => "not-yet-valid",
            WaiverState::OutOfScope => "out-of-scope",
            WaiverState::Unused => "unused",
        }
    }
}

/// A waiver as reported with one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverStatus {
    /// The waiver's id.
    pub id: String,
    /// The policy it names.
    pub policy: String,
    /// What it did.
    pub status: WaiverState,
    /// Its last day, `YYYY-MM-DD`.
    pub expires: String,
    /// Who accepted the risk.
    pub approver: String,
    /// The ticket tracking it.
    pub ticket: String,
    /// Why.
    pub reason: String,
}

/// A plugin's exception as reported with one decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionStatus {
    /// The plugin that applies it.
    pub plugin: String,
    /// The exception's id.
    pub id: String,
    /// What it matches (a fingerprint, a vulnerability id).
    #[serde(rename = "match")]
    pub matches: String,
    /// `active`, `expired` or `not-yet-valid`.
    pub status: &'static str,
    /// Its last day, `YYYY-MM-DD`.
    pub expires: String,
    /// Who accepted the risk.
    pub approver: String,
    /// The ticket tracking it.
    pub ticket: String,
    /// Why.
    pub reason: String,
}

/// What lifts a forbid that fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lift {
    /// Advisory at this stage.
    Advisory,
    /// Waived by the waiver at this index of [`Rollout::waivers`].
    Waived(usize),
}

/// The change and day a decision is made for.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Target stage.
    pub stage: &'a str,
    /// The change's branch.
    pub branch: &'a str,
    /// The change's commit.
    pub commit: &'a str,
    /// Today.
    pub today: NaiveDate,
}

impl Rollout {
    /// The level of `policy` at `stage`.
    pub fn level(&self, policy: &str, stage: &str) -> Level {
        self.enforcement
            .iter()
            .find(|e| e.policy == policy && e.stages.contains(stage))
            .map_or(Level::Mandatory, |e| e.level)
    }

    fn in_time(waiver: &Waiver, today: NaiveDate) -> bool {
        window_state(waiver.starts, waiver.expires, today) == "active"
    }

    /// What lifts the fired forbid `policy`, if anything: its advisory
    /// level, else the first waiver in scope and in time.
    pub fn lift(&self, policy: &str, scope: &Scope<'_>) -> Option<Lift> {
        match self.level(policy, scope.stage) {
            Level::Advisory => Some(Lift::Advisory),
            Level::Hard => None,
            Level::Mandatory => self
                .waivers
                .iter()
                .position(|w| {
                    w.policy == policy
                        && Self::in_time(w, scope.today)
                        && w.in_scope(scope.stage, scope.branch, scope.commit)
                })
                .map(Lift::Waived),
        }
    }

    /// Every waiver's status, given the waivers that lifted a forbid.
    pub fn statuses(&self, scope: &Scope<'_>, applied: &[usize]) -> Vec<WaiverStatus> {
        self.waivers
            .iter()
            .enumerate()
            .map(|(index, w)| {
                let status = match window_state(w.starts, w.expires, scope.today) {
                    "expired" => WaiverState::Expired,
                    "not-yet-valid" => WaiverState::NotYetValid,
                    _ if !w.in_scope(scope.stage, scope.branch, scope.commit) => {
                        WaiverState::OutOfScope
                    }
                    _ if applied.contains(&index) => WaiverState::Applied,
                    _ => WaiverState::Unused,
                };
                WaiverStatus {
                    id: w.id.clone(),
                    policy: w.policy.clone(),
                    status,
                    expires: w.expires.format("%Y-%m-%d").to_string(),
                    approver: w.approver.clone(),
                    ticket: w.ticket.clone(),
                    reason: w.reason.clone(),
                }
            })
            .collect()
    }

    /// Checks the entries against the loaded policy ids: each names a policy
    /// that exists and is not host-enforced, and no waiver names a policy
    /// that is hard where the waiver applies.
    pub fn check_names(
        &self,
        ids: &[&str],
        host: &[&str],
        stages: &[String],
    ) -> Result<(), String> {
        let known = |policy: &str, what: &str| -> Result<(), String> {
            if host.contains(&policy) {
                return Err(format!(
                    "{what} names `{policy}`, a host-enforced gate: it is always hard; \
                     change `[evidence]` or `allow_stage_skipping` instead"
                ));
            }
            if ids.contains(&policy) {
                return Ok(());
            }
            let hint = super::closest(policy, ids.iter().copied())
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            Err(format!(
                "{what} names policy `{policy}`, which no policy file defines{hint}"
            ))
        };
        for entry in &self.enforcement {
            known(&entry.policy, "`[[enforcement]]`")?;
        }
        for waiver in &self.waivers {
            let what = format!("waiver `{}` in `{}`", waiver.id, self.waivers_file);
            known(&waiver.policy, &what)?;
            if let Some(hard) = self.enforcement.iter().find(|e| {
                e.policy == waiver.policy
                    && e.level == Level::Hard
                    && e.stages.overlaps(&waiver.stages, stages)
            }) {
                return Err(format!(
                    "{what} names `{}`, which is hard{}: no waiver can lift it",
                    hard.policy,
                    hard.stages
                        .stages()
                        .map(|s| format!(" at {}", s.join(", ")))
                        .unwrap_or_default()
                ));
            }
        }
        Ok(())
    }

    /// What `validate` warns about: expired waivers, and entries whose
    /// stages no promotion reaches (only the first).
    pub fn warnings(&self, stages: &[String], today: NaiveDate) -> Vec<String> {
        let mut warnings = Vec::new();
        let first_only = |scope: &crate::config::StageScope| {
            scope
                .stages()
                .is_some_and(|s| s.iter().all(|x| Some(x) == stages.first()))
        };
        for w in &self.waivers {
            if window_state(w.starts, w.expires, today) == "expired" {
                warnings.push(format!(
                    "waiver `{}` in `{}` expired on {}: remove it or renew it",
                    w.id, self.waivers_file, w.expires
                ));
            }
            if first_only(&w.stages) {
                warnings.push(format!(
                    "waiver `{}` in `{}` applies only to the first stage, which no promotion reaches",
                    w.id, self.waivers_file
                ));
            }
        }
        for e in &self.enforcement {
            if first_only(&e.stages) {
                warnings.push(format!(
                    "`[[enforcement]]` for `{}` applies only to the first stage, which no promotion reaches",
                    e.policy
                ));
            }
        }
        warnings
    }

    /// Checks that no waiver expires more than `max_waiver_days` after `today`.
    pub fn check_window(&self, today: NaiveDate) -> Result<(), String> {
        let limit = latest_expiry(today, self.max_waiver_days);
        match self.waivers.iter().find(|w| w.expires > limit) {
            Some(w) => Err(format!(
                "waiver `{}` in `{}` expires {}, more than {} days after {today} (`max_waiver_days`): \
                 a waiver is a bounded exception; renew it when it runs out",
                w.id, self.waivers_file, w.expires, self.max_waiver_days
            )),
            None => Ok(()),
        }
    }
}
