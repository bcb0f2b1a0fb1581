//! The scanner over every real fixture, with the expected counts written out.
//!
//! Each row says why its numbers are what they are. Entropies quoted below come
//! from this one-liner over the value (bits per character):
//! `python3 -c "import math,collections as c,sys;s=sys.argv[1];print(-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values()))" VALUE`

use crate::config::Config;
use crate::scanner::Scanner;
use crate::tally::Report;
use crate::{facts, findings};
use stagegate_sdk::FactValue;
use std::io::BufReader;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/secrets");

/// Scans fixture files in one evaluation.
fn scan(names: &[&str], config: Config) -> (Report, Vec<String>) {
    let mut scanner = Scanner::new(config).unwrap();
    for name in names {
        let file = std::fs::File::open(format!("{DIR}/{name}")).unwrap();
        scanner.scan(name, BufReader::new(file)).unwrap();
    }
    let values = scanner.seen_values().to_vec();
    (scanner.finish(), values)
}

/// Expected counts of one fixture.
struct Expect {
    file: &'static str,
    leaks: u64,
    examples: u64,
    /// aws_keys, aws_key_ids, private_keys, github, gitlab, slack, jwts, generic.
    kinds: [u64; 8],
}

const fn e(file: &'static str, leaks: u64, examples: u64, kinds: [u64; 8]) -> Expect {
    Expect {
        file,
        leaks,
        examples,
        kinds,
    }
}

/// Every fixture file. Scanner reports are scanned like any text: when they
/// print secrets in plain text, the bundle leaks them.
const EXPECTED: [Expect; 20] = [
    // Only `hashed_secret` SHA-1 digests: key names with `hash` are not secrets.
    // python3 -c "import json;d=json.load(open('detect-secrets-1.5_scan_planted.json'));print({k for v in d['results'].values() for f in v for k in f})"
    e("detect-secrets-1.5_scan_planted.json", 0, 0, [0; 8]),
    e("detect-secrets-testdata_baseline.json", 0, 0, [0; 8]),
    // Line 2: `!!binary` tag skipped, base64 value at 4.24 bits/char.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password|auth))\W?:\s*(?:!!\w+\s+)?[\"\x27]?([^\"\x27\s]+)',open('detect-secrets-testdata_binary.yaml').read(),re.I)])"
    e(
        "detect-secrets-testdata_binary.yaml",
        1,
        0,
        [0, 0, 0, 0, 0, 0, 0, 1],
    ),
    // `123456789a1234` 3.24, `23456789a1` 3.32, `12345678901234` 3.24: all below 3.5;
    // `real_secret_which_isnt_an_i_d` does not end with a keyword.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password|auth))\s*=\s*([^\s;]+)',open('detect-secrets-testdata_config.ini').read(),re.I)])"
    e("detect-secrets-testdata_config.ini", 0, 0, [0; 8]),
    // Line 12 `allowlisted_api_key` 4.54 (inline pragmas are not honoured), line 13
    // `!!binary` value 4.68; `AKIATESTTESTTESTTEST` is filler (2.0 bits) so an example.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password|auth))\W?:\s*(?:!!\w+\s+)?[\"\x27]?([^\"\x27\s]+)',open('detect-secrets-testdata_config.yaml').read(),re.I)])"
    e(
        "detect-secrets-testdata_config.yaml",
        2,
        1,
        [0, 0, 0, 0, 0, 0, 0, 2],
    ),
    // OpenSSH armor with 56 characters of (dummy) key material.
    e(
        "detect-secrets-testdata_private_key",
        1,
        0,
        [0, 0, 1, 0, 0, 0, 0, 0],
    ),
    // `secure:` values are Travis-encrypted by design and `password:` has no value on its line.
    e("detect-secrets-testdata_travis.yml", 0, 0, [0; 8]),
    e("detect-secrets_many-findings.json", 0, 0, [0; 8]),
    e("detect-secrets_no-findings.json", 0, 0, [0; 8]),
    // Plaintext `Match`/`Secret` fields: the RSA key twice (grep -c 'BEGIN RSA PRIVATE KEY-----\\nMII' → 2);
    // generic: 5 generic-api-key findings on both lines plus the AIza `Secret` line = 11
    // python3 -c "import json;d=json.load(open('gitleaks-8.30.1_dir_planted.json'));print(sum(1+(x['RuleID']=='generic-api-key') for x in d if x['RuleID'] in ('generic-api-key','gcp-api-key')))"
    // examples: Stripe test key (`Secret` line only), placeholder webhook ×2, jwt.io sample ×2 = 5.
    e(
        "gitleaks-8.30.1_dir_planted.json",
        13,
        5,
        [0, 0, 2, 0, 0, 0, 0, 11],
    ),
    // AKIAIOSFODNN7EXAMPLE on the `line` and `offender` lines of 6 findings: grep -c AKIAIOSFODNN7EXAMPLE → 12;
    // the quoted OPENSSH headers carry no key material.
    e("gitleaks7.5_report.json", 0, 12, [0; 8]),
    // `secretAWSsecret` 2.84 and `dfjksdjfs3294dfjlsdaf213` 3.36 are below 3.5; RSA header without material.
    e("gitleaks8_many.json", 0, 0, [0; 8]),
    e("gitleaks_no-findings.json", 0, 0, [0; 8]),
    // client-secret 3.97, signing-key 4.69; `changeme` placeholder; jwt.io sample is an example.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password))\W?:\s*[\"]?([^\"\s]+)',open('planted_application.yml').read(),re.I)])"
    e("planted_application.yml", 2, 1, [0, 0, 0, 0, 0, 0, 0, 2]),
    // AccountKey 3.56, google.maps.api-key 5.11.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password|auth))\s*=\s*([^\s;]+)',open('planted_azure.properties').read(),re.I)])"
    e("planted_azure.properties", 2, 0, [0, 0, 0, 0, 0, 0, 0, 2]),
    // GITHUB_TOKEN=ghp_ + 34 characters: not the 36 of the GitHub format, so a generic secret (5.09).
    // python3 -c "print(len('0123456789abcdefghijklmnopqrstuvwx'))"  → 34
    e("planted_deploy.sh", 1, 0, [0, 0, 0, 0, 0, 0, 0, 1]),
    // docker `auth` value 4.76.
    e("planted_docker-config.json", 1, 0, [0, 0, 0, 0, 0, 0, 0, 1]),
    // AWS documentation pair (one aws-access-key example), Stripe documented test key,
    // webhook whose secret part is XXXX… filler; the password inside DATABASE_URL is out of scope.
    e("planted_dot-env.env", 0, 3, [0; 8]),
    e(
        "planted_id_rsa_throwaway.pem",
        1,
        0,
        [0, 0, 1, 0, 0, 0, 0, 0],
    ),
    // `_authToken` npm_ value 5.25.
    // python3 -c "import re,math,collections as c;H=lambda s:-sum(v/len(s)*math.log2(v/len(s)) for v in c.Counter(s).values());print([(k,round(H(v),2)) for k,v in re.findall(r'([\w.-]*(?:secret|key|token|password|auth))\s*=\s*([^\s;]+)',open('planted_npmrc.npmrc').read(),re.I)])"
    e("planted_npmrc.npmrc", 1, 0, [0, 0, 0, 0, 0, 0, 0, 1]),
];

