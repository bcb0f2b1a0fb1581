//! Command-line arguments and the subcommands. Arguments become a checked
//! configuration before any work starts.

mod check;
mod validate;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use stagegate::config::GateConfig;

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
    Check(check::CheckArgs),
    /// Check the configuration, plugins and policies without a bundle.
    Validate(validate::ValidateArgs),
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
    /// Directory for the compiled-plugin cache [default: $STAGEGATE_CACHE_DIR, else the user cache dir].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Compile plugins without the on-disk cache.
    #[arg(long)]
    no_cache: bool,
}

impl GateOptions {
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

    fn cache_dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        if let Some(dir) = &self.cache_dir {
            return Some(dir.clone());
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("STAGEGATE_CACHE_DIR")
            .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("stagegate")))
            .or_else(|| env("HOME").map(|d| d.join(".cache").join("stagegate")))
    }
}

/// Runs the parsed command and returns the exit code.
pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Check(args) => check::run(args),
        Command::Validate(args) => validate::run(args),
    }
}
