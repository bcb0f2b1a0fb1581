//! Reads YAML (and JSON, its subset) from untrusted files, one document at a time.
//!
//! `saphyr-parser` turns characters into events with line numbers; this module
//! composes each document into a small arena of nodes and hands it to a
//! callback, so memory holds one document, never the whole stream. Hostile
//! input is refused with an error instead of being expanded: nesting deeper
//! than [`Limits::max_depth`], documents with more than [`Limits::max_nodes`]
//! nodes, scalars and documents past their size caps, and alias "bombs": every
//! node records how many nodes it stands for once aliases are expanded, and a
//! document whose expansion passes [`Limits::max_expanded`] is refused.
//! An alias is stored as a reference to the anchored node, never copied.
//! Merge keys (`<<`) are resolved when their mapping closes.
//!
//! Scalars keep their text and style: how `on`, `NO` or `1.10` are typed is the
//! reader's choice ([`NodeRef::as_bool`] follows YAML 1.1, as Kubernetes and
//! most configuration loaders do). This module knows nothing of Kubernetes or
//! of configuration rules.

mod node;
mod stream;

pub use node::{Document, NodeRef, ScalarStyle};

use node::{Node, Value};
use saphyr_parser::{Event, Parser, ScalarStyle as Style, Span, Tag};
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::BufRead;
use std::rc::Rc;
use stream::{StreamState, StreamStop, Utf8Chars};

/// Caps applied while reading; every one turns hostile input into an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file, in bytes.
    pub max_file_bytes: u64,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes stored for one document (merged entries count too).
    pub max_nodes: usize,
    /// Most nodes one document may stand for once its aliases are expanded.
    pub max_expanded: u64,
    /// Longest scalar, in bytes.
    pub max_scalar_bytes: usize,
    /// Longest document, in characters.
    pub max_document_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 64 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 2_000_000,
            max_expanded: 4_000_000,
            max_scalar_bytes: 4 * 1024 * 1024,
            max_document_chars: 64 * 1024 * 1024,
        }
    }
}

/// Why a YAML stream could not be read. Messages complete "`<file>` ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// The text is not YAML.
    #[error("is not valid YAML at line {line} column {column}: {message}{hint}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
        /// Extra advice, e.g. for unrendered templates.
        hint: String,
    },
    /// The file could not be read.
    #[error("could not be read: {0}")]
    Io(String),
    /// The bytes are not UTF-8.
    #[error("is not UTF-8 text (bad byte at offset {0})")]
    NotUtf8(u64),
    /// The file is over the size cap.
    #[error("is larger than {0} bytes, the most this plugin reads")]
    TooLarge(u64),
    /// The stream declares a YAML version this reader does not know.
    #[error("declares YAML version `{0}`; only YAML 1.x is read")]
    Version(String),
    /// A cap on the document's shape was hit.
    #[error("document {document} is refused at line {line}: {what}")]
    Limit {
        /// 1-based document number in the stream.
        document: usize,
        /// 1-based line where the cap was hit.
        line: usize,
        /// Which cap, with its value.
        what: String,
    },
}

struct Frame {
    is_map: bool,
    line: u32,
    anchor: usize,
    children: Vec<u32>,
    expanded: u64,
    /// The greatest height among its children.
    height: u32,
}

/// Composes events into documents, enforcing [`Limits`].
struct Composer {
    limits: Limits,
    document: usize,
    doc_start: usize,
    nodes: Vec<Node>,
    anchors: HashMap<usize, u32>,
    stack: Vec<Frame>,
    root: Option<u32>,
}

impl Composer {
    fn limit(&self, line: usize, what: String) -> YamlError {
        YamlError::Limit {
            document: self.document,
            line,
            what,
        }
    }

    fn push_node(
        &mut self,
        value: Value,
        line: u32,
        expanded: u64,
        height: u32,
    ) -> Result<u32, YamlError> {
        if self.nodes.len() >= self.limits.max_nodes {
            let what = format!("more than {} nodes", self.limits.max_nodes);
            return Err(self.limit(line as usize, what));
        }
        let id = u32::try_from(self.nodes.len())
            .map_err(|_| self.limit(line as usize, "too many nodes".into()))?;
        self.nodes.push(Node {
            value,
            line,
            expanded,
            height,
        });
        Ok(id)
    }

