//! Policy tests as data: `*.case.toml` files, each a transition the real
//! gate decides (the same plugins, policies and configuration as `check`),
//! with the decision, deciding policies and facts it must come to. It sits
//! after [`crate::gate`] and before the reports that render its results.
//!
//! ```toml
//! description = "why this case exists"
//! to = "prod"
//! from = "test"               # optional
//! config = "stagegate.toml"   # optional, relative to the case file
//! today = "2026-12-04"        # optional: the day waivers are judged on
//! branch = "release/1.4"      # optional: the change, for waiver scopes
//! commit = "3f9c2e1"          # optional
//! bundle = "bundles/green"    # a directory relative to the case file, or:
//! [artifacts]                 # bundle path = file relative to the case file
//! "reports/junit.xml" = "fixtures/junit.xml"
//! [given.junit]               # facts that replace this plugin's output
//! failed = 2
//! [expect]
//! decision = "deny"           # allow | deny | error
//! reasons = ["tests-pass"]    # exactly the policies that decided
//! waived = []                 # optional: exactly the policies waived
//! advisory = []               # optional: exactly the advisory policies that fired
//! errors = ["expires"]        # optional: each is part of some error
//! [expect.waivers]            # optional: waiver id = status
//! W-1 = "applied"
//! [expect.facts.junit]        # optional: facts that must hold
//! failed = 2
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::config::GateConfig;
use crate::decision::params::typed_value;
use crate::decision::{Change, Reason};
use crate::facts::{FactSpec, FactType, FactValue, Facts};
use crate::gate::{self, GateDecision, GateReport, GateRequest, GivenFacts, Prepared};
use crate::plugin::CodeCache;

/// The suffix of a case file.
pub const CASE_SUFFIX: &str = ".case.toml";

/// Why cases could not be found.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// A path given does not exist or cannot be listed.
    #[error("cannot read `{path}`: {message}")]
    Read {
        /// The path.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    description: String,
    to: String,
    from: Option<String>,
    config: Option<PathBuf>,
    today: Option<String>,
    branch: Option<String>,
    commit: Option<String>,
    bundle: Option<PathBuf>,
    artifacts: Option<BTreeMap<String, PathBuf>>,
    #[serde(default)]
    given: BTreeMap<String, toml::Table>,
    expect: RawExpect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    decision: String,
    reasons: Vec<String>,
    waived: Option<Vec<String>>,
    advisory: Option<Vec<String>>,
    waivers: Option<BTreeMap<String, String>>,
    errors: Option<Vec<String>>,
    #[serde(default)]
    facts: BTreeMap<String, toml::Table>,
}

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseOutcome {
    /// Everything expected held.
    Passed,
    /// What did not hold, one line each.
    Failed(Vec<String>),
    /// The case itself is wrong: it names the key and what is wrong.
    Invalid(String),
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case file.
    pub file: PathBuf,
    /// Its description (empty when it could not be read).
    pub description: String,
    /// How it ended.
    pub outcome: CaseOutcome,
    /// The gate's decision, when it ran.
    pub decision: Option<GateDecision>,
    /// The gate's reasons, when it ran.
    pub reasons: Vec<Reason>,
    /// The gate's errors, when it ran.
    pub errors: Vec<String>,
}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct SuiteReport {
    /// Every case, in file order.
    pub cases: Vec<CaseResult>,
    /// Policies of the policy files that fired in no case (sorted).
    pub uncovered: Vec<String>,
    /// How many distinct policies the cases' configurations load.
    pub policies: usize,
}

impl SuiteReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.count(|o| matches!(o, CaseOutcome::Passed))
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, CaseOutcome::Failed(_)))
    }

    /// Cases that are invalid.
    pub fn invalid(&self) -> usize {
        self.count(|o| matches!(o, CaseOutcome::Invalid(_)))
    }

    fn count(&self, f: impl Fn(&CaseOutcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
}

/// What every case shares unless it says otherwise.
pub struct SuiteOptions {
    /// The configuration of cases without `config` (as `check` would load it).
    pub config: GateConfig,
    /// The compiled-code cache for configured plugins.
    pub cache: Option<CodeCache>,
    /// The day of cases without `today`.
    pub today: NaiveDate,
}

/// Every `*.case.toml` under `paths` (a file is taken as given), sorted and
/// without duplicates. Symbolic links to directories are not followed.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut found = BTreeSet::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| SuiteError::Read {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            walk(path, &mut found)?;
        } else {
            found.insert(path.clone());
        }
    }
    Ok(found.into_iter().collect())
}

