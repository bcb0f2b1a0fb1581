//! Integration tests of stagegate-attest through its public API, with the OpenSSL-made
//! test keys of `tests/fixtures/keys` (see its SOURCES.md).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly and indexes JSON it just made"
)]

mod support;

mod chain;
mod envelope;
mod hostile;
mod keys;
