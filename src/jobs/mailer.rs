//! The mailer thread: sends what the outbox holds, on its own tokio runtime.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::Worker;
use crate::notify::mailer::{Mailer, Templates};
use crate::notify::NotifyError;
use crate::observe::Thread;
use crate::service::{Service, ServiceResult};

/// Starts the thread that delivers the outbox's mail.
pub fn start_mailer(svc: &Service) -> ServiceResult<Worker> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NotifyError::Setup(e.to_string()))?;
    let spool = svc.config.data_dir.join("mail");
    let mailer = {
        let _guard = rt.enter();
        Arc::new(Mailer::new(
            svc.config.smtp_url.as_deref(),
            &spool,
            &svc.config.mail.from,
            svc.config.smtp_ca_file.as_deref(),
        )?)
    };
    let templates = Templates::load()?;
    let svc = svc.clone();
    let instance = super::instance_name();
    Worker::spawn("mailer", move |flag| {
        // Cleared however the loop ends, a panic included: /readyz reports it.
        let _running = svc.telemetry().thread_started(Thread::Mailer);
        while !flag.load(Ordering::SeqCst) {
            match svc.deliver_due(&mailer, &templates, &rt, &instance) {
                Ok(0) => std::thread::sleep(Duration::from_millis(100)),
                Ok(_) => {}
                Err(e) => {
                    log::error!("mailer: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        // The SMTP pool spawns its shutdown when dropped: that needs the runtime.
        let _context = rt.enter();
        drop(mailer);
    })
    .map_err(|e| NotifyError::Setup(e.to_string()).into())
}
