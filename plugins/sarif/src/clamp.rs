//! A byte filter in front of the JSON parser that keeps every string and number token small.
//!
//! serde_json buffers a whole string before handing it to a visitor, even one that ignores
//! it, so a single 200 MB string in a SARIF log would cost 200 MB or more inside a plugin
//! capped at 512 MiB. This reader tracks just enough JSON lexing (inside/outside a string,
//! escapes, UTF-8 sequences, surrogate pairs) to cut any string after [`STRING_LIMIT`] bytes
//! at a character boundary, dropping the rest up to its closing quote; the parser then sees
//! a shorter but valid string. Numbers longer than [`NUMBER_LIMIT`] characters cannot be
//! shortened without changing them, so they are an error. A leading UTF-8 byte-order mark is
//! skipped. The filter never changes anything else, and never allocates per byte.

use std::fmt;
use std::io::{self, BufRead, Read};

/// Strings are cut after this many bytes: far above any value the plugin keeps.
pub const STRING_LIMIT: usize = 1024 * 1024;

/// The longest number token accepted, in bytes.
pub const NUMBER_LIMIT: usize = 4096;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Raised (inside an [`io::Error`]) when a number token is too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberTooLong;

impl fmt::Display for NumberTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a number longer than {NUMBER_LIMIT} characters")
    }
}

impl std::error::Error for NumberTooLong {}

/// Where the lexer is inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    Hex { left: u8, value: u16 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Outside {
        number_len: usize,
    },
    Inside {
        len: usize,
        escape: Escape,
        high_surrogate: bool,
    },
    Dropping {
        after_backslash: bool,
    },
}

/// A [`Read`] adapter that shortens long JSON strings (see the module docs).
#[derive(Debug)]
pub struct Clamp<R> {
    inner: R,
    state: State,
    started: bool,
    truncated: u64,
}

impl<R: BufRead> Clamp<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Clamp {
            inner,
            state: State::Outside { number_len: 0 },
            started: false,
            truncated: 0,
        }
    }

    /// How many strings were shortened so far.
    pub fn truncated(&self) -> u64 {
        self.truncated
    }
}

/// Decides what happens to one byte: `Ok(true)` passes it on, `Ok(false)` drops it.
fn step(state: &mut State, truncated: &mut u64, byte: u8) -> Result<bool, NumberTooLong> {
    let (next, keep) = match *state {
        State::Outside { number_len } => {
            if byte == b'"' {
                (inside(0, Escape::None, false), true)
            } else if matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                if number_len >= NUMBER_LIMIT {
                    return Err(NumberTooLong);
                }
                (
                    State::Outside {
                        number_len: number_len + 1,
                    },
                    true,
                )
            } else {
                (State::Outside { number_len: 0 }, true)
            }
        }
        State::Dropping { after_backslash } => match (after_backslash, byte) {
            (true, _) => (
                State::Dropping {
                    after_backslash: false,
                },
                false,
            ),
            (false, b'\\') => (
                State::Dropping {
                    after_backslash: true,
                },
                false,
            ),
            (false, b'"') => (State::Outside { number_len: 0 }, true),
            (false, _) => (
                State::Dropping {
                    after_backslash: false,
                },
                false,
            ),
        },
        State::Inside {
            len,
            escape,
            high_surrogate,
        } => {
            let len = len.saturating_add(1);
            match escape {
                Escape::Backslash if byte == b'u' => (
                    inside(len, Escape::Hex { left: 4, value: 0 }, high_surrogate),
                    true,
                ),
                Escape::Backslash => (inside(len, Escape::None, false), true),
                Escape::Hex { left, value } => {
                    let digit = char::from(byte).to_digit(16).unwrap_or(0) as u16;
                    let value = value.wrapping_mul(16).wrapping_add(digit);
                    if left > 1 {
                        (
                            inside(
                                len,
                                Escape::Hex {
                                    left: left - 1,
                                    value,
                                },
                                high_surrogate,
                            ),
                            true,
                        )
                    } else {
                        let high = (0xD800..=0xDBFF).contains(&value);
                        (inside(len, Escape::None, high), true)
                    }
                }
                Escape::None if byte == b'"' => (State::Outside { number_len: 0 }, true),
                Escape::None if len > STRING_LIMIT && !high_surrogate && (byte & 0xC0) != 0x80 => {
                    *truncated += 1;
                    (
                        State::Dropping {
                            after_backslash: byte == b'\\',
                        },
                        false,
                    )
                }
                Escape::None if byte == b'\\' => {
                    (inside(len, Escape::Backslash, high_surrogate), true)
                }
                Escape::None => (inside(len, Escape::None, false), true),
            }
        }
    };
    *state = next;
    Ok(keep)
}

