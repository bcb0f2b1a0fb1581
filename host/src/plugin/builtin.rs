//! The built-in plugins: WebAssembly components compiled from `plugins/` by
//! `build.rs`, precompiled there to native code with the host's engine
//! configuration, and embedded in the binary. They run in the same sandbox as
//! any other plugin; being built in grants no privilege. Being precompiled
//! means they never pass through a compiler or a cache at run time, unless
//! the binary runs where that code cannot (another CPU or engine): the
//! embedded component is then compiled in process.

/// One embedded plugin.
#[derive(Debug, PartialEq, Eq)]
pub struct BuiltinWasm {
    /// The plugin's name (its folder under `plugins/`).
    pub name: &'static str,
    /// SHA-256 of the component it was precompiled from.
    pub sha256: &'static str,
    /// That component, compiled only when `precompiled` cannot be loaded.
    pub wasm: &'static [u8],
    /// The precompiled component (wasmtime's serialized format). It starts
    /// on a page boundary, so its code can run where it lies in the binary
    /// (see `code_memory.rs`).
    pub precompiled: &'static [u8],
}

/// Page alignment for embedded precompiled code.
#[repr(C, align(4096))]
pub(crate) struct Page<T: ?Sized>(pub T);

include!(concat!(env!("OUT_DIR"), "/builtins.rs"));

#[cfg(test)]
mod tests {
    use super::BUILTINS;
    use sha2::{Digest, Sha256};

    #[test]
    fn every_builtin_is_page_aligned_and_embeds_the_component_it_names() {
        assert!(!BUILTINS.is_empty());
        for builtin in BUILTINS {
            assert_eq!(
                builtin.precompiled.as_ptr() as usize % 4096,
                0,
                "{}",
                builtin.name
            );
            let digest: String = Sha256::digest(builtin.wasm)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(digest, builtin.sha256, "{}", builtin.name);
        }
    }
}
