//! Fuzz target `pipeline`: see [`stagegate_fuzz::pipeline`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::pipeline(data));
