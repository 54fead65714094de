//! The `eskalera` binary: logging, argument parsing, and the exit code.

use clap::Parser;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = eskalera::cli::Cli::parse();
    if let Err(e) = eskalera::cli::run(cli) {
        eprintln!("eskalera: {}", e.report());
        std::process::exit(e.exit_code());
    }
}