    fn expanded_of(&self, id: u32) -> u64 {
        self.nodes.get(id as usize).map_or(1, |n| n.expanded)
    }

    /// Attaches a finished node to its parent (or makes it the root).
    fn attach(&mut self, id: u32, line: usize) -> Result<(), YamlError> {
        let size = self.expanded_of(id);
        let max = self.limits.max_expanded;
        let height = self.nodes.get(id as usize).map_or(0, |n| n.height);
        // An alias puts a whole earlier subtree here: the nesting it adds
        // counts against `max_depth` as if it were written out.
        let depth = self.stack.len().saturating_add(height as usize);
        if depth > self.limits.max_depth {
            let what = format!(
                "nesting deeper than {} levels once aliases are expanded",
                self.limits.max_depth
            );
            return Err(self.limit(line, what));
        }
        match self.stack.last_mut() {
            None => self.root = Some(id),
            Some(frame) => {
                frame.children.push(id);
                frame.height = frame.height.max(height);
                frame.expanded = frame.expanded.saturating_add(size);
                if frame.expanded > max {
                    let what =
                        format!("its aliases expand to more than {max} nodes (an alias bomb?)");
                    return Err(self.limit(line, what));
                }
            }
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let line = span.start.line();
        let line32 = u32::try_from(line).unwrap_or(u32::MAX);
        if span.end.index().saturating_sub(self.doc_start) > self.limits.max_document_chars {
            let what = format!("longer than {} characters", self.limits.max_document_chars);
            return Err(self.limit(line, what));
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                if text.len() > self.limits.max_scalar_bytes {
                    let what = format!(
                        "a scalar longer than {} bytes",
                        self.limits.max_scalar_bytes
                    );
                    return Err(self.limit(line, what));
                }
                let value = Value::Scalar {
                    text: text.into_owned(),
                    style: convert_style(style),
                    tag: tag.map(|t| tag_name(&t).into_boxed_str()),
                };
                let id = self.push_node(value, line32, 1, 0)?;
                if anchor > 0 {
                    self.anchors.insert(anchor, id);
                }
                self.attach(id, line)
            }
            Event::Alias(anchor) => match self.anchors.get(&anchor) {
                Some(&id) => self.attach(id, line),
                None => Err(self.limit(
                    line,
                    "an alias refers to its own enclosing node (a recursive alias)".into(),
                )),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    let what = format!("nesting deeper than {} levels", self.limits.max_depth);
                    return Err(self.limit(line, what));
                }
                self.stack.push(Frame {
                    is_map: matches!(event, Event::MappingStart(..)),
                    line: line32,
                    anchor,
                    children: Vec::new(),
                    expanded: 1,
                    height: 0,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(line),
            Event::DocumentStart(_) => {
                self.document += 1;
                self.doc_start = span.start.index();
                Ok(())
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        }
    }

    fn close(&mut self, line: usize) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, expanded) = if frame.is_map {
            let pairs = self.resolve_merges(&frame, line)?;
            let expanded = pairs.iter().fold(1u64, |acc, &(k, v)| {
                acc.saturating_add(self.expanded_of(k))
                    .saturating_add(self.expanded_of(v))
            });
            (Value::Map(pairs), expanded)
        } else {
            (Value::Seq(frame.children), frame.expanded)
        };
        if expanded > self.limits.max_expanded {
            let what = format!(
                "its aliases expand to more than {} nodes (an alias bomb?)",
                self.limits.max_expanded
            );
            return Err(self.limit(line, what));
        }
        let height = frame.height.saturating_add(1);
        let id = self.push_node(value, frame.line, expanded, height)?;
        if frame.anchor > 0 {
            self.anchors.insert(frame.anchor, id);
        }
        self.attach(id, line)
    }

    /// Pairs up a mapping's children, inlining `<<` merge sources that explicit keys do not override.
    fn resolve_merges(&mut self, frame: &Frame, line: usize) -> Result<Vec<(u32, u32)>, YamlError> {
        let mut explicit = Vec::with_capacity(frame.children.len() / 2);
        let mut sources = Vec::new();
        for pair in frame.children.chunks(2) {
            let [key, value] = pair else { continue };
            if self.is_merge_key(*key) {
                sources.push(*value);
            } else {
                explicit.push((*key, *value));
            }
        }
        if sources.is_empty() {
            return Ok(explicit);
        }
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for source in sources {
            let maps: Vec<u32> = match self.nodes.get(source as usize).map(|n| &n.value) {
                Some(Value::Map(_)) => vec![source],
                Some(Value::Seq(items)) => items.clone(),
                _ => Vec::new(),
            };
            for map in maps {
                let Some(Value::Map(pairs)) = self.nodes.get(map as usize).map(|n| &n.value) else {
                    return Err(
                        self.limit(line, "a merge key `<<` whose value is not a mapping".into())
                    );
                };
                merged.extend(pairs.iter().copied());
            }
            if self.nodes.len().saturating_add(merged.len()) > self.limits.max_nodes {
                let what = format!(
                    "more than {} nodes once merge keys are applied",
                    self.limits.max_nodes
                );
                return Err(self.limit(line, what));
            }
        }
        let doc = self.view();
        let mut out = explicit;
        for (key, value) in merged {
            let text = doc.scalar_text(key);
            let shadowed = text.is_some() && out.iter().any(|&(k, _)| doc.scalar_text(k) == text);
            if !shadowed {
                out.push((key, value));
            }
        }
        Ok(out)
    }

    fn is_merge_key(&self, id: u32) -> bool {
        matches!(
            self.nodes.get(id as usize).map(|n| &n.value),
            Some(Value::Scalar { text, style: ScalarStyle::Plain, tag: None }) if text == "<<"
        )
    }

    fn view(&self) -> node::View<'_> {
        node::View(&self.nodes)
    }

