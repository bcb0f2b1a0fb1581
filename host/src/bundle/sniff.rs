//! Content sniffing: what an artifact looks like, learned from one pass over
//! its bytes (the same pass that computes its digest and writes the snapshot).
//!
//! The sniffer streams the whole file and keeps memory bounded whatever the
//! input: it never parses a document, it only tracks enough state to learn
//!
//! - the XML root element, after any amount of prolog (declaration,
//!   comments, processing instructions, a DOCTYPE with an internal subset);
//! - the top-level keys of a JSON object, or of the first object of a
//!   top-level array, with escapes decoded (`"R\u0065sults"` is `Results`);
//! - the column-0 keys of every YAML document of a stream;
//! - whether the file is text, and its first bytes.
//!
//! A file that starts with a UTF-16 or UTF-32 byte-order mark is transcoded to
//! UTF-8 before any of that, so the same document in another encoding is
//! recognised the same way. Only keys that some plugin's matcher names (the
//! [`Vocabulary`]) are kept. When a cap cuts the sniff short (an overlong
//! root name or key, too many distinct YAML documents), [`Sniff::incomplete`]
//! says so and the artifact is reported as unclaimed rather than dropped.

use std::collections::BTreeSet;

use stagegate_text::bom::{Encoding, Transcoder};

use crate::kinds::Vocabulary;

/// How many leading (decoded) bytes decide whether a file is text.
pub const PREFIX_BYTES: usize = 64 * 1024;
/// How many leading bytes are kept, for `text-prefix` matchers.
pub const KEPT_PREFIX_BYTES: usize = 256;
/// Longest XML root name or JSON/YAML key looked at.
const MAX_NAME_BYTES: usize = 256;
/// Most distinct YAML key sets kept per file.
const MAX_YAML_DOCUMENTS: usize = 1024;

/// What the sniffer learned about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sniff {
    /// Local name of the XML root element, when the file is XML-like.
    pub xml_root: Option<String>,
    /// Top-level keys (of the vocabulary) of a JSON object, or of the first
    /// object of a top-level JSON array.
    pub json_keys: BTreeSet<String>,
    /// Whether the JSON document is a top-level array.
    pub json_array: bool,
    /// The keys (of the vocabulary) of each YAML document, deduplicated.
    pub yaml_documents: Vec<BTreeSet<String>>,
    /// No NUL character in the first [`PREFIX_BYTES`] decoded bytes.
    pub is_text: bool,
    /// The first [`KEPT_PREFIX_BYTES`] decoded bytes, without a byte-order mark.
    pub prefix: Vec<u8>,
    /// The byte-order mark's encoding.
    pub encoding: Encoding,
    /// A cap cut the sniff short, so a matcher may have missed the file.
    pub incomplete: bool,
}

/// Feeds a file's bytes, chunk by chunk, and produces a [`Sniff`].
#[derive(Debug)]
pub struct Sniffer<'v> {
    vocabulary: &'v Vocabulary,
    bom: Transcoder,
    decoded: Vec<u8>,
    seen: usize,
    is_text: bool,
    prefix: Vec<u8>,
    xml: XmlRoot,
    json: JsonKeys,
    yaml: YamlKeys,
    incomplete: bool,
}

impl<'v> Sniffer<'v> {
    /// A sniffer for a new file that keeps the keys of `vocabulary`.
    pub fn new(vocabulary: &'v Vocabulary) -> Self {
        Sniffer {
            vocabulary,
            bom: Transcoder::default(),
            decoded: Vec::new(),
            seen: 0,
            is_text: true,
            prefix: Vec::new(),
            xml: XmlRoot::default(),
            json: JsonKeys::default(),
            yaml: YamlKeys::default(),
            incomplete: false,
        }
    }

