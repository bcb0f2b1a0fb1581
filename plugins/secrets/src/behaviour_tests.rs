//! Scanner behaviour on made-up inputs: deduplication, AWS pairing, token
//! kinds, assignment syntaxes, placeholders, examples, and blocks or pairs that
//! straddle two windows. Values are random-looking strings made up for the
//! tests, not credentials.

use crate::malformed_tests::{lines_of, scan_bytes};

const GH1: &str = "ghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC2dF4gH6";
const AWS_ID: &str = "AKIAZ7Q2LW8KD0PVB7XM";
const AWS_SECRET: &str = "Zx9q2Lw8Kd0pVb7Xm4Rt6Yu1Io3Pa5Sd7Fg9Hj2K";
const VALUE: &str = "Zx9q2Lw8Kd0pVb7Xm4Rt";

/// `n` lines of exactly 64 bytes: 1024 of them fill a 64 KiB window.
fn filler(n: usize) -> String {
    format!("#{}\n", "-".repeat(62)).repeat(n)
}

#[test]
fn one_value_on_one_line_is_one_finding() {
    // The GitHub rule and the generic `token:` rule match the same value.
    let r = scan_bytes(format!("token: {GH1}\n").as_bytes());
    assert_eq!(lines_of(&r), vec![(1, "github-token")]);
    // Two different tokens one character apart: two.
    const GH2: &str = "ghp_Qw7Er5Ty3Ui1Op9As7Df5Gh3Jk1Lz9Xc7Vb5";
    let r =
        scan_bytes(format!("{GH1},{GH2}\nAKIAZ7Q2LW8KD0PVB7XM,AKIAQ3W5E7R9T1Y3U5I7\n").as_bytes());
    assert_eq!((r.github_tokens, r.aws_key_ids), (2, 2));
    // A token-shaped run that goes on is not a token.
    let r = scan_bytes(format!("{GH1}x AKIAZ7Q2LW8KD0PVB7XMQ\n").as_bytes());
    assert_eq!(r.leaks, 0);
    // Twice on one line: one; on two lines: two.
    let r = scan_bytes(format!("{GH1} {GH1}\n{GH1}\n").as_bytes());
    assert_eq!(lines_of(&r), vec![(1, "github-token"), (2, "github-token")]);
    // A generic value overlapping a token (`Bearer <jwt>` quoted) is the token only.
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4eTcifQ.Zx9q2Lw8Kd0pVb7Xm4Rt6Yu1Io3Pa5Sd7Fg9Hj2K";
    let r = scan_bytes(format!("auth_token: \"Bearer {jwt}\"\n").as_bytes());
    assert_eq!(lines_of(&r), vec![(1, "jwt")]);
}

#[test]
fn aws_ids_pair_with_secret_keys() {
    let pair =
        format!("[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n");
    let r = scan_bytes(pair.as_bytes());
    assert_eq!(lines_of(&r), vec![(2, "aws-access-key")]);
    assert_eq!((r.aws_keys, r.leaks), (1, 1));
    // Secret first, assignment far away: still paired by the assignment rule.
    let far = format!(
        "AWS_SECRET_ACCESS_KEY={AWS_SECRET}\n{}AWS_ACCESS_KEY_ID={AWS_ID}\n",
        "x\n".repeat(50)
    );
    assert_eq!(
        lines_of(&scan_bytes(far.as_bytes())),
        vec![(52, "aws-access-key")]
    );
    // CSV credentials: both on one line.
    let csv = format!("User name,Access key ID,Secret access key\nci,{AWS_ID},{AWS_SECRET}\n");
    assert_eq!(
        lines_of(&scan_bytes(csv.as_bytes())),
        vec![(2, "aws-access-key")]
    );
    // An id alone, and a secret assignment alone.
    assert_eq!(
        lines_of(&scan_bytes(format!("id: {AWS_ID}\n").as_bytes())),
        vec![(1, "aws-key-id")]
    );
    let secret_only = format!("aws_secret_access_key = {AWS_SECRET}\n");
    assert_eq!(
        lines_of(&scan_bytes(secret_only.as_bytes())),
        vec![(1, "generic-secret")]
    );
}

#[test]
fn other_token_kinds() {
    let text = "GITLAB=glpat-Zx9Lw2Qp8Rt5Yu1Io3Pa\nSLACK=xoxb-1234567890-0987654321-Zx9Lw2Qp8Rt5Yu1Io3Pa\n\
                HOOK=https://hooks.slack.com/services/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\n\
                -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    let r = scan_bytes(text.as_bytes());
    assert_eq!(
        lines_of(&r),
        vec![
            (1, "gitlab-token"),
            (2, "slack-token"),
            (3, "slack-webhook"),
            (4, "private-key")
        ]
    );
    assert_eq!((r.gitlab_tokens, r.slack_tokens, r.private_keys), (1, 2, 1));
}

