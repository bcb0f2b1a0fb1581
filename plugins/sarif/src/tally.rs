//! Counts results as they stream by and turns open results into bounded findings.
//!
//! Which results count:
//! - `kind` `pass` or `notApplicable` records a check that found nothing: not counted;
//! - `baselineState` `absent` is a result of the baseline that is gone now: not counted;
//! - a result with an effective suppression (see [`crate::model::Suppressions`]) counts only
//!   in `suppressed`, never as open;
//! - every other result is open and counts by level, by security severity and in `open`.
//!
//! Open results are resolved against their run's rules when the run ends (see
//! [`crate::run`]); message and location are kept only for the first [`MAX_FINDINGS`] open
//! results overall. Sets are bounded; nothing here reads input or talks to the host.

use std::collections::BTreeSet;

use crate::level::{Level, SecuritySeverity, effective_level, effective_severity};
use crate::model::SarifResult;
use crate::run::{Detail, Pending, Rule, Run};
use crate::text::{one_line, shorten};

/// At most this many open results become findings; the rest are counted in `findings_dropped`.
pub const MAX_FINDINGS: usize = 1000;
/// Most entries kept in the `rules` and `tools` sets.
pub const MAX_SET: usize = 100;
/// Longest set entry, in characters.
pub const MAX_SET_ITEM: usize = 200;
/// Longest message text in a finding, in characters.
pub const MAX_MESSAGE: usize = 300;

/// One open result, ready to be reported.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultFinding {
    /// Effective security severity.
    pub severity: SecuritySeverity,
    /// `[tool] rule: message text`, the text trimmed to [`MAX_MESSAGE`] characters.
    pub message: String,
    /// The result's first location URI, or the SARIF file's own path when it has none.
    pub path: String,
    /// The location's `region.startLine`, when positive and the location has a URI.
    pub line: Option<u32>,
}

/// Everything counted over one or more SARIF files.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Tally {
    /// SARIF files that hold at least one run with a tool driver: a scan that ran, whatever
    /// it found.
    pub inputs: u64,
    /// Runs with a tool driver, over all files.
    pub runs: u64,
    /// Open results.
    pub open: u64,
    /// Open results of level `error`.
    pub errors: u64,
    /// Open results of level `warning`.
    pub warnings: u64,
    /// Open results of level `note`.
    pub notes: u64,
    /// Open results of level `none`.
    pub nones: u64,
    /// Open results of security severity critical.
    pub critical: u64,
    /// Open results of security severity high.
    pub high: u64,
    /// Open results of security severity medium.
    pub medium: u64,
    /// Open results of security severity low.
    pub low: u64,
    /// Open results of level `error` with security severity high or critical.
    pub error_high: u64,
    /// Open results whose `baselineState` is `new`.
    pub new: u64,
    /// Results with an effective suppression.
    pub suppressed: u64,
    /// True when any result has a `baselineState` or any run a `baselineGuid`.
    pub baseline_present: bool,
    /// Ids of rules with open results (bounded).
    pub rules: BTreeSet<String>,
    /// Tool driver names (bounded).
    pub tools: BTreeSet<String>,
    /// The first [`MAX_FINDINGS`] open results.
    pub findings: Vec<ResultFinding>,
    /// Open results beyond [`MAX_FINDINGS`].
    pub findings_dropped: u64,
    /// Open results whose details are kept for a finding (at most [`MAX_FINDINGS`]).
    reserved: u64,
}

impl Tally {
    /// Takes one result of `run` into account.
    pub(crate) fn accept(&mut self, run: &mut Run, result: SarifResult) {
        let kind = result.kind.as_deref().unwrap_or("fail");
        if matches!(kind, "pass" | "notApplicable") {
            return;
        }
        if let Some(state) = &result.baseline_state {
            self.baseline_present = true;
            if state == "absent" {
                return;
            }
        }
        if result.suppressions.is_some_and(|s| s.effective) {
            self.suppressed += 1;
            return;
        }
        let reference = result.rule.unwrap_or_default();
        let rule_id = result.rule_id.or(reference.id).map(|id| run.intern(&id));
        let component = run.component(reference.tool_component);
        let keep = self.reserved < MAX_FINDINGS as u64;
        if keep {
            self.reserved += 1;
        }
        let detail = keep.then(|| {
            let message = result.message.unwrap_or_default();
            let location = result
                .locations
                .and_then(|l| l.0.into_iter().next())
                .and_then(|l| l.physical_location)
                .unwrap_or_default();
            Box::new(Detail {
                uri: location
                    .artifact_location
                    .and_then(|a| a.uri)
                    .map(|u| shorten(&u, 300)),
                line: location
                    .region
                    .and_then(|r| r.start_line)
                    .and_then(|l| u32::try_from(l).ok())
                    .filter(|l| *l > 0),
                text: message.text.map(|t| one_line(&t)).filter(|t| !t.is_empty()),
                message_id: message.id.map(|id| shorten(&id, MAX_SET_ITEM)),
                arguments: message
                    .arguments
                    .map(|a| a.0.iter().map(|arg| shorten(arg, MAX_MESSAGE)).collect())
                    .unwrap_or_default(),
            })
        });
        run.pending.push(Pending {
            rule_id,
            rule_index: result
                .rule_index
                .or(reference.index)
                .and_then(|i| usize::try_from(i).ok()),
            component,
            level: result.level.map(|l| Level::parse_or_warning(&l)),
            kind_is_fail: kind == "fail",
            invocation: result
                .provenance
                .and_then(|p| p.invocation_index)
                .and_then(|i| usize::try_from(i).ok()),
            score: result
                .properties
                .and_then(|p| p.security_severity)
                .and_then(|s| s.0),
            new: result.baseline_state.as_deref() == Some("new"),
            detail,
        });
    }

