//! A background thread: loops until its stop flag is set, and is joined when stopped or
//! dropped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Runs `body` on a named thread; it should return soon after the flag it gets is set.
    pub fn spawn(
        name: &str,
        body: impl FnOnce(&AtomicBool) + Send + 'static,
    ) -> std::io::Result<Worker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || body(&flag))?;
        Ok(Worker {
            stop,
            thread: Some(thread),
        })
    }

    /// As [`Worker::spawn`], on a thread that yields the processor to request handling: the
    /// work it does (and that of the threads it starts, which inherit its priority) can wait a
    /// moment under load, a person waiting for a response cannot.
    pub fn spawn_background(
        name: &str,
        body: impl FnOnce(&AtomicBool) + Send + 'static,
    ) -> std::io::Result<Worker> {
        Worker::spawn(name, move |stop| {
            lower_priority();
            body(stop)
        })
    }

    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Nice value of background threads: under contention a nice-19 thread gets about 1.5 % of the
/// time of a normal one, and all of an otherwise idle processor. The follow indexer kept up all
/// the same in the write benchmark (it batches what accumulates), while nice 10 left it a tenth
/// of the processors that submissions needed (benches/write.rs; the README has the figures).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const BACKGROUND_NICE: libc::c_int = 19;

/// Lowers the calling thread's priority (on Linux the nice value is per thread).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn lower_priority() {
    // SAFETY: gettid and setpriority only read and set this thread's scheduling attributes.
    let rc = unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE)
    };
    if rc != 0 {
        log::warn!(
            "could not lower the priority of a background thread: {}",
            std::io::Error::last_os_error()
        );
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn lower_priority() {}
