//! `stagegate plugin new` and `plugin build`, per language: the scaffold's
//! own unit tests pass in the language's runner, it builds with the pinned
//! toolchain, and its facts drive a Cedar decision on its real sample bundle,
//! unpinned in a dry run and pinned in a real check.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::python::componentize_py;
use crate::support::{Run, stagegate, target_dir};

/// The environment for `plugin build`: a shared cargo target directory, and
/// componentize-py on PATH.
fn build_env() -> Vec<(String, String)> {
    let tool = componentize_py();
    let mut path = std::env::var("PATH").unwrap_or_default();
    if let Some(dir) = tool.parent().filter(|d| !d.as_os_str().is_empty()) {
        path = format!("{}:{path}", dir.display());
    }
    vec![
        (
            "CARGO_TARGET_DIR".to_owned(),
            target_dir()
                .join("sdk-package/outside-target")
                .display()
                .to_string(),
        ),
        ("PATH".to_owned(), path),
    ]
}

fn run(args: &[&str], cwd: &Path, env: &[(String, String)]) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    stagegate(args, Some(cwd), &env)
}

/// Scaffolds `name` in `lang` into a fresh directory and builds it; returns
/// the project and the component's path and digest from `plugin build`.
fn scaffold_and_build(name: &str, lang: &str) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    let work = tempfile::tempdir().unwrap();
    let new = run(&["plugin", "new", name, "--lang", lang], work.path(), &[]);
    assert_eq!(new.code, 0, "{}", new.all());
    let project = work.path().join(name);
    for file in [
        "README.md",
        "stagegate.toml",
        "policies/plugin.cedar",
        "bundle/sbom.cdx.json",
    ] {
        assert!(project.join(file).is_file(), "{lang}: no {file}");
    }
    let build = run(&["plugin", "build"], &project, &build_env());
    assert_eq!(build.code, 0, "{lang}: {}", build.all());
    let field = |label: &str| {
        build
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("{lang}: no `{label}` in {}", build.stdout))
    };
    let wasm = PathBuf::from(field("component:"));
    let digest = field("sha256:");
    assert_eq!(
        crate::support::sha256_hex(&std::fs::read(&wasm).unwrap()),
        digest
    );
    assert!(
        build.stdout.contains(&format!("[plugins.{name}]")),
        "{}",
        build.stdout
    );
    (work, project, wasm, digest)
}

/// The scaffold's facts decide: its sample SBOM (cyclonedx-py 7.5) names
/// BSD-2-Clause and a classifier string, both outside the allow-list.
fn assert_decides(name: &str, lang: &str, project: &Path, wasm: &Path, digest: &str) {
    let wasm_arg = wasm.to_str().unwrap();
    let dry = run(
        &[
            "check",
            "bundle",
            "--to",
            "prod",
            "--dry-run",
            "--format",
            "json",
            "--config",
            "stagegate.toml",
            "--plugin",
            wasm_arg,
        ],
        project,
        &[],
    );
    assert_eq!(dry.code, 0, "{lang}: {}", dry.all());
    let json = dry.json();
    assert_eq!(json["decision"], "deny", "{lang}: {}", dry.all());
    assert_eq!(
        json["reasons"][0]["policy"],
        format!("{name}-allowed-licences")
    );
    let facts = &json["facts"][name];
    assert_eq!(facts["inputs"], 1, "{lang}: {facts}");
    assert_eq!(facts["components"], 17, "{lang}: {facts}");
    assert_eq!(facts["unlicensed"], 0, "{lang}: {facts}");
    assert_eq!(
        facts["denied"],
        serde_json::json!(["BSD-2-Clause", "License :: OSI Approved :: BSD License"]),
        "{lang}"
    );
    let findings: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["plugin"] == name)
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        findings.contains(&"Pygments@2.21.0: licence BSD-2-Clause is not allowed"),
        "{lang}: {findings:?}"
    );

    // The scaffold's config names the component where it is built; here the
    // cargo target directory is shared, so point it at the real file.
    let config = std::fs::read_to_string(project.join("stagegate.toml"))
        .unwrap()
        .replace(
            &format!("path = {:?}", relative_wasm(lang, name)),
            &format!("path = {wasm_arg:?}"),
        );
    assert!(config.contains(wasm_arg), "{lang}: {config}");

    // Unpinned, a real check fails closed: the zeros are not its digest.
    std::fs::write(project.join("unpinned.toml"), &config).unwrap();
    let real = run(
        &[
            "check",
            "bundle",
            "--to",
            "prod",
            "--config",
            "unpinned.toml",
        ],
        project,
        &[],
    );
    assert_eq!(real.code, 2, "{lang}: {}", real.all());
    assert!(
        real.all().contains("digest mismatch"),
        "{lang}: {}",
        real.all()
    );

    // Pinned as `plugin build` printed, the same decision gates for real.
    let pinned = config.replace(&"0".repeat(64), digest);
    std::fs::write(project.join("pinned.toml"), pinned).unwrap();
    let real = run(
        &["check", "bundle", "--to", "prod", "--config", "pinned.toml"],
        project,
        &[],
    );
    assert_eq!(real.code, 1, "{lang}: {}", real.all());
    assert!(
        real.stdout.contains(&format!("{name}-allowed-licences")),
        "{lang}: {}",
        real.all()
    );
}

