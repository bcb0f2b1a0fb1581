//! Fuzz target `sniff`: see [`stagegate_fuzz::sniff`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::sniff(data));
