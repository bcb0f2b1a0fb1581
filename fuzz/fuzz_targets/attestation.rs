//! Fuzz target `attestation`: see [`stagegate_fuzz::attestation`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::attestation(data));
