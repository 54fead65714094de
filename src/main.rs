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

fn main() {
    limit_malloc_arenas();
    eskalera::files::private_umask();
    match eskalera::observe::logging::LogFormat::parse(
        std::env::var("ESKALERA_LOG_FORMAT").ok().as_deref(),
    ) {
        Ok(format) => eskalera::observe::logging::init(format),
        Err(e) => {
            eprintln!("eskalera: {e}");
            std::process::exit(3);
        }
    }
    let cli = eskalera::cli::Cli::parse();
    if let Err(e) = eskalera::cli::run(cli) {
        eprintln!("eskalera: {}", e.report());
        std::process::exit(e.exit_code());
    }
}
