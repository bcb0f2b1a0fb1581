//! Streams an XML coverage report through quick-xml and hands each element to the dialect
//! its root names: `<coverage>` is Cobertura, `<report>` is JaCoCo.
//!
//! The stream is hardened for untrusted input: a DOCTYPE is accepted (Cobertura and JaCoCo
//! both write one) but never fetched or honoured, and one that declares entities is refused;
//! entity references other than the five predefined ones are errors, never expanded; nesting
//! deeper than [`MAX_DEPTH`] and tokens longer than [`TOKEN_LIMIT`] are errors, so memory stays
//! bounded; a document that ends with elements still open is reported as truncated. Other
//! formats that share a root name (Clover's `<coverage>`, a non-JaCoCo `<report>`) come back
//! as [`ParseError::NotCoverage`] for the caller to skip. No tree is built: dialects keep
//! only the counts they need.

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};

use crate::bounded::{Bounded, TOKEN_LIMIT};
use crate::error::{ParseError, shorten};
use crate::model::Coverage;
use crate::{cobertura::Cobertura, jacoco::Jacoco};

/// The deepest element nesting accepted; real reports nest fewer than 10 levels.
pub const MAX_DEPTH: usize = 256;

/// Which XML dialect a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Cobertura XML (root `<coverage>`), as written by coverage.py, istanbul, coverlet, gcovr…
    Cobertura,
    /// JaCoCo XML (root `<report>`).
    Jacoco,
}

/// What a dialect sees of the current element.
pub(crate) struct Ctx<'a> {
    path: &'a str,
    line: u64,
    decoder: Decoder,
}

impl Ctx<'_> {
    /// An error about a value in an otherwise well-formed report.
    pub(crate) fn invalid(&self, message: String) -> ParseError {
        ParseError::Invalid {
            path: self.path.to_owned(),
            line: self.line,
            message,
        }
    }

    /// The unescaped value of the attribute with local name `name`, if present.
    pub(crate) fn attr<'e>(
        &self,
        element: &'e BytesStart<'_>,
        name: &str,
    ) -> Result<Option<Cow<'e, str>>, ParseError> {
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| self.xml_error(e.to_string()))?;
            if attribute.key.local_name().as_ref() == name.as_bytes() {
                let value = attribute
                    .decode_and_unescape_value(self.decoder)
                    .map_err(|e| self.xml_error(e.to_string()))?;
                return Ok(Some(value));
            }
        }
        Ok(None)
    }

    /// A non-negative count attribute (`"12"`, also `"1.0"` as some writers emit), if present.
    pub(crate) fn count(
        &self,
        element: &BytesStart<'_>,
        name: &str,
    ) -> Result<Option<u64>, ParseError> {
        let Some(value) = self.attr(element, name)? else {
            return Ok(None);
        };
        parse_count(&value).map(Some).ok_or_else(|| {
            self.invalid(format!(
                "`<{} {name}=\"{}\">` is not a non-negative number",
                local_name(element),
                shorten(&value, 40)
            ))
        })
    }

    /// A required line-number attribute.
    pub(crate) fn line_number(
        &self,
        element: &BytesStart<'_>,
        name: &str,
    ) -> Result<u32, ParseError> {
        let value = self
            .attr(element, name)?
            .ok_or_else(|| self.invalid(format!("`<{}>` has no `{name}`", local_name(element))))?;
        value.trim().parse::<u32>().map_err(|_| {
            self.invalid(format!(
                "`<{} {name}=\"{}\">` is not a line number",
                local_name(element),
                shorten(&value, 40)
            ))
        })
    }

    fn xml_error(&self, message: String) -> ParseError {
        ParseError::Xml {
            path: self.path.to_owned(),
            line: self.line,
            message,
        }
    }
}

/// The local name of an element, lossily decoded and shortened for messages.
pub(crate) fn local_name(element: &BytesStart<'_>) -> String {
    shorten(&String::from_utf8_lossy(element.local_name().as_ref()), 60)
}

/// Parses a count: a non-negative integer, or a non-negative finite decimal (truncated).
pub(crate) fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(value) = text.parse::<u64>() {
        return Some(value);
    }
    let value = text.parse::<f64>().ok()?;
    (value.is_finite() && value >= 0.0).then_some(value as u64)
}

/// The dialect being read, chosen by the root element.
enum Handler {
    Cobertura(Cobertura),
    Jacoco(Jacoco),
}

impl Handler {
    fn open(&mut self, ctx: &Ctx<'_>, e: &BytesStart<'_>, depth: usize) -> Result<(), ParseError> {
        match self {
            Handler::Cobertura(h) => h.open(ctx, e, depth),
            Handler::Jacoco(h) => h.open(ctx, e, depth),
        }
    }

