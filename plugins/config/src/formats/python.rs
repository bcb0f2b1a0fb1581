//! A line scan of Python settings modules (Django `settings.py` and the like).
//!
//! Python is not executed or parsed: top-level `NAME = literal` assignments
//! and `"KEY": literal` lines inside a top-level dict (prefixed with the dict's
//! name) become entries. Literals are `True`/`False`/`None`, quoted strings,
//! and `os.environ.get("X", "default")`/`os.getenv(...)`/`env(..., default=...)`
//! calls, whose default is the value. Anything else is kept as raw text.

use crate::entry::{Entry, Typed, unquote};

/// Flattens the assignments of a Python settings module.
pub fn read_python(text: &str, sink: &mut dyn FnMut(Entry)) {
    let mut dict: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let top_level = trimmed.len() == line.len();
        if top_level {
            dict = None;
            let Some((name, value)) = line.split_once('=') else {
                continue;
            };
            let name = name.trim();
            let is_name = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !is_name || value.starts_with('=') {
                continue;
            }
            let value = strip_comment(value).trim();
            if value.starts_with('{') && !value.ends_with('}') {
                dict = Some(name.to_owned());
            }
            emit(vec![name.to_owned()], value, index + 1, sink);
        } else if let Some(dict) = &dict
            && let Some((key, value)) = dict_item(trimmed)
        {
            emit(vec![dict.clone(), key.to_owned()], value, index + 1, sink);
        }
    }
}

/// `"KEY": value,` inside a dict literal.
fn dict_item(line: &str) -> Option<(&str, &str)> {
    let quote = line.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = line.get(1..)?;
    let end = rest.find(quote)?;
    let key = rest.get(..end)?;
    let value = rest.get(end + 1..)?.trim_start().strip_prefix(':')?;
    let value = strip_comment(value).trim().trim_end_matches(',').trim();
    if value.starts_with('{') {
        return None;
    }
    Some((key, value))
}

fn emit(segments: Vec<String>, raw: &str, line: usize, sink: &mut dyn FnMut(Entry)) {
    let (value, typed) = literal(raw);
    let mut entry = Entry::text(segments, value, line);
    entry.typed = typed;
    sink(entry);
}

fn literal(raw: &str) -> (String, Typed) {
    match raw {
        "True" => return ("True".into(), Typed::Bool(true)),
        "False" => return ("False".into(), Typed::Bool(false)),
        "None" => return (String::new(), Typed::Null),
        _ => {}
    }
    for call in ["os.environ.get(", "os.getenv(", "env(", "config("] {
        if let Some(args) = raw.strip_prefix(call).and_then(|a| a.strip_suffix(')')) {
            let default = args.split_once(',').map(|(_, d)| d.trim());
            let default = default.map(|d| d.strip_prefix("default=").unwrap_or(d).trim());
            return match default {
                Some(d) => literal(d),
                None => (String::new(), Typed::Null),
            };
        }
    }
    (unquote(raw).to_owned(), Typed::Text)
}

/// Drops a trailing `# comment` outside quotes.
fn strip_comment(value: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in value.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => return value.get(..i).unwrap_or(value),
            _ => {}
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignments_dicts_and_env_defaults() {
        let text = "import os\nDEBUG = True  # dev\nX = None\nHOSTS = [\"*\"]\nDATABASES = {\n    \"default\": {\n        \"USER\": \"postgres\",\n        \"PASSWORD\": os.environ.get(\"DB_PASSWORD\", \"postgres\"),\n    }\n}\nKEY = 'a#b'\nlower = 1\nif DEBUG == True:\n    pass\n";
        let mut out = Vec::new();
        read_python(text, &mut |e| out.push((e.key(), e.value, e.typed, e.line)));
        assert_eq!(
            out[0],
            ("DEBUG".into(), "True".into(), Typed::Bool(true), 2)
        );
        assert_eq!(out[1], ("X".into(), "".into(), Typed::Null, 3));
        assert_eq!(out[2], ("HOSTS".into(), "[\"*\"]".into(), Typed::Text, 4));
        assert_eq!(out[3].0, "DATABASES");
        assert_eq!(
            out[4],
            ("DATABASES.USER".into(), "postgres".into(), Typed::Text, 7)
        );
        assert_eq!(
            out[5],
            (
                "DATABASES.PASSWORD".into(),
                "postgres".into(),
                Typed::Text,
                8
            )
        );
        assert_eq!(out[6], ("KEY".into(), "a#b".into(), Typed::Text, 11));
        assert_eq!(out.len(), 7);
    }
}
