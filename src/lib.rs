//! apigend keeps typed TypeScript and Python API clients in step with a
//! backend's OpenAPI schema.
//!
//! The pure core (`spec` parsing, the `ir`, `slice`, `codegen`) does no I/O,
//! reads no clock and spawns nothing. The shell (`config`, `obtain`,
//! `output`, `pipeline`, `cli`) touches the outside world.
#![deny(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

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
