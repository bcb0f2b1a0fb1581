//! Fuzz target `vulns`: see [`stagegate_fuzz::vulns`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::vulns(data));
