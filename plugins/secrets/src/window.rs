//! Bounded windows of whole lines over any reader.
//!
//! Regexes are cheapest when they run over large haystacks, and lines are what
//! findings point at. This module hands out windows of at most [`WINDOW`]
//! bytes that hold as many complete lines as fit. A line longer than a window
//! (minified bundles, base64 blobs, a 50 MB single-line JSON) is cut into
//! pieces that overlap by [`OVERLAP`] bytes, so a token shorter than the
//! overlap that straddles a cut is still seen whole in the next piece. Memory
//! stays at one window whatever the input; nothing here interprets the bytes.

use memchr::{memchr, memrchr};
use std::io::{self, BufRead};

/// The largest window handed to the detectors, in bytes.
pub const WINDOW: usize = 64 * 1024;

/// How many bytes at the end of a piece of a long line are repeated at the
/// start of the next piece.
pub const OVERLAP: usize = 4 * 1024;

/// Complete lines, or one piece of a long line.
#[derive(Debug)]
pub struct Window<'a> {
    /// 1-based number of the first line in the window.
    pub line: u64,
    /// The bytes, newlines included.
    pub bytes: &'a [u8],
    /// The first line started in an earlier window (this is a later piece of it).
    pub continues: bool,
    /// The window ends at the end of a line (or of the input): a match touching
    /// its end is complete.
    pub ends_line: bool,
}

/// Cuts a reader into bounded windows of lines.
#[derive(Debug)]
pub struct LineWindows<R> {
    reader: R,
    buf: Vec<u8>,
    line: u64,
    /// Bytes of `buf` handed out by the last window.
    emitted: usize,
    /// The last window ended inside a line.
    inside_line: bool,
    /// Bytes at the start of `buf` that the last window already showed.
    carried: usize,
}

impl<R: BufRead> LineWindows<R> {
    /// Wraps `reader`; nothing is read until [`LineWindows::next_window`].
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(WINDOW),
            line: 1,
            emitted: 0,
            inside_line: false,
            carried: 0,
        }
    }

    /// The capacity of the internal buffer: never more than [`WINDOW`].
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity()
    }

    /// The next window, or `None` at the end of the input.
    pub fn next_window(&mut self) -> io::Result<Option<Window<'_>>> {
        let emitted = self.buf.get(..self.emitted).unwrap_or_default();
        if self.inside_line {
            let keep_from = self.emitted.saturating_sub(OVERLAP);
            self.carried = self.emitted - keep_from;
            self.buf.drain(..keep_from);
        } else {
            let lines = memchr::memchr_iter(b'\n', emitted).count() as u64;
            self.line = self.line.saturating_add(lines);
            self.carried = 0;
            self.buf.drain(..self.emitted);
        }
        let continues = self.inside_line;
        let full = self.fill()?;
        if self.buf.is_empty() {
            self.emitted = self.buf.len();
            self.inside_line = false;
            return Ok(None);
        }
        let (end, ends_line) = if !full {
            (self.buf.len(), true)
        } else if continues {
            let rest = self.buf.get(self.carried..).unwrap_or_default();
            match memchr(b'\n', rest) {
                Some(p) => (self.carried + p + 1, true),
                None => (char_boundary(&self.buf, self.buf.len()), false),
            }
        } else {
            match memrchr(b'\n', &self.buf) {
                Some(p) => (p + 1, true),
                None => (char_boundary(&self.buf, self.buf.len()), false),
            }
        };
        self.emitted = end;
        self.inside_line = !ends_line;
        Ok(Some(Window {
            line: self.line,
            bytes: self.buf.get(..end).unwrap_or_default(),
            continues,
            ends_line,
        }))
    }

    /// Reads until the buffer is full (true) or the input ends (false).
    fn fill(&mut self) -> io::Result<bool> {
        while self.buf.len() < WINDOW {
            let available = match self.reader.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok(false);
            }
            let take = available.len().min(WINDOW - self.buf.len());
            self.buf
                .extend_from_slice(available.get(..take).unwrap_or_default());
            self.reader.consume(take);
        }
        Ok(true)
    }
}

/// The largest cut `<= len` that does not split a UTF-8 sequence (at most 3 bytes back).
fn char_boundary(buf: &[u8], len: usize) -> usize {
    let mut cut = len;
    while cut > len.saturating_sub(3)
        && buf
            .get(cut)
            .is_some_and(|b| (b & 0b1100_0000) == 0b1000_0000)
    {
        cut -= 1;
    }
    cut
}

