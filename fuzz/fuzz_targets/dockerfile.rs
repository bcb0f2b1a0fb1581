//! Fuzz target `dockerfile`: see [`stagegate_fuzz::dockerfile`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::dockerfile(data));
