//! A hostile plugin for the sandbox tests. Its configuration `{"mode": "..."}`
//! picks one misbehaviour; each must end in a clear "cannot decide" from the
//! host, with the host process alive and nothing leaked.
//!
//! Modes: `ok`, `loop`, `memory`, `flood-logs`, `flood-empty-logs`,
//! `flood-stdout`, `flood-facts`, `flood-findings`, `flood-report`,
//! `long-message`, `panic`, `abort`, `read-outside`, `tcp` (config `port`),
//! `env`, `wrong-type`, `missing-fact`, `sleep` (blocks in a host call),
//! `open` (config `path`: opens and reads it, e.g. a FIFO planted in the
//! bundle), `leak` (config `secret`: logs it, reports it in a finding and in
//! its error), `inject` (returns terminal escapes and workflow commands in
//! every string it can).

use std::io::Read;

use stagegate_sdk::{
    Artifact, ArtifactKind, Evaluation, FactSpec, Facts, Finding, Matcher, Metadata, Plugin,
    Severity, export, log,
};

struct Hostile;

fn field<'a>(config: &'a str, key: &str) -> Option<&'a str> {
    // A tiny reader for `{"mode": "x", "port": 123}`: the plugin has no JSON
    // dependency on purpose, to stay small.
    let start = config.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = config
        .get(start..)?
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let end = rest.find(['"', ',', '}']).unwrap_or(rest.len());
    rest.get(..end)
}

fn try_read(path: &str) -> String {
    match std::fs::File::open(path) {
        Err(e) => format!("open {path}: refused ({e})"),
        Ok(mut f) => {
            let mut s = String::new();
            match f.read_to_string(&mut s) {
                Ok(_) => format!("open {path}: READ {s:?}"),
                Err(e) => format!("open {path}: opened but read failed ({e})"),
            }
        }
    }
}

impl Plugin for Hostile {
    fn describe() -> Metadata {
        Metadata {
            name: "hostile".into(),
            version: "0.0.1".into(),
            description: "misbehaves on purpose".into(),
            reads: vec![ArtifactKind {
                name: "anything".into(),
                matchers: vec![Matcher::AnyText],
            }],
            facts: vec![FactSpec::long("count", "artifacts seen")],
        }
    }

    fn evaluate(artifacts: Vec<Artifact>, config: String) -> Result<Evaluation, String> {
        let ok = || {
            Ok(Facts::new()
                .long("count", artifacts.len())
                .with_findings(Vec::new()))
        };
        match field(&config, "mode").unwrap_or("ok") {
            "ok" => ok(),
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "flood-logs" => loop {
                log::info(&"x".repeat(1024));
            },
            "flood-empty-logs" => loop {
                log::info("");
            },
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                ok()
            }
            "open" => {
                let path = field(&config, "path").unwrap_or("/bundle/pipe");
                Err(try_read(path))
            }
            "leak" => {
                let secret = field(&config, "secret").unwrap_or_default();
                log::warn(&format!("connecting with token {secret}"));
                println!("stdout says {secret}");
                Err(format!("upstream refused credentials {secret}"))
            }
            "leak-finding" => {
                let secret = field(&config, "secret").unwrap_or_default();
                let finding = Finding::new(
                    &format!("hostile/{secret}"),
                    Severity::High,
                    format!("value {secret} was seen"),
                )
                .at(&format!("conf/{secret}.env"), 3);
                Ok(Facts::new().long("count", 1).with_findings(vec![finding]))
            }
            "inject" => {
                let evil = "\u{1b}[2J\u{1b}[31mFORGED\r\n::error::pwned\u{202e}txt.exe\u{7}";
                log::info(evil);
                let finding =
                    Finding::new(&format!("hostile/{evil}"), Severity::High, evil).at(evil, 1);
                Ok(Facts::new().long("count", 1).with_findings(vec![finding]))
            }
            "flood-report" => {
                // Within every per-item cap (10,000 findings of 4,000 bytes),
                // but 40 MB in all: past the report share.
                let findings = (0..10_000)
                    .map(|i| {
                        Finding::new(
                            "hostile/big",
                            Severity::Low,
                            format!("{i:04}{}", "r".repeat(3996)),
                        )
                    })
                    .collect();
                Ok(Facts::new().long("count", 1).with_findings(findings))
            }
            "flood-stdout" => loop {
                println!("{}", "y".repeat(1024));
            },
            "flood-findings" => {
                let findings = (0..20_000)
                    .map(|i| Finding::new("hostile/flood", Severity::Low, format!("finding {i}")))
                    .collect();
                Ok(Facts::new().long("count", 1).with_findings(findings))
            }
            "long-message" => {
                let findings = vec![Finding::new(
                    "hostile/long",
                    Severity::Low,
                    "m".repeat(100_000),
                )];
                Ok(Facts::new().long("count", 1).with_findings(findings))
            }
            "flood-facts" => {
                let mut facts = Facts::new();
                for _ in 0..1_000_000 {
                    facts = facts.long("count", 1);
                }
                Ok(facts.with_findings(Vec::new()))
            }
            #[expect(
                clippy::panic,
                reason = "this plugin panics on purpose to prove the trap path"
            )]
            "panic" => panic!("hostile plugin panicked on purpose"),
            "abort" => std::process::abort(),
            "read-outside" => {
                let attempts = [
                    try_read("/etc/hostname"),
                    try_read("/bundle/../etc/hostname"),
                    try_read("/bundle/escape-link"),
                    try_read("/bundle/dir-link/hostname"),
                    try_read("../etc/hostname"),
                ];
                let writable = std::fs::write("/bundle/planted.txt", "x").is_ok();
                Err(format!(
                    "{}; write /bundle/planted.txt: {}",
                    attempts.join("; "),
                    if writable { "WRITTEN" } else { "refused" }
                ))
            }
            "tcp" => {
                let port = field(&config, "port").unwrap_or("80");
                match std::net::TcpStream::connect(format!("127.0.0.1:{port}")) {
                    Ok(_) => Err("tcp connect: CONNECTED".into()),
                    Err(e) => Err(format!("tcp connect: refused ({e})")),
                }
            }
            "env" => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let args = std::env::args().count();
                Err(format!(
                    "environment: {} variable(s) {vars:?}, {args} argument(s)",
                    vars.len()
                ))
            }
            "wrong-type" => Ok(Facts::new()
                .text("count", "three")
                .with_findings(Vec::new())),
            "missing-fact" => Ok(Facts::new().with_findings(Vec::new())),
            other => Err(format!("unknown mode `{other}`")),
        }
    }
}

export!(Hostile);
