//! Hostile and odd inputs: empty, binary-ish, invalid UTF-8, a 50 MB single
//! line, deep nesting, huge strings, truncation, read failures. Values are
//! made up for the tests (random-looking, not credentials).

use crate::config::Config;
use crate::scanner::Scanner;
use crate::tally::Report;
use std::io::{self, BufReader, Read};

const GH1: &str = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6";
const GH2: &str = "ghp_Qw7Er5Ty3Ui1Op9As7Df5Gh3Jk1Lz9Xc7Vb5";
const GH3: &str = "ghp_Mn2Bv4Cx6Zl8Kj0Hg2Fd4Sa6Po8Iu0Yt2Re4";
const GH4: &str = "ghp_Lk3Jh5Gf7Ds9Aq1Wz3Sx5Ed7Cr9Fv1Tg3By5";

/// Scans `bytes` as one file.
pub fn scan_bytes(bytes: &[u8]) -> Report {
    scan_reader(bytes)
}

fn scan_reader(reader: impl Read) -> Report {
    let mut scanner = Scanner::new(Config::default()).unwrap();
    scanner.scan("input.txt", BufReader::new(reader)).unwrap();
    scanner.finish()
}

/// (line, kind) of every finding.
pub fn lines_of(r: &Report) -> Vec<(u64, &'static str)> {
    r.findings.iter().map(|l| (l.line, l.kind.name())).collect()
}

#[test]
fn empty_file_counts_as_an_input_with_nothing_in_it() {
    let r = scan_bytes(b"");
    assert_eq!(
        (r.inputs, r.leaks, r.example_values, r.findings.len()),
        (1, 0, 0, 0)
    );
}

#[test]
fn binary_ish_file_is_scanned_without_harm() {
    // 1 MiB of pseudo-random bytes 1..=255 (no NUL, as the AnyText matcher lets through).
    let mut seed: u32 = 7;
    let mut bytes: Vec<u8> = (0..1 << 20)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ((seed >> 16) % 255) as u8 + 1
        })
        .collect();
    bytes.extend_from_slice(format!("\x01{GH1}\x02").as_bytes());
    let r = scan_bytes(&bytes);
    assert_eq!(r.github_tokens, 1);
    assert_eq!(r.leaks, 1);
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_still_scanned() {
    let mut bytes = b"\xff\xfe api_key = Zx9q2Lw8Kd0pVb7Xm4Rt \xc3\x28 ".to_vec();
    bytes.extend_from_slice(GH1.as_bytes());
    bytes.extend_from_slice(b" \x80\n");
    let r = scan_bytes(&bytes);
    assert_eq!(
        lines_of(&r),
        vec![(1, "github-token"), (1, "generic-secret")]
    );
}

/// Yields `len` bytes of filler with `tokens` placed at given offsets, then
/// `tail`, without ever holding the whole input.
struct Generated {
    pos: usize,
    len: usize,
    tokens: Vec<(usize, String)>,
    tail: &'static [u8],
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        const FILLER: &[u8] = b"lorem ipsum ";
        let start = self.pos;
        let n = buf.len().min(self.len + self.tail.len() - start);
        for (i, byte) in buf[..n].iter_mut().enumerate() {
            let at = start + i;
            *byte = if at < self.len {
                FILLER[at % FILLER.len()]
            } else {
                self.tail[at - self.len]
            };
        }
        for (at, token) in &self.tokens {
            for (i, b) in token.bytes().enumerate() {
                if let Some(slot) = (at + i)
                    .checked_sub(start)
                    .and_then(|o| buf[..n].get_mut(o))
                {
                    *slot = b;
                }
            }
        }
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn fifty_megabyte_single_line_is_scanned_in_windows() {
    use crate::window::WINDOW;
    let len = 50 * 1024 * 1024;
    let input = Generated {
        pos: 0,
        len,
        tokens: [
            (0, GH1),
            (WINDOW - 10, GH2),
            (len / 2, GH3),
            (len - GH4.len() - 2, GH4),
        ]
        .into_iter()
        .map(|(at, t)| (at, format!(" {t} ")))
        .collect(),
        tail: b"\nsecond line token: Zx9q2Lw8Kd0pVb7Xm4Rt\n",
    };
    let r = scan_reader(input);
    assert_eq!(
        r.github_tokens, 4,
        "start, across a window cut, middle, end"
    );
    assert_eq!(
        lines_of(&r),
        vec![(1, "github-token"); 4]
            .into_iter()
            .chain([(2, "generic-secret")])
            .collect::<Vec<_>>()
    );
}

#[test]
fn deep_nesting_and_huge_strings_are_just_text() {
    let deep = format!(
        "{}{{\"token\": \"Zx9q2Lw8Kd0pVb7Xm4Rt\"}}{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(scan_bytes(deep.as_bytes()).generic_secrets, 1);
    let huge = format!(
        "{{\"note\": \"{}\", \"k\": \"{GH1}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    assert_eq!(scan_bytes(huge.as_bytes()).github_tokens, 1);
}

#[test]
fn truncated_inputs() {
    // A key block cut before its END line still holds key material.
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEogIBAAKCAQEAsr+KT0qCARZPy0K1eH7xcp7RCJmQxlfS";
    assert_eq!(scan_bytes(pem.as_bytes()).private_keys, 1);
    // A quoted value cut before its closing quote is not judged.
    assert_eq!(scan_bytes(b"{\"password\": \"Zx9q2Lw8Kd0pVb7").leaks, 0);
    // CRLF line ends.
    let crlf = format!("a\r\nt = {GH1}\r\n");
    assert_eq!(
        lines_of(&scan_bytes(crlf.as_bytes())),
        vec![(2, "github-token")]
    );
}

/// The error text of a read that fails half-way.
pub fn read_error_text() -> String {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("device went away"));
            }
            let n = self.0.min(buf.len());
            buf[..n].fill(b'a');
            self.0 -= n;
            Ok(n)
        }
    }
    let mut scanner = Scanner::new(Config::default()).unwrap();
    scanner
        .scan("dir/x.log", BufReader::new(Failing(100_000)))
        .unwrap_err()
        .to_string()
}

