//! The `eskalera` binary: logging, argument parsing, and the exit code.

use clap::Parser;

/// Two malloc arenas instead of glibc's eight per core: the blocking pool's many threads
/// otherwise each fragment their own arena, and a server under a steady write load grew by a
/// third in ten minutes (benches/load.sh); with two it stays flat at the same throughput.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread exists.
    let _ = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Log lines as env_logger writes them, with personal data and URL passwords masked: a
/// message may quote what a user typed or what a server answered.
fn init_logging() {
    use std::io::Write;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            writeln!(
                buf,
                "[{} {:<5} {}] {}",
                buf.timestamp(),
                record.level(),
                record.target(),
                eskalera::domain::redact::line(&record.args().to_string())
            )
        })
        .init();
}

fn main() {
    limit_malloc_arenas();
    eskalera::files::private_umask();
    init_logging();
    let cli = eskalera::cli::Cli::parse();
    if let Err(e) = eskalera::cli::run(cli) {
        eprintln!("eskalera: {}", e.report());
        std::process::exit(e.exit_code());
    }
}
