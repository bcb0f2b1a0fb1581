//! `stagegate plugin build`: the pinned toolchain of each language turns a
//! project written by `plugin new` into a component. A missing or different
//! toolchain is one sentence saying how to install the pinned one.
//!
//! C needs only clang and wasi-libc: the bindings (`wit-bindgen c`) and the
//! component (`wit-component`, with the WASI preview 1 adapter of this
//! wasmtime release) are made here, by the versions in Cargo.lock.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context as _, bail};

use super::scaffold::{COMPONENTIZE_JS, COMPONENTIZE_PY, Lang, WIT};

/// Builds the project in `dir`; returns the component's path.
pub fn build(dir: &Path, lang: Lang) -> anyhow::Result<PathBuf> {
    match lang {
        Lang::Rust => build_rust(dir),
        Lang::Python => build_python(dir),
        Lang::Js => build_js(dir),
        Lang::C => build_c(dir),
    }
}

fn build_js(dir: &Path) -> anyhow::Result<PathBuf> {
    let install = "install Node.js 18 or later (Debian: apt-get install nodejs npm)";
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        Ok(_) | Err(_) => bail!("node is not installed: {install}"),
    }
    let package = dir.join("node_modules/@bytecodealliance/componentize-js/package.json");
    let installed = std::fs::read_to_string(&package).ok().and_then(|text| {
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()?
            .get("version")?
            .as_str()
            .map(str::to_owned)
    });
    if installed.as_deref() != Some(COMPONENTIZE_JS) {
        // The versions package.json pins, into the project's node_modules.
        let status = Command::new("npm")
            .current_dir(dir)
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .stdout(Stdio::null())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => bail!(
                "npm install failed ({s}); it installs @bytecodealliance/componentize-js {COMPONENTIZE_JS} as package.json pins it"
            ),
            Err(_) => bail!("npm is not installed: {install}"),
        }
    }
    let status = Command::new("node")
        .current_dir(dir)
        .arg("build.mjs")
        .stdout(Stdio::null())
        .status()
        .context("cannot run node")?;
    if !status.success() {
        bail!("node build.mjs (componentize-js) failed ({status})");
    }
    Ok(dir.join("plugin.wasm"))
}

fn build_rust(dir: &Path) -> anyhow::Result<PathBuf> {
    let output = Command::new("cargo")
        .current_dir(dir)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "cargo is not installed: install Rust with rustup (https://rustup.rs), then run `rustup target add wasm32-wasip2`"
        ),
        Err(e) => return Err(e).context("cannot run cargo"),
    };
    if !output.status.success() {
        bail!(
            "cargo build failed ({}); if it says the wasm32-wasip2 target is missing, run `rustup target add wasm32-wasip2`",
            output.status
        );
    }
    // The artifact cargo reports, wherever the target directory is.
    let wasm = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m.get("reason").is_some_and(|r| r == "compiler-artifact"))
        .filter(|m| {
            m.pointer("/target/kind")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|k| k.iter().any(|k| k == "cdylib"))
        })
        .flat_map(|m| {
            m.get("filenames")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|f| f.as_str().map(PathBuf::from))
        })
        .rfind(|f| f.extension().is_some_and(|e| e == "wasm"));
    wasm.ok_or_else(|| {
        anyhow::anyhow!(
            "cargo built no .wasm: `[lib] crate-type` in `{}` must include \"cdylib\"",
            dir.join("Cargo.toml").display()
        )
    })
}

fn build_python(dir: &Path) -> anyhow::Result<PathBuf> {
    let install = format!("pip install componentize-py=={COMPONENTIZE_PY}");
    let version = match Command::new("componentize-py").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        Ok(_) | Err(_) => bail!("componentize-py is not installed: {install}"),
    };
    if !version.split_whitespace().any(|w| w == COMPONENTIZE_PY) {
        bail!(
            "found {version}, but stagegate builds Python plugins with componentize-py {COMPONENTIZE_PY}: {install}"
        );
    }
    let out = dir.join("plugin.wasm");
    let status = Command::new("componentize-py")
        .current_dir(dir)
        .args([
            "-d",
            "wit",
            "-w",
            "plugin",
            "componentize",
            "app",
            "-o",
            "plugin.wasm",
        ])
        .stdout(Stdio::null())
        .status()
        .context("cannot run componentize-py")?;
    if !status.success() {
        bail!("componentize-py failed ({status})");
    }
    Ok(out)
}

/// The packages that hold clang's wasm32 pieces on Debian and Ubuntu.
const C_INSTALL: &str = "apt-get install clang lld wasi-libc libclang-rt-dev-wasm32, or set WASI_SYSROOT to a wasi-sdk sysroot";
/// The oldest clang with a usable wasm32-wasi target and reactor model.
const CLANG_MAJOR: u32 = 14;

