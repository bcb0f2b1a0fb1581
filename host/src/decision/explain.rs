//! `--explain`: why a policy decided, in the terms of the facts. Reads the
//! policy's conditions from Cedar's JSON form of its syntax tree, lists each
//! `context` attribute it reads with its value, and, for a forbid that fired,
//! what would make it pass: the negation of each comparison it can read off
//! (`needs context.junit.failed <= 0 (is 3)`), else the attributes involved.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::Params;
use crate::facts::{FactSpec, FactValue, Facts, Finding};
use std::collections::BTreeMap;

/// How many findings an explanation quotes.
pub const EXPLAIN_FINDINGS: usize = 5;

/// One `context` attribute a policy reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Read {
    /// `context.junit.failed`.
    pub attr: String,
    /// Its value in this decision (`null` when absent).
    pub value: Value,
}

/// Why a policy decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Every `context` attribute it reads, with its value.
    pub reads: Vec<Read>,
    /// What would make it pass, one condition per line (for a forbid).
    pub needs: Vec<String>,
    /// The first findings of the plugins whose facts it reads.
    pub findings: Vec<Finding>,
    /// Those plugins.
    #[serde(skip)]
    pub plugins: Vec<String>,
}

/// What makes a condition hold.
enum Req {
    /// Every one of these.
    All(Vec<Req>),
    /// Any one of these.
    Any(Vec<Req>),
    /// A comparison, written out, and whether it already holds.
    Leaf(String, Option<bool>),
    /// Does not depend on the facts (`resource.last`).
    Fixed,
    /// Depends on these attributes in a way not read off.
    Opaque(Vec<String>),
}

/// The values a condition can refer to.
pub struct Values<'a> {
    /// Each plugin's declared facts and values.
    pub facts: &'a BTreeMap<String, (Vec<FactSpec>, Facts)>,
    /// `context.params`.
    pub params: &'a Params,
}

impl Values<'_> {
    fn get(&self, path: &[String]) -> Option<Value> {
        let [record, name] = path else { return None };
        if record == "params" {
            return self
                .params
                .get(name)
                .and_then(|(_, v)| serde_json::to_value(v).ok());
        }
        self.facts
            .get(record)
            .and_then(|(_, values)| values.get(name))
            .and_then(|v| serde_json::to_value(v).ok())
    }

    fn number(&self, path: &[String]) -> Option<f64> {
        let [record, name] = path else { return None };
        let value = if record == "params" {
            self.params.get(name).map(|(_, v)| v)
        } else {
            self.facts.get(record).and_then(|(_, f)| f.get(name))
        }?;
        match value {
            FactValue::Long(n) => Some(*n as f64),
            FactValue::String(s) => s.parse().ok(),
            FactValue::Bool(_) | FactValue::Set(_) => None,
        }
    }
}

/// `["junit", "failed"]` for `context.junit.failed`.
fn context_path(e: &Value) -> Option<Vec<String>> {
    let dot = e.get(".")?;
    let attr = dot.get("attr")?.as_str()?.to_owned();
    let left = dot.get("left")?;
    if left.get("Var").and_then(Value::as_str) == Some("context") {
        return Some(vec![attr]);
    }
    let mut path = context_path(left)?;
    path.push(attr);
    Some(path)
}

