//! The configuration rules, applied to each [`Entry`] of one file.
//!
//! Most rules look at one setting: its normalised key (see `entry`) and its
//! value. Rules that need several settings (CORS origins with credentials, a
//! password equal to its user name, datastores without authentication) keep a
//! little state per file and conclude in [`Checker::finish`]. Messages name
//! keys, never the value of a password-like setting.

mod credentials;
mod datastores;

use crate::entry::{Entry, items};
use crate::formats::Format;
use crate::report::{Report, Rule};
use datastores::Datastores;

/// One setting, prepared for matching.
pub(crate) struct Setting<'e> {
    entry: &'e Entry,
    key: String,
    parts: Vec<String>,
    /// The last part that is not a list index.
    name: String,
    /// All parts concatenated.
    all: String,
}

impl<'e> Setting<'e> {
    fn new(entry: &'e Entry) -> Self {
        let parts = entry.parts();
        let name = parts
            .iter()
            .rev()
            .find(|p| !p.bytes().all(|b| b.is_ascii_digit()))
            .cloned()
            .unwrap_or_default();
        let all = parts.concat();
        Self {
            entry,
            key: entry.key(),
            parts,
            name,
            all,
        }
    }

    fn lower(&self) -> String {
        crate::entry::unquote(&self.entry.value).to_ascii_lowercase()
    }
}

/// Applies the rules to the entries of one file.
pub struct Checker<'r> {
    path: &'r str,
    report: &'r mut Report,
    cors_origin: Option<(String, usize)>,
    cors_credentials: Option<String>,
    credentials: credentials::Pairs,
    datastores: Datastores,
}

impl<'r> Checker<'r> {
    /// A checker for the file `path` of `format`, reporting into `report`.
    pub fn new(path: &'r str, format: Format, report: &'r mut Report) -> Self {
        Self {
            path,
            report,
            cors_origin: None,
            cors_credentials: None,
            credentials: credentials::Pairs::default(),
            datastores: Datastores::new(format),
        }
    }

    fn hit(&mut self, rule: Rule, line: usize, what: &str) {
        self.report.hit(rule, self.path, line, what);
    }

    /// Applies every single-setting rule to `entry` and records what later rules need.
    pub fn entry(&mut self, entry: &Entry) {
        self.report.entries += 1;
        let s = Setting::new(entry);
        let line = entry.line;
        if let Some(what) = debug(&s) {
            self.hit(Rule::DebugEnabled, line, &what);
        }
        if let Some(what) = credentials::weak(&s, &mut self.credentials) {
            self.hit(Rule::DefaultCredentials, line, &what);
        }
        if let Some(what) = tls(&s) {
            self.hit(Rule::TlsVerificationDisabled, line, &what);
        }
        if let Some(what) = xxe(&s) {
            self.hit(Rule::XxeEnabled, line, &what);
        }
        if let Some(what) = actuator(&s) {
            self.hit(Rule::ActuatorExposed, line, &what);
        }
        self.cors(&s);
        if let Some((line, what)) = self.datastores.entry(&s) {
            self.hit(Rule::UnauthenticatedDatastores, line, &what);
        }
    }

    fn cors(&mut self, s: &Setting<'_>) {
        const ORIGINS: [&str; 8] = [
            "allowedorigins",
            "alloworigins",
            "allowedoriginpatterns",
            "alloworigin",
            "accesscontrolalloworigin",
            "corsorigins",
            "corsallowedorigins",
            "corsorigin",
        ];
        const ANY_ORIGIN: [&str; 4] = [
            "allowanyorigin",
            "corsallowallorigins",
            "corsoriginallowall",
            "allowallorigins",
        ];
        const CREDENTIALS: [&str; 5] = [
            "allowcredentials",
            "corsallowcredentials",
            "accesscontrolallowcredentials",
            "supportscredentials",
            "allowedcredentials",
        ];
        let wildcard = (ORIGINS.contains(&s.name.as_str())
            && items(&s.entry.value).any(|i| i == "*"))
            || (ANY_ORIGIN.contains(&s.name.as_str()) && s.entry.truth() == Some(true));
        if wildcard && self.cors_origin.is_none() {
            self.cors_origin = Some((s.key.clone(), s.entry.line));
        }
        if CREDENTIALS.contains(&s.name.as_str()) && s.entry.truth() == Some(true) {
            self.cors_credentials = Some(s.key.clone());
        }
    }

    /// Concludes the rules that need the whole file.
    pub fn finish(mut self) {
        if let (Some((origin, line)), Some(credentials)) =
            (self.cors_origin.take(), self.cors_credentials.take())
        {
            let what = format!(
                "`{origin}` allows any origin (`*`) while `{credentials}` allows credentials"
            );
            self.hit(Rule::PermissiveCors, line, &what);
        }
        for (line, what) in self.credentials.conclude() {
            self.hit(Rule::DefaultCredentials, line, &what);
        }
        for (line, what) in self.datastores.conclude() {
            self.hit(Rule::UnauthenticatedDatastores, line, &what);
        }
    }
}

