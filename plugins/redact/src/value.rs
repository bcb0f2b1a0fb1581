//! Judging a matched value without ever keeping or printing it.
//!
//! Three questions are answered here: is a value random enough to be a real
//! credential (Shannon entropy), is it an obvious placeholder (`${VAR}`,
//! `<token>`, `changeme`, `****`), and is it a publicly documented example
//! (AWS's `AKIAIOSFODNN7EXAMPLE`, the jwt.io sample token, Stripe's documented
//! test keys). The only thing derived from a value that may leave the plugin is
//! its [`fingerprint`]: the first 4 characters, `…`, and 8 hex digits of its
//! SHA-256. Nothing in this module logs, stores or formats the value itself.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// Minimum Shannon entropy, in bits per character, of a generic assignment's
/// value. Random base64 scores about 5, random hex about 4, English words and
/// `Password123!` stay below 3.5.
pub const MIN_ENTROPY: f64 = 3.5;

/// Minimum length, in characters, of a generic assignment's value. Note that a
/// value of n characters can score at most log2(n) bits, so in practice 3.5
/// bits needs at least 12 characters.
pub const MIN_LENGTH: usize = 8;

/// A token of a known format whose random part scores below this many bits per
/// character (`xoxb-XXXXXXXX…`, `AKIATESTTESTTESTTEST`) is a placeholder.
pub const PLACEHOLDER_ENTROPY: f64 = 2.5;

/// Exact values published in vendor documentation as examples.
const KNOWN_EXAMPLES: [&str; 7] = [
    // AWS IAM documentation: example access key id and secret access key.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // jwt.io: the HS256 sample token shown on the front page.
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    // Stripe API reference: test-mode keys printed in the documentation.
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "pk_test_6pRNASCoBOKtIshFeQd4XMUh",
];

/// The payload of the jwt.io sample (`{"sub":"1234567890","name":"John Doe","iat":1516239022}`):
/// a token carrying it is the sample, whatever key signed it.
pub const JWT_IO_SAMPLE_PAYLOAD: &str =
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";

/// Shannon entropy of `value` in bits per character (0 for an empty value).
pub fn shannon(value: &str) -> f64 {
    let mut ascii = [0u32; 128];
    let mut other: Vec<char> = Vec::new();
    let mut total = 0u32;
    for c in value.chars() {
        total = total.saturating_add(1);
        match ascii.get_mut(c as usize) {
            Some(count) => *count += 1,
            None => other.push(c),
        }
    }
    if total == 0 {
        return 0.0;
    }
    // Non-ASCII characters are counted by sorting: O(n log n) whatever the text.
    other.sort_unstable();
    let other_counts = other
        .chunk_by(|a, b| a == b)
        .map(|run| u32::try_from(run.len()).unwrap_or(u32::MAX));
    // H = log2(n) - (1/n) * sum(c * log2(c)): one log per distinct character.
    let n = f64::from(total);
    let weighted: f64 = ascii
        .iter()
        .copied()
        .chain(other_counts)
        .filter(|c| *c > 1)
        .map(|c| f64::from(c) * f64::from(c).log2())
        .sum();
    n.log2() - weighted / n
}

/// A publicly documented example: on the list above, carrying the jwt.io
/// sample payload, or containing `EXAMPLE` in any case.
pub fn is_known_example(value: &str) -> bool {
    KNOWN_EXAMPLES.contains(&value)
        || value.split('.').nth(1) == Some(JWT_IO_SAMPLE_PAYLOAD)
        || value.to_ascii_lowercase().contains("example")
}

/// The random part of a known-format token is filler: too little entropy, or
/// a run of 8 identical characters (`XXXXXXXX`, `00000000`).
pub fn is_filler(random_part: &str) -> bool {
    shannon(random_part) < PLACEHOLDER_ENTROPY || has_run(random_part, 8)
}

fn has_run(value: &str, len: usize) -> bool {
    let mut run = 0;
    let mut previous = None;
    for c in value.chars() {
        run = if Some(c) == previous { run + 1 } else { 1 };
        if run >= len {
            return true;
        }
        previous = Some(c);
    }
    false
}

/// Words that make a generic value a placeholder wherever they appear.
const PLACEHOLDER_WORDS: [&str; 10] = [
    "changeme",
    "change_me",
    "change-me",
    "changeit",
    "placeholder",
    "redacted",
    "your_",
    "your-",
    "xxx",
    "***",
];

/// Prefixes that make a generic value a reference to somewhere else: an
/// environment variable, a template, an encrypted blob.
const REFERENCE_PREFIXES: [&str; 10] = [
    "$",
    "%",
    "#{",
    "{{",
    "<",
    "enc(",
    "env.",
    "env[",
    "process.env",
    "os.environ",
];

/// A generic assignment's value that is not worth reporting: a placeholder,
/// a reference, a path, a plain URL, prose, or too short or too regular to be a
/// credential (see [`MIN_LENGTH`] and [`MIN_ENTROPY`]).
pub fn is_weak_generic(value: &str) -> bool {
    if value.chars().count() < MIN_LENGTH
        || value.chars().any(char::is_whitespace)
        || shannon(value) < MIN_ENTROPY
    {
        return true;
    }
    let lower = value.to_ascii_lowercase();
    lower.contains("${")
        || lower.contains("getenv")
        || lower.ends_with('(')
        || PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w))
        || REFERENCE_PREFIXES.iter().any(|p| lower.starts_with(p))
        || is_plain_url(&lower)
        || is_path(value)
}

