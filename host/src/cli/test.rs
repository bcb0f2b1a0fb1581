//! `stagegate test`: run policy test cases (`*.case.toml`) through the real
//! gate and report which held, which failed, and which policies no case
//! exercised.

use std::io::Write as _;
use std::path::PathBuf;

use stagegate::report;
use stagegate::suite::{self, SuiteOptions};

use super::GateOptions;

/// Output formats of `stagegate test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// One line per case, then `N passed, M failed`.
    Human,
    /// One JSON object.
    Json,
    /// JUnit XML, for CI test-report views.
    Junit,
}

/// Arguments of `stagegate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// Case files, or directories searched recursively for `*.case.toml`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Fail (exit 1) when a policy was decisive in no case.
    #[arg(long)]
    require_coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// The configuration of cases that name none, and the cache and day of all.
    #[command(flatten)]
    gate: GateOptions,
}

/// Runs the cases: exit 0 all held, 1 a case failed, 2 no cases or an invalid one.
pub fn run(args: TestArgs) -> anyhow::Result<u8> {
    let files = suite::discover(&args.paths)?;
    let options = SuiteOptions {
        config: args.gate.load_config()?,
        cache: args.gate.cache()?,
        today: args.gate.today(),
    };
    let results = suite::run(&files, &options);
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let written = match args.format {
        TestFormat::Human => report::suite::human(&results, args.require_coverage, &mut stdout),
        TestFormat::Json => report::suite::json(&results, args.require_coverage, &mut stdout),
        TestFormat::Junit => report::suite::junit(&results, args.require_coverage, &mut stdout),
    };
    let _ = written.and_then(|()| stdout.flush());
    Ok(report::suite::exit_code(&results, args.require_coverage))
}
