//! Reading the attributes the counting rules need, and checking the rest.
//!
//! Every attribute of every element goes through quick-xml's checked iterator
//! (duplicates and malformed attributes are errors); a value is decoded only
//! when it is needed or holds a reference that must be checked. Only the five
//! predefined entities and character references are decoded, and text that is
//! not UTF-8 is decoded lossily. Values are borrowed from the event, not
//! copied, unless they are kept.

use std::borrow::Cow;

use quick_xml::escape::EscapeError;
use quick_xml::events::BytesStart;

use super::{
    Case, FirstLine, Issue, Location, MAX_NAME_CHARS, ParseError, Role, Status, Suite, Walker,
    clip, first_line,
};

/// Human text for a quick-xml error.
pub(in crate::parse) fn describe(error: &quick_xml::Error) -> String {
    match error {
        quick_xml::Error::Escape(e) => describe_escape(e),
        quick_xml::Error::InvalidAttr(e) => format!("malformed attribute: {e}"),
        quick_xml::Error::Syntax(e) => e.to_string(),
        quick_xml::Error::IllFormed(e) => e.to_string(),
        other => other.to_string(),
    }
}

fn describe_escape(error: &EscapeError) -> String {
    match error {
        EscapeError::UnrecognizedEntity(_, name) => unknown_entity(name),
        EscapeError::UnterminatedEntity(_) => "`&` not followed by a reference and `;`".into(),
        EscapeError::InvalidCharRef(e) => format!("invalid character reference: {e}"),
    }
}

pub(super) fn unknown_entity(name: &str) -> String {
    let name = clip(name, 40);
    format!("unknown entity `&{name};` (only the five predefined entities are decoded)")
}

/// UTF-8 text of `raw`, borrowed when valid (the fast, usual case).
pub(super) fn lossy(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// Overwrites a reused buffer (a later duplicate under another prefix wins).
fn replace(buffer: &mut String, value: &str) {
    buffer.clear();
    buffer.push_str(value);
}

/// A count attribute; absent or unreadable is 0, an overlong number saturates.
fn count(value: &str) -> u64 {
    let value = value.trim();
    value.parse().unwrap_or_else(|_| {
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            u64::MAX
        } else {
            0
        }
    })
}

pub(super) fn location(file: Option<&str>, line: Option<u64>) -> Option<Location> {
    file.map(|f| clip(f.trim(), 500))
        .filter(|f| !f.is_empty())
        .map(|f| (f, line.filter(|l| *l > 0)))
}

fn status(value: &str) -> Status {
    let value = value.trim();
    let is = |names: &[&str]| names.iter().any(|n| value.eq_ignore_ascii_case(n));
    if is(&["failed", "failure", "fail", "error", "errored"]) {
        Status::Failed(value.to_ascii_lowercase())
    } else if is(&["disabled", "skipped", "notrun"]) {
        Status::Skipped
    } else {
        Status::Unset
    }
}

impl Walker<'_> {
    /// Decodes an attribute value: lossy UTF-8, predefined entities only.
    fn unescape<'a>(&self, raw: &'a [u8], line: u64) -> Result<Cow<'a, str>, ParseError> {
        let text = lossy(raw);
        if memchr::memchr(b'&', raw).is_none() {
            return Ok(text);
        }
        quick_xml::escape::unescape(&text)
            .map(|decoded| Cow::Owned(decoded.into_owned()))
            .map_err(|e| self.xml_error(line, describe_escape(&e)))
    }

    /// Checks every attribute of `e` and hands the values of `wanted` ones to
    /// `take` (by index in `wanted`). Values of other attributes are decoded
    /// only when they hold a reference, to check it.
    pub(super) fn attributes(
        &self,
        e: &BytesStart<'_>,
        line: u64,
        wanted: &[&[u8]],
        mut take: impl FnMut(usize, &str),
    ) -> Result<(), ParseError> {
        for attr in e.attributes() {
            let attr =
                attr.map_err(|err| self.xml_error(line, format!("malformed attribute: {err}")))?;
            let key = attr.key.local_name();
            let index = wanted.iter().position(|w| *w == key.as_ref());
            if index.is_none() && memchr::memchr(b'&', &attr.value).is_none() {
                continue;
            }
            let value = self.unescape(&attr.value, line)?;
            if let Some(index) = index {
                take(index, &value);
            }
        }
        Ok(())
    }

    pub(super) fn read_suite(&self, e: &BytesStart<'_>, line: u64) -> Result<Suite, ParseError> {
        let mut suite = Suite {
            name: String::new(),
            line,
            failures: 0,
            errors: 0,
            has_cases: false,
            has_suites: false,
            issues: 0,
        };
        self.attributes(
            e,
            line,
            &[b"name", b"failures", b"errors"],
            |i, v| match i {
                0 => suite.name = clip(v.trim(), MAX_NAME_CHARS),
                1 => suite.failures = count(v),
                _ => suite.errors = count(v),
            },
        )?;
        Ok(suite)
    }

    pub(super) fn read_case(&mut self, e: &BytesStart<'_>, line: u64) -> Result<Case, ParseError> {
        let mut text = std::mem::take(&mut self.case_text);
        text.name.clear();
        text.classname.clear();
        text.file.clear();
        text.src_line = None;
        let mut case = Case {
            line,
            status: Status::Unset,
            failures: 0,
            errors: 0,
            skipped: false,
            flaky: false,
            rerun: None,
        };
        let wanted: [&[u8]; 5] = [b"name", b"classname", b"file", b"line", b"status"];
        let read = self.attributes(e, line, &wanted, |i, v| match i {
            0 => replace(&mut text.name, v),
            1 => replace(&mut text.classname, v),
            2 => replace(&mut text.file, v),
            3 => text.src_line = v.trim().parse().ok(),
            _ => case.status = status(v),
        });
        self.case_text = text;
        read.map(|()| case)
    }

    pub(super) fn read_issue(
        &self,
        e: &BytesStart<'_>,
        line: u64,
        role: Role,
    ) -> Result<Issue, ParseError> {
        let (mut message, mut kind_name, mut file, mut src_line) = (None, None, None, None);
        self.attributes(
            e,
            line,
            &[b"message", b"type", b"file", b"line"],
            |i, v| match i {
                0 => message = first_line(v),
                1 => kind_name = first_line(v),
                2 => file = Some(v.to_owned()),
                _ => src_line = v.trim().parse().ok(),
            },
        )?;
        Ok(Issue {
            role,
            line,
            text: message.is_none().then(FirstLine::default),
            message,
            kind_name,
            location: location(file.as_deref(), src_line),
        })
    }
}
