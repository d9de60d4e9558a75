//! The `ghost` binary: parses arguments and hands over to [`ghost::run`].
fn main() -> std::process::ExitCode {
    ghost::cli::main()
}
