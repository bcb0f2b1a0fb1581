//! What the plugin learned from all configuration files: counts and bounded findings.
//!
//! Each [`Rule`] feeds one count fact and one finding rule id, and carries the
//! one-line remediation that ends its findings. Findings are capped; the
//! number left out is kept so the cap is visible. This module must not know
//! about the SDK: `lib.rs` converts.

use std::collections::BTreeSet;

/// How bad a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Hygiene or information exposure.
    Medium,
    /// Direct compromise path.
    High,
}

/// A check the plugin runs, one per count fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// Debug modes and DEBUG/TRACE logging.
    DebugEnabled,
    /// Well-known default passwords and secrets.
    DefaultCredentials,
    /// Datastores reachable without authentication.
    UnauthenticatedDatastores,
    /// TLS certificate verification (or TLS itself, client side) turned off.
    TlsVerificationDisabled,
    /// XML external entity resolution turned on.
    XxeEnabled,
    /// Any origin allowed together with credentials.
    PermissiveCors,
    /// Spring Boot actuator endpoints exposed.
    ActuatorExposed,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 7] = [
        Rule::DebugEnabled,
        Rule::DefaultCredentials,
        Rule::UnauthenticatedDatastores,
        Rule::TlsVerificationDisabled,
        Rule::XxeEnabled,
        Rule::PermissiveCors,
        Rule::ActuatorExposed,
    ];

    /// The count fact this rule feeds, also the name in the `rules` set.
    pub fn fact(self) -> &'static str {
        match self {
            Rule::DebugEnabled => "debug_enabled",
            Rule::DefaultCredentials => "default_credentials",
            Rule::UnauthenticatedDatastores => "unauthenticated_datastores",
            Rule::TlsVerificationDisabled => "tls_verification_disabled",
            Rule::XxeEnabled => "xxe_enabled",
            Rule::PermissiveCors => "permissive_cors",
            Rule::ActuatorExposed => "actuator_exposed",
        }
    }

    /// The finding rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::DebugEnabled => "config/debug-enabled",
            Rule::DefaultCredentials => "config/default-credentials",
            Rule::UnauthenticatedDatastores => "config/unauthenticated-datastore",
            Rule::TlsVerificationDisabled => "config/tls-verification-disabled",
            Rule::XxeEnabled => "config/xxe-enabled",
            Rule::PermissiveCors => "config/permissive-cors",
            Rule::ActuatorExposed => "config/actuator-exposed",
        }
    }

    /// How bad a hit is.
    pub fn level(self) -> Level {
        match self {
            Rule::DebugEnabled | Rule::PermissiveCors => Level::Medium,
            _ => Level::High,
        }
    }

    /// One line telling how to fix a hit.
    pub fn remediation(self) -> &'static str {
        match self {
            Rule::DebugEnabled => {
                "turn debug mode off and log at INFO or above outside development"
            }
            Rule::DefaultCredentials => {
                "use a unique secret injected from a secret store, not a default"
            }
            Rule::UnauthenticatedDatastores => {
                "require authentication (requirepass, security.authorization, xpack security, a root password)"
            }
            Rule::TlsVerificationDisabled => {
                "keep TLS and certificate verification on; trust a private CA instead of disabling checks"
            }
            Rule::XxeEnabled => "disable external entity and DTD resolution in the XML parser",
            Rule::PermissiveCors => "list trusted origins explicitly when credentials are allowed",
            Rule::ActuatorExposed => {
                "expose only `health,info` and secure the other actuator endpoints"
            }
        }
    }
}

/// One problem found, located in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The rule that fired.
    pub rule: Rule,
    /// Bundle-relative path.
    pub path: String,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// What was found and how to fix it; never a secret value.
    pub message: String,
}

/// Totals over every file read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Hits per rule, in [`Rule::ALL`] order.
    pub counts: [u64; 7],
    /// Settings read, over all files.
    pub entries: u64,
    /// Findings kept, at most `max_hits`.
    pub hits: Vec<Hit>,
    /// Findings left out because of the cap.
    pub hits_dropped: u64,
    /// The cap on kept findings.
    pub max_hits: usize,
}

impl Report {
    /// An empty report keeping at most `max_hits` findings.
    pub fn new(max_hits: usize) -> Self {
        Self {
            max_hits,
            ..Self::default()
        }
    }

    /// How many hits `rule` had.
    pub fn count(&self, rule: Rule) -> u64 {
        let index = Rule::ALL.iter().position(|r| *r == rule).unwrap_or(0);
        self.counts.get(index).copied().unwrap_or(0)
    }

    /// The fact names of the rules that fired.
    pub fn fired(&self) -> BTreeSet<&'static str> {
        Rule::ALL
            .iter()
            .filter(|r| self.count(**r) > 0)
            .map(|r| r.fact())
            .collect()
    }

    /// Counts a hit of `rule` and keeps its finding while under the cap.
    pub fn hit(&mut self, rule: Rule, path: &str, line: usize, what: &str) {
        if let Some(index) = Rule::ALL.iter().position(|r| *r == rule)
            && let Some(count) = self.counts.get_mut(index)
        {
            *count += 1;
        }
        if self.hits.len() >= self.max_hits {
            self.hits_dropped += 1;
            return;
        }
        self.hits.push(Hit {
            rule,
            path: path.to_owned(),
            line,
            message: format!("{what}; fix: {}", rule.remediation()),
        });
    }
}
