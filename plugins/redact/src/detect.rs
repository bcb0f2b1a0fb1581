//! Finding candidate credentials in one window of text.
//!
//! [`detect`] runs the [`RegexSet`](regex::RegexSet) over a window, then only
//! the matching rules' regexes, and turns each match into a [`Spot`]: a byte
//! range of the window plus what the match means (a token kind, an AWS key id,
//! an AWS secret assignment, a generic assignment, a private-key header). It
//! applies the per-value judgements (JWT header, placeholders, entropy,
//! documented examples) but keeps no state between windows: pairing AWS keys,
//! following key blocks over lines and deduplicating are the scanner's job.

use crate::jwt::is_jwt;
use crate::kind::Kind;
use crate::rules::{ALL_RULES, Rule, Rules, is_base64_char};
use crate::value::{is_filler, is_known_example, is_weak_generic};
use regex::Captures;
use std::ops::Range;

/// What a [`Spot`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A complete finding of a token kind (GitHub, GitLab, Slack, JWT, inline private key).
    Token(Kind),
    /// An AWS access key id, to be paired with a secret key.
    AwsKeyId,
    /// A secret access key assigned to an AWS secret key name.
    AwsAssigned,
    /// A high-entropy value assigned to a secret-sounding key.
    Generic,
    /// A private-key header ending its line: the key material follows on the next lines.
    KeyBlockStart,
}

/// One candidate in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// What it is.
    pub role: Role,
    /// The value's byte range in the window (for a block start: the header).
    pub span: Range<usize>,
    /// Publicly documented example or filler.
    pub example: bool,
    /// Safe context: the assignment's key, the key block's type.
    pub detail: String,
    /// The value to fingerprint when it is not the span's text (a key block's material).
    pub canonical: Option<String>,
}

/// Minimum base64 characters of key material for a private-key block to count.
pub const MIN_KEY_MATERIAL: usize = 16;

/// Lines after a private-key header that are read before an unended block is closed.
pub const MAX_BLOCK_LINES: usize = 1000;

/// What one line after a private-key header is to the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockLine {
    /// The `-----END …` line: it closes the block and belongs to it.
    End,
    /// A line of base64 key material.
    Material,
    /// A `Proc-Type:`/`DEK-Info:` header or a blank line before any material.
    Header,
    /// Anything else: the block is over before this line.
    Outside,
}

/// Classifies a line (`trimmed` of surrounding whitespace) of a multi-line
/// private-key block; `material_seen` when key material came before it. The
/// `secrets` plugin and [`redact`](crate::redact()) follow blocks with this one
/// rule, so both end a block at the same line.
pub fn block_line(trimmed: &str, material_seen: bool) -> BlockLine {
    if trimmed.starts_with("-----END") {
        BlockLine::End
    } else if !trimmed.is_empty() && trimmed.chars().all(is_base64_char) {
        BlockLine::Material
    } else if !material_seen && (trimmed.is_empty() || trimmed.contains(':')) {
        BlockLine::Header
    } else {
        BlockLine::Outside
    }
}

/// Every candidate in `text`. When `complete` is false the window was cut
/// inside a line, and matches touching its end are left to the next window.
///
/// Every rule's match holds one of the anchor words and stays on one line
/// (see [`rules`](crate::rules)), so only the runs of lines that hold an
/// anchor are searched: the anchors are a literal search, far cheaper than
/// the set, and most text has none. The candidates come out in rule order,
/// each rule's in text order, as a search of the whole text gives them.
pub fn detect(rules: &Rules, text: &str, complete: bool) -> Vec<Spot> {
    let mut by_rule: [Vec<Spot>; ALL_RULES.len()] = Default::default();
    let mut run: Option<Range<usize>> = None;
    for anchor in rules.anchors.find_iter(text) {
        if run.as_ref().is_some_and(|r| anchor.start() < r.end) {
            continue;
        }
        let start = text
            .get(..anchor.start())
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |nl| nl + 1);
        let end = text
            .get(anchor.end()..)
            .and_then(|after| after.find('\n'))
            .map_or(text.len(), |nl| anchor.end() + nl);
        run = match run {
            // The next line: the run goes on.
            Some(r) if start <= r.end + 1 => Some(r.start..end),
            Some(r) => {
                detect_in(rules, text, r, complete, &mut by_rule);
                Some(start..end)
            }
            None => Some(start..end),
        };
    }
    if let Some(r) = run {
        detect_in(rules, text, r, complete, &mut by_rule);
    }
    by_rule.into_iter().flatten().collect()
}