fn inside(len: usize, escape: Escape, high_surrogate: bool) -> State {
    State::Inside {
        len,
        escape,
        high_surrogate,
    }
}

impl<R: BufRead> Read for Clamp<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            self.started = true;
            if self.inner.fill_buf()?.starts_with(BOM) {
                self.inner.consume(BOM.len());
            }
        }
        loop {
            let input = self.inner.fill_buf()?;
            if input.is_empty() || out.is_empty() {
                return Ok(0);
            }
            let mut used = 0;
            let mut written = 0;
            while written < out.len() {
                let Some(rest) = input.get(used..).filter(|rest| !rest.is_empty()) else {
                    break;
                };
                // Fast paths: plain string content is copied (or dropped) in bulk.
                match self.state {
                    State::Inside {
                        len,
                        escape: Escape::None,
                        ..
                    } => {
                        let span = rest
                            .len()
                            .min(out.len() - written)
                            .min(STRING_LIMIT - len.min(STRING_LIMIT));
                        let window = rest.get(..span).unwrap_or_default();
                        let run = memchr::memchr2(b'"', b'\\', window).unwrap_or(span);
                        if run > 0 {
                            if let (Some(dst), Some(src)) =
                                (out.get_mut(written..written + run), window.get(..run))
                            {
                                dst.copy_from_slice(src);
                            }
                            written += run;
                            used += run;
                            self.state = inside(len + run, Escape::None, false);
                            continue;
                        }
                    }
                    State::Dropping {
                        after_backslash: false,
                    } => {
                        let run = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
                        if run > 0 {
                            used += run;
                            continue;
                        }
                    }
                    _ => {}
                }
                let Some(&byte) = rest.first() else {
                    break;
                };
                used += 1;
                let keep = step(&mut self.state, &mut self.truncated, byte)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                if keep {
                    if let Some(slot) = out.get_mut(written) {
                        *slot = byte;
                    }
                    written += 1;
                }
            }
            self.inner.consume(used);
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clamp(input: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Clamp::new(input).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn small_documents_pass_unchanged() {
        let doc = br#"{"a": "x\"y\\", "b": [1.5e3, -2], "c": "\ud83d\ude00 \u00e9"}"#;
        assert_eq!(clamp(doc).unwrap(), doc.to_vec());
    }

    #[test]
    fn a_bom_is_skipped() {
        assert_eq!(clamp(b"\xEF\xBB\xBF{}").unwrap(), b"{}".to_vec());
    }

    #[test]
    fn long_strings_are_cut_at_a_character_boundary() {
        let mut doc = br#"{"k": ""#.to_vec();
        doc.extend(std::iter::repeat_n(b'a', STRING_LIMIT - 1));
        doc.extend("é".as_bytes());
        doc.extend(br#"\"tail\"", "next": 1}"#);
        let out = clamp(&doc).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(r#"é", "next": 1}"#),
            "{}",
            &text[text.len() - 30..]
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["k"].as_str().unwrap().len(), STRING_LIMIT + 1);
        assert_eq!(value["next"], 1);
    }

    #[test]
    fn a_surrogate_pair_is_never_split() {
        let mut doc = b"\"".to_vec();
        doc.extend(std::iter::repeat_n(b'a', STRING_LIMIT - 6));
        doc.extend(br#"\ud83d\ude00\ud83d\ude00""#);
        let out = clamp(&doc).unwrap();
        let value: String = serde_json::from_slice(&out).unwrap();
        assert!(value.ends_with('\u{1F600}'));
    }

    #[test]
    fn long_numbers_are_errors() {
        let doc = vec![b'1'; NUMBER_LIMIT + 1];
        let error = clamp(&doc).unwrap_err();
        assert!(error.get_ref().unwrap().is::<NumberTooLong>());
        assert!(clamp(&vec![b'1'; NUMBER_LIMIT]).is_ok());
    }
}
