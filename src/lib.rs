//! apigend keeps typed TypeScript and Python API clients in step with a
//! backend's OpenAPI schema.
//!
//! The pure core (`spec` parsing, the `ir`, `slice`, `codegen`) does no I/O,
//! reads no clock and spawns nothing. The shell (`config`, `obtain`,
//! `output`, `pipeline`, `cli`) touches the outside world.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

/// mimalloc instead of the system allocator: typing a large spec makes
/// millions of small allocations (GitHub's document is ~75 MB of `openapiv3`
/// structs, typed piece by piece), where glibc's malloc/free cost a third of
/// the run.
/// Set here rather than in `main.rs` because the daemon asks the allocator
/// to give memory back after each run (`daemon::release_memory`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Asks mimalloc to hand freed memory back to the OS at once instead of
/// after 10 ms (×10 for arenas), and to commit arena memory as it is used
/// instead of up front. A one-shot `generate` lives ~300 ms, so with the
/// defaults nearly nothing freed during parsing was ever returned: on
/// GitHub's document the peak RSS was ~30 MiB above the live heap. Call
/// first thing in `main`; options read later (at purge, at arena creation)
/// take effect from then on.
pub fn tune_allocator() {
    // Option numbers from mimalloc v2's `mi_option_e` (the version
    // libmimalloc-sys builds without its `v3` feature); the crate exports
    // constants for only some of them.
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: plain setters of global option values; mimalloc reads them
    // atomically.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

pub mod archive;
pub mod cli;
pub mod codegen;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod diff;
pub mod ir;
pub mod lock;
pub mod obtain;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod slice;
pub mod spec;
pub mod status;
pub mod watch;
