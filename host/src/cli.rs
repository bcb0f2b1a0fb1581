//! Command-line arguments and the subcommands. Arguments become a checked
//! configuration before any work starts.

mod attest;
mod check;
mod ci_env;
mod fmt;
mod log;
mod plugin;
mod progress;
mod scaffold;
mod test;
mod toolchain;
mod validate;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use stagegate::config::GateConfig;
use stagegate::plugin::CodeCache;

/// stagegate: a policy-as-code quality gate between CI/CD pipeline stages.
///
/// Exit codes: 0 promotion allowed, 1 denied, 2 the gate cannot decide
/// (bad input, a failing plugin, invalid policies). Both 1 and 2 block.
#[derive(Debug, Parser)]
#[command(name = "stagegate", version, about, long_about)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide whether the change in BUNDLE may be promoted.
    Check(Box<check::CheckArgs>),
    /// Check the configuration, plugins and policies without a bundle.
    Validate(validate::ValidateArgs),
    /// Run policy test cases (`*.case.toml`) through the real gate.
    Test(test::TestArgs),
    /// Format Cedar policy files (`--check`: list those that would change).
    Fmt(fmt::FmtArgs),
    /// Work on decision attestations: verify one.
    #[command(subcommand)]
    Attest(attest::AttestCommand),
    /// Work on decision logs: verify their hash chain.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// Work on plugins: scaffold, build and inspect them.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one screen.
    Human,
    /// One JSON object with stable keys.
    Json,
}

/// Options shared by every subcommand that loads the gate.
#[derive(Debug, clap::Args)]
pub struct GateOptions {
    /// Configuration file [default: ./stagegate.toml if present, else built-in defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for configured plugins' compiled code [default: $STAGEGATE_CACHE_DIR, else the user cache dir].
    /// Entries are authenticated with a key kept outside it: $STAGEGATE_CACHE_KEY, else the file
    /// $STAGEGATE_CACHE_KEY_FILE, else ~/.config/stagegate/cache-key (created when missing).
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Compile configured plugins without the on-disk cache.
    #[arg(long)]
    no_cache: bool,
    /// The day waivers are judged on, for tests and replays [default: today, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    today: Option<chrono::NaiveDate>,
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| format!("`{text}` is not a date YYYY-MM-DD: {e}"))
}

impl GateOptions {
    /// The day of the decision.
    fn today(&self) -> chrono::NaiveDate {
        self.today.unwrap_or_else(stagegate::gate::today_utc)
    }

    fn load_config(&self) -> anyhow::Result<GateConfig> {
        match &self.config {
            Some(path) => Ok(GateConfig::load(path)?),
            None => {
                let local = Path::new("stagegate.toml");
                if local.is_file() {
                    GateConfig::load(local).context("loading ./stagegate.toml")
                } else {
                    Ok(GateConfig::defaults())
                }
            }
        }
    }

    /// The compiled-code cache, with its key, or `None` when caching is off
    /// or there is nowhere to keep it.
    fn cache(&self) -> anyhow::Result<Option<CodeCache>> {
        if self.no_cache {
            return Ok(None);
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dir = self
            .cache_dir
            .clone()
            .or_else(|| env("STAGEGATE_CACHE_DIR"))
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("stagegate")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("stagegate")));
        let Some(dir) = dir else { return Ok(None) };
        if let Some(key) = std::env::var_os("STAGEGATE_CACHE_KEY").filter(|k| !k.is_empty()) {
            let key = key.into_encoded_bytes();
            return Ok(Some(
                CodeCache::new(&dir, &key).context("$STAGEGATE_CACHE_KEY")?,
            ));
        }
        let key_file = env("STAGEGATE_CACHE_KEY_FILE")
            .or_else(|| env("XDG_CONFIG_HOME").map(|d| d.join("stagegate").join("cache-key")))
            .or_else(|| env("HOME").map(|d| d.join(".config").join("stagegate").join("cache-key")));
        match key_file {
            Some(key_file) => Ok(Some(CodeCache::with_key_file(&dir, &key_file)?)),
            None => Ok(None),
        }
    }
}

/// Runs the parsed command and returns the exit code.
pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Check(args) => check::run(*args),
        Command::Validate(args) => validate::run(args),
        Command::Test(args) => test::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Log(command) => log::run(command),
        Command::Attest(command) => attest::run(command),
        Command::Plugin(command) => plugin::run(command),
    }
}
