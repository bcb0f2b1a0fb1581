//! `stagegate validate`: load the configuration, every plugin and every
//! policy, strictly, without a bundle.

use std::io::Write as _;

use stagegate::gate;
use stagegate::report::text::{Part, Writer};

use super::GateOptions;

/// Arguments of `stagegate validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Also prove, with Cedar's symbolic compiler and the cvc5 solver, which
    /// policies can never fire and which are shadowed by another.
    #[arg(long)]
    symbolic: bool,
    #[command(flatten)]
    gate: GateOptions,
}

/// Runs the validation; prints a summary on success.
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let config = args.gate.load_config()?;
    let gate::Prepared {
        plugins, policies, ..
    } = gate::prepare(&config, args.gate.cache()?, &[], args.gate.today())
        .map_err(anyhow::Error::msg)?;
    let mut warnings = policies.all_warnings(args.gate.today());
    if args.symbolic {
        warnings.extend(policies.symbolic_warnings()?);
    }
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut w = Writer::new(&mut stdout);
    w.line(&[Part::Lit("stagegate: configuration is valid")])?;
    w.line(&[
        Part::Lit("  stages: "),
        Part::Text(&config.stages.join(" → ")),
    ])?;
    for plugin in &plugins {
        w.line(&[
            Part::Lit("  plugin "),
            Part::Text(&plugin.meta.name),
            Part::Lit(" "),
            Part::Text(&plugin.meta.version),
            Part::Lit(" ("),
            Part::Num(plugin.meta.facts.len() as u128),
            Part::Lit(" facts, sha256:"),
            Part::Text(plugin.sha256.get(..12).unwrap_or(&plugin.sha256)),
            Part::Lit(", "),
            Part::Text(&plugin.origin),
            Part::Lit(")"),
        ])?;
    }
    w.line(&[
        Part::Lit("  policies: "),
        Part::Num(policies.count as u128),
        Part::Lit(" (sha256:"),
        Part::Text(policies.digest.get(..12).unwrap_or("")),
        Part::Lit(")"),
    ])?;
    for warning in warnings {
        w.line(&[Part::Lit("  warning: "), Part::Text(&warning)])?;
    }
    stdout.flush()?;
    Ok(0)
}
