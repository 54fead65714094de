//! Log lines: text or JSON lines (`ESKALERA_LOG_FORMAT`), each with the id of the request it
//! belongs to, personal data and URL passwords masked.
//!
//! The request id lives in a tokio task-local while the request's future runs (actix polls it
//! on its worker thread), and in a thread-local while a use case of that request runs on the
//! blocking pool ([`in_request`]); a line logged in either place carries it.

use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::sync::Arc;

use crate::domain::redact;

tokio::task_local! {
    static REQUEST: Arc<str>;
}

thread_local! {
    static BLOCKING: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// The id of the request whose work the calling code is doing, if any.
pub fn request_id() -> Option<Arc<str>> {
    REQUEST
        .try_with(Arc::clone)
        .ok()
        .or_else(|| BLOCKING.with(|b| b.borrow().clone()))
}

/// Runs `fut` as the work of request `id`.
pub async fn scoped<F: Future>(id: Arc<str>, fut: F) -> F::Output {
    REQUEST.scope(id, fut).await
}

/// Runs `f` (on another thread) as the work of request `id`, as captured by [`request_id`]
/// before the hand-over.
pub fn in_request<T>(id: Option<Arc<str>>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<str>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            BLOCKING.with(|b| *b.borrow_mut() = old);
        }
    }
    let _restore = Restore(BLOCKING.with(|b| b.replace(id)));
    f()
}

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `[time LEVEL target request] message key=value…`, for people at a terminal.
    Text,
    /// One JSON object per line, for a log platform (journald passes it on as it is).
    Json,
}

impl LogFormat {
    /// `ESKALERA_LOG_FORMAT`: `text` (the default) or `json`.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(format!(
                "ESKALERA_LOG_FORMAT: '{other}' is not a log format; use text or json"
            )),
        }
    }
}

/// Starts logging to stderr at `RUST_LOG`'s levels (info by default).
pub fn init(format: LogFormat) {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(move |buf, record| {
            let line = match format {
                LogFormat::Text => text_line(record),
                LogFormat::Json => json_line(record),
            };
            writeln!(buf, "{line}")
        })
        .init();
}

/// A record's key-values, masked as the message is.
fn fields(record: &log::Record) -> Vec<(String, serde_json::Value)> {
    struct Collect(Vec<(String, serde_json::Value)>);
    impl<'kvs> log::kv::VisitSource<'kvs> for Collect {
        fn visit_pair(
            &mut self,
            key: log::kv::Key<'kvs>,
            value: log::kv::Value<'kvs>,
        ) -> Result<(), log::kv::Error> {
            let v = if let Some(n) = value.to_i64() {
                serde_json::Value::from(n)
            } else if let Some(n) = value.to_u64() {
                serde_json::Value::from(n)
            } else if let Some(f) = value.to_f64() {
                serde_json::Value::from(f)
            } else if let Some(b) = value.to_bool() {
                serde_json::Value::from(b)
            } else {
                serde_json::Value::from(redact::line(&value.to_string()))
            };
            self.0.push((key.to_string(), v));
            Ok(())
        }
    }
    let mut c = Collect(Vec::new());
    let _ = record.key_values().visit(&mut c);
    c.0
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn text_line(record: &log::Record) -> String {
    let mut line = format!("[{} {:<5} {}", now(), record.level(), record.target());
    if let Some(id) = request_id() {
        let _ = write!(line, " {id}");
    }
    let _ = write!(line, "] {}", redact::line(&record.args().to_string()));
    line
}

fn json_line(record: &log::Record) -> String {
    let mut o = serde_json::Map::new();
    o.insert("ts".into(), now().into());
    o.insert("level".into(), record.level().as_str().into());
    o.insert("target".into(), record.target().into());
    if let Some(id) = request_id() {
        o.insert("request_id".into(), id.as_ref().into());
    }
    o.insert(
        "msg".into(),
        redact::line(&record.args().to_string()).into(),
    );
    for (k, v) in fields(record) {
        // A field never replaces the line's own keys.
        o.entry(k).or_insert(v);
    }
    serde_json::Value::Object(o).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_line(format: LogFormat, msg: &str) -> String {
        let kvs: [(&str, log::kv::Value); 2] = [
            ("status", log::kv::Value::from(404u16)),
            ("route", log::kv::Value::from("/api/v1/x")),
        ];
        let line = |args: std::fmt::Arguments| {
            let record = log::Record::builder()
                .args(args)
                .level(log::Level::Info)
                .target("eskalera::access")
                .key_values(&kvs)
                .build();
            match format {
                LogFormat::Text => text_line(&record),
                LogFormat::Json => json_line(&record),
            }
        };
        line(format_args!("{msg}"))
    }

    #[test]
    fn a_json_line_is_one_object_with_the_request_id_and_fields_and_masks_personal_data() {
        let line = in_request(Some(Arc::from("req-1")), || {
            record_line(LogFormat::Json, "GET /x for 811218-9876")
        });
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["request_id"], "req-1");
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], "eskalera::access");
        assert_eq!(v["status"], 404);
        assert_eq!(v["route"], "/api/v1/x");
        assert!(!line.contains("811218-9876"), "{line}");
        // Outside a request there is no id, and the thread forgot the last one.
        let v: serde_json::Value =
            serde_json::from_str(&record_line(LogFormat::Json, "idle")).unwrap();
        assert!(v.get("request_id").is_none());
    }

    #[test]
    fn a_text_line_names_the_request() {
        let line = in_request(Some(Arc::from("req-2")), || {
            record_line(LogFormat::Text, "hello")
        });
        assert!(line.contains(" eskalera::access req-2] hello"), "{line}");
    }

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("json")), Ok(LogFormat::Json));
        assert!(LogFormat::parse(Some("xml"))
            .unwrap_err()
            .contains("text or json"));
    }
}
