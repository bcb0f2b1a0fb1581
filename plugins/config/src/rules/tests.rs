//! Each rule on small inline files of several formats, positive and negative.

use crate::parse::read_config;
use crate::report::{Report, Rule};
use crate::yaml::Limits;

fn count(path: &str, input: &str, rule: Rule) -> u64 {
    let mut report = Report::new(100);
    read_config(input.as_bytes(), path, &Limits::default(), &mut report)
        .unwrap_or_else(|e| panic!("{e}"));
    report.count(rule)
}

#[test]
fn debug_flags_and_levels() {
    let r = Rule::DebugEnabled;
    assert_eq!(
        count(
            ".env",
            "FLASK_DEBUG=1\nLOG_LEVEL=debug\nAPP_DEBUG=false\nRUST_LOG=trace\n",
            r
        ),
        3
    );
    assert_eq!(
        count(
            "app.toml",
            "debug = true\n[logging]\nlevel = \"TRACE\"\n",
            r
        ),
        2
    );
    assert_eq!(
        count(
            "application.properties",
            "trace=true\nlogging.level.web=info\nx.debug=off\n",
            r
        ),
        1
    );
    assert_eq!(
        count(
            "config.yml",
            "catalog_level: debug\nlog:\n  level: warn\n",
            r
        ),
        0
    );
}

#[test]
fn default_credentials_in_many_shapes() {
    let r = Rule::DefaultCredentials;
    assert_eq!(
        count("config.yml", "db:\n  user: shop\n  password: shop\n", r),
        1,
        "password equals user"
    );
    assert_eq!(count(".env", "DB_USER=shop\nDB_PASSWORD=Xk8!f93jq\n", r), 0);
    assert_eq!(
        count("config.yml", "url: postgres://app:changeme@db/x\n", r),
        1
    );
    assert_eq!(count("app.ini", "[db]\nconn = Server=x;Pwd=admin;\n", r), 1);
    assert_eq!(
        count(".env", "PASSWORD_FILE=admin\nSECRET_NAME=secret\n", r),
        0
    );
    assert_eq!(
        count(
            ".env",
            "API_PASSWORD=${API_PASSWORD}\nTOKEN_SECRET=%(x)s\n",
            r
        ),
        0
    );
}

#[test]
fn tls_verification_variants() {
    let r = Rule::TlsVerificationDisabled;
    let env = "NODE_TLS_REJECT_UNAUTHORIZED=0\nPYTHONHTTPSVERIFY=0\nGIT_SSL_NO_VERIFY=true\n";
    assert_eq!(count(".env", env, r), 3);
    let yaml = "client:\n  verify: false\n  tls:\n    insecureSkipVerify: yes\nnode:\n  rejectUnauthorized: off\nsslmode: disable\n";
    assert_eq!(count("config.yml", yaml, r), 4);
    assert_eq!(
        count(
            "app.properties",
            "db.url=jdbc:postgresql://db/x?sslmode=disable\n",
            r
        ),
        1
    );
    assert_eq!(count(".gitconfig", "[http]\n\tsslVerify = false\n", r), 1);
    assert_eq!(
        count(
            "config.yml",
            "verify: true\nssl_verify: yes\nsslmode: verify-full\n",
            r
        ),
        0
    );
}

#[test]
fn xxe_settings() {
    let r = Rule::XxeEnabled;
    let props = "javax.xml.stream.isSupportingExternalEntities=true\nparser.external-general-entities=true\nxml.resolve_entities=false\n";
    assert_eq!(count("app.properties", props, r), 2);
    assert_eq!(
        count(
            "config.yml",
            "lxml:\n  resolve_entities: true\n  load_external_dtd: no\n",
            r
        ),
        1
    );
    assert_eq!(
        count(
            "appsettings.json",
            "{\"Xml\": {\"DtdProcessing\": \"Parse\"}}",
            r
        ),
        1
    );
}

#[test]
fn cors_needs_wildcard_and_credentials() {
    let r = Rule::PermissiveCors;
    let both = "cors:\n  allowed-origins: [\"*\"]\n  allow-credentials: true\n";
    assert_eq!(count("application.yml", both, r), 1);
    assert_eq!(
        count("application.yml", "cors:\n  allowed-origins: \"*\"\n", r),
        0
    );
    assert_eq!(
        count(
            "settings.py",
            "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
            r
        ),
        1
    );
    assert_eq!(
        count(
            "application.yml",
            "cors:\n  allowed-origins: https://a.example\n  allow-credentials: true\n",
            r
        ),
        0
    );
}

#[test]
fn actuator_exposure() {
    let r = Rule::ActuatorExposed;
    assert_eq!(
        count(".env", "MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE=*\n", r),
        1
    );
    assert_eq!(
        count(
            "application.yml",
            "management.endpoints.web.exposure.include:\n  - health\n  - \"*\"\n",
            r
        ),
        1
    );
    assert_eq!(
        count(
            "application.properties",
            "management.endpoints.web.exposure.include=health,info\n",
            r
        ),
        0
    );
}

#[test]
fn datastores_in_compose_and_configs() {
    let r = Rule::UnauthenticatedDatastores;
    let compose = "services:\n  es:\n    image: elasticsearch:8.13.0\n    environment:\n      - xpack.security.enabled=false\n\
        \x20 pg:\n    image: postgres:16\n    environment: {POSTGRES_HOST_AUTH_METHOD: trust}\n\
        \x20 cache:\n    image: bitnami/redis:7\n    environment: [ALLOW_EMPTY_PASSWORD=yes]\n\
        \x20 db:\n    image: mysql:8\n    environment: {MYSQL_ALLOW_EMPTY_PASSWORD: \"yes\"}\n\
        \x20 safe:\n    image: redis:7\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n\
        \x20 m:\n    image: mongo:7\n    environment: {MONGO_INITDB_ROOT_PASSWORD_FILE: /run/secrets/p}\n";
    assert_eq!(count("docker-compose.yml", compose, r), 4);
    assert_eq!(
        count("redis.conf", "bind 0.0.0.0\nrequirepass s3cr3t-long\n", r),
        0
    );
    assert_eq!(count("redis.conf", "bind 0.0.0.0 ::1\n", r), 1);
    assert_eq!(count("mongod.conf", "net:\n  bindIp: 127.0.0.1\n", r), 0);
    assert_eq!(
        count(
            "mongod.conf",
            "net:\n  bindIpAll: true\nsecurity:\n  authorization: enabled\n",
            r
        ),
        0
    );
    assert_eq!(count("mongod.conf", "net:\n  bindIpAll: true\n", r), 1);
}
