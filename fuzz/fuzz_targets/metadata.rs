//! Fuzz target `metadata`: see [`stagegate_fuzz::metadata`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::metadata(data));
