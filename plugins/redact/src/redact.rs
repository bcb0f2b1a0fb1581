//! Redaction: a text with every credential the detectors recognise replaced
//! by its fingerprint, the same one the `secrets` plugin reports for it.
//!
//! It runs over every string that leaves the gate, so it must be cheap when
//! there is nothing to find, must never panic, and must be idempotent: a
//! fingerprint is never taken for a value again.
//!
//! How a text is redacted:
//!
//! 1. A search for the words every rule needs (`pass`, `token`, `key`,
//!    `ghp_`, `-----BEGIN`, …) passes most text untouched; only then does
//!    the rule set run.
//! 2. The detectors of the `secrets` plugin find candidates, and the plugin's
//!    precedence applies: a token of a known format wins over a generic
//!    assignment whose value overlaps it, so the fingerprint shown is the one
//!    the plugin reports. Documented examples are redacted too: hiding them
//!    costs nothing.
//! 3. A 40-character AWS secret-key shape is a secret where the text also
//!    names AWS (a key id, an `aws_secret_access_key`-style assignment, or
//!    the word `aws`): a redactor sees one string, not the plugin's five lines
//!    around a key id, so it takes the wider context.
//! 4. A private key block is followed over lines as the plugin follows it
//!    (one shared rule, [`block_line`](crate::detect::block_line)) and replaced whole by the fingerprint
//!    of its key material.
//! 5. A value found once is replaced wherever else it appears verbatim in the
//!    text, even where nothing around it names a secret.
//!
//! Overlapping replacements are merged, so no part of a value survives.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use crate::detect::{
    BlockLine, MAX_BLOCK_LINES, MIN_KEY_MATERIAL, Role, aws_secret_shapes, block_line, detect,
};
use crate::rules::{Rule, Rules};
use crate::value::{ELLIPSIS, fingerprint};

static RULES: LazyLock<Option<Rules>> = LazyLock::new(|| Rules::new().ok());

/// What a failure to build the detectors turns every text into: nothing
/// leaves unchecked.
const UNCHECKED: &str = "[redacted: the secret detectors are unavailable]";

/// Builds the detectors now, so that the first [`redact`] does not wait for
/// them to compile; a caller with a core to spare calls it on a thread of
/// its own. A [`redact`] that comes first, or at the same time, builds or
/// waits for the same detectors.
pub fn build_detectors() {
    LazyLock::force(&RULES);
}

