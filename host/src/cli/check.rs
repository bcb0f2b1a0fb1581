//! `stagegate check`: run the gate on a bundle and exit with its decision.

use std::io::Write;
use std::path::PathBuf;

use stagegate::decision::Change;
use stagegate::{gate, report};

use super::{Format, GateOptions};

/// Arguments of `stagegate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The bundle directory: test results, scanner outputs, plans, configuration.
    bundle: PathBuf,
    /// Target stage.
    #[arg(long)]
    to: String,
    /// Source stage [default: the stage before --to].
    #[arg(long)]
    from: Option<String>,
    /// Print what the gate would decide and exit 0 whether allowed or denied
    /// (still 2 when it cannot decide).
    #[arg(long)]
    dry_run: bool,
    /// Also run this unpinned component, in place of the configured plugin of
    /// the name it reports (keeping that plugin's limits and configuration).
    /// Repeatable; only with --dry-run, so a pipeline never runs unpinned code.
    #[arg(long, value_name = "FILE.wasm", requires = "dry_run")]
    plugin: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// For each policy that decided: the facts it reads, the findings behind
    /// them, and what would make it pass.
    #[arg(long)]
    explain: bool,
    /// Commit being promoted [default: from CI variables such as GITHUB_SHA, CI_COMMIT_SHA].
    #[arg(long)]
    commit: Option<String>,
    /// Branch [default: from CI variables such as GITHUB_REF_NAME, CI_COMMIT_REF_NAME].
    #[arg(long)]
    branch: Option<String>,
    /// Author [default: from CI variables such as GITHUB_ACTOR, GITLAB_USER_LOGIN].
    #[arg(long)]
    author: Option<String>,
    #[command(flatten)]
    gate: GateOptions,
}

/// Runs the check.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let config = args.gate.load_config()?;
    let change = Change {
        commit: args.commit.unwrap_or_else(|| {
            from_env(&[
                "GITHUB_SHA",
                "CI_COMMIT_SHA",
                "GIT_COMMIT",
                "BUILD_SOURCEVERSION",
            ])
        }),
        branch: args.branch.unwrap_or_else(|| {
            from_env(&[
                "GITHUB_HEAD_REF",
                "GITHUB_REF_NAME",
                "CI_COMMIT_REF_NAME",
                "GIT_BRANCH",
                "BUILD_SOURCEBRANCHNAME",
            ])
        }),
        author: args.author.unwrap_or_else(|| {
            from_env(&[
                "GITHUB_ACTOR",
                "GITLAB_USER_LOGIN",
                "CHANGE_AUTHOR",
                "BUILD_REQUESTEDFOR",
            ])
        }),
    };
    let request = gate::GateRequest {
        bundle: args.bundle,
        to: args.to,
        from: args.from,
        change,
        cache: args.gate.cache()?,
        local_plugins: args.plugin,
        today: args.gate.today(),
        explain: args.explain,
    };
    let outcome = gate::run(&config, &request);
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        Format::Human => report::human::render(&outcome, args.dry_run, &mut stdout),
        Format::Json => report::json::render(&outcome, args.dry_run, &mut stdout),
    };
    // A closed pipe (`| head`) must not turn a decision into a different exit.
    let _ = written.and_then(|()| stdout.flush());
    Ok(report::exit_code(&outcome, args.dry_run))
}

/// The first non-empty variable of `names`, or empty.
fn from_env(names: &[&str]) -> String {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
}
