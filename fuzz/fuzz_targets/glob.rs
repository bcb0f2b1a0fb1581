//! Fuzz target `glob`: see [`stagegate_fuzz::glob`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::glob(data));
