//! `stagegate plugin …`: tools for plugin authors.

use std::io::Write as _;
use std::path::PathBuf;

use stagegate::plugin::Runtime;
use stagegate::report;

use super::Format;

/// Subcommands of `stagegate plugin`.
#[derive(Debug, clap::Subcommand)]
pub enum PluginCommand {
    /// Show what a component declares, what it imports and what the sandbox
    /// does with each import, and whether `check` would run it.
    ///
    /// Exit codes: 0 check would run it, 1 check would refuse it, 2 the file
    /// cannot be read.
    Inspect(InspectArgs),
}

/// Arguments of `stagegate plugin inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The component (`.wasm`).
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// Runs a `plugin` subcommand.
pub fn run(command: PluginCommand) -> anyhow::Result<u8> {
    match command {
        PluginCommand::Inspect(args) => inspect(&args),
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<u8> {
    let runtime = Runtime::new(None)?;
    let inspection = runtime.inspect(&args.file)?;
    let file = args.file.display().to_string();
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        Format::Human => report::inspect::human(&inspection, &file, &mut stdout),
        Format::Json => report::inspect::json(&inspection, &file, &mut stdout),
    };
    let _ = written.and_then(|()| stdout.flush());
    Ok(if inspection.loaded.is_ok() { 0 } else { 1 })
}
