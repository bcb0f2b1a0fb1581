//! Fuzz target `sarif`: see [`stagegate_fuzz::sarif`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::sarif(data));
