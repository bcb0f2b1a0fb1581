//! `stagegate plugin …`: tools for plugin authors.

use std::io::Write as _;

use anyhow::Context as _;
use sha2::Digest as _;
use std::path::PathBuf;

use stagegate::plugin::Runtime;
use stagegate::report;
use stagegate::report::text::{Part, Writer};

use super::Format;
use super::scaffold::{self, Lang};
use super::toolchain;

/// Subcommands of `stagegate plugin`.
#[derive(Debug, clap::Subcommand)]
pub enum PluginCommand {
    /// Show what a component declares, what it imports and what the sandbox
    /// does with each import, and whether `check` would run it.
    ///
    /// Exit codes: 0 check would run it, 1 check would refuse it, 2 the file
    /// cannot be read.
    Inspect(InspectArgs),
    /// Write a small, buildable plugin project: a real example (licences of
    /// a CycloneDX SBOM against an allow-list), its unit test, a sample
    /// bundle, a policy and a stagegate.toml.
    New(NewArgs),
    /// Build the plugin project in DIR with its language's pinned toolchain,
    /// check the component as `check` would, and print how to pin it.
    Build(BuildArgs),
    /// Precompile a component for this host, so that a fresh machine loads
    /// its native code instead of compiling it. Pin the artifact in
    /// stagegate.toml next to the component (`precompiled`,
    /// `precompiled_sha256`); on another engine or CPU the gate compiles the
    /// component instead, and says so.
    Compile(CompileArgs),
}

/// Arguments of `stagegate plugin compile`.
#[derive(Debug, clap::Args)]
pub struct CompileArgs {
    /// The component (`.wasm`).
    file: PathBuf,
    /// Where to write the artifact; an existing file is never replaced.
    #[arg(short, long, value_name = "FILE.cwasm")]
    output: PathBuf,
}

/// Arguments of `stagegate plugin new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The plugin's name: `context.<NAME>` in policies ([a-z][a-z0-9_]*).
    name: String,
    /// The language.
    #[arg(long, value_enum)]
    lang: Lang,
    /// Where to write it [default: ./NAME]; must not exist or be empty.
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Arguments of `stagegate plugin build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The project [default: the current directory].
    #[arg(default_value = ".")]
    dir: PathBuf,
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
        PluginCommand::New(args) => new(&args),
        PluginCommand::Build(args) => build(&args),
        PluginCommand::Compile(args) => compile(&args),
    }
}

fn compile(args: &CompileArgs) -> anyhow::Result<u8> {
    let runtime = Runtime::new(None)?;
    // Compiled once, and checked as `check` would: only a component the gate would run.
    let artifact = runtime.precompile(&args.file)?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&args.output)
        .with_context(|| format!("cannot create `{}`", args.output.display()))?;
    file.write_all(&artifact)
        .with_context(|| format!("cannot write `{}`", args.output.display()))?;
    let sha256 = stagegate::kinds::hex(&sha2::Sha256::digest(&artifact));
    let output = toml::Value::String(args.output.display().to_string()).to_string();
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    w.line(&[
        Part::Lit("wrote "),
        Part::Text(&args.output.display().to_string()),
        Part::Lit(" ("),
        Part::Num(artifact.len() as u128),
        Part::Lit(" bytes) for "),
        Part::Text(&args.file.display().to_string()),
    ])?;
    w.line(&[Part::Lit("add to its [plugins.NAME] table:")])?;
    w.line(&[Part::Lit("  precompiled = "), Part::Text(&output)])?;
    w.line(&[
        Part::Lit("  precompiled_sha256 = \""),
        Part::Text(&sha256),
        Part::Lit("\""),
    ])?;
    stdout.flush()?;
    Ok(0)
}

fn new(args: &NewArgs) -> anyhow::Result<u8> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    let written = scaffold::new(&args.name, args.lang, &dir)?;
    let shown = dir.display().to_string();
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    w.line(&[
        Part::Lit("wrote "),
        Part::Num(written.len() as u128),
        Part::Lit(" files into "),
        Part::Text(&shown),
    ])?;
    for file in written {
        w.line(&[Part::Lit("  "), Part::Lit(file)])?;
    }
    w.line(&[
        Part::Lit("next: cd "),
        Part::Text(&shown),
        Part::Lit(" && stagegate plugin build"),
    ])?;
    stdout.flush()?;
    Ok(0)
}

fn build(args: &BuildArgs) -> anyhow::Result<u8> {
    let lang = scaffold::detect(&args.dir)?;
    let wasm = toolchain::build(&args.dir, lang)?;
    let runtime = Runtime::new(None)?;
    let inspection = runtime.inspect(&wasm)?;
    // The path as the project's stagegate.toml names it, when it is inside.
    let base = std::fs::canonicalize(&args.dir).unwrap_or_else(|_| args.dir.clone());
    let full = std::fs::canonicalize(&wasm).unwrap_or_else(|_| wasm.clone());
    let relative = full
        .strip_prefix(&base)
        .map_or_else(|_| full.display().to_string(), |p| p.display().to_string());
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    w.line(&[
        Part::Lit("component: "),
        Part::Text(&full.display().to_string()),
    ])?;
    w.line(&[Part::Lit("sha256:    "), Part::Text(&inspection.sha256)])?;
    w.line(&[
        Part::Lit("size:      "),
        Part::Num(u128::from(inspection.size)),
        Part::Lit(" bytes"),
    ])?;
    let code = match &inspection.loaded {
        Ok(meta) => {
            w.line(&[Part::Lit(
                "to pin it (paths in stagegate.toml are relative to that file):",
            )])?;
            for line in report::inspect::pin(&meta.name, &relative, &inspection.sha256).lines() {
                w.line(&[Part::Lit("  "), Part::Text(line)])?;
            }
            0
        }
        Err(problem) => {
            w.line(&[Part::Lit("check would refuse it:")])?;
            w.line(&[Part::Lit("  - "), Part::Text(problem)])?;
            1
        }
    };
    stdout.flush()?;
    Ok(code)
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
