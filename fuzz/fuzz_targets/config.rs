//! Fuzz target `config`: see [`stagegate_fuzz::config`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::config(data));
