//! Stage 4: the decision. Composes the Cedar schema from the base schema and
//! the plugins' declared facts, loads and strictly validates the policies,
//! adds the host-enforced gates, and authorizes `promote` for one transition.
//!
//! The gate fails closed. Cedar skips a policy whose evaluation errors; this
//! module does not: any evaluation error turns the decision into a deny and is
//! reported. A policy without `@id` or `@reason`, a template, a policy that
//! names a stage outside the configured chain, or a policy that does not
//! validate against the composed schema stops the gate before any request is
//! made.

pub mod analysis;
mod builtin;
pub mod explain;
pub mod format;
pub mod params;
pub mod rollout;
pub mod schema;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cedar_policy::{
    AuthorizationError, Authorizer, Context, Decision, Effect, Entities, EntityUid, PolicyId,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use chrono::NaiveDate;
use miette::Diagnostic;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub use crate::config::FileDigest;
pub use builtin::{EVIDENCE_PREFIX, NO_STAGE_SKIPPING, PREVIOUS_STAGE_NOT_PASSED};
pub use params::{Params, resolve_params};
pub use rollout::{ExceptionStatus, Rollout, WaiverState, WaiverStatus};
pub use schema::{BASE_SCHEMA, compose as compose_schema};

use crate::config::PolicySource;
use crate::facts::{FactSpec, Facts};
use crate::kinds::hex;

/// Defaults of `context.params` for the built-in policies (`policies/params.toml`).
pub const DEFAULT_PARAMS: &str = include_str!("../../policies/params.toml");

include!(concat!(env!("OUT_DIR"), "/policies.rs"));

/// Where the host-enforced gates appear as a policy file.
const BUILTIN_FILE: &str = "(host-enforced)";

/// Why policies could not be loaded or validated.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// A policy file could not be read.
    #[error("cannot read policies `{path}`: {message}")]
    Read {
        /// File or directory.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A policy file does not parse, or a policy lacks `@id`/`@reason`.
    #[error("policy file `{file}`: {message}")]
    Policy {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The composed schema is invalid.
    #[error("the composed Cedar schema is invalid: {0}")]
    Schema(String),
    /// A policy parameter is invalid.
    #[error("policy parameters: {0}")]
    Params(String),
    /// Strict validation failed.
    #[error("policies do not validate against the schema: {0}")]
    Validation(String),
    /// An enforcement entry or a waiver names no policy, a host-enforced
    /// gate, or a hard policy; or a waiver expires too far ahead.
    #[error("config `{file}`: {message}")]
    Rollout {
        /// The configuration file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Who or what is being promoted: the Cedar principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Commit id, or empty.
    pub commit: String,
    /// Branch, or empty.
    pub branch: String,
    /// Author, or empty.
    pub author: String,
    /// The CI run's URL, or empty.
    pub run_url: String,
    /// The CI system that ran the gate (`github`, `gitlab`, …), or empty.
    pub ci: String,
}

/// A policy that decided, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    /// The policy's `@id`, or `default-deny`.
    pub policy: String,
    /// Its `@reason`.
    pub reason: String,
    /// `permit`, `forbid`, `default`, or for a forbid that fired but does
    /// not block, `advisory` or `waived`.
    pub effect: &'static str,
    /// The waiver that lifted it, when `waived`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<String>,
    /// Why, in the terms of the facts (`--explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<explain::Explanation>,
}

impl Reason {
    /// Whether this policy decided (rather than being advisory or waived).
    pub fn decided(&self) -> bool {
        !matches!(self.effect, "advisory" | "waived")
    }
}

/// The end of the reason of a policy whose evaluation failed.
pub const EVALUATION_FAILED: &str = " (evaluation failed, so the gate denies)";

/// A policy of the loaded set, for reports that list every gate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyEntry {
    /// The policy's `@id`.
    pub policy: String,
    /// `permit` or `forbid`.
    pub effect: &'static str,
    /// Its `@reason`.
    pub reason: String,
    /// Whether the host enforces it (not from a policy file).
    pub host: bool,
}

/// The outcome of one authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allowed or not.
    pub allowed: bool,
    /// The policies that decided.
    pub reasons: Vec<Reason>,
    /// Evaluation errors; any error means deny.
    pub errors: Vec<String>,
    /// Every configured waiver and what it did.
    pub waivers: Vec<WaiverStatus>,
}

/// What the bundle held, for `context.bundle`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BundleCounts {
    /// Every artifact.
    pub artifacts: usize,
    /// Artifacts no plugin claimed (or whose sniff was cut short).
    pub unclaimed: usize,
}

/// What the host found out about the previous stage's signed decision, for
/// `context.chain` (see `[chain]` in stagegate.toml).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ChainContext {
    /// Whether this promotion needs the previous stage's signed allow.
    pub required: bool,
    /// Whether the bundle holds one, valid and signed by a trusted key.
    pub passed: bool,
    /// The previous stage (the source stage).
    pub previous: String,
    /// The key id that signed it, when passed.
    pub signer: String,
    /// The attestation that passed, or why none did.
    pub detail: String,
}