fn collect(e: &Value, out: &mut BTreeSet<Vec<String>>) {
    if let Some(path) = context_path(e) {
        out.insert(path);
        return;
    }
    match e {
        Value::Object(map) => map.values().for_each(|v| collect(v, out)),
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

/// The `context` records a policy (Cedar's JSON form) reads: plugin names,
/// or the host's keys such as `params`.
pub fn records(policy: &Value) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    if let Some(conditions) = policy.get("conditions") {
        collect(conditions, &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| p.into_iter().next())
        .collect()
}

fn dotted(path: &[String]) -> String {
    format!("context.{}", path.join("."))
}

/// An operand: its text, and its number where it has one.
fn operand(e: &Value, values: &Values<'_>) -> Option<(String, Option<f64>, bool)> {
    if let Some(path) = context_path(e) {
        let shown = dotted(&path);
        let is_param = path.first().is_some_and(|p| p == "params");
        let text = if is_param {
            match values.get(&path) {
                Some(v) => format!("{shown} ({})", plain(&v)),
                None => shown,
            }
        } else {
            shown
        };
        return Some((text, values.number(&path), !is_param));
    }
    if let Some(v) = e.get("Value") {
        return Some((plain(v), v.as_f64(), false));
    }
    let arg = e.get("decimal")?.as_array()?.first()?.get("Value")?;
    let text = arg.as_str()?;
    Some((text.to_owned(), text.parse().ok(), false))
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The comparison operators, their negations and how to evaluate them.
const COMPARISONS: &[(&str, &str, &str)] = &[
    ("<", "<", ">="),
    ("<=", "<=", ">"),
    (">", ">", "<="),
    (">=", ">=", "<"),
    ("==", "==", "!="),
    ("!=", "!=", "=="),
    ("lessThan", "<", ">="),
    ("lessThanOrEqual", "<=", ">"),
    ("greaterThan", ">", "<="),
    ("greaterThanOrEqual", ">=", "<"),
];

fn holds(op: &str, a: f64, b: f64) -> bool {
    match op {
        "<" => a < b,
        "<=" => a <= b,
        ">" => a > b,
        ">=" => a >= b,
        "==" => a == b,
        _ => a != b,
    }
}

fn require(e: &Value, want: bool, values: &Values<'_>) -> Req {
    let mut attrs = BTreeSet::new();
    collect(e, &mut attrs);
    attrs.retain(|p| p.first().is_some_and(|r| r != "params"));
    if attrs.is_empty() {
        return Req::Fixed;
    }
    let Some((op, body)) = e.as_object().and_then(|m| m.iter().next()) else {
        return Req::Opaque(attrs.iter().map(|p| dotted(p)).collect());
    };
    let pair = |body: &Value| -> Option<(Value, Value)> {
        if let Some(items) = body.as_array() {
            return Some((items.first()?.clone(), items.get(1)?.clone()));
        }
        Some((body.get("left")?.clone(), body.get("right")?.clone()))
    };
    match op.as_str() {
        "&&" | "||" => {
            let Some((l, r)) = pair(body) else {
                return Req::Opaque(attrs.iter().map(|p| dotted(p)).collect());
            };
            let parts = vec![require(&l, want, values), require(&r, want, values)];
            // `a && b` holds when both do; it fails when either does not.
            if (op == "&&") == want {
                Req::All(parts)
            } else {
                Req::Any(parts)
            }
        }
        "!" => match body.get("arg") {
            Some(arg) => require(arg, !want, values),
            None => Req::Opaque(attrs.iter().map(|p| dotted(p)).collect()),
        },
        name => {
            let comparison = COMPARISONS.iter().find(|(n, _, _)| *n == name);
            let operands =
                pair(body).and_then(|(l, r)| Some((operand(&l, values)?, operand(&r, values)?)));
            match (comparison, operands) {
                (Some((_, op, negated)), Some((l, r))) => {
                    let op = if want { *op } else { *negated };
                    let now = match (l.1, r.1) {
                        (Some(a), Some(b)) => Some(holds(op, a, b)),
                        _ => None,
                    };
                    let mut text = format!("{} {op} {}", l.0, r.0);
                    let current: Vec<String> = attrs
                        .iter()
                        .filter_map(|p| values.get(p).map(|v| plain(&v)))
                        .collect();
                    if !current.is_empty() {
                        text.push_str(&format!(" (is {})", current.join(", ")));
                    }
                    Req::Leaf(text, now)
                }
                _ => Req::Opaque(
                    attrs
                        .iter()
                        .map(|p| match values.get(p) {
                            Some(v) => format!("{} (is {})", dotted(p), plain(&v)),
                            None => dotted(p),
                        })
                        .collect(),
                ),
            }
        }
    }
}

/// Drops what already holds or does not depend on the facts.
fn simplify(req: Req) -> Option<Req> {
    match req {
        Req::Fixed | Req::Leaf(_, Some(true)) => None,
        Req::All(parts) | Req::Any(parts) if parts.is_empty() => None,
        Req::All(parts) => {
            let mut kept: Vec<Req> = parts.into_iter().filter_map(simplify).collect();
            match kept.len() {
                0 => None,
                1 => kept.pop(),
                _ => Some(Req::All(kept)),
            }
        }
        Req::Any(parts) => {
            let mut kept: Vec<Req> = parts.into_iter().filter_map(simplify).collect();
            match kept.len() {
                0 => None,
                1 => kept.pop(),
                _ => Some(Req::Any(kept)),
            }
        }
        other => Some(other),
    }
}

fn text(req: &Req, nested: bool) -> String {
    let joined = |parts: &[Req], sep: &str| {
        let inner = parts
            .iter()
            .map(|p| text(p, true))
            .collect::<Vec<_>>()
            .join(sep);
        if nested { format!("({inner})") } else { inner }
    };
    match req {
        Req::All(parts) => joined(parts, " and "),
        Req::Any(parts) => joined(parts, " or "),
        Req::Leaf(s, _) => s.clone(),
        Req::Fixed => String::new(),
        Req::Opaque(attrs) => format!("a change to {}", attrs.join(", ")),
    }
}

/// Explains `policy` (Cedar's JSON form of it). For a forbid, `needs` says
/// what would make it pass.
pub fn explain(policy: &Value, forbid: bool, values: &Values<'_>) -> Explanation {
    let conditions: Vec<Value> = policy
        .get("conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut attrs = BTreeSet::new();
    conditions.iter().for_each(|c| collect(c, &mut attrs));
    let reads = attrs
        .iter()
        .map(|p| Read {
            attr: dotted(p),
            value: values.get(p).unwrap_or(Value::Null),
        })
        .collect();
    let plugins: BTreeSet<String> = attrs
        .iter()
        .filter_map(|p| p.first())
        .filter(|r| values.facts.contains_key(*r))
        .cloned()
        .collect();
    let mut needs = Vec::new();
    if forbid {
        // The forbid holds when every `when` body holds and no `unless`
        // body does; it passes when any one of them turns.
        let parts: Vec<Req> = conditions
            .iter()
            .filter_map(|c| {
                let body = c.get("body")?;
                let unless = c.get("kind").and_then(Value::as_str) == Some("unless");
                Some(require(body, unless, values))
            })
            .collect();
        match simplify(Req::Any(parts)) {
            Some(Req::All(parts)) => needs.extend(parts.iter().map(|p| text(p, false))),
            Some(Req::Any(parts)) => needs.push(format!(
                "one of: {}",
                parts
                    .iter()
                    .map(|p| text(p, true))
                    .collect::<Vec<_>>()
                    .join("; or ")
            )),
            Some(other) => needs.push(text(&other, false)),
            None => {}
        }
    }
    Explanation {
        reads,
        needs,
        findings: Vec::new(),
        plugins: plugins.into_iter().collect(),
    }
}
