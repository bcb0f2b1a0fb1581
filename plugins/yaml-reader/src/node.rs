//! The node arena of one YAML document and a read-only view over it.
//!
//! Nodes live in one vector and refer to each other by index, so an alias is
//! just a second reference to the anchored node and dropping a deep document
//! never recurses. Readers navigate with [`NodeRef`]; typing of scalars
//! (booleans, integers, null) happens here, on demand, by YAML 1.1 rules.
//! Nothing in this module allocates per lookup or interprets the content.

/// How a scalar was written: typing rules apply to plain scalars only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// `'single'` or `"double"` quoted.
    Quoted,
    /// A `|` or `>` block.
    Block,
}

#[derive(Debug)]
pub(super) enum Value {
    Scalar {
        text: String,
        style: ScalarStyle,
        tag: Option<Box<str>>,
    },
    Seq(Vec<u32>),
    Map(Vec<(u32, u32)>),
}

#[derive(Debug)]
pub(super) struct Node {
    pub(super) value: Value,
    pub(super) line: u32,
    /// How many nodes this one stands for once aliases are expanded.
    pub(super) expanded: u64,
    /// Levels of sequences and mappings it holds once aliases are expanded,
    /// itself included (0 for a scalar).
    pub(super) height: u32,
}

/// Borrowed access to a node list, used while a document is still being built.
pub(super) struct View<'a>(pub(super) &'a [Node]);

impl View<'_> {
    pub(super) fn scalar_text(&self, id: u32) -> Option<&str> {
        match self.0.get(id as usize).map(|n| &n.value) {
            Some(Value::Scalar { text, .. }) => Some(text),
            _ => None,
        }
    }
}

/// One composed YAML document.
#[derive(Debug)]
pub struct Document {
    nodes: Vec<Node>,
    root: u32,
    number: usize,
    saw_template: bool,
}

impl Document {
    pub(super) fn new(nodes: Vec<Node>, root: u32, number: usize, saw_template: bool) -> Self {
        Self {
            nodes,
            root,
            number,
            saw_template,
        }
    }

    /// Whether `{{` occurred in the stream so far: the text may be an unrendered template.
    pub fn saw_template(&self) -> bool {
        self.saw_template
    }

    /// The 1-based position of this document in its stream.
    pub fn number(&self) -> usize {
        self.number
    }

    /// The top node.
    pub fn root(&self) -> NodeRef<'_> {
        NodeRef {
            doc: self,
            id: self.root,
        }
    }
}

/// A node of a [`Document`].
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a> {
    doc: &'a Document,
    id: u32,
}

impl<'a> NodeRef<'a> {
    fn node(&self) -> Option<&'a Node> {
        self.doc.nodes.get(self.id as usize)
    }

    fn at(&self, id: u32) -> NodeRef<'a> {
        NodeRef { doc: self.doc, id }
    }

    /// The 1-based line where the node starts.
    pub fn line(&self) -> usize {
        self.node().map_or(0, |n| n.line as usize)
    }

    /// The scalar's text, style and tag, if this is a scalar.
    pub fn scalar(&self) -> Option<(&'a str, ScalarStyle, Option<&'a str>)> {
        match self.node().map(|n| &n.value) {
            Some(Value::Scalar { text, style, tag }) => Some((text, *style, tag.as_deref())),
            _ => None,
        }
    }

    /// A plain scalar with a core-schema-free tag: the only kind that is typed.
    fn plain(&self) -> Option<&'a str> {
        match self.scalar() {
            Some((text, ScalarStyle::Plain, None)) => Some(text),
            Some((text, _, Some("!!bool" | "!!int" | "!!null"))) => Some(text),
            _ => None,
        }
    }

    /// Whether the node is null: `~`, `null` or nothing at all.
    pub fn is_null(&self) -> bool {
        matches!(self.plain(), Some("" | "~" | "null" | "Null" | "NULL"))
    }

    /// The scalar text unless the node is null or a collection.
    pub fn as_str(&self) -> Option<&'a str> {
        if self.is_null() {
            return None;
        }
        self.scalar().map(|(text, _, _)| text)
    }

    /// A YAML 1.1 boolean (`true/false`, `yes/no`, `on/off` in three casings).
    pub fn as_bool(&self) -> Option<bool> {
        match self.plain()? {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    /// A plain integer (decimal, `0x` hex or `0o` octal; `_` separators allowed).
    pub fn as_i64(&self) -> Option<i64> {
        let text: String = self.plain()?.chars().filter(|c| *c != '_').collect();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(&text)),
        };
        let value = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else {
            digits.parse::<i64>().ok()?
        };
        Some(if negative { -value } else { value })
    }

    /// Whether this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.node().map(|n| &n.value), Some(Value::Map(_)))
    }

    /// Whether this is a sequence.
    pub fn is_seq(&self) -> bool {
        matches!(self.node().map(|n| &n.value), Some(Value::Seq(_)))
    }

    /// The items of a sequence (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = NodeRef<'a>> + 'a {
        let doc = self.doc;
        let ids: &'a [u32] = match self.node().map(|n| &n.value) {
            Some(Value::Seq(ids)) => ids,
            _ => &[],
        };
        ids.iter().map(move |&id| NodeRef { doc, id })
    }

    /// The entries of a mapping, merge keys applied (empty for anything else).
    pub fn entries(&self) -> impl Iterator<Item = (NodeRef<'a>, NodeRef<'a>)> + 'a {
        let doc = self.doc;
        let pairs: &'a [(u32, u32)] = match self.node().map(|n| &n.value) {
            Some(Value::Map(pairs)) => pairs,
            _ => &[],
        };
        pairs
            .iter()
            .map(move |&(k, v)| (NodeRef { doc, id: k }, NodeRef { doc, id: v }))
    }

    /// The value of `key` in a mapping; with duplicate keys the last one wins.
    pub fn get(&self, key: &str) -> Option<NodeRef<'a>> {
        match self.node().map(|n| &n.value) {
            Some(Value::Map(pairs)) => pairs
                .iter()
                .rev()
                .find(|&&(k, _)| self.at(k).scalar().is_some_and(|(t, _, _)| t == key))
                .map(|&(_, v)| self.at(v)),
            _ => None,
        }
    }

    /// A short name for the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.node().map(|n| &n.value) {
            Some(Value::Map(_)) => "a mapping",
            Some(Value::Seq(_)) => "a sequence",
            _ if self.is_null() => "null",
            _ => "a scalar",
        }
    }
}
