//! The `apigend` binary: parses the command line and hands over to
//! [`apigend::cli::main`], which maps the result to an exit code.

fn main() -> std::process::ExitCode {
    apigend::tune_allocator();
    apigend::cli::main()
}

/// mimalloc creates its first arena at the first allocation, which the Rust
/// runtime makes before `main`; its commit option must be set before that to
/// count. A prioritised `.init_array` entry runs before unprioritised
/// constructors (mimalloc's own) and before the runtime's `main`.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static TUNE_ALLOCATOR_EARLY: extern "C" fn() = {
    extern "C" fn tune() {
        apigend::tune_allocator();
    }
    tune
};
