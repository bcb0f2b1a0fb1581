//! Finds the Kubernetes objects in a YAML document and the pod spec of each workload.
//!
//! A document is one object, a `List` (or `*List`) of objects, or nothing
//! (empty documents of rendered Helm output). Getters are typed: a field that
//! is present but of the wrong type is an error naming its path and line, as
//! the API server would reject it; absent and null fields are `None`. This
//! module judges nothing; `rules` does.

use crate::yaml::NodeRef;

/// A field present with the wrong type, or an object without identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// 1-based line of the offending node.
    pub line: usize,
    /// What is wrong, naming the field path.
    pub message: String,
}

fn wrong(node: NodeRef<'_>, path: &str, expected: &str) -> ShapeError {
    ShapeError {
        line: node.line(),
        message: format!("`{path}` must be {expected}, not {}", node.type_name()),
    }
}

/// The non-null value of `key` in `node`.
fn field<'a>(node: NodeRef<'a>, key: &str) -> Option<NodeRef<'a>> {
    node.get(key).filter(|v| !v.is_null())
}

/// The mapping at `key`, if present.
pub fn map_at<'a>(
    node: NodeRef<'a>,
    key: &str,
    path: &str,
) -> Result<Option<NodeRef<'a>>, ShapeError> {
    match field(node, key) {
        Some(v) if v.is_map() => Ok(Some(v)),
        Some(v) => Err(wrong(v, path, "a mapping")),
        None => Ok(None),
    }
}

/// The items of the sequence at `key` (empty if absent).
pub fn seq_at<'a>(
    node: NodeRef<'a>,
    key: &str,
    path: &str,
) -> Result<Vec<NodeRef<'a>>, ShapeError> {
    match field(node, key) {
        Some(v) if v.is_seq() => Ok(v.items().collect()),
        Some(v) => Err(wrong(v, path, "a sequence")),
        None => Ok(Vec::new()),
    }
}

/// The boolean at `key` with its line, if present.
pub fn bool_at(
    node: NodeRef<'_>,
    key: &str,
    path: &str,
) -> Result<Option<(bool, usize)>, ShapeError> {
    match field(node, key) {
        Some(v) => v
            .as_bool()
            .map(|b| Some((b, v.line())))
            .ok_or_else(|| wrong(v, path, "a boolean")),
        None => Ok(None),
    }
}

/// The integer at `key` with its line, if present.
pub fn int_at(
    node: NodeRef<'_>,
    key: &str,
    path: &str,
) -> Result<Option<(i64, usize)>, ShapeError> {
    match field(node, key) {
        Some(v) => v
            .as_i64()
            .map(|i| Some((i, v.line())))
            .ok_or_else(|| wrong(v, path, "an integer")),
        None => Ok(None),
    }
}

/// The scalar text at `key`, if present.
pub fn str_at<'a>(node: NodeRef<'a>, key: &str, path: &str) -> Result<Option<&'a str>, ShapeError> {
    match field(node, key) {
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| wrong(v, path, "a string")),
        None => Ok(None),
    }
}

/// One Kubernetes object.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    /// `kind`, e.g. `Deployment`.
    pub kind: &'a str,
    /// `Kind/namespace/name`, with `default` for a missing namespace.
    pub id: String,
    /// The object's mapping.
    pub node: NodeRef<'a>,
}

/// What a document holds.
#[derive(Debug, Default)]
pub struct Found<'a> {
    /// The objects, list items flattened.
    pub objects: Vec<Object<'a>>,
    /// Why parts of the document were skipped (not Kubernetes objects).
    pub skipped: Vec<String>,
}

/// Collects the objects of a document root.
pub fn objects(root: NodeRef<'_>) -> Result<Found<'_>, ShapeError> {
    let mut found = Found::default();
    if root.is_null() {
        return Ok(found);
    }
    collect(root, "", 0, &mut found)?;
    Ok(found)
}

fn collect<'a>(
    node: NodeRef<'a>,
    at: &str,
    depth: usize,
    found: &mut Found<'a>,
) -> Result<(), ShapeError> {
    if !node.is_map() {
        let what = format!(
            "{at}line {}: {} is not a Kubernetes object",
            node.line(),
            node.type_name()
        );
        found.skipped.push(what);
        return Ok(());
    }
    let (api_version, kind) = (
        str_at(node, "apiVersion", "apiVersion")?,
        str_at(node, "kind", "kind")?,
    );
    let (Some(_), Some(kind)) = (api_version, kind) else {
        let what = format!(
            "{at}line {}: a mapping without `apiVersion` and `kind`",
            node.line()
        );
        found.skipped.push(what);
        return Ok(());
    };
    if kind.ends_with("List") && node.get("items").is_some() {
        // `kind: List` nests only one level in practice; a bound keeps recursion shallow.
        if depth >= 4 {
            return Err(ShapeError {
                line: node.line(),
                message: "lists nested more than 4 levels deep".into(),
            });
        }
        for (i, item) in seq_at(node, "items", "items")?.into_iter().enumerate() {
            collect(item, &format!("items[{i}] "), depth + 1, found)?;
        }
        return Ok(());
    }
    let metadata = map_at(node, "metadata", "metadata")?;
    let (mut name, mut namespace) = (None, None);
    if let Some(meta) = metadata {
        name = str_at(meta, "name", "metadata.name")?;
        if name.is_none() {
            name = str_at(meta, "generateName", "metadata.generateName")?;
        }
        namespace = str_at(meta, "namespace", "metadata.namespace")?;
    }
    let id = format!(
        "{kind}/{}/{}",
        namespace.unwrap_or("default"),
        name.unwrap_or("<unnamed>")
    );
    found.objects.push(Object { kind, id, node });
    Ok(())
}

/// Where each workload kind keeps its pod spec.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// The pod spec of a workload, or `None` when the object has none (e.g. a patch).
pub fn pod_spec<'a>(object: &Object<'a>, path: &[&str]) -> Result<Option<NodeRef<'a>>, ShapeError> {
    let mut node = object.node;
    let mut dotted = String::new();
    for key in path {
        if !dotted.is_empty() {
            dotted.push('.');
        }
        dotted.push_str(key);
        match map_at(node, key, &dotted)? {
            Some(next) => node = next,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}
