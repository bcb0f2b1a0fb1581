//! Small text helpers for the parser: the first line of a message, test names
//! and bounded, printable strings.
//!
//! Everything a report says ends up in facts and findings that people read in a
//! terminal or a CI summary, so text taken from a report is always cut to a
//! bounded length and stripped of control characters here. These helpers never
//! fail and never allocate more than their bound (plus one character).

/// Longest first line kept while streaming a message, in bytes.
const FIRST_LINE_BYTES: usize = 1200;

/// Collects the first non-blank line of a text that arrives in pieces.
///
/// Leading blank lines and whitespace are skipped; collection stops at the
/// first line break after some content, or once [`FIRST_LINE_BYTES`] are held.
#[derive(Debug, Default)]
pub(crate) struct FirstLine {
    line: String,
    done: bool,
}

impl FirstLine {
    /// Whether more text could still change the result.
    pub(crate) fn wants_more(&self) -> bool {
        !self.done
    }

    /// Feeds the next piece of text.
    pub(crate) fn push(&mut self, piece: &str) {
        if self.done {
            return;
        }
        for ch in piece.chars() {
            if ch == '\n' || ch == '\r' {
                if !self.line.is_empty() {
                    self.done = true;
                    return;
                }
            } else if self.line.is_empty() && ch.is_whitespace() {
                // still in leading blanks
            } else if self.line.len() >= FIRST_LINE_BYTES {
                self.done = true;
                return;
            } else {
                self.line.push(ch);
            }
        }
    }

    /// The line, trimmed and printable, or `None` when only blanks were seen.
    pub(crate) fn finish(self) -> Option<String> {
        let line = printable(self.line.trim());
        (!line.is_empty()).then_some(line)
    }
}

/// The first non-blank line of `text`, trimmed and printable.
pub(crate) fn first_line(text: &str) -> Option<String> {
    let mut first = FirstLine::default();
    first.push(text);
    first.finish()
}

// Bounding and cleaning untrusted text: the shared helpers.
pub(crate) use stagegate_sdk::text::{clip_plain as clip, plain as printable};

/// Cuts `text` to at most `max` characters, marking a cut with `…`.
pub(crate) fn truncate(text: String, max: usize) -> String {
    stagegate_sdk::text::clip(&text, max)
}

/// The display name of a test: `classname.name`, or just `name` when the class
/// name is empty or `name` already starts with it (jest, some pytest plugins).
/// At most `max` characters, printable.
pub(crate) fn test_name(classname: &str, name: &str, max: usize) -> String {
    let full = if classname.is_empty() || name.starts_with(classname) {
        clip(name, max)
    } else if name.is_empty() {
        clip(classname, max)
    } else {
        let class = clip(classname, max);
        let room = max.saturating_sub(class.chars().count() + 1);
        format!("{class}.{}", clip(name, room.max(1)))
    };
    let full = clip(full.trim(), max);
    if full.is_empty() {
        "(unnamed test)".to_owned()
    } else {
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_skips_blank_lines_and_stops_at_a_break() {
        let mut first = FirstLine::default();
        first.push("\n   \n  ");
        first.push("Expected: <false>\n     but: was <true>");
        assert!(!first.wants_more());
        assert_eq!(first.finish().as_deref(), Some("Expected: <false>"));
    }

    #[test]
    fn first_line_of_blanks_is_none() {
        assert_eq!(first_line(" \r\n\t "), None);
    }

    #[test]
    fn first_line_is_bounded() {
        let long = "x".repeat(10_000);
        assert_eq!(first_line(&long).map(|l| l.len()), Some(FIRST_LINE_BYTES));
    }

    #[test]
    fn printable_removes_escapes() {
        assert_eq!(printable("a\u{1b}[31mb\tc"), "a [31mb c");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("äbcdef".into(), 4), "äbc…");
        assert_eq!(truncate("abcd".into(), 4), "abcd");
        assert_eq!(truncate("abcd".into(), 0), "");
    }

    #[test]
    fn clip_reads_only_what_it_keeps() {
        assert_eq!(clip("a\tbcdef", 4), "a b…");
        assert_eq!(clip("abcd", 4), "abcd");
        assert_eq!(clip("", 4), "");
    }

    #[test]
    fn names_join_class_and_test() {
        assert_eq!(test_name("pkg.Class", "test_a", 300), "pkg.Class.test_a");
        assert_eq!(test_name("", "test_a", 300), "test_a");
        assert_eq!(
            test_name("Cart add()", "Cart add() works", 300),
            "Cart add() works"
        );
        assert_eq!(test_name("only.Class", "", 300), "only.Class");
        assert_eq!(test_name("", " ", 300), "(unnamed test)");
        assert_eq!(test_name("abcdef", "ghij", 8), "abcdef.…");
        assert_eq!(test_name("ab", "cdefghij", 8), "ab.cdef…");
    }
}
