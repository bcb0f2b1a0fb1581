//! The built-in plugins: WebAssembly components compiled from `plugins/` by
//! `build.rs`, precompiled there to native code with the host's engine
//! configuration, and embedded in the binary. They run in the same sandbox as
//! any other plugin; being built in grants no privilege. Being precompiled
//! means they never pass through a compiler or a cache at run time.

/// One embedded plugin.
#[derive(Debug, PartialEq, Eq)]
pub struct BuiltinWasm {
    /// The plugin's name (its folder under `plugins/`).
    pub name: &'static str,
    /// SHA-256 of the component it was precompiled from.
    pub sha256: &'static str,
    /// Size of that component in bytes.
    pub size: usize,
    /// The precompiled component (wasmtime's serialized format).
    pub precompiled: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));