fn walk(dir: &Path, found: &mut BTreeSet<PathBuf>) -> Result<(), SuiteError> {
    let err = |e: std::io::Error| SuiteError::Read {
        path: dir.to_owned(),
        message: e.to_string(),
    };
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        let path = entry.path();
        let kind = entry.file_type().map_err(err)?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(CASE_SUFFIX) && n.len() > CASE_SUFFIX.len())
            && (kind.is_file() || path.is_file())
        {
            found.insert(path);
        }
    }
    Ok(())
}

/// A case, checked and with its paths resolved.
struct Case {
    description: String,
    to: String,
    from: Option<String>,
    config: Option<PathBuf>,
    today: Option<NaiveDate>,
    change: Change,
    bundle: Source,
    given: BTreeMap<String, toml::Table>,
    expect: Expect,
}

enum Source {
    Dir(PathBuf),
    Files(Vec<(String, PathBuf)>),
}

struct Expect {
    decision: GateDecision,
    reasons: Vec<String>,
    waived: Option<Vec<String>>,
    advisory: Option<Vec<String>>,
    waivers: Option<BTreeMap<String, String>>,
    errors: Option<Vec<String>>,
    facts: BTreeMap<String, toml::Table>,
}

fn parse(file: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read it: {e}"))?;
    let raw: RawCase = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|span| {
            text.get(..span.start)
                .map_or(0, |t| t.matches('\n').count())
                + 1
        });
        match line {
            Some(line) => format!("line {line}: {}", e.message()),
            None => e.message().to_owned(),
        }
    })?;
    let base = file.parent().unwrap_or(Path::new("."));
    if raw.description.trim().is_empty() {
        return Err("`description` is empty: say why the case exists".into());
    }
    let existing = |key: &str, rel: &Path, dir: bool| -> Result<PathBuf, String> {
        let path = base.join(rel);
        let ok = if dir { path.is_dir() } else { path.is_file() };
        if ok {
            Ok(path)
        } else {
            Err(format!(
                "`{key}`: `{}` is not a {}",
                path.display(),
                if dir { "directory" } else { "file" }
            ))
        }
    };
    let config = raw
        .config
        .as_deref()
        .map(|c| existing("config", c, false))
        .transpose()?;
    let bundle = match (raw.bundle, raw.artifacts) {
        (Some(_), Some(_)) => return Err("give `bundle` or `[artifacts]`, not both".into()),
        (Some(dir), None) => Source::Dir(existing("bundle", &dir, true)?),
        (None, artifacts) => {
            let mut files = Vec::new();
            for (dest, src) in artifacts.unwrap_or_default() {
                let key = format!("artifacts.\"{dest}\"");
                let relative = Path::new(&dest);
                let plain = !dest.is_empty()
                    && relative
                        .components()
                        .all(|c| matches!(c, Component::Normal(_)));
                if !plain {
                    return Err(format!("`{key}`: a bundle path is relative, without `..`"));
                }
                files.push((dest.clone(), existing(&key, &src, false)?));
            }
            Source::Files(files)
        }
    };
    let decision = match raw.expect.decision.as_str() {
        "allow" => GateDecision::Allow,
        "deny" => GateDecision::Deny,
        "error" => GateDecision::Error,
        other => {
            return Err(format!(
                "`expect.decision` is `{other}`: allow, deny or error"
            ));
        }
    };
    let today = raw
        .today
        .map(|t| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map_err(|_| format!("`today` is `{t}`, not a date YYYY-MM-DD"))
        })
        .transpose()?;
    const STATES: [&str; 5] = [
        "applied",
        "expired",
        "not-yet-valid",
        "out-of-scope",
        "unused",
    ];
    for (id, status) in raw.expect.waivers.iter().flatten() {
        if !STATES.contains(&status.as_str()) {
            return Err(format!(
                "`expect.waivers.{id}` is `{status}`: one of {}",
                STATES.join(", ")
            ));
        }
    }
    Ok(Case {
        description: raw.description,
        to: raw.to,
        from: raw.from,
        config,
        today,
        change: Change {
            commit: raw.commit.unwrap_or_default(),
            branch: raw.branch.unwrap_or_default(),
            ..Change::default()
        },
        bundle,
        given: raw.given,
        expect: Expect {
            decision,
            reasons: raw.expect.reasons,
            waived: raw.expect.waived,
            advisory: raw.expect.advisory,
            waivers: raw.expect.waivers,
            errors: raw.expect.errors,
            facts: raw.expect.facts,
        },
    })
}

