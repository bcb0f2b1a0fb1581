//! `stagegate check`: run the gate on a bundle and exit with its decision.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use stagegate::gate::GateReport;
use stagegate::report::Format;
use stagegate::{gate, report};

use super::GateOptions;

/// Arguments of `stagegate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The bundle directory: test results, scanner outputs, plans, configuration.
    bundle: PathBuf,
    /// Target stage.
    #[arg(long)]
    to: String,
    /// Source stage [default: the stage before --to].
    #[arg(long)]
    from: Option<String>,
    /// Print what the gate would decide and exit 0 whether allowed or denied
    /// (still 2 when it cannot decide).
    #[arg(long)]
    dry_run: bool,
    /// Also run this unpinned component, in place of the configured plugin of
    /// the name it reports (keeping that plugin's limits and configuration).
    /// Repeatable; only with --dry-run, so a pipeline never runs unpinned code.
    #[arg(long, value_name = "FILE.wasm", requires = "dry_run")]
    plugin: Vec<PathBuf>,
    /// What stdout gets: human, json, sarif, junit, markdown, github, gitlab or html.
    #[arg(long, value_parser = parse_format, default_value = "human")]
    format: Format,
    /// Also write FORMAT to PATH (repeatable), e.g. `--output sarif=gate.sarif`.
    /// A file is replaced whole, never left half-written.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    output: Vec<(Format, PathBuf)>,
    /// Do not append the Markdown summary to $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    no_summary: bool,
    /// Append this check's decision record to the decision log PATH
    /// [default: `log` in stagegate.toml; a dry run appends only with --log].
    #[arg(long, value_name = "PATH")]
    log: Option<PathBuf>,
    /// Write this decision as a signed in-toto attestation (a DSSE envelope)
    /// to PATH, for a later stage's `[chain]`. Needs --signing-key; not with --dry-run.
    #[arg(
        long,
        value_name = "PATH",
        requires = "signing_key",
        conflicts_with = "dry_run"
    )]
    attest: Option<PathBuf>,
    /// The private key (PEM, PKCS#8 Ed25519 or P-256, or SEC1 P-256) that signs --attest.
    #[arg(long, value_name = "KEYFILE", requires = "attest")]
    signing_key: Option<PathBuf>,
    /// For each policy that decided: the facts it reads, the findings behind
    /// them, and what would make it pass.
    #[arg(long)]
    explain: bool,
    /// Commit being promoted [default: from CI variables such as GITHUB_SHA, CI_COMMIT_SHA].
    #[arg(long)]
    commit: Option<String>,
    /// Branch [default: from CI variables such as GITHUB_HEAD_REF, CI_COMMIT_REF_NAME].
    #[arg(long)]
    branch: Option<String>,
    /// Author [default: from CI variables such as GITHUB_ACTOR, GITLAB_USER_LOGIN].
    #[arg(long)]
    author: Option<String>,
    #[command(flatten)]
    gate: GateOptions,
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        format!(
            "unknown format `{name}`: expected one of {}",
            names.join(", ")
        )
    })
}

