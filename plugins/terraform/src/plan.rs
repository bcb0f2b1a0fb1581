//! Streaming a `terraform show -json` plan through serde in one pass.
//!
//! The plan is never held whole: serde visitors walk the top-level object and hand each
//! `resource_changes` entry to the [`Collector`] as soon as it is read. Only a resource
//! whose type some rule reads keeps its `after` / `after_unknown` values (as a
//! `serde_json::Value` of that one resource, dropped right after); everything else,
//! `before` values, outputs, drift and variables are skipped unread with `IgnoredAny`.
//! From `planned_values` and `prior_state` only `aws_iam_policy_document` data sources are
//! kept; from `configuration` only expression keys and `bucket` references.
//! serde_json's recursion limit (128) stays on, so deep nesting is an error, not a crash.

use crate::analysis::{Change, Collector, FileAnalysis, mode_of, type_of};
use crate::config::Configuration;
use crate::error::PlanError;
use crate::rules::{Mode, is_relevant};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::Cell;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

/// Analyses the plan read from `reader`; `path` names the file in messages.
pub fn analyze<R: BufRead>(reader: R, path: &str) -> Result<FileAnalysis, PlanError> {
    let line = Rc::new(Cell::new(1));
    let counting = BufReader::with_capacity(
        64 * 1024,
        LineCounter {
            inner: reader,
            newlines_before: 0,
            line: Rc::clone(&line),
        },
    );
    let mut collector = Collector::new(path, line);
    let mut de = serde_json::Deserializer::from_reader(counting);
    let parsed = Object(&mut collector, Part::Plan)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Err(error) = parsed {
        return Err(collector
            .fatal
            .take()
            .unwrap_or_else(|| PlanError::from_json(path, &error)));
    }
    collector.finish()
}

/// Tracks the line the parser is on, so findings can point into the file.
///
/// serde_json pulls one byte at a time, which is fast only through a `BufReader` (std
/// has a fast path for it). This reader sits under that `BufReader` and hands it at most
/// one line per read, so everything buffered belongs to one line and `line` is exact
/// whenever a visitor looks at it. A one-line plan (what `terraform show -json` prints)
/// is handed over in full buffers.
struct LineCounter<R> {
    inner: R,
    newlines_before: u64,
    line: Rc<Cell<u64>>,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buffered = self.inner.fill_buf()?;
        let available = buffered.get(..out.len()).unwrap_or(buffered);
        let end = available
            .iter()
            .position(|b| *b == b'\n')
            .map_or(available.len(), |i| i + 1);
        let (Some(src), Some(dst)) = (available.get(..end), out.get_mut(..end)) else {
            return Ok(0);
        };
        dst.copy_from_slice(src);
        self.line.set(self.newlines_before + 1);
        if src.last() == Some(&b'\n') {
            self.newlines_before += 1;
        }
        self.inner.consume(end);
        Ok(end)
    }
}

/// Which object or array a visitor is reading.
#[derive(Clone, Copy)]
enum Part {
    Plan,
    Change,
    Planned,
    Prior,
    Module,
    StateResource,
}

impl Part {
    fn expecting(self) -> &'static str {
        match self {
            Part::Plan => "a Terraform plan object",
            Part::Change => "a resource change object",
            Part::Planned => "a planned values object",
            Part::Prior => "a prior state object",
            Part::Module => "a module object",
            Part::StateResource => "a resource object",
        }
    }
}

/// An object of kind `Part`, fed into the collector.
struct Object<'c>(&'c mut Collector, Part);
/// An array of objects of kind `Part`.
struct Each<'c>(&'c mut Collector, Part);

impl Part {
    /// Whether `null` stands for "empty" here: the optional sections and module lists,
    /// never the plan itself, `resource_changes` or one resource.
    fn nullable(self) -> bool {
        matches!(self, Part::Planned | Part::Prior | Part::Module)
    }
}

impl<'de> DeserializeSeed<'de> for Object<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.1.nullable() {
            deserializer.deserialize_any(self)
        } else {
            deserializer.deserialize_map(self)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Each<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if matches!(self.1, Part::Change) {
            deserializer.deserialize_seq(self)
        } else {
            deserializer.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Each<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an array of {}s",
            self.1.expecting().trim_start_matches("a ")
        )
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Object(&mut *self.0, self.1))?
            .is_some()
        {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Key {
    FormatVersion,
    ResourceChanges,
    PlannedValues,
    PriorState,
    Configuration,
    Values,
    RootModule,
    Resources,
    ChildModules,
    Address,
    Mode,
    Type,
    Change,
    #[serde(other)]
    Other,
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1.expecting())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let c = self.0;
        match self.1 {
            Part::Plan => plan(c, map),
            Part::Change => change(c, map),
            Part::Planned | Part::Prior | Part::Module => container(c, self.1, map),
            Part::StateResource => state_resource(c, map),
        }
    }
}

/// Aborts parsing with a domain error, kept so it is reported instead of the parser's.
fn fail<E: de::Error>(c: &mut Collector, error: PlanError) -> E {
    let message = error.to_string();
    c.fatal = Some(error);
    E::custom(message)
}