fn debug(s: &Setting<'_>) -> Option<String> {
    const FLAGS: [&str; 9] = [
        "debug",
        "flaskdebug",
        "appdebug",
        "djangodebug",
        "debugmode",
        "detailederrors",
        "developerexceptionpage",
        "enabledebugcommand",
        "showerrordetails",
    ];
    let on = s.entry.truth() == Some(true);
    if FLAGS.contains(&s.name.as_str()) && (on || (s.name == "debug" && s.lower() == "*")) {
        return Some(format!("`{}` turns debug mode on", s.key));
    }
    if s.parts.len() == 1 && s.name == "trace" && on {
        return Some(format!("`{}` turns trace logging on", s.key));
    }
    let level_key = s.parts.iter().enumerate().any(|(i, p)| {
        matches!(p.as_str(), "loglevel" | "logginglevel" | "rustlog")
            || (p == "level"
                && i > 0
                && s.parts
                    .get(i - 1)
                    .is_some_and(|prev| matches!(prev.as_str(), "logging" | "log" | "logger")))
    });
    let value = s.lower();
    if level_key && matches!(value.as_str(), "debug" | "trace" | "all") {
        return Some(format!(
            "`{}` logs at {} level",
            s.key,
            value.to_ascii_uppercase()
        ));
    }
    if s.all.ends_with("systemlogverbosity") && value.parse::<i64>().is_ok_and(|v| v >= 1) {
        return Some(format!(
            "`{}` turns MongoDB debug logging on (verbosity {value})",
            s.key
        ));
    }
    None
}

fn tls(s: &Setting<'_>) -> Option<String> {
    const OFF_WHEN_FALSE: [&str; 18] = [
        "sslverify",
        "tlsverify",
        "httpsverify",
        "verifyssl",
        "verifytls",
        "verifycert",
        "verifycerts",
        "verifycertificate",
        "verifycertificates",
        "verifypeer",
        "verifyhostname",
        "verifyservercertificate",
        "strictssl",
        "rejectunauthorized",
        "validatecerts",
        "validatecertificate",
        "validatecertificates",
        "checkcertificate",
    ];
    const OFF_WHEN_TRUE: [&str; 17] = [
        "insecureskipverify",
        "skiptlsverify",
        "skipsslverify",
        "tlsskipverify",
        "sslskipverify",
        "noverify",
        "trustservercertificate",
        "trustallcertificates",
        "trustallcerts",
        "trustall",
        "sslinsecure",
        "tlsinsecure",
        "insecuretls",
        "allowinsecure",
        "disablesslverification",
        "ignoresslerrors",
        "tlsallowinvalidcertificates",
    ];
    let truth = s.entry.truth();
    let name = s.name.as_str();
    if truth == Some(false)
        && (name == "verify" || OFF_WHEN_FALSE.iter().any(|k| name.ends_with(k)))
    {
        return Some(format!("`{}` turns certificate verification off", s.key));
    }
    if truth == Some(true) && OFF_WHEN_TRUE.iter().any(|k| name.ends_with(k)) {
        return Some(format!("`{}` skips certificate verification", s.key));
    }
    if name == "sslmode" && s.lower() == "disable" {
        return Some(format!(
            "`{}` is `disable`: connections are not encrypted",
            s.key
        ));
    }
    // Parameters inside URLs and connection strings: `?sslmode=disable`, `;Encrypt=False`.
    for (param, value) in params(&s.entry.value) {
        let bad = match param.as_str() {
            "sslmode" => value == "disable",
            "usessl"
            | "requiressl"
            | "encrypt"
            | "ssl"
            | "tls"
            | "verifyservercertificate"
            | "sslverify" => crate::entry::truth_of(&value) == Some(false),
            "trustservercertificate" | "tlsallowinvalidcertificates" | "tlsinsecure" => {
                crate::entry::truth_of(&value) == Some(true)
            }
            _ => false,
        };
        if bad {
            return Some(format!(
                "`{}` holds a connection setting that disables TLS checks",
                s.key
            ));
        }
    }
    None
}

/// `key=value` pairs of a URL query or a `;`-separated connection string, keys normalised.
pub(crate) fn params(value: &str) -> impl Iterator<Item = (String, String)> + '_ {
    value.split(['?', '&', ';']).filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let key: String = k
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Some((key, v.trim().to_ascii_lowercase()))
    })
}

fn xxe(s: &Setting<'_>) -> Option<String> {
    const ON_WHEN_TRUE: [&str; 8] = [
        "externalentities",
        "externalgeneralentities",
        "externalparameterentities",
        "loadexternaldtd",
        "resolveentities",
        "expandentities",
        "resolveexternalentities",
        "processexternalentities",
    ];
    let truth = s.entry.truth();
    if truth == Some(true)
        && ON_WHEN_TRUE
            .iter()
            .any(|k| s.all.ends_with(k) || s.name.ends_with(k))
    {
        return Some(format!("`{}` resolves XML external entities", s.key));
    }
    if truth == Some(false) && s.all.ends_with("disallowdoctypedecl") {
        return Some(format!("`{}` allows DOCTYPE declarations (XXE)", s.key));
    }
    if s.name == "dtdprocessing" && s.lower() == "parse" {
        return Some(format!("`{}` parses DTDs (XXE)", s.key));
    }
    None
}

fn actuator(s: &Setting<'_>) -> Option<String> {
    let include = s.all.trim_end_matches(|c: char| c.is_ascii_digit());
    if include.ends_with("managementendpointswebexposureinclude")
        && items(&s.entry.value).any(|i| i == "*")
    {
        return Some(format!("`{}` exposes every actuator endpoint (`*`)", s.key));
    }
    if (s.all.ends_with("managementsecurityenabled") || s.all.ends_with("endpointssensitive"))
        && s.entry.truth() == Some(false)
    {
        return Some(format!("`{}` turns actuator security off", s.key));
    }
    None
}

#[cfg(test)]
mod tests;
