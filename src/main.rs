//! The `apigend` binary: parses the command line and hands over to
//! [`apigend::cli::main`], which maps the result to an exit code.

/// mimalloc instead of the system allocator: parsing a large spec makes
/// millions of small allocations (GitHub's document becomes ~150 MB of
/// `openapiv3` structs), where glibc's malloc/free cost a third of the run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    apigend::cli::main()
}
