//! Fuzz target `provenance`: see [`stagegate_fuzz::provenance`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::provenance(data));