/// The facts of `table` typed by `plugin`'s declarations; `key` names the
/// table in messages.
fn typed_facts(
    key: &str,
    plugin: &str,
    specs: &[FactSpec],
    table: &toml::Table,
) -> Result<Facts, String> {
    let mut facts = Facts::new();
    for (name, value) in table {
        let Some(spec) = specs.iter().find(|s| &s.name == name) else {
            let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            let hint = crate::decision::closest(name, known.iter().copied())
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "`{key}.{name}`: plugin `{plugin}` declares no fact `{name}`{hint}"
            ));
        };
        let (ty, typed) =
            typed_value(name, value, Some(spec.ty)).map_err(|e| format!("`{key}.{name}`: {e}"))?;
        if ty != spec.ty {
            return Err(format!("`{key}.{name}` must be {}", spec.ty.cedar()));
        }
        facts.insert(name.clone(), typed);
    }
    Ok(facts)
}

/// The specs of the plugin `name` in `prepared`, or a message naming `key`.
fn specs_of<'p>(prepared: &'p Prepared, key: &str, name: &str) -> Result<&'p [FactSpec], String> {
    prepared
        .plugins
        .iter()
        .find(|p| p.meta.name == name)
        .map(|p| p.meta.facts.as_slice())
        .ok_or_else(|| {
            let known: Vec<&str> = prepared
                .plugins
                .iter()
                .map(|p| p.meta.name.as_str())
                .collect();
            format!(
                "`{key}`: no plugin `{name}` is loaded (plugins: {})",
                known.join(", ")
            )
        })
}

/// A configuration loaded once and the gates prepared from it, by day.
struct Loaded {
    config: GateConfig,
    prepared: BTreeMap<NaiveDate, Result<Prepared, String>>,
}

/// Runs every case file in `files`.
pub fn run(files: &[PathBuf], options: &SuiteOptions) -> SuiteReport {
    let mut configs: BTreeMap<Option<PathBuf>, Result<Loaded, String>> = BTreeMap::new();
    let mut report = SuiteReport::default();
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut fired: BTreeSet<String> = BTreeSet::new();
    for file in files {
        let mut result = CaseResult {
            file: file.clone(),
            description: String::new(),
            outcome: CaseOutcome::Passed,
            decision: None,
            reasons: Vec::new(),
            errors: Vec::new(),
        };
        let case = match parse(file) {
            Ok(case) => case,
            Err(why) => {
                result.outcome = CaseOutcome::Invalid(why);
                report.cases.push(result);
                continue;
            }
        };
        result.description = case.description.clone();
        let loaded = configs.entry(case.config.clone()).or_insert_with(|| {
            match &case.config {
                None => Ok(options.config.clone()),
                Some(path) => GateConfig::load(path).map_err(|e| e.to_string()),
            }
            .map(|config| Loaded {
                config,
                prepared: BTreeMap::new(),
            })
        });
        let today = case.today.unwrap_or(options.today);
        let gate_report = match loaded {
            Err(why) => Err(why.clone()),
            Ok(loaded) => {
                let config = &loaded.config;
                let prepared = loaded
                    .prepared
                    .entry(today)
                    .or_insert_with(|| gate::prepare(config, options.cache.clone(), &[], today));
                match prepared {
                    Err(why) => Err(why.clone()),
                    Ok(prepared) => {
                        known.extend(
                            prepared
                                .policies
                                .user_policy_ids()
                                .into_iter()
                                .map(str::to_owned),
                        );
                        match run_case(&case, config, prepared, today) {
                            Ok(report) => Ok(report),
                            Err(invalid) => {
                                result.outcome = CaseOutcome::Invalid(invalid);
                                report.cases.push(result);
                                continue;
                            }
                        }
                    }
                }
            }
        };
        let gate_report = match gate_report {
            Ok(r) => r,
            // The configuration does not load: the gate cannot decide.
            Err(why) => GateReport::failed(&case.to, why),
        };
        fired.extend(gate_report.reasons.iter().map(|r| r.policy.clone()));
        let problems = compare(&case.expect, &gate_report);
        result.outcome = if problems.is_empty() {
            CaseOutcome::Passed
        } else {
            CaseOutcome::Failed(problems)
        };
        result.decision = Some(gate_report.decision);
        result.reasons = gate_report.reasons;
        result.errors = gate_report.errors;
        report.cases.push(result);
    }
    report.policies = known.len();
    report.uncovered = known.difference(&fired).cloned().collect();
    report
}

