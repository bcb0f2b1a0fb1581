//! Secret-looking `ENV` and `ARG` values, judged without ever being echoed.
//!
//! A value is secret-looking when its name says so (`*PASSWORD*`, `*SECRET*`,
//! `*TOKEN*`, `*API_KEY*`, … but not `*_FILE`, `*_URL`, …, the same words as
//! the `kubernetes` plugin's `env_secrets`) and it is a literal, or when the
//! shared redactor (`stagegate-redact`, the `secrets` plugin's detectors)
//! recognises it whatever its name. Only its fingerprint leaves this module.

/// Whether a variable name suggests a secret value.
pub fn secret_like(name: &str) -> bool {
    const WORDS: [&str; 10] = [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "ACCESS_KEY",
        "CREDENTIAL",
        "SIGNING_KEY",
    ];
    const NOT_VALUES: [&str; 14] = [
        "_FILE",
        "_PATH",
        "_DIR",
        "_NAME",
        "_URL",
        "_URI",
        "_ENDPOINT",
        "_HOST",
        "_PORT",
        "_TTL",
        "_TIMEOUT",
        "_ID",
        "_ENABLED",
        "_LENGTH",
    ];
    let upper = name.to_ascii_uppercase().replace('-', "_");
    WORDS.iter().any(|w| upper.contains(w)) && !NOT_VALUES.iter().any(|s| upper.ends_with(s))
}

/// A value that only refers to other variables (`$X`, `${X}`, `${X:-}`), or
/// holds one: not a literal.
fn is_reference(value: &str) -> bool {
    value.contains("${")
        || value
            .split('$')
            .skip(1)
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
}

/// Flags, not secrets: `MYSQL_ALLOW_EMPTY_PASSWORD=yes`.
fn is_switch(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "0" | "1" | "y" | "n"
    )
}

/// The fingerprint of `value` if the assignment `name=value` (as written, quotes
/// removed, variables not expanded) holds a secret-looking literal: a secret
/// name and a literal value, or a value the redactor recognises by itself.
pub fn judge(name: &str, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() || is_reference(value) || is_switch(value) {
        return None;
    }
    // The value alone: with its name, the redactor's generic `*_KEY=` rule
    // would take public values such as `GPG_KEY` fingerprints for secrets.
    let recognised = stagegate_redact::contains_secret(value);
    (recognised || secret_like(name)).then(|| stagegate_redact::value::fingerprint(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values() {
        assert!(judge("DB_PASSWORD", "hunter2hunter2").is_some());
        assert!(judge("MYSQL_ROOT_PASSWORD", "test1234").is_some());
        assert!(judge("GITHUB_TOKEN", "${GITHUB_TOKEN}").is_none());
        assert!(judge("NPM_TOKEN", "$NPM_TOKEN").is_none());
        assert!(judge("MYSQL_ALLOW_EMPTY_PASSWORD", "yes").is_none());
        assert!(judge("PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(judge("API_KEY", "").is_none());
        assert!(judge("PATH", "/usr/local/bin:$PATH").is_none());
        assert!(judge("GPG_KEY", "A035C8C19219BA821ECEA86B64E628F8D684696D").is_none());
        // A known token format counts whatever the variable is called.
        let token = "ghp_R8cQ2vXb7LmN4pKs9TfW3hJd6YgZ1aEu5oCi";
        let fingerprint = judge("DEPLOY", token).unwrap();
        assert!(fingerprint.starts_with("ghp_…"));
        assert!(!fingerprint.contains("R8cQ2vXb"));
    }
}
