//! Differential tests: each plugin core, and stagegate-attest's DSSE envelopes, against an
//! independent implementation from PyPI, on every real fixture and on generated variations
//! (see `FINDINGS.md`).
//!
//! The Python side runs in the pinned venv of `requirements.txt` (set up on first use by
//! the library); when it cannot be set up, the tests fail and say what to install.

#![expect(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "a test fails loudly, naming the file, and indexes JSON it just checked"
)]

mod support;

mod coverage;
mod dsse;
mod junit;
mod sarif;
mod terraform;
