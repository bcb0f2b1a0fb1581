//! stagegate built-in plugin `secrets`: leaked credentials in any text artifact.
//!
//! The plugin reads every text file of the bundle (kind `text`, matcher
//! `AnyText`: no NUL byte in the first 64 KiB), whatever else it is (scanner
//! reports included: a report that prints secrets in plain text leaks them).
//! Files are streamed in windows of at most 64 KiB of whole lines; longer lines
//! are cut into overlapping pieces, so neither file size nor line length
//! changes the memory used. Invalid UTF-8 is decoded lossily and scanned; a
//! file with a UTF-16 or UTF-32 byte-order mark is transcoded first, and its raw
//! bytes are scanned too (see [`scan_file`]).
//!
//! # What counts
//!
//! | kind | what | severity |
//! |---|---|---|
//! | `aws-access-key` | `AKIA`/`ASIA` id with a 40-char secret key within 5 lines, or with an `aws_secret_access_key`-style assignment anywhere in the file | critical |
//! | `aws-key-id` | such an id with no secret key found | medium |
//! | `private-key` | `-----BEGIN … PRIVATE KEY-----` (RSA, EC, DSA, OPENSSH, PGP, encrypted, PKCS#8) followed by at least 16 base64 characters of key material; a bare header, as scanner reports quote it, is not a leak | critical |
//! | `github-token` | `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36, `github_pat_` + 22 + `_` + 59 | critical |
//! | `gitlab-token` | `glpat-`, `gldt-`, `glrt-`, `glptt-`, `glsoat-`, `glcbt-`, `glimt-`, `glagent-`, `gloas-`, `glffct-`, `glft-` + 20 or more, `GR1348941…` | critical |
//! | `slack-token` | `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-` | critical |
//! | `slack-webhook` | `https://hooks.slack.com/services/…` (can only post to one channel) | high |
//! | `jwt` | three base64url segments whose header decodes to JSON with `alg` | critical |
//! | `generic-secret` | a value assigned (`=`, `:`, `:=`, `=>`, quoted or not, `.env`/YAML/JSON/TOML/INI/code styles) to a key ending in `password`, `passwd`, `pwd`, `_pass`, `secret`, `token`, `credential(s)`, `creds`, `auth` or `…key`, whose Shannon entropy is at least 3.5 bits/char over at least 8 characters (so in practice 12 or more), and which is not a placeholder | high |
//!
//! Not generic secrets: placeholders and references (`${VAR}`, `$VAR`, `%VAR%`,
//! `{{ … }}`, `<…>`, `changeme`, `xxx`, `***`, `process.env.X`, `ENC(…)`, empty),
//! paths, URLs without `user:password@`, values with spaces, and keys naming a
//! hash, digest, fingerprint, checksum, public key, CSRF or paging token.
//!
//! Documented example values are counted in `example_values` and reported at
//! info level, never as leaks: the AWS documentation pair
//! (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`), the
//! jwt.io sample token (or any token with its payload), Stripe's documented test
//! keys, any value containing `example` in any case, and known-format tokens
//! whose random part is filler (below 2.5 bits/char or a run of 8 identical
//! characters: `xoxb-XXXX…`, `AKIATESTTESTTESTTEST`). The list is in
//! [`value`].
//!
//! One value on one line is one finding: when several rules match the same
//! value or overlapping text, the most specific rule wins (a GitHub token in
//! `token: ghp_…` is a `github-token`, not also a `generic-secret`), and an AWS
//! secret key that completes an `aws-access-key` is not reported again.
//!
//! # What leaves the plugin
//!
//! A finding names the kind, the file, the line and a fingerprint: the first 4
//! characters of the value, `…`, and the first 8 hex digits of its SHA-256
//! (`ghp_…3fa2b1c9`; for a private key, of its base64 key material, so the same
//! key has one fingerprint in a `.pem` file and JSON-escaped in a report).
//! Generic findings also name the key (`DB_PASSWORD`). Values are never
//! returned, logged or put in errors.
//!
//! # Configuration
//!
//! `{"exceptions": [{"id": "E-1", "match": "ghp_…3fa2b1c9"}]}` accepts known
//! false positives by fingerprint (`...` may stand for `…`): they are counted
//! in `allowed` only. The host fills `exceptions` from the
//! `[[plugins.secrets.exceptions]]` of `stagegate.toml` that are in time.
//! Unknown keys are errors. Inline markers in the bundle (`# pragma: allowlist
//! secret`) are ignored on purpose: the bundle's author cannot waive its own
//! findings.
//!
//! This file is only the glue to the host; the scanning lives in the pure
//! modules below and is unit-tested natively.

pub mod aws;
pub mod config;
pub mod hit;
pub mod keyblock;
pub mod scanner;
pub mod tally;
pub mod window;

// The detectors live in `stagegate-redact`, shared with the host's report
// writer, so what this plugin finds and what the host redacts cannot drift.
pub use stagegate_redact::{detect, jwt, rules, value};

#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod malformed_tests;

use config::Config;
use hit::Level;
use scanner::Scanner;
use stagegate_sdk::text::bom::{BomReader, Encoding};
use stagegate_sdk::{
    Artifact, ArtifactExt, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata,
    Plugin, Severity,
};
use std::io::{self, BufReader, Read};
use tally::{MAX_FINDINGS, Report};

/// The `secrets` plugin.
pub struct Secrets;

