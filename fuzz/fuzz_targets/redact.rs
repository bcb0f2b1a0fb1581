//! Fuzz target `redact`: see [`stagegate_fuzz::redact`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::redact(data));
