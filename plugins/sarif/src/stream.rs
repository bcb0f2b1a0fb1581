//! Streaming serde visitors over a SARIF log: `{ version, runs: [ { tool, results: [...] } ] }`.
//!
//! The log is never held whole. [`LogSeed`] walks the top-level object, [`RunsSeed`] the
//! `runs` array, each run's object and its `results` array element by element: every result
//! is deserialized into the small typed [`SarifResult`], counted by the [`Tally`] and
//! dropped before the next one is read. Of `invocations` only the rule configuration
//! overrides are kept. Everything else (`artifacts`, the rest of `invocations`,
//! `codeFlows`, rule help text…) is skipped with [`IgnoredAny`], which builds nothing.
//! A `version` other than `2.1.0` stops the walk as soon as it is seen.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::model::{Invocation, SarifResult, Tool};
use crate::run::Run;
use crate::tally::Tally;

/// The only SARIF version read.
pub const SUPPORTED_VERSION: &str = "2.1.0";

/// What the walk learns about one file besides the counts.
#[derive(Debug)]
pub(crate) struct FileState<'a> {
    /// The file's bundle path: the location of findings without one.
    pub path: &'a str,
    /// The `version` value, once seen.
    pub version: Option<String>,
    /// Whether a `runs` member was seen.
    pub saw_runs: bool,
    /// Counts shared by every file of the evaluation.
    pub tally: &'a mut Tally,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum LogKey {
    Version,
    Runs,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum RunKey {
    Tool,
    Invocations,
    Results,
    BaselineGuid,
    #[serde(other)]
    Other,
}

/// Walks a whole SARIF log.
pub(crate) struct LogSeed<'s, 'a>(pub &'s mut FileState<'a>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<LogKey>()? {
            match key {
                LogKey::Version => {
                    let version: String = map.next_value()?;
                    let supported = version == SUPPORTED_VERSION;
                    self.0.version = Some(version);
                    if !supported {
                        return Err(de::Error::custom("unsupported SARIF version"));
                    }
                }
                LogKey::Runs => {
                    self.0.saw_runs = true;
                    map.next_value_seed(RunsSeed(&mut *self.0))?;
                }
                LogKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Walks `runs` (an array, or `null` when the tool did not run).
struct RunsSeed<'s, 'a>(&'s mut FileState<'a>);

impl<'de> DeserializeSeed<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of runs")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RunSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// Walks one run object.
struct RunSeed<'s, 'a>(&'s mut FileState<'a>);

impl<'de> DeserializeSeed<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a run object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut run = Run::default();
        while let Some(key) = map.next_key::<RunKey>()? {
            match key {
                RunKey::Tool => run.set_tool(map.next_value::<Tool>()?),
                RunKey::Invocations => {
                    let invocations: Option<Vec<Invocation>> = map.next_value()?;
                    run.set_invocations(invocations.unwrap_or_default());
                }
                RunKey::Results => map.next_value_seed(ResultsSeed {
                    tally: &mut *self.0.tally,
                    run: &mut run,
                })?,
                RunKey::BaselineGuid => {
                    map.next_value::<IgnoredAny>()?;
                    self.0.tally.baseline_present = true;
                }
                RunKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if run.has_driver {
            self.0.tally.runs = self.0.tally.runs.saturating_add(1);
        }
        self.0.tally.finish_run(run, self.0.path);
        Ok(())
    }
}

/// Walks `results` (an array, or `null`), handing each result to the tally.
struct ResultsSeed<'s> {
    tally: &'s mut Tally,
    run: &'s mut Run,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of results")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(result) = seq.next_element::<SarifResult>()? {
            self.tally.accept(self.run, result);
        }
        Ok(())
    }
}
