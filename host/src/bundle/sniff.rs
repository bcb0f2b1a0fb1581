//! Content sniffing: what an artifact looks like, learned from one pass over
//! its bytes (the same pass that computes its digest).
//!
//! The sniffer is cheap and declarative. It never parses a whole document and
//! never trusts names: it looks at the first [`PREFIX_BYTES`] for the XML root,
//! YAML top-level keys, a text prefix and NUL bytes, and streams the whole file
//! only to collect the top-level keys of a JSON object. It must not allocate
//! in proportion to the input.

use std::collections::BTreeSet;

use quick_xml::events::Event;

/// How many leading bytes are kept for sniffing.
pub const PREFIX_BYTES: usize = 64 * 1024;
/// How many leading bytes are kept after sniffing, for `text-prefix` matchers.
pub const KEPT_PREFIX_BYTES: usize = 256;
/// Longest top-level JSON key that is recorded.
const MAX_KEY_BYTES: usize = 256;
/// Most top-level JSON keys recorded per file.
const MAX_KEYS: usize = 1024;

/// What the sniffer learned about one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sniff {
    /// Local name of the XML root element, when the file starts like XML.
    pub xml_root: Option<String>,
    /// Top-level keys of a JSON object document.
    pub json_keys: BTreeSet<String>,
    /// Top-level keys of each YAML document seen in the prefix.
    pub yaml_documents: Vec<BTreeSet<String>>,
    /// No NUL byte in the prefix.
    pub is_text: bool,
    /// The first [`KEPT_PREFIX_BYTES`] bytes, after a UTF-8 byte-order mark.
    pub prefix: Vec<u8>,
}

/// Feeds a file's bytes, chunk by chunk, and produces a [`Sniff`].
#[derive(Debug, Default)]
pub struct Sniffer {
    prefix: Vec<u8>,
    json: JsonKeys,
}

impl Sniffer {
    /// A sniffer for a new file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next chunk of the file.
    pub fn update(&mut self, chunk: &[u8]) {
        if self.prefix.len() < PREFIX_BYTES {
            let room = PREFIX_BYTES - self.prefix.len();
            self.prefix
                .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        }
        self.json.update(chunk);
    }

    /// Finishes the file.
    pub fn finish(self) -> Sniff {
        let prefix = match self.prefix.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => rest.to_vec(),
            None => self.prefix,
        };
        let is_text = !prefix.contains(&0);
        let first = prefix.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let xml_root = if first == Some(b'<') {
            xml_root(&prefix)
        } else {
            None
        };
        let json_keys = if self.json.state == JsonState::Invalid {
            BTreeSet::new()
        } else {
            self.json.keys
        };
        let yaml_documents = if is_text && first != Some(b'<') && first != Some(b'{') {
            yaml_documents(&prefix)
        } else {
            Vec::new()
        };
        let mut prefix = prefix;
        prefix.truncate(KEPT_PREFIX_BYTES);
        Sniff {
            xml_root,
            json_keys,
            yaml_documents,
            is_text,
            prefix,
        }
    }
}

fn xml_root(prefix: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(prefix);
    let mut buf = Vec::new();
    // Comments, processing instructions and a DOCTYPE may precede the root.
    for _ in 0..64 {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let local = e.local_name();
                return std::str::from_utf8(local.as_ref()).ok().map(str::to_owned);
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => buf.clear(),
        }
    }
    None
}

/// Top-level keys of each `---`-separated YAML document in `prefix`: lines that
/// start in column 0 with `key:`.
fn yaml_documents(prefix: &[u8]) -> Vec<BTreeSet<String>> {
    let text = String::from_utf8_lossy(prefix);
    let mut documents = vec![BTreeSet::new()];
    for line in text.lines() {
        if line.starts_with("---") {
            documents.push(BTreeSet::new());
            continue;
        }
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim_end().trim_matches(|c| c == '"' || c == '\'');
        let plain = !key.is_empty()
            && key.len() <= MAX_KEY_BYTES
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'));
        let column0 = line.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '"' || c == '_');
        if let (true, true, Some(doc)) = (plain, column0, documents.last_mut()) {
            doc.insert(key.to_owned());
        }
    }
    documents.retain(|d| !d.is_empty());
    documents
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum JsonState {
    /// Only whitespace (or a BOM) so far.
    #[default]
    Start,
    /// Inside the top-level object.
    Object,
    /// The top-level object closed.
    Done,
    /// Not a JSON object document.
    Invalid,
}

