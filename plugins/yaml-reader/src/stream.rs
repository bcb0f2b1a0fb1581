//! Turns a byte reader into the `char` stream the YAML parser consumes.
//!
//! The parser pulls characters one at a time, so a file never has to be held
//! in memory whole. Bytes are decoded as UTF-8 in chunks; a read error, bytes
//! that are not UTF-8 or a file past the size cap end the stream early and are
//! recorded in a shared [`StreamState`] that the composer checks before it
//! trusts what the parser made of the (cut) input. This module must not
//! interpret YAML.

use std::cell::RefCell;
use std::io::BufRead;
use std::rc::Rc;

/// Most bytes decoded per refill, so memory stays bounded whatever the reader buffers.
const CHUNK_BYTES: usize = 64 * 1024;

/// Why the character stream ended before the end of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamStop {
    /// The reader failed.
    Io(String),
    /// The bytes at this offset are not UTF-8.
    NotUtf8 {
        /// Byte offset of the first bad byte.
        offset: u64,
    },
    /// The file is larger than the cap.
    TooLarge {
        /// The cap in bytes.
        limit: u64,
    },
    /// A `%YAML` directive names a version other than 1.x.
    Version(String),
}

/// What the stream learned while it was read, shared with the composer.
#[derive(Debug, Default)]
pub struct StreamState {
    /// Set when the stream ended early.
    pub stop: Option<StreamStop>,
    /// Whether `{{` occurred: the text may be an unrendered template.
    pub saw_template: bool,
}

/// An iterator of `char`s over a UTF-8 reader, bounded to `limit` bytes.
pub struct Utf8Chars<R> {
    reader: R,
    chunk: String,
    pos: usize,
    carry: Vec<u8>,
    read: u64,
    limit: u64,
    state: Rc<RefCell<StreamState>>,
    done: bool,
    line_start: bool,
    directive: Option<String>,
}

impl<R: BufRead> Utf8Chars<R> {
    /// Streams `reader`, stopping with [`StreamStop::TooLarge`] past `limit` bytes.
    pub fn new(reader: R, limit: u64, state: Rc<RefCell<StreamState>>) -> Self {
        Self {
            reader,
            chunk: String::new(),
            pos: 0,
            carry: Vec::new(),
            read: 0,
            limit,
            state,
            done: false,
            line_start: true,
            directive: None,
        }
    }

    /// Watches `%YAML` directives: a major version other than 1 stops the stream.
    fn watch(&mut self, c: char) {
        if let Some(directive) = self.directive.as_mut() {
            if c != '\n' && directive.len() < 32 {
                directive.push(c);
            } else if let Some(directive) = self.directive.take()
                && let Some(version) = directive.strip_prefix("YAML")
                && version.trim().split('.').next() != Some("1")
            {
                self.stop(StreamStop::Version(version.trim().to_owned()));
            }
        } else if c == '%' && self.line_start {
            self.directive = Some(String::new());
        }
        self.line_start = c == '\n';
    }

    fn stop(&mut self, stop: StreamStop) {
        self.done = true;
        self.chunk.clear();
        self.pos = 0;
        self.state.borrow_mut().stop = Some(stop);
    }

    /// Decodes the next chunk; returns false at the end of the input.
    fn refill(&mut self) -> bool {
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.stop(StreamStop::Io(e.to_string()));
                    return false;
                }
            };
            if buf.is_empty() {
                if !self.carry.is_empty() {
                    let offset = self.read - self.carry.len() as u64;
                    self.stop(StreamStop::NotUtf8 { offset });
                }
                return false;
            }
            // Decode at most one chunk at a time, whatever the reader buffers.
            let n = buf.len().min(CHUNK_BYTES);
            self.carry.extend_from_slice(buf.get(..n).unwrap_or(buf));
            self.reader.consume(n);
            self.read += n as u64;
            if self.read > self.limit {
                let limit = self.limit;
                self.stop(StreamStop::TooLarge { limit });
                return false;
            }
            let carried = std::mem::take(&mut self.carry);
            let valid = match std::str::from_utf8(&carried) {
                Ok(_) => carried.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(e) => {
                    let offset = self.read - carried.len() as u64 + e.valid_up_to() as u64;
                    self.stop(StreamStop::NotUtf8 { offset });
                    return false;
                }
            };
            let (head, tail) = carried.split_at(valid);
            self.carry = tail.to_vec();
            self.chunk = String::from_utf8_lossy(head).into_owned();
            self.pos = 0;
            if self.chunk.contains("{{") {
                self.state.borrow_mut().saw_template = true;
            }
            if !self.chunk.is_empty() {
                return true;
            }
        }
    }
}

impl<R: BufRead> Iterator for Utf8Chars<R> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        if self.done {
            return None;
        }
        loop {
            if let Some(c) = self.chunk.get(self.pos..).and_then(|s| s.chars().next()) {
                self.pos += c.len_utf8();
                self.watch(c);
                return Some(c);
            }
            if !self.refill() {
                self.done = true;
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn decode(bytes: &[u8], cap: usize, limit: u64) -> (String, Option<StreamStop>) {
        let state = Rc::new(RefCell::new(StreamState::default()));
        let reader = BufReader::with_capacity(cap, bytes);
        let text: String = Utf8Chars::new(reader, limit, state.clone()).collect();
        let stop = state.borrow().stop.clone();
        (text, stop)
    }

    #[test]
    fn multibyte_characters_split_across_reads() {
        let input = "café ☕ déjà".as_bytes();
        for cap in 1..8 {
            assert_eq!(decode(input, cap, 1000), ("café ☕ déjà".into(), None));
        }
    }

    #[test]
    fn invalid_utf8_stops_with_offset() {
        let (_, stop) = decode(b"ab\xffcd", 2, 1000);
        assert_eq!(stop, Some(StreamStop::NotUtf8 { offset: 2 }));
    }

    #[test]
    fn truncated_sequence_at_end_is_not_utf8() {
        let (_, stop) = decode(b"ab\xe2\x98", 8, 1000);
        assert_eq!(stop, Some(StreamStop::NotUtf8 { offset: 2 }));
    }

    #[test]
    fn yaml_version_directives() {
        assert_eq!(decode(b"%YAML 1.2\n---\na: 1\n", 4, 1000).1, None);
        let (_, stop) = decode(b"# c\n%YAML 2.0\n---\n", 4, 1000);
        assert_eq!(stop, Some(StreamStop::Version("2.0".into())));
        assert_eq!(decode(b"a: '%YAML 2.0'\n", 4, 1000).1, None);
    }

    #[test]
    fn size_cap_stops_the_stream() {
        let (_, stop) = decode(&[b'a'; 100], 16, 40);
        assert_eq!(stop, Some(StreamStop::TooLarge { limit: 40 }));
    }
}