    fn close(&mut self, name: &[u8], depth: usize) {
        match self {
            Handler::Cobertura(h) => h.close(name, depth),
            Handler::Jacoco(h) => h.close(name, depth),
        }
    }

    fn finish(self, path: &str) -> Result<(Dialect, Coverage), ParseError> {
        let not_coverage = |expected, reason| ParseError::NotCoverage {
            path: path.to_owned(),
            expected,
            reason,
        };
        match self {
            Handler::Cobertura(h) => h.finish().map(|c| (Dialect::Cobertura, c)).ok_or_else(|| {
                not_coverage(
                    "Cobertura",
                    "it is a Clover report (`<coverage clover>` / `<project>`)",
                )
            }),
            Handler::Jacoco(h) => h
                .finish()
                .map(|c| (Dialect::Jacoco, c))
                .ok_or_else(|| not_coverage("JaCoCo", "its `<report>` holds no JaCoCo element")),
        }
    }
}

/// Reads a Cobertura or JaCoCo report from `input`; `path` names it in errors.
pub fn parse_xml<R: BufRead>(input: R, path: &str) -> Result<(Dialect, Coverage), ParseError> {
    let mut reader = Reader::from_reader(Bounded::new(input, TOKEN_LIMIT));
    reader.config_mut().trim_text(true);
    reader.config_mut().check_end_names = true;
    let mut buffer = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut handler: Option<Handler> = None;
    loop {
        buffer.clear();
        reader.get_mut().mark();
        let decoder = reader.decoder();
        let event = match reader.read_event_into(&mut buffer) {
            Ok(event) => event,
            Err(error) => return Err(read_error(path, reader.get_ref(), error)),
        };
        let ctx = Ctx {
            path,
            line: reader.get_ref().line(),
            decoder,
        };
        let is_empty = matches!(event, Event::Empty(_));
        match event {
            Event::DocType(text) if declares_entity(&text) => {
                return Err(ParseError::Entity {
                    path: path.to_owned(),
                    line: ctx.line,
                });
            }
            Event::Start(element) | Event::Empty(element) => {
                let depth = open.len();
                if depth >= MAX_DEPTH {
                    return Err(
                        ctx.invalid(format!("elements nest deeper than {MAX_DEPTH} levels"))
                    );
                }
                if depth == 0 {
                    if handler.is_some() {
                        return Err(ctx.xml_error("a second root element".into()));
                    }
                    handler = Some(root_handler(path, &element)?);
                }
                if let Some(handler) = handler.as_mut() {
                    handler.open(&ctx, &element, depth)?;
                    if is_empty {
                        handler.close(element.local_name().as_ref(), depth);
                    }
                }
                if !is_empty {
                    open.push(local_name(&element));
                }
            }
            Event::End(element) => {
                open.pop();
                if let Some(handler) = &mut handler {
                    handler.close(element.local_name().as_ref(), open.len());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(innermost) = open.pop() {
        return Err(ParseError::Truncated {
            path: path.to_owned(),
            open: innermost,
        });
    }
    match handler {
        Some(handler) => handler.finish(path),
        None => Err(ParseError::NoRoot {
            path: path.to_owned(),
        }),
    }
}

fn root_handler(path: &str, root: &BytesStart<'_>) -> Result<Handler, ParseError> {
    match root.local_name().as_ref() {
        b"coverage" => Ok(Handler::Cobertura(Cobertura::default())),
        b"report" => Ok(Handler::Jacoco(Jacoco::default())),
        _ => Err(ParseError::UnknownRoot {
            path: path.to_owned(),
            root: local_name(root),
        }),
    }
}

/// True when a DOCTYPE's text declares an entity (`<!ENTITY`, any case).
fn declares_entity(doctype: &[u8]) -> bool {
    doctype
        .windows(b"<!ENTITY".len())
        .any(|window| window.eq_ignore_ascii_case(b"<!ENTITY"))
}

fn read_error<R: BufRead>(path: &str, source: &Bounded<R>, error: quick_xml::Error) -> ParseError {
    if source.overflowed() {
        return ParseError::TokenTooLarge {
            path: path.to_owned(),
            line: source.line_at_mark(),
            limit: source.limit(),
        };
    }
    match error {
        quick_xml::Error::Io(io) => ParseError::Io {
            path: path.to_owned(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
        other => ParseError::Xml {
            path: path.to_owned(),
            line: source.line(),
            message: other.to_string(),
        },
    }
}
