//! Fuzz target `evaluation`: see [`stagegate_fuzz::evaluation`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::evaluation(data));
