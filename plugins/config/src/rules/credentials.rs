//! The `default_credentials` rule: well-known passwords in password-like settings.
//!
//! A setting is password-like when its last key part names a password or a
//! secret (`password`, `passwd`, `pwd`, `secret`, `passphrase`, `*_pass`) and
//! not something about one (`password_hint`, `secret_file`, `secretKeyRef`).
//! Its value, or the default of a `${VAR:default}` placeholder, is compared
//! with a list of defaults; passwords inside connection strings and URLs are
//! checked too, and a password equal to the user name of the same prefix is
//! reported when the file ends. Values are compared, never echoed.

use super::{Setting, params};
use crate::entry::{Effective, effective};

/// Passwords and secrets that ship as defaults or top every leaked-password list.
const DEFAULTS: [&str; 42] = [
    "admin",
    "administrator",
    "admin123",
    "root",
    "toor",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "changeme",
    "change_me",
    "changeit",
    "secret",
    "mysecret",
    "default",
    "123456",
    "12345",
    "1234",
    "12345678",
    "123456789",
    "guest",
    "test",
    "test123",
    "letmein",
    "qwerty",
    "postgres",
    "mysql",
    "minioadmin",
    "pass",
    "demo",
    "example",
    "foobared",
    "keyboard cat",
    "dev",
    "sa",
    "oracle",
    "redis",
    "rabbitmq",
    "elastic",
    "mongo",
];

/// Key suffixes that describe a password rather than hold one.
const ABOUT: [&str; 22] = [
    "hint",
    "file",
    "path",
    "policy",
    "length",
    "name",
    "ref",
    "enabled",
    "required",
    "mode",
    "type",
    "reset",
    "expiry",
    "expiration",
    "days",
    "url",
    "command",
    "env",
    "prompt",
    "field",
    "regex",
    "pattern",
];

/// Whether a default value is weak: a listed default or Django's generated dev key.
fn is_default(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    DEFAULTS.contains(&lower.as_str()) || lower.starts_with("django-insecure-")
}

/// The password word in a normalised key part and where it starts.
fn password_word(part: &str) -> Option<usize> {
    if ABOUT.iter().any(|s| part.ends_with(s)) || part.ends_with("bypass") {
        return None;
    }
    ["password", "passwd", "passphrase", "pwd", "secret"]
        .iter()
        .filter_map(|w| part.find(w))
        .min()
        .or_else(|| part.ends_with("pass").then(|| part.len() - 4))
}

/// The user-name word at the end of a normalised key part and where it starts.
fn user_word(part: &str) -> Option<usize> {
    ["username", "userid", "user", "usr", "login"]
        .iter()
        .find(|w| part.ends_with(*w))
        .map(|w| part.len() - w.len())
}

/// Users and passwords of one file, to pair up when it ends.
#[derive(Debug, Default)]
pub(crate) struct Pairs {
    users: Vec<(String, String)>,
    passwords: Vec<(String, String, String, usize)>,
}

/// How many pairing candidates a file may hold; more are ignored.
const MAX_PAIRS: usize = 1000;

fn stem(s: &Setting<'_>, cut: usize) -> String {
    let head = s.parts.len().saturating_sub(1);
    let mut stem = s.parts.get(..head).unwrap_or(&[]).join(".");
    stem.push('.');
    stem.push_str(s.name.get(..cut).unwrap_or(""));
    stem
}

/// Checks one setting; remembers users and passwords for [`Pairs::conclude`].
pub(crate) fn weak(s: &Setting<'_>, pairs: &mut Pairs) -> Option<String> {
    if let Some(cut) = user_word(&s.name)
        && pairs.users.len() < MAX_PAIRS
        && let Effective::Literal(v) | Effective::Default(v) = effective(&s.entry.value)
    {
        pairs.users.push((stem(s, cut), v.to_ascii_lowercase()));
    }
    if let Some(cut) = password_word(&s.name) {
        match effective(&s.entry.value) {
            Effective::Literal(v) if is_default(v) => {
                return Some(format!(
                    "`{}` holds a well-known default password or secret",
                    s.key
                ));
            }
            Effective::Default(v) if is_default(v) => {
                return Some(format!(
                    "`{}` falls back to a well-known default password when its variable is unset",
                    s.key
                ));
            }
            Effective::Literal(v) if !v.is_empty() && pairs.passwords.len() < MAX_PAIRS => {
                pairs.passwords.push((
                    stem(s, cut),
                    v.to_ascii_lowercase(),
                    s.key.clone(),
                    s.entry.line,
                ));
            }
            _ => {}
        }
    }
    let lower = s.entry.value.to_ascii_lowercase();
    if (lower.contains("password=") || lower.contains("pwd="))
        && params(&s.entry.value)
            .any(|(k, v)| matches!(k.as_str(), "password" | "pwd") && is_default(&v))
    {
        return Some(format!(
            "`{}` holds a connection string with a well-known default password",
            s.key
        ));
    }
    if let Some((user, password)) = url_credentials(&s.entry.value)
        && (is_default(password) || password.eq_ignore_ascii_case(user))
    {
        return Some(format!("`{}` holds a URL with a default password", s.key));
    }
    None
}

/// The `user:password` of a `scheme://user:password@host` URL.
fn url_credentials(value: &str) -> Option<(&str, &str)> {
    let rest = value.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    userinfo.split_once(':')
}

impl Pairs {
    /// Passwords equal to the user name with the same key prefix.
    pub(crate) fn conclude(&self) -> Vec<(usize, String)> {
        self.passwords
            .iter()
            .filter(|(stem, value, _, _)| self.users.iter().any(|(s, v)| s == stem && v == value))
            .map(|(_, _, key, line)| (*line, format!("`{key}` is the same as its user name")))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_like_keys() {
        for part in [
            "password",
            "postgrespassword",
            "dbpwd",
            "jwtsecret",
            "secretkey",
            "rabbitmqdefaultpass",
            "adminpassword",
        ] {
            assert!(password_word(part).is_some(), "{part}");
        }
        for part in [
            "passwordhint",
            "secretname",
            "secretkeyref",
            "enablelocalhostauthbypass",
            "compass_",
        ] {
            assert!(password_word(part).is_none(), "{part}");
        }
    }

    #[test]
    fn urls_with_credentials() {
        assert_eq!(
            url_credentials("postgres://app:secret@db:5432/x"),
            Some(("app", "secret"))
        );
        assert_eq!(url_credentials("https://example.com/a@b"), None);
        assert_eq!(url_credentials("plain"), None);
    }
}
