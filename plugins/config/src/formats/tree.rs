//! Flattens nested formats (YAML, JSON, TOML) into dotted-key entries.
//!
//! YAML and JSON go through the bounded YAML reader one document at a time;
//! aliases and merge keys are expanded here, within the expansion bound the
//! reader already enforced. A `NAME=value` item of a list under an
//! `environment` key (docker-compose) becomes the entry `environment.NAME`.
//! TOML files are small by nature and parsed whole by the `toml` crate, whose
//! parser bounds nesting itself. Nothing here judges a value.

use super::LineError;
use crate::entry::{Entry, Typed};
use crate::yaml::{self, Limits, NodeRef, YamlError};

/// Flattens every document of a YAML or JSON text.
pub fn read_yaml(
    text: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(Entry),
) -> Result<(), super::ReadError> {
    yaml::for_each_document(text.as_bytes(), limits, |doc| {
        let mut path = Vec::new();
        walk(doc.root(), &mut path, doc.number(), sink);
        Ok::<(), YamlError>(())
    })?;
    Ok(())
}

fn walk(node: NodeRef<'_>, path: &mut Vec<String>, document: usize, sink: &mut dyn FnMut(Entry)) {
    if node.is_map() {
        for (key, value) in node.entries() {
            path.push(key.as_str().unwrap_or("?").to_owned());
            walk(value, path, document, sink);
            path.pop();
        }
    } else if node.is_seq() {
        let in_environment = path
            .last()
            .is_some_and(|k| k.eq_ignore_ascii_case("environment"));
        for (i, item) in node.items().enumerate() {
            if in_environment
                && let Some((name, value)) = item.as_str().and_then(|t| t.split_once('='))
            {
                path.push(name.trim().to_owned());
                let mut entry = Entry::text(path.clone(), value, item.line());
                entry.document = document;
                sink(entry);
                path.pop();
                continue;
            }
            path.push(i.to_string());
            walk(item, path, document, sink);
            path.pop();
        }
    } else if !path.is_empty() {
        let typed = if node.is_null() {
            Typed::Null
        } else {
            node.as_bool().map_or(Typed::Text, Typed::Bool)
        };
        sink(Entry {
            segments: path.clone(),
            value: node.as_str().unwrap_or("").to_owned(),
            typed,
            line: node.line(),
            document,
        });
    }
}

/// Flattens a TOML text.
pub fn read_toml(text: &str, sink: &mut dyn FnMut(Entry)) -> Result<(), LineError> {
    let lines = LineIndex::new(text);
    let table = toml::de::DeTable::parse(text).map_err(|e| LineError {
        line: e.span().map_or(0, |s| lines.line(s.start)),
        message: e.message().trim().to_owned(),
    })?;
    let mut path = Vec::new();
    walk_table(table.get_ref(), &lines, &mut path, sink);
    Ok(())
}

fn walk_table(
    table: &toml::de::DeTable<'_>,
    lines: &LineIndex,
    path: &mut Vec<String>,
    sink: &mut dyn FnMut(Entry),
) {
    for (key, value) in table.iter() {
        path.push(key.get_ref().to_string());
        walk_toml(value, lines, path, sink);
        path.pop();
    }
}

fn walk_toml(
    value: &toml::Spanned<toml::de::DeValue<'_>>,
    lines: &LineIndex,
    path: &mut Vec<String>,
    sink: &mut dyn FnMut(Entry),
) {
    use toml::de::DeValue;
    let line = lines.line(value.span().start);
    let (text, typed) = match value.get_ref() {
        DeValue::Table(table) => return walk_table(table, lines, path, sink),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk_toml(item, lines, path, sink);
                path.pop();
            }
            return;
        }
        DeValue::String(s) => (s.to_string(), Typed::Text),
        DeValue::Integer(i) => (i.as_str().to_owned(), Typed::Text),
        DeValue::Float(f) => (f.as_str().to_owned(), Typed::Text),
        DeValue::Boolean(b) => (b.to_string(), Typed::Bool(*b)),
        DeValue::Datetime(d) => (d.to_string(), Typed::Text),
    };
    sink(Entry {
        segments: path.clone(),
        value: text,
        typed,
        line,
        document: 1,
    });
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self(starts)
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Vec<(String, String, Typed, usize)> {
        let mut out = Vec::new();
        read_yaml(text, &Limits::default(), &mut |e| {
            out.push((e.key(), e.value.clone(), e.typed, e.line))
        })
        .unwrap();
        out
    }

    fn toml_entries(text: &str) -> Vec<(String, String, Typed, usize)> {
        let mut out = Vec::new();
        read_toml(text, &mut |e| {
            out.push((e.key(), e.value.clone(), e.typed, e.line))
        })
        .unwrap();
        out
    }

    #[test]
    fn yaml_flattens_with_compose_environment_lists() {
        let got = yaml(
            "a:\n  b: on\n  c: [x, 'y']\nservices:\n  s:\n    environment:\n      - DEBUG=true\n",
        );
        assert_eq!(got[0], ("a.b".into(), "on".into(), Typed::Bool(true), 2));
        assert_eq!(got[2], ("a.c[1]".into(), "y".into(), Typed::Text, 3));
        assert_eq!(
            got[3],
            (
                "services.s.environment.DEBUG".into(),
                "true".into(),
                Typed::Text,
                7
            )
        );
    }

    #[test]
    fn toml_flattens_with_lines() {
        let mut got =
            toml_entries("title = \"x\"\n[db]\nport = 5432\nssl = false\n[[srv]]\nname = \"a\"\n");
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got[0], ("db.port".into(), "5432".into(), Typed::Text, 3));
        assert_eq!(
            got[1],
            ("db.ssl".into(), "false".into(), Typed::Bool(false), 4)
        );
        assert_eq!(got[2], ("srv[0].name".into(), "a".into(), Typed::Text, 6));
        assert_eq!(got[3], ("title".into(), "x".into(), Typed::Text, 1));
    }

    #[test]
    fn toml_errors_have_lines_and_deep_nesting_is_refused() {
        let err = read_toml("a = 1\nb = [1,\n", &mut |_| {}).unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
        let deep = format!("a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
        let err = read_toml(&deep, &mut |_| {}).unwrap_err();
        assert!(err.message.contains("recursion"), "{err:?}");
    }
}