    /// Feeds the next chunk of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        self.bom.decode(chunk, &mut decoded);
        self.feed(&decoded);
        self.decoded = decoded;
    }

    fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.seen < PREFIX_BYTES {
            let room = PREFIX_BYTES - self.seen;
            let head = bytes.get(..room.min(bytes.len())).unwrap_or_default();
            if head.contains(&0) {
                self.is_text = false;
            }
            if self.prefix.len() < KEPT_PREFIX_BYTES {
                let keep = (KEPT_PREFIX_BYTES - self.prefix.len()).min(head.len());
                self.prefix
                    .extend_from_slice(head.get(..keep).unwrap_or_default());
            }
        }
        self.seen = self.seen.saturating_add(bytes.len());
        self.xml.update(bytes, &mut self.incomplete);
        self.json
            .update(bytes, self.vocabulary, &mut self.incomplete);
        // A text that starts as XML or JSON is not read as YAML: `finish`
        // drops its YAML keys, so the rest of it is not scanned for them.
        if self.is_text && !matches!(self.first_byte(), Some(b'<' | b'{' | b'[')) {
            self.yaml
                .update(bytes, self.vocabulary, &mut self.incomplete);
        }
    }

    /// The first byte of the file that is not whitespace, once seen.
    fn first_byte(&self) -> Option<u8> {
        self.prefix
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .copied()
    }

    /// Finishes the file.
    pub fn finish(mut self) -> Sniff {
        let mut tail = Vec::new();
        self.bom.finish(&mut tail);
        self.feed(&tail);
        let first = self.first_byte();
        let xml_root = self.xml.root.filter(|_| first == Some(b'<'));
        let json_valid =
            self.json.state != JsonState::Invalid && self.json.state != JsonState::Start;
        let yaml_documents = if self.is_text && !matches!(first, Some(b'<' | b'{' | b'[')) {
            self.yaml.finish(self.vocabulary, &mut self.incomplete)
        } else {
            Vec::new()
        };
        Sniff {
            xml_root,
            json_keys: if json_valid {
                self.json.keys
            } else {
                BTreeSet::new()
            },
            json_array: json_valid && self.json.array,
            yaml_documents,
            is_text: self.is_text,
            prefix: self.prefix,
            encoding: self.bom.encoding(),
            incomplete: self.incomplete,
        }
    }
}

/// Where the XML scanner is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum XmlState {
    /// Between constructs of the prolog.
    #[default]
    Prolog,
    /// After `<`.
    Open,
    /// After `<!`: a comment, a DOCTYPE or something else.
    Bang,
    /// After `<!-`.
    BangDash,
    /// Inside `<!-- … -->`; the count is of trailing dashes seen.
    Comment(u8),
    /// Inside `<? … ?>`; true after a `?`.
    Pi(bool),
    /// Inside `<!DOCTYPE …>`: bracket depth, and the quote we are in.
    Doctype(u32, Option<u8>),
    /// Reading the root element's name.
    Name,
    /// Done (found, or not XML).
    Done,
}

/// Finds the root element's local name after any amount of prolog.
#[derive(Debug, Default)]
struct XmlRoot {
    state: XmlState,
    name: Vec<u8>,
    root: Option<String>,
}

