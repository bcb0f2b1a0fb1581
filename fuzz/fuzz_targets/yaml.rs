//! Fuzz target `yaml`: see [`stagegate_fuzz::yaml`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::yaml(data));