    /// Resolves and counts the open results of a finished run; `artifact` is the SARIF
    /// file's path, the location of findings whose result has none.
    pub(crate) fn finish_run(&mut self, mut run: Run, artifact: &str) {
        let tool = run
            .driver
            .clone()
            .unwrap_or_else(|| "unknown tool".to_owned());
        if let Some(name) = &run.driver {
            insert_bounded(&mut self.tools, name);
        }
        let pending = std::mem::take(&mut run.pending);
        let by_id = run.rules_by_id();
        for result in pending {
            let rule = run.rule(&result, &by_id);
            // §3.27.10: an invocation's override of the rule's level, else its default
            let configured = rule.and_then(|r| {
                run.override_level(result.invocation, r, &by_id)
                    .or(r.default_level)
            });
            let level = effective_level(result.level, configured, result.kind_is_fail);
            let severity = effective_severity(result.score, rule.and_then(|r| r.score), level);
            let rule_id = result
                .rule_id
                .and_then(|id| run.name(id))
                .or_else(|| rule.and_then(|r| r.id.as_deref()));
            self.count(level, severity, result.new);
            if let Some(id) = rule_id {
                insert_bounded(&mut self.rules, id);
            }
            match result.detail {
                Some(detail) => {
                    let text = message_text(&detail, rule, rule_id);
                    let message = match rule_id {
                        Some(id) => {
                            format!("[{}] {}: {text}", shorten(&tool, 60), shorten(id, 120))
                        }
                        None => format!("[{}] {text}", shorten(&tool, 60)),
                    };
                    // Without a URI the line would point into the SARIF file itself.
                    let (path, line) = match detail.uri {
                        Some(uri) => (uri, detail.line),
                        None => (artifact.to_owned(), None),
                    };
                    self.findings.push(ResultFinding {
                        severity,
                        message,
                        path,
                        line,
                    });
                }
                None => self.findings_dropped += 1,
            }
        }
    }

    fn count(&mut self, level: Level, severity: SecuritySeverity, new: bool) {
        self.open += 1;
        match level {
            Level::Error => self.errors += 1,
            Level::Warning => self.warnings += 1,
            Level::Note => self.notes += 1,
            Level::None => self.nones += 1,
        }
        match severity {
            SecuritySeverity::Critical => self.critical += 1,
            SecuritySeverity::High => self.high += 1,
            SecuritySeverity::Medium => self.medium += 1,
            SecuritySeverity::Low => self.low += 1,
            SecuritySeverity::None => {}
        }
        if level == Level::Error && severity >= SecuritySeverity::High {
            self.error_high += 1;
        }
        if new {
            self.new += 1;
        }
    }
}

/// The text of a result's message: its own text, else its rule's message string for
/// `message.id` with the arguments filled in, else the rule id.
fn message_text(detail: &Detail, rule: Option<&Rule>, rule_id: Option<&str>) -> String {
    if let Some(text) = &detail.text {
        return text.clone();
    }
    let template = detail
        .message_id
        .as_ref()
        .and_then(|id| rule.and_then(|r| r.message_strings.get(id)));
    if let Some(template) = template {
        let mut text = template.clone();
        for (index, argument) in detail.arguments.iter().enumerate() {
            text = text.replace(&format!("{{{index}}}"), argument);
        }
        return one_line(&text);
    }
    rule_id.map_or_else(|| "(no message)".to_owned(), str::to_owned)
}

/// Inserts into a set that keeps its [`MAX_SET`] smallest entries, so the result does not
/// depend on the order results arrive in.
fn insert_bounded(set: &mut BTreeSet<String>, value: &str) {
    let value = shorten(value, MAX_SET_ITEM);
    if set.len() >= MAX_SET && set.last().is_some_and(|last| *last < value) {
        return;
    }
    set.insert(value);
    if set.len() > MAX_SET {
        set.pop_last();
    }
}
