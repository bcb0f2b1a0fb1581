//! Text helpers shared by the stagegate host and its plugins.
//!
//! Two jobs, both on untrusted text, both without panics and without reading
//! further into a string than they keep:
//!
//! - [`clip`], [`clip_bytes`], [`shorten`] and [`clip_plain`] bound a string's
//!   length, marking a cut with `…`; [`prefix`] bounds it without a mark;
//! - [`visible`] makes one line for a person: every control character (C0, C1,
//!   DEL, line and paragraph separators) and every bidirectional override or
//!   isolate becomes a visible `\u{…}` escape, so the text cannot move the
//!   cursor, recolour a terminal, forge a line or reorder what is shown.
//!
//! [`bom`] transcodes text that starts with a UTF-16 or UTF-32 byte-order
//! mark, for the host's sniffer and the plugins alike.
//!
//! The host's report writer applies [`visible`] to every untrusted string it
//! renders for a person; plugins use [`clip`] to keep what they return small.
//!
//! ```
//! assert_eq!(stagegate_text::clip("abcdef", 4), "abc…");
//! assert_eq!(stagegate_text::visible("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\u{a}c");
//! ```

pub mod bom;

use std::fmt::Write as _;

/// The cut mark.
pub const ELLIPSIS: char = '…';

/// At most `max` characters of `text`; when it is longer, the first `max - 1`
/// characters and `…`. Reads no further into `text` than it keeps.
pub fn clip(text: &str, max: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(0, |(i, _)| i);
            let mut out = String::with_capacity(keep + ELLIPSIS.len_utf8());
            out.push_str(text.get(..keep).unwrap_or_default());
            if max > 0 {
                out.push(ELLIPSIS);
            }
            out
        }
    }
}

/// At most `max` bytes of `text` (cut at a character boundary), followed by
/// `…` when anything was cut; the mark is not counted in `max`.
pub fn clip_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + ELLIPSIS.len_utf8());
    out.push_str(text.get(..end).unwrap_or_default());
    out.push(ELLIPSIS);
    out
}

/// The first `max` characters of `text`, followed by `…` when anything was
/// cut (the mark is not counted in `max`): for untrusted text quoted in a
/// message.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => {
            let mut out = String::with_capacity(cut + ELLIPSIS.len_utf8());
            out.push_str(text.get(..cut).unwrap_or_default());
            out.push(ELLIPSIS);
            out
        }
        None => text.to_owned(),
    }
}

/// `text` with every control character replaced by a space.
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// At most `max` characters of `text`, borrowed, without a mark: for a bounded
/// value kept in a set or a name quoted in an error, where `…` would change
/// the value. Reads no further into `text` than it keeps.
pub fn prefix(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => text.get(..cut).unwrap_or(text),
        None => text,
    }
}

/// [`clip`] that also replaces control characters by spaces: short, one-line
/// text for a fact or a finding, where an escape would be noise.
pub fn clip_plain(text: &str, max: usize) -> String {
    clip(text, max)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Whether `c` must never reach a person's screen as it is: a control
/// character (C0, DEL, C1), a line or paragraph separator, or a bidirectional
/// embedding, override, isolate or mark.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}'
                | '\u{200e}' | '\u{200f}' | '\u{061c}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `text` as one line with every [unsafe](is_unsafe) character written as a
/// visible `\u{…}` escape (lowercase hex, as Rust writes them). A backslash is
/// kept as it is: the escapes are for a person, not a parser.
pub fn visible(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 5), "héllo");
        assert_eq!(clip("héllo!", 5), "héll…");
        assert_eq!(clip("", 3), "");
        assert_eq!(clip("abc", 0), "");
        assert_eq!(clip("abc", 1), "…");
    }

    #[test]
    fn clip_bytes_respects_boundaries() {
        assert_eq!(clip_bytes("abc", 3), "abc");
        assert_eq!(clip_bytes("aé", 2), "a…");
        assert_eq!(clip_bytes("日本語", 4), "日…");
        assert_eq!(clip_bytes("日本語", 0), "…");
    }

    #[test]
    fn shorten_marks_the_cut_beyond_max() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(plain("a\u{1b}b\n"), "a b ");
    }

    #[test]
    fn prefix_keeps_at_most_max_characters_unmarked() {
        assert_eq!(prefix("abc", 3), "abc");
        assert_eq!(prefix("abc", 2), "ab");
        assert_eq!(prefix("日本語", 1), "日");
        assert_eq!(prefix("é", 0), "");
        assert_eq!(prefix("", 5), "");
    }

    #[test]
    fn clip_plain_replaces_controls() {
        assert_eq!(clip_plain("a\nb\tc", 10), "a b c");
    }

    #[test]
    fn visible_escapes_every_unsafe_character() {
        let hostile =
            "ok\u{1b}[31mred\r\u{7}\u{8}\u{85}\u{9b}\u{202e}evil\u{2066}\u{2069}\n::error::x";
        let shown = visible(hostile);
        assert!(!shown.chars().any(is_unsafe), "{shown:?}");
        assert!(!shown.contains('\n'));
        assert_eq!(
            shown,
            "ok\\u{1b}[31mred\\u{d}\\u{7}\\u{8}\\u{85}\\u{9b}\\u{202e}evil\\u{2066}\\u{2069}\\u{a}::error::x"
        );
        assert_eq!(visible("plain → text"), "plain → text");
    }

    #[test]
    fn every_c0_c1_and_bidi_character_is_unsafe() {
        for c in (0u32..0x20)
            .chain(0x7f..0xa0)
            .chain(0x202a..0x202f)
            .chain(0x2066..0x206a)
        {
            let c = char::from_u32(c).unwrap();
            assert!(is_unsafe(c), "{:x}", u32::from(c));
        }
        assert!(!is_unsafe('a') && !is_unsafe('é') && !is_unsafe('…'));
    }
}
