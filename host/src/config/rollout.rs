//! How policies are rolled out and excepted: enforcement levels
//! (`[[enforcement]]` in `stagegate.toml`) and waivers (`[[waiver]]` in the
//! file `waivers = "…"` names). Parsed and checked for shape here; which
//! policy ids exist, and whether a waiver is in time, is decided once the
//! policies are loaded and "today" is known (see `decision::rollout`).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use globset::{Glob, GlobBuilder};
use serde::Deserialize;

use super::ConfigError;

/// Default for `max_waiver_days`: how far ahead a waiver may expire.
pub const DEFAULT_MAX_WAIVER_DAYS: u32 = 90;

/// Where `today` falls in a validity window from `starts` (if any) through
/// `expires`, both days included: `active`, `expired` or `not-yet-valid`.
pub fn window_state(
    starts: Option<NaiveDate>,
    expires: NaiveDate,
    today: NaiveDate,
) -> &'static str {
    if today > expires {
        "expired"
    } else if starts.is_some_and(|s| today < s) {
        "not-yet-valid"
    } else {
        "active"
    }
}

/// The last expiry day allowed on `today`: `max_days` ahead.
pub fn latest_expiry(today: NaiveDate, max_days: u32) -> NaiveDate {
    today
        .checked_add_days(chrono::Days::new(u64::from(max_days)))
        .unwrap_or(NaiveDate::MAX)
}

/// How much a policy's forbid counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Evaluated and reported, never blocks.
    Advisory,
    /// Blocks; a waiver can lift it (the default).
    Mandatory,
    /// Blocks; no waiver may name it.
    Hard,
}

impl Level {
    /// `advisory`, `mandatory` or `hard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Advisory => "advisory",
            Level::Mandatory => "mandatory",
            Level::Hard => "hard",
        }
    }
}

/// Stage names an entry applies to; `None` is every stage.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StageScope(Option<Vec<String>>);

impl StageScope {
    /// Whether `stage` is in scope.
    pub fn contains(&self, stage: &str) -> bool {
        self.0.as_ref().is_none_or(|s| s.iter().any(|x| x == stage))
    }

    /// Whether some stage is in both scopes.
    pub fn overlaps(&self, other: &StageScope, all: &[String]) -> bool {
        all.iter().any(|s| self.contains(s) && other.contains(s))
    }

    /// The stages named, or `None` for every stage.
    pub fn stages(&self) -> Option<&[String]> {
        self.0.as_deref()
    }
}

/// One `[[enforcement]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enforcement {
    /// The policy's `@id`.
    pub policy: String,
    /// Its level where in scope.
    pub level: Level,
    /// Where the level applies.
    pub stages: StageScope,
}

/// One `[[waiver]]`: lifts one mandatory policy's forbid for changes in its
/// scope, until it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Its id, e.g. a change-request number.
    pub id: String,
    /// The policy it lifts.
    pub policy: String,
    /// Stages it applies to.
    pub stages: StageScope,
    /// Globs over the change's branch (`*` stays within one `/` segment);
    /// empty: any branch.
    pub branches: Vec<Glob>,
    /// Prefixes of the change's commit; empty: any commit.
    pub commits: Vec<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// The ticket tracking it.
    pub ticket: String,
    /// Who accepted it.
    pub approver: String,
    /// The first day it applies, if not at once.
    pub starts: Option<NaiveDate>,
    /// The last day it applies.
    pub expires: NaiveDate,
}

impl Waiver {
    /// Whether the change on `branch` at `commit`, going to `stage`, is in scope.
    pub fn in_scope(&self, stage: &str, branch: &str, commit: &str) -> bool {
        self.stages.contains(stage)
            && (self.branches.is_empty()
                || self
                    .branches
                    .iter()
                    .any(|g| g.compile_matcher().is_match(branch)))
            && (self.commits.is_empty()
                || (!commit.is_empty()
                    && self.commits.iter().any(|p| {
                        commit
                            .get(..p.len())
                            .is_some_and(|c| c.eq_ignore_ascii_case(p))
                    })))
    }
}

/// One `[[plugins.NAME.exceptions]]` entry: a finding the plugin itself
/// stops counting (a `secrets` fingerprint, a `vulns` vulnerability id),
/// with the same attribution and mandatory expiry as a waiver. Only the
/// entries in time reach the plugin, as `exceptions` in its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Its id.
    pub id: String,
    /// What the plugin matches: its own notion (fingerprint, vulnerability id).
    pub matches: String,
    /// Why.
    pub reason: String,
    /// The ticket tracking it.
    pub ticket: String,
    /// Who accepted it.
    pub approver: String,
    /// The first day it applies, if not at once.
    pub starts: Option<NaiveDate>,
    /// The last day it applies.
    pub expires: NaiveDate,
}

