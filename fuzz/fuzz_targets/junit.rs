//! Fuzz target `junit`: see [`stagegate_fuzz::junit`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::junit(data));