/// `text` with every credential replaced by its fingerprint (`ghp_…3fa2b1c9`).
/// Assignments keep their key (`DB_PASSWORD=Vq8#…1c2d3e4f`); a private key
/// block is replaced whole, from its `-----BEGIN` line through its key
/// material and `-----END` line.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Some(rules) = RULES.as_ref() else {
        return Cow::Borrowed(UNCHECKED);
    };
    let spans = spans(rules, text);
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, shown) in spans {
        out.push_str(text.get(at..span.start).unwrap_or_default());
        out.push_str(&shown);
        at = span.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

/// Whether `text` holds a credential [`redact`] would replace.
pub fn contains_secret(text: &str) -> bool {
    match RULES.as_ref() {
        Some(rules) => !spans(rules, text).is_empty(),
        None => true,
    }
}

/// The byte ranges to replace, sorted and disjoint, with their replacements.
fn spans(rules: &Rules, text: &str) -> Vec<(Range<usize>, String)> {
    if !rules.anchors.is_match(text) {
        return Vec::new();
    }
    let matched = rules.set.matches(text);
    // AWS secret keys have no format of their own: a 40-character base64
    // shape is only taken for one where the text also names AWS (a key id,
    // an `aws_secret_access_key`-style assignment, or the word itself).
    let aws_context = matched.matched(Rule::AwsKeyId as usize)
        || matched.matched(Rule::AwsSecretAssignment as usize)
        || mentions_aws(text);
    if !matched.matched_any() && !aws_context {
        return Vec::new();
    }
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    let mut generic: Vec<(Range<usize>, String)> = Vec::new();
    if matched.matched_any() {
        for spot in detect(rules, text, true) {
            let Some(value) = spot.canonical.as_deref().or(text.get(spot.span.clone())) else {
                continue;
            };
            // A fingerprint is never taken for a value again.
            if value.is_empty() || value.contains(ELLIPSIS) {
                continue;
            }
            let shown = (spot.span.clone(), fingerprint(value));
            match spot.role {
                Role::KeyBlockStart => found.extend(key_block(text, spot.span.clone())),
                Role::Generic => generic.push(shown),
                Role::Token(_) | Role::AwsKeyId | Role::AwsAssigned => found.push(shown),
            }
        }
    }
    if aws_context {
        for (span, _) in aws_secret_shapes(rules, text) {
            if let Some(value) = text.get(span.clone()) {
                found.push((span, fingerprint(value)));
            }
        }
    }
    // As in the plugin, a specific rule wins over a generic assignment whose
    // value overlaps it (`token: ghp_…` shows the GitHub token's fingerprint).
    let specific = disjoint(found);
    generic.retain(|(span, _)| {
        let after = specific.partition_point(|(s, _)| s.end <= span.start);
        specific.get(after).is_none_or(|(s, _)| s.start >= span.end)
    });
    generic.extend(specific);
    let kept = disjoint(generic);
    with_repeats(text, kept)
}

/// Values shorter than this are not searched for elsewhere in the text.
const MIN_REPEAT: usize = 8;
/// Values longer than this are not searched for elsewhere in the text.
const MAX_REPEAT: usize = 4096;
/// Distinct values searched for elsewhere in one text, at most.
const MAX_REPEATED_VALUES: usize = 1024;

/// `kept` plus every other place where one of its values appears verbatim: a
/// value known to be a secret is hidden wherever it is, even where nothing
/// around it names a secret (`api_key: V` on one line, `id: V` on the next).
fn with_repeats(text: &str, kept: Vec<(Range<usize>, String)>) -> Vec<(Range<usize>, String)> {
    let mut values: Vec<(&str, &str)> = kept
        .iter()
        .filter_map(|(span, shown)| Some((text.get(span.clone())?, shown.as_str())))
        .filter(|(value, _)| (MIN_REPEAT..=MAX_REPEAT).contains(&value.len()))
        // Only spans shown by their own value's fingerprint: a key block (its
        // material's) or a widened overlap is not one value.
        .filter(|(value, shown)| fingerprint(value) == *shown)
        .collect();
    values.sort_unstable();
    values.dedup_by(|a, b| a.0 == b.0);
    values.truncate(MAX_REPEATED_VALUES);
    // Longest first, so that of two values where one holds the other the
    // longer one is replaced.
    values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
    let pattern: Vec<String> = values.iter().map(|(v, _)| regex::escape(v)).collect();
    let Ok(any) = regex::Regex::new(&pattern.join("|")) else {
        return kept;
    };
    let mut repeats: Vec<(Range<usize>, String)> = Vec::new();
    for m in any.find_iter(text) {
        if let Some((_, shown)) = values.iter().find(|(v, _)| *v == m.as_str()) {
            repeats.push((m.range(), (*shown).to_owned()));
        }
    }
    repeats.extend(kept);
    disjoint(repeats)
}

/// Sorted, non-overlapping replacements: at each start the longest span comes
/// first, and a span that overlaps the one kept before it widens that one
/// (its text is hidden under the earlier fingerprint) rather than being
/// dropped, so no part of a credential survives an overlap.
fn disjoint(mut found: Vec<(Range<usize>, String)>) -> Vec<(Range<usize>, String)> {
    found.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut kept: Vec<(Range<usize>, String)> = Vec::with_capacity(found.len());
    for (span, shown) in found {
        match kept.last_mut() {
            Some((last, _)) if span.start < last.end => last.end = last.end.max(span.end),
            _ => kept.push((span, shown)),
        }
    }
    kept
}

/// `aws` in any letter case, without copying the text.
fn mentions_aws(text: &str) -> bool {
    text.as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"aws"))
}

