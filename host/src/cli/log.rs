//! `stagegate log verify`: check a decision log's hash chain.

use std::path::PathBuf;

use stagegate::log::{self, Verdict};
use stagegate::report::text::{Part, Writer};

/// Work on decision logs.
#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Check that no line of the log was edited, removed, reordered or
    /// inserted; print its head hash. Exit 1 at the first bad line.
    Verify(VerifyArgs),
}

/// Arguments of `stagegate log verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The decision log (JSON lines).
    path: PathBuf,
    /// A head hash kept from an earlier verify: exit 1 unless a line with
    /// this hash is still in the log (catches lines cut from the end).
    #[arg(long, value_name = "sha256:HEX")]
    head: Option<String>,
}

/// Runs a log command.
pub fn run(command: LogCommand) -> anyhow::Result<u8> {
    let LogCommand::Verify(args) = command;
    let verdict = log::verify(&args.path, args.head.as_deref())?;
    let shown = args.path.display().to_string();
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    let code = match &verdict {
        Verdict::Broken { line, why, intact } => {
            w.line(&[
                Part::Text(&shown),
                Part::Lit(": line "),
                Part::Num(u128::from(*line)),
                Part::Lit(": "),
                Part::Text(why),
            ])?;
            w.line(&[
                Part::Lit("records 1 to "),
                Part::Num(u128::from(*intact)),
                Part::Lit(" are known intact; trust nothing from line "),
                Part::Num(u128::from((*intact).saturating_add(1))),
                Part::Lit(" on"),
            ])?;
            1
        }
        Verdict::Intact {
            records,
            head,
            anchored,
        } => {
            w.line(&[
                Part::Text(&shown),
                Part::Lit(": "),
                Part::Num(u128::from(*records)),
                Part::Lit(" record(s), chain intact"),
            ])?;
            w.line(&[
                Part::Lit("head "),
                Part::Text(head.as_deref().unwrap_or("none (empty log)")),
            ])?;
            match anchored {
                Some(false) => {
                    w.line(&[
                        Part::Lit("the expected head "),
                        Part::Text(args.head.as_deref().unwrap_or_default()),
                        Part::Lit(" is not in the log: records were cut from its end, or it is another log"),
                    ])?;
                    1
                }
                Some(true) => {
                    w.line(&[Part::Lit("the expected head is in the log")])?;
                    0
                }
                None => 0,
            }
        }
    };
    Ok(code)
}
