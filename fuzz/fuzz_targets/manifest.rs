//! Fuzz target `manifest`: see [`stagegate_fuzz::manifest`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::manifest(data));