#[test]
fn assignment_syntaxes() {
    let lines = [
        format!("DB_PASSWORD={VALUE}"),
        format!("export API_TOKEN=\"{VALUE}\""),
        format!("  client_secret: '{VALUE}'"),
        format!("{{\"apiKey\": \"{VALUE}\"}}"),
        format!("secret_key = \"{VALUE}\"  # toml"),
        format!("token := `{VALUE}`"),
        format!("'auth' => '{VALUE}',"),
        format!("signing-key: !!binary {VALUE}"),
        format!("\"m\": \"passwd = \\\"{VALUE}\\\"\""),
        format!("DB_PASS: {VALUE}"),
    ];
    let text = lines.join("\n");
    let r = scan_bytes(text.as_bytes());
    let expected: Vec<(u64, &str)> = (1..=10).map(|l| (l, "generic-secret")).collect();
    assert_eq!(lines_of(&r), expected);
    let keys: Vec<&str> = r.findings.iter().map(|f| f.detail.as_str()).collect();
    assert_eq!(
        keys,
        [
            "DB_PASSWORD",
            "API_TOKEN",
            "client_secret",
            "apiKey",
            "secret_key",
            "token",
            "auth",
            "signing-key",
            "passwd",
            "DB_PASS"
        ]
    );
    // Every one has the same value, so the same fingerprint.
    assert!(
        r.findings
            .iter()
            .all(|f| f.fingerprint == r.findings[0].fingerprint)
    );
}

#[test]
fn placeholders_and_non_secret_keys_are_not_leaks() {
    let text = "password=${DB_PASSWORD}\napi_key: <your-api-key>\npassword: changeme\ntoken: xxxxxxxxxxxxxxxx\n\
                secret: '****************'\nauth_token: process.env.AUTH_TOKEN\npassword=\n\
                token: ${{ secrets.GITHUB_TOKEN }}\npassword_hash: Zx9q2Lw8Kd0pVb7Xm4Rt\n\
                public_key: Zx9q2Lw8Kd0pVb7Xm4Rt\nssl_key: /etc/ssl/private/server.key\n\
                secret: \"not a secret at all, just words\"\nnext_page_token: Zx9q2Lw8Kd0pVb7Xm4Rt\n";
    let r = scan_bytes(text.as_bytes());
    assert_eq!((r.leaks, r.example_values), (0, 0), "{:?}", lines_of(&r));
}

#[test]
fn inline_allowlist_pragmas_are_not_honoured() {
    let text = format!("api_key = \"{VALUE}\"  # pragma: allowlist secret\n");
    assert_eq!(scan_bytes(text.as_bytes()).generic_secrets, 1);
}

#[test]
fn documented_examples_are_counted_apart() {
    let text = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                stripe_key: sk_test_4eC39HqLyjWDarjtT1zdp7dc\nslack: xoxb-XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX\n\
                jwt: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\n";
    let r = scan_bytes(text.as_bytes());
    assert_eq!((r.leaks, r.example_values), (0, 4));
    assert!(
        r.findings
            .iter()
            .all(|f| f.example && f.level() == crate::hit::Level::Info)
    );
}

#[test]
fn key_block_straddling_two_windows() {
    assert_eq!(filler(1024).len(), crate::window::WINDOW);
    let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEogIBAAKCAQEAsr+KT0qCARZPy0K1eH7xcp7RCJmQxlfS\n\
               oWnBb+ltPuFtku7pn9uwnPGb+hTtu7Ee/njRBk7UplJCS+4Z\n-----END RSA PRIVATE KEY-----\n";
    // The window cut falls after the header, after the first body line, ...
    for room in 1..=4 {
        let text = format!("{}{pem}{}", filler(1024 - room), filler(3));
        let r = scan_bytes(text.as_bytes());
        assert_eq!(
            lines_of(&r),
            vec![(1025 - room as u64, "private-key")],
            "room {room}"
        );
    }
}

#[test]
fn aws_pair_straddling_two_windows() {
    // Id on the last line of the first window, secret on the first line of the next.
    let text = format!(
        "{}aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n",
        filler(1023)
    );
    assert_eq!(
        lines_of(&scan_bytes(text.as_bytes())),
        vec![(1024, "aws-access-key")]
    );
    // A bare secret ending the first window, the id three lines later in the next.
    let text = format!("{}{AWS_SECRET}\n{}\nid {AWS_ID}\n", filler(1023), filler(1));
    assert_eq!(
        lines_of(&scan_bytes(text.as_bytes())),
        vec![(1027, "aws-access-key")]
    );
}

/// A made-up, random-looking AWS key id number `i`.
fn fake_id(i: u64) -> String {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let tail: String = (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(x % 32) as usize])
        })
        .collect();
    format!("AKIA{tail}")
}

#[test]
fn many_ids_on_one_line_are_all_counted_with_bounded_state() {
    let line: Vec<String> = (0..6000).map(fake_id).collect();
    let r = scan_bytes(format!("{}\n", line.join(" ")).as_bytes());
    assert_eq!((r.aws_key_ids, r.leaks), (6000, 6000));
    assert_eq!((r.findings.len(), r.findings_dropped), (1000, 5000));
}
