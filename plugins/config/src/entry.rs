//! One configuration setting, whatever file format it came from.
//!
//! Every reader flattens its format into [`Entry`] values: the key as path
//! segments, the value as text with its type when the format has one, and the
//! line. Rules match on [`Entry::parts`], a normalised key where `.`, `:` and
//! `__` separate segments and case, `-`, `_` and spaces are ignored, so
//! `LOG_LEVEL`, `logLevel` and `Logging:LogLevel` meet. This module holds no
//! rule and never prints a value.

/// The type a format gave the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// A real boolean (YAML 1.1 plain scalar, TOML, JSON, Python `True`).
    Bool(bool),
    /// An explicit null or a key without a value.
    Null,
    /// Anything else, kept as text.
    Text,
}

/// One setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Key segments as written (`["spring", "datasource", "password"]`).
    pub segments: Vec<String>,
    /// The value as text (empty for null).
    pub value: String,
    /// The value's type, when the format has one.
    pub typed: Typed,
    /// 1-based line of the value.
    pub line: usize,
    /// 1-based document number for YAML streams, 1 otherwise.
    pub document: usize,
}

impl Entry {
    /// A text entry.
    pub fn text(segments: Vec<String>, value: impl Into<String>, line: usize) -> Self {
        Self {
            segments,
            value: value.into(),
            typed: Typed::Text,
            line,
            document: 1,
        }
    }

    /// The key for messages: segments joined with `.`, indexes as `[n]`.
    pub fn key(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                out.push('[');
                out.push_str(segment);
                out.push(']');
            } else {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(segment);
            }
        }
        out
    }

    /// The normalised key parts (see the module docs).
    pub fn parts(&self) -> Vec<String> {
        let mut parts = Vec::new();
        for segment in &self.segments {
            for piece in segment.split(['.', ':', '/']).flat_map(|p| p.split("__")) {
                let compact: String = piece
                    .chars()
                    .filter(|c| !matches!(c, '-' | '_' | ' ' | '[' | ']'))
                    .flat_map(char::to_lowercase)
                    .collect();
                if !compact.is_empty() {
                    parts.push(compact);
                }
            }
        }
        parts
    }

    /// The value as a boolean: typed booleans, or `true/yes/on/1` and `false/no/off/0` as text.
    pub fn truth(&self) -> Option<bool> {
        match self.typed {
            Typed::Bool(b) => Some(b),
            Typed::Null => None,
            Typed::Text => truth_of(&self.value),
        }
    }
}

/// Reads `true/yes/on/1` and `false/no/off/0` (any case, quotes ignored).
pub fn truth_of(text: &str) -> Option<bool> {
    match unquote(text).to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" | "y" => Some(true),
        "false" | "no" | "off" | "0" | "n" => Some(false),
        _ => None,
    }
}

/// Trims and removes one pair of matching surrounding quotes.
pub fn unquote(text: &str) -> &str {
    let t = text.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    t
}

/// What a value means once placeholders are considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effective<'a> {
    /// A literal value.
    Literal(&'a str),
    /// The default of a `${VAR:default}` or `${VAR:-default}` placeholder.
    Default(&'a str),
    /// Filled in elsewhere: a placeholder without default, `%(x)s`, `$(X)`.
    Deferred,
}

/// The value a setting takes when its placeholders are not filled in.
pub fn effective(value: &str) -> Effective<'_> {
    let v = unquote(value);
    if let Some(inner) = v.strip_prefix("${").and_then(|s| s.strip_suffix('}')) {
        return match inner.split_once(":-").or_else(|| inner.split_once(':')) {
            Some((_, default)) if !default.contains("${") => Effective::Default(unquote(default)),
            _ => Effective::Deferred,
        };
    }
    if v.contains("${") || v.contains("%(") || (v.starts_with("$(") && v.ends_with(')')) {
        return Effective::Deferred;
    }
    Effective::Literal(v)
}

/// The items of a list-like value: `a, b`, `[a, "b"]` or a single value.
pub fn items(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([',', ' ', '[', ']', '(', ')'])
        .map(unquote)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(segments: &[&str]) -> Entry {
        Entry::text(segments.iter().map(|s| s.to_string()).collect(), "", 1)
    }

    #[test]
    fn keys_normalise_across_formats() {
        assert_eq!(entry(&["LOG_LEVEL"]).parts(), ["loglevel"]);
        assert_eq!(
            entry(&["Logging", "LogLevel", "Default"]).parts(),
            ["logging", "loglevel", "default"]
        );
        assert_eq!(
            entry(&["Logging:LogLevel:Default"]).parts(),
            ["logging", "loglevel", "default"]
        );
        assert_eq!(
            entry(&["logging", "level", "org.springframework"]).parts(),
            ["logging", "level", "org", "springframework"]
        );
        assert_eq!(entry(&["Section__Key"]).parts(), ["section", "key"]);
        assert_eq!(entry(&["a", "origins", "0"]).key(), "a.origins[0]");
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            effective("${DB_PASSWORD:changeme}"),
            Effective::Default("changeme")
        );
        assert_eq!(
            effective("${DB_PASSWORD:-postgres}"),
            Effective::Default("postgres")
        );
        assert_eq!(effective("${DB_PASSWORD}"), Effective::Deferred);
        assert_eq!(effective("%(protocol)s://x"), Effective::Deferred);
        assert_eq!(effective("'admin'"), Effective::Literal("admin"));
    }

    #[test]
    fn truth_and_items() {
        assert_eq!(truth_of("'Yes'"), Some(true));
        assert_eq!(truth_of("OFF"), Some(false));
        assert_eq!(truth_of("maybe"), None);
        assert_eq!(items("[\"*\"]").collect::<Vec<_>>(), ["*"]);
        assert_eq!(
            items("health, info").collect::<Vec<_>>(),
            ["health", "info"]
        );
    }
}