impl Exception {
    /// `active`, `expired` or `not-yet-valid` on `today`.
    pub fn state(&self, today: NaiveDate) -> &'static str {
        window_state(self.starts, self.expires, today)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawException {
    id: String,
    #[serde(rename = "match")]
    matches: String,
    reason: String,
    ticket: String,
    approver: String,
    starts: Option<toml::Value>,
    expires: toml::Value,
}

/// Checks the exceptions of plugin `plugin`.
pub(super) fn exceptions(plugin: &str, raw: Vec<RawException>) -> Result<Vec<Exception>, String> {
    let mut out: Vec<Exception> = Vec::with_capacity(raw.len());
    for e in raw {
        let what = format!("plugin `{plugin}`: exception `{}`", e.id);
        if e.id.trim().is_empty() {
            return Err(format!("plugin `{plugin}`: an exception has an empty `id`"));
        }
        if out.iter().any(|x| x.id == e.id) {
            return Err(format!("{what} is listed twice"));
        }
        for (key, value) in [
            ("match", &e.matches),
            ("reason", &e.reason),
            ("ticket", &e.ticket),
            ("approver", &e.approver),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{what}: `{key}` is empty"));
            }
        }
        let expires = date(&e.expires, &format!("{what}: `expires`"))?;
        let starts = e
            .starts
            .as_ref()
            .map(|s| date(s, &format!("{what}: `starts`")))
            .transpose()?;
        if starts.is_some_and(|s| s > expires) {
            return Err(format!("{what}: `starts` is after `expires`"));
        }
        out.push(Exception {
            id: e.id,
            matches: e.matches,
            reason: e.reason,
            ticket: e.ticket,
            approver: e.approver,
            starts,
            expires,
        });
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEnforcement {
    policy: String,
    #[serde(default = "mandatory")]
    level: Level,
    stages: Option<Vec<String>>,
}

fn mandatory() -> Level {
    Level::Mandatory
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaivers {
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    id: String,
    policy: String,
    stages: Option<Vec<String>>,
    #[serde(default)]
    branches: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    reason: String,
    ticket: String,
    approver: String,
    starts: Option<toml::Value>,
    expires: toml::Value,
}

fn stage_scope(
    stages: Option<Vec<String>>,
    all: &[String],
    what: &str,
) -> Result<StageScope, String> {
    if let Some(named) = &stages {
        if named.is_empty() {
            return Err(format!(
                "{what}: `stages` is empty; leave it out for every stage"
            ));
        }
        for stage in named {
            if !all.contains(stage) {
                return Err(format!(
                    "{what}: stage `{stage}` is not in the chain {}",
                    all.join(" → ")
                ));
            }
        }
    }
    Ok(StageScope(stages))
}

/// Checks the `[[enforcement]]` entries: stages known, each policy named once.
pub(super) fn enforcement(
    raw: Vec<RawEnforcement>,
    stages: &[String],
) -> Result<Vec<Enforcement>, String> {
    let mut out: Vec<Enforcement> = Vec::with_capacity(raw.len());
    for entry in raw {
        let what = format!("enforcement for `{}`", entry.policy);
        let scope = stage_scope(entry.stages, stages, &what)?;
        if let Some(other) = out
            .iter()
            .find(|e| e.policy == entry.policy && e.stages.overlaps(&scope, stages))
        {
            return Err(format!(
                "{what}: policy `{}` already has level `{}` at an overlapping stage",
                other.policy,
                other.level.as_str()
            ));
        }
        out.push(Enforcement {
            policy: entry.policy,
            level: entry.level,
            stages: scope,
        });
    }
    Ok(out)
}

/// A date in a waiver: a TOML date (`2026-12-31`) or the same as a string.
fn date(value: &toml::Value, what: &str) -> Result<NaiveDate, String> {
    let text = match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        _ => String::new(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|_| format!("{what} must be a date, YYYY-MM-DD (is {value})"))
}

/// Reads and checks the waivers file at `path`.
pub(super) fn load_waivers(path: &Path, stages: &[String]) -> Result<Vec<Waiver>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: PathBuf::from(path),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let raw: RawWaivers = toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string().trim_end().to_owned(),
    })?;
    let mut waivers: Vec<Waiver> = Vec::with_capacity(raw.waiver.len());
    for w in raw.waiver {
        let what = format!("waiver `{}`", w.id);
        if w.id.trim().is_empty() {
            return Err(invalid("a waiver has an empty `id`".into()));
        }
        if waivers.iter().any(|x| x.id == w.id) {
            return Err(invalid(format!("{what} is listed twice")));
        }
        for (key, value) in [
            ("policy", &w.policy),
            ("reason", &w.reason),
            ("ticket", &w.ticket),
            ("approver", &w.approver),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("{what}: `{key}` is empty")));
            }
        }
        let stages = stage_scope(w.stages, stages, &what).map_err(&invalid)?;
        let mut branches = Vec::with_capacity(w.branches.len());
        for pattern in &w.branches {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| invalid(format!("{what}: branch glob `{pattern}`: {e}")))?;
            branches.push(glob);
        }
        for prefix in &w.commits {
            if prefix.len() < 7 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(format!(
                    "{what}: commit `{prefix}` must be at least 7 hexadecimal characters"
                )));
            }
        }
        let expires = date(&w.expires, &format!("{what}: `expires`")).map_err(&invalid)?;
        let starts = w
            .starts
            .as_ref()
            .map(|s| date(s, &format!("{what}: `starts`")))
            .transpose()
            .map_err(&invalid)?;
        if starts.is_some_and(|s| s > expires) {
            return Err(invalid(format!("{what}: `starts` is after `expires`")));
        }
        waivers.push(Waiver {
            id: w.id,
            policy: w.policy,
            stages,
            branches,
            commits: w.commits,
            reason: w.reason,
            ticket: w.ticket,
            approver: w.approver,
            starts,
            expires,
        });
    }
    Ok(waivers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> Vec<String> {
        vec!["dev".into(), "test".into(), "prod".into()]
    }

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("waivers.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const WAIVER: &str = r#"[[waiver]]
id = "W-1"
policy = "coverage-floor"
stages = ["prod"]
branches = ["release/*"]
commits = ["3f9c2e1"]
reason = "legacy"
ticket = "SEC-1"
approver = "alice@example.com"
expires = 2026-12-31
"#;

    #[test]
    fn a_waiver_is_scoped_by_stage_branch_and_commit() {
        let (_d, path) = write(WAIVER);
        let w = load_waivers(&path, &stages()).unwrap();
        let w = &w[0];
        assert_eq!(w.expires, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert!(w.in_scope("prod", "release/1.4", "3f9c2e1aa"));
        assert!(w.in_scope("prod", "release/1.4", "3F9C2E1"));
        assert!(!w.in_scope("test", "release/1.4", "3f9c2e1aa"));
        assert!(!w.in_scope("prod", "release/1.4/x", "3f9c2e1aa"));
        assert!(!w.in_scope("prod", "main", "3f9c2e1aa"));
        assert!(!w.in_scope("prod", "release/1.4", "4f9c2e1aa"));
        assert!(!w.in_scope("prod", "release/1.4", ""));
    }

    #[test]
    fn every_required_field_and_a_real_date_are_needed() {
        for (from, to, expect) in [
            ("ticket = \"SEC-1\"\n", "", "missing field `ticket`"),
            (
                "expires = 2026-12-31",
                "expires = \"2026-02-30\"",
                "must be a date",
            ),
            (
                "expires = 2026-12-31",
                "expires = 2026-12-31T10:00:00",
                "must be a date",
            ),
            (
                "approver = \"alice@example.com\"",
                "approver = \" \"",
                "`approver` is empty",
            ),
            (
                "stages = [\"prod\"]",
                "stages = [\"production\"]",
                "not in the chain",
            ),
            (
                "commits = [\"3f9c2e1\"]",
                "commits = [\"3f9\"]",
                "at least 7",
            ),
            (
                "branches = [\"release/*\"]",
                "branches = [\"release/[\"]",
                "branch glob",
            ),
            (
                "reason = \"legacy\"",
                "reason = \"legacy\"\nowner = \"x\"",
                "unknown field `owner`",
            ),
        ] {
            let text = WAIVER.replace(from, to);
            let (_d, path) = write(&text);
            let err = load_waivers(&path, &stages()).unwrap_err().to_string();
            assert!(err.contains(expect), "{expect}: {err}");
            assert!(err.contains("waivers.toml"), "{err}");
        }
        let (_d, path) = write(&format!("{WAIVER}{WAIVER}"));
        let err = load_waivers(&path, &stages()).unwrap_err().to_string();
        assert!(err.contains("`W-1` is listed twice"), "{err}");
    }

    #[test]
    fn enforcement_entries_do_not_overlap() {
        let raw = |policy: &str, level, stages: Option<Vec<&str>>| RawEnforcement {
            policy: policy.into(),
            level,
            stages: stages.map(|s| s.into_iter().map(str::to_owned).collect()),
        };
        let ok = enforcement(
            vec![
                raw("a", Level::Advisory, Some(vec!["test"])),
                raw("a", Level::Mandatory, Some(vec!["prod"])),
            ],
            &stages(),
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        let err = enforcement(
            vec![
                raw("a", Level::Advisory, None),
                raw("a", Level::Hard, Some(vec!["prod"])),
            ],
            &stages(),
        )
        .unwrap_err();
        assert!(err.contains("overlapping"), "{err}");
    }
}