/// One transition to authorize.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    /// The change.
    pub change: &'a Change,
    /// Source stage.
    pub from: &'a str,
    /// Target stage.
    pub to: &'a str,
    /// Plugins whose evidence the target stage requires.
    pub required: &'a [String],
    /// What the bundle held.
    pub bundle: BundleCounts,
    /// Each plugin's declared facts and checked values.
    pub facts: &'a BTreeMap<String, (Vec<FactSpec>, Facts)>,
    /// The previous stage's signed decision, as the host checked it.
    pub chain: &'a ChainContext,
    /// The day the decision is made on, for waivers.
    pub today: NaiveDate,
    /// Whether to explain each deciding policy.
    pub explain: bool,
}

struct PolicyInfo {
    reason: String,
    effect: &'static str,
    /// Generated by the host (`evidence-required-*`, `no-stage-skipping`).
    host: bool,
}

/// How the host-enforced gates are configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostGates {
    /// Whether `no-stage-skipping` is left out.
    pub allow_stage_skipping: bool,
    /// Whether `previous-stage-not-passed` is added (`[chain] require_previous`).
    pub require_previous: bool,
}

/// Loaded, validated policies with their schema.
pub struct Policies {
    schema: Schema,
    set: PolicySet,
    info: BTreeMap<String, PolicyInfo>,
    stages: Vec<String>,
    params: Params,
    rollout: Rollout,
    /// SHA-256 over the policy texts (file names and contents, in order),
    /// host-enforced gates included.
    pub digest: String,
    /// Each policy file and its SHA-256, the host-enforced gates' text included.
    pub files: Vec<FileDigest>,
    /// How many policies, host-enforced gates included.
    pub count: usize,
    /// The composed schema text.
    pub schema_text: String,
    /// What `validate` warns about: policies left out because they read only
    /// disabled plugins, policies no promotion reaches.
    pub warnings: Vec<String>,
}

/// The policy files of a [`PolicySource`], read and parsed: the part of
/// [`Policies::load`] that needs no plugin, so that a caller can do it on
/// another core while the plugins load. Errors are kept, not returned: they
/// are reported by [`Policies::load`], in the order it meets them.
pub struct PolicyTexts {
    /// The policy directory (`None`: the built-in defaults).
    source: Option<PathBuf>,
    /// The text of `params.toml`.
    defaults: String,
    /// Each policy file: its name, text and parsed policies.
    files: Result<Vec<PolicyFile>, DecisionError>,
}

/// One policy file: its name, its text, and its policies or why they do not
/// parse.
type PolicyFile = (String, String, Result<PolicySet, String>);

impl PolicyTexts {
    /// Reads and parses the policy files of `source`.
    pub fn read(source: &PolicySource) -> PolicyTexts {
        let defaults = match source {
            PolicySource::Builtin => DEFAULT_PARAMS.to_owned(),
            PolicySource::Dir(dir) => {
                std::fs::read_to_string(dir.join("params.toml")).unwrap_or_default()
            }
        };
        let files = match source {
            PolicySource::Builtin => Ok(DEFAULT_POLICIES
                .iter()
                .map(|(name, text)| (format!("policies/{name}"), (*text).to_owned()))
                .collect()),
            PolicySource::Dir(dir) => read_dir(dir),
        };
        let files = files.map(|files: Vec<(String, String)>| {
            files
                .into_iter()
                .map(|(file, text)| {
                    let parsed = PolicySet::from_str(&text).map_err(|e| render(&e));
                    (file, text, parsed)
                })
                .collect()
        });
        PolicyTexts {
            source: match source {
                PolicySource::Builtin => None,
                PolicySource::Dir(dir) => Some(dir.clone()),
            },
            defaults,
            files,
        }
    }
}