fn parse_output(text: &str) -> Result<(Format, PathBuf), String> {
    let (name, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not FORMAT=PATH (e.g. sarif=gate.sarif)"))?;
    if path.is_empty() {
        return Err(format!("`{text}` names no file after `=`"));
    }
    Ok((parse_format(name)?, PathBuf::from(path)))
}

/// Runs the check.
pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let config = args.gate.load_config()?;
    let mut change = super::ci_env::from_process();
    for (given, field) in [
        (args.commit, &mut change.commit),
        (args.branch, &mut change.branch),
        (args.author, &mut change.author),
    ] {
        if let Some(value) = given {
            *field = value;
        }
    }
    for path in args
        .output
        .iter()
        .map(|(_, p)| p)
        .chain(args.log.iter())
        .chain(args.attest.iter())
    {
        check_output_path(path, &args.bundle)?;
    }
    // Read the key before any work: a bad key is a usage error, not a decision.
    let signing_key = match &args.signing_key {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--signing-key {}: cannot read", path.display()))?;
            Some(
                stagegate_attest::SigningKey::from_pem(&text)
                    .with_context(|| format!("--signing-key {}", path.display()))?,
            )
        }
        None => None,
    };
    let request = gate::GateRequest {
        bundle: args.bundle,
        to: args.to,
        from: args.from,
        change,
        cache: args.gate.cache()?,
        local_plugins: args.plugin,
        today: args.gate.today(),
        explain: args.explain,
        progress: None,
    };
    let (outcome, prepared) = if super::progress::wanted() {
        let counters = std::sync::Arc::new(stagegate::progress::Progress::default());
        let request = gate::GateRequest {
            progress: Some(std::sync::Arc::clone(&counters)),
            ..request
        };
        let _line = super::progress::Line::start(counters);
        gate::run_retaining(&config, &request)
    } else {
        gate::run_retaining(&config, &request)
    };
    let mut code = report::exit_code(&outcome, args.dry_run);

    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // A closed pipe (`| head`) must not turn a decision into a different exit.
    let _ = report::render(args.format, &outcome, args.dry_run, &mut stdout)
        .and_then(|()| stdout.flush());
    drop(stdout);

    let mut failures = Vec::new();
    for (format, path) in &args.output {
        if let Err(e) = write_output(*format, &outcome, args.dry_run, path) {
            failures.push(format!("{e:#}"));
        }
    }
    if !args.no_summary
        && let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty())
    {
        let summary = PathBuf::from(summary);
        let named = args
            .output
            .iter()
            .any(|(f, p)| *f == Format::Markdown && same_file(p, &summary));
        if !named && let Err(e) = append_summary(&outcome, args.dry_run, &summary) {
            failures.push(format!("{e:#}"));
        }
    }
    let log = args
        .log
        .clone()
        .or_else(|| config.log.clone().filter(|_| !args.dry_run));
    if let Some(path) = &log {
        let record = report::record::record(&outcome, args.dry_run, &report::record::now());
        if let Err(e) = stagegate::log::append(path, record) {
            failures.push(e.to_string());
        }
    }
    if let (Some(path), Some(key)) = (&args.attest, &signing_key) {
        let written = stagegate::attestation::attest(&outcome, key, &report::record::now())
            .map_err(anyhow::Error::from)
            .and_then(|envelope| write_atomically(path, envelope.as_bytes(), "--attest"));
        if let Err(e) = written {
            failures.push(format!("--attest {}: {e:#}", path.display()));
        }
    }
    for failure in &failures {
        eprintln!("stagegate: {}", report::text::line(failure));
    }
    if !failures.is_empty() {
        // The decision stands, but a report or record the pipeline asked
        // for is missing: the gate did not do its whole job.
        code = code.max(2);
    }
    // The process ends next, and the system takes back the plugins' code
    // and the engine at once; freeing them one by one would only delay it.
    std::mem::forget(prepared);
    Ok(code)
}

/// Refuses an output path that is a directory, or inside the bundle (the
/// report would become evidence of the next run).
fn check_output_path(path: &Path, bundle: &Path) -> anyhow::Result<()> {
    if path.is_dir() {
        anyhow::bail!("{}: is a directory, not a file", path.display());
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let (Ok(dir), Ok(bundle)) = (parent.canonicalize(), bundle.canonicalize())
        && dir.starts_with(&bundle)
    {
        anyhow::bail!(
            "{}: is inside the bundle {}; write reports, logs and attestations outside the evidence",
            path.display(),
            bundle.display()
        );
    }
    Ok(())
}

/// Writes one report file, atomically.
fn write_output(
    format: Format,
    outcome: &GateReport,
    dry_run: bool,
    path: &Path,
) -> anyhow::Result<()> {
    let mut text = Vec::new();
    report::render(format, outcome, dry_run, &mut text)?;
    write_atomically(path, &text, "--output")
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8], flag: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "{flag} {}: cannot create a file in {}",
            path.display(),
            dir.display()
        )
    })?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("{flag} {}: cannot write", path.display()))?;
    file.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{flag} {}: cannot replace the file", path.display()))?;
    Ok(())
}

/// Appends the Markdown summary to GitHub's step summary file.
fn append_summary(outcome: &GateReport, dry_run: bool, path: &Path) -> anyhow::Result<()> {
    let text = report::markdown::summary(outcome, dry_run);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("$GITHUB_STEP_SUMMARY {}: cannot open", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("$GITHUB_STEP_SUMMARY {}: cannot append", path.display()))
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}