impl XmlRoot {
    fn update(&mut self, bytes: &[u8], incomplete: &mut bool) {
        for &b in bytes {
            self.state = match self.state {
                XmlState::Done => return,
                XmlState::Prolog => match b {
                    b'<' => XmlState::Open,
                    b' ' | b'\t' | b'\r' | b'\n' => XmlState::Prolog,
                    _ => XmlState::Done,
                },
                XmlState::Open => match b {
                    b'?' => XmlState::Pi(false),
                    b'!' => XmlState::Bang,
                    b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                        self.name.push(b);
                        XmlState::Name
                    }
                    _ => XmlState::Done,
                },
                XmlState::Bang => match b {
                    b'-' => XmlState::BangDash,
                    b'D' | b'd' => XmlState::Doctype(0, None),
                    _ => XmlState::Done,
                },
                XmlState::BangDash => match b {
                    b'-' => XmlState::Comment(0),
                    _ => XmlState::Done,
                },
                XmlState::Comment(dashes) => match (b, dashes) {
                    (b'>', 2..) => XmlState::Prolog,
                    (b'-', d) => XmlState::Comment(d.saturating_add(1).min(2)),
                    _ => XmlState::Comment(0),
                },
                XmlState::Pi(question) => match (b, question) {
                    (b'>', true) => XmlState::Prolog,
                    (b'?', _) => XmlState::Pi(true),
                    _ => XmlState::Pi(false),
                },
                XmlState::Doctype(depth, Some(quote)) => {
                    XmlState::Doctype(depth, (b != quote).then_some(quote))
                }
                XmlState::Doctype(depth, None) => match b {
                    b'"' | b'\'' => XmlState::Doctype(depth, Some(b)),
                    b'[' => XmlState::Doctype(depth.saturating_add(1), None),
                    b']' => XmlState::Doctype(depth.saturating_sub(1), None),
                    b'>' if depth == 0 => XmlState::Prolog,
                    _ => XmlState::Doctype(depth, None),
                },
                XmlState::Name => {
                    if b.is_ascii_whitespace() || b == b'/' || b == b'>' {
                        self.finish_name();
                        XmlState::Done
                    } else if self.name.len() >= MAX_NAME_BYTES {
                        *incomplete = true;
                        XmlState::Done
                    } else {
                        self.name.push(b);
                        XmlState::Name
                    }
                }
            };
        }
    }

    fn finish_name(&mut self) {
        let name = String::from_utf8_lossy(&self.name);
        let local = name.rsplit(':').next().unwrap_or_default();
        if !local.is_empty() {
            self.root = Some(local.to_owned());
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum JsonState {
    /// Only whitespace so far.
    #[default]
    Start,
    /// Inside the top-level object (or the first object of a top-level array).
    Object,
    /// Inside a top-level array, before its first element.
    ArrayStart,
    /// Keys are collected; only structure is checked from here on.
    Rest,
    /// Not a JSON object or array document.
    Invalid,
}

/// A byte-level scanner collecting the keys of the top-level JSON object (or
/// of the first object in a top-level array) without parsing values: it
/// tracks nesting depth and string state only.
#[derive(Debug, Default)]
struct JsonKeys {
    state: JsonState,
    array: bool,
    depth: u32,
    /// Depth at which keys are collected (1 for an object, 2 for an array).
    key_depth: u32,
    in_string: bool,
    escaped: bool,
    expect_key: bool,
    capturing: bool,
    key: Vec<u8>,
    overlong: bool,
    keys: BTreeSet<String>,
}

impl JsonKeys {
    fn update(&mut self, chunk: &[u8], vocabulary: &Vocabulary, incomplete: &mut bool) {
        for &byte in chunk {
            match self.state {
                JsonState::Rest | JsonState::Invalid => return,
                JsonState::Start => match byte {
                    b'{' => {
                        self.state = JsonState::Object;
                        self.depth = 1;
                        self.key_depth = 1;
                        self.expect_key = true;
                    }
                    b'[' => {
                        self.state = JsonState::ArrayStart;
                        self.array = true;
                        self.depth = 1;
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    _ => self.state = JsonState::Invalid,
                },
                JsonState::ArrayStart => match byte {
                    b'{' => {
                        self.state = JsonState::Object;
                        self.depth = 2;
                        self.key_depth = 2;
                        self.expect_key = true;
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    // An array of something else: no keys, but still JSON.
                    _ => self.state = JsonState::Rest,
                },
                JsonState::Object => self.object_byte(byte, vocabulary, incomplete),
            }
        }
    }

    fn object_byte(&mut self, byte: u8, vocabulary: &Vocabulary, incomplete: &mut bool) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
                self.push_key_byte(byte);
            } else if byte == b'\\' {
                self.escaped = true;
                self.push_key_byte(byte);
            } else if byte == b'"' {
                self.in_string = false;
                if self.capturing {
                    self.capturing = false;
                    self.take_key(vocabulary, incomplete);
                }
            } else {
                self.push_key_byte(byte);
            }
            return;
        }
        match byte {
            b'"' => {
                self.in_string = true;
                self.capturing = self.depth == self.key_depth && self.expect_key;
                if self.depth == self.key_depth {
                    self.expect_key = false;
                }
            }
            b'{' | b'[' => self.depth = self.depth.saturating_add(1),
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth < self.key_depth {
                    self.state = JsonState::Rest;
                }
            }
            b',' if self.depth == self.key_depth => self.expect_key = true,
            _ => {}
        }
    }

    fn push_key_byte(&mut self, byte: u8) {
        if !self.capturing {
            return;
        }
        if self.key.len() < MAX_NAME_BYTES * 6 {
            self.key.push(byte);
        } else {
            self.overlong = true;
        }
    }

    /// Decodes the captured key's escapes and keeps it if a matcher names it.
    fn take_key(&mut self, vocabulary: &Vocabulary, incomplete: &mut bool) {
        let raw = std::mem::take(&mut self.key);
        if std::mem::take(&mut self.overlong) {
            *incomplete = true;
            return;
        }
        let decoded = if raw.contains(&b'\\') {
            let mut quoted = Vec::with_capacity(raw.len() + 2);
            quoted.push(b'"');
            quoted.extend_from_slice(&raw);
            quoted.push(b'"');
            serde_json::from_slice::<String>(&quoted).ok()
        } else {
            String::from_utf8(raw).ok()
        };
        if let Some(key) = decoded.filter(|k| vocabulary.contains(k)) {
            self.keys.insert(key);
        }
    }
}