    fn take_document(&mut self, saw_template: bool) -> Option<Document> {
        self.anchors.clear();
        self.stack.clear();
        let root = self.root.take()?;
        let nodes = std::mem::take(&mut self.nodes);
        Some(Document::new(nodes, root, self.document, saw_template))
    }
}

fn convert_style(style: Style) -> ScalarStyle {
    match style {
        Style::Plain => ScalarStyle::Plain,
        Style::SingleQuoted | Style::DoubleQuoted => ScalarStyle::Quoted,
        Style::Literal | Style::Folded => ScalarStyle::Block,
    }
}

fn tag_name(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Reads every document of the YAML stream in `reader`, calling `on_document` for each.
///
/// Empty documents (`---` followed by nothing) are passed on as a null root.
pub fn for_each_document<R, E, F>(reader: R, limits: &Limits, mut on_document: F) -> Result<(), E>
where
    R: BufRead,
    E: From<YamlError>,
    F: FnMut(Document) -> Result<(), E>,
{
    let state = Rc::new(RefCell::new(StreamState::default()));
    let chars = Utf8Chars::new(reader, limits.max_file_bytes, state.clone());
    let mut parser = Parser::new_from_iter(chars);
    let mut composer = Composer {
        limits: *limits,
        document: 0,
        doc_start: 0,
        nodes: Vec::new(),
        anchors: HashMap::new(),
        stack: Vec::new(),
        root: None,
    };
    loop {
        let next = parser.next_event();
        // A stream that stopped early explains any parse error that follows it.
        if let Some(stop) = state.borrow().stop.clone() {
            return Err(stop_error(stop).into());
        }
        let Some(next) = next else { break };
        let (event, span) = next.map_err(|e| {
            let mark = e.marker();
            let hint = if state.borrow().saw_template {
                " (the file contains `{{`: is it a template that still has to be rendered, e.g. with `helm template`?)"
            } else {
                ""
            };
            YamlError::Syntax {
                line: mark.line(),
                column: mark.col() + 1,
                message: e.info().to_owned(),
                hint: hint.to_owned(),
            }
        })?;
        let end = matches!(event, Event::DocumentEnd);
        let stream_end = matches!(event, Event::StreamEnd);
        composer.event(event, span)?;
        if end {
            let saw_template = state.borrow().saw_template;
            if let Some(document) = composer.take_document(saw_template) {
                on_document(document)?;
            }
        }
        if stream_end {
            break;
        }
    }
    Ok(())
}

fn stop_error(stop: StreamStop) -> YamlError {
    match stop {
        StreamStop::Io(message) => YamlError::Io(message),
        StreamStop::NotUtf8 { offset } => YamlError::NotUtf8(offset),
        StreamStop::TooLarge { limit } => YamlError::TooLarge(limit),
        StreamStop::Version(version) => {
            YamlError::Version(stagegate_text::prefix(&version, 32).to_owned())
        }
    }
}

#[cfg(test)]
mod tests;
