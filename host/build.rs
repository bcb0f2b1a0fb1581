//! Builds the built-in plugins (every crate under `plugins/`) for
//! `wasm32-wasip2`, precompiles them to native code with the engine
//! configuration the host runs them with, and embeds the result in the
//! `stagegate` binary. Built-in plugins are therefore never compiled at run
//! time and never loaded from a writable cache.
//!
//! The plugins are built by a nested `cargo build` into their own target
//! directory (`<target>/wasm-plugins`), shared by every host profile, so the
//! outer build's lock is never contended. The nested build gets a clean
//! environment: no outer `RUSTFLAGS`, no clippy wrapper. A machine without the
//! `wasm32-wasip2` standard library gets it through `rustup target add` first.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

use sha2::{Digest, Sha256};

#[path = "src/plugin/engine_config.rs"]
mod engine_config;

const TARGET: &str = "wasm32-wasip2";

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    exit(1)
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let workspace = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| fail("host/ has no parent directory"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_else(|| fail("OUT_DIR unset")));

    for watched in ["plugins", "sdk", "wit", "Cargo.lock", "Cargo.toml"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }

    // `cargo fuzz` builds with `--cfg fuzzing` on another toolchain (nightly,
    // which may lack the wasm target). Its targets exercise the host's parsers
    // and checks, never a plugin, so such a build embeds none.
    if env::var_os("CARGO_CFG_FUZZING").is_some() {
        write_builtins(&out_dir, "");
        embed_policies(&workspace.join("policies"), &out_dir);
        return;
    }

    let plugins = discover_plugins(&workspace.join("plugins"));
    if plugins.is_empty() {
        fail("no plugin crates found under plugins/");
    }

    ensure_wasm_target();

    // <target>/<profile>/build/<pkg>/out -> <target>
    let target_dir = out_dir
        .ancestors()
        .nth(4)
        .map(|t| t.join("wasm-plugins"))
        .unwrap_or_else(|| out_dir.join("wasm-plugins"));

    let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo
        .current_dir(&workspace)
        .args([
            "build",
            "--profile",
            "plugin",
            "--target",
            TARGET,
            "--target-dir",
        ])
        .arg(&target_dir);
    for (_, package) in &plugins {
        cargo.args(["-p", package]);
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CLIPPY_ARGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cargo.env_remove(var);
    }
    // Wasm SIMD: wasmtime supports it on every host it runs on, and the
    // parsers' byte searches (memchr, under quick-xml and serde_json) have a
    // simd128 implementation that they only use when the feature is on.
    cargo.env(
        "CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS",
        "-Ctarget-feature=+simd128",
    );
    let status = cargo
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run cargo to build the plugins: {e}")));
    if !status.success() {
        fail("building the built-in plugins for wasm32-wasip2 failed (see the output above)");
    }

    let mut config = engine_config::plugin_engine_config();
    if let Ok(target) = env::var("TARGET") {
        config
            .target(&target)
            .unwrap_or_else(|e| fail(&format!("wasmtime cannot compile for `{target}`: {e}")));
        // A named target is compiled for its baseline CPU, which on x86-64
        // is SSE2: wasm shuffles become calls into the runtime and bit
        // counts become loops. The built-ins are compiled for x86-64-v3
        // (AVX2, BMI, LZCNT, POPCNT), which every x86-64 server and CI runner
        // of the last decade has. On a CPU without it, wasmtime refuses the
        // precompiled code and the gate compiles the embedded component for
        // that CPU instead (`plugin::code_memory`).
        if target.starts_with("x86_64-") {
            for preset in ["x86-64-v3", "has_avx"] {
                #[expect(
                    unsafe_code,
                    reason = "CPU features for code that wasmtime only runs where it detects them"
                )]
                // SAFETY: wasmtime records these flags in the precompiled code
                // and checks at load time that the CPU has each of them; code
                // for a CPU that lacks one is refused, never run.
                unsafe {
                    config.cranelift_flag_enable(preset);
                }
            }
        }
    }
    let engine = wasmtime::Engine::new(&config).unwrap_or_else(|e| {
        fail(&format!(
            "cannot set up wasmtime to precompile plugins: {e}"
        ))
    });

    let mut entries = String::new();
    for (name, package) in &plugins {
        let file = format!("{}.wasm", package.replace('-', "_"));
        let built = target_dir.join(TARGET).join("plugin").join(&file);
        let wasm = fs::read(&built)
            .unwrap_or_else(|e| fail(&format!("cannot read `{}`: {e}", built.display())));
        let precompiled = engine
            .precompile_component(&wasm)
            .unwrap_or_else(|e| fail(&format!("cannot precompile plugin `{name}`: {e:#}")));
        let embedded = out_dir.join(format!("{name}.cwasm"));
        fs::write(&embedded, precompiled)
            .unwrap_or_else(|e| fail(&format!("cannot write `{}`: {e}", embedded.display())));
        // The component itself, compiled at run time only when this binary
        // runs where its precompiled code cannot (another CPU or engine).
        let component = out_dir.join(format!("{name}.wasm"));
        fs::write(&component, &wasm)
            .unwrap_or_else(|e| fail(&format!("cannot write `{}`: {e}", component.display())));
        let sha256: String = Sha256::digest(&wasm)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = writeln!(
            entries,
            "    BuiltinWasm {{ name: {name:?}, sha256: {sha256:?}, wasm: include_bytes!({:?}), precompiled: &Page(*include_bytes!({:?})).0 }},",
            component.display().to_string(),
            embedded.display().to_string()
        );
    }
    write_builtins(&out_dir, &entries);
    embed_policies(&workspace.join("policies"), &out_dir);
}

