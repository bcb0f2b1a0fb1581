//! The judge: walks a parsed Dockerfile's stages and instructions and records
//! every hit in the [`Report`].
//!
//! Stages are followed as BuildKit builds them: global `ARG`s (before the
//! first `FROM`) are the only variables a `FROM` sees; `FROM name` refers to
//! an earlier stage (case-insensitively) and inherits its `ENV` and `USER`;
//! `scratch` is no image. Only the final stage's user counts for
//! `runs_as_root`: its last `USER`, else the one of the stage it is built on,
//! and so on; none at all means root. A base image's own `USER` cannot be seen
//! from the file, so distroless `:nonroot` images need an explicit `USER` too.

use crate::commands::{self, Manager, ScriptFacts, Spot};
use crate::image::ImageRef;
use crate::instruction::{Heredoc, Instruction, Located, raw_words, unquote};
use crate::parse::Dockerfile;
use crate::report::{Report, Rule};
use crate::secret;
use crate::shell::{self, Command};
use crate::vars::{self, Vars};

/// Shells that run a here-document or `-c` script as shell code.
const SHELLS: [&str; 8] = ["sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "busybox"];

#[derive(Debug, Clone)]
enum Base {
    Scratch,
    Stage(usize),
    Image,
    Unresolved,
}

#[derive(Debug, Clone)]
struct User {
    text: String,
    line: usize,
    resolved: bool,
}

#[derive(Debug, Clone)]
struct Stage {
    name: Option<String>,
    base: Base,
    line: usize,
    user: Option<User>,
    /// `ENV` values: what a stage built on this one inherits.
    env: Vars,
    /// `ENV` and `ARG` values in scope.
    vars: Vars,
}

/// Judges one parsed Dockerfile at `path`.
pub fn judge(file: &Dockerfile, path: &str, report: &mut Report) {
    let malformed_before = report.malformed_hits;
    for problem in &file.problems {
        report.hit(Rule::Malformed, path, problem.line, problem.message.clone());
    }
    if let Some((syntax, line)) = &file.syntax
        && !official_frontend(syntax)
    {
        let message = format!(
            "`# syntax={}` selects a custom frontend; the file is judged as standard Dockerfile syntax",
            commands::shown(syntax)
        );
        report.hit(Rule::Note, path, *line, message);
    }
    let escape = file.escape;
    let mut globals = Vars::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ins in &file.instructions {
        match ins.keyword.as_str() {
            "FROM" => from(ins, path, escape, &globals, &mut stages, report),
            "ARG" => arg(ins, path, escape, &mut globals, stages.last_mut(), report),
            "ENV" => {
                if let Some(stage) = stages.last_mut() {
                    env(ins, path, escape, stage, report);
                }
            }
            "USER" => {
                let text = ins.rest().text.trim().to_owned();
                if text.is_empty() {
                    report.hit(
                        Rule::Malformed,
                        path,
                        ins.line,
                        "`USER` names no user".into(),
                    );
                } else if let Some(stage) = stages.last_mut() {
                    let word = vars::expand(&text, &stage.vars, escape);
                    stage.user = Some(User {
                        resolved: word.resolved(),
                        text: word.text,
                        line: ins.line,
                    });
                }
            }
            "ADD" => {
                let scope = stages.last().map(|s| &s.vars);
                add(ins, path, escape, scope, report);
                chmod_flag(ins, path, report);
            }
            "COPY" => chmod_flag(ins, path, report),
            "RUN" => run(ins, path, report),
            _ => {}
        }
    }
    final_user(&stages, path, report);
    if report.malformed_hits > malformed_before {
        report.malformed += 1;
    }
}

fn official_frontend(syntax: &str) -> bool {
    let name = syntax
        .trim_start_matches("docker.io/")
        .split(['@', ':'])
        .next()
        .unwrap_or_default();
    matches!(name, "docker/dockerfile" | "docker/dockerfile-upstream")
}

fn from(
    ins: &Instruction,
    path: &str,
    escape: char,
    globals: &Vars,
    stages: &mut Vec<Stage>,
    report: &mut Report,
) {
    report.stages += 1;
    let rest = ins.rest();
    let words = raw_words(&rest.text, escape);
    let image_raw = words.first().map_or("", |(_, w)| *w);
    let name = match (words.get(1), words.get(2)) {
        (Some((_, kw)), Some((_, name))) if kw.eq_ignore_ascii_case("as") => {
            Some(name.to_ascii_lowercase())
        }
        _ => None,
    };
    let word = vars::expand(image_raw, globals, escape);
    let base = if image_raw.is_empty() {
        report.hit(
            Rule::Malformed,
            path,
            ins.line,
            "`FROM` names no image".into(),
        );
        Base::Unresolved
    } else if !word.resolved() {
        let message = format!(
            "base `{}` depends on {} without a known value (a build argument or platform variable): its tag and digest cannot be checked, so it counts as unpinned",
            commands::shown(image_raw),
            unknown(&word.unresolved())
        );
        report.hit(Rule::UnpinnedBase, path, ins.line, message);
        Base::Unresolved
    } else if word.text.eq_ignore_ascii_case("scratch") {
        Base::Scratch
    } else if let Some(index) = stages
        .iter()
        .rposition(|s| s.name.as_deref() == Some(word.text.to_ascii_lowercase().as_str()))
    {
        Base::Stage(index)
    } else {
        image(&word.text, path, ins.line, report);
        Base::Image
    };
    let env = match base {
        Base::Stage(index) => stages.get(index).map(|s| s.env.clone()).unwrap_or_default(),
        _ => Vars::new(),
    };
    stages.push(Stage {
        name,
        base,
        line: ins.line,
        user: None,
        vars: env.clone(),
        env,
    });
}

/// The unresolved parts of a word, for a message.
fn unknown(names: &[String]) -> String {
    names
        .iter()
        .map(|n| {
            if n == "(too long)" {
                format!("a value longer than {} bytes", vars::MAX_VALUE_BYTES)
            } else {
                format!("`{}`", commands::shown(n))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn image(reference: &str, path: &str, line: usize, report: &mut Report) {
    report.image(reference);
    let parsed = ImageRef::parse(reference);
    let shown = commands::shown(reference);
    if !parsed.pinned() {
        let message = format!("base image `{shown}` is not pinned by an @sha256 digest");
        report.hit(Rule::UnpinnedBase, path, line, message);
    }
    if parsed.floating() {
        let what = match parsed.tag {
            Some(_) => "is tagged :latest",
            None => "has no tag (Docker pulls :latest)",
        };
        let message = format!("base image `{shown}` {what}");
        report.hit(Rule::LatestBase, path, line, message);
    }
}

/// `name=value` pairs of `text` as written (value quotes removed, not expanded)
/// and expanded; a word without `=` is a name without a value.
fn assignments(text: &str, escape: char, scope: &Vars) -> Vec<(String, Option<(String, String)>)> {
    raw_words(text, escape)
        .into_iter()
        .map(|(_, word)| match word.split_once('=') {
            Some((name, raw)) => {
                let expanded = vars::expand(raw, scope, escape).text;
                (name.to_owned(), Some((unquote(raw).to_owned(), expanded)))
            }
            None => (word.to_owned(), None),
        })
        .collect()
}

fn check_secret(
    keyword: &str,
    name: &str,
    raw: &str,
    path: &str,
    line: usize,
    report: &mut Report,
) {
    if let Some(fingerprint) = secret::judge(name, raw) {
        let message = format!(
            "{keyword} `{}` holds a secret-looking literal value (fingerprint `{fingerprint}`)",
            commands::shown(name)
        );
        report.hit(Rule::SecretEnv, path, line, message);
    }
}

fn arg(
    ins: &Instruction,
    path: &str,
    escape: char,
    globals: &mut Vars,
    stage: Option<&mut Stage>,
    report: &mut Report,
) {
    let rest = ins.rest();
    match stage {
        None => {
            for (name, value) in assignments(&rest.text, escape, globals) {
                if let Some((raw, _)) = &value {
                    check_secret("ARG", &name, raw, path, ins.line, report);
                }
                globals.set(&name, value.map(|(_, v)| v));
            }
        }
        Some(stage) => {
            for (name, value) in assignments(&rest.text, escape, &stage.vars) {
                let value = match value {
                    Some((raw, expanded)) => {
                        check_secret("ARG", &name, &raw, path, ins.line, report);
                        Some(expanded)
                    }
                    None => globals.get(&name).map(str::to_owned),
                };
                stage.vars.set(&name, value);
            }
        }
    }
}

fn env(ins: &Instruction, path: &str, escape: char, stage: &mut Stage, report: &mut Report) {
    let rest = ins.rest();
    let text = rest.text.trim();
    let words = raw_words(text, escape);
    let pairs = match words.first() {
        Some((_, first)) if !first.contains('=') => {
            // Legacy form: `ENV NAME value with spaces`.
            let value = text.get(first.len()..).unwrap_or_default().trim();
            let expanded = vars::expand(value, &stage.vars, escape).text;
            vec![(
                (*first).to_owned(),
                Some((unquote(value).to_owned(), expanded)),
            )]
        }
        _ => assignments(text, escape, &stage.vars),
    };
    for (name, value) in pairs {
        let Some((raw, expanded)) = value else {
            continue;
        };
        check_secret("ENV", &name, &raw, path, ins.line, report);
        stage.vars.set(&name, Some(expanded.clone()));
        stage.env.set(&name, Some(expanded));
    }
}

fn add(ins: &Instruction, path: &str, escape: char, scope: Option<&Vars>, report: &mut Report) {
    let (flags, _) = ins.flags();
    let verified = flags
        .iter()
        .any(|f| f.name == "checksum" && !f.value.is_empty());
    let empty = Vars::new();
    let scope = scope.unwrap_or(&empty);
    let sources: Vec<String> = match ins.json_form() {
        Some(mut argv) => {
            argv.pop();
            argv
        }
        None => {
            let rest = ins.rest();
            let mut words: Vec<String> = raw_words(&rest.text, escape)
                .into_iter()
                .map(|(_, w)| w.to_owned())
                .collect();
            words.pop();
            words
        }
    };
    let remote = sources
        .iter()
        .filter(|raw| !raw.starts_with("<<"))
        .map(|raw| vars::expand(raw, scope, escape).text)
        .find(|source| {
            let lower = source.to_ascii_lowercase();
            let http = lower.starts_with("http://") || lower.starts_with("https://");
            let git = lower.starts_with("git@")
                || lower.starts_with("git://")
                || lower.starts_with("ssh://");
            git || (http && !verified)
        });
    if let Some(source) = remote {
        let message = format!("`ADD` fetches `{}` at build time", commands::shown(&source));
        report.hit(Rule::RemoteAdd, path, ins.line, message);
    }
}

fn chmod_flag(ins: &Instruction, path: &str, report: &mut Report) {
    let (flags, _) = ins.flags();
    for flag in flags.iter().filter(|f| f.name == "chmod") {
        if commands::world_writable(&flag.value) {
            let message = format!(
                "`{} --chmod={}` makes the files world-writable",
                ins.keyword,
                commands::shown(&flag.value)
            );
            report.hit(Rule::WorldWritable, path, ins.line, message);
        }
    }
}

/// The cache mount targets of a `RUN` (`--mount=type=cache,target=/var/lib/apt`).
fn cache_targets(ins: &Instruction) -> Vec<String> {
    let (flags, _) = ins.flags();
    flags
        .iter()
        .filter(|f| f.name == "mount")
        .filter(|f| f.value.split(',').any(|kv| kv.trim() == "type=cache"))
        .flat_map(|f| {
            f.value
                .split(',')
                .filter_map(|kv| kv.trim().split_once('='))
                .filter(|(k, _)| matches!(*k, "target" | "dst" | "destination"))
                .map(|(_, v)| v.trim_end_matches('/').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn is_marker(word: &str) -> bool {
    word.trim_start_matches(|c: char| c.is_ascii_digit())
        .starts_with("<<")
}

/// Whether a `RUN` here-document is shell code: the `RUN` has no command but
/// here-documents (`RUN <<EOF`), or its command is a shell (`RUN bash -e <<EOF`);
/// a shebang line decides for itself. Otherwise it is data (`RUN cat <<EOF > f`).
fn heredoc_is_script(commands: &[Command], heredoc: &Heredoc) -> bool {
    if let Some(shebang) = heredoc
        .body
        .text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
    {
        return shebang
            .split_whitespace()
            .map(shell::basename)
            .any(|w| SHELLS.contains(&w.as_str()));
    }
    // The first word that is not a marker names the command: `RUN <<EOF bash -e`.
    let first = commands
        .iter()
        .flat_map(|c| c.argv())
        .find(|w| !is_marker(&w.text));
    match first {
        None => true,
        Some(word) => SHELLS.contains(&shell::basename(&word.text).as_str()),
    }
}

/// Judges one `RUN`: its script (shell or exec form) and the here-documents it
/// runs as shell code. Hits are located as each part is analysed; the installs
/// of all parts are then judged together, since cleanup may sit in any of them.
fn run(ins: &Instruction, path: &str, report: &mut Report) {
    let mut spots: Vec<(Rule, usize, String)> = Vec::new();
    let mut facts = ScriptFacts::default();
    let mut collect =
        |script_facts: ScriptFacts, located: Option<&Located>, facts: &mut ScriptFacts| {
            let line = |spot: &Spot| located.map_or(ins.line, |l| l.line_at(spot.at));
            for spot in &script_facts.remote_code {
                spots.push((
                    Rule::CurlPipeShell,
                    line(spot),
                    format!("{} at build time", spot.what),
                ));
            }
            for spot in &script_facts.world_writable {
                spots.push((
                    Rule::WorldWritable,
                    line(spot),
                    format!("{} makes files world-writable", spot.what),
                ));
            }
            // The parts have offsets of their own: from here on an install's
            // `at` is the line it is on, which is all `hygiene` reports.
            let mut located_facts = script_facts;
            for install in &mut located_facts.installs {
                install.spot.at = line(&install.spot);
            }
            facts.merge(located_facts, 0);
        };
    match ins.json_form() {
        Some(argv) => {
            let shell = argv
                .first()
                .is_some_and(|a| SHELLS.contains(&shell::basename(a).as_str()));
            let dash_c = argv.iter().position(|a| a == "-c");
            let script = match (shell, dash_c) {
                (true, Some(i)) => argv.get(i + 1).cloned().unwrap_or_default(),
                _ => argv.join(" "),
            };
            collect(commands::analyze(&script), None, &mut facts);
        }
        None => {
            let rest = ins.rest();
            collect(commands::analyze(&rest.text), Some(&rest), &mut facts);
            let command_list: Vec<Command> =
                shell::pipelines(&rest.text).into_iter().flatten().collect();
            for heredoc in &ins.heredocs {
                if heredoc_is_script(&command_list, heredoc) {
                    collect(
                        commands::analyze(&heredoc.body.text),
                        Some(&heredoc.body),
                        &mut facts,
                    );
                }
            }
        }
    }
    for (rule, line, message) in spots {
        report.hit(rule, path, line, message);
    }
    hygiene(ins, &facts, path, report);
}

/// Package installs without their cleanup in the same `RUN` (installs' `at` are lines here).
fn hygiene(ins: &Instruction, facts: &ScriptFacts, path: &str, report: &mut Report) {
    let caches = cache_targets(ins);
    let cached = |prefixes: &[&str]| {
        caches
            .iter()
            .any(|t| prefixes.iter().any(|p| t.starts_with(p)))
    };
    for install in &facts.installs {
        let mut missing = Vec::new();
        match install.manager {
            Manager::Apt => {
                if !install.no_recommends {
                    missing.push("without `--no-install-recommends`");
                }
                if !facts.apt_lists_removed && !cached(&["/var/lib/apt"]) {
                    missing.push("without `rm -rf /var/lib/apt/lists/*` in the same RUN");
                }
            }
            Manager::Apk => {
                if !install.no_cache
                    && !facts.apk_cache_removed
                    && !cached(&["/var/cache/apk", "/etc/apk/cache"])
                {
                    missing.push("without `--no-cache`");
                }
            }
            Manager::Rpm => {
                if !facts.rpm_cleaned
                    && !cached(&["/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"])
                {
                    missing.push("without `clean all` in the same RUN");
                }
            }
        }
        if !missing.is_empty() {
            let message = format!("{} runs {}", install.spot.what, missing.join(" and "));
            report.hit(Rule::PackageHygiene, path, install.spot.at, message);
        }
    }
}

fn is_root(user: &str) -> bool {
    let name = user.trim().split(':').next().unwrap_or_default();
    name == "root"
        || name.eq_ignore_ascii_case("containeradministrator")
        || (!name.is_empty()
            && name.chars().all(|c| c.is_ascii_digit())
            && name.trim_start_matches('0').is_empty())
}

fn final_user(stages: &[Stage], path: &str, report: &mut Report) {
    let Some(last) = stages.last() else { return };
    let mut stage = last;
    let mut inherited_from = None;
    let user = loop {
        if let Some(user) = &stage.user {
            break Some(user);
        }
        match stage.base {
            Base::Stage(index) => match stages.get(index) {
                Some(parent) => {
                    inherited_from = Some(parent);
                    stage = parent;
                }
                None => break None,
            },
            Base::Scratch | Base::Image | Base::Unresolved => break None,
        }
    };
    let via = inherited_from
        .and_then(|s| s.name.as_deref())
        .map(|n| format!(" (inherited from stage `{}`)", commands::shown(n)))
        .unwrap_or_default();
    match user {
        None => {
            let message = format!(
                "the final stage (FROM at line {}) sets no USER{}: the image runs as root",
                last.line,
                if via.is_empty() {
                    String::new()
                } else {
                    format!(" and neither does the stage it is built on{via}")
                }
            );
            report.hit(Rule::RunsAsRoot, path, last.line, message);
        }
        Some(user) if !user.resolved => {
            let message = format!(
                "the final stage's USER `{}`{via} comes from a variable without a known value; not counted as root",
                commands::shown(&user.text)
            );
            report.hit(Rule::Note, path, user.line, message);
        }
        Some(user) if is_root(&user.text) => {
            let message = format!(
                "the final stage runs as `USER {}`{via}",
                commands::shown(&user.text)
            );
            report.hit(Rule::RunsAsRoot, path, user.line, message);
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests;
