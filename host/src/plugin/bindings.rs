//! Host bindings generated from `wit/plugin.wit`. Nothing else lives here.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { "stagegate:plugin/host.log": trappable },
});
