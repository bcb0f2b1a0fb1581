//! The vocabulary the bundle and the plugins share: artifact kinds, the
//! matchers that recognise them, and digests. Both sides import it; it
//! imports neither.

use std::collections::BTreeSet;

/// A named kind of artifact and how to recognise it.
#[derive(Debug, Clone)]
pub struct KindSpec {
    /// The kind's name, as declared by the plugin.
    pub name: String,
    /// Any one matching is enough.
    pub matchers: Vec<Matcher>,
}

/// One way to recognise an artifact (see `wit/plugin.wit`).
#[derive(Debug, Clone)]
pub enum Matcher {
    /// XML root element local name.
    XmlRoot(String),
    /// All these top-level JSON keys.
    JsonKeys(Vec<String>),
    /// All these top-level keys in one YAML document.
    YamlKeys(Vec<String>),
    /// Bundle-relative path glob.
    Glob {
        /// The pattern as declared.
        pattern: String,
        /// The compiled pattern: a one-glob set, which matches simple
        /// globs (`*.xml`, `**/x.json`) by extension or literal, without
        /// building a regex for each.
        matcher: globset::GlobSet,
    },
    /// The file starts with this text.
    TextPrefix(String),
    /// Any text file.
    AnyText,
}

/// Every key a JSON or YAML matcher names: what the sniffer keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary(BTreeSet<String>);

impl Vocabulary {
    /// The keys named by the matchers of `kinds`.
    pub fn of<'a>(kinds: impl IntoIterator<Item = &'a KindSpec>) -> Vocabulary {
        let keys = kinds
            .into_iter()
            .flat_map(|k| &k.matchers)
            .flat_map(|m| match m {
                Matcher::JsonKeys(keys) | Matcher::YamlKeys(keys) => keys.as_slice(),
                _ => &[],
            })
            .cloned();
        Vocabulary::from_keys(keys)
    }

    /// A vocabulary of exactly `keys`.
    pub fn from_keys(keys: impl IntoIterator<Item = String>) -> Vocabulary {
        Vocabulary(keys.into_iter().collect())
    }

    /// Whether a matcher names `key`.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
