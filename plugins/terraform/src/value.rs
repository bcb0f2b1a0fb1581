//! Reading a resource's planned values together with Terraform's unknown-value mask.
//!
//! A plan gives each change an `after` object (the values known at plan time) and an
//! `after_unknown` object of the same shape that is `true` wherever a value will only be
//! known after apply; unknown values are left out of `after`. Rules must tell "set to
//! false" from "absent" from "unknown", because an unknown value is never guessed as safe
//! or unsafe. [`Node`] walks both trees in step and answers with a [`Val`]. It never
//! copies values and never decides what a value means.

use serde_json::Value;

/// A value as a rule sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<T> {
    /// Known at plan time.
    Known(T),
    /// Known to be absent or `null`.
    Absent,
    /// Only known after apply.
    Unknown,
}

impl<T> Val<T> {
    /// Applies `f` to a known value; `None` when absent or unknown.
    pub fn map_known<U>(self, f: impl FnOnce(T) -> Option<U>) -> Option<U> {
        match self {
            Val::Known(v) => f(v),
            _ => None,
        }
    }
}

/// A position in `after` and the matching position in `after_unknown`.
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    value: Option<&'a Value>,
    unknown: Option<&'a Value>,
}

impl<'a> Node<'a> {
    /// The root of a change: its `after` and `after_unknown` objects.
    pub fn new(value: Option<&'a Value>, unknown: Option<&'a Value>) -> Self {
        Node { value, unknown }
    }

    /// Whether the mask marks this whole position as unknown.
    pub fn is_unknown(self) -> bool {
        matches!(self.unknown, Some(Value::Bool(true)))
    }

    /// The attribute `key` of an object.
    pub fn get(self, key: &str) -> Node<'a> {
        Node {
            value: self.value.and_then(|v| v.get(key)),
            unknown: if self.is_unknown() {
                self.unknown
            } else {
                self.unknown.and_then(|u| u.get(key))
            },
        }
    }

    /// The raw value at this position (`None` when unknown, absent or null).
    pub fn raw(self) -> Val<&'a Value> {
        if self.is_unknown() {
            return Val::Unknown;
        }
        match self.value {
            None | Some(Value::Null) => Val::Absent,
            Some(v) => Val::Known(v),
        }
    }

    /// A string attribute; other types read as absent.
    pub fn str(self) -> Val<&'a str> {
        match self.raw() {
            Val::Known(Value::String(s)) => Val::Known(s.as_str()),
            Val::Unknown => Val::Unknown,
            _ => Val::Absent,
        }
    }

    /// A boolean attribute; `"true"`/`"false"` strings are accepted as Terraform converts them.
    pub fn bool(self) -> Val<bool> {
        match self.raw() {
            Val::Known(Value::Bool(b)) => Val::Known(*b),
            Val::Known(Value::String(s)) if s == "true" => Val::Known(true),
            Val::Known(Value::String(s)) if s == "false" => Val::Known(false),
            Val::Unknown => Val::Unknown,
            _ => Val::Absent,
        }
    }

    /// An integer attribute; numeric strings are accepted as Terraform converts them.
    pub fn int(self) -> Val<i64> {
        match self.raw() {
            Val::Known(Value::Number(n)) => n.as_i64().map_or(Val::Absent, Val::Known),
            Val::Known(Value::String(s)) => s.trim().parse().map_or(Val::Absent, Val::Known),
            Val::Unknown => Val::Unknown,
            _ => Val::Absent,
        }
    }

    /// The elements of a list or set, each with its own mask; `Unknown` when the whole
    /// collection is unknown, an empty list when absent or not a list.
    pub fn items(self) -> Val<Vec<Node<'a>>> {
        if self.is_unknown() {
            return Val::Unknown;
        }
        let values = match self.value {
            Some(Value::Array(values)) => values.as_slice(),
            None | Some(Value::Null) => return Val::Absent,
            Some(_) => &[],
        };
        let masks = match self.unknown {
            Some(Value::Array(masks)) => masks.as_slice(),
            _ => &[],
        };
        let len = values.len().max(masks.len());
        Val::Known(
            (0..len)
                .map(|i| Node {
                    value: values.get(i),
                    unknown: masks.get(i),
                })
                .collect(),
        )
    }

    /// The strings of a list attribute, and whether any element (or the list) is unknown.
    pub fn strings(self) -> (Vec<&'a str>, bool) {
        match self.items() {
            Val::Unknown => (Vec::new(), true),
            Val::Absent => (Vec::new(), false),
            Val::Known(items) => {
                let mut unknown = false;
                let mut out = Vec::new();
                for item in items {
                    match item.str() {
                        Val::Known(s) => out.push(s),
                        Val::Unknown => unknown = true,
                        Val::Absent => {}
                    }
                }
                (out, unknown)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_absent_unknown() {
        let after = json!({"a": "x", "b": null, "n": 22, "s": "3389", "t": true});
        let unknown = json!({"c": true, "list": [false, true]});
        let root = Node::new(Some(&after), Some(&unknown));
        assert_eq!(root.get("a").str(), Val::Known("x"));
        assert_eq!(root.get("b").str(), Val::Absent);
        assert_eq!(root.get("missing").str(), Val::Absent);
        assert_eq!(root.get("c").str(), Val::Unknown);
        assert_eq!(root.get("n").int(), Val::Known(22));
        assert_eq!(root.get("s").int(), Val::Known(3389));
        assert_eq!(root.get("t").bool(), Val::Known(true));
    }

    #[test]
    fn unknown_parent_makes_children_unknown() {
        let after = json!({});
        let unknown = json!({"ingress": true});
        let root = Node::new(Some(&after), Some(&unknown));
        assert!(root.get("ingress").is_unknown());
        assert_eq!(root.get("ingress").get("from_port").int(), Val::Unknown);
        assert!(matches!(root.get("ingress").items(), Val::Unknown));
    }

    #[test]
    fn list_elements_carry_their_masks() {
        let after = json!({"cidr": ["10.0.0.0/8", null]});
        let unknown = json!({"cidr": [false, true]});
        let root = Node::new(Some(&after), Some(&unknown));
        let (known, any_unknown) = root.get("cidr").strings();
        assert_eq!(known, vec!["10.0.0.0/8"]);
        assert!(any_unknown);
        let (known, any_unknown) = Node::new(Some(&after), None).get("cidr").strings();
        assert_eq!(known, vec!["10.0.0.0/8"]);
        assert!(!any_unknown);
    }
}
