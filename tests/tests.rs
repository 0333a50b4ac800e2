//! Integration tests: one test binary (ripgrep's layout), one module per
//! concern.
//!
//! A bare `cargo test` runs everything that needs only Rust. Tests that need
//! node (`tsc`), python (`mypy`, pydantic, httpx) or a Django server are
//! `#[ignore = "needs …; run scripts/test.sh"]`: `scripts/test.sh` installs
//! the pinned tools from `tests/tools/` and runs them all with
//! `--include-ignored`.

// A test reports failure by panicking; unwrap/expect with a message is how.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Shared helpers: temp dirs, running `apigend`, the external checkers.
mod util;

/// `tests/specs/*` → `tests/golden/{typescript,python}/*`, and the goldens
/// type-check.
mod golden;

/// Every document of `../shared/corpus` generates and type-checks.
mod corpus;

/// Both clients against a real Django + DRF + drf-spectacular server
/// (`tests/e2e/run.sh`).
mod e2e;

/// Both clients right on the wire: styles, media types, uploads,
/// downloads, credentials and redirects against two local origins.
mod wire;

/// `apigend generate` end to end: determinism, mtimes, errors.
mod cli;

/// SIGKILL at random moments: output and archive are never half-written.
mod crash;

/// Each diff rule alone on its base/revision pair, and the registry.
mod diff_rules;

/// The diff report on real pairs of API versions (`../shared/pairs`).
mod diff_pairs;

/// `apigend check --base`, the CI gate, in real git repositories.
mod gate;

/// The clients as npm and Python packages installed into fresh consumers.
mod packages;

/// The watch daemon against the real binary (issue 5).
mod daemon;

/// Archive restore and reports through the binary (issue 6).
mod archive;

/// One bad piece of a document degrades that piece, with a warning naming
/// its JSON pointer; the run succeeds (issue 11).
mod tolerance;

/// Names that collide with the languages and the clients' own names
/// generate, type-check, import and call (issue 11).
mod names;

/// Hostile and broken input, resource limits, file-system faults, fuzz
/// regressions (issue 7).
mod hardening;

/// Nothing lost, nothing stuck: full disks, commits that cannot be applied,
/// files apigend did not write, leftovers of killed runs (issue 14).
mod disk;

/// The warm schema worker on a copy of the e2e Django backend (issue 15).
mod warm;

/// Both clients against Stoplight Prism's validating mock server, on every
/// corpus document and spec: requests Prism accepts, responses the clients
/// accept.
mod prism;