/// Writes `builtins.rs`: the `BUILTINS` table with `entries`, one line each.
fn write_builtins(out_dir: &Path, entries: &str) {
    let generated = format!(
        "/// The plugins compiled into this binary.\n\
         pub(crate) static BUILTINS: &[BuiltinWasm] = &[\n{entries}];\n"
    );
    fs::write(out_dir.join("builtins.rs"), generated)
        .unwrap_or_else(|e| fail(&format!("cannot write builtins.rs: {e}")));
}

/// Embeds every `policies/*.cedar` file, sorted by name, as the default policies.
fn embed_policies(dir: &Path, out_dir: &Path) {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("cannot list `{}`: {e}", dir.display())));
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cedar"))
        .collect();
    files.sort();
    let mut generated = String::from("/// The default policies: `(file name, text)`, sorted.\n");
    generated.push_str("pub const DEFAULT_POLICIES: &[(&str, &str)] = &[\n");
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let _ = writeln!(
            generated,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    generated.push_str("];\n");
    fs::write(out_dir.join("policies.rs"), generated)
        .unwrap_or_else(|e| fail(&format!("cannot write policies.rs: {e}")));
}

/// `(plugin name, package name)` for every plugin crate under `plugins/`:
/// a `cdylib` package named `stagegate-plugin-<name>`. Library crates that
/// plugins share (such as `yaml-reader`) are skipped. Sorted by name.
fn discover_plugins(dir: &Path) -> Vec<(String, String)> {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("cannot list `{}`: {e}", dir.display())));
    let mut plugins: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| fs::read_to_string(e.path().join("Cargo.toml")).ok())
        .filter(|manifest| manifest.contains("\"cdylib\""))
        .filter_map(|manifest| {
            let package = manifest
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = \""))?
                .trim_end_matches('"')
                .to_owned();
            let name = package.strip_prefix("stagegate-plugin-")?.to_owned();
            Some((name, package))
        })
        .collect();
    plugins.sort();
    plugins
}

/// Installs the wasm32-wasip2 standard library when the toolchain lacks it.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()));
    let installed = sysroot
        .as_ref()
        .is_some_and(|root| root.join("lib/rustlib").join(TARGET).is_dir());
    if installed {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        rustup.arg("--toolchain").arg(toolchain);
    }
    match rustup.status() {
        Ok(status) if status.success() => {}
        _ => fail(
            "the wasm32-wasip2 target is missing and `rustup target add wasm32-wasip2` failed; \
             install it and build again",
        ),
    }
}
