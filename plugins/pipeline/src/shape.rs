//! Typed access to the nodes of a pipeline document.
//!
//! A field that is present with the wrong type is a [`ShapeError`] naming its
//! path and line, as GitHub or GitLab would refuse the file; absent and null
//! fields are `None`. Walks over whole subtrees are iterative and bounded, so
//! a deep or alias-heavy document cannot exhaust the stack. This module judges
//! nothing.

use crate::yaml::NodeRef;

/// A field present with the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// 1-based line of the offending node.
    pub line: usize,
    /// What is wrong, naming the field path.
    pub message: String,
}

impl ShapeError {
    /// `path` must be `expected`, and `node` is something else.
    pub fn wrong(node: NodeRef<'_>, path: &str, expected: &str) -> Self {
        ShapeError {
            line: node.line(),
            message: format!("`{path}` must be {expected}, not {}", node.type_name()),
        }
    }
}

/// The key and value of `key` in the mapping `node` (the last one wins, like
/// [`NodeRef::get`]); null values count as absent.
pub fn entry<'a>(node: NodeRef<'a>, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
    node.entries()
        .filter(|(k, _)| k.scalar().is_some_and(|(text, _, _)| text == key))
        .last()
        .filter(|(_, v)| !v.is_null())
}

/// The line of the key `key` in `node`, or the node's own line.
pub fn key_line(node: NodeRef<'_>, key: &str) -> usize {
    entry(node, key).map_or_else(|| node.line(), |(k, _)| k.line())
}

/// The mapping at `key`, if present.
pub fn map_at<'a>(
    node: NodeRef<'a>,
    key: &str,
    path: &str,
) -> Result<Option<NodeRef<'a>>, ShapeError> {
    match entry(node, key) {
        Some((_, v)) if v.is_map() => Ok(Some(v)),
        Some((_, v)) => Err(ShapeError::wrong(v, path, "a mapping")),
        None => Ok(None),
    }
}

/// The items of the sequence at `key` (empty if absent).
pub fn seq_at<'a>(
    node: NodeRef<'a>,
    key: &str,
    path: &str,
) -> Result<Vec<NodeRef<'a>>, ShapeError> {
    match entry(node, key) {
        Some((_, v)) if v.is_seq() => Ok(v.items().collect()),
        Some((_, v)) => Err(ShapeError::wrong(v, path, "a sequence")),
        None => Ok(Vec::new()),
    }
}

/// The scalar text at `key` with the key's line, if present.
pub fn str_at<'a>(
    node: NodeRef<'a>,
    key: &str,
    path: &str,
) -> Result<Option<(&'a str, usize)>, ShapeError> {
    match entry(node, key) {
        Some((k, v)) => match v.scalar() {
            Some((text, _, _)) => Ok(Some((text, k.line()))),
            None => Err(ShapeError::wrong(v, path, "a string")),
        },
        None => Ok(None),
    }
}

/// The scalar text of a node, if it is a non-null scalar.
pub fn text(node: NodeRef<'_>) -> Option<&str> {
    node.as_str()
}

/// The key text of a mapping entry (`""` for a non-scalar key).
pub fn key_text<'a>(key: NodeRef<'a>) -> &'a str {
    key.scalar().map_or("", |(text, _, _)| text)
}

/// Most scalars [`scalars`] visits in one subtree: bounds the work an
/// alias-heavy document can cause (the reader already caps its expansion).
pub const MAX_VISITED: usize = 200_000;

/// Every scalar of the subtree at `node`, keys included, depth-first, at most
/// [`MAX_VISITED`] of them.
pub fn scalars<'a>(node: NodeRef<'a>) -> Vec<NodeRef<'a>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    let mut visited = 0usize;
    while let Some(next) = stack.pop() {
        visited += 1;
        if visited > MAX_VISITED {
            break;
        }
        if next.scalar().is_some() {
            out.push(next);
        } else if next.is_seq() {
            let items: Vec<_> = next.items().collect();
            stack.extend(items.into_iter().rev());
        } else if next.is_map() {
            let pairs: Vec<_> = next.entries().collect();
            for (k, v) in pairs.into_iter().rev() {
                stack.push(v);
                stack.push(k);
            }
        }
    }
    out
}

/// Whether any scalar of the subtree at `node` contains `needle` (ASCII case-insensitive).
pub fn mentions(node: NodeRef<'_>, needles: &[&str]) -> bool {
    scalars(node).into_iter().any(|s| {
        let lower = s
            .scalar()
            .map_or(String::new(), |(t, _, _)| t.to_ascii_lowercase());
        needles.iter().any(|n| lower.contains(n))
    })
}
