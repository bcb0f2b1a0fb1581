//! `stagegate plugin new`: a small plugin project per language, which
//! `plugin build` (in `toolchain`) turns into a component.
//!
//! The templates live in `host/templates/` and are embedded; a Rust project
//! gets the SDK (and its WIT) written beside it, and a C project its helper
//! and a vendored JSON parser, so each builds without this repository.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};
use clap::ValueEnum;

/// componentize-py, the Python toolchain this stagegate builds with.
pub const COMPONENTIZE_PY: &str = "0.25.1";
/// componentize-js, the JavaScript toolchain (pinned in the scaffold's package.json).
pub const COMPONENTIZE_JS: &str = "0.23.0";

/// Languages `plugin new` scaffolds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// cargo, for wasm32-wasip2, with the stagegate SDK.
    Rust,
    /// componentize-py.
    Python,
    /// componentize-js, through its JavaScript API.
    Js,
    /// clang for wasm32-wasi with wasi-libc; bindings and component made by stagegate.
    C,
}

impl Lang {
    fn word(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Python => "Python",
            Lang::Js => "JavaScript",
            Lang::C => "C",
        }
    }

    /// Where the component lands, relative to the project.
    pub(super) fn wasm(self, name: &str) -> String {
        match self {
            Lang::Rust => format!("target/wasm32-wasip2/release/{name}.wasm"),
            Lang::Python | Lang::Js | Lang::C => "plugin.wasm".to_owned(),
        }
    }

    fn test_command(self) -> &'static str {
        match self {
            Lang::Rust => "cargo test",
            Lang::Python => "python3 -m pytest",
            Lang::Js => "node --test",
            Lang::C => "make test",
        }
    }
}

const SBOM: &[u8] =
    include_bytes!("../../../tests/fixtures/cyclonedx/cyclonedx-py-7.5_env_pytest-venv.cdx.json");
const README: &str = include_str!("../../templates/common/README.md");
const POLICY: &str = include_str!("../../templates/common/policy.cedar");
const CONFIG: &str = include_str!("../../templates/common/stagegate.toml");

const RUST_CARGO: &str = include_str!("../../templates/rust/Cargo.toml");
const RUST_LIB: &str = include_str!("../../templates/rust/lib.rs");
const RUST_IGNORE: &str = include_str!("../../templates/rust/gitignore");
const SDK_LIB: &str = include_str!("../../../sdk/src/lib.rs");
/// The contract; `plugin build` generates a C project's bindings from it.
pub const WIT: &str = include_str!("../../../wit/plugin.wit");
const TEXT_LIB: &str = include_str!("../../../plugins/text/src/lib.rs");
const TEXT_BOM: &str = include_str!("../../../plugins/text/src/bom.rs");
const SDK_CARGO: &str = "[package]\nname = \"stagegate-sdk\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
license = \"Apache-2.0\"\npublish = false\n\n[dependencies]\n\
stagegate-text = { path = \"../stagegate-text\" }\nwit-bindgen = \"=0.61.1\"\n";
const TEXT_CARGO: &str = "[package]\nname = \"stagegate-text\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
license = \"Apache-2.0\"\npublish = false\n";

const PY_APP: &str = include_str!("../../templates/python/app.py");
const PY_LOGIC: &str = include_str!("../../templates/python/logic.py");
const PY_TEST: &str = include_str!("../../templates/python/test_logic.py");
const PY_IGNORE: &str = include_str!("../../templates/python/gitignore");
/// The Python helper module, the Rust SDK's concepts for componentize-py.
pub const PY_HELPER: &str = include_str!("../../templates/python/stagegate_plugin.py");
/// The JavaScript helper module, the Rust SDK's concepts for componentize-js.
pub const JS_HELPER: &str = include_str!("../../templates/js/stagegate.js");

const JS_APP: &str = include_str!("../../templates/js/app.js");
const JS_LOGIC: &str = include_str!("../../templates/js/logic.js");
const JS_TEST: &str = include_str!("../../templates/js/logic.test.js");
const JS_BUILD: &str = include_str!("../../templates/js/build.mjs");
const JS_PACKAGE: &str = include_str!("../../templates/js/package.json");
const JS_WORLD: &str = include_str!("../../templates/js/world.wit");
const JS_IGNORE: &str = include_str!("../../templates/js/gitignore");
const WASI_FILESYSTEM: &str =
    include_str!("../../templates/js/wit-deps/wasi-filesystem/package.wit");
const WASI_IO: &str = include_str!("../../templates/js/wit-deps/wasi-io/package.wit");
const C_APP: &str = include_str!("../../templates/c/src/app.c");
const C_LOGIC: &str = include_str!("../../templates/c/src/logic.c");
const C_LOGIC_H: &str = include_str!("../../templates/c/src/logic.h");
/// The C helper, the Rust SDK's concepts on the types `wit-bindgen c` generates.
pub const C_HELPER: &str = include_str!("../../templates/c/src/stagegate.c");
/// Its header.
pub const C_HELPER_H: &str = include_str!("../../templates/c/src/stagegate.h");
const C_TEST: &str = include_str!("../../templates/c/test/test_logic.c");
const C_MAKEFILE: &str = include_str!("../../templates/c/Makefile");
const C_IGNORE: &str = include_str!("../../templates/c/gitignore");
const CJSON_C: &str = include_str!("../../templates/c/vendor/cjson/cJSON.c");
const CJSON_H: &str = include_str!("../../templates/c/vendor/cjson/cJSON.h");
const CJSON_LICENSE: &str = include_str!("../../templates/c/vendor/cjson/LICENSE");
const CJSON_SOURCES: &str = include_str!("../../templates/c/vendor/cjson/SOURCES.md");
const WASI_CLOCKS: &str = include_str!("../../templates/js/wit-deps/wasi-clocks/package.wit");

