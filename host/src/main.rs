//! The `stagegate` command: parse arguments, run, print the error chain, exit.
//!
//! A panic anywhere (a bug of the gate) must not become an exit code that a
//! pipeline could read as anything but "cannot decide": it is caught, printed
//! as one redacted line, and the process exits 2.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use stagegate::report::text;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = stagegate::gate::panic_message(info.payload());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error{location}: {}; the gate cannot decide",
            text::line(&message)
        );
    }));
    let args = cli::Args::parse();
    match std::panic::catch_unwind(|| cli::run(args)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            eprintln!("error: {}", text::line(&describe(&error)));
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

/// The error and its causes. A cause that the message already ends with (an
/// error that quotes its source) is not said twice.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
