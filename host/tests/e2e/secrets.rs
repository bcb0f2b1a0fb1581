//! Secrets never leave the gate: with a bundle full of planted credentials,
//! no credential-shaped value from the inputs appears in any output, human
//! or JSON, while the leaks are still found and deny promotion.

use crate::support::{fixture, stagegate};

/// Credential-shaped tokens of the planted files, found independently of
/// the plugin: runs of at least 16 token characters mixing letters and
/// digits (keys, tokens, base64 key material, high-entropy passwords).
fn planted_values(files: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(fixture(&format!("secrets/{file}"))).unwrap();
        for token in text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-+/=".contains(c))) {
            let token = token.trim_matches('=');
            let letters = token.chars().filter(char::is_ascii_alphabetic).count();
            let digits = token.chars().filter(char::is_ascii_digit).count();
            if token.len() >= 16 && letters >= 4 && digits >= 2 {
                values.push(token.to_owned());
            }
        }
    }
    values.sort();
    values.dedup();
    values
}

#[test]
fn planted_secrets_are_found_but_never_printed() {
    let files = [
        "planted_application.yml",
        "planted_azure.properties",
        "planted_deploy.sh",
        "planted_docker-config.json",
        "planted_dot-env.env",
        "planted_id_rsa_throwaway.pem",
        "planted_npmrc.npmrc",
        "gitleaks-8.30.1_dir_planted.json",
    ];
    let bundle = tempfile::tempdir().unwrap();
    for file in files {
        std::fs::copy(
            fixture(&format!("secrets/{file}")),
            bundle.path().join(file),
        )
        .unwrap();
    }
    std::fs::copy(
        fixture("junit/pytest_sqlparse-0.6.1_pass.xml"),
        bundle.path().join("junit.xml"),
    )
    .unwrap();
    let values = planted_values(&files);
    assert!(
        values.len() >= 10,
        "expected planted values, got {values:?}"
    );

    let path = bundle.path().to_str().unwrap();
    let json = stagegate(
        &["check", path, "--to", "test", "--format", "json"],
        None,
        &[],
    );
    let human = stagegate(&["check", path, "--to", "test"], None, &[]);
    assert_eq!(json.code, 1, "{}", json.all());
    assert_eq!(human.code, 1);
    let report = json.json();
    assert!(
        report["facts"]["secrets"]["leaks"].as_i64().unwrap() >= 8,
        "{report}"
    );
    assert!(report["reasons"].to_string().contains("no-leaked-secrets"));

    for output in [json.all(), human.all()] {
        for value in &values {
            assert!(
                !output.contains(value.as_str()),
                "secret value `{}…` printed",
                &value[..4]
            );
        }
    }
}
