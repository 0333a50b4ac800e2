//! apigend keeps typed TypeScript and Python API clients in step with a
//! backend's OpenAPI schema.
//!
//! The pure core (`spec` parsing, the `ir`, `slice`, `codegen`) does no I/O,
//! reads no clock and spawns nothing. The shell (`config`, `obtain`,
//! `output`, `pipeline`, `cli`) touches the outside world.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// mimalloc instead of the system allocator: parsing a large spec makes
/// millions of small allocations (GitHub's document becomes ~150 MB of
/// `openapiv3` structs), where glibc's malloc/free cost a third of the run.
/// Set here rather than in `main.rs` because the daemon asks the allocator
/// to give memory back after each run (`daemon::release_memory`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod archive;
pub mod cli;
pub mod codegen;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod diff;
pub mod ir;
pub mod obtain;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod slice;
pub mod spec;
pub mod status;
pub mod watch;
