//! Redaction: a text with every credential the detectors recognise replaced
//! by its fingerprint, the same one the `secrets` plugin reports for it.
//!
//! It runs over every string that leaves the gate, so it must be cheap when
//! there is nothing to find (one pass of the rule set), must never panic, and
//! must be idempotent: a fingerprint is never taken for a value again.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::LazyLock;

use crate::detect::{Role, aws_secret_shapes, detect, key_material};
use crate::rules::Rules;
use crate::value::fingerprint;

static RULES: LazyLock<Option<Rules>> = LazyLock::new(|| Rules::new().ok());

/// What a failure to build the detectors turns every text into: nothing
/// leaves unchecked.
const UNCHECKED: &str = "[redacted: the secret detectors are unavailable]";

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
    let aws_context =
        text.contains("AKIA") || text.contains("ASIA") || text.to_ascii_lowercase().contains("aws");
    if !rules.set.is_match(text) && !aws_context {
        return Vec::new();
    }
    let mut found: Vec<(Range<usize>, String)> = Vec::new();
    for spot in detect(rules, text, true) {
        let Some(value) = text.get(spot.span.clone()) else {
            continue;
        };
        match spot.role {
            Role::KeyBlockStart => {
                if let Some(block) = key_block(rules, text, spot.span.clone()) {
                    found.push(block);
                }
            }
            _ => {
                let value = spot.canonical.as_deref().unwrap_or(value);
                if value.contains(crate::value::ELLIPSIS) || value.is_empty() {
                    continue;
                }
                found.push((spot.span.clone(), fingerprint(value)));
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
    // Longest first at each start, then keep only what does not overlap.
    found.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut kept: Vec<(Range<usize>, String)> = Vec::with_capacity(found.len());
    for (span, shown) in found {
        if kept.last().is_some_and(|(last, _)| span.start < last.end) {
            continue;
        }
        kept.push((span, shown));
    }
    kept
}

/// A private key block whose header ends a line: the header, the lines of
/// key material after it and the `-----END …-----` line, when present.
fn key_block(rules: &Rules, text: &str, header: Range<usize>) -> Option<(Range<usize>, String)> {
    let after = text.get(header.end..)?;
    let end = match rules.end_armor.find(after) {
        Some(armor) => header.end + armor.end(),
        None => {
            // No END marker: the material runs while lines look like base64.
            let mut end = header.end;
            for line in after.split_inclusive('\n').skip(1) {
                let body = line.trim_end();
                let base64 = !body.is_empty()
                    && body
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c));
                if !base64 {
                    break;
                }
                end += line.len();
            }
            if end == header.end {
                // A bare header (scanners quote them): nothing secret to hide.
                return None;
            }
            end
        }
    };
    let material = key_material(text.get(header.end..end)?);
    if material.len() < crate::detect::MIN_KEY_MATERIAL {
        return None;
    }
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
        for value in values {
            assert!(!shown.contains(value), "`{value}` survived in {shown:?}");
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