/// `/etc/ssl/key.pem`, `./x`, `~/.ssh/id_rsa`: a path prefix, and either no
/// uppercase letter (random base64 of this length always has some) or a file
/// extension at the end (base64 has no dots).
fn is_path(value: &str) -> bool {
    let prefixed = ["/", "./", "../", "~/"]
        .iter()
        .any(|p| value.starts_with(p));
    let extension = value.rsplit_once('.').is_some_and(|(_, ext)| {
        (1..=5).contains(&ext.len())
            && ext
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    prefixed && (!value.chars().any(|c| c.is_ascii_uppercase()) || extension)
}

/// `scheme://host/…` without `user:password@`.
fn is_plain_url(lower: &str) -> bool {
    match lower.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
        {
            let authority = rest.split('/').next().unwrap_or_default();
            !authority.contains('@')
        }
        _ => false,
    }
}

/// The mark between a fingerprint's visible prefix and its digest.
pub const ELLIPSIS: char = '…';

/// The redacted fingerprint of a value: first 4 characters, `…`, first 8 hex
/// digits of its SHA-256. Control characters in the prefix become `?`.
pub fn fingerprint(value: &str) -> String {
    let mut f = Fingerprint::new(value);
    f.update(value.as_bytes());
    f.finish()
}

/// A fingerprint computed piece by piece, for values read over several lines.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    prefix: String,
    hasher: Sha256,
}

impl Fingerprint {
    /// Starts a fingerprint whose visible prefix is taken from `start`.
    pub fn new(start: &str) -> Self {
        let prefix = start
            .chars()
            .take(4)
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        Self {
            prefix,
            hasher: Sha256::new(),
        }
    }

    /// Feeds more of the value.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// The fingerprint text.
    pub fn finish(self) -> String {
        let digest = self.hasher.finalize();
        let mut out = self.prefix;
        out.push(ELLIPSIS);
        for byte in digest.iter().take(4) {
            let _ = write!(out, "{byte:02x}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon(""), 0.0);
        assert_eq!(shannon("aaaa"), 0.0);
        assert!((shannon("abcd") - 2.0).abs() < 1e-9);
        // python3 -c "import math,collections as c;s='Password123!';print(-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values()))"  -> 3.418
        assert!((shannon("Password123!") - 3.418).abs() < 1e-3);
        assert!(shannon("Password123!") < MIN_ENTROPY);
        // Non-ASCII characters count like any other: 4 distinct, twice each.
        assert!((shannon("ééàà日日本本") - 2.0).abs() < 1e-9);
        // Many distinct non-ASCII characters stay cheap and score high.
        let cjk: String = (0x4E00u32..0x4E00 + 20_000)
            .filter_map(char::from_u32)
            .collect();
        assert!(shannon(&cjk) > 14.0);
    }

    #[test]
    fn fingerprint_shape() {
        // python3 -c "import hashlib;print(hashlib.sha256(b'ghp_abc').hexdigest()[:8])"
        let f = fingerprint("ghp_abc");
        assert!(f.starts_with("ghp_…"));
        assert_eq!(f.chars().count(), 4 + 1 + 8);
        assert_eq!(
            fingerprint("\u{1}\u{2}ab"),
            format!("??ab…{}", &fingerprint("\u{1}\u{2}ab")[7..])
        );
    }

    #[test]
    fn placeholders_are_weak() {
        for v in [
            "changeme",
            "${DB_PASSWORD}",
            "<your-token>",
            "********",
            "xxxxxxxxxxxx",
            "$SECRET_VALUE",
            "%(password)s",
            "{{ secrets.TOKEN }}",
            "/etc/ssl/private/key.pem",
            "https://example.org/a/b/c/d",
            "process.env.API_TOKEN",
            "os.environ.get(",
            "short",
            "not a secret at all",
            "ENC(AbCdEf0123456789xyz)",
        ] {
            assert!(is_weak_generic(v), "{v}");
        }
        // Keyboard mash scores 3.355 bits/char, below the threshold:
        // python3 -c "import math,collections as c;s='dfjksdjfs3294dfjlsdaf213';print(-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values()))"
        assert!(is_weak_generic("dfjksdjfs3294dfjlsdaf213"));
        assert!(!is_weak_generic("Zx9q2Lw8Kd0pVb7Xm4Rt"));
        assert!(!is_weak_generic(
            "/K7MDENGbPxRfiCYzQ2x9Lw0/abcDEF1234567890pq"
        ));
        assert!(!is_weak_generic("https://user:Zx9q2Lw8Kd0pVb7@example.org"));
    }

    #[test]
    fn examples_and_filler() {
        assert!(is_known_example("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_known_example("sk_test_4eC39HqLyjWDarjtT1zdp7dc"));
        assert!(is_known_example("my-example-token"));
        assert!(is_known_example(&format!(
            "eyJhbGciOiJub25lIn0.{JWT_IO_SAMPLE_PAYLOAD}."
        )));
        assert!(!is_known_example("Zx9q2Lw8Kd0pVb7Xm4Rt"));
        assert!(is_filler("TESTTESTTESTTEST"));
        assert!(is_filler("T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"));
        assert!(!is_filler("aB3dE5gH7jK9mN1pQ3sT5vW7yZ9b"));
    }
}
