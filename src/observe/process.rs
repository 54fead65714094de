//! The process's resident memory and open files, read from /proc where there is one.

/// What could be read; None where the platform has no /proc.
pub struct Process {
    pub resident_bytes: Option<i64>,
    pub open_files: Option<i64>,
}

pub fn read() -> Process {
    // statm's second field is the resident size in pages.
    let resident_bytes = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<i64>().ok())
        .map(|pages| pages * page_size());
    let open_files = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as i64);
    Process {
        resident_bytes,
        open_files,
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn page_size() -> i64 {
    // SAFETY: sysconf only reads a system constant.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as i64
    } else {
        4096
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn page_size() -> i64 {
    4096
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_linux_process_has_memory_and_files() {
        let p = super::read();
        if cfg!(target_os = "linux") {
            assert!(p.resident_bytes.unwrap() > 1_000_000);
            assert!(p.open_files.unwrap() >= 3);
        }
    }
}
