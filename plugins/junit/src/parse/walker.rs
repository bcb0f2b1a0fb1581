//! The state machine behind [`parse_report_with`](super::parse_report_with):
//! one call per XML event, a stack of open elements, and the counting rules of
//! the module docs applied as each `<testcase>` and suite closes.
//!
//! It keeps per open element only what the rules need (a few flags, a name, a
//! line) and must never hold text beyond the bounded first line of a message.
//! This file routes start and end tags; `attrs` reads attributes, `content`
//! checks what quick-xml leaves to its caller (one root, no text outside it,
//! references, DOCTYPE, end of input) and `close` applies the counting rules.

use quick_xml::events::BytesStart;

use super::text::{FirstLine, clip, first_line, test_name, truncate};
use super::{
    IssueKind, Limits, MAX_DEPTH, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, ParseError, Summary,
    TestFinding,
};

mod attrs;
mod close;
mod content;

pub(super) use attrs::describe;
use attrs::location;

/// An open element the rules care about.
enum Frame {
    Suite(Suite),
    Case(Case),
    Issue(Issue),
    /// Any other element; `in_case` when inside a test case, where nested
    /// test cases and suites are not counted.
    Other {
        in_case: bool,
    },
}

/// An open `<testsuite>` or `<testsuites>`.
struct Suite {
    name: String,
    line: u64,
    failures: u64,
    errors: u64,
    has_cases: bool,
    has_suites: bool,
    issues: u64,
}

/// What a test case's `status` attribute says, if anything useful.
#[derive(PartialEq, Eq)]
enum Status {
    Unset,
    Failed(String),
    Skipped,
}

/// A source location a report gives: path and optional line.
type Location = (String, Option<u64>);

/// An open `<testcase>`. Test cases do not nest, so its texts live in one
/// reused [`CaseText`] of the walker.
struct Case {
    line: u64,
    status: Status,
    failures: u32,
    errors: u32,
    skipped: bool,
    flaky: bool,
    rerun: Option<(IssueKind, Option<String>, Option<Location>)>,
}

/// The attributes of the open test case, in buffers reused for every case.
#[derive(Default)]
struct CaseText {
    name: String,
    classname: String,
    /// Empty when the case names no source file.
    file: String,
    src_line: Option<u64>,
}

impl CaseText {
    fn name(&self) -> String {
        test_name(self.classname.trim(), self.name.trim(), MAX_MESSAGE_CHARS)
    }

    fn location(&self) -> Option<Location> {
        location(Some(&self.file), self.src_line)
    }
}

/// Which element an [`Issue`] is.
#[derive(Clone, Copy)]
enum Role {
    /// `<failure>`/`<error>` of a test case.
    Case(IssueKind),
    /// `<rerunFailure>`/`<rerunError>` of a test case.
    Rerun(IssueKind),
    /// `<failure>`/`<error>` directly inside a suite.
    Suite(IssueKind),
}

impl Role {
    /// The element's name.
    fn element(self) -> &'static str {
        match self {
            Role::Case(IssueKind::Failure) | Role::Suite(IssueKind::Failure) => "failure",
            Role::Case(IssueKind::Error) | Role::Suite(IssueKind::Error) => "error",
            Role::Rerun(IssueKind::Failure) => "rerunFailure",
            Role::Rerun(IssueKind::Error) => "rerunError",
        }
    }
}

/// An open failure or error element, collecting its message.
struct Issue {
    role: Role,
    line: u64,
    /// First line of the `message` attribute.
    message: Option<String>,
    /// First line of the text, collected while `message` is absent.
    text: Option<FirstLine>,
    /// The `type` attribute, the last resort for a message.
    kind_name: Option<String>,
    /// `file`/`line` attributes on the element itself (Catch2).
    location: Option<Location>,
}

/// Where a new element sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    /// Directly inside a suite.
    Suite,
    /// Inside some other element outside any test case.
    Outside,
    /// Directly inside a test case.
    Case,
    /// Deeper inside a test case.
    InCase,
}

/// Parser state for one report.
pub(super) struct Walker<'p> {
    path: &'p str,
    limits: Limits,
    stack: Vec<Frame>,
    root_seen: bool,
    root_closed: bool,
    case_text: CaseText,
    summary: Summary,
}

impl<'p> Walker<'p> {
    pub(super) fn new(path: &'p str, limits: Limits) -> Self {
        Self {
            path,
            limits,
            stack: Vec::with_capacity(16),
            root_seen: false,
            root_closed: false,
            case_text: CaseText::default(),
            summary: Summary::default(),
        }
    }