/// Column-0 `key:` lines of each `---`-separated YAML document.
#[derive(Debug, Default)]
struct YamlKeys {
    /// The start of the current line, up to [`MAX_NAME_BYTES`] + 1 bytes.
    line: Vec<u8>,
    /// The current line is longer than what is kept.
    line_long: bool,
    current: BTreeSet<String>,
    documents: BTreeSet<BTreeSet<String>>,
}

impl YamlKeys {
    fn update(&mut self, bytes: &[u8], vocabulary: &Vocabulary, incomplete: &mut bool) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (piece, ended) = match memchr::memchr(b'\n', rest) {
                Some(at) => (rest.get(..at).unwrap_or_default(), Some(at + 1)),
                None => (rest, None),
            };
            let room = (MAX_NAME_BYTES + 2).saturating_sub(self.line.len());
            if piece.len() > room {
                self.line_long = true;
            }
            self.line
                .extend_from_slice(piece.get(..room.min(piece.len())).unwrap_or_default());
            match ended {
                Some(at) => {
                    self.end_line(vocabulary, incomplete);
                    rest = rest.get(at..).unwrap_or_default();
                }
                None => break,
            }
        }
    }

    fn end_line(&mut self, vocabulary: &Vocabulary, incomplete: &mut bool) {
        let line = std::mem::take(&mut self.line);
        self.line_long = false;
        if line.starts_with(b"---") {
            self.end_document(incomplete);
            return;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return;
        };
        let column0 = line
            .first()
            .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'"' || c == b'\'' || c == b'_');
        if !column0 {
            return;
        }
        let key = String::from_utf8_lossy(line.get(..colon).unwrap_or_default());
        let key = key.trim_end().trim_matches(|c| c == '"' || c == '\'');
        if vocabulary.contains(key) {
            self.current.insert(key.to_owned());
        }
    }

    fn end_document(&mut self, incomplete: &mut bool) {
        let document = std::mem::take(&mut self.current);
        if document.is_empty() || self.documents.contains(&document) {
            return;
        }
        if self.documents.len() >= MAX_YAML_DOCUMENTS {
            *incomplete = true;
            return;
        }
        self.documents.insert(document);
    }

    fn finish(mut self, vocabulary: &Vocabulary, incomplete: &mut bool) -> Vec<BTreeSet<String>> {
        if !self.line.is_empty() {
            self.end_line(vocabulary, incomplete);
        }
        self.end_document(incomplete);
        self.documents.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary::from_keys(
            [
                "version",
                "runs",
                "Results",
                "SchemaVersion",
                "Target",
                "apiVersion",
                "kind",
                "z",
                "a\"b",
            ]
            .map(String::from),
        )
    }

    fn sniff(bytes: &[u8]) -> Sniff {
        let vocabulary = vocabulary();
        let mut s = Sniffer::new(&vocabulary);
        for chunk in bytes.chunks(7) {
            s.update(chunk);
        }
        s.finish()
    }

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn xml_root_skips_prolog_comments_and_doctype() {
        let s = sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- hi -- there -->\n<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\" [ <!ENTITY x \"]>\"> ]>\n<ns:testsuites a='1'>");
        assert_eq!(s.xml_root.as_deref(), Some("testsuites"));
        assert!(s.json_keys.is_empty());
    }

    #[test]
    fn xml_root_after_a_megabyte_of_comments() {
        let mut doc = b"<?xml version=\"1.0\"?>\n".to_vec();
        for _ in 0..20_000 {
            doc.extend_from_slice(b"<!-- padding padding padding padding padding -->\n");
        }
        assert!(doc.len() > PREFIX_BYTES * 10);
        doc.extend_from_slice(b"<testsuite name=\"x\"/>");
        let s = sniff(&doc);
        assert_eq!(s.xml_root.as_deref(), Some("testsuite"));
        assert!(!s.incomplete);
    }

    #[test]
    fn json_top_level_keys_only_with_escapes_decoded() {
        let s = sniff(br#" {"version": "2.1.0", "runs": [{"x": {"version": 1}}], "a\"b": {"c": "}"}, "z": 1, "R\u0065sults": []}"#);
        let keys: Vec<_> = s.json_keys.iter().map(String::as_str).collect();
        assert_eq!(keys, ["Results", "a\"b", "runs", "version", "z"]);
        assert!(!s.json_array);
    }

    #[test]
    fn json_array_keys_come_from_its_first_object() {
        let s = sniff(br#"[ {"Target": "x", "Vulnerabilities": [{"kind": 1}]}, {"version": 2} ]"#);
        let keys: Vec<_> = s.json_keys.iter().map(String::as_str).collect();
        assert_eq!(keys, ["Target"]);
        assert!(s.json_array);
        assert!(sniff(b"[1, 2]").json_keys.is_empty());
        assert!(sniff(b"hello {\"z\": 1}").json_keys.is_empty());
    }

    #[test]
    fn yaml_keys_per_document_over_the_whole_stream() {
        let mut doc = b"# Source: chart/templates/x.yaml\n---\nfoo: 1\n".to_vec();
        doc.extend(std::iter::repeat_n(b"# filler line\n".as_slice(), 10_000).flatten());
        doc.extend_from_slice(b"---\napiVersion: v1\nkind: Pod\nmetadata:\n  kind: x\n");
        let s = sniff(&doc);
        assert_eq!(s.yaml_documents.len(), 1);
        assert!(s.yaml_documents[0].contains("apiVersion"));
        assert!(s.yaml_documents[0].contains("kind"));
    }

    #[test]
    fn xml_and_json_are_not_read_as_yaml() {
        // Distinct YAML-looking documents, more than are kept: read as YAML,
        // they would mark the file incomplete (and so unclaimed).
        let vocabulary =
            Vocabulary::from_keys((0..MAX_YAML_DOCUMENTS + 2).map(|i| format!("k{i}")));
        let body: String = (0..MAX_YAML_DOCUMENTS + 2)
            .map(|i| format!("---\nk{i}: x\n"))
            .collect();
        let sniffed = |text: &str| {
            let mut s = Sniffer::new(&vocabulary);
            for chunk in text.as_bytes().chunks(5) {
                s.update(chunk);
            }
            s.finish()
        };
        for text in [
            format!("  <testsuites>\n{body}</testsuites>\n"),
            format!("{{\"k1\": 1, \"x\": \"\n{body}\"}}\n"),
        ] {
            let s = sniffed(&text);
            assert!(s.yaml_documents.is_empty(), "{:?}", s.yaml_documents);
            assert!(!s.incomplete, "{text:.40}");
        }
        let yaml = sniffed(&body);
        assert!(yaml.incomplete);
        assert_eq!(yaml.yaml_documents.len(), MAX_YAML_DOCUMENTS);
    }

    #[test]
    fn utf16_and_utf32_with_a_mark_are_transcoded() {
        let s = sniff(&utf16le(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><testsuites/>",
        ));
        assert_eq!(s.encoding, Encoding::Utf16Le);
        assert_eq!(s.xml_root.as_deref(), Some("testsuites"));
        assert!(s.is_text);
        let mut be = vec![0xFE, 0xFF];
        be.extend(
            "{\"version\": 1, \"runs\": []}"
                .encode_utf16()
                .flat_map(u16::to_be_bytes),
        );
        assert!(sniff(&be).json_keys.contains("runs"));
        let mut le32 = vec![0xFF, 0xFE, 0, 0];
        le32.extend(
            "apiVersion: v1\nkind: Pod\n"
                .chars()
                .flat_map(|c| u32::from(c).to_le_bytes()),
        );
        let s = sniff(&le32);
        assert_eq!(s.encoding, Encoding::Utf32Le);
        assert!(s.yaml_documents[0].contains("kind"));
        let emoji = utf16le("tëst 🚀");
        assert_eq!(sniff(&emoji).prefix, "tëst 🚀".as_bytes());
    }

    #[test]
    fn binary_is_not_text_and_caps_mark_incomplete() {
        assert!(!sniff(b"\x7fELF\x00\x01").is_text);
        assert!(sniff(b"plain").is_text);
        let long = format!("<{} a='1'/>", "x".repeat(1000));
        let s = sniff(long.as_bytes());
        assert!(s.incomplete && s.xml_root.is_none());
        let mut many = String::new();
        for i in 0..(MAX_YAML_DOCUMENTS + 10) {
            many.push_str(&format!("---\nkind: {i}\n"));
            if i % 2 == 0 {
                many.push_str("apiVersion: v1\n");
            }
        }
        // Only two distinct key sets: nothing is cut.
        assert!(!sniff(many.as_bytes()).incomplete);
    }

    #[test]
    fn odd_bytes_never_panic() {
        for input in [
            &b""[..],
            b"\xFF",
            b"\xFF\xFE",
            b"\xFF\xFE\x00",
            b"\xFE\xFF\xD8\x00",
            b"\x00\x00\xFE\xFF\x00\x11\x00\x00",
            b"<",
            b"<!",
            b"<!-",
            b"{\"",
            b"{\"\\",
            b"[{\"\\u12",
        ] {
            let _ = sniff(input);
        }
    }
}
