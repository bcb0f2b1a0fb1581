//! Fuzz target `terraform`: see [`stagegate_fuzz::terraform`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::terraform(data));
