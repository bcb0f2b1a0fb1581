//! One SARIF run while it is read: its tool's rules and its open results waiting for them.
//!
//! A run's `tool` may come after its `results` in the JSON, so results are kept as compact
//! [`Pending`] records (rule ids interned, message and location only for results that will
//! become findings) until the run ends, then resolved against the rules. Rule lookup follows
//! SARIF §3.52: `ruleIndex`/`rule.index` index the rules of the tool component named by
//! `rule.toolComponent` (the driver by default), else `ruleId`/`rule.id` is looked up in the
//! driver and the extensions; a hierarchical id such as `CA2101/1` also matches `CA2101`.
//! The run's `invocations` may override a rule's configured level
//! (`ruleConfigurationOverrides`, §3.20.5) for the results whose `provenance.invocationIndex`
//! names that invocation; an override's descriptor is resolved to a rule the same way.
//! Nothing here does I/O.

use std::collections::{BTreeMap, HashMap};

use crate::level::Level;
use crate::model::{Invocation, ReportingDescriptor, Tool, ToolComponent, ToolComponentReference};
use crate::tally::{MAX_MESSAGE, MAX_SET_ITEM};
use crate::text::shorten;

/// What a finding needs beyond the counts; kept for the first open results only.
#[derive(Debug, Default)]
pub(crate) struct Detail {
    pub(crate) uri: Option<String>,
    pub(crate) line: Option<u32>,
    pub(crate) text: Option<String>,
    pub(crate) message_id: Option<String>,
    pub(crate) arguments: Vec<String>,
}

/// Which tool component a result's rule index refers to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Component {
    /// `tool.driver` (the default).
    Driver,
    /// `tool.extensions[index]`.
    Extension(usize),
    /// The component with this (interned) name.
    Named(u32),
}

/// An open result waiting for its run's rules.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) rule_id: Option<u32>,
    pub(crate) rule_index: Option<usize>,
    pub(crate) component: Component,
    pub(crate) level: Option<Level>,
    pub(crate) kind_is_fail: bool,
    /// `provenance.invocationIndex`.
    pub(crate) invocation: Option<usize>,
    pub(crate) score: Option<f64>,
    pub(crate) new: bool,
    pub(crate) detail: Option<Box<Detail>>,
}

/// The parts of a rule that matter.
#[derive(Debug, Default)]
pub(crate) struct Rule {
    pub(crate) id: Option<String>,
    pub(crate) default_level: Option<Level>,
    pub(crate) score: Option<f64>,
    pub(crate) message_strings: BTreeMap<String, String>,
}

impl From<ReportingDescriptor> for Rule {
    fn from(rule: ReportingDescriptor) -> Self {
        Rule {
            id: rule.id.map(|id| shorten(&id, MAX_SET_ITEM)),
            default_level: rule
                .default_configuration
                .and_then(|c| c.level)
                .map(|l| Level::parse_or_warning(&l)),
            score: rule
                .properties
                .and_then(|p| p.security_severity)
                .and_then(|s| s.0),
            message_strings: rule
                .message_strings
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(id, m)| Some((id, shorten(&m.text?, 2 * MAX_MESSAGE))))
                .collect(),
        }
    }
}

/// A rule's level as one invocation overrode it; the rule is named like a result names it.
#[derive(Debug)]
pub(crate) struct Override {
    rule_id: Option<u32>,
    rule_index: Option<usize>,
    component: Component,
    level: Level,
}

/// One run being read.
#[derive(Debug, Default)]
pub(crate) struct Run {
    /// The run names a `tool.driver`: a tool ran.
    pub(crate) has_driver: bool,
    pub(crate) driver: Option<String>,
    pub(crate) driver_rules: Vec<Rule>,
    pub(crate) extensions: Vec<(Option<String>, Vec<Rule>)>,
    /// Per invocation, its level overrides.
    pub(crate) overrides: Vec<Vec<Override>>,
    pub(crate) names: Vec<String>,
    pub(crate) interned: HashMap<String, u32>,
    pub(crate) pending: Vec<Pending>,
}

fn rules_of(component: ToolComponent) -> (Option<String>, Vec<Rule>) {
    let rules = component.rules.unwrap_or_default();
    (component.name, rules.into_iter().map(Rule::from).collect())
}

impl Run {
    /// Every rule of the run by id; the driver's rules win over extensions' on duplicates.
    pub(crate) fn rules_by_id(&self) -> HashMap<&str, &Rule> {
        let mut by_id = HashMap::new();
        let extension_rules = self
            .extensions
            .iter()
            .rev()
            .flat_map(|(_, rules)| rules.iter());
        for rule in extension_rules.chain(&self.driver_rules) {
            if let Some(id) = &rule.id {
                by_id.insert(id.as_str(), rule);
            }
        }
        by_id
    }

