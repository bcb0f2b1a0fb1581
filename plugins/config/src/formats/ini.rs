//! Readers for INI-style files and space-separated directive files.
//!
//! INI: `[section]` headers, `key = value` or `key: value`, `;` and `#`
//! comments, indented continuation lines, and bare keys (`skip-networking`).
//! An unclosed section header is an error. Directives (`redis.conf`,
//! `nginx.conf`): the first word is the key, the rest the value; `name {`
//! opens a block whose name prefixes the keys inside. Neither judges values.

use super::LineError;
use crate::entry::{Entry, Typed};

/// Flattens an INI file.
pub fn read_ini(text: &str, sink: &mut dyn FnMut(Entry)) -> Result<(), LineError> {
    let mut section: Option<String> = None;
    let mut pending: Option<Entry> = None;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim_start_matches('\u{feff}');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t'])
            && let Some(entry) = pending.as_mut()
        {
            entry.value.push('\n');
            entry.value.push_str(trimmed);
            continue;
        }
        if let Some(entry) = pending.take() {
            sink(entry);
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let Some(name) = header.strip_suffix(']') else {
                return Err(LineError {
                    line: number,
                    message: "a section header without its closing `]`".into(),
                });
            };
            section = Some(name.trim().to_owned());
            continue;
        }
        let split = trimmed.find(['=', ':']);
        let (key, value, typed) = match split {
            Some(at) => (
                trimmed.get(..at).unwrap_or("").trim(),
                trimmed.get(at + 1..).unwrap_or("").trim(),
                Typed::Text,
            ),
            None => (trimmed, "", Typed::Null),
        };
        let mut segments = Vec::with_capacity(2);
        segments.extend(section.clone());
        segments.push(key.to_owned());
        let mut entry = Entry::text(segments, value, number);
        entry.typed = typed;
        pending = Some(entry);
    }
    if let Some(entry) = pending {
        sink(entry);
    }
    Ok(())
}

/// Flattens a directives file.
pub fn read_directives(text: &str, sink: &mut dyn FnMut(Entry)) {
    let mut blocks: Vec<String> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.trim_end_matches(';').trim_end();
        if line == "}" {
            blocks.pop();
            continue;
        }
        let (line, opens) = match line.strip_suffix('{') {
            Some(head) => (head.trim_end(), true),
            None => (line, false),
        };
        let (key, value) = match line.split_once(char::is_whitespace) {
            Some((key, value)) => (key, value.trim()),
            None => (line, ""),
        };
        if opens {
            // Bounded by the file's line count; a block name never holds a value.
            blocks.push(key.to_owned());
            continue;
        }
        let mut segments = blocks.clone();
        segments.push(key.to_owned());
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) if !inner.contains('"') => inner,
            _ => value,
        };
        sink(Entry::text(segments, value, index + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(text: &str) -> Result<Vec<(String, String, usize)>, LineError> {
        let mut out = Vec::new();
        read_ini(text, &mut |e| out.push((e.key(), e.value, e.line)))?;
        Ok(out)
    }

    #[test]
    fn ini_sections_comments_continuations_and_bare_keys() {
        let got = ini("top = 1\n; c\n[auth.basic]\nenabled = true\nurl: http://x\nmulti = a\n  b\nskip-networking\nempty =\n").unwrap();
        assert_eq!(got[0], ("top".into(), "1".into(), 1));
        assert_eq!(got[1], ("auth.basic.enabled".into(), "true".into(), 4));
        assert_eq!(got[2], ("auth.basic.url".into(), "http://x".into(), 5));
        assert_eq!(got[3], ("auth.basic.multi".into(), "a\nb".into(), 6));
        assert_eq!(got[4], ("auth.basic.skip-networking".into(), "".into(), 8));
        assert_eq!(got[5], ("auth.basic.empty".into(), "".into(), 9));
    }

    #[test]
    fn ini_unclosed_section_is_an_error() {
        assert_eq!(ini("[server\nx=1\n").unwrap_err().line, 1);
    }

    #[test]
    fn directives_with_blocks() {
        let mut out = Vec::new();
        read_directives(
            "bind 0.0.0.0\nrequirepass \"s3cret\"\nhttp {\n  server {\n    proxy_ssl_verify off;\n  }\n}\nsave \"\"\n",
            &mut |e| out.push((e.key(), e.value, e.line)),
        );
        assert_eq!(out[0], ("bind".into(), "0.0.0.0".into(), 1));
        assert_eq!(out[1], ("requirepass".into(), "s3cret".into(), 2));
        assert_eq!(
            out[2],
            ("http.server.proxy_ssl_verify".into(), "off".into(), 5)
        );
        assert_eq!(out[3], ("save".into(), "".into(), 8));
    }
}
