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

/// Line numbers for a report held in memory, answering exactly as a
/// [`LineCounter`] would after the reader consumed the same bytes, so both
/// ways of parsing report the same lines.
#[derive(Debug)]
pub(crate) struct SliceLines<'a> {
    data: &'a [u8],
    /// Bytes whose line breaks are counted in `breaks`.
    counted: u64,
    /// Line breaks in the first `counted` bytes.
    breaks: u64,
    /// The position and line of the event being read.
    mark: (u64, u64),
}

impl<'a> SliceLines<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            counted: 0,
            breaks: 0,
            mark: (0, 1),
        }
    }

    /// The length of the report.
    pub(crate) fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// Line breaks in `from..to`.
    fn breaks_in(&self, from: u64, to: u64) -> u64 {
        let range = usize::try_from(from).unwrap_or(usize::MAX)..usize::try_from(to).unwrap_or(0);
        memchr::memchr_iter(b'\n', self.data.get(range).unwrap_or_default()).count() as u64
    }

    /// Counts the line breaks of the first `consumed` bytes.
    fn advance(&mut self, consumed: u64) {
        if consumed > self.counted {
            self.breaks += self.breaks_in(self.counted, consumed);
        } else if consumed < self.counted {
            self.breaks = self.breaks_in(0, consumed);
        }
        self.counted = consumed;
    }

    /// [`LineCounter::line_at`] after `consumed` bytes.
    pub(crate) fn line_at(&mut self, pos: u64, consumed: u64) -> u64 {
        self.advance(consumed);
        // What the ring of a `LineCounter` holds: the newest breaks, at most
        // `RECENT`, and of those the ones at or after `pos`.
        let kept = self.breaks.min(RECENT as u64);
        let later = self.breaks_in(pos, consumed).min(kept);
        let forgot = self.breaks > RECENT as u64;
        if forgot && later == kept && pos >= self.mark.0 {
            return self.mark.1;
        }
        self.breaks - later + 1
    }

    /// [`LineCounter::mark`] then [`LineCounter::marked_line`].
    pub(crate) fn mark(&mut self, pos: u64, consumed: u64) -> u64 {
        let line = self.line_at(pos, consumed);
        self.mark = (pos, line);
        line
    }

    /// [`LineCounter::current_line`] after `consumed` bytes.
    pub(crate) fn current_line(&mut self, consumed: u64) -> u64 {
        self.advance(consumed);
        self.breaks + 1
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
    #[test]
    fn lines_of_a_slice_are_those_of_a_stream() {
        // Dense and sparse line breaks, past the ring's size; marks and
        // queries before, inside and after what has been consumed.
        let mut text = Vec::new();
        let mut seed = 7u32;
        for _ in 0..(RECENT * 5) {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let run = (seed >> 16) % 40;
            text.extend(std::iter::repeat_n(b'x', run as usize));
            text.push(b'\n');
        }
        text.extend(std::iter::repeat_n(b'\n', RECENT * 3));
        let len = text.len() as u64;
        let mut stream = LineCounter::new(&text[..]);
        let mut slice = SliceLines::new(&text);
        let mut consumed = 0u64;
        let mut step = 1usize;
        while consumed < len {
            let mark = consumed.saturating_sub(step as u64 * 3);
            stream.mark(mark);
            assert_eq!(
                slice.mark(mark, consumed),
                stream.marked_line(),
                "mark {mark}"
            );
            let n = stream.fill_buf().unwrap().len().min(step);
            stream.consume(n);
            consumed += n as u64;
            for pos in [
                0,
                mark / 2,
                mark,
                (mark + consumed) / 2,
                consumed,
                consumed + 9,
            ] {
                assert_eq!(
                    slice.line_at(pos, consumed),
                    stream.line_at(pos),
                    "position {pos} after {consumed} bytes"
                );
            }
            assert_eq!(slice.current_line(consumed), stream.current_line());
            step = step * 3 % 9973 + 1;
        }
    }
}
