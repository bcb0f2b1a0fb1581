//! Byte-order marks: text in UTF-16 or UTF-32 that announces itself with a
//! mark, transcoded to UTF-8 while it streams, in bounded memory. Invalid
//! sequences become U+FFFD; nothing panics. Without a mark (or with a UTF-8
//! one, which is dropped) bytes pass through unchanged.
//!
//! The host's sniffer and the plugins that read text use the same code, so a
//! file the host routes as text is the text the plugin reads.
//!
//! ```
//! use std::io::Read as _;
//! let mut utf16 = vec![0xFF, 0xFE];
//! utf16.extend("TOKEN=x".encode_utf16().flat_map(u16::to_le_bytes));
//! let mut text = String::new();
//! stagegate_text::bom::BomReader::new(&utf16[..]).read_to_string(&mut text).unwrap();
//! assert_eq!(text, "TOKEN=x");
//! ```

use std::io::{self, Read};

/// The encoding a byte-order mark announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (or anything else without one).
    #[default]
    Utf8,
    /// UTF-16, little-endian, with a byte-order mark.
    Utf16Le,
    /// UTF-16, big-endian, with a byte-order mark.
    Utf16Be,
    /// UTF-32, little-endian, with a byte-order mark.
    Utf32Le,
    /// UTF-32, big-endian, with a byte-order mark.
    Utf32Be,
}

/// Byte-order mark detection and streaming transcoding to UTF-8.
#[derive(Debug, Default)]
pub struct Transcoder {
    decided: bool,
    encoding: Encoding,
    /// Bytes held back: the first bytes until the mark is known, then a
    /// partial code unit.
    pending: Vec<u8>,
    /// A UTF-16 high surrogate waiting for its low half.
    high: Option<u16>,
}

impl Transcoder {
    /// The encoding the stream's byte-order mark announced (UTF-8 until known).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Whether the rest of the stream passes through unchanged: its mark was
    /// read and it is UTF-8, with nothing held back.
    pub fn passes_through(&self) -> bool {
        self.decided && self.encoding == Encoding::Utf8 && self.pending.is_empty()
    }

    /// Transcodes the next chunk of the stream, appending UTF-8 to `out`.
    pub fn decode(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        if !self.decided {
            self.pending.extend_from_slice(chunk);
            if self.pending.len() < 4 {
                return;
            }
            self.decide();
            let held = std::mem::take(&mut self.pending);
            self.transcode(&held, out);
            return;
        }
        self.transcode(chunk, out);
    }

    fn decide(&mut self) {
        self.decided = true;
        let (encoding, mark) = match self.pending.as_slice() {
            [0xFF, 0xFE, 0, 0, ..] => (Encoding::Utf32Le, 4),
            [0, 0, 0xFE, 0xFF, ..] => (Encoding::Utf32Be, 4),
            [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
            [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
            [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
            _ => (Encoding::Utf8, 0),
        };
        self.encoding = encoding;
        self.pending.drain(..mark.min(self.pending.len()));
    }

    /// Ends the stream: a partial code unit becomes U+FFFD.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.decided {
            self.decide();
            let held = std::mem::take(&mut self.pending);
            self.transcode(&held, out);
        }
        if !self.pending.is_empty() || self.high.take().is_some() {
            if self.encoding != Encoding::Utf8 {
                push_char(out, char::REPLACEMENT_CHARACTER);
            }
            self.pending.clear();
        }
    }

    fn transcode(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let width = match self.encoding {
            Encoding::Utf8 => {
                out.extend_from_slice(bytes);
                return;
            }
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf32Le | Encoding::Utf32Be => 4,
        };
        let mut joined;
        let input = if self.pending.is_empty() {
            bytes
        } else {
            joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(bytes);
            joined.as_slice()
        };
        let whole = input.len() - input.len() % width;
        let (units, rest) = input.split_at(whole);
        for unit in units.chunks_exact(width) {
            match (self.encoding, unit) {
                (Encoding::Utf16Le, &[a, b]) => self.utf16(u16::from_le_bytes([a, b]), out),
                (Encoding::Utf16Be, &[a, b]) => self.utf16(u16::from_be_bytes([a, b]), out),
                (Encoding::Utf32Le, &[a, b, c, d]) => {
                    push_u32(out, u32::from_le_bytes([a, b, c, d]));
                }
                (Encoding::Utf32Be, &[a, b, c, d]) => {
                    push_u32(out, u32::from_be_bytes([a, b, c, d]));
                }
                _ => {}
            }
        }
        self.pending = rest.to_vec();
    }

    fn utf16(&mut self, unit: u16, out: &mut Vec<u8>) {
        match (self.high.take(), unit) {
            (None, 0xD800..=0xDBFF) => self.high = Some(unit),
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                push_u32(out, c);
            }
            (Some(_), _) => {
                push_char(out, char::REPLACEMENT_CHARACTER);
                self.utf16(unit, out);
            }
            (None, 0xDC00..=0xDFFF) => push_char(out, char::REPLACEMENT_CHARACTER),
            (None, unit) => push_u32(out, u32::from(unit)),
        }
    }
}

fn push_u32(out: &mut Vec<u8>, value: u32) {
    push_char(
        out,
        char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
    );
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// `text` as UTF-16 with its byte-order mark (little- or big-endian): the
/// inverse of what [`BomReader`] reads, for tests and fixtures.
pub fn utf16_with_mark(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        });
    }
    bytes
}