fn build_c(dir: &Path) -> anyhow::Result<PathBuf> {
    let version = match Command::new("clang").arg("--version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(_) | Err(_) => bail!("clang is not installed: {C_INSTALL}"),
    };
    let major = version
        .split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse::<u32>().ok());
    if major.is_none_or(|m| m < CLANG_MAJOR) {
        let first = version.lines().next().unwrap_or("an unknown clang");
        bail!("found {first}, but C plugins need clang {CLANG_MAJOR} or later: {C_INSTALL}");
    }
    let sysroot = wasi_sysroot()?;
    let gen_dir = dir.join("gen");
    c_bindings(&gen_dir)?;

    let mut sources = c_files(&dir.join("src"))?;
    let mut includes = vec!["-Isrc".to_owned(), "-Igen".to_owned()];
    let vendor = dir.join("vendor");
    if vendor.is_dir() {
        let mut libraries: Vec<PathBuf> = std::fs::read_dir(&vendor)
            .with_context(|| format!("cannot read `{}`", vendor.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        libraries.sort();
        for library in libraries {
            if let Ok(rel) = library.strip_prefix(dir) {
                includes.push(format!("-I{}", rel.display()));
            }
            sources.extend(c_files(&library)?);
        }
    }
    if !sources.iter().any(|s| s.ends_with("src/app.c")) {
        bail!("`{}` has no src/app.c", dir.display());
    }
    std::fs::create_dir_all(dir.join("build"))
        .with_context(|| format!("cannot create `{}`", dir.join("build").display()))?;
    let core = dir.join("build/core.wasm");
    let output = Command::new("clang")
        .current_dir(dir)
        .arg("--target=wasm32-wasi")
        .arg(format!("--sysroot={}", sysroot.display()))
        .args(["-mexec-model=reactor", "-O2", "-Wall"])
        .args(&includes)
        .args(["-o", "build/core.wasm"])
        .args(sources.iter().filter_map(|s| s.strip_prefix(dir).ok()))
        .args(["gen/plugin.c", "gen/plugin_component_type.o"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .context("cannot run clang")?;
    if !output.success() {
        bail!(
            "clang failed ({output}); if it cannot find wasm-ld, libc or libclang_rt.builtins-wasm32.a: {C_INSTALL}"
        );
    }
    let module =
        std::fs::read(&core).with_context(|| format!("cannot read `{}`", core.display()))?;
    let component = wit_component::ComponentEncoder::default()
        .module(&module)
        .and_then(|e| {
            e.validate(true).adapter(
                "wasi_snapshot_preview1",
                wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
            )
        })
        .and_then(|e| e.encode())
        .with_context(|| {
            format!(
                "cannot make a component of `{}`: it must define the exports of gen/plugin.h",
                core.display()
            )
        })?;
    let out = dir.join("plugin.wasm");
    std::fs::write(&out, component).with_context(|| format!("cannot write `{}`", out.display()))?;
    Ok(out)
}

/// The wasi-libc sysroot: `$WASI_SYSROOT`, or where Debian or wasi-sdk put it.
fn wasi_sysroot() -> anyhow::Result<PathBuf> {
    let has_libc = |root: &Path| root.join("lib/wasm32-wasi/libc.a").is_file();
    if let Some(root) = std::env::var_os("WASI_SYSROOT").map(PathBuf::from) {
        if has_libc(&root) {
            return Ok(root);
        }
        bail!(
            "WASI_SYSROOT `{}` has no lib/wasm32-wasi/libc.a: point it at a wasi-libc sysroot",
            root.display()
        );
    }
    [
        "/usr",
        "/usr/share/wasi-sysroot",
        "/opt/wasi-sdk/share/wasi-sysroot",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|root| has_libc(root))
    .ok_or_else(|| anyhow::anyhow!("wasi-libc is not installed: {C_INSTALL}"))
}

/// Writes the `wit-bindgen c` bindings of the contract into `gen_dir`.
fn c_bindings(gen_dir: &Path) -> anyhow::Result<()> {
    let mut resolve = wit_bindgen_core::wit_parser::Resolve::default();
    let package = resolve
        .push_str("plugin.wit", WIT)
        .context("the embedded contract does not parse")?;
    let world = resolve
        .select_world(&[package], Some("plugin"))
        .context("the embedded contract has no world `plugin`")?;
    let mut files = wit_bindgen_core::Files::default();
    wit_bindgen_c::Opts::default()
        .build()
        .generate(&mut resolve, world, &mut files)
        .context("cannot generate the C bindings")?;
    std::fs::create_dir_all(gen_dir)
        .with_context(|| format!("cannot create `{}`", gen_dir.display()))?;
    for (name, bytes) in files.iter() {
        let path = gen_dir.join(name);
        std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

/// The `.c` files directly in `dir`, sorted.
fn c_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read `{}`", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}