/// A byte-level scanner collecting the keys of a top-level JSON object without
/// parsing values: it tracks only nesting depth and string state.
#[derive(Debug, Default)]
struct JsonKeys {
    state: JsonState,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, the next string is a key.
    expect_key: bool,
    capturing: bool,
    key: Vec<u8>,
    keys: BTreeSet<String>,
    seen_bytes: u64,
}

impl JsonKeys {
    fn update(&mut self, chunk: &[u8]) {
        for &byte in chunk {
            self.seen_bytes += 1;
            match self.state {
                JsonState::Done | JsonState::Invalid => return,
                JsonState::Start => match byte {
                    b'{' => {
                        self.state = JsonState::Object;
                        self.depth = 1;
                        self.expect_key = true;
                    }
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    0xEF | 0xBB | 0xBF if self.seen_bytes <= 3 => {}
                    _ => self.state = JsonState::Invalid,
                },
                JsonState::Object => self.object_byte(byte),
            }
        }
    }

    fn object_byte(&mut self, byte: u8) {
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
                    if self.keys.len() < MAX_KEYS {
                        let key = String::from_utf8_lossy(&self.key).into_owned();
                        self.keys.insert(key);
                    }
                    self.key.clear();
                }
            } else {
                self.push_key_byte(byte);
            }
            return;
        }
        match byte {
            b'"' => {
                self.in_string = true;
                self.capturing = self.depth == 1 && self.expect_key;
                if self.depth == 1 {
                    self.expect_key = false;
                }
            }
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.state = JsonState::Done;
                }
            }
            b',' if self.depth == 1 => self.expect_key = true,
            _ => {}
        }
    }

    fn push_key_byte(&mut self, byte: u8) {
        if self.capturing && self.key.len() < MAX_KEY_BYTES {
            self.key.push(byte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(bytes: &[u8]) -> Sniff {
        let mut s = Sniffer::new();
        for chunk in bytes.chunks(7) {
            s.update(chunk);
        }
        s.finish()
    }

    #[test]
    fn xml_root_skips_prolog_comments_and_doctype() {
        let s = sniff(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- hi -->\n<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\">\n<ns:testsuites a='1'>");
        assert_eq!(s.xml_root.as_deref(), Some("testsuites"));
        assert!(s.json_keys.is_empty());
    }

    #[test]
    fn json_top_level_keys_only() {
        let s = sniff(br#" {"version": "2.1.0", "runs": [{"x": {"version": 1}}], "a\"b": {"c": "}"}, "z": 1}"#);
        let keys: Vec<_> = s.json_keys.iter().map(String::as_str).collect();
        assert_eq!(keys, ["a\\\"b", "runs", "version", "z"]);
    }

    #[test]
    fn json_arrays_and_text_are_not_objects() {
        assert!(sniff(b"[{\"a\": 1}]").json_keys.is_empty());
        assert!(sniff(b"hello {\"a\": 1}").json_keys.is_empty());
    }

    #[test]
    fn yaml_keys_per_document() {
        let s = sniff(b"# Source: chart/templates/x.yaml\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n---\nfoo: 1\n");
        assert_eq!(s.yaml_documents.len(), 2);
        assert!(s.yaml_documents[0].contains("apiVersion"));
        assert!(s.yaml_documents[0].contains("kind"));
        assert!(!s.yaml_documents[0].contains("name"));
    }

    #[test]
    fn binary_is_not_text() {
        assert!(!sniff(b"\x7fELF\x00\x01").is_text);
        assert!(sniff(b"plain").is_text);
    }
}
