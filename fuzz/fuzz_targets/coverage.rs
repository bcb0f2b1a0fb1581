//! Fuzz target `coverage`: see [`stagegate_fuzz::coverage`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::coverage(data));
