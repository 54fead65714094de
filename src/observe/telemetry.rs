//! The instance's own measurements: HTTP traffic, waits for a database connection, mail
//! attempts, whether the indexer and mailer run; and their exposition with the business
//! gauges in the Prometheus/OpenMetrics text format.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// One kind of request: its route template (never the path people typed), method and status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// What became of one attempt to send a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// A transient failure (4xx, a connection that failed): tried again later.
    Deferred,
    /// Given up: a permanent refusal (5xx), a mail that cannot be built, or the end of the
    /// retry window.
    Failed,
}

impl MailOutcome {
    fn as_str(self) -> &'static str {
        match self {
            MailOutcome::Sent => "sent",
            MailOutcome::Deferred => "deferred",
            MailOutcome::Failed => "failed",
        }
    }
}

fn request_buckets() -> Histogram {
    // 1 ms … ~16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Shared by every clone of the service; the families are cheap handles to one set of values.
pub struct Telemetry {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
    pool_waits: Histogram,
    pool_timeouts: Counter,
    mail_attempts: Family<OutcomeLabels, Counter>,
    /// Set once the indexer has applied every change that was waiting when the instance
    /// started: until then search misses recent questions and `/readyz` says so.
    index_caught_up: AtomicBool,
    /// Whether the indexer and mailer threads run (set at their start, cleared when they end).
    indexer_running: AtomicBool,
    mailer_running: AtomicBool,
}

/// A background thread whose running `/readyz` and the metrics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thread {
    Indexer,
    Mailer,
}

/// Held by a running background thread; dropping it (the thread's end, a panic included)
/// marks the thread stopped.
pub struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            requests: Family::default(),
            durations: Family::new_with_constructor(request_buckets),
            pool_waits: Histogram::new(exponential_buckets(0.0001, 4.0, 10)),
            pool_timeouts: Counter::default(),
            mail_attempts: Family::default(),
            index_caught_up: AtomicBool::new(false),
            indexer_running: AtomicBool::new(false),
            mailer_running: AtomicBool::new(false),
        }
    }
}

/// The backlog at one level of the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelCounts {
    pub level: &'static str,
    pub open: i64,
    pub overdue: i64,
    pub at_risk: i64,
}

/// Gauges read from the database at each scrape.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Every level, in ladder order.
    pub per_level: Vec<LevelCounts>,
    pub index_lag_changes: i64,
    /// Age of the oldest change the index has not applied; 0 when none waits.
    pub index_lag_seconds: f64,
    pub mail_pending: i64,
    pub mail_sending: i64,
    pub mail_failed: i64,
    /// Age of the oldest mail waiting to be sent; 0 when none waits.
    pub mail_oldest_pending_seconds: f64,
    pub pool_connections: u32,
    pub pool_idle: u32,
}

impl Telemetry {
    pub fn record_request(&self, labels: RequestLabels, took: Duration) {
        self.durations
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        self.requests.get_or_create(&labels).inc();
    }

