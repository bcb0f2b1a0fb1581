//! Expected facts for every real configuration fixture, plus malformed and hostile inputs.
//!
//! Counts were checked independently; the one-liners next to the assertions
//! run from `tests/fixtures/config/`.

use super::*;
use crate::report::{Hit, Rule};

fn fixture(name: &str) -> String {
    format!(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/config/{}"
        ),
        name
    )
}

fn read(name: &str) -> Result<(Format, Report), ConfigError> {
    let file = std::fs::File::open(fixture(name)).unwrap();
    let mut report = Report::new(1000);
    let format = read_config(file, name, &Limits::default(), &mut report)?;
    Ok((format, report))
}

fn text(path: &str, input: &str) -> Result<Report, ConfigError> {
    let mut report = Report::new(1000);
    read_config(input.as_bytes(), path, &Limits::default(), &mut report)?;
    Ok(report)
}

/// The seven rule counts in `Rule::ALL` order: debug_enabled, default_credentials,
/// unauthenticated_datastores, tls_verification_disabled, xxe_enabled, permissive_cors,
/// actuator_exposed.
fn counts(r: &Report) -> [u64; 7] {
    r.counts
}

fn hits(r: &Report, rule: Rule) -> Vec<&Hit> {
    r.hits.iter().filter(|h| h.rule == rule).collect()
}

