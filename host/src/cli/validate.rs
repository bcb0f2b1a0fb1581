//! `stagegate validate`: load the configuration, every plugin and every
//! policy, strictly, without a bundle.

use stagegate::gate;

use super::GateOptions;

/// Arguments of `stagegate validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    gate: GateOptions,
}

/// Runs the validation; prints a summary on success.
pub fn run(args: ValidateArgs) -> anyhow::Result<u8> {
    let config = args.gate.load_config()?;
    let (_runtime, plugins, policies) =
        gate::prepare(&config, args.gate.cache()?).map_err(anyhow::Error::msg)?;
    println!("stagegate: configuration is valid");
    println!("  stages: {}", config.stages.join(" → "));
    for plugin in &plugins {
        println!(
            "  plugin {} {} ({} facts, sha256:{}, {})",
            plugin.meta.name,
            plugin.meta.version,
            plugin.meta.facts.len(),
            plugin.sha256.get(..12).unwrap_or(&plugin.sha256),
            plugin.origin
        );
    }
    println!(
        "  policies: {} (sha256:{})",
        policies.count,
        policies.digest.get(..12).unwrap_or("")
    );
    Ok(0)
}