/// A reader that yields the UTF-8 transcoding of a stream with a byte-order
/// mark (see the module documentation).
pub struct BomReader<R> {
    inner: R,
    transcoder: Transcoder,
    out: Vec<u8>,
    at: usize,
    done: bool,
    buf: Vec<u8>,
}

impl<R> BomReader<R> {
    /// The encoding the stream's byte-order mark announced; UTF-8 until the first
    /// bytes are read, and when there is no mark.
    pub fn encoding(&self) -> Encoding {
        self.transcoder.encoding()
    }
}

impl<R: Read> BomReader<R> {
    /// Transcodes `inner`.
    pub fn new(inner: R) -> Self {
        BomReader {
            inner,
            transcoder: Transcoder::default(),
            out: Vec::new(),
            at: 0,
            done: false,
            buf: vec![0; 64 * 1024],
        }
    }
}

impl<R: Read> Read for BomReader<R> {
    fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
        // Past the mark of a UTF-8 stream, read straight into `into`.
        if self.at >= self.out.len() && !self.done && self.transcoder.passes_through() {
            return self.inner.read(into);
        }
        while self.at >= self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.out.clear();
            self.at = 0;
            let n = self.inner.read(&mut self.buf)?;
            match self.buf.get(..n) {
                Some(chunk) if n > 0 => self.transcoder.decode(chunk, &mut self.out),
                _ => {
                    self.transcoder.finish(&mut self.out);
                    self.done = true;
                }
            }
        }
        let pending = self.out.get(self.at..).unwrap_or_default();
        let n = pending.len().min(into.len());
        if let (Some(dst), Some(src)) = (into.get_mut(..n), pending.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> String {
        let mut text = String::new();
        // One byte at a time from the inner reader: every split is exercised.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
                match (self.0.split_first(), into.first_mut()) {
                    (Some((b, rest)), Some(slot)) => {
                        *slot = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        BomReader::new(Trickle(bytes))
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn every_mark_is_transcoded() {
        let text = "ghp_token 🚀 é";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let mut le32 = vec![0xFF, 0xFE, 0, 0];
        le32.extend(text.chars().flat_map(|c| u32::from(c).to_le_bytes()));
        let mut be32 = vec![0, 0, 0xFE, 0xFF];
        be32.extend(text.chars().flat_map(|c| u32::from(c).to_be_bytes()));
        let mut utf8 = vec![0xEF, 0xBB, 0xBF];
        utf8.extend_from_slice(text.as_bytes());
        for bytes in [le, be, le32, be32, utf8, text.as_bytes().to_vec()] {
            assert_eq!(read_all(&bytes), text);
        }
    }

    #[test]
    fn the_reader_tells_the_encoding_it_found() {
        let mut reader = BomReader::new(&[0xFE, 0xFF, 0, b'a'][..]);
        assert_eq!(reader.encoding(), Encoding::Utf8, "nothing read yet");
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!((text.as_str(), reader.encoding()), ("a", Encoding::Utf16Be));
        let mut plain = BomReader::new(&b"\xEF\xBB\xBFa"[..]);
        plain.read_to_string(&mut text).unwrap();
        assert_eq!(plain.encoding(), Encoding::Utf8);
    }

    #[test]
    fn broken_input_becomes_replacement_characters() {
        assert_eq!(read_all(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]), "\u{fffd}A");
        assert_eq!(read_all(&[0xFF, 0xFE, 0x41]), "\u{fffd}");
        assert_eq!(
            read_all(&[0x00, 0x00, 0xFE, 0xFF, 0x00, 0x11, 0x00, 0x00]),
            "\u{fffd}"
        );
        assert_eq!(read_all(b"ab"), "ab");
        assert_eq!(read_all(b""), "");
    }
    #[test]
    fn utf8_past_its_first_bytes_is_read_straight_into_the_callers_buffer() {
        /// Records how many bytes each read asked for.
        struct Asked<'a>(&'a [u8], Vec<usize>);
        impl Read for Asked<'_> {
            fn read(&mut self, into: &mut [u8]) -> io::Result<usize> {
                self.1.push(into.len());
                self.0.read(into)
            }
        }
        let text: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        for mark in [&b""[..], b"\xEF\xBB\xBF"] {
            let bytes = [mark, &text].concat();
            let mut reader = BomReader::new(Asked(&bytes, Vec::new()));
            let mut out = vec![0u8; 200_000];
            let first = reader.read(&mut out).unwrap();
            assert_eq!(out.get(..first), text.get(..first), "the mark is dropped");
            let mut rest = out.get(..first).unwrap().to_vec();
            let mut big = vec![0u8; 200_000];
            let n = reader.read(&mut big).unwrap();
            assert_eq!(
                reader.inner.1.last(),
                Some(&200_000),
                "no copy through a buffer"
            );
            rest.extend_from_slice(big.get(..n).unwrap());
            reader.read_to_end(&mut rest).unwrap();
            assert_eq!(rest, text);
        }
        // UTF-16 still goes through the transcoder after its first bytes.
        let utf16 = utf16_with_mark(&"é".repeat(100_000), true);
        let mut decoded = String::new();
        BomReader::new(&utf16[..])
            .read_to_string(&mut decoded)
            .unwrap();
        assert_eq!(decoded, "é".repeat(100_000));
    }
}
