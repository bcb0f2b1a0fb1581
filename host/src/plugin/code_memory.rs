//! Where the built-in plugins' native code runs.
//!
//! `Component::deserialize` copies a precompiled component into fresh memory
//! before making it executable: for the eleven built-ins, about 20 MB copied
//! and page-faulted on every run, most of the gate's fixed cost. On x86-64
//! Linux the embedded code instead runs where it lies in the binary's
//! read-only data: `build.rs` page-aligns it (`builtin::Page`), and this
//! module's [`CustomCodeMemory`] makes its text pages executable in place
//! (`mprotect` to read+execute; they are never writable). Pages the kernel
//! never touches are never read from disk.
//!
//! The same hook publishes code that wasmtime compiled or deserialized into
//! its own memory (configured plugins): read+execute, as wasmtime itself
//! would on this target, and back to read-only when that code is dropped.
//! Embedded pages stay executable until the process ends. Each built-in runs
//! in place once per process (wasmtime registers code by its address); a
//! second load of it in the same process, by another `Runtime`, copies.
//!
//! Elsewhere the built-ins are deserialized by copying, and wasmtime's own
//! code publishing applies.

use wasmtime::Engine;
use wasmtime::component::Component;

use super::builtin::BuiltinWasm;

/// `config` with the code publishing this module provides, where it applies.
pub(crate) fn configure(mut config: wasmtime::Config) -> wasmtime::Config {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    config.with_custom_code_memory(Some(std::sync::Arc::new(in_place::Publisher)));
    config
}

/// The built-in's precompiled code, loaded for `engine`; `Err` when this
/// engine or CPU cannot run it (wasmtime checks the engine settings, the
/// version and the CPU features it was compiled for).
pub(crate) fn load_builtin(
    engine: &Engine,
    builtin: &'static BuiltinWasm,
) -> wasmtime::Result<Component> {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if in_place::claim(builtin) {
        let memory = std::ptr::NonNull::from(builtin.precompiled);
        // SAFETY: the bytes were produced by `build.rs` with
        // `Engine::precompile_component` under the same engine configuration
        // (`engine_config.rs`) and embedded in this binary; nothing outside
        // the binary can change them. They are a `'static` immutable
        // allocation, so they outlive every component made from them and are
        // never written (the publisher only adds execute permission). An
        // engine without the publisher refuses them, and they are copied.
        // `claim` hands each built-in's bytes out once per process: wasmtime
        // registers code by address, and two live components cannot share it.
        #[expect(
            unsafe_code,
            reason = "running code precompiled into this binary in place"
        )]
        match unsafe { Component::deserialize_raw(engine, memory) } {
            Ok(component) => return Ok(component),
            // Refused before its code was registered: free to try again.
            Err(_) => in_place::release(builtin),
        }
    }
    // SAFETY: as above; this path copies the bytes first.
    #[expect(unsafe_code, reason = "loading code precompiled into this binary")]
    unsafe {
        Component::deserialize(engine, builtin.precompiled)
    }
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod in_place {
    use wasmtime::CustomCodeMemory;

    use super::super::builtin::{BUILTINS, BuiltinWasm};

    /// Page size on x86-64 Linux.
    const PAGE: usize = 4096;

    /// Built-ins whose embedded code a component was made from (by name).
    static CLAIMED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

    /// Whether `builtin`'s embedded code is still free to run in place; it
    /// is then taken for the rest of the process. Later loads copy it.
    pub(super) fn claim(builtin: &BuiltinWasm) -> bool {
        let Ok(mut claimed) = CLAIMED.lock() else {
            return false;
        };
        if claimed.contains(&builtin.name) {
            return false;
        }
        claimed.push(builtin.name);
        true
    }

    /// Gives back a claim whose load was refused.
    pub(super) fn release(builtin: &BuiltinWasm) {
        if let Ok(mut claimed) = CLAIMED.lock() {
            claimed.retain(|name| *name != builtin.name);
        }
    }

    /// Publishes code with `mprotect`, leaving embedded pages executable.
    pub(super) struct Publisher;

    /// Whether `[ptr, ptr + len)` lies inside a built-in's embedded code.
    fn embedded(ptr: *const u8, len: usize) -> bool {
        let (start, end) = (ptr as usize, (ptr as usize).saturating_add(len));
        BUILTINS.iter().any(|b| {
            let from = b.precompiled.as_ptr() as usize;
            from <= start && end <= from.saturating_add(b.precompiled.len())
        })
    }

    fn protect(ptr: *const u8, len: usize, flags: libc::c_int) -> wasmtime::Result<()> {
        if len == 0 {
            return Ok(());
        }
        // SAFETY: wasmtime passes the page-aligned text range of a code
        // image it owns or was handed (`required_alignment`); changing the
        // protection of those pages touches no other Rust object.
        #[expect(unsafe_code, reason = "changing page protection of plugin code")]
        let rc = unsafe { libc::mprotect(ptr.cast_mut().cast(), len, flags) };
        if rc == 0 {
            Ok(())
        } else {
            Err(wasmtime::Error::msg(format!(
                "cannot change the protection of plugin code: {}",
                std::io::Error::last_os_error()
            )))
        }
    }

    impl CustomCodeMemory for Publisher {
        fn required_alignment(&self) -> usize {
            PAGE
        }

        fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
            protect(ptr, len, libc::PROT_READ | libc::PROT_EXEC)
        }

        fn unpublish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
            if embedded(ptr, len) {
                return Ok(());
            }
            protect(ptr, len, libc::PROT_READ)
        }
    }
}
