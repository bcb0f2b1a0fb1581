//! The built-in plugins: WebAssembly components compiled from `plugins/` by
//! `build.rs` and embedded in the binary. They run in the same sandbox as any
//! other plugin; being built in grants no privilege.

/// One embedded plugin.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinWasm {
    /// The plugin's name (its folder under `plugins/`).
    pub name: &'static str,
    /// The component bytes.
    pub wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));