impl Policies {
    /// Loads the policies of `texts` (see [`PolicyTexts::read`]), adds the
    /// host-enforced gates, composes the schema from the plugins' facts and
    /// validates every policy strictly.
    pub fn load(
        texts: PolicyTexts,
        plugins: &[(&str, &[FactSpec])],
        stages: &[String],
        overrides: &toml::Table,
        gates: HostGates,
        rollout: Rollout,
        disabled: &[String],
    ) -> Result<Policies, DecisionError> {
        let PolicyTexts {
            source,
            defaults,
            files,
        } = texts;
        let params = resolve_params(&defaults, overrides)?;
        let mut files = files?;
        let user_files = files.len();
        let host_text = builtin::policies(plugins, gates);
        let host_parsed = PolicySet::from_str(&host_text).map_err(|e| render(&e));
        files.push((BUILTIN_FILE.to_owned(), host_text, host_parsed));
        let schema_text = compose_schema(plugins, &params);
        let schema = Schema::from_json_value(schema::compose_json(plugins, &params))
            .map_err(|e| DecisionError::Schema(format!("{e:?}")))?;

        let mut set = PolicySet::new();
        let mut info = BTreeMap::new();
        let mut hasher = Sha256::new();
        let mut origin: BTreeMap<String, String> = BTreeMap::new();
        let mut user_policies = 0usize;
        let mut warnings = Vec::new();
        let file_digests = files
            .iter()
            .map(|(file, text, _)| FileDigest {
                path: file.clone(),
                sha256: hex(&Sha256::digest(text.as_bytes())),
            })
            .collect();
        for (index, (file, text, parsed)) in files.into_iter().enumerate() {
            hasher.update(file.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
            let policy_err = |message: String| DecisionError::Policy {
                file: file.clone(),
                message,
            };
            let parsed = parsed.map_err(&policy_err)?;
            if parsed.templates().next().is_some() {
                return Err(policy_err(
                    "templates (policies with slots) are not supported".into(),
                ));
            }
            for policy in parsed.policies() {
                // `annotations()`, not `annotation(key)`: the latter parses
                // its key with Cedar's grammar on every call.
                let annotation = |key: &str| {
                    policy
                        .annotations()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v.to_owned())
                };
                let Some(id) = annotation("id") else {
                    return Err(policy_err(format!(
                        "a policy has no @id annotation: {}",
                        first_line(&policy.to_string())
                    )));
                };
                let Some(reason) = annotation("reason") else {
                    return Err(policy_err(format!(
                        "policy `{id}` has no @reason annotation"
                    )));
                };
                if let Some(other) = origin.insert(id.clone(), file.clone()) {
                    return Err(policy_err(format!(
                        "policy id `{id}` is already used in `{other}`"
                    )));
                }
                let unknown = schema::unknown_stages(policy, stages);
                if !unknown.is_empty() {
                    let named: Vec<String> = unknown
                        .iter()
                        .map(|(stage, closest)| match closest {
                            Some(c) => format!("`{stage}` (did you mean `{c}`?)"),
                            None => format!("`{stage}`"),
                        })
                        .collect();
                    return Err(policy_err(format!(
                        "policy `{id}` names stage {} outside the configured chain {}; \
                         write gates against `resource.rank`, `resource.first` or `resource.last`, \
                         or add the stage to `stages`",
                        named.join(", "),
                        stages.join(" → ")
                    )));
                }
                let effect = match policy.effect() {
                    Effect::Permit => "permit",
                    Effect::Forbid => "forbid",
                };
                // Both checks below read the policy's JSON form, which costs
                // more than parsing it: it is made only when a check can hold
                // (a plugin is disabled; the text names the first stage or
                // `first`).
                let first_stage = stages
                    .first()
                    .filter(|_| index < user_files)
                    .filter(|first| {
                        let text = policy.to_string();
                        text.contains("first") || text.contains(first.as_str())
                    });
                if index < user_files && (!disabled.is_empty() || first_stage.is_some()) {
                    let json = policy.to_json().unwrap_or_default();
                    let read = explain::records(&json);
                    if !read.is_empty() && read.iter().all(|r| disabled.contains(r)) {
                        warnings.push(format!(
                            "policy `{id}` ({file}) reads only facts of disabled plugin(s) {}: it is left out",
                            read.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                        ));
                        continue;
                    }
                    if let Some(first) = first_stage.filter(|f| only_into(&json, f)) {
                        warnings.push(format!(
                            "policy `{id}` ({file}) applies only to promotions into `{first}`, the first stage, which no promotion reaches"
                        ));
                    }
                }
                let rekeyed = policy.new_id(PolicyId::new(&id));
                set.add(rekeyed).map_err(|e| policy_err(render(&e)))?;
                info.insert(
                    id,
                    PolicyInfo {
                        reason,
                        effect,
                        host: index >= user_files,
                    },
                );
                if index < user_files {
                    user_policies += 1;
                }
            }
        }
        if user_policies == 0 {
            return Err(DecisionError::Policy {
                file: match source {
                    None => "policies/".into(),
                    Some(d) => d.display().to_string(),
                },
                message: "holds no policies: every promotion would be denied".into(),
            });
        }

        let result = Validator::new(schema.clone()).validate(&set, ValidationMode::Strict);
        if !result.validation_passed() {
            let mut text = String::new();
            for error in result.validation_errors() {
                let id = error.policy_id().to_string();
                let file = origin.get(&id).map_or("?", String::as_str);
                if !text.is_empty() {
                    text.push_str(" | ");
                }
                let _ = write!(text, "policy `{id}` ({file}): {error}");
                if let Some(help) = error.help() {
                    let _ = write!(text, "; help: {help}");
                }
            }
            return Err(DecisionError::Validation(text));
        }
        let ids: Vec<&str> = info
            .iter()
            .filter(|(_, i)| !i.host)
            .map(|(id, _)| id.as_str())
            .collect();
        let host: Vec<&str> = info
            .iter()
            .filter(|(_, i)| i.host)
            .map(|(id, _)| id.as_str())
            .collect();
        rollout
            .check_names(&ids, &host, stages)
            .map_err(|message| DecisionError::Rollout {
                file: rollout.config_file.clone(),
                message,
            })?;

        Ok(Policies {
            schema,
            count: info.len(),
            set,
            info,
            stages: stages.to_vec(),
            params,
            rollout,
            digest: hex(&hasher.finalize()),
            files: file_digests,
            schema_text,
            warnings,
        })
    }

    /// Authorizes one transition given each plugin's facts.
    pub fn decide(&self, transition: &Transition<'_>) -> Verdict {
        match self.authorize(transition) {
            Ok(verdict) => verdict,
            Err(error) => Verdict {
                allowed: false,
                reasons: Vec::new(),
                errors: vec![error],
                waivers: Vec::new(),
            },
        }
    }

    /// Checks that no waiver expires more than `max_waiver_days` after `today`.
    pub fn check_waivers(&self, today: NaiveDate) -> Result<(), DecisionError> {
        self.rollout
            .check_window(today)
            .map_err(|message| DecisionError::Rollout {
                file: self.rollout.config_file.clone(),
                message,
            })
    }

    /// Everything `validate` warns about, as of `today`.
    pub fn all_warnings(&self, today: NaiveDate) -> Vec<String> {
        let mut all = self.warnings.clone();
        all.extend(self.rollout.warnings(&self.stages, today));
        all
    }