    /// Records the run's `tool`.
    pub(crate) fn set_tool(&mut self, tool: Tool) {
        self.has_driver = tool.driver.is_some();
        let (name, rules) = rules_of(tool.driver.unwrap_or_default());
        self.driver = name;
        self.driver_rules = rules;
        self.extensions = tool
            .extensions
            .unwrap_or_default()
            .into_iter()
            .map(rules_of)
            .collect();
    }

    /// Records the run's `invocations`: only overrides that set a level are kept.
    pub(crate) fn set_invocations(&mut self, invocations: Vec<Invocation>) {
        self.overrides = invocations
            .into_iter()
            .map(|invocation| {
                invocation
                    .rule_configuration_overrides
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|o| {
                        let level = Level::parse_or_warning(&o.configuration?.level?);
                        let descriptor = o.descriptor?;
                        Some(Override {
                            rule_id: descriptor.id.as_deref().map(|id| self.intern(id)),
                            rule_index: descriptor.index.and_then(|i| usize::try_from(i).ok()),
                            component: self.component(descriptor.tool_component),
                            level,
                        })
                    })
                    .collect()
            })
            .collect();
    }

    /// The tool component a rule reference's `toolComponent` names (the driver by default).
    pub(crate) fn component(&mut self, reference: Option<ToolComponentReference>) -> Component {
        match reference {
            Some(c) => match (c.index.and_then(|i| usize::try_from(i).ok()), c.name) {
                (Some(index), _) => Component::Extension(index),
                (None, Some(name)) => Component::Named(self.intern(&name)),
                (None, None) => Component::Driver,
            },
            None => Component::Driver,
        }
    }

    /// Interns `text` (shortened to [`MAX_SET_ITEM`] characters) and returns its index.
    pub(crate) fn intern(&mut self, text: &str) -> u32 {
        let text = shorten(text, MAX_SET_ITEM);
        if let Some(index) = self.interned.get(&text) {
            return *index;
        }
        let index = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(text.clone());
        self.interned.insert(text, index);
        index
    }

    /// The interned text at `index`.
    pub(crate) fn name(&self, index: u32) -> Option<&str> {
        self.names.get(index as usize).map(String::as_str)
    }

    /// The rule a pending result refers to (see [`Run::lookup`]).
    pub(crate) fn rule<'r>(
        &'r self,
        pending: &Pending,
        by_id: &HashMap<&str, &'r Rule>,
    ) -> Option<&'r Rule> {
        self.lookup(
            pending.rule_index,
            pending.rule_id,
            pending.component,
            by_id,
        )
    }

    /// The level the invocation `invocation` gives `rule`, when one of its overrides names
    /// that rule.
    pub(crate) fn override_level(
        &self,
        invocation: Option<usize>,
        rule: &Rule,
        by_id: &HashMap<&str, &Rule>,
    ) -> Option<Level> {
        self.overrides
            .get(invocation?)?
            .iter()
            .find(|o| {
                self.lookup(o.rule_index, o.rule_id, o.component, by_id)
                    .is_some_and(|named| std::ptr::eq(named, rule))
            })
            .map(|o| o.level)
    }

    /// A rule by index in its tool component, else by id (`by_id`, built by
    /// [`Run::rules_by_id`]), also trying the part before a `/`.
    fn lookup<'r>(
        &'r self,
        rule_index: Option<usize>,
        rule_id: Option<u32>,
        component: Component,
        by_id: &HashMap<&str, &'r Rule>,
    ) -> Option<&'r Rule> {
        let component = match component {
            Component::Driver => Some(&self.driver_rules),
            Component::Extension(index) => self.extensions.get(index).map(|(_, rules)| rules),
            Component::Named(name) => {
                let name = self.name(name);
                if name.is_some() && name == self.driver.as_deref() {
                    Some(&self.driver_rules)
                } else {
                    self.extensions
                        .iter()
                        .find(|(n, _)| n.as_deref() == name)
                        .map(|(_, rules)| rules)
                }
            }
        };
        if let Some(rule) =
            rule_index.and_then(|index| component.and_then(|rules| rules.get(index)))
        {
            return Some(rule);
        }
        let id = rule_id.and_then(|id| self.name(id))?;
        by_id
            .get(id)
            .or_else(|| id.split_once('/').and_then(|(base, _)| by_id.get(base)))
            .copied()
    }
}
