//! Readers for `.env` files and Java `.properties` files.
//!
//! `.env`: `KEY=value` lines, an optional `export ` prefix, `#` comments,
//! single quotes (literal) and double quotes (escapes, may span lines); a
//! line that is not an assignment is an error, as dotenv loaders refuse it.
//! `.properties` follows `java.util.Properties.load`: `=`, `:` or whitespace
//! separators, `\` line continuations, `\uXXXX` escapes, `#`/`!` comments;
//! any line is valid there. Neither reader judges values.

use super::LineError;
use crate::entry::Entry;

/// Flattens a `.env` file.
pub fn read_dotenv(text: &str, sink: &mut dyn FnMut(Entry)) -> Result<(), LineError> {
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let number = index + 1;
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, rest)) = line.split_once('=') else {
            return Err(LineError {
                line: number,
                message: "expected `KEY=value`".into(),
            });
        };
        let key = key.trim();
        let valid = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid {
            return Err(LineError {
                line: number,
                message: format!(
                    "`{}` is not a variable name",
                    stagegate_sdk::text::prefix(key, 40)
                ),
            });
        }
        let rest = rest.trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let mut body = rest.get(1..).unwrap_or("").to_owned();
                loop {
                    if let Some(end) = closing_quote(&body, q) {
                        body.truncate(end);
                        break;
                    }
                    match lines.next() {
                        Some((_, more)) => {
                            body.push('\n');
                            body.push_str(more);
                        }
                        None => {
                            return Err(LineError {
                                line: number,
                                message: format!("the quoted value of `{key}` is never closed"),
                            });
                        }
                    }
                }
                if q == '"' {
                    unescape_double(&body)
                } else {
                    body
                }
            }
            _ => strip_comment(rest).trim_end().to_owned(),
        };
        sink(Entry::text(vec![key.to_owned()], value, number));
    }
    Ok(())
}

/// Byte index of the first unescaped `quote` in `body`.
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quote == '"' {
            escaped = true;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

fn unescape_double(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An unquoted value ends at ` #`.
fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && i > 0 && bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace) {
            return value.get(..i).unwrap_or(value);
        }
    }
    value
}

/// Flattens a `.properties` file.
pub fn read_properties(text: &str, sink: &mut dyn FnMut(Entry)) {
    let mut lines = text.lines().enumerate();
    while let Some((index, raw)) = lines.next() {
        let first = raw.trim_start_matches('\u{feff}').trim_start();
        if first.is_empty() || first.starts_with('#') || first.starts_with('!') {
            continue;
        }
        let mut logical = first.to_owned();
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_property(&logical);
        let segments = key.split('.').map(str::to_owned).collect();
        sink(Entry::text(segments, value, index + 1));
    }
}

/// An odd number of trailing backslashes continues the line.
fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

/// Splits a logical line into its unescaped key and value.
fn split_property(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => push_escape(&mut key, &mut chars),
            '=' | ':' => break,
            c if c.is_whitespace() => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|c| *c == '=' || *c == ':') {
                    chars.next();
                }
                break;
            }
            c => key.push(c),
        }
    }
    while chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            push_escape(&mut value, &mut chars);
        } else {
            value.push(c);
        }
    }
    (key, value)
}

fn push_escape(out: &mut String, chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('t') => out.push('\t'),
        Some('n') => out.push('\n'),
        Some('r') => out.push('\r'),
        Some('f') => out.push('\u{c}'),
        Some('u') => {
            let hex: String = chars.by_ref().take(4).collect();
            match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                Some(c) => out.push(c),
                None => out.push_str(&hex),
            }
        }
        Some(other) => out.push(other),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dotenv(text: &str) -> Result<Vec<(String, String, usize)>, LineError> {
        let mut out = Vec::new();
        read_dotenv(text, &mut |e| out.push((e.key(), e.value, e.line)))?;
        Ok(out)
    }

    fn properties(text: &str) -> Vec<(String, String, usize)> {
        let mut out = Vec::new();
        read_properties(text, &mut |e| out.push((e.key(), e.value, e.line)));
        out
    }

    #[test]
    fn dotenv_quotes_exports_and_comments() {
        let got = dotenv("# c\nexport A='x # y'\nB=\"l1\\nl2\" # c\nC=plain # comment\nD=\nE=\"multi\nline\"\nF=after\n").unwrap();
        assert_eq!(got[0], ("A".into(), "x # y".into(), 2));
        assert_eq!(got[1], ("B".into(), "l1\nl2".into(), 3));
        assert_eq!(got[2], ("C".into(), "plain".into(), 4));
        assert_eq!(got[3], ("D".into(), "".into(), 5));
        assert_eq!(got[4], ("E".into(), "multi\nline".into(), 6));
        assert_eq!(got[5], ("F".into(), "after".into(), 8));
    }

    #[test]
    fn dotenv_refuses_what_is_not_an_assignment() {
        assert_eq!(dotenv("A=1\nnot an assignment\n").unwrap_err().line, 2);
        assert!(
            dotenv("1A=x\n")
                .unwrap_err()
                .message
                .contains("not a variable name")
        );
        assert!(
            dotenv("A=\"open\n")
                .unwrap_err()
                .message
                .contains("never closed")
        );
    }

    #[test]
    fn properties_continuations_escapes_and_separators() {
        let got = properties(
            "a.b=1\nc : 2\nd 3\nlong=one \\\n   two\nu=caf\\u00e9\nkey\\ with\\ spaces=v\n! bang\nempty\n",
        );
        assert_eq!(got[0], ("a.b".into(), "1".into(), 1));
        assert_eq!(got[1], ("c".into(), "2".into(), 2));
        assert_eq!(got[2], ("d".into(), "3".into(), 3));
        assert_eq!(got[3], ("long".into(), "one two".into(), 4));
        assert_eq!(got[4], ("u".into(), "café".into(), 6));
        assert_eq!(got[5], ("key with spaces".into(), "v".into(), 7));
        assert_eq!(got[6], ("empty".into(), "".into(), 9));
    }
}