    /// What the symbolic compiler proves about the user's policies: those
    /// that can never fire, and those shadowed by another (needs cvc5).
    pub fn symbolic_warnings(&self) -> Result<Vec<String>, analysis::AnalysisError> {
        analysis::analyse(&self.schema, &self.set, &self.user_policy_ids())
    }

    /// Every policy of the set, host-enforced gates included, sorted by id.
    pub fn entries(&self) -> Vec<PolicyEntry> {
        self.info
            .iter()
            .map(|(id, i)| PolicyEntry {
                policy: id.clone(),
                effect: i.effect,
                reason: i.reason.clone(),
                host: i.host,
            })
            .collect()
    }

    /// The ids of the policies from the policy files (not host-enforced), sorted.
    pub fn user_policy_ids(&self) -> Vec<&str> {
        self.info
            .iter()
            .filter(|(_, i)| !i.host)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    fn rank(&self, stage: &str) -> Result<usize, String> {
        self.stages
            .iter()
            .position(|s| s == stage)
            .ok_or_else(|| format!("stage `{stage}` is not in the configured chain"))
    }

    /// The Cedar request for transition `t`: the change, the target stage and
    /// a context of every plugin's facts, checked against the schema.
    fn request(&self, t: &Transition<'_>) -> Result<(Request, Entities), String> {
        let uid = |ty: &str, id: &str| -> Result<EntityUid, String> {
            EntityUid::from_json(json!({ "type": ty, "id": id })).map_err(|e| render(&e))
        };
        let change = t.change;
        let principal_id = if change.commit.is_empty() {
            "unknown"
        } else {
            &change.commit
        };
        let principal = uid("Change", principal_id)?;
        let action = uid("Action", "promote")?;
        let resource = uid("Stage", t.to)?;
        self.rank(t.to)?;

        // Built as Cedar values directly: going through Cedar's JSON form
        // costs more than the authorization itself. `Request::new` checks
        // the context against the schema.
        let record = |fields: Vec<(String, RestrictedExpression)>| {
            RestrictedExpression::new_record(fields)
                .map_err(|e| format!("facts do not fit the schema: {}", render(&e)))
        };
        let long = |n: usize| RestrictedExpression::new_long(i64::try_from(n).unwrap_or(i64::MAX));
        let string = |s: &str| RestrictedExpression::new_string(s.to_owned());
        let mut context: Vec<(String, RestrictedExpression)> = vec![
            ("from".into(), string(t.from)),
            ("from_rank".into(), long(self.rank(t.from)?)),
            (
                "required".into(),
                RestrictedExpression::new_set(t.required.iter().map(|r| string(r))),
            ),
            (
                "chain".into(),
                record(vec![
                    (
                        "required".into(),
                        RestrictedExpression::new_bool(t.chain.required),
                    ),
                    (
                        "passed".into(),
                        RestrictedExpression::new_bool(t.chain.passed),
                    ),
                    ("previous".into(), string(&t.chain.previous)),
                    ("signer".into(), string(&t.chain.signer)),
                ])?,
            ),
            (
                "bundle".into(),
                record(vec![
                    ("artifacts".into(), long(t.bundle.artifacts)),
                    ("unclaimed".into(), long(t.bundle.unclaimed)),
                ])?,
            ),
        ];
        let params = self
            .params
            .iter()
            .map(|(name, (ty, value))| (name.clone(), cedar_value(value, *ty)))
            .collect();
        context.push(("params".into(), record(params)?));
        for (plugin, (specs, values)) in t.facts {
            let fields = specs
                .iter()
                .filter_map(|spec| {
                    let value = values.get(&spec.name)?;
                    Some((spec.name.clone(), cedar_value(value, spec.ty)))
                })
                .collect();
            context.push((plugin.clone(), record(fields)?));
        }
        let context = Context::from_pairs(context)
            .map_err(|e| format!("facts do not fit the schema: {}", render(&e)))?;

        let mut entities = vec![json!({
            "uid": { "type": "Change", "id": principal_id },
            "attrs": { "commit": change.commit, "branch": change.branch, "author": change.author },
            "parents": [],
        })];
        let last = self.stages.len().saturating_sub(1);
        for (rank, stage) in self.stages.iter().enumerate() {
            entities.push(json!({
                "uid": { "type": "Stage", "id": stage },
                "attrs": { "name": stage, "rank": rank, "first": rank == 0, "last": rank == last },
                "parents": [],
            }));
        }
        let entities = Entities::from_json_value(Value::Array(entities), Some(&self.schema))
            .map_err(|e| format!("entities do not fit the schema: {}", render(&e)))?;
        let request = Request::new(principal, action, resource, context, Some(&self.schema))
            .map_err(|e| format!("request does not fit the schema: {}", render(&e)))?;

        Ok((request, entities))
    }

    fn authorize(&self, t: &Transition<'_>) -> Result<Verdict, String> {
        let (request, entities) = self.request(t)?;
        let response = Authorizer::new().is_authorized(&request, &self.set, &entities);
        let diagnostics = response.diagnostics();
        let errors: Vec<String> = diagnostics.errors().map(|e| render(e)).collect();
        let reason_of = |id: &PolicyId| -> Reason {
            let key = id.to_string();
            let info = self.info.get(&key);
            Reason {
                reason: info.map_or_else(String::new, |i| i.reason.clone()),
                effect: info.map_or("?", |i| i.effect),
                policy: key,
                waiver: None,
                explain: None,
            }
        };
        let scope = rollout::Scope {
            stage: t.to,
            branch: &t.change.branch,
            commit: &t.change.commit,
            today: t.today,
        };
        let mut reasons: Vec<Reason> = diagnostics.reason().map(reason_of).collect();
        // An erroring policy might have been a forbid: name it as a reason too.
        for error in diagnostics.errors() {
            let mut reason = reason_of(erroring_policy(error));
            reason.reason = format!("{}{EVALUATION_FAILED}", reason.reason);
            reasons.push(reason);
        }
        let mut decision = response.decision();
        // The forbids that fired, advisory or waived where they are: they do
        // not block. When nothing else blocks, Cedar decides again without
        // them, so a permit must still apply.
        let mut applied = Vec::new();
        if decision == Decision::Deny && errors.is_empty() {
            let mut lifted = Vec::new();
            for reason in &mut reasons {
                match self.rollout.lift(&reason.policy, &scope) {
                    Some(rollout::Lift::Advisory) => reason.effect = "advisory",
                    Some(rollout::Lift::Waived(index)) => {
                        reason.effect = "waived";
                        reason.waiver = self.rollout.waivers.get(index).map(|w| w.id.clone());
                        applied.push(index);
                    }
                    None => continue,
                }
                lifted.push(reason.policy.clone());
            }
            if !lifted.is_empty() && reasons.iter().all(|r| !r.decided()) {
                let rest = PolicySet::from_policies(
                    self.set
                        .policies()
                        .filter(|p| !lifted.contains(&p.id().to_string()))
                        .cloned(),
                )
                .map_err(|e| render(&e))?;
                let again = Authorizer::new().is_authorized(&request, &rest, &entities);
                if again.diagnostics().errors().next().is_some() {
                    return Err("policies decided differently on a second evaluation".into());
                }
                decision = again.decision();
                reasons.extend(again.diagnostics().reason().map(reason_of));
            }
        }
        reasons.sort_by(|a, b| a.policy.cmp(&b.policy));
        reasons.dedup();
        let allowed = decision == Decision::Allow && errors.is_empty();
        if !allowed && !reasons.iter().any(Reason::decided) {
            reasons.push(Reason {
                policy: "default-deny".into(),
                reason: format!("no policy permits promotion to `{}`", t.to),
                effect: "default",
                waiver: None,
                explain: None,
            });
        }
        if !allowed {
            reasons.retain(|r| r.effect != "permit");
        }
        if t.explain {
            let values = explain::Values {
                facts: t.facts,
                params: &self.params,
            };
            for reason in &mut reasons {
                let Some(policy) = self.set.policy(&PolicyId::new(&reason.policy)) else {
                    continue;
                };
                let Ok(json) = policy.to_json() else {
                    continue;
                };
                let forbid = policy.effect() == Effect::Forbid;
                reason.explain = Some(explain::explain(&json, forbid, &values));
            }
        }
        Ok(Verdict {
            allowed,
            reasons,
            errors,
            waivers: self.rollout.statuses(&scope, &applied),
        })
    }
}

fn erroring_policy(error: &AuthorizationError) -> &PolicyId {
    match error {
        AuthorizationError::PolicyEvaluationError(e) => e.policy_id(),
    }
}

fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, DecisionError> {
    let read_err = |path: &Path, e: std::io::Error| DecisionError::Read {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_err(dir, e))? {
        let path = entry.map_err(|e| read_err(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "cedar") && path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|e| read_err(&path, e))?;
            files.push((path.display().to_string(), text));
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(DecisionError::Read {
            path: dir.to_owned(),
            message: "no `.cedar` files in it".into(),
        });
    }
    Ok(files)
}

/// Whether `policy` (Cedar's JSON form) applies only to promotions into
/// `stage`: its resource scope is that stage, or a `when` clause is exactly
/// `resource.first` and `stage` is the first.
fn only_into(policy: &Value, stage: &str) -> bool {
    let scoped = policy.pointer("/resource/op").and_then(Value::as_str) == Some("==")
        && policy
            .pointer("/resource/entity/id")
            .and_then(Value::as_str)
            == Some(stage);
    let first = json!({ ".": { "left": { "Var": "resource" }, "attr": "first" } });
    let when_first = policy
        .get("conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter().any(|c| {
                c.get("kind").and_then(Value::as_str) == Some("when")
                    && c.get("body") == Some(&first)
            })
        });
    scoped || when_first
}