/// A private key block whose header ends its line, read line by line as the
/// `secrets` plugin reads it: optional `Name: value` headers and blank lines,
/// then lines of base64 key material, up to and including the `-----END`
/// line; any other line ends the block and stays. The fingerprint is that of
/// the key material, so it is the one the plugin reports. A bare header (as
/// scanner reports quote them) or too little material is not a secret.
fn key_block(text: &str, header: Range<usize>) -> Option<(Range<usize>, String)> {
    let after = text.get(header.end..)?;
    // The header's own line break, then the block's lines.
    let mut lines = after.split_inclusive('\n');
    let mut end = header.end + lines.next()?.len();
    let mut material = String::new();
    for line in lines.take(MAX_BLOCK_LINES) {
        let trimmed = line.trim();
        match block_line(trimmed, !material.is_empty()) {
            BlockLine::End => {
                end += line.trim_end().len();
                break;
            }
            BlockLine::Material => material.push_str(trimmed),
            BlockLine::Header => {}
            BlockLine::Outside => break,
        }
        end += line.len();
    }
    if material.len() < MIN_KEY_MATERIAL {
        return None;
    }
    // Keep the line break that ended the material: only the block goes.
    let block = text.get(header.start..end)?;
    let end = header.start + block.trim_end().len();
    Some((header.start..end, fingerprint(&material)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GITHUB: &str = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
    const PAT: &str = "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";
    const GITLAB: &str = "glpat-Xq3Rt8Vb2Nm6Kp9Ls4Wd";
    const SLACK: &str = "xoxb-284192746521-8472916350281-Qz7Ry4Tx9Wv2Ub5Sc8Pd3Nf";
    const AWS_ID: &str = "AKIAZ4QK7VN3LX8RT2PW";
    const AWS_SECRET: &str = "q7Rt/3vXk9Lm2Np8Qs4Wd6Yf1Zh5Jb0Ku+Gc7Ae3";
    const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjaS1kZXBsb3llciJ9.kP3xR7tV9wZ2yB5nD8qF1hJ4lM6sU0vX3cE7gA9iK2o";
    const PASSWORD: &str = "Vq8#nZ2!rL5@tW9xK3";
    const MATERIAL: &str = "MIIEowIBAAKCAQEAu7Rj3Lx9Qm2Tz8Kp4Vn6Ws1Yb5Hd7Fg0Jc3Ne9Ra2Uk8Xo4Mi6Ps1";

    fn pem() -> String {
        format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{MATERIAL}\nb2Jd8Kf3Lm9Np4Qr7St1Uv6Wx0Yz5Ab2Cd8Ef3Gh9Ij4Kl7Mn1\n-----END RSA PRIVATE KEY-----"
        )
    }

    fn assert_gone(text: &str, values: &[&str]) -> String {
        let shown = redact(text).into_owned();
        let short = clipped(&shown);
        for value in values {
            assert!(!shown.contains(value), "`{value}` survived in {short:?}");
        }
        assert_eq!(redact(&shown), shown, "redaction is idempotent");
        shown
    }

    #[test]
    fn tokens_in_every_kind_of_surrounding_text() {
        let cases = [
            format!("AssertionError: assert token == '{GITHUB}'"),
            format!("{{\"message\": \"found {PAT} in config\"}}"),
            format!("  token: {GITLAB}\n"),
            format!("curl -H 'Authorization: Bearer {SLACK}' https://slack.com"),
            format!("Authorization: Bearer {JWT}"),
            format!("E   jwt = {JWT}\nE   token = '{GITLAB}'"),
        ];
        for text in &cases {
            let shown = assert_gone(text, &[GITHUB, PAT, GITLAB, SLACK, JWT]);
            assert!(shown.contains('…'), "{shown}");
        }
        let shown = redact(&cases[0]);
        assert!(shown.contains(&fingerprint(GITHUB)), "{shown}");
    }

    #[test]
    fn aws_pairs_and_assignments() {
        let shown = assert_gone(
            &format!("assert login('{AWS_ID}', '{AWS_SECRET}')"),
            &[AWS_ID, AWS_SECRET],
        );
        assert!(shown.contains("AKIA…"), "{shown}");
        assert_gone(
            &format!("aws_secret_access_key = {AWS_SECRET}"),
            &[AWS_SECRET],
        );
        assert_gone(
            &format!("resource \"aws_iam_access_key\" secret = \"{AWS_SECRET}\""),
            &[AWS_SECRET],
        );
    }

    #[test]
    fn generic_assignments_keep_their_key() {
        for text in [
            format!("DB_PASSWORD={PASSWORD}"),
            format!("{{\"db_password\": \"{PASSWORD}\"}}"),
            format!("password: \"{PASSWORD}\""),
            format!("{{\"m\": \"password = \\\"{PASSWORD}\\\"\"}}"),
        ] {
            let shown = assert_gone(&text, &[PASSWORD]);
            assert!(shown.to_ascii_lowercase().contains("password"), "{shown}");
        }
    }

    #[test]
    fn private_key_blocks_whole_and_escaped() {
        let block = pem();
        let shown = assert_gone(&format!("key:\n{block}\nafter"), &[MATERIAL, "b2Jd8Kf3"]);
        assert!(shown.ends_with("after"), "{shown}");
        assert!(!shown.contains("BEGIN RSA PRIVATE KEY"), "{shown}");
        let escaped = block.replace('\n', "\\n");
        assert_gone(&format!("{{\"key\": \"{escaped}\"}}"), &[MATERIAL]);
        let unterminated = format!("-----BEGIN PRIVATE KEY-----\n{MATERIAL}\n");
        assert_gone(&unterminated, &[MATERIAL]);
        // A bare header, as scanner reports quote them, is not a secret.
        let bare = "rule: detects -----BEGIN RSA PRIVATE KEY----- headers";
        assert_eq!(redact(bare), bare);
    }

    /// At most 400 characters of a text, for failure messages.
    fn clipped(text: &str) -> String {
        text.chars().take(400).collect()
    }

    /// The text redacted, with every value gone and its exact fingerprint shown.
    fn assert_fingerprinted(text: &str, values: &[&str]) -> String {
        let shown = assert_gone(text, values);
        for value in values {
            let fp = fingerprint(value);
            let short = clipped(&shown);
            assert!(shown.contains(&fp), "no `{fp}` for `{value}` in {short:?}");
        }
        shown
    }

    #[test]
    fn every_planted_kind_shows_the_plugins_fingerprint() {
        let yaml = format!(
            "deploy:\n  github: {GITHUB}\n  gitlab: \"{GITLAB}\"\n  slack: '{SLACK}'\n  jwt: {JWT}\n"
        );
        let shown = assert_fingerprinted(&yaml, &[GITHUB, GITLAB, SLACK, JWT]);
        assert!(shown.starts_with("deploy:\n  github: ghp_…"), "{shown}");
        assert_fingerprinted(&format!("expected: <{PAT}> but was: <null>"), &[PAT]);
        assert_fingerprinted(
            &format!(
                "[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"
            ),
            &[AWS_ID, AWS_SECRET],
        );
        // A JSON-escaped report line: the escapes stay, the values go.
        let json = format!(
            "{{\"failure\": \"assert token == '{GITHUB}'\\nE  where hook = https://hooks.slack.com/services/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\"}}"
        );
        let shown = assert_fingerprinted(&json, &[GITHUB]);
        assert!(!shown.contains("q7Rt3vXk9Lm2Np8Qs4Wd6Yf1"), "{shown}");
        assert!(shown.contains("\\nE  where hook = "), "{shown}");
    }

    #[test]
    fn credentials_inside_urls_and_terraform_attributes() {
        let url = format!(
            "fatal: could not read from https://x-access-token:{GITHUB}@github.com/acme/app.git"
        );
        let shown = assert_fingerprinted(&url, &[GITHUB]);
        assert!(shown.ends_with("@github.com/acme/app.git"), "{shown}");
        // A password in a URL is a generic secret when a key names it.
        let dsn = "DATABASE_PASSWORD=postgres://app:Vq8nZ2rL5tW9xK3@db.internal:5432/app";
        let shown = assert_gone(dsn, &["Vq8nZ2rL5tW9xK3"]);
        assert!(shown.starts_with("DATABASE_PASSWORD="), "{shown}");
        let hcl = format!(
            "resource \"aws_iam_access_key\" \"ci\" {{\n  id     = \"{AWS_ID}\"\n  secret = \"{AWS_SECRET}\"\n}}\n  ~ master_password = \"{PASSWORD}\" -> (sensitive value)\n"
        );
        let shown = assert_fingerprinted(&hcl, &[AWS_ID, AWS_SECRET]);
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(shown.contains("master_password = \"Vq8#…"), "{shown}");
    }

    #[test]
    fn an_aws_secret_shape_needs_an_aws_context() {
        // The same 40 characters are a secret next to a key id, and left alone
        // in text that names nothing of AWS (they could be anything).
        assert_gone(&format!("{AWS_ID} {AWS_SECRET}"), &[AWS_SECRET]);
        assert_gone(&format!("creds from AWS: {AWS_SECRET}"), &[AWS_SECRET]);
        let unrelated = format!("digest {AWS_SECRET} of the build");
        assert_eq!(redact(&unrelated), unrelated);
    }

    #[test]
    fn multi_line_blocks_end_where_the_plugin_ends_them() {
        let encrypted = format!(
            "before\n-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,5E5ED1F4E3A2F7A1\n\n{MATERIAL}\n-----END RSA PRIVATE KEY-----\nafter\n"
        );
        let shown = assert_gone(&encrypted, &[MATERIAL, "DEK-Info"]);
        assert_eq!(shown, format!("before\n{}\nafter\n", fingerprint(MATERIAL)));
        // Without an END line, the block stops at the first line that is not
        // key material, and that line stays; a later END does not pull in
        // the text between.
        let cut = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{MATERIAL}\n}}\nlog line one\n-----END EC PRIVATE KEY-----\n"
        );
        let shown = assert_gone(&cut, &[MATERIAL]);
        assert_eq!(
            shown,
            format!(
                "{}\n}}\nlog line one\n-----END EC PRIVATE KEY-----\n",
                fingerprint(MATERIAL)
            )
        );
        // Two blocks, each with its own fingerprint.
        let other = "b2Jd8Kf3Lm9Np4Qr7St1Uv6Wx0Yz5Ab2Cd8Ef3Gh9Ij4Kl7Mn1";
        let two = format!(
            "-----BEGIN PRIVATE KEY-----\n{MATERIAL}\n-----END PRIVATE KEY-----\n-----BEGIN PRIVATE KEY-----\n{other}\n-----END PRIVATE KEY-----"
        );
        let shown = assert_gone(&two, &[MATERIAL, other]);
        assert_eq!(
            shown,
            format!("{}\n{}", fingerprint(MATERIAL), fingerprint(other))
        );
        // The fingerprint of a block is that of its material, in a file or escaped.
        let block = pem();
        let material: String = block.lines().filter(|l| !l.starts_with("-----")).collect();
        let in_file = redact(&block).into_owned();
        let escaped = redact(&format!("\"{}\"", block.replace('\n', "\\n"))).into_owned();
        assert_eq!(in_file, fingerprint(&material));
        assert_eq!(escaped, format!("\"{}\"", fingerprint(&material)));
    }

    #[test]
    fn a_value_found_once_is_hidden_everywhere() {
        let text = format!("api_key: '{PASSWORD}'\nid: '{PASSWORD}'\nnote: {PASSWORD}.\n");
        let shown = assert_fingerprinted(&text, &[PASSWORD]);
        assert_eq!(shown.matches(&fingerprint(PASSWORD)).count(), 3, "{shown}");
        // A token wins over the generic value that holds it, as in the plugin.
        let shown = assert_fingerprinted(&format!("token={GITHUB}"), &[GITHUB]);
        assert_eq!(shown, format!("token={}", fingerprint(GITHUB)));
    }

    #[test]
    fn overlapping_matches_hide_their_union() {
        let found = disjoint(vec![
            (10..20, "b".to_owned()),
            (0..12, "a".to_owned()),
            (15..30, "c".to_owned()),
            (40..45, "d".to_owned()),
        ]);
        assert_eq!(
            found,
            vec![(0..30, "a".to_owned()), (40..45, "d".to_owned())]
        );
    }

    #[test]
    fn huge_and_odd_inputs() {
        let mut big = "x".repeat(8 * 1024 * 1024);
        big.push(' ');
        big.push_str(GITHUB);
        big.push_str(&"é\u{0}\u{202e}".repeat(1000));
        let shown = assert_gone(&big, &[GITHUB]);
        assert!(shown.len() < big.len());
        let line = "=".repeat(1 << 20);
        assert!(matches!(redact(&line), Cow::Borrowed(_)));
        for odd in [
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\n",
            "-----BEGIN RSA PRIVATE KEY-----\n-----END",
            "password=",
            "password=\"",
            "token: \\\"",
            "AKIA",
            "\u{feff}aws_secret_access_key=",
        ] {
            assert_eq!(redact(odd), odd);
        }
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        for text in [
            "",
            "tests.test_parse.test_quoted_identifier: assert '\"z\"' == 'z'",
            "ünïcödé ✓",
        ] {
            assert!(matches!(redact(text), Cow::Borrowed(_)), "{text}");
            assert!(!contains_secret(text));
        }
        assert!(contains_secret(GITHUB));
    }

    proptest::proptest! {
        #[test]
        fn a_planted_token_never_survives(prefix in "\\PC{0,40}", suffix in "\\PC{0,40}", which in 0usize..5) {
            let token = [GITHUB, GITLAB, SLACK, JWT, PAT][which];
            let text = format!("{prefix} {token} {suffix}");
            let shown = redact(&text);
            proptest::prop_assert!(!shown.contains(token), "{shown:?}");
            proptest::prop_assert_eq!(redact(&shown).into_owned(), shown.clone().into_owned());
        }

        #[test]
        fn never_panics(text in "\\PC{0,200}|[ -~\\n]{0,300}") {
            let _ = redact(&text);
        }
    }
}
