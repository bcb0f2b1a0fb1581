//! `stagegate plugin inspect`: a component file as `check` sees it, for a
//! person or as JSON. Everything the component declares is untrusted and
//! passes [`super::text`].

use std::io::{self, Write};

use serde_json::{Value, json};

use super::text::{Part, Writer};
use crate::kinds::Matcher;
use crate::plugin::contract::HOST_CONTRACT;
use crate::plugin::inspect::{Access, Inspection};

/// A matcher in words.
pub fn matcher(m: &Matcher) -> String {
    match m {
        Matcher::XmlRoot(root) => format!("XML root <{root}>"),
        Matcher::JsonKeys(keys) => format!("JSON keys {}", keys.join(", ")),
        Matcher::YamlKeys(keys) => format!("YAML keys {}", keys.join(", ")),
        Matcher::Glob { pattern, .. } => format!("path {pattern}"),
        Matcher::TextPrefix(prefix) => format!("text starting {prefix:?}"),
        Matcher::AnyText => "any text file".to_owned(),
    }
}

fn access(a: Access) -> (&'static str, &'static str) {
    match a {
        Access::Provided => ("provided", ""),
        Access::Restricted(how) => ("restricted", how),
        Access::Refused => ("refused", "the sandbox does not provide it"),
    }
}

/// The `[plugins.NAME]` block that pins this component.
pub fn pin(name: &str, file: &str, sha256: &str) -> String {
    let file = toml::Value::String(file.to_owned());
    format!("[plugins.{name}]\npath = {file}\nsha256 = \"{sha256}\"")
}

/// Writes `inspection` of `file` for a person.
pub fn human(inspection: &Inspection, file: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut w = Writer::new(out);
    match &inspection.loaded {
        Ok(meta) => w.line(&[
            Part::Lit("plugin "),
            Part::Text(&meta.name),
            Part::Lit(" "),
            Part::Text(&meta.version),
            Part::Lit(": "),
            Part::Text(&meta.description),
        ])?,
        Err(_) => w.line(&[Part::Lit("not a plugin check would run")])?,
    }
    w.line(&[
        Part::Lit("  file:     "),
        Part::Text(file),
        Part::Lit(" ("),
        Part::Num(u128::from(inspection.size)),
        Part::Lit(" bytes)"),
    ])?;
    w.line(&[Part::Lit("  sha256:   "), Part::Text(&inspection.sha256)])?;
    match &inspection.contract {
        Some(version) => w.line(&[
            Part::Lit("  contract: stagegate:plugin@"),
            Part::Text(version),
            Part::Lit(" (this host: "),
            Part::Lit(HOST_CONTRACT),
            Part::Lit(")"),
        ])?,
        None => w.line(&[Part::Lit("  contract: none exported")])?,
    }
    if let Ok(meta) = &inspection.loaded {
        w.line(&[Part::Lit("  reads:")])?;
        if meta.reads.is_empty() {
            w.line(&[Part::Lit("    nothing")])?;
        }
        for kind in &meta.reads {
            let matchers: Vec<String> = kind.matchers.iter().map(matcher).collect();
            w.line(&[
                Part::Lit("    "),
                Part::Text(&kind.name),
                Part::Lit(": "),
                Part::Text(&matchers.join("; or ")),
            ])?;
        }
        w.line(&[Part::Lit("  facts:")])?;
        for fact in &meta.facts {
            w.line(&[
                Part::Lit("    context."),
                Part::Text(&meta.name),
                Part::Lit("."),
                Part::Text(&fact.name),
                Part::Lit(": "),
                Part::Lit(fact.ty.cedar()),
                Part::Lit(if fact.doc.is_empty() { "" } else { ": " }),
                Part::Text(&fact.doc),
            ])?;
        }
    }
    w.line(&[Part::Lit("  imports:")])?;
    for import in &inspection.imports {
        let (word, how) = access(import.access);
        w.line(&[
            Part::Lit("    "),
            Part::Padded(&import.name, 40),
            Part::Lit(" "),
            Part::Lit(word),
            Part::Lit(if how.is_empty() { "" } else { ": " }),
            Part::Lit(how),
        ])?;
    }
    match &inspection.loaded {
        Ok(meta) => {
            w.line(&[Part::Lit("check would run it; to pin it:")])?;
            for line in pin(&meta.name, file, &inspection.sha256).lines() {
                w.line(&[Part::Lit("  "), Part::Text(line)])?;
            }
        }
        Err(problem) => {
            w.line(&[Part::Lit("check would refuse it:")])?;
            w.line(&[Part::Lit("  - "), Part::Text(problem)])?;
        }
    }
    Ok(())
}

/// `inspection` of `file` as a JSON value (stable keys, sorted by the writer).
pub fn to_value(inspection: &Inspection, file: &str) -> Value {
    let imports: Vec<Value> = inspection
        .imports
        .iter()
        .map(|i| {
            let (word, how) = access(i.access);
            json!({"name": i.name, "access": word, "note": how})
        })
        .collect();
    let (plugin, problems, pin_block) = match &inspection.loaded {
        Ok(meta) => {
            let reads: Vec<Value> = meta
                .reads
                .iter()
                .map(|k| {
                    json!({
                        "kind": k.name,
                        "matchers": k.matchers.iter().map(matcher).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let facts: Vec<Value> = meta
                .facts
                .iter()
                .map(|f| {
                    json!({
                        "name": f.name,
                        "type": f.ty.cedar(),
                        "doc": f.doc,
                        "cedar": format!("context.{}.{}", meta.name, f.name),
                    })
                })
                .collect();
            let plugin = json!({
                "name": meta.name,
                "version": meta.version,
                "description": meta.description,
                "reads": reads,
                "facts": facts,
            });
            (
                plugin,
                Vec::new(),
                Value::String(pin(&meta.name, file, &inspection.sha256)),
            )
        }
        Err(problem) => (Value::Null, vec![problem.clone()], Value::Null),
    };
    json!({
        "file": file,
        "size": inspection.size,
        "sha256": inspection.sha256,
        "contract": inspection.contract,
        "host_contract": HOST_CONTRACT,
        "imports": imports,
        "plugin": plugin,
        "runnable": inspection.loaded.is_ok(),
        "problems": problems,
        "pin": pin_block,
    })
}

/// Writes `inspection` of `file` as one JSON object and a newline.
pub fn json(inspection: &Inspection, file: &str, out: &mut dyn Write) -> io::Result<()> {
    let value = super::text::redact_json(super::json::sorted(to_value(inspection, file)));
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut *out, super::text::SafeJson::new());
    serde::Serialize::serialize(&value, &mut serializer).map_err(io::Error::other)?;
    writeln!(out)
}
