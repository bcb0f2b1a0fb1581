//! The one writer every string leaving the gate passes through.
//!
//! Everything a report shows that the gate did not write itself is untrusted:
//! test names and failure messages, scanner messages, file names from the
//! bundle, plugin logs and errors, fact values, CI variables. Two rules hold
//! for all of it, in every format:
//!
//! 1. **No secret leaves.** [`redact`] replaces every credential the `secrets`
//!    plugin's detectors recognise (one shared crate, `stagegate-redact`) by the
//!    same redacted fingerprint that plugin reports.
//! 2. **No injection.** For a person, untrusted text is one line with every
//!    control character, line separator and bidirectional override made
//!    visible (`\u{1b}`), and no output line can start a CI workflow command
//!    (`::error::`, `::add-mask::`, `##vso[`). For JSON, the same characters
//!    are written as JSON escapes, so the value is exact and the bytes are
//!    safe to print.
//!
//! Renderers never format untrusted text themselves: a human line is built
//! from [`Part`]s, where only `&'static str` literals pass unchanged.

use std::borrow::Cow;
use std::io::{self, Write};

/// `text` with every recognised credential replaced by its fingerprint.
pub fn redact(text: &str) -> Cow<'_, str> {
    stagegate_redact::redact(text)
}

/// `text` redacted and made one visible line, for a person.
pub fn line(text: &str) -> String {
    stagegate_text::visible(&redact(text))
}

