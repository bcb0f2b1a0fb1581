//! `stagegate fmt`: format Cedar policy files in place, or with `--check`
//! list those that would change and exit 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use stagegate::config::PolicySource;
use stagegate::decision::format::format;
use stagegate::report::text::{Part, Writer};

use super::GateOptions;

/// Arguments of `stagegate fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Policy files or directories of `*.cedar` files [default: the configured policy directory].
    paths: Vec<PathBuf>,
    /// Change nothing: list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    gate: GateOptions,
}

fn cedar_files(path: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !path.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    let entries =
        std::fs::read_dir(path).with_context(|| format!("cannot list `{}`", path.display()))?;
    for entry in entries {
        let file = entry
            .with_context(|| format!("cannot list `{}`", path.display()))?
            .path();
        if file.extension().is_some_and(|e| e == "cedar") && file.is_file() {
            out.push(file);
        }
    }
    Ok(())
}

/// Formats the files; exit 0, or 1 with `--check` when one would change.
pub fn run(args: FmtArgs) -> anyhow::Result<u8> {
    let paths = if args.paths.is_empty() {
        match args.gate.load_config()?.policies {
            PolicySource::Dir(dir) => vec![dir],
            PolicySource::Builtin => anyhow::bail!(
                "the configuration uses the built-in policies: name the policy files or directories to format"
            ),
        }
    } else {
        args.paths
    };
    let mut files = Vec::new();
    for path in &paths {
        cedar_files(path, &mut files)?;
    }
    files.sort();
    files.dedup();
    if files.is_empty() {
        anyhow::bail!(
            "no `.cedar` files in {}",
            paths
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut stdout = std::io::stdout().lock();
    let mut w = Writer::new(&mut stdout);
    let mut unformatted = 0usize;
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        let formatted =
            format(&text).with_context(|| format!("policy file `{}`", file.display()))?;
        if formatted == text {
            continue;
        }
        unformatted += 1;
        let shown = file.display().to_string();
        if args.check {
            w.line(&[Part::Lit("would reformat "), Part::Text(&shown)])?;
        } else {
            write_beside(file, &formatted)?;
            w.line(&[Part::Lit("formatted "), Part::Text(&shown)])?;
        }
    }
    stdout.flush()?;
    Ok(u8::from(args.check && unformatted > 0))
}

/// Replaces `file` with `text` through a temporary file in the same
/// directory, so an interrupted run never leaves a half-written policy.
fn write_beside(file: &Path, text: &str) -> anyhow::Result<()> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write beside `{}`", file.display()))?;
    temp.write_all(text.as_bytes())
        .with_context(|| format!("cannot write beside `{}`", file.display()))?;
    if let Ok(meta) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.persist(file)
        .with_context(|| format!("cannot replace `{}`", file.display()))?;
    Ok(())
}
