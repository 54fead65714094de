//! Progress of a long command: a bar when standard error is a terminal, a plain log line every
//! few seconds otherwise (a log file or journald gets no `\r` frames).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use crate::service::progress::Progress;

/// How often a log line says how far the work has come.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// The progress display for `what` ("reindex", "import").
pub fn for_stderr(what: &'static str) -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{prefix} [{bar:40}] {pos}/{len} questions ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("#>-"),
        );
        bar.set_prefix(what);
        Box::new(Bar(bar))
    } else {
        Box::new(Lines {
            what,
            started: Instant::now(),
            last: None,
        })
    }
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn update(&mut self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }

    fn finish(&mut self) {
        self.0.finish();
    }
}

struct Lines {
    what: &'static str,
    started: Instant,
    last: Option<Instant>,
}

impl Progress for Lines {
    fn update(&mut self, done: u64, total: u64) {
        let now = Instant::now();
        if done < total && self.last.is_some_and(|t| now - t < LINE_EVERY) {
            return;
        }
        self.last = Some(now);
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        log::info!("{}: {done}/{total} questions ({rate:.0}/s)", self.what);
    }
}
