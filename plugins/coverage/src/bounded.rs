//! A buffered reader that caps how many bytes one token may span and counts lines.
//!
//! Streaming parsers still buffer a whole token (an XML tag, a text run, an LCOV line)
//! before handing it over, so a 200 MB attribute would need 200 MB of memory inside a plugin
//! capped at 512 MiB. The parser calls [`Bounded::mark`] between tokens; once more than
//! `limit` bytes pass without a mark, reads fail and [`Bounded::overflowed`] turns true, so
//! the caller reports a clear error instead of growing a buffer. The newline count gives
//! error messages a line number. This module must not interpret the bytes it passes on.

use std::io::{self, BufRead, Read};

/// The largest single token accepted: far above any real coverage report's longest tag.
pub const TOKEN_LIMIT: usize = 8 * 1024 * 1024;

/// A [`BufRead`] adapter that bounds the bytes read between two marks.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: R,
    limit: usize,
    since_mark: usize,
    newlines: u64,
    line_at_mark: u64,
    overflow: bool,
}

impl<R: BufRead> Bounded<R> {
    /// Wraps `inner`, allowing at most `limit` bytes between marks.
    pub fn new(inner: R, limit: usize) -> Self {
        Bounded {
            inner,
            limit,
            since_mark: 0,
            newlines: 0,
            line_at_mark: 1,
            overflow: false,
        }
    }

    /// Starts a new token: the byte budget is reset.
    pub fn mark(&mut self) {
        self.since_mark = 0;
        self.line_at_mark = self.line();
    }

    /// The 1-based line of the next byte to be read.
    pub fn line(&self) -> u64 {
        self.newlines.saturating_add(1)
    }

    /// The 1-based line at the last mark (where the current token starts).
    pub fn line_at_mark(&self) -> u64 {
        self.line_at_mark
    }

    /// True once a token went past the limit.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// The byte limit per token.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
                dst.copy_from_slice(src);
            }
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark >= self.limit {
            self.overflow = true;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("token longer than {} bytes", self.limit),
            ));
        }
        let allowed = self.limit - self.since_mark;
        let buffer = self.inner.fill_buf()?;
        Ok(buffer.get(..allowed).unwrap_or(buffer))
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            let seen = buffer.get(..amount).unwrap_or(buffer);
            let newlines = seen.iter().filter(|b| **b == b'\n').count();
            self.newlines = self.newlines.saturating_add(newlines as u64);
        }
        self.since_mark = self.since_mark.saturating_add(amount);
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_stops_long_tokens() {
        let data = b"ab\ncd\nefghijkl".to_vec();
        let mut reader = Bounded::new(io::Cursor::new(data), 4);
        let mut line = Vec::new();
        reader.read_until(b'\n', &mut line).unwrap();
        assert_eq!(line, b"ab\n");
        assert_eq!(reader.line(), 2);
        reader.mark();
        line.clear();
        reader.read_until(b'\n', &mut line).unwrap();
        assert_eq!(reader.line(), 3);
        assert_eq!(reader.line_at_mark(), 2);
        reader.mark();
        line.clear();
        assert!(reader.read_until(b'\n', &mut line).is_err());
        assert!(reader.overflowed());
        assert_eq!(line, b"efgh");
    }
}
