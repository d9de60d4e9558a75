//! The `ghost` binary: hands the command line to [`ghost::cli::main`].
fn main() -> std::process::ExitCode {
    ghost::cli::main()
}