/// Runs the scaffold's own unit tests with `command` (in the project) and
/// checks that they pass and that stdout says `expected`.
fn unit_tests_pass(command: &mut Command, project: &Path, expected: &str) {
    let output = command.current_dir(project).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains(expected), "{expected}: {text}");
}

fn relative_wasm(lang: &str, name: &str) -> String {
    match lang {
        "rust" => format!("target/wasm32-wasip2/release/{name}.wasm"),
        _ => "plugin.wasm".to_owned(),
    }
}

#[test]
fn a_rust_plugin_from_the_scaffold_gates_a_real_bundle() {
    let (_work, project, wasm, digest) = scaffold_and_build("licenses", "rust");
    // Its unit tests run natively with cargo test.
    unit_tests_pass(
        Command::new(env!("CARGO"))
            .args(["test", "--quiet"])
            .env(
                "CARGO_TARGET_DIR",
                target_dir().join("sdk-package/native-target"),
            )
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS"),
        &project,
        "3 passed",
    );
    assert_decides("licenses", "rust", &project, &wasm, &digest);
}

#[test]
fn a_python_plugin_from_the_scaffold_gates_a_real_bundle() {
    let (_work, project, wasm, digest) = scaffold_and_build("pylicenses", "python");
    // Its unit tests run with pytest, without WebAssembly.
    let python = componentize_py()
        .parent()
        .map(|d| d.join("python"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("python3"));
    let pytest = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", crate::python::PYTEST])
        .status()
        .unwrap();
    assert!(
        pytest.success(),
        "pip install {} failed",
        crate::python::PYTEST
    );
    unit_tests_pass(
        Command::new(&python).args(["-m", "pytest", "-q", "-p", "no:cacheprovider"]),
        &project,
        "3 passed",
    );
    assert_decides("pylicenses", "python", &project, &wasm, &digest);
}

#[test]
fn a_javascript_plugin_from_the_scaffold_gates_a_real_bundle() {
    let (_work, project, wasm, digest) = scaffold_and_build("jslicenses", "js");
    // Its unit tests run with node's own runner, without WebAssembly.
    unit_tests_pass(Command::new("node").arg("--test"), &project, "# pass 3");
    assert_decides("jslicenses", "js", &project, &wasm, &digest);
}

#[test]
fn a_c_plugin_from_the_scaffold_gates_a_real_bundle() {
    let (_work, project, wasm, digest) = scaffold_and_build("clicenses", "c");
    // Its unit tests run natively with make, under ASan and UBSan.
    unit_tests_pass(
        Command::new("make").arg("test"),
        &project,
        "3 passed, 0 failed",
    );
    assert_decides("clicenses", "c", &project, &wasm, &digest);
}

#[test]
fn scaffolding_never_overwrites_and_building_names_what_is_missing() {
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("taken")).unwrap();
    std::fs::write(work.path().join("taken/mine.txt"), "keep me").unwrap();
    let refused = run(
        &["plugin", "new", "x", "--lang", "python", "--dir", "taken"],
        work.path(),
        &[],
    );
    assert_eq!(refused.code, 2, "{}", refused.all());
    assert!(
        refused.stderr.contains("is not empty"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_dir(work.path().join("taken"))
            .unwrap()
            .count(),
        1
    );

    let bad = run(
        &["plugin", "new", "Bad-Name", "--lang", "rust"],
        work.path(),
        &[],
    );
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(
        bad.stderr.contains("must match [a-z][a-z0-9_]*"),
        "{}",
        bad.stderr
    );
    assert!(!work.path().join("Bad-Name").exists());

    let new = run(
        &["plugin", "new", "nopy", "--lang", "python"],
        work.path(),
        &[],
    );
    assert_eq!(new.code, 0, "{}", new.all());
    let missing = run(
        &["plugin", "build", "nopy"],
        work.path(),
        &[("PATH".to_owned(), "/nonexistent".to_owned())],
    );
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing
            .stderr
            .contains("componentize-py is not installed: pip install componentize-py==0.25.1"),
        "{}",
        missing.stderr
    );

    let new = run(&["plugin", "new", "noc", "--lang", "c"], work.path(), &[]);
    assert_eq!(new.code, 0, "{}", new.all());
    let missing = run(
        &["plugin", "build", "noc"],
        work.path(),
        &[("PATH".to_owned(), "/nonexistent".to_owned())],
    );
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing.stderr.contains(
            "clang is not installed: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32"
        ),
        "{}",
        missing.stderr
    );
    // A sysroot without wasi-libc is named, not guessed around.
    let empty = tempfile::tempdir().unwrap();
    let no_libc = run(
        &["plugin", "build", "noc"],
        work.path(),
        &[(
            "WASI_SYSROOT".to_owned(),
            empty.path().display().to_string(),
        )],
    );
    assert_eq!(no_libc.code, 2, "{}", no_libc.all());
    assert!(
        no_libc.stderr.contains("has no lib/wasm32-wasi/libc.a"),
        "{}",
        no_libc.stderr
    );
    assert!(!work.path().join("noc/plugin.wasm").exists());

    let unknown = run(&["plugin", "build", "taken"], work.path(), &[]);
    assert_eq!(unknown.code, 2, "{}", unknown.all());
    assert!(
        unknown.stderr.contains("cannot tell the language"),
        "{}",
        unknown.stderr
    );
}