fn plan<'de, A: MapAccess<'de>>(c: &mut Collector, mut map: A) -> Result<(), A::Error> {
    let mut seen = Vec::new();
    while let Some(key) = map.next_key::<Key>()? {
        let name = match key {
            Key::FormatVersion => "format_version",
            Key::ResourceChanges => "resource_changes",
            Key::PlannedValues => "planned_values",
            Key::PriorState => "prior_state",
            Key::Configuration => "configuration",
            _ => "",
        };
        if !name.is_empty() {
            if seen.contains(&name) {
                let error = PlanError::Shape {
                    path: c.path().to_owned(),
                    message: format!("the key `{name}` appears twice, so the plan is ambiguous"),
                };
                return Err(fail(c, error));
            }
            seen.push(name);
        }
        match key {
            Key::FormatVersion => {
                let version: String = map.next_value()?;
                c.format_version(version).map_err(|e| fail(c, e))?;
            }
            Key::ResourceChanges => {
                c.saw_plan_keys = true;
                map.next_value_seed(Each(c, Part::Change))?;
            }
            Key::PlannedValues => {
                c.saw_plan_keys = true;
                map.next_value_seed(Object(c, Part::Planned))?;
            }
            Key::PriorState => map.next_value_seed(Object(c, Part::Prior))?,
            Key::Configuration => {
                let configuration: Option<Configuration> = map.next_value()?;
                c.configuration(configuration.unwrap_or_default().index());
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

/// `planned_values` (`root_module`), `prior_state` (`values.root_module`) and modules
/// (`resources`, `child_modules`).
fn container<'de, A: MapAccess<'de>>(
    c: &mut Collector,
    part: Part,
    mut map: A,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key::<Key>()? {
        match (part, key) {
            (Part::Prior, Key::Values) => map.next_value_seed(Object(c, Part::Planned))?,
            (Part::Planned, Key::RootModule) => map.next_value_seed(Object(c, Part::Module))?,
            (Part::Module, Key::Resources) => map.next_value_seed(Each(c, Part::StateResource))?,
            (Part::Module, Key::ChildModules) => map.next_value_seed(Each(c, Part::Module))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(())
}

/// A resource of `planned_values` or `prior_state`: only policy documents are kept.
fn state_resource<'de, A: MapAccess<'de>>(c: &mut Collector, mut map: A) -> Result<(), A::Error> {
    let line = c.line.get();
    let (mut address, mut mode, mut rtype, mut values) =
        (None::<String>, None::<String>, None::<String>, None);
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::Address => address = Some(map.next_value()?),
            Key::Mode => mode = Some(map.next_value()?),
            Key::Type => rtype = Some(map.next_value()?),
            Key::Values
                if mode.as_deref() == Some("data")
                    && rtype.as_deref() == Some("aws_iam_policy_document") =>
            {
                values = Some(map.next_value::<Value>()?);
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    if let (Some(address), Some(values)) = (address, values) {
        c.state_resource(&address, "aws_iam_policy_document", &values, line);
    }
    Ok(())
}

/// The `change` object of a resource change.
struct Body {
    actions: Option<Vec<String>>,
    after: Option<Value>,
    after_unknown: Option<Value>,
}

/// Reads a `change` object, keeping values only when `keep`.
struct BodySeed {
    keep: bool,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum BodyKey {
    Actions,
    After,
    AfterUnknown,
    #[serde(other)]
    Other,
}

impl<'de> DeserializeSeed<'de> for BodySeed {
    type Value = Body;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Body, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for BodySeed {
    type Value = Body;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a change object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body, A::Error> {
        let mut body = Body {
            actions: None,
            after: None,
            after_unknown: None,
        };
        while let Some(key) = map.next_key::<BodyKey>()? {
            match key {
                BodyKey::Actions => body.actions = Some(map.next_value()?),
                BodyKey::After if self.keep => body.after = Some(map.next_value()?),
                BodyKey::AfterUnknown if self.keep => body.after_unknown = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(body)
    }
}

/// One `resource_changes` entry.
fn change<'de, A: MapAccess<'de>>(c: &mut Collector, mut map: A) -> Result<(), A::Error> {
    let line = c.line.get();
    let (mut address, mut mode, mut rtype, mut body) =
        (None::<String>, None::<String>, None::<String>, None);
    while let Some(key) = map.next_key::<Key>()? {
        match key {
            Key::Address => address = Some(map.next_value()?),
            Key::Mode => mode = Some(map.next_value()?),
            Key::Type => rtype = Some(map.next_value()?),
            Key::Change => {
                let keep = match (&rtype, &mode, &address) {
                    (None, _, _) => true,
                    (Some(t), None, None) => {
                        is_relevant(Mode::Managed, t) || is_relevant(Mode::Data, t)
                    }
                    (Some(t), m, a) => {
                        is_relevant(mode_of(m.as_deref(), a.as_deref().unwrap_or("")), t)
                    }
                };
                body = Some(map.next_value_seed(BodySeed { keep })?);
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    let address = address.ok_or_else(|| de::Error::missing_field("address"))?;
    let body = body.ok_or_else(|| de::Error::missing_field("change"))?;
    let actions = body
        .actions
        .ok_or_else(|| de::Error::missing_field("actions"))?;
    let relevant = is_relevant(
        mode_of(mode.as_deref(), &address),
        &type_of(rtype.as_deref(), &address),
    );
    let (after, after_unknown) = if relevant {
        (body.after, body.after_unknown)
    } else {
        (None, None)
    };
    let change = Change {
        address,
        mode,
        rtype,
        actions,
        after,
        after_unknown,
        line,
    };
    c.change(change).map_err(|e| fail(c, e))
}

#[cfg(test)]
mod tests;