#[test]
fn read_failure_names_the_file() {
    assert_eq!(
        read_error_text(),
        "`dir/x.log` could not be read: device went away"
    );
}

use stagegate_sdk::text::bom::utf16_with_mark as utf16;

/// Scans `bytes` as one file the way the plugin reads an artifact.
fn scan_as_plugin(bytes: &[u8]) -> Report {
    use stagegate_sdk::text::bom::BomReader;
    let mut scanner = Scanner::new(Config::default()).unwrap();
    let text = Ok(BufReader::new(BomReader::new(bytes)));
    crate::scan_file(&mut scanner, "deploy/.env", text, || Ok(bytes)).unwrap();
    scanner.finish()
}

#[test]
fn utf16_files_with_a_byte_order_mark_are_transcoded() {
    let env = format!("# written by PowerShell\r\nAPP_ENV=prod\r\nGITHUB_TOKEN={GH1}\r\n");
    for little_endian in [true, false] {
        let bytes = utf16(&env, little_endian);
        // Read as bytes, the NULs between the characters hide the token.
        assert_eq!(scan_bytes(&bytes).github_tokens, 0);
        let r = scan_as_plugin(&bytes);
        assert_eq!(r.inputs, 1);
        assert_eq!(lines_of(&r), vec![(3, "github-token")], "{little_endian}");
        assert!(!r.findings[0].message().contains(&GH1[4..]));
    }
    // Beyond the first window, the line numbers still hold.
    let long = format!("{}token: {GH2}\n", "# filler line of text\n".repeat(10_000));
    let r = scan_as_plugin(&utf16(&long, true));
    assert_eq!(lines_of(&r), vec![(10_001, "github-token")]);
}

#[test]
fn a_byte_order_mark_cannot_hide_utf8_text() {
    // `FF FE` in front of UTF-8 text makes it "UTF-16": the transcoding is nonsense, but
    // the raw bytes are scanned too, and a credential found in both views counts once.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend_from_slice(format!("GITHUB_TOKEN={GH1}\n").as_bytes());
    let r = scan_as_plugin(&bytes);
    assert_eq!((r.inputs, r.github_tokens, r.leaks), (1, 1, 1));
    // Even-length UTF-8 text padded so that both views decode: still one finding.
    let mut both = utf16(&format!("a={GH3}\n"), true);
    both.extend_from_slice(format!("\n{GH3}\n").as_bytes());
    let r = scan_as_plugin(&both);
    assert_eq!(r.github_tokens, 1, "{:?}", lines_of(&r));
    // A UTF-8 byte-order mark is only dropped: no second view.
    let mut utf8 = b"\xEF\xBB\xBF".to_vec();
    utf8.extend_from_slice(format!("k: {GH4}\n").as_bytes());
    assert_eq!(lines_of(&scan_as_plugin(&utf8)), vec![(1, "github-token")]);
}