fn kind_counts(r: &Report) -> [u64; 8] {
    [
        r.aws_keys,
        r.aws_key_ids,
        r.private_keys,
        r.github_tokens,
        r.gitlab_tokens,
        r.slack_tokens,
        r.jwts,
        r.generic_secrets,
    ]
}

#[test]
fn every_fixture_has_its_expected_counts() {
    let listed: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "SOURCES.md")
        .collect();
    assert_eq!(listed.len(), EXPECTED.len(), "a fixture has no expectation");
    for exp in &EXPECTED {
        let (r, _) = scan(&[exp.file], Config::default());
        assert_eq!(r.inputs, 1);
        assert_eq!(
            (r.leaks, r.example_values),
            (exp.leaks, exp.examples),
            "{}",
            exp.file
        );
        assert_eq!(kind_counts(&r), exp.kinds, "{}", exp.file);
        assert_eq!(r.leaks, kind_counts(&r).iter().sum::<u64>(), "{}", exp.file);
        assert_eq!(r.files.contains(exp.file), exp.leaks > 0, "{}", exp.file);
    }
}

#[test]
fn findings_point_at_the_right_lines() {
    let (r, _) = scan(
        &["planted_dot-env.env", "planted_application.yml"],
        Config::default(),
    );
    let got: Vec<(&str, u64, &str, bool)> = r
        .findings
        .iter()
        .map(|l| (l.path.as_str(), l.line, l.kind.name(), l.example))
        .collect();
    assert_eq!(
        got,
        vec![
            ("planted_dot-env.env", 4, "aws-access-key", true),
            ("planted_dot-env.env", 7, "generic-secret", true),
            ("planted_dot-env.env", 8, "slack-webhook", true),
            ("planted_application.yml", 13, "generic-secret", false),
            ("planted_application.yml", 16, "jwt", true),
            ("planted_application.yml", 17, "generic-secret", false),
        ]
    );
    // The same key has one fingerprint in the .pem and JSON-escaped in the gitleaks report.
    let (r, _) = scan(
        &[
            "planted_id_rsa_throwaway.pem",
            "gitleaks-8.30.1_dir_planted.json",
        ],
        Config::default(),
    );
    let keys: Vec<&str> = r
        .findings
        .iter()
        .filter(|l| l.kind.name() == "private-key")
        .map(|l| l.fingerprint.as_str())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|f| *f == keys[0]));
}