/// Settings counts (third column) were checked against PyYAML/json/grep: scalar leaves of
/// every document with merge keys applied, e.g.
/// `python3 -c "import yaml; f=lambda x: sum(map(f, x.values())) if isinstance(x, dict) else sum(map(f, x)) if isinstance(x, list) else 1; print(sum(f(d) for d in yaml.safe_load_all(open('handmade_spring-application.yml'))))"` -> 23,
/// `grep -cvE '^\s*(#|;|$|\[)' conftest_grafana.ini` -> 37.
#[test]
fn every_fixture_has_its_expected_facts() {
    #[rustfmt::skip]
    let table: [(&str, Format, u64, [u64; 7]); 14] = [
        ("conftest_aws-sam-lambda.yaml", Format::Yaml, 46, [0, 0, 0, 0, 0, 0, 0]),
        ("conftest_docker-compose.yml", Format::Yaml, 4, [0, 0, 1, 0, 0, 0, 0]),
        ("conftest_grafana.ini", Format::Ini, 37, [0, 0, 0, 0, 0, 0, 0]),
        ("conftest_sample.env", Format::DotEnv, 2, [0, 0, 0, 0, 0, 0, 0]),
        ("conftest_sample.properties", Format::Properties, 3, [0, 0, 0, 0, 0, 0, 0]),
        ("handmade_appsettings.Development.json", Format::Json, 11, [3, 1, 0, 1, 0, 0, 0]),
        ("handmade_django_settings.py", Format::Python, 14, [1, 2, 0, 0, 0, 0, 0]),
        ("handmade_docker-compose.yml", Format::Yaml, 16, [1, 2, 2, 0, 0, 0, 0]),
        ("handmade_dot-env.env", Format::DotEnv, 17, [1, 6, 0, 0, 0, 0, 0]),
        ("handmade_mongod.conf", Format::Yaml, 11, [1, 0, 1, 0, 0, 0, 0]),
        ("handmade_redis.conf", Format::Directives, 8, [1, 0, 1, 0, 0, 0, 0]),
        ("handmade_spring-application.properties", Format::Properties, 15, [1, 2, 0, 1, 0, 0, 1]),
        ("handmade_spring-application.yml", Format::Yaml, 23, [3, 3, 0, 0, 0, 0, 2]),
        ("handmade_yaml-anchors-and-1.1-booleans.yaml", Format::Yaml, 15, [1, 1, 0, 0, 0, 0, 0]),
    ];
    let mut wrong = Vec::new();
    for (name, format, settings, expected) in table {
        let (got_format, report) = read(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = (got_format, report.entries, counts(&report));
        if got != (format, settings, expected) {
            wrong.push(format!("{name}: got {got:?}\n{:#?}", report.hits));
        }
        assert_eq!(
            report.hits.len() as u64,
            expected.iter().sum::<u64>(),
            "{name}"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_secret_value_is_ever_echoed() {
    let secrets = [
        "postgres",
        "P@ssw0rd",
        "minioadmin",
        "keyboard cat",
        "mysecret",
        "changeme",
        "12345",
        "django-insecure",
        "smtp-password",
        "guest",
    ];
    for name in [
        "handmade_appsettings.Development.json",
        "handmade_django_settings.py",
        "handmade_docker-compose.yml",
        "handmade_dot-env.env",
        "handmade_spring-application.properties",
        "handmade_spring-application.yml",
        "handmade_yaml-anchors-and-1.1-booleans.yaml",
    ] {
        let (_, report) = read(name).unwrap();
        for hit in hits(&report, Rule::DefaultCredentials) {
            for secret in secrets {
                let message = hit.message.to_ascii_lowercase();
                let key_part = message.split('`').nth(1).unwrap_or("");
                assert!(
                    !message
                        .replace(key_part, "")
                        .contains(&secret.to_ascii_lowercase()),
                    "{name}: {}",
                    hit.message
                );
            }
        }
    }
}

#[test]
fn dot_env_independent_counts() {
    let (_, r) = read("handmade_dot-env.env").unwrap();
    // python3 -c "import re; print(sum(1 for l in open('handmade_dot-env.env') if re.match(r'\s*(export\s+)?[A-Za-z_]\w*=', l)))"  -> 17
    assert_eq!(r.entries, 17);
    // python3 -c "import re; d=['postgres','root','guest','minioadmin','secret','keyboard cat']; print(sum(1 for l in open('handmade_dot-env.env') if (m:=re.match(r'\s*(?:export\s+)?(\w*(?:PASS|SECRET)\w*)=(.*)', l)) and m.group(2).strip('\'\"') in d))"  -> 6
    assert_eq!(r.count(Rule::DefaultCredentials), 6);
    let lines: Vec<usize> = hits(&r, Rule::DefaultCredentials)
        .iter()
        .map(|h| h.line)
        .collect();
    assert_eq!(lines, [6, 7, 10, 12, 13, 14]);
    assert_eq!(hits(&r, Rule::DebugEnabled)[0].line, 3);
}

#[test]
fn spring_yaml_independent_counts() {
    let (_, r) = read("handmade_spring-application.yml").unwrap();
    // python3 -c "import yaml; print([d['logging']['level'] for d in yaml.safe_load_all(open('handmade_spring-application.yml')) if 'logging' in d])"  -> [{'root': 'DEBUG', 'org.springframework.security': 'TRACE'}]  (+ debug: true = 3)
    assert_eq!(r.count(Rule::DebugEnabled), 3);
    // python3 -c "import yaml; print([d['management']['endpoints']['web']['exposure']['include'] for d in yaml.safe_load_all(open('handmade_spring-application.yml'))])"  -> ['*', 'health,info']  (+ management.security.enabled: false = 2)
    assert_eq!(r.count(Rule::ActuatorExposed), 2);
    let creds: Vec<(usize, &str)> = hits(&r, Rule::DefaultCredentials)
        .iter()
        .map(|h| (h.line, h.message.as_str()))
        .collect();
    assert_eq!(creds.len(), 3);
    assert_eq!(creds[0].0, 14);
    assert_eq!(creds[1].0, 26);
    assert_eq!(creds[2].0, 51);
    assert!(
        creds[2]
            .1
            .starts_with("`spring.datasource.password` falls back to a well-known default"),
        "{}",
        creds[2].1
    );
}

#[test]
fn appsettings_independent_counts() {
    let (_, r) = read("handmade_appsettings.Development.json").unwrap();
    // jq '[.. | scalars] | length' handmade_appsettings.Development.json  -> 11
    assert_eq!(r.entries, 11);
    // jq -r '.ConnectionStrings.Default | split(";")[] | select(test("^(Password|Encrypt|TrustServerCertificate)="))' handmade_appsettings.Development.json  -> Password=…, TrustServerCertificate=True, Encrypt=False
    assert_eq!(r.count(Rule::TlsVerificationDisabled), 1);
    assert_eq!(r.count(Rule::DefaultCredentials), 1);
    // jq '[.Logging.LogLevel.Default, .DetailedErrors, .FeatureFlags.DeveloperExceptionPage]' handmade_appsettings.Development.json  -> ["Debug", true, true]
    assert_eq!(r.count(Rule::DebugEnabled), 3);
    assert_eq!(
        hits(&r, Rule::DebugEnabled)[0].message,
        "`Logging.LogLevel.Default` logs at DEBUG level; fix: turn debug mode off and log at INFO or above outside development"
    );
}

#[test]
fn compose_independent_counts() {
    let (_, r) = read("handmade_docker-compose.yml").unwrap();
    // python3 -c "import yaml; s=yaml.safe_load(open('handmade_docker-compose.yml'))['services']; print([n for n,v in s.items() if v.get('image','').split(':')[0] in ('redis','mongo')])"  -> ['redis', 'mongo'] (neither sets a password)
    let unauth: Vec<&str> = hits(&r, Rule::UnauthenticatedDatastores)
        .iter()
        .map(|h| h.message.as_str())
        .collect();
    assert_eq!(unauth.len(), 2);
    assert!(
        unauth[0].starts_with("compose service `mongo` runs MongoDB without"),
        "{}",
        unauth[0]
    );
    assert!(
        unauth[1].starts_with("compose service `redis` runs Redis with protected mode off"),
        "{}",
        unauth[1]
    );
    let (_, r) = read("conftest_docker-compose.yml").unwrap();
    assert_eq!(hits(&r, Rule::UnauthenticatedDatastores)[0].line, 8);
}

#[test]
fn datastore_configs_and_lines() {
    let (_, r) = read("handmade_mongod.conf").unwrap();
    let hit = &hits(&r, Rule::UnauthenticatedDatastores)[0];
    assert_eq!(hit.line, 15);
    assert!(
        hit.message.contains("listening on all interfaces"),
        "{}",
        hit.message
    );
    let (_, r) = read("handmade_redis.conf").unwrap();
    let hit = &hits(&r, Rule::UnauthenticatedDatastores)[0];
    assert_eq!(hit.line, 3);
    assert!(hit.message.starts_with(
        "Redis accepts clients without a password (`protected-mode no` and no `requirepass`)"
    ));
}

#[test]
fn yaml_1_1_booleans_anchors_and_merge_keys() {
    let mut seen = Vec::new();
    let text =
        std::fs::read_to_string(fixture("handmade_yaml-anchors-and-1.1-booleans.yaml")).unwrap();
    formats::read(&text, Format::Yaml, &Limits::default(), &mut |e| {
        seen.push((e.key(), e.value.clone(), e.typed))
    })
    .unwrap();
    use crate::entry::Typed;
    let find = |k: &str| seen.iter().find(|(key, _, _)| key == k).cloned().unwrap();
    assert_eq!(
        find("development.debug"),
        ("development.debug".into(), "true".into(), Typed::Bool(true))
    );
    assert_eq!(
        find("development.log_level").1,
        "info",
        "merged from the anchor"
    );
    assert_eq!(
        find("development.db_password").2,
        Typed::Text,
        "!!str stays text"
    );
    assert_eq!(find("production.debug").2, Typed::Bool(false));
    assert_eq!(find("feature_x").2, Typed::Bool(true));
    assert_eq!(find("feature_y").2, Typed::Bool(false));
    assert_eq!(
        find("country").2,
        Typed::Bool(false),
        "YAML 1.1: NO is false"
    );
    assert_eq!(find("version").1, "1.10", "kept as written, not 1.1");
    assert_eq!(
        seen.iter()
            .filter(|(k, _, _)| k.starts_with("development."))
            .count(),
        4
    );
}

#[test]
fn grafana_password_hint_is_not_a_password_but_admin_password_is() {
    let (_, r) = read("conftest_grafana.ini").unwrap();
    assert_eq!(r.count(Rule::DefaultCredentials), 0);
    let r = text(
        "grafana.ini",
        "[security]\nadmin_user = admin\nadmin_password = admin\n",
    )
    .unwrap();
    assert_eq!(r.count(Rule::DefaultCredentials), 1);
    assert_eq!(r.hits[0].line, 3);
}

#[test]
fn malformed_inputs_name_the_file() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "config.yaml",
            "%YAML 2.0\n---\na: 1\n",
            "`config.yaml` declares YAML version `2.0`; only YAML 1.x is read",
        ),
        (
            "config.yaml",
            "a: [1, 2\nb: 3\n",
            "`config.yaml` is not valid YAML at line",
        ),
        (
            "config.json",
            "{\"a\": 1,",
            "`config.json` is not valid YAML at line",
        ),
        (
            "app.toml",
            "a = 1\n[b\n",
            "`app.toml` is not valid TOML at line 2",
        ),
        (
            ".env",
            "A=1\nthis is prose\n",
            "`.env` is not a valid .env file at line 2: expected `KEY=value`",
        ),
        (
            "my.ini",
            "[server\n",
            "`my.ini` is not a valid INI file at line 1",
        ),
        (
            "config.yml",
            "\u{0}\u{1}\u{2}",
            "`config.yml` is not UTF-8 text",
        ),
        (
            "x.properties",
            "a=\u{0}",
            "`x.properties` is not UTF-8 text (bad byte at offset 2)",
        ),
        ("app.env", "A=\"unterminated\n", "never closed"),
    ];
    for (path, input, expected) in cases {
        let err = text(path, input).unwrap_err().to_string();
        assert!(err.contains(expected), "{path}: {err}");
    }
    let mut report = Report::new(10);
    let err = read_config(
        &b"a=\xff"[..],
        "bad.properties",
        &Limits::default(),
        &mut report,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`bad.properties` is not UTF-8 text (bad byte at offset 2)"
    );
}

#[test]
fn a_conf_file_that_only_looks_like_yaml_is_read_as_directives() {
    let mut report = Report::new(10);
    let conf = "Host: example\n  - [broken\nprotected-mode no\n";
    let format = read_config(conf.as_bytes(), "odd.conf", &Limits::default(), &mut report).unwrap();
    assert_eq!(format, Format::Directives);
    assert_eq!(report.entries, 3);
    assert_eq!(read("handmade_mongod.conf").unwrap().0, Format::Yaml);
}

#[test]
fn hostile_inputs_are_refused() {
    let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
    let err = text("config.yaml", bomb).unwrap_err().to_string();
    assert!(
        err.starts_with("`config.yaml` document 1 is refused") && err.contains("alias bomb"),
        "{err}"
    );
    let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let err = text("config.json", &deep).unwrap_err().to_string();
    assert!(err.starts_with("`config.json` "), "{err}");
    let deep = format!("a = {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert!(
        text("pyproject.toml", &deep)
            .unwrap_err()
            .to_string()
            .starts_with("`pyproject.toml` is not valid TOML")
    );
    let deep = format!("k:\n  {}x\n", "- ".repeat(10_000));
    assert!(
        text("config.yml", &deep)
            .unwrap_err()
            .to_string()
            .contains("nesting deeper than 128 levels")
    );
    let huge = format!("a: \"{}\"\n", "x".repeat(5 * 1024 * 1024));
    assert!(
        text("config.yml", &huge)
            .unwrap_err()
            .to_string()
            .contains("scalar longer than")
    );
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let mut report = Report::new(10);
    let big = "A=1\n".repeat(1000);
    let err = read_config(big.as_bytes(), "big.env", &limits, &mut report).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`big.env` is larger than 1024 bytes, the most this plugin reads"
    );
    let truncated =
        std::fs::read_to_string(fixture("handmade_appsettings.Development.json")).unwrap();
    let err = text("appsettings.json", &truncated[..200])
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("`appsettings.json` is not valid YAML"),
        "{err}"
    );
}
