//! The `apigend` binary: parses the command line and hands over to
//! [`apigend::cli::main`], which maps the result to an exit code.

fn main() -> std::process::ExitCode {
    apigend::cli::main()
}