    pub fn record_mail(&self, outcome: MailOutcome) {
        self.mail_attempts
            .get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            })
            .inc();
    }

    pub fn index_caught_up(&self) -> bool {
        self.index_caught_up.load(Ordering::SeqCst)
    }

    pub fn set_index_caught_up(&self) {
        self.index_caught_up.store(true, Ordering::SeqCst);
    }

    fn flag(&self, thread: Thread) -> &AtomicBool {
        match thread {
            Thread::Indexer => &self.indexer_running,
            Thread::Mailer => &self.mailer_running,
        }
    }

    pub fn running(&self, thread: Thread) -> bool {
        self.flag(thread).load(Ordering::SeqCst)
    }

    /// Marks `thread` running until the returned guard is dropped.
    pub fn thread_started(&self, thread: Thread) -> Running<'_> {
        let flag = self.flag(thread);
        flag.store(true, Ordering::SeqCst);
        Running(flag)
    }

    /// Receives the connection pool's checkouts and timeouts.
    pub fn pool_events(self: &std::sync::Arc<Self>) -> PoolEvents {
        PoolEvents(self.clone())
    }

    /// Everything in the OpenMetrics text format.
    pub fn exposition(&self, s: &Snapshot) -> String {
        let mut r = Registry::default();
        r.register(
            "eskalera_build",
            "The running release.",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        r.register(
            "eskalera_http_requests",
            "HTTP requests answered, by route template, method and status.",
            self.requests.clone(),
        );
        r.register(
            "eskalera_http_request_duration_seconds",
            "Time from a request's arrival to its response, by route template, method and status.",
            self.durations.clone(),
        );
        r.register(
            "eskalera_db_pool_wait_seconds",
            "Time spent waiting for a database connection from the pool.",
            self.pool_waits.clone(),
        );
        r.register(
            "eskalera_db_pool_timeouts",
            "Requests for a database connection that gave up waiting.",
            self.pool_timeouts.clone(),
        );
        r.register(
            "eskalera_db_pool_connections",
            "Open database connections.",
            gauge(i64::from(s.pool_connections)),
        );
        r.register(
            "eskalera_db_pool_idle_connections",
            "Open database connections not in use.",
            gauge(i64::from(s.pool_idle)),
        );
        r.register(
            "eskalera_mail_attempts",
            "Attempts to send a mail by this instance, by outcome (sent, deferred, failed).",
            self.mail_attempts.clone(),
        );
        r.register(
            "eskalera_mail_pending",
            "Mails waiting to be sent (including those waiting for a retry).",
            gauge(s.mail_pending),
        );
        r.register(
            "eskalera_mail_sending",
            "Mails an instance is sending now.",
            gauge(s.mail_sending),
        );
        r.register(
            "eskalera_mail_failed",
            "Mails that gave up (see `eskalera mail failed`).",
            gauge(s.mail_failed),
        );
        r.register(
            "eskalera_mail_oldest_pending_seconds",
            "Age of the oldest mail waiting to be sent.",
            fgauge(s.mail_oldest_pending_seconds),
        );
        r.register(
            "eskalera_search_index_lag",
            "Changes not yet applied to the search index.",
            gauge(s.index_lag_changes),
        );
        r.register(
            "eskalera_search_index_lag_seconds",
            "Age of the oldest change not yet applied to the search index.",
            fgauge(s.index_lag_seconds),
        );
        r.register(
            "eskalera_search_index_caught_up",
            "1 once the index has caught up with the database after the start.",
            gauge(i64::from(self.index_caught_up())),
        );
        r.register(
            "eskalera_indexer_running",
            "1 while the indexer thread runs.",
            gauge(i64::from(self.running(Thread::Indexer))),
        );
        r.register(
            "eskalera_mailer_running",
            "1 while the mailer thread runs.",
            gauge(i64::from(self.running(Thread::Mailer))),
        );
        let process = crate::observe::process::read();
        if let Some(rss) = process.resident_bytes {
            r.register(
                "eskalera_process_resident_memory_bytes",
                "Resident memory of the process.",
                gauge(rss),
            );
        }
        if let Some(fds) = process.open_files {
            r.register(
                "eskalera_process_open_fds",
                "Open file descriptors of the process.",
                gauge(fds),
            );
        }
        type Count = fn(&LevelCounts) -> i64;
        let business: [(&str, &str, Count); 3] = [
            (
                "eskalera_questions_open",
                "Questions waiting at a forum, by level.",
                |l| l.open,
            ),
            (
                "eskalera_questions_overdue",
                "Waiting questions past their stage's target, by level.",
                |l| l.overdue,
            ),
            (
                "eskalera_questions_at_risk",
                "Waiting questions past the at-risk share of their target, by level.",
                |l| l.at_risk,
            ),
        ];
        for (name, help, get) in business {
            let family = Family::<LevelLabel, Gauge>::default();
            for l in &s.per_level {
                family
                    .get_or_create(&LevelLabel { level: l.level })
                    .set(get(l));
            }
            r.register(name, help, family);
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &r);
        out
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LevelLabel {
    level: &'static str,
}

fn gauge(v: i64) -> Gauge {
    let g = Gauge::default();
    g.set(v);
    g
}

fn fgauge(v: f64) -> Gauge<f64, std::sync::atomic::AtomicU64> {
    let g = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
    g.set(v);
    g
}

/// The pool's event handler: how long each checkout waited, and each timeout.
pub struct PoolEvents(std::sync::Arc<Telemetry>);

impl std::fmt::Debug for PoolEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PoolEvents")
    }
}

impl diesel::r2d2::HandleEvent for PoolEvents {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        self.0.pool_waits.observe(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: diesel::r2d2::event::TimeoutEvent) {
        self.0.pool_timeouts.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_the_release_and_counts_requests_by_route() {
        let t = Telemetry::default();
        t.record_request(
            RequestLabels {
                method: "GET".into(),
                route: "/api/v1/questions/{id}".into(),
                status: 200,
            },
            Duration::from_millis(3),
        );
        t.record_mail(MailOutcome::Failed);
        let text = t.exposition(&Snapshot {
            per_level: vec![LevelCounts {
                level: "unit",
                open: 3,
                overdue: 1,
                at_risk: 2,
            }],
            mail_failed: 4,
            ..Snapshot::default()
        });
        assert!(text.contains(&format!(
            "eskalera_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(text.contains(
            "eskalera_http_requests_total{method=\"GET\",route=\"/api/v1/questions/{id}\",status=\"200\"} 1"
        ), "{text}");
        assert!(text.contains("eskalera_mail_attempts_total{outcome=\"failed\"} 1"));
        assert!(text.contains("eskalera_mail_failed 4"));
        assert!(text.contains("eskalera_questions_open{level=\"unit\"} 3"));
        assert!(text.ends_with("# EOF\n"));
    }
}