/// Where the lines of a decoded window start and end.
#[derive(Debug, Default)]
pub struct LineIndex {
    first: u64,
    continues: bool,
    /// Byte offsets of the `\n`s in the window's text.
    newlines: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Indexes `text`, whose first line is number `first`; the buffer is reused.
    pub fn reset(&mut self, text: &str, first: u64, continues: bool) {
        self.first = first;
        self.continues = continues;
        self.len = text.len();
        self.newlines.clear();
        self.newlines
            .extend(memchr::memchr_iter(b'\n', text.as_bytes()));
    }

    /// Number of the first line.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// Number of the last line with any byte in the window.
    pub fn last(&self) -> u64 {
        let complete = self.newlines.len() as u64;
        let trailing = u64::from(self.newlines.last().is_none_or(|nl| nl + 1 < self.len));
        (self.first + complete + trailing)
            .saturating_sub(1)
            .max(self.first)
    }

    /// The line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> u64 {
        self.first + self.newlines.partition_point(|nl| *nl < offset) as u64
    }

    /// The byte range of `line` in the window (without its `\n`), if present.
    pub fn span(&self, line: u64) -> Option<std::ops::Range<usize>> {
        let index = usize::try_from(line.checked_sub(self.first)?).ok()?;
        let start = match index {
            0 => 0,
            i => self.newlines.get(i - 1)? + 1,
        };
        if index > 0 && start >= self.len {
            return None;
        }
        let end = self.newlines.get(index).copied().unwrap_or(self.len);
        Some(start..end)
    }

    /// Whether `line` starts in this window (false for the continued first line).
    pub fn starts_here(&self, line: u64) -> bool {
        !(self.continues && line == self.first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// (first line, text, continues, ends_line) of every window.
    fn windows(input: &[u8]) -> Vec<(u64, Vec<u8>, bool, bool)> {
        let mut w = LineWindows::new(BufReader::with_capacity(1000, input));
        let mut out = Vec::new();
        while let Some(win) = w.next_window().unwrap() {
            out.push((win.line, win.bytes.to_vec(), win.continues, win.ends_line));
        }
        assert_eq!(w.buffer_capacity(), WINDOW, "the buffer never grows");
        out
    }

    #[test]
    fn short_lines_share_a_window() {
        assert_eq!(
            windows(b"a\r\nbb\n\nccc"),
            vec![(1, b"a\r\nbb\n\nccc".to_vec(), false, true)]
        );
        assert!(windows(b"").is_empty());
    }

    #[test]
    fn windows_end_at_line_ends_and_count_lines() {
        let line = [b'x'; 999];
        let mut input = Vec::new();
        for _ in 0..200 {
            input.extend_from_slice(&line);
            input.push(b'\n');
        }
        let out = windows(&input);
        assert!(out.len() > 1);
        let mut next_line = 1;
        for (first, text, continues, ends) in &out {
            assert_eq!(*first, next_line);
            assert!(!continues && *ends && text.ends_with(b"\n") && text.len() <= WINDOW);
            next_line += text.iter().filter(|b| **b == b'\n').count() as u64;
        }
        assert_eq!(next_line, 201);
    }

    #[test]
    fn long_line_is_cut_into_overlapping_pieces() {
        let mut input = vec![b'a'; WINDOW * 2 + 10];
        input.extend_from_slice(b"\nnext\n");
        let out = windows(&input);
        let pieces: Vec<_> = out.iter().filter(|w| w.0 == 1).collect();
        assert_eq!(pieces.len(), 3);
        assert!(!pieces[0].2 && !pieces[0].3);
        assert!(pieces[1].2 && !pieces[1].3);
        assert!(pieces[2].2 && pieces[2].3);
        // The last piece also carries the lines after the long one.
        let shown: usize = pieces.iter().map(|w| w.1.len()).sum();
        assert_eq!(shown, WINDOW * 2 + 10 + 1 + 5 + 2 * OVERLAP);
        assert!(pieces[2].1.ends_with(b"a\nnext\n"));
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn cuts_never_split_a_utf8_sequence() {
        for (_, text, _, _) in windows("é".repeat(WINDOW).as_bytes()) {
            assert!(std::str::from_utf8(&text).is_ok());
        }
    }

    #[test]
    fn line_index_maps_offsets_and_spans() {
        let mut index = LineIndex::default();
        index.reset("ab\ncd\n\nef", 10, false);
        assert_eq!((index.first(), index.last()), (10, 13));
        assert_eq!(index.line_of(0), 10);
        assert_eq!(index.line_of(3), 11);
        assert_eq!(index.line_of(8), 13);
        assert_eq!(index.span(11), Some(3..5));
        assert_eq!(index.span(12), Some(6..6));
        assert_eq!(index.span(13), Some(7..9));
        assert_eq!(index.span(14), None);
        index.reset("ab\n", 4, true);
        assert_eq!(index.last(), 4);
        assert!(!index.starts_here(4));
    }
}
