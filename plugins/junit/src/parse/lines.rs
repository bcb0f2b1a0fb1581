//! Line numbers for a streaming parse, without an index of the whole file.
//!
//! [`LineCounter`] sits between the file and the XML reader. It counts the line
//! breaks in the bytes the reader consumes and remembers the offsets of the most
//! recent ones in a fixed-size ring, so the parser can turn a byte position
//! reported by the reader into a line number. Its memory does not grow with the
//! file: it must never keep more than [`RECENT`] offsets.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

/// How many recent line-break offsets are remembered.
const RECENT: usize = 1024;

/// A [`BufRead`] wrapper that counts the line breaks passing through it.
#[derive(Debug)]
pub(crate) struct LineCounter<R> {
    inner: R,
    /// Bytes consumed so far.
    consumed: u64,
    /// Line breaks (`\n`) in the consumed bytes.
    breaks: u64,
    /// Offsets of the most recent line breaks, oldest first.
    recent: VecDeque<u64>,
    /// Whether older offsets were dropped from `recent`.
    forgot: bool,
    /// The position and line of the event being read (see [`Self::mark`]).
    mark: (u64, u64),
}

impl<R: BufRead> LineCounter<R> {
    /// Wraps `inner`; positions count from its current position.
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            consumed: 0,
            breaks: 0,
            recent: VecDeque::with_capacity(RECENT),
            forgot: false,
            mark: (0, 1),
        }
    }

    fn record(&mut self, amt: usize) {
        let Ok(available) = self.inner.fill_buf() else {
            return;
        };
        let chunk = available.get(..amt).unwrap_or(available);
        for index in memchr::memchr_iter(b'\n', chunk) {
            self.breaks += 1;
            if self.recent.len() == RECENT {
                self.recent.pop_front();
                self.forgot = true;
            }
            self.recent.push_back(self.consumed + index as u64);
        }
        self.consumed += amt as u64;
    }
}

impl<R> LineCounter<R> {
    /// The 1-based line of byte position `pos` (0 = the first byte).
    ///
    /// Exact when fewer than [`RECENT`] line breaks lie between `pos` and the
    /// bytes consumed so far. Past that (one XML event spanning thousands of
    /// lines, such as an unclosed CDATA section) a position inside the event
    /// marked last gets the line where that event starts.
    pub(crate) fn line_at(&self, pos: u64) -> u64 {
        let later = self.recent.iter().rev().take_while(|&&o| o >= pos).count();
        let lost = self.forgot && later == self.recent.len();
        if lost && pos >= self.mark.0 {
            return self.mark.1;
        }
        self.breaks - later as u64 + 1
    }

    /// Remembers `pos` (the start of the event about to be read) and its line.
    pub(crate) fn mark(&mut self, pos: u64) {
        self.mark = (pos, self.line_at(pos));
    }

    /// The line of the position given to the last [`Self::mark`].
    pub(crate) fn marked_line(&self) -> u64 {
        self.mark.1
    }

    /// The line the reading has reached.
    pub(crate) fn current_line(&self) -> u64 {
        self.breaks + 1
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.inner.fill_buf()?;
        let n = available.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            self.record(amt);
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consume_all(counter: &mut LineCounter<&[u8]>, step: usize) {
        loop {
            let n = counter.fill_buf().unwrap().len().min(step);
            if n == 0 {
                break;
            }
            counter.consume(n);
        }
    }

    #[test]
    fn counts_lines_of_positions() {
        let text = b"a\nbb\n\nccc\n";
        let mut counter = LineCounter::new(&text[..]);
        consume_all(&mut counter, 3);
        assert_eq!(counter.line_at(0), 1);
        assert_eq!(counter.line_at(1), 1); // the `\n` itself ends line 1
        assert_eq!(counter.line_at(2), 2);
        assert_eq!(counter.line_at(5), 3);
        assert_eq!(counter.line_at(6), 4);
        assert_eq!(counter.line_at(100), 5);
        assert_eq!(counter.current_line(), 5);
    }

    #[test]
    fn memory_is_bounded_and_marks_cover_long_events() {
        let text = "\n".repeat(RECENT * 3);
        let mut counter = LineCounter::new(text.as_bytes());
        counter.mark(0);
        consume_all(&mut counter, 4096);
        assert_eq!(counter.recent.len(), RECENT);
        // the mark at position 0 answers for the lost range
        assert_eq!(counter.line_at(5), 1);
        // recent positions stay exact
        assert_eq!(
            counter.line_at((RECENT * 3 - 1) as u64),
            (RECENT * 3) as u64
        );
    }

    #[test]
    fn read_counts_too() {
        let mut counter = LineCounter::new(&b"x\ny\n"[..]);
        let mut out = Vec::new();
        counter.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"x\ny\n");
        assert_eq!(counter.current_line(), 3);
    }
}