    /// An XML error; the message may quote the file, so it is made printable
    /// and bounded.
    pub(super) fn xml_error(&self, line: u64, message: impl AsRef<str>) -> ParseError {
        ParseError::Xml {
            path: self.path.to_owned(),
            line,
            message: clip(message.as_ref(), MAX_MESSAGE_CHARS),
        }
    }

    fn parent(&self) -> Parent {
        match self.stack.last() {
            Some(Frame::Suite(_)) | None => Parent::Suite,
            Some(Frame::Other { in_case: false }) => Parent::Outside,
            Some(Frame::Case(_)) => Parent::Case,
            Some(Frame::Issue(_) | Frame::Other { in_case: true }) => Parent::InCase,
        }
    }

    /// The innermost open suite, for elements that sit in wrappers.
    fn nearest_suite(&mut self) -> Option<&mut Suite> {
        self.stack.iter_mut().rev().find_map(|f| match f {
            Frame::Suite(s) => Some(s),
            _ => None,
        })
    }

    /// A start tag (`empty` for `<x/>`, which also closes it).
    pub(super) fn start(
        &mut self,
        e: &BytesStart<'_>,
        line: u64,
        empty: bool,
    ) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.xml_error(
                line,
                format!("elements are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let local = e.local_name();
        let name = local.as_ref();
        let frame = if self.stack.is_empty() {
            if self.root_closed {
                return Err(self.xml_error(line, "a second root element follows the first"));
            }
            if name != b"testsuites" && name != b"testsuite" {
                return Err(ParseError::NotJunit {
                    path: self.path.to_owned(),
                    root: clip(&String::from_utf8_lossy(name), 100),
                });
            }
            self.root_seen = true;
            Frame::Suite(self.read_suite(e, line)?)
        } else {
            self.child(e, name, line)?
        };
        if empty {
            self.close(frame);
        } else {
            self.stack.push(frame);
        }
        Ok(())
    }

    fn child(&mut self, e: &BytesStart<'_>, name: &[u8], line: u64) -> Result<Frame, ParseError> {
        let parent = self.parent();
        let outside = matches!(parent, Parent::Suite | Parent::Outside);
        let frame = match name {
            b"testsuite" | b"testsuites" if outside => {
                let suite = self.read_suite(e, line)?;
                if let Some(s) = self.nearest_suite() {
                    s.has_suites = true;
                }
                Frame::Suite(suite)
            }
            b"testcase" if outside => {
                let case = self.read_case(e, line)?;
                if let Some(s) = self.nearest_suite() {
                    s.has_cases = true;
                }
                Frame::Case(case)
            }
            b"failure" | b"error" if parent == Parent::Suite => {
                let kind = if name == b"failure" {
                    IssueKind::Failure
                } else {
                    IssueKind::Error
                };
                let issue = self.read_issue(e, line, Role::Suite(kind))?;
                if let Some(Frame::Suite(s)) = self.stack.last_mut() {
                    s.issues += 1;
                }
                Frame::Issue(issue)
            }
            _ if parent == Parent::Case => return self.case_child(e, name, line),
            _ => {
                self.attributes(e, line, &[], |_, _| {})?;
                Frame::Other { in_case: !outside }
            }
        };
        Ok(frame)
    }

    fn case_child(
        &mut self,
        e: &BytesStart<'_>,
        name: &[u8],
        line: u64,
    ) -> Result<Frame, ParseError> {
        let role = match name {
            b"failure" => Role::Case(IssueKind::Failure),
            b"error" => Role::Case(IssueKind::Error),
            b"rerunFailure" => Role::Rerun(IssueKind::Failure),
            b"rerunError" => Role::Rerun(IssueKind::Error),
            _ => {
                self.attributes(e, line, &[], |_, _| {})?;
                if let Some(Frame::Case(case)) = self.stack.last_mut() {
                    match name {
                        b"skipped" => case.skipped = true,
                        b"flakyFailure" | b"flakyError" => case.flaky = true,
                        _ => {}
                    }
                }
                return Ok(Frame::Other { in_case: true });
            }
        };
        let issue = self.read_issue(e, line, role)?;
        if let Some(Frame::Case(case)) = self.stack.last_mut() {
            match role {
                Role::Case(IssueKind::Failure) => case.failures += 1,
                Role::Case(IssueKind::Error) => case.errors += 1,
                _ => {}
            }
        }
        Ok(Frame::Issue(issue))
    }

    /// An end tag (quick-xml has checked that it matches).
    pub(super) fn end(&mut self, line: u64) -> Result<(), ParseError> {
        match self.stack.pop() {
            Some(frame) => {
                self.close(frame);
                Ok(())
            }
            None => Err(self.xml_error(line, "end tag without a start tag")),
        }
    }
}