/// The files of a new `lang` project for plugin `name`.
fn files(name: &str, lang: Lang) -> Vec<(&'static str, Vec<u8>)> {
    let wasm = lang.wasm(name);
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{lang}}", lang.word())
            .replace("{{wasm}}", &wasm)
            .replace("{{test}}", lang.test_command())
            .into_bytes()
    };
    let mut files = vec![
        ("README.md", fill(README)),
        ("stagegate.toml", fill(CONFIG)),
        ("policies/plugin.cedar", fill(POLICY)),
        ("bundle/sbom.cdx.json", SBOM.to_vec()),
    ];
    match lang {
        Lang::Rust => files.extend([
            ("Cargo.toml", fill(RUST_CARGO)),
            ("src/lib.rs", fill(RUST_LIB)),
            (".gitignore", fill(RUST_IGNORE)),
            (
                "sdk/stagegate-sdk/Cargo.toml",
                SDK_CARGO.as_bytes().to_vec(),
            ),
            ("sdk/stagegate-sdk/src/lib.rs", SDK_LIB.as_bytes().to_vec()),
            ("sdk/stagegate-sdk/wit/plugin.wit", WIT.as_bytes().to_vec()),
            (
                "sdk/stagegate-text/Cargo.toml",
                TEXT_CARGO.as_bytes().to_vec(),
            ),
            (
                "sdk/stagegate-text/src/lib.rs",
                TEXT_LIB.as_bytes().to_vec(),
            ),
            (
                "sdk/stagegate-text/src/bom.rs",
                TEXT_BOM.as_bytes().to_vec(),
            ),
        ]),
        Lang::Python => files.extend([
            ("app.py", fill(PY_APP)),
            ("logic.py", fill(PY_LOGIC)),
            ("stagegate_plugin.py", PY_HELPER.as_bytes().to_vec()),
            ("test_logic.py", fill(PY_TEST)),
            (".gitignore", fill(PY_IGNORE)),
            ("wit/plugin.wit", WIT.as_bytes().to_vec()),
        ]),
        Lang::Js => files.extend([
            ("app.js", fill(JS_APP)),
            ("logic.js", fill(JS_LOGIC)),
            ("stagegate.js", JS_HELPER.as_bytes().to_vec()),
            ("logic.test.js", fill(JS_TEST)),
            ("build.mjs", fill(JS_BUILD)),
            ("package.json", fill(JS_PACKAGE)),
            (".gitignore", fill(JS_IGNORE)),
            ("wit/world.wit", fill(JS_WORLD)),
            (
                "wit/deps/stagegate-plugin/plugin.wit",
                WIT.as_bytes().to_vec(),
            ),
            (
                "wit/deps/wasi-filesystem/package.wit",
                WASI_FILESYSTEM.as_bytes().to_vec(),
            ),
            ("wit/deps/wasi-io/package.wit", WASI_IO.as_bytes().to_vec()),
            (
                "wit/deps/wasi-clocks/package.wit",
                WASI_CLOCKS.as_bytes().to_vec(),
            ),
        ]),
        Lang::C => files.extend([
            ("src/app.c", fill(C_APP)),
            ("src/logic.c", fill(C_LOGIC)),
            ("src/logic.h", fill(C_LOGIC_H)),
            ("src/stagegate.c", C_HELPER.as_bytes().to_vec()),
            ("src/stagegate.h", C_HELPER_H.as_bytes().to_vec()),
            ("test/test_logic.c", fill(C_TEST)),
            ("Makefile", C_MAKEFILE.as_bytes().to_vec()),
            (".gitignore", C_IGNORE.as_bytes().to_vec()),
            ("vendor/cjson/cJSON.c", CJSON_C.as_bytes().to_vec()),
            ("vendor/cjson/cJSON.h", CJSON_H.as_bytes().to_vec()),
            ("vendor/cjson/LICENSE", CJSON_LICENSE.as_bytes().to_vec()),
            ("vendor/cjson/SOURCES.md", CJSON_SOURCES.as_bytes().to_vec()),
        ]),
    }
    files
}

/// Writes a new project into `dir`, which must not exist or be empty: no
/// file the user has is ever overwritten. Returns the files written.
pub fn new(name: &str, lang: Lang, dir: &Path) -> anyhow::Result<Vec<&'static str>> {
    stagegate::config::check_plugin_name(name).map_err(anyhow::Error::msg)?;
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("`{}` exists and cannot be read", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "`{}` is not empty: choose another --dir, nothing was written",
                dir.display()
            );
        }
    }
    let files = files(name, lang);
    let mut written = Vec::with_capacity(files.len());
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create `{}`", path.display()))?;
        file.write_all(&bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        written.push(rel);
    }
    Ok(written)
}

/// Which language the project in `dir` is written in.
pub fn detect(dir: &Path) -> anyhow::Result<Lang> {
    if dir.join("Cargo.toml").is_file() {
        Ok(Lang::Rust)
    } else if dir.join("app.py").is_file() {
        Ok(Lang::Python)
    } else if dir.join("package.json").is_file() {
        Ok(Lang::Js)
    } else if dir.join("src/app.c").is_file() {
        Ok(Lang::C)
    } else {
        bail!(
            "cannot tell the language of `{}`: it has no Cargo.toml (Rust), app.py (Python), package.json (JavaScript) or src/app.c (C)",
            dir.display()
        )
    }
}
