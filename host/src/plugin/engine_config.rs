//! The wasmtime configuration every plugin is compiled and run with.
//!
//! This file is shared, as source, by the host and by `build.rs`, which
//! precompiles the built-in plugins with it. A precompiled component only
//! loads into an engine of the same configuration, so both sides must build
//! it from this one function; it therefore uses nothing but wasmtime.

/// The engine configuration for plugins.
pub fn plugin_engine_config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true).epoch_interruption(true);
    // Data segments are copied into each instance's memory instead of
    // mapped from a memory image made when a component loads: a gate
    // instantiates each plugin twice at most, so an image (a memfd written
    // per plugin, mapped per instance) costs more than it saves.
    config.memory_init_cow(false);
    config
}