/// The facts this plugin reports, with their docs, in report order.
pub fn fact_specs() -> Vec<FactSpec> {
    vec![
        FactSpec::long(
            "inputs",
            "text files scanned; every one counts, an empty file too (nothing in it could leak)",
        ),
        FactSpec::long(
            "leaks",
            "credentials found, all kinds (documented examples and allowed fingerprints excluded)",
        ),
        FactSpec::long(
            "example_values",
            "documented example or placeholder credentials seen (not leaks)",
        ),
        FactSpec::long(
            "allowed",
            "credentials whose fingerprint an exception in time accepts (`[[plugins.secrets.exceptions]]`)",
        ),
        FactSpec::long(
            "aws_keys",
            "AWS access key ids with a secret access key within 5 lines or assigned in the file",
        ),
        FactSpec::long(
            "aws_key_ids",
            "AWS access key ids with no secret access key found in the file",
        ),
        FactSpec::long(
            "private_keys",
            "armored private key blocks with key material",
        ),
        FactSpec::long(
            "github_tokens",
            "GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
        ),
        FactSpec::long(
            "gitlab_tokens",
            "GitLab tokens (glpat- and the other gl prefixes)",
        ),
        FactSpec::long(
            "slack_tokens",
            "Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-) and Slack webhook URLs",
        ),
        FactSpec::long("jwts", "JSON Web Tokens whose header names an alg"),
        FactSpec::long(
            "generic_secrets",
            "values of at least 3.5 bits/char assigned to password/secret/token/key names",
        ),
        FactSpec::text_set(
            "kinds",
            "kinds of credentials found (at most 9 names, e.g. github-token)",
        ),
        FactSpec::text_set(
            "files",
            "files with at least one credential (at most 100 paths of at most 200 chars)",
        ),
    ]
}

impl Plugin for Secrets {
    fn describe() -> Metadata {
        Metadata {
            name: "secrets".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "finds leaked credentials (keys, tokens, high-entropy passwords) in every text artifact"
                .into(),
            reads: vec![ArtifactKind {
                name: "text".into(),
                matchers: vec![Matcher::AnyText],
            }],
            facts: fact_specs(),
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let config = Config::parse(&config).map_err(|e| e.to_string())?;
        let mut scanner = Scanner::new(config).map_err(|e| e.to_string())?;
        for artifact in &artifacts {
            scan_file(&mut scanner, &artifact.path, artifact.text_reader(), || {
                artifact.reader()
            })?;
        }
        let report = scanner.finish();
        Ok(facts(&report).with_findings(findings(&report)))
    }
}

/// Scans one file as the plugin does: `text` is the file as UTF-8 (a file with a UTF-16 or
/// UTF-32 byte-order mark transcoded, as [`ArtifactExt::text_reader`] gives it). When a mark
/// announced UTF-16 or UTF-32, the raw bytes from `raw` are scanned as well, so that two
/// bytes put in front of a UTF-8 file (which would transcode it to nonsense) cannot hide a
/// credential; a credential found in both views counts once.
///
/// # Errors
/// When a reader cannot be opened or fails before the end of the file.
pub fn scan_file<T: Read, R: Read>(
    scanner: &mut Scanner,
    path: &str,
    text: io::Result<BufReader<BomReader<T>>>,
    raw: impl FnOnce() -> io::Result<R>,
) -> Result<(), String> {
    let mut text = text.map_err(|e| e.to_string())?;
    scanner.scan(path, &mut text).map_err(|e| e.to_string())?;
    if text.get_ref().encoding() != Encoding::Utf8 {
        let raw = raw().map_err(|e| e.to_string())?;
        scanner
            .scan_again(path, BufReader::with_capacity(64 * 1024, raw))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The declared facts, every one of them, from a report.
pub fn facts(report: &Report) -> Facts {
    Facts::new()
        .long("inputs", report.inputs)
        .long("leaks", report.leaks)
        .long("example_values", report.example_values)
        .long("allowed", report.allowed)
        .long("aws_keys", report.aws_keys)
        .long("aws_key_ids", report.aws_key_ids)
        .long("private_keys", report.private_keys)
        .long("github_tokens", report.github_tokens)
        .long("gitlab_tokens", report.gitlab_tokens)
        .long("slack_tokens", report.slack_tokens)
        .long("jwts", report.jwts)
        .long("generic_secrets", report.generic_secrets)
        .text_set("kinds", report.kinds.iter().cloned())
        .text_set("files", report.files.iter().cloned())
}

/// The findings of a report, plus one summary finding when some were cut.
pub fn findings(report: &Report) -> Vec<Finding> {
    let mut out: Vec<Finding> = report
        .findings
        .iter()
        .map(|leak| {
            let line = usize::try_from(leak.line).unwrap_or(0);
            Finding::new(&leak.rule(), severity(leak.level()), leak.message()).at(&leak.path, line)
        })
        .collect();
    if report.findings_dropped > 0 {
        out.push(Finding::new(
            "secrets/findings-truncated",
            Severity::Info,
            format!(
                "{} more findings are not listed (only the first {MAX_FINDINGS} are); the facts count them all",
                report.findings_dropped
            ),
        ));
    }
    out
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Info => Severity::Info,
        Level::Medium => Severity::Medium,
        Level::High => Severity::High,
        Level::Critical => Severity::Critical,
    }
}

stagegate_sdk::export!(Secrets);