/// Runs one case through the gate; `Err` when the case is invalid.
fn run_case(
    case: &Case,
    config: &GateConfig,
    prepared: &Prepared,
    today: NaiveDate,
) -> Result<GateReport, String> {
    let mut given = GivenFacts::new();
    for (plugin, table) in &case.given {
        let key = format!("given.{plugin}");
        let specs = specs_of(prepared, &key, plugin)?;
        given.insert(plugin.clone(), typed_facts(&key, plugin, specs, table)?);
    }
    for (plugin, table) in &case.expect.facts {
        let key = format!("expect.facts.{plugin}");
        typed_facts(&key, plugin, specs_of(prepared, &key, plugin)?, table)?;
    }
    let staged;
    let bundle = match &case.bundle {
        Source::Dir(dir) => dir.clone(),
        Source::Files(files) => {
            staged = tempfile::tempdir().map_err(|e| format!("cannot make a bundle: {e}"))?;
            for (dest, src) in files {
                let to = staged.path().join(dest);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("cannot make a bundle: {e}"))?;
                }
                std::fs::copy(src, &to).map_err(|e| {
                    format!(
                        "`artifacts.\"{dest}\"`: cannot copy `{}`: {e}",
                        src.display()
                    )
                })?;
            }
            staged.path().to_owned()
        }
    };
    let request = GateRequest {
        bundle,
        to: case.to.clone(),
        from: case.from.clone(),
        change: case.change.clone(),
        cache: None,
        local_plugins: Vec::new(),
        today,
        // The JSON results carry each reason's explanation.
        explain: true,
        progress: None,
    };
    Ok(gate::run_prepared(config, prepared, &request, &given))
}

/// Sorted policy ids of `reasons` with an effect `keep` accepts.
fn policies(reasons: &[Reason], keep: impl Fn(&Reason) -> bool) -> Vec<String> {
    let mut ids: Vec<String> = reasons
        .iter()
        .filter(|r| keep(r))
        .map(|r| r.policy.clone())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// What of `expect` does not hold in `report`.
fn compare(expect: &Expect, report: &GateReport) -> Vec<String> {
    let mut problems = Vec::new();
    if report.decision != expect.decision {
        problems.push(format!(
            "decision {} (expected {})",
            report.decision.as_str(),
            expect.decision.as_str()
        ));
    }
    let lists = [
        (
            "reasons",
            Some(&expect.reasons),
            policies(&report.reasons, Reason::decided),
        ),
        (
            "waived",
            expect.waived.as_ref(),
            policies(&report.reasons, |r| r.effect == "waived"),
        ),
        (
            "advisory",
            expect.advisory.as_ref(),
            policies(&report.reasons, |r| r.effect == "advisory"),
        ),
    ];
    for (what, want, got) in lists {
        if let Some(want) = want {
            let want = sorted(want.clone());
            if want != got {
                problems.push(format!("{what} {got:?} (expected {want:?})"));
            }
        }
    }
    if let Some(want) = &expect.waivers {
        let got: BTreeMap<String, String> = report
            .waivers
            .iter()
            .map(|w| (w.id.clone(), w.status.as_str().to_owned()))
            .collect();
        for (id, status) in want {
            match got.get(id) {
                Some(actual) if actual == status => {}
                Some(actual) => problems.push(format!("waiver {id} {actual} (expected {status})")),
                None => problems.push(format!("waiver {id} is not configured (expected {status})")),
            }
        }
    }
    for wanted in expect.errors.iter().flatten() {
        if !report.errors.iter().any(|e| e.contains(wanted.as_str())) {
            problems.push(format!(
                "no error contains {wanted:?} (errors: {:?})",
                report.errors
            ));
        }
    }
    for (plugin, table) in &expect.facts {
        let specs = report.fact_specs.get(plugin).map_or(&[][..], Vec::as_slice);
        for (name, value) in table {
            let ty = specs.iter().find(|s| &s.name == name).map(|s| s.ty);
            let want = ty.and_then(|ty| typed_value(name, value, Some(ty)).ok());
            let got = report.facts.get(plugin).and_then(|f| f.get(name));
            let same = match (&want, got, ty) {
                (Some((_, w)), Some(g), Some(FactType::Decimal)) => same_decimal(w, g),
                (Some((_, w)), Some(g), _) => w == g,
                _ => false,
            };
            if !same {
                let shown = got.map_or_else(|| "nothing".to_owned(), display);
                problems.push(format!("{plugin}.{name} = {shown} (expected {value})"));
            }
        }
    }
    problems
}

/// Two decimals in text form, compared by value.
fn same_decimal(a: &FactValue, b: &FactValue) -> bool {
    fn units(v: &FactValue) -> Option<i128> {
        let FactValue::String(text) = v else {
            return None;
        };
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if frac.len() > 4 {
            return None;
        }
        let frac = format!("{frac:0<4}");
        let units = int.parse::<i128>().ok()? * 10_000 + frac.parse::<i128>().ok()?;
        Some(if negative { -units } else { units })
    }
    units(a).is_some() && units(a) == units(b)
}

/// A fact value as a case shows it.
pub fn display(value: &FactValue) -> String {
    match value {
        FactValue::Bool(b) => b.to_string(),
        FactValue::Long(n) => n.to_string(),
        FactValue::String(s) => format!("{s:?}"),
        FactValue::Set(set) => format!("{:?}", set.iter().collect::<Vec<_>>()),
    }
}
