//! Fuzz target `decision_log`: see [`stagegate_fuzz::decision_log`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stagegate_fuzz::decision_log(data));