#[test]
fn all_fixtures_in_one_evaluation() {
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    let (r, _) = scan(&names, Config::default());
    assert_eq!(r.inputs, 20);
    assert_eq!(r.leaks, EXPECTED.iter().map(|e| e.leaks).sum::<u64>());
    assert_eq!(r.leaks, 25);
    assert_eq!(r.example_values, 22);
    assert_eq!(
        r.kinds.iter().collect::<Vec<_>>(),
        vec!["generic-secret", "private-key"]
    );
    assert_eq!(r.files.len(), 10);
    assert_eq!(r.findings.len() as u64, r.leaks + r.example_values);
    let fact_list = facts(&r).into_vec();
    assert_eq!(fact_list.len(), crate::fact_specs().len());
    for (fact, spec) in fact_list.iter().zip(crate::fact_specs()) {
        assert_eq!(fact.name, spec.name);
    }
}

#[test]
fn an_exception_moves_hits_out_of_leaks() {
    let (r, _) = scan(
        &["planted_deploy.sh", "planted_npmrc.npmrc"],
        Config::default(),
    );
    let first = r.findings[0].fingerprint.clone();
    let config = Config::parse(&format!(
        r#"{{"exceptions": [{{"id": "E-1", "match": "{first}"}}]}}"#
    ))
    .unwrap();
    let (allowed, _) = scan(&["planted_deploy.sh", "planted_npmrc.npmrc"], config);
    assert_eq!((allowed.leaks, allowed.allowed), (1, 1));
    assert!(!allowed.files.contains("planted_deploy.sh"));
    assert!(allowed.findings.iter().all(|f| f.fingerprint != first));
}

/// No matched value, in full, appears in any finding, fingerprint, fact or error.
#[test]
fn no_matched_value_is_ever_echoed() {
    let names: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    let (report, values) = scan(&names, Config::default());
    assert_eq!(values.len() as u64, report.leaks + report.example_values);
    let mut texts: Vec<String> = Vec::new();
    for f in findings(&report) {
        texts.extend([f.rule, f.message, f.path.unwrap_or_default()]);
    }
    for leak in &report.findings {
        texts.extend([leak.fingerprint.clone(), leak.detail.clone()]);
    }
    for fact in facts(&report).into_vec() {
        match fact.value {
            FactValue::TextSet(set) => texts.extend(set),
            FactValue::Text(t) | FactValue::Decimal(t) => texts.push(t),
            FactValue::Long(n) => texts.push(n.to_string()),
            FactValue::Boolean(b) => texts.push(b.to_string()),
        }
    }
    // Errors: a configuration with every value pasted in place of a fingerprint,
    // as a key, and a read failure.
    for value in &values {
        let pasted =
            serde_json::json!({ "exceptions": [{ "id": "E-1", "match": value }] }).to_string();
        texts.push(Config::parse(&pasted).unwrap_err().to_string());
        let as_key = serde_json::json!({ value.as_str(): 1 }).to_string();
        texts.push(Config::parse(&as_key).unwrap_err().to_string());
    }
    texts.push(crate::malformed_tests::read_error_text());
    for value in &values {
        assert!(
            value.chars().count() >= 8,
            "values are long enough for the check to mean something"
        );
        for (i, text) in texts.iter().enumerate() {
            assert!(
                !text.contains(value.as_str()),
                "a matched value appears in text #{i}"
            );
        }
    }
}

/// The host's redactor and this plugin share their detectors: for every fixture,
/// the redacted file holds none of the values the scanner found in it, and
/// shows each finding's exact fingerprint in their place.
#[test]
fn redacting_a_fixture_hides_every_value_the_scanner_finds() {
    for exp in &EXPECTED {
        let (report, values) = scan(&[exp.file], Config::default());
        let bytes = std::fs::read(format!("{DIR}/{}", exp.file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let redacted = stagegate_redact::redact(&text);
        for value in &values {
            assert!(
                !redacted.contains(value.as_str()),
                "{}: a value the scanner found survives redaction (fingerprint `{}`)",
                exp.file,
                stagegate_redact::value::fingerprint(value)
            );
        }
        for leak in &report.findings {
            assert!(
                redacted.contains(&leak.fingerprint),
                "{}:{}: the {} fingerprint `{}` is not where its value was",
                exp.file,
                leak.line,
                leak.kind.name(),
                leak.fingerprint
            );
        }
        assert_eq!(
            stagegate_redact::contains_secret(&text),
            !values.is_empty(),
            "{}",
            exp.file
        );
        assert_eq!(
            stagegate_redact::redact(&redacted),
            redacted,
            "{}: redaction is idempotent",
            exp.file
        );
    }
}
