//! Everything between and around tags: text, CDATA, references, the DOCTYPE,
//! the XML declaration and the end of the input.
//!
//! These are the well-formedness checks quick-xml leaves to its caller: one
//! root element and no text outside it, no entity but the predefined ones, no
//! DOCTYPE that declares entities, no file that ends inside an element. Text is
//! only kept while a failure or error still needs the first line of its
//! message.

use quick_xml::events::{BytesCData, BytesDecl, BytesRef, BytesText};

use super::attrs::{lossy, unknown_entity};
use super::{Frame, Issue, ParseError, Summary, Walker, clip};

fn is_xml_space(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

impl Walker<'_> {
    fn take_text(&mut self, text: &str) {
        if let Some(Frame::Issue(Issue {
            text: Some(first), ..
        })) = self.stack.last_mut()
        {
            first.push(text);
        }
    }

    fn wants_text(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Issue(Issue { text: Some(first), .. })) if first.wants_more())
    }

    fn outside_root(&self, line: u64) -> ParseError {
        self.xml_error(line, "text outside the root element")
    }

    /// Character data between tags.
    pub(in crate::parse) fn text(
        &mut self,
        e: &BytesText<'_>,
        line: u64,
    ) -> Result<(), ParseError> {
        if self.stack.is_empty() {
            return match e.iter().position(|b| !is_xml_space(&[*b])) {
                None => Ok(()),
                Some(first) => {
                    let breaks = e
                        .get(..first)
                        .map_or(0, |s| memchr::memchr_iter(b'\n', s).count());
                    Err(self.outside_root(line + breaks as u64))
                }
            };
        }
        if self.wants_text() {
            self.take_text(&lossy(e));
        }
        Ok(())
    }

    /// A CDATA section.
    pub(in crate::parse) fn cdata(
        &mut self,
        e: &BytesCData<'_>,
        line: u64,
    ) -> Result<(), ParseError> {
        if self.stack.is_empty() {
            return Err(self.outside_root(line));
        }
        if self.wants_text() {
            self.take_text(&lossy(e));
        }
        Ok(())
    }

    /// An entity or character reference in text.
    pub(in crate::parse) fn reference(
        &mut self,
        e: &BytesRef<'_>,
        line: u64,
    ) -> Result<(), ParseError> {
        let resolved = if e.is_char_ref() {
            match e.resolve_char_ref() {
                Ok(Some(c)) => c,
                _ => {
                    let raw = clip(&lossy(e), 40);
                    return Err(
                        self.xml_error(line, format!("invalid character reference `&{raw};`"))
                    );
                }
            }
        } else {
            match &**e {
                b"lt" => '<',
                b"gt" => '>',
                b"amp" => '&',
                b"apos" => '\'',
                b"quot" => '"',
                other => {
                    return Err(
                        self.xml_error(line, unknown_entity(&String::from_utf8_lossy(other)))
                    );
                }
            }
        };
        if self.stack.is_empty() {
            return Err(self.outside_root(line));
        }
        if self.wants_text() {
            self.take_text(resolved.encode_utf8(&mut [0; 4]));
        }
        Ok(())
    }

    /// A `<!DOCTYPE>`: accepted only without entity declarations.
    pub(in crate::parse) fn doctype(
        &mut self,
        e: &BytesText<'_>,
        line: u64,
    ) -> Result<(), ParseError> {
        if self.root_seen {
            return Err(self.xml_error(line, "a DOCTYPE after the root element"));
        }
        if contains_ignore_case(e, b"<!ENTITY") {
            return Err(self.xml_error(
                line,
                "the DOCTYPE declares entities, which are never expanded",
            ));
        }
        Ok(())
    }

    /// The XML declaration: refuses the encodings that are neither UTF-8 nor ASCII-compatible
    /// nor transcoded before parsing. A UTF-16 or UTF-32 report starts with a byte-order mark
    /// (the XML specification requires it for UTF-16), and the plugin reads such a file
    /// transcoded to UTF-8 (`ArtifactExt::text_reader`), so its declaration is accepted; a
    /// UTF-16 file without a mark never gets this far (its NUL bytes are not XML). EBCDIC
    /// and UCS-2/UCS-4 declarations are refused: no reader here decodes them.
    pub(in crate::parse) fn declaration(
        &mut self,
        e: &BytesDecl<'_>,
        line: u64,
    ) -> Result<(), ParseError> {
        if let Some(Ok(encoding)) = e.encoding() {
            let lower = String::from_utf8_lossy(&encoding).to_ascii_lowercase();
            if ["ucs", "ebcdic", "ibm037", "cp037"]
                .iter()
                .any(|p| lower.starts_with(p))
            {
                let shown = clip(&lower, 40);
                return Err(self.xml_error(
                    line,
                    format!("encoding `{shown}` is not supported; reports must be UTF-8 or UTF-16"),
                ));
            }
        }
        Ok(())
    }

    /// End of input: the document must be complete.
    pub(in crate::parse) fn finish(
        self,
        line: u64,
        nothing_read: bool,
    ) -> Result<Summary, ParseError> {
        if !self.root_seen {
            let message = if nothing_read {
                "the file is empty"
            } else {
                "no root element"
            };
            return Err(self.xml_error(line, message));
        }
        let open = self.stack.iter().rev().find_map(|f| match f {
            Frame::Suite(s) => Some(("testsuite", s.line)),
            Frame::Case(c) => Some(("testcase", c.line)),
            Frame::Issue(i) => Some((i.role.element(), i.line)),
            Frame::Other { .. } => None,
        });
        if let Some((element, opened)) = open {
            return Err(self.xml_error(
                line,
                format!("the file ends inside `<{element}>` opened at line {opened}"),
            ));
        }
        Ok(self.summary)
    }
}