/// The candidates in the whole lines `lines` of `text`, added to each
/// rule's list.
fn detect_in(
    rules: &Rules,
    text: &str,
    lines: Range<usize>,
    complete: bool,
    by_rule: &mut [Vec<Spot>],
) {
    let offset = lines.start;
    // Lines that end before the text does are whole whatever `complete` is.
    let complete = complete || lines.end < text.len();
    let Some(text) = text.get(lines) else {
        return;
    };
    for index in rules.set.matches(text).iter() {
        let (Some(rule), Some(spots)) = (ALL_RULES.get(index).copied(), by_rule.get_mut(index))
        else {
            continue;
        };
        let Some(regex) = rules.regex(rule) else {
            continue;
        };
        if rule == Rule::Generic {
            // Capture groups would cost a backtracking pass per match; the
            // match is simple enough to split by hand.
            for m in regex.find_iter(text) {
                if complete || m.end() < text.len() {
                    spots.extend(generic(offset + m.start(), m.as_str()));
                }
            }
            continue;
        }
        for caps in regex.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            if !complete && whole.end() >= text.len() {
                continue;
            }
            let spot = match rule {
                Rule::PrivateKey => private_key(rules, text, &caps, complete),
                _ => token(rule, text, &caps),
            };
            spots.extend(spot.map(|spot| Spot {
                span: spot.span.start + offset..spot.span.end + offset,
                ..spot
            }));
        }
    }
}

/// The 40-character AWS secret-key shapes in `text`, with their example flag.
pub fn aws_secret_shapes(rules: &Rules, text: &str) -> Vec<(Range<usize>, bool)> {
    rules
        .aws_secret_shape
        .captures_iter(text)
        .filter_map(|caps| caps.get(1))
        .filter(|m| !next_char(text, m.end()).is_some_and(is_base64_char))
        .filter(|m| is_aws_secret_shaped(m.as_str()))
        .map(|m| (m.range(), is_known_example(m.as_str())))
        .collect()
}

/// Mixed case and a digit or symbol: random base64, not hex or a word run.
pub fn is_aws_secret_shaped(value: &str) -> bool {
    value.len() == 40
        && value.chars().any(|c| c.is_ascii_lowercase())
        && value.chars().any(|c| c.is_ascii_uppercase())
        && value
            .chars()
            .any(|c| c.is_ascii_digit() || c == '+' || c == '/')
}

/// The character starting at byte `at`, if any.
fn next_char(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

fn token(rule: Rule, text: &str, caps: &Captures<'_>) -> Option<Spot> {
    let m = caps.get(1).or_else(|| caps.get(0))?;
    if next_char(text, m.end()).is_some_and(|c| rule.continues(c)) {
        return None;
    }
    let value = m.as_str();
    let (role, random) = match rule {
        Rule::AwsKeyId => (Role::AwsKeyId, value.get(4..)),
        Rule::AwsSecretAssignment => {
            if !is_aws_secret_shaped(value) {
                return None;
            }
            (Role::AwsAssigned, None)
        }
        Rule::GithubToken => (
            Role::Token(Kind::GithubToken),
            value.strip_prefix("github_pat_").or_else(|| value.get(4..)),
        ),
        Rule::GitlabToken => (
            Role::Token(Kind::GitlabToken),
            value
                .strip_prefix("GR1348941")
                .or_else(|| value.split_once('-').map(|(_, r)| r)),
        ),
        Rule::SlackToken => (Role::Token(Kind::SlackToken), value.get(5..)),
        Rule::SlackWebhook => (
            Role::Token(Kind::SlackWebhook),
            value
                .strip_prefix("https://hooks.slack.com/")
                .and_then(|p| p.split_once('/'))
                .map(|(_, r)| r),
        ),
        Rule::Jwt => {
            if !is_jwt(value) {
                return None;
            }
            (Role::Token(Kind::Jwt), None)
        }
        Rule::PrivateKey | Rule::Generic => return None,
    };
    let example = is_known_example(value) || random.is_some_and(is_filler);
    Some(Spot {
        role,
        span: m.range(),
        example,
        detail: String::new(),
        canonical: None,
    })
}

fn private_key(rules: &Rules, text: &str, caps: &Captures<'_>, complete: bool) -> Option<Spot> {
    let header = caps.get(0)?;
    let key_type = caps.get(1).map_or("", |t| t.as_str().trim());
    let detail = if key_type.is_empty() {
        "PKCS#8"
    } else {
        key_type
    }
    .to_owned();
    // The rest of the header's line; whether the line ends inside this window.
    let after = text.get(header.end()..)?;
    let (rest, line_ends_here) = match after.find('\n') {
        Some(nl) => (after.get(..nl)?, true),
        None => (after, complete),
    };
    let body_end = match rules.end_armor.find(rest) {
        Some(end) => {
            let body = rest.get(..end.start())?;
            if key_material(body).len() < MIN_KEY_MATERIAL {
                return None;
            }
            header.end() + end.end()
        }
        None if rest.trim().is_empty() => {
            return line_ends_here.then(|| Spot {
                role: Role::KeyBlockStart,
                span: header.range(),
                example: false,
                detail,
                canonical: None,
            });
        }
        None => {
            // Key material on the same line without an END marker (cut or truncated).
            let run = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || "+/=\\ \t\r:,-".contains(c)))
                .unwrap_or(rest.len());
            if key_material(rest.get(..run)?).len() < MIN_KEY_MATERIAL
                || (!line_ends_here && run == rest.len())
            {
                return None;
            }
            header.end() + run
        }
    };
    let body = text.get(header.end()..body_end)?;
    Some(Spot {
        role: Role::Token(Kind::PrivateKey),
        span: header.start()..body_end,
        example: false,
        detail,
        canonical: Some(key_material(body)),
    })
}