/// The candidate closest to `word`, when close enough to be a typo of it.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::damerau_levenshtein(c, word), c))
        .filter(|(distance, c)| *distance <= (c.len() / 2).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// An error and its causes and help, on one line.
fn render(error: &dyn Diagnostic) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    if let Some(help) = error.help() {
        let _ = write!(text, " (help: {help})");
    }
    text
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect()
}

/// A fact or parameter of type `ty` as a Cedar value.
fn cedar_value(
    value: &crate::facts::FactValue,
    ty: crate::facts::FactType,
) -> RestrictedExpression {
    use crate::facts::{FactType, FactValue};
    match (value, ty) {
        (FactValue::String(s), FactType::Decimal) => RestrictedExpression::new_decimal(s),
        (FactValue::String(s), _) => RestrictedExpression::new_string(s.clone()),
        (FactValue::Bool(b), _) => RestrictedExpression::new_bool(*b),
        (FactValue::Long(n), _) => RestrictedExpression::new_long(*n),
        (FactValue::Set(items), _) => RestrictedExpression::new_set(
            items
                .iter()
                .map(|item| RestrictedExpression::new_string(item.clone())),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactType, FactValue};
    use std::collections::BTreeSet;

    fn specs() -> Vec<FactSpec> {
        ["inputs", "total", "failed"]
            .iter()
            .map(|n| FactSpec {
                name: (*n).into(),
                ty: FactType::Long,
                doc: String::new(),
            })
            .collect()
    }

    fn dir_with(policy: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p.cedar"), policy).unwrap();
        dir
    }

    fn load(
        dir: &tempfile::TempDir,
        plugins: &[(&str, &[FactSpec])],
    ) -> Result<Policies, DecisionError> {
        load_with(dir, plugins, Rollout::default())
    }

    fn decide(
        policies: &Policies,
        from: &str,
        to: &str,
        facts: &BTreeMap<String, (Vec<FactSpec>, Facts)>,
    ) -> Verdict {
        policies.decide(&Transition {
            change: &Change::default(),
            from,
            to,
            required: &[],
            bundle: BundleCounts::default(),
            facts,
            chain: &ChainContext::default(),
            today: NaiveDate::default(),
            explain: true,
        })
    }

    fn stages() -> Vec<String> {
        vec!["dev".into(), "test".into(), "prod".into()]
    }

    fn facts(total: i64, failed: i64) -> BTreeMap<String, (Vec<FactSpec>, Facts)> {
        let values: Facts = [
            ("inputs".to_string(), FactValue::Long(1)),
            ("total".to_string(), FactValue::Long(total)),
            ("failed".to_string(), FactValue::Long(failed)),
        ]
        .into_iter()
        .collect();
        BTreeMap::from([("tests".to_string(), (specs(), values))])
    }

    const ALLOW_ALL: &str =
        "@id(\"allow\")\n@reason(\"ok\")\npermit(principal, action, resource);\n";

    #[test]
    fn typo_fails_strict_validation_with_help() {
        let specs = specs();
        let dir = dir_with(&format!(
            "{ALLOW_ALL}@id(\"no-failures\")\n@reason(\"fix tests\")\nforbid(principal, action, resource) when {{ context.tests.faild > 0 }};"
        ));
        let err = load(&dir, &[("tests", &specs)]).err().unwrap().to_string();
        assert!(err.contains("no-failures"), "{err}");
        assert!(err.contains("faild"), "{err}");
        assert!(err.contains("failed"), "{err}");
    }

    #[test]
    fn forbid_wins_and_reasons_are_reported() {
        let specs = specs();
        let dir = dir_with(&format!(
            "{ALLOW_ALL}@id(\"no-failures\")\n@reason(\"fix tests\")\nforbid(principal, action, resource == Stage::\"prod\") when {{ context.tests.failed > 0 }};"
        ));
        let policies = load(&dir, &[("tests", &specs)]).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(3, 1));
        assert!(!verdict.allowed);
        assert_eq!(verdict.reasons[0].policy, "no-failures");
        assert_eq!(verdict.reasons[0].reason, "fix tests");
        let verdict = decide(&policies, "test", "prod", &facts(3, 0));
        assert!(verdict.allowed);
        assert_eq!(verdict.reasons[0].policy, "allow");
    }

    #[test]
    fn evaluation_error_denies() {
        let specs = specs();
        let dir = dir_with(&format!(
            "{ALLOW_ALL}@id(\"overflow\")\n@reason(\"never passes silently\")\nforbid(principal, action, resource) when {{ context.tests.total * 9223372036854775807 > 0 }};"
        ));
        let policies = load(&dir, &[("tests", &specs)]).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(3, 0));
        assert!(!verdict.allowed);
        assert!(
            verdict.errors[0].contains("overflow"),
            "{:?}",
            verdict.errors
        );
        assert!(verdict.reasons.iter().any(|r| r.policy == "overflow"));
    }

    fn load_with(
        dir: &tempfile::TempDir,
        plugins: &[(&str, &[FactSpec])],
        rollout: Rollout,
    ) -> Result<Policies, DecisionError> {
        Policies::load(
            PolicyTexts::read(&PolicySource::Dir(dir.path().into())),
            plugins,
            &stages(),
            &toml::Table::new(),
            HostGates::default(),
            rollout,
            &[],
        )
    }

    fn enforce(policy: &str, level: crate::config::Level) -> crate::config::Enforcement {
        crate::config::Enforcement {
            policy: policy.into(),
            level,
            stages: crate::config::StageScope::default(),
        }
    }

    const NO_FAILURES: &str = "@id(\"no-failures\")\n@reason(\"fix tests\")\nforbid(principal, action, resource) when { context.tests.failed > 0 };\n";

    #[test]
    fn an_advisory_forbid_reports_and_never_blocks_but_needs_a_permit() {
        use crate::config::Level;
        let specs = specs();
        let rollout = Rollout {
            enforcement: vec![enforce("no-failures", Level::Advisory)],
            ..Rollout::default()
        };
        let dir = dir_with(&format!("{ALLOW_ALL}{NO_FAILURES}"));
        let policies = load_with(&dir, &[("tests", &specs)], rollout.clone()).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(3, 1));
        assert!(verdict.allowed, "{verdict:?}");
        let effects: Vec<(&str, &str)> = verdict
            .reasons
            .iter()
            .map(|r| (r.policy.as_str(), r.effect))
            .collect();
        assert_eq!(effects, [("allow", "permit"), ("no-failures", "advisory")]);
        // Without a permit, lifting the forbid leaves Cedar's default deny.
        let dir2 = dir_with(&format!(
            "{NO_FAILURES}@id(\"dev-only\")\n@reason(\"r\")\npermit(principal, action, resource == Stage::\"dev\");"
        ));
        let policies = load_with(&dir2, &[("tests", &specs)], rollout).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(3, 1));
        assert!(!verdict.allowed);
        let effects: Vec<&str> = verdict.reasons.iter().map(|r| r.effect).collect();
        assert_eq!(effects, ["advisory", "default"], "{verdict:?}");
    }

    #[test]
    fn an_advisory_policy_that_errors_still_denies() {
        use crate::config::Level;
        let specs = specs();
        let dir = dir_with(&format!(
            "{ALLOW_ALL}@id(\"overflow\")\n@reason(\"r\")\nforbid(principal, action, resource) when {{ context.tests.total * 9223372036854775807 > 0 }};"
        ));
        let rollout = Rollout {
            enforcement: vec![enforce("overflow", Level::Advisory)],
            ..Rollout::default()
        };
        let policies = load_with(&dir, &[("tests", &specs)], rollout).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(3, 0));
        assert!(!verdict.allowed);
        assert!(!verdict.errors.is_empty());
    }

    #[test]
    fn rollout_entries_must_name_a_policy_that_can_be_lifted() {
        use crate::config::Level;
        let specs = specs();
        let dir = dir_with(&format!("{ALLOW_ALL}{NO_FAILURES}"));
        let err = |rollout| {
            load_with(&dir, &[("tests", &specs)], rollout)
                .err()
                .unwrap()
                .to_string()
        };
        let typo = err(Rollout {
            enforcement: vec![enforce("no-failure", Level::Advisory)],
            ..Rollout::default()
        });
        assert!(typo.contains("did you mean `no-failures`?"), "{typo}");
        let host = err(Rollout {
            enforcement: vec![enforce(NO_STAGE_SKIPPING, Level::Advisory)],
            ..Rollout::default()
        });
        assert!(host.contains("host-enforced"), "{host}");
    }

    #[test]
    fn missing_annotations_are_errors() {
        let dir = dir_with("@id(\"x\")\npermit(principal, action, resource);");
        let err = load(&dir, &[]).err().unwrap().to_string();
        assert!(err.contains("no @reason"), "{err}");
        let dir = dir_with("permit(principal, action, resource);");
        let err = load(&dir, &[]).err().unwrap().to_string();
        assert!(err.contains("no @id"), "{err}");
    }

    #[test]
    fn params_are_typed_and_overridable() {
        let overrides: toml::Table = toml::from_str("floor = 75\nextra = [\"a\"]").unwrap();
        let params = resolve_params("floor = 60.0\nmax = 0\n", &overrides).unwrap();
        assert_eq!(
            params["floor"],
            (FactType::Decimal, FactValue::String("75.0".into()))
        );
        assert_eq!(params["max"], (FactType::Long, FactValue::Long(0)));
        assert_eq!(params["extra"].0, FactType::SetOfString);
        let bad: toml::Table = toml::from_str("max = \"x\"").unwrap();
        assert!(resolve_params("max = 0", &bad).is_err());
    }

    #[test]
    fn default_deny_is_named() {
        let specs = specs();
        let dir = dir_with(
            "@id(\"dev-only\")\n@reason(\"dev is open\")\npermit(principal, action, resource == Stage::\"dev\");",
        );
        let policies = load(&dir, &[("tests", &specs)]).unwrap();
        let verdict = decide(&policies, "test", "prod", &facts(1, 0));
        assert!(!verdict.allowed);
        assert_eq!(verdict.reasons[0].policy, "default-deny");
    }

    /// A forbid whose condition errors for some facts: the condition as Cedar
    /// text, and what it does for `total` (`None`: evaluation fails).
    type Prediction = fn(i64) -> Option<bool>;

    const ERRING_FORBIDS: &[(&str, Prediction)] = &[
        ("context.tests.total * 4611686018427387904 > 0", |t| {
            t.checked_mul(4_611_686_018_427_387_904).map(|v| v > 0)
        }),
        ("context.tests.total + 9223372036854775807 > 0", |t| {
            t.checked_add(i64::MAX).map(|v| v > 0)
        }),
        ("-(context.tests.total) > 0", |t| {
            t.checked_neg().map(|v| v > 0)
        }),
    ];

    #[test]
    fn a_forbid_that_errors_never_allows() {
        use proptest::prelude::*;
        let specs = specs();
        for (condition, predict) in ERRING_FORBIDS {
            let dir = dir_with(&format!(
                "{ALLOW_ALL}@id(\"erring\")\n@reason(\"r\")\nforbid(principal, action, resource) when {{ {condition} }};\n\
                 @id(\"no-failures\")\n@reason(\"r\")\nforbid(principal, action, resource) when {{ context.tests.failed > 0 }};"
            ));
            let policies = load(&dir, &[("tests", &specs)]).unwrap();
            let values = prop_oneof![
                any::<i64>(),
                -3i64..3,
                Just(i64::MIN),
                Just(i64::MAX),
                Just(i64::MIN / 2),
            ];
            let mut runner = proptest::test_runner::TestRunner::default();
            runner
                .run(&(values.clone(), values), |(total, failed)| {
                    let verdict = decide(&policies, "test", "prod", &facts(total, failed));
                    let erring = predict(total);
                    let expected = erring == Some(false) && failed <= 0;
                    prop_assert_eq!(
                        verdict.allowed,
                        expected,
                        "{} with total={} failed={}: {:?}",
                        condition,
                        total,
                        failed,
                        verdict
                    );
                    if erring.is_none() {
                        prop_assert!(!verdict.errors.is_empty());
                        prop_assert!(verdict.reasons.iter().any(|r| r.policy == "erring"));
                    }
                    Ok(())
                })
                .unwrap();
        }
    }

    /// Cedar's `decimal("…")` rendering, or our canonical text, as ten-thousandths.
    fn decimal_units(text: &str) -> i128 {
        let text = text
            .trim_start_matches("decimal(\"")
            .trim_end_matches("\")");
        let negative = text.starts_with('-');
        let (int, frac) = text.trim_start_matches('-').split_once('.').unwrap();
        let frac = format!("{frac:0<4}");
        let units = int.parse::<i128>().unwrap() * 10_000 + frac.parse::<i128>().unwrap();
        if negative { -units } else { units }
    }

    #[test]
    fn facts_round_trip_from_wit_values_to_cedar_and_back() {
        use crate::plugin::bindings::stagegate::plugin::types as wit;
        use crate::plugin::convert;
        use cedar_policy::{EvalResult, Expression, eval_expression};
        use proptest::prelude::*;

        let spec = |name: &str, type_| wit::FactSpec {
            name: name.into(),
            type_,
            doc: String::new(),
        };
        let limits = crate::config::Limits::default();
        let meta = convert::metadata(
            "p",
            wit::Metadata {
                name: "p".into(),
                version: "1.0.0".into(),
                description: String::new(),
                reads: vec![wit::ArtifactKind {
                    name: "k".into(),
                    matchers: vec![wit::Matcher::AnyText],
                }],
                facts: vec![
                    spec("b", wit::FactType::Boolean),
                    spec("n", wit::FactType::Long),
                    spec("s", wit::FactType::Text),
                    spec("set", wit::FactType::TextSet),
                    spec("d", wit::FactType::Decimal),
                ],
            },
            &limits,
        )
        .unwrap();
        let dir = dir_with(ALLOW_ALL);
        let policies = load(&dir, &[("p", &meta.facts)]).unwrap();

        let decimal = (
            any::<bool>(),
            0u64..=922_337_203_685_476,
            0u32..10_000,
            1usize..=4,
        )
            .prop_map(|(negative, int, frac, digits)| {
                let frac = format!("{frac:04}");
                let sign = if negative { "-" } else { "" };
                format!("{sign}{int}.{}", &frac[..digits])
            });
        let strategy = (
            any::<bool>(),
            any::<i64>(),
            "\\PC{0,40}|[\\x00-\\x1f\"\\\\]{0,8}",
            proptest::collection::btree_set("\\PC{0,12}", 0..6),
            decimal,
        );
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(&strategy, |(b, n, s, set, d)| {
                let raw = wit::Evaluation {
                    facts: vec![
                        wit::Fact {
                            name: "b".into(),
                            value: wit::FactValue::Boolean(b),
                        },
                        wit::Fact {
                            name: "n".into(),
                            value: wit::FactValue::Long(n),
                        },
                        wit::Fact {
                            name: "s".into(),
                            value: wit::FactValue::Text(s.clone()),
                        },
                        wit::Fact {
                            name: "set".into(),
                            value: wit::FactValue::TextSet(set.iter().cloned().collect()),
                        },
                        wit::Fact {
                            name: "d".into(),
                            value: wit::FactValue::Decimal(d.clone()),
                        },
                    ],
                    findings: Vec::new(),
                };
                let (checked, _) = convert::evaluation(&meta, raw, &limits).unwrap();
                let all = BTreeMap::from([("p".to_string(), (meta.facts.clone(), checked))]);
                let (request, entities) = policies
                    .request(&Transition {
                        change: &Change::default(),
                        from: "test",
                        to: "prod",
                        required: &[],
                        bundle: BundleCounts::default(),
                        facts: &all,
                        chain: &ChainContext::default(),
                        today: NaiveDate::default(),
                        explain: false,
                    })
                    .unwrap();
                let seen = |name: &str| {
                    let expr = Expression::from_str(&format!("context.p.{name}")).unwrap();
                    eval_expression(&request, &entities, &expr).unwrap()
                };
                prop_assert_eq!(seen("b"), EvalResult::Bool(b));
                prop_assert_eq!(seen("n"), EvalResult::Long(n));
                prop_assert_eq!(seen("s"), EvalResult::String(s));
                let EvalResult::Set(back) = seen("set") else {
                    return Err(TestCaseError::fail("`set` is not a Cedar set"));
                };
                let back: BTreeSet<String> = back
                    .iter()
                    .map(|v| match v {
                        EvalResult::String(s) => s.clone(),
                        other => format!("{other:?}"),
                    })
                    .collect();
                prop_assert_eq!(back, set);
                let EvalResult::ExtensionValue(back) = seen("d") else {
                    return Err(TestCaseError::fail("`d` is not a Cedar decimal"));
                };
                prop_assert_eq!(
                    decimal_units(&back),
                    decimal_units(&d),
                    "{} came back as {}",
                    d,
                    back
                );
                Ok(())
            })
            .unwrap();
    }
}