/// The cases of a one-line `enum NAME { a, b, c }` in the contract.
fn wit_inline_cases(wit: &str, header: &str) -> Vec<String> {
    let start = wit
        .find(header)
        .unwrap_or_else(|| panic!("no `{header}` in wit/plugin.wit"))
        + header.len();
    let rest = wit.get(start..).unwrap();
    rest.get(..rest.find('}').unwrap())
        .unwrap()
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// The cases of `enum NAME` or `variant NAME` in the contract.
fn wit_cases(wit: &str, header: &str) -> Vec<String> {
    let start = wit
        .find(header)
        .unwrap_or_else(|| panic!("no `{header}` in wit/plugin.wit"));
    let body = wit.get(start + header.len()..).unwrap();
    let body = body.get(..body.find('}').unwrap()).unwrap();
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .map(|l| l.split(['(', ',']).next().unwrap().trim().to_owned())
        .collect()
}

/// The Python and JavaScript helpers name every case of the contract's
/// fact types, severities, log levels and matchers, and no other.
#[test]
fn the_language_helpers_follow_the_one_contract() {
    let wit = std::fs::read_to_string(crate::support::repo().join("wit/plugin.wit")).unwrap();
    let py = std::fs::read_to_string(
        crate::support::repo().join("host/templates/python/stagegate_plugin.py"),
    )
    .unwrap();
    let js = std::fs::read_to_string(crate::support::repo().join("host/templates/js/stagegate.js"))
        .unwrap();
    for (header, table) in [
        ("enum fact-type {", "FACT_TYPES"),
        ("enum severity {", "SEVERITIES"),
        ("enum log-level {", "LOG_LEVELS"),
        ("variant matcher {", "MATCHERS"),
    ] {
        let cases = if header == "enum severity {" || header == "enum log-level {" {
            wit_inline_cases(&wit, header)
        } else {
            wit_cases(&wit, header)
        };
        assert!(cases.len() >= 4, "{header}: {cases:?}");
        // Python: the table's keys, in the block after `TABLE = {`.
        let block = py
            .split_once(&format!("{table} = {{"))
            .and_then(|(_, rest)| rest.split_once("\n}"))
            .map(|(block, _)| block)
            .unwrap_or_else(|| panic!("no {table} in stagegate_plugin.py"));
        let keys: Vec<&str> = block
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        assert_eq!(keys, cases, "stagegate_plugin.py {table}");
        // JavaScript: the array or object of the same name.
        let js_name = if table == "MATCHERS" {
            "matchers"
        } else {
            table
        };
        let block = js
            .split_once(&format!("export const {js_name} = "))
            .and_then(|(_, rest)| rest.split_once(";\n"))
            .map(|(block, _)| block)
            .unwrap_or_else(|| panic!("no {js_name} in stagegate.js"));
        let names: Vec<String> = if table == "MATCHERS" {
            block
                .lines()
                .filter_map(|l| {
                    l.trim()
                        .split_once(':')
                        .map(|(k, _)| k.trim_matches('\'').to_owned())
                })
                .collect()
        } else {
            block
                .trim_matches(['[', ']'])
                .split(',')
                .map(|c| c.trim().trim_matches('\'').to_owned())
                .collect()
        };
        assert_eq!(names, cases, "stagegate.js {js_name}");
    }
}

/// The C helper names every case of the contract's fact types, severities,
/// log levels and matchers, and no other; the compiler checks that each
/// name maps onto the generated bindings.
#[test]
fn the_c_helper_follows_the_one_contract() {
    let wit = std::fs::read_to_string(crate::support::repo().join("wit/plugin.wit")).unwrap();
    let header =
        std::fs::read_to_string(crate::support::repo().join("host/templates/c/src/stagegate.h"))
            .unwrap();
    let defines: Vec<&str> = header
        .lines()
        .filter_map(|l| l.strip_prefix("#define SG_")?.split_whitespace().next())
        .collect();
    let upper = |case: &str| case.to_uppercase().replace('-', "_");
    let fact_types: Vec<String> = wit_cases(&wit, "enum fact-type {")
        .iter()
        .map(|c| upper(c))
        .collect();
    let severities: Vec<String> = wit_inline_cases(&wit, "enum severity {")
        .iter()
        .map(|c| upper(c))
        .collect();
    let levels: Vec<String> = wit_inline_cases(&wit, "enum log-level {")
        .iter()
        .map(|c| format!("LOG_{}", upper(c)))
        .collect();
    for cases in [&fact_types, &severities, &levels] {
        assert!(cases.len() >= 4, "{cases:?}");
    }
    let expected: Vec<String> = [fact_types, severities, levels].concat();
    assert_eq!(defines, expected, "stagegate.h constants");

    let matchers: Vec<String> = header
        .lines()
        .filter_map(|l| l.strip_prefix("void sg_match_")?.split('(').next())
        .map(str::to_owned)
        .collect();
    let cases: Vec<String> = wit_cases(&wit, "variant matcher {")
        .iter()
        .map(|c| c.replace('-', "_"))
        .collect();
    assert!(cases.len() >= 4, "{cases:?}");
    assert_eq!(matchers, cases, "stagegate.h sg_match_*");
}
