//! Fuzz target `kubernetes`: see [`stagegate_fuzz::kubernetes`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::kubernetes(data));
