//! Bounding untrusted text before it reaches a fact, a finding or an error message.
//!
//! Cuts happen on character boundaries and are marked with `…`; nothing here allocates more
//! than the kept text.

use crate::tally::MAX_MESSAGE;

/// Cuts `text` to `max` characters, marking the cut with `…` (the shared helper).
pub use stagegate_sdk::text::shorten;

/// Message text on one line: whitespace runs (newlines included) become one space, and the
/// result is cut to [`MAX_MESSAGE`] characters.
pub(crate) fn one_line(text: &str) -> String {
    let head = shorten(text, 4 * MAX_MESSAGE);
    let joined = head.split_whitespace().collect::<Vec<_>>().join(" ");
    shorten(&joined, MAX_MESSAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_cuts_on_char_boundaries() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ééé", 2), "éé…");
    }

    #[test]
    fn one_line_collapses_whitespace_and_bounds_length() {
        assert_eq!(one_line("  a\r\n\tb  c \n"), "a b c");
        let long = "x ".repeat(10_000);
        assert_eq!(one_line(&long).chars().count(), MAX_MESSAGE + 1);
    }
}
