//! The `apigend` binary: parses the command line and hands over to
//! [`apigend::cli::run`], mapping its result to an exit code.

fn main() -> std::process::ExitCode {
    apigend::cli::main()
}