/// The key material of a block's body as it appears on one line: base64
/// characters of the pieces between line breaks (real or `\n`-escaped),
/// leaving out `Name: value` header pieces and the `-----END …` marker.
pub fn key_material(body: &str) -> String {
    let body = body.split("-----END").next().unwrap_or_default();
    body.replace("\\r", "\n")
        .replace("\\n", "\n")
        .split(['\r', '\n'])
        .filter(|piece| !piece.contains(':'))
        .flat_map(str::chars)
        .filter(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/' || *c == '=')
        .collect()
}

/// Key names whose values are not credentials even though the name ends with a keyword.
const NOT_SECRET_KEYS: [&str; 13] = [
    "hash",
    "digest",
    "fingerprint",
    "checksum",
    "publickey",
    "pubkey",
    "pagetoken",
    "nexttoken",
    "continuationtoken",
    "synctoken",
    "csrf",
    "xsrf",
    "tokentype",
];

/// Splits a generic match (`key`, optional closing quote, separator, optional
/// YAML tag, value) and judges the key and the value. `start` is the match's
/// offset in the window.
fn generic(start: usize, matched: &str) -> Option<Spot> {
    let key_len = matched
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .unwrap_or(matched.len());
    let key = matched.get(..key_len)?;
    let normalized: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if NOT_SECRET_KEYS.iter().any(|k| normalized.contains(k)) {
        return None;
    }
    let blank = [' ', '\t'];
    let mut rest = matched.get(key_len..)?;
    rest = ["\\\"", "\\'", "\"", "'"]
        .iter()
        .find_map(|q| rest.strip_prefix(q))
        .unwrap_or(rest);
    rest = rest.trim_start_matches(blank);
    rest = ["=>", ":=", "=", ":"]
        .iter()
        .find_map(|sep| rest.strip_prefix(sep))
        .unwrap_or(rest);
    rest = rest.trim_start_matches(blank);
    if rest.starts_with('!')
        && let Some(gap) = rest.find(blank)
    {
        rest = rest.get(gap..)?.trim_start_matches(blank);
    }
    let span = unquote(rest, start + matched.len() - rest.len());
    let value = matched.get(span.start - start..span.end - start)?;
    if value.contains("-----BEGIN") || value.contains("PRIVATE KEY") || is_weak_generic(value) {
        return None;
    }
    Some(Spot {
        role: Role::Generic,
        example: is_known_example(value),
        span,
        detail: stagegate_text::prefix(key, 64).to_owned(),
        canonical: None,
    })
}

/// The range inside the quotes of `raw`, which starts at byte `start`.
fn unquote(raw: &str, start: usize) -> Range<usize> {
    for (open, close) in [("\\\"", "\\\""), ("\"", "\""), ("'", "'"), ("`", "`")] {
        if raw.len() >= open.len() + close.len() && raw.starts_with(open) && raw.ends_with(close) {
            return start + open.len()..start + raw.len() - close.len();
        }
    }
    start..start + raw.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(Role, String, bool)> {
        let rules = Rules::new().unwrap();
        detect(&rules, text, true)
            .into_iter()
            .map(|s| (s.role, text[s.span].to_owned(), s.example))
            .collect()
    }

    #[test]
    fn tokens_of_known_formats() {
        let gh = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6");
        assert_eq!(
            found(&format!("x {gh} y")),
            vec![(Role::Token(Kind::GithubToken), gh, false)]
        );
        let gl = "glpat-Zx9Lw2Qp8Rt5Yu1Io3Pa";
        assert_eq!(
            found(gl),
            vec![(Role::Token(Kind::GitlabToken), gl.to_owned(), false)]
        );
        let sl = "xoxb-1234567890-0987654321-Zx9Lw2Qp8Rt5Yu1Io3Pa";
        assert_eq!(
            found(sl),
            vec![(Role::Token(Kind::SlackToken), sl.to_owned(), false)]
        );
    }

    #[test]
    fn filler_tokens_are_examples() {
        let gh = format!("ghp_{}", "x".repeat(36));
        assert_eq!(
            found(&gh),
            vec![(Role::Token(Kind::GithubToken), gh.clone(), true)]
        );
        let hook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
        assert_eq!(
            found(hook),
            vec![(Role::Token(Kind::SlackWebhook), hook.to_owned(), true)]
        );
    }

    #[test]
    fn private_key_needs_material() {
        assert!(found("\"-----BEGIN OPENSSH PRIVATE KEY-----\",").is_empty());
        let inline = "\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEogIBAAKCAQEAsr+KT0qCARZPy0K1\\n-----END RSA PRIVATE KEY-----\"";
        let spots = found(inline);
        assert_eq!(spots.len(), 1);
        assert_eq!(spots[0].0, Role::Token(Kind::PrivateKey));
        assert!(spots[0].1.starts_with("-----BEGIN") && spots[0].1.ends_with("KEY-----"));
        let crlf = "\"-----BEGIN EC PRIVATE KEY-----\\r\\nProc-Type: 4,ENCRYPTED\\r\\nMIIEogIBAAKCAQEAsr+KT0qCARZPy0K1\\r\\n-----END EC PRIVATE KEY-----\"";
        assert_eq!(
            key_material(crlf.split_once("KEY-----").unwrap().1),
            "MIIEogIBAAKCAQEAsr+KT0qCARZPy0K1"
        );
        assert_eq!(
            found("-----BEGIN EC PRIVATE KEY-----")[0].0,
            Role::KeyBlockStart
        );
    }

    #[test]
    fn generic_assignments_are_judged() {
        let spots = found("api_key = \"Zx9q2Lw8Kd0pVb7Xm4Rt\"");
        assert_eq!(
            spots,
            vec![(Role::Generic, "Zx9q2Lw8Kd0pVb7Xm4Rt".to_owned(), false)]
        );
        assert!(found("password: \"changeme\"").is_empty());
        assert!(
            found("\"hashed_secret\": \"25910f981e85ca04baf359199dd0bd4a3ae738b6\"").is_empty()
        );
        assert!(found("token: ${{ secrets.GITHUB_TOKEN }}").is_empty());
    }

    #[test]
    fn aws_shapes() {
        let rules = Rules::new().unwrap();
        let line =
            "k = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY 0123456789abcdef0123456789abcdef01234567";
        let shapes = aws_secret_shapes(&rules, line);
        assert_eq!(shapes.len(), 1);
        assert!(shapes[0].1);
        assert_eq!(
            found("AKIATESTTESTTESTTEST"),
            vec![(Role::AwsKeyId, "AKIATESTTESTTESTTEST".to_owned(), true)]
        );
    }

    #[test]
    fn cut_windows_leave_edge_matches_to_the_next_window() {
        let rules = Rules::new().unwrap();
        let text = format!("padding ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6");
        assert_eq!(detect(&rules, &text, true).len(), 1);
        assert!(detect(&rules, &text, false).is_empty());
    }

    /// The search over the whole text, as [`detect`] did before it searched
    /// only the lines that hold an anchor.
    fn whole(rules: &Rules, text: &str, complete: bool) -> Vec<Spot> {
        let mut by_rule: [Vec<Spot>; ALL_RULES.len()] = Default::default();
        detect_in(rules, text, 0..text.len(), complete, &mut by_rule);
        by_rule.into_iter().flatten().collect()
    }

    #[test]
    fn searching_anchored_lines_finds_what_searching_everything_finds() {
        let rules = Rules::new().unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/secrets");
        let mut texts: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                String::from_utf8_lossy(&std::fs::read(e.unwrap().path()).unwrap()).into_owned()
            })
            .collect();
        let token = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6";
        texts.extend([
            // A token at the start of a line, on consecutive lines, between
            // lines without anchors, and at the very end.
            format!("plain\n{token}\npassword = \"hunter2-x9Qz\"\nplain\n\n{token}"),
            // An anchor ("gl…-") that swallows the first dash of a key
            // header: the header's own anchor is never found, its line is.
            "glab-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4yZ\n-----END RSA PRIVATE KEY-----\n".to_owned(),
            "AKIAIOSFODNN7EXAMPLE\r\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n".to_owned(),
            format!("a line cut inside a token: {token}"),
        ]);
        let mut found = 0;
        for text in &texts {
            for complete in [true, false] {
                let lines = detect(&rules, text, complete);
                assert_eq!(lines, whole(&rules, text, complete), "{text:.80}");
                found += lines.len();
            }
        }
        assert!(found > 50, "the texts hold candidates: {found}");
    }
}
