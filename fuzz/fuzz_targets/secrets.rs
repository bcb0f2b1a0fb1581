//! Fuzz target `secrets`: see [`stagegate_fuzz::secrets`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::secrets(data));