/// A piece of a human output line.
#[derive(Debug, Clone, Copy)]
pub enum Part<'a> {
    /// Text the renderer wrote: a literal.
    Lit(&'static str),
    /// Untrusted text: redacted and made visible.
    Text(&'a str),
    /// Untrusted text padded with spaces to at least this many characters.
    Padded(&'a str, usize),
    /// Untrusted text cut to at most this many characters, then made safe.
    Clipped(&'a str, usize),
    /// A number.
    Num(u128),
}

/// Writes human output, one checked line at a time.
pub struct Writer<'o> {
    out: &'o mut dyn Write,
}

impl<'o> Writer<'o> {
    /// A writer over `out`.
    pub fn new(out: &'o mut dyn Write) -> Self {
        Writer { out }
    }

    /// Writes one line made of `parts`, followed by a newline.
    pub fn line(&mut self, parts: &[Part<'_>]) -> io::Result<()> {
        let mut text = String::new();
        for part in parts {
            match *part {
                Part::Lit(lit) => text.push_str(lit),
                Part::Text(untrusted) => text.push_str(&line(untrusted)),
                Part::Padded(untrusted, width) => {
                    let shown = line(untrusted);
                    let count = shown.chars().count();
                    text.push_str(&shown);
                    text.extend(std::iter::repeat_n(' ', width.saturating_sub(count)));
                }
                Part::Clipped(untrusted, max) => {
                    text.push_str(&line(&clip(untrusted, max)));
                }
                Part::Num(n) => text.push_str(&n.to_string()),
            }
        }
        let text = defuse_commands(&text);
        self.out.write_all(text.as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// Writes an empty line.
    pub fn blank(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n")
    }
}

/// A line that a CI runner would read as a workflow command, with its first
/// character made visible so it is only text.
fn defuse_commands(line: &str) -> Cow<'_, str> {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    for (marker, escaped) in [("::", "\\u{3a}:"), ("##", "\\u{23}#")] {
        if let Some(rest) = body.strip_prefix(marker) {
            let head = line.get(..indent).unwrap_or_default();
            return Cow::Owned(format!("{head}{escaped}{rest}"));
        }
    }
    Cow::Borrowed(line)
}

/// `text` redacted, made one visible line, and escaped for HTML text or a
/// quoted attribute value (`&`, `<`, `>`, `"`, `'`).
pub fn html(text: &str) -> String {
    escape_markup(&line(text))
}

/// At most `max` characters of `text`, redacted first: a cut never leaves
/// part of a credential the redactor would have recognised whole. Every
/// renderer that bounds untrusted text cuts with this.
pub fn clip(text: &str, max: usize) -> String {
    stagegate_text::clip(&redact(text), max)
}

/// [`html`] of at most `max` characters of `text`, cut after redaction so a
/// cut never leaves part of a credential the redactor would have recognised.
pub fn html_clipped(text: &str, max: usize) -> String {
    html(&clip(text, max))
}

/// `text` redacted, made one visible line, and escaped for XML character
/// data or an attribute value. What is left is valid XML 1.0: every control
/// character was made visible.
pub fn xml(text: &str) -> String {
    escape_markup(&line(text))
}

fn escape_markup(shown: &str) -> String {
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` redacted, made one visible line, and escaped for Markdown inline
/// text and table cells: every ASCII punctuation character Markdown could
/// read as syntax gets a backslash (a pipe cannot end a cell, a bracket
/// cannot start a link, `<` cannot open HTML), and a line that starts a
/// workflow command cannot be formed.
pub fn markdown(text: &str) -> String {
    let shown = line(text);
    let mut out = String::with_capacity(shown.len() + 8);
    for c in shown.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` redacted, with every unsafe character other than CR and LF made
/// visible, then escaped as the GitHub Actions toolkit escapes a workflow
/// command's data (`%`, CR, LF as `%25`, `%0D`, `%0A`): the message can
/// hold several lines but cannot end the command or start another.
pub fn workflow_data(text: &str) -> String {
    let kept = visible_but_newlines(&redact(text));
    kept.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// [`workflow_data`], and also `:` and `,` as `%3A` and `%2C`, as the toolkit
/// escapes a workflow command's property values.
pub fn workflow_property(text: &str) -> String {
    workflow_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn visible_but_newlines(text: &str) -> String {
    text.split_inclusive(['\r', '\n'])
        .map(|piece| {
            let body = piece.trim_end_matches(['\r', '\n']);
            let ends = piece.get(body.len()..).unwrap_or_default();
            format!("{}{ends}", stagegate_text::visible(body))
        })
        .collect()
}

/// Writes `value` redacted, with [`SafeJson`] (two-space indentation, and
/// the characters a terminal would obey as escapes), and a newline.
pub fn write_json(value: serde_json::Value, out: &mut dyn Write) -> io::Result<()> {
    let value = redact_json(value);
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, SafeJson::new());
    serde::Serialize::serialize(&value, &mut serializer).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Redacts every string of `value`, object keys included.
pub fn redact_json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(&s).into_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(redact_json).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (redact(&k).into_owned(), redact_json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A JSON formatter that also writes DEL, C1 controls, line separators and
/// bidirectional overrides as `\uXXXX` escapes: the JSON value is unchanged,
/// and the bytes are safe to show in a terminal or CI log. Pretty (two-space
/// indentation) by default; [`SafeJson::compact`] writes one line.
pub struct SafeJson<F = serde_json::ser::PrettyFormatter<'static>>(F);

impl SafeJson {
    /// Two-space indentation, like `serde_json::to_writer_pretty`.
    pub fn new() -> Self {
        SafeJson(serde_json::ser::PrettyFormatter::new())
    }
}

impl SafeJson<serde_json::ser::CompactFormatter> {
    /// No whitespace: one line, for JSON-lines files.
    pub fn compact() -> Self {
        SafeJson(serde_json::ser::CompactFormatter)
    }
}

impl Default for SafeJson {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if stagegate_text::is_unsafe(c) {
                writer.write_all(fragment.get(start..at).unwrap_or_default().as_bytes())?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = at + c.len_utf8();
            }
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` redacted and written as one JSON line (no trailing newline),
/// with the characters a terminal would obey as escapes.
pub fn json_line(value: serde_json::Value) -> String {
    let value = redact_json(value);
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, SafeJson::compact());
    // Writing a Value into memory cannot fail: its keys are strings.
    let _ = serde::Serialize::serialize(&value, &mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(parts: &[Part<'_>]) -> String {
        let mut out = Vec::new();
        Writer::new(&mut out).line(parts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn untrusted_text_is_one_visible_line() {
        let shown = render(&[
            Part::Lit("  "),
            Part::Text("name\u{1b}[2J\r\nforged line\u{202e}"),
            Part::Lit(" ok"),
        ]);
        assert_eq!(
            shown,
            "  name\\u{1b}[2J\\u{d}\\u{a}forged line\\u{202e} ok\n"
        );
    }

    #[test]
    fn no_line_starts_a_workflow_command() {
        assert_eq!(
            render(&[Part::Text("::error::pwned")]),
            "\\u{3a}:error::pwned\n"
        );
        assert_eq!(
            render(&[Part::Lit("  "), Part::Text("::add-mask::x")]),
            "  \\u{3a}:add-mask::x\n"
        );
        assert_eq!(
            render(&[Part::Text("##vso[task.setvariable]x")]),
            "\\u{23}#vso[task.setvariable]x\n"
        );
        assert_eq!(
            render(&[Part::Lit("- "), Part::Text("::error::x")]),
            "- ::error::x\n"
        );
    }

    #[test]
    fn padding_and_clipping_count_characters() {
        assert_eq!(render(&[Part::Padded("é", 3), Part::Lit("|")]), "é  |\n");
        assert_eq!(
            render(&[Part::Clipped("abcdef", 4), Part::Num(7)]),
            "abc…7\n"
        );
    }

    #[test]
    fn json_escapes_what_a_terminal_would_obey() {
        let value = serde_json::json!({ "k\u{9b}": "a\u{1b}b\u{202e}c\u{7f}🚀" });
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson::new());
        serde::Serialize::serialize(&value, &mut ser).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && stagegate_text::is_unsafe(c)),
            "{text:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    /// Real-shaped credentials that the redactor knows (test values only).
    const PLANTED: &[&str] = &[
        "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi",
        "glpat-Xq3Rt8Vb2Nm6Kp9Ls4Wd",
        "xoxb-284192746521-8472916350281-Qz7Ry4Tx9Wv2Ub5Sc8Pd3Nf",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1kZXBsb3llciJ9.kP3xR7tV9wZ2yB5nD8qF1hJ4lM6sU0vX3cE7gA9iK2o",
    ];

    /// Text that tries everything: controls, separators, overrides, command
    /// markers, and the start of a planted credential.
    fn hostile() -> impl proptest::strategy::Strategy<Value = String> {
        "(\\PC|[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{2028}\\u{2029}\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{feff}]|::|##|\\n::error::){0,24}"
    }

    #[test]
    fn a_cut_never_leaves_part_of_a_credential() {
        for secret in PLANTED {
            for keep in 1..secret.len() {
                let text = format!("{} {secret} tail", "x".repeat(989 - keep.min(988)));
                let cut = clip(&text, 1000);
                assert!(!cut.contains(&secret[..12.min(secret.len())]), "{cut}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_written_line_is_one_safe_line(
            a in hostile(),
            b in hostile(),
            c in hostile(),
            width in 0usize..40,
            max in 1usize..40,
        ) {
            let shown = render(&[
                Part::Text(&a),
                Part::Lit(" "),
                Part::Padded(&b, width),
                Part::Clipped(&c, max),
            ]);
            let body = shown.strip_suffix('\n').unwrap_or_else(|| unreachable!("no newline: {shown:?}"));
            proptest::prop_assert!(!body.chars().any(stagegate_text::is_unsafe), "{:?}", shown);
            proptest::prop_assert!(!body.trim_start().starts_with("::"), "{:?}", shown);
            proptest::prop_assert!(!body.trim_start().starts_with("##"), "{:?}", shown);
        }

        #[test]
        fn no_planted_secret_is_written_whatever_surrounds_it(
            before in hostile(),
            after in hostile(),
            which in 0usize..4,
            max in 30usize..200,
        ) {
            let secret = PLANTED[which];
            let text = format!("{before} {secret} {after}");
            for part in [Part::Text(&text), Part::Padded(&text, 80), Part::Clipped(&text, max)] {
                let shown = render(&[part]);
                proptest::prop_assert!(!shown.contains(secret), "{:?}", shown);
            }
            let value = serde_json::json!({ text.clone(): [text.clone(), { "m": text.clone() }] });
            let json = redact_json(value).to_string();
            proptest::prop_assert!(!json.contains(secret), "{}", json);
        }

        #[test]
        fn json_bytes_are_safe_and_the_value_is_exact(text in hostile(), key in hostile()) {
            let value = serde_json::json!({ key: [text] });
            let mut out = Vec::new();
            let mut ser = serde_json::Serializer::with_formatter(&mut out, SafeJson::new());
            serde::Serialize::serialize(&value, &mut ser).unwrap();
            let written = String::from_utf8(out).unwrap();
            proptest::prop_assert!(
                !written.chars().any(|c| c != '\n' && stagegate_text::is_unsafe(c)),
                "{:?}", written
            );
            let back: serde_json::Value = serde_json::from_str(&written).unwrap();
            proptest::prop_assert_eq!(back, value);
        }
    }
}
