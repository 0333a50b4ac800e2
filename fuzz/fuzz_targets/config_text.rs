//! Fuzz target `config_text` (issue 7); the checks are in `fuzz/harness.rs`,
//! shared with `tests/hardening.rs`. See `fuzz/README.md`.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::config_text(data));
