//! What happens when an element closes: a test case gets its outcome, a
//! failure or error becomes a finding, a crashed suite is counted.
//!
//! This is where the counting rules of the parser's module docs are applied,
//! and where the bounds of [`Limits`](super::Limits) are enforced: counts grow,
//! kept names and findings do not pass their caps. Nothing here can fail.

use super::{
    Case, CaseText, Frame, Issue, IssueKind, Location, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, Role,
    Status, Suite, Summary, TestFinding, Walker, truncate,
};

/// Adds a failed test's name while the set has room.
fn add_name(summary: &mut Summary, max: usize, name: impl FnOnce() -> String) {
    if summary.failed_tests.len() < max {
        summary
            .failed_tests
            .insert(truncate(name(), MAX_NAME_CHARS));
    }
}

/// Records a finding, or counts it as dropped once `max` are kept.
fn add_finding(
    summary: &mut Summary,
    max: usize,
    kind: IssueKind,
    message: impl FnOnce() -> String,
    (path, line): Location,
) {
    if summary.findings.len() >= max {
        summary.findings_dropped = summary.findings_dropped.saturating_add(1);
        return;
    }
    summary.findings.push(TestFinding {
        kind,
        message: truncate(message(), MAX_MESSAGE_CHARS),
        path,
        line,
    });
}

/// `name: detail`, or `name failed` / `name errored` without a detail.
fn message(name: &str, kind: IssueKind, detail: Option<&str>) -> String {
    match (detail, kind) {
        (Some(detail), _) => format!("{name}: {detail}"),
        (None, IssueKind::Failure) => format!("{name} failed"),
        (None, IssueKind::Error) => format!("{name} errored"),
    }
}

fn bump(counter: &mut u64, by: u64) {
    *counter = counter.saturating_add(by);
}

impl Walker<'_> {
    /// Applies the rules for an element that just closed.
    pub(super) fn close(&mut self, frame: Frame) {
        match frame {
            Frame::Suite(suite) => self.close_suite(suite),
            Frame::Case(case) => self.close_case(case),
            Frame::Issue(issue) => self.close_issue(issue),
            Frame::Other { .. } => {}
        }
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    fn close_issue(&mut self, issue: Issue) {
        let detail = issue
            .message
            .or_else(|| issue.text.and_then(|t| t.finish()))
            .or(issue.kind_name);
        let max = self.limits.max_findings;
        match (issue.role, self.stack.last_mut()) {
            (Role::Case(kind), Some(Frame::Case(case))) => {
                let at = own_or_case(self.path, case, &self.case_text, issue.location);
                let text = &self.case_text;
                add_finding(
                    &mut self.summary,
                    max,
                    kind,
                    || message(&text.name(), kind, detail.as_deref()),
                    at,
                );
            }
            (Role::Rerun(kind), Some(Frame::Case(case))) => {
                // the first rerun speaks for the case if nothing else does
                case.rerun.get_or_insert((kind, detail, issue.location));
            }
            (Role::Suite(kind), Some(Frame::Suite(suite))) => {
                bump(&mut self.summary.errored, 1);
                bump(&mut self.summary.total, 1);
                let name = suite_name(suite);
                add_name(&mut self.summary, self.limits.max_failed_names, || {
                    name.clone()
                });
                let at = (self.path.to_owned(), Some(issue.line));
                add_finding(
                    &mut self.summary,
                    max,
                    kind,
                    || message(&name, kind, detail.as_deref()),
                    at,
                );
            }
            _ => {}
        }
    }

    fn close_case(&mut self, mut case: Case) {
        let max = self.limits.max_findings;
        let outcome = if case.failures > 0 {
            Some(IssueKind::Failure)
        } else if case.errors > 0 {
            Some(IssueKind::Error)
        } else if let Some((kind, detail, own)) = case.rerun.take() {
            let at = own_or_case(self.path, &case, &self.case_text, own);
            let text = &self.case_text;
            add_finding(
                &mut self.summary,
                max,
                kind,
                || message(&text.name(), kind, detail.as_deref()),
                at,
            );
            Some(kind)
        } else if let Status::Failed(status) = &case.status {
            let at = own_or_case(self.path, &case, &self.case_text, None);
            let text = &self.case_text;
            let detail = format!("status `{}`", truncate(status.clone(), 40));
            add_finding(
                &mut self.summary,
                max,
                IssueKind::Failure,
                || message(&text.name(), IssueKind::Failure, Some(&detail)),
                at,
            );
            Some(IssueKind::Failure)
        } else {
            None
        };
        let summary = &mut self.summary;
        bump(&mut summary.total, 1);
        match outcome {
            Some(IssueKind::Failure) => bump(&mut summary.failed, 1),
            Some(IssueKind::Error) => bump(&mut summary.errored, 1),
            None if case.skipped || case.status == Status::Skipped => bump(&mut summary.skipped, 1),
            None => {
                bump(&mut summary.passed, 1);
                if case.flaky {
                    bump(&mut summary.flaky, 1);
                }
            }
        }
        if outcome.is_some() {
            let text = &self.case_text;
            add_name(summary, self.limits.max_failed_names, || text.name());
        }
    }

    /// A suite without test cases, child suites or suite-level problems whose
    /// attributes report failures or errors crashed: count what it reports.
    fn close_suite(&mut self, suite: Suite) {
        if suite.has_cases || suite.has_suites || suite.issues > 0 {
            return;
        }
        let name = suite_name(&suite);
        for (reported, kind) in [
            (suite.failures, IssueKind::Failure),
            (suite.errors, IssueKind::Error),
        ] {
            if reported == 0 {
                continue;
            }
            let summary = &mut self.summary;
            bump(&mut summary.total, reported);
            match kind {
                IssueKind::Failure => bump(&mut summary.failed, reported),
                IssueKind::Error => bump(&mut summary.errored, reported),
            }
            add_name(summary, self.limits.max_failed_names, || name.clone());
            let what = match kind {
                IssueKind::Failure => "failures",
                IssueKind::Error => "errors",
            };
            let at = (self.path.to_owned(), Some(suite.line));
            add_finding(
                summary,
                self.limits.max_findings,
                kind,
                || format!("{name}: the suite reports {reported} {what} but lists no test cases"),
                at,
            );
        }
    }
}

fn own_or_case(path: &str, case: &Case, text: &CaseText, own: Option<Location>) -> Location {
    own.or_else(|| text.location())
        .unwrap_or_else(|| (path.to_owned(), Some(case.line)))
}

fn suite_name(suite: &Suite) -> String {
    if suite.name.is_empty() {
        "(unnamed suite)".to_owned()
    } else {
        suite.name.clone()
    }
}
