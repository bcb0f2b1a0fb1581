//! The `unauthenticated_datastores` rule: datastores that accept anyone.
//!
//! Recognised: MongoDB configs (`security.authorization: disabled`, or no
//! authorization while bound to all interfaces), `redis.conf` (`protected-mode
//! no` or an all-interfaces `bind`, without `requirepass`), Elasticsearch and
//! OpenSearch with security turned off, and docker-compose services of
//! datastore images whose environment or command leaves them without a
//! password. State is kept per file and concluded when the file ends.

use super::Setting;
use crate::entry::{items, truth_of};
use crate::formats::Format;
use std::collections::BTreeMap;

/// How many compose services one file may describe; more are ignored.
const MAX_SERVICES: usize = 500;

#[derive(Debug, Default)]
struct Service {
    line: usize,
    image: String,
    command: String,
    env: BTreeMap<String, String>,
}

/// Per-file datastore state.
#[derive(Debug)]
pub(crate) struct Datastores {
    format: Format,
    mongo_auth: Option<(bool, usize)>,
    mongo_bind_all: Option<usize>,
    redis_protected_off: Option<usize>,
    redis_bind_all: Option<usize>,
    redis_password: bool,
    services: BTreeMap<String, Service>,
}

fn all_interfaces(value: &str) -> bool {
    items(value).any(|i| matches!(i, "0.0.0.0" | "*" | "::" | "-::*" | "::0"))
}

impl Datastores {
    pub(crate) fn new(format: Format) -> Self {
        Self {
            format,
            mongo_auth: None,
            mongo_bind_all: None,
            redis_protected_off: None,
            redis_bind_all: None,
            redis_password: false,
            services: BTreeMap::new(),
        }
    }

    /// Records what `s` says; returns a hit that needs no other setting.
    pub(crate) fn entry(&mut self, s: &Setting<'_>) -> Option<(usize, String)> {
        let (line, value, truth) = (s.entry.line, s.lower(), s.entry.truth());
        if s.all.ends_with("xpacksecurityenabled") && truth == Some(false) {
            return Some((
                line,
                format!("`{}` turns Elasticsearch security off", s.key),
            ));
        }
        if (s.all.ends_with("pluginssecuritydisabled") || s.name == "disablesecurityplugin")
            && truth == Some(true)
        {
            return Some((line, format!("`{}` turns OpenSearch security off", s.key)));
        }
        match s.all.as_str() {
            "securityauthorization" => self.mongo_auth = Some((value != "disabled", line)),
            "netbindip" if all_interfaces(&value) => self.mongo_bind_all = Some(line),
            "netbindipall" if truth == Some(true) => self.mongo_bind_all = Some(line),
            _ => {}
        }
        if self.format == Format::Directives {
            match s.name.as_str() {
                "protectedmode" if value == "no" => self.redis_protected_off = Some(line),
                "requirepass" if !value.is_empty() => self.redis_password = true,
                "bind" if all_interfaces(&value) => self.redis_bind_all = Some(line),
                _ => {}
            }
        }
        self.compose(s);
        None
    }

    fn compose(&mut self, s: &Setting<'_>) {
        let segments = &s.entry.segments;
        let (Some(top), Some(name), Some(field)) =
            (segments.first(), segments.get(1), segments.get(2))
        else {
            return;
        };
        if top != "services"
            || (!self.services.contains_key(name) && self.services.len() >= MAX_SERVICES)
        {
            return;
        }
        let service = self.services.entry(name.clone()).or_default();
        match field.as_str() {
            "image" => {
                service.image = s.lower();
                service.line = s.entry.line;
            }
            "command" | "entrypoint" => {
                service.command.push(' ');
                service.command.push_str(&s.lower());
            }
            "environment" => {
                if let Some(var) = segments.get(3) {
                    service.env.insert(var.to_ascii_uppercase(), s.lower());
                }
            }
            _ => {}
        }
    }

    /// The hits that need the whole file.
    pub(crate) fn conclude(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        match (self.mongo_auth, self.mongo_bind_all) {
            (Some((false, line)), bind) => {
                let exposed = if bind.is_some() {
                    ", listening on all interfaces"
                } else {
                    ""
                };
                out.push((line, format!("MongoDB authorization is disabled (`security.authorization: disabled`){exposed}")));
            }
            (None, Some(line)) => out.push((
                line,
                "MongoDB listens on all interfaces without `security.authorization: enabled`"
                    .to_owned(),
            )),
            _ => {}
        }
        if !self.redis_password
            && let Some(line) = self.redis_protected_off.or(self.redis_bind_all)
        {
            let why = if self.redis_protected_off.is_some() {
                "`protected-mode no`"
            } else {
                "a `bind` to all interfaces"
            };
            out.push((
                line,
                format!("Redis accepts clients without a password ({why} and no `requirepass`)"),
            ));
        }
        for (name, service) in &self.services {
            if let Some(why) = service_without_auth(service) {
                out.push((service.line, format!("compose service `{name}` {why}")));
            }
        }
        out
    }
}

/// Why a compose service's datastore needs no password, if it does not.
fn service_without_auth(service: &Service) -> Option<&'static str> {
    let set = |var: &str| service.env.get(var).is_some_and(|v| !v.is_empty());
    let on = |var: &str| {
        service
            .env
            .get(var)
            .is_some_and(|v| truth_of(v) == Some(true) || v == "true")
    };
    if on("ALLOW_EMPTY_PASSWORD") {
        return Some("allows an empty password (`ALLOW_EMPTY_PASSWORD`)");
    }
    let repo = service.image.split('@').next().unwrap_or("");
    let base = repo.rsplit('/').next().unwrap_or(repo);
    let base = base.split(':').next().unwrap_or(base);
    match base {
        "redis" | "valkey" | "keydb" | "redis-stack-server" => {
            let password = service.command.contains("--requirepass") || set("REDIS_PASSWORD");
            (!password).then_some(if service.command.contains("--protected-mode no") {
                "runs Redis with protected mode off and no `--requirepass`"
            } else {
                "runs Redis without a password (no `--requirepass`)"
            })
        }
        "mongo" | "mongodb" | "mongodb-community-server" => {
            let password = set("MONGO_INITDB_ROOT_PASSWORD")
                || set("MONGO_INITDB_ROOT_PASSWORD_FILE")
                || set("MONGODB_ROOT_PASSWORD")
                || service.command.contains("--auth");
            (!password).then_some(
                "runs MongoDB without `MONGO_INITDB_ROOT_PASSWORD`, so authentication is off",
            )
        }
        "postgres" | "postgis" => (service
            .env
            .get("POSTGRES_HOST_AUTH_METHOD")
            .map(String::as_str)
            == Some("trust"))
        .then_some("trusts every connection (`POSTGRES_HOST_AUTH_METHOD=trust`)"),
        "mysql" | "mariadb" | "percona" => (on("MYSQL_ALLOW_EMPTY_PASSWORD")
            || on("MARIADB_ALLOW_EMPTY_ROOT_PASSWORD")
            || on("MARIADB_ALLOW_EMPTY_PASSWORD"))
        .then_some("allows an empty root password"),
        _ => None,
    }
}
