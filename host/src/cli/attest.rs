//! `stagegate attest verify`: check a decision attestation's signature, its
//! statement and, given a bundle, its subjects.

use std::path::PathBuf;

use anyhow::Context as _;
use serde_json::Value;
use stagegate::attestation;
use stagegate::report::text::{Part, Writer};
use stagegate_attest::VerifyingKey;

/// Work on decision attestations.
#[derive(Debug, clap::Subcommand)]
pub enum AttestCommand {
    /// Verify an attestation written by `check --attest`. Exit 0 when it
    /// holds, 1 when it does not (bad signature, untrusted key, not a
    /// stagegate decision, a changed or missing artifact), 2 on bad input.
    Verify(VerifyArgs),
}

/// Arguments of `stagegate attest verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The attestation (a DSSE envelope, JSON).
    path: PathBuf,
    /// A trusted public key (PEM); repeatable: any one of them may have signed.
    #[arg(long, value_name = "PUBKEY", required = true)]
    key: Vec<PathBuf>,
    /// Also check that every attested artifact is in this bundle, unchanged.
    #[arg(long, value_name = "DIR")]
    bundle: Option<PathBuf>,
}

/// Runs an attest command.
pub fn run(command: AttestCommand) -> anyhow::Result<u8> {
    let AttestCommand::Verify(args) = command;
    let keys = args
        .key
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--key {}: cannot read", path.display()))?;
            VerifyingKey::from_pem(&text).with_context(|| format!("--key {}", path.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let envelope = std::fs::read(&args.path)
        .with_context(|| format!("{}: cannot read", args.path.display()))?;
    let shown = args.path.display().to_string();
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    let verified = match stagegate_attest::verify(&envelope, &keys) {
        Ok(v) => v,
        Err(e) => {
            w.line(&[
                Part::Text(&shown),
                Part::Lit(": NOT VERIFIED: "),
                Part::Text(&e.to_string()),
            ])?;
            return Ok(1);
        }
    };
    let statement = &verified.statement;
    if statement.predicate_type != stagegate_attest::PREDICATE_TYPE {
        w.line(&[
            Part::Text(&shown),
            Part::Lit(": signed, but not a stagegate decision: predicate type "),
            Part::Text(&statement.predicate_type),
        ])?;
        return Ok(1);
    }
    let p = &statement.predicate;
    let field = |path: &[&str]| -> String {
        let mut v = p;
        for key in path {
            v = v.get(key).unwrap_or(&Value::Null);
        }
        v.as_str().map(str::to_owned).unwrap_or_default()
    };
    w.line(&[
        Part::Text(&shown),
        Part::Lit(": verified, signed by "),
        Part::Text(&verified.keyid),
    ])?;
    w.line(&[
        Part::Lit("  decision "),
        Part::Text(&field(&["decision"])),
        Part::Lit(" for "),
        Part::Text(&field(&["from"])),
        Part::Lit(" → "),
        Part::Text(&field(&["to"])),
        Part::Lit(" at "),
        Part::Text(&field(&["time"])),
    ])?;
    w.line(&[
        Part::Lit("  commit "),
        Part::Text(&field(&["change", "commit"])),
        Part::Lit(" branch "),
        Part::Text(&field(&["change", "branch"])),
        Part::Lit(" run "),
        Part::Text(&field(&["change", "run_url"])),
    ])?;
    let subjects = statement.subjects.len().saturating_sub(1) as u128;
    w.line(&[
        Part::Lit("  "),
        Part::Num(subjects),
        Part::Lit(" artifact subject(s)"),
    ])?;
    let Some(dir) = &args.bundle else {
        return Ok(0);
    };
    let check = attestation::check_subjects(statement, dir)?;
    for (path, want, found) in &check.changed {
        w.line(&[
            Part::Lit("  CHANGED "),
            Part::Text(path),
            Part::Lit(": attested sha256:"),
            Part::Text(want),
            Part::Lit(", found sha256:"),
            Part::Text(found),
        ])?;
    }
    for path in &check.missing {
        w.line(&[Part::Lit("  MISSING "), Part::Text(path)])?;
    }
    for path in &check.unattested {
        w.line(&[Part::Lit("  not attested: "), Part::Text(path)])?;
    }
    w.line(&[
        Part::Lit("  bundle: "),
        Part::Num(check.matched.len() as u128),
        Part::Lit(" of "),
        Part::Num(subjects),
        Part::Lit(" attested artifact(s) present and unchanged"),
    ])?;
    Ok(if check.holds() { 0 } else { 1 })
}
