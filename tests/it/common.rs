//! The test harness: a real server on a free loopback port over a fresh database — a temporary
//! SQLite file, or a new PostgreSQL database when ESKALERA_TEST_DATABASE_URL is set.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use eskalera::clock::Clock;
use eskalera::config::Config;
use eskalera::service::users::NewUserInput;
use eskalera::service::{Actor, Role, Service};
use serde_json::{json, Value};

/// The backend under test, chosen by the environment like the rest of the suite.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("ESKALERA_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// A fresh database URL for one test, and what to drop afterwards.
pub struct TestDb {
    pub url: String,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        match postgres_admin_url() {
            Some(admin) => {
                let mut raw = [0u8; 6];
                getrandom_bytes(&mut raw);
                let name = format!("esk_test_{}", hex(&raw));
                let mut c = diesel::PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!("cannot reach PostgreSQL at ESKALERA_TEST_DATABASE_URL: {e}")
                });
                c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
                let url = replace_db_name(&admin, &name);
                TestDb {
                    url,
                    pg: Some((admin, name)),
                    _dir: dir,
                }
            }
            None => TestDb {
                url: dir.path().join("eskalera.db").display().to_string(),
                pg: None,
                _dir: dir,
            },
        }
    }

    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

fn getrandom_bytes(b: &mut [u8]) {
    use std::time::{SystemTime, UNIX_EPOCH};
    // Uniqueness, not secrecy: time, thread and a counter.
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let v = t ^ (n << 40) ^ (std::process::id() as u64) << 20;
    for (i, x) in b.iter_mut().enumerate() {
        *x = (v >> (i * 8)) as u8;
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

/// Settings for a test: the repository's config with the test's database and data dir.
pub fn config(db: &TestDb) -> Config {
    let url = db.url.clone();
    let data = db.dir().join("data").display().to_string();
    Config::load_with_env(
        Some(Path::new("config/default.toml")),
        move |name| match name {
            "ESKALERA_DATABASE_URL" => Some(url.clone()),
            "ESKALERA_DATA_DIR" => Some(data.clone()),
            _ => None,
        },
    )
    .unwrap()
}

pub struct TestApp {
    pub svc: Service,
    indexer: Option<eskalera::jobs::Worker>,
    mailer: Option<eskalera::jobs::Worker>,
    scheduler: Option<eskalera::jobs::Worker>,
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    pub db: TestDb,
}

/// A reply: status and JSON body (Null when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
    pub etag: Option<String>,
}

impl Reply {
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert!(
            (200..300).contains(&self.status),
            "expected success, got {}: {}",
            self.status,
            self.body
        );
        &self.body
    }

    #[track_caller]
    pub fn status(&self, expected: u16) -> &Value {
        assert_eq!(self.status, expected, "body: {}", self.body);
        if expected >= 400 {
            assert_eq!(
                self.content_type, "application/problem+json",
                "{}",
                self.body
            );
            assert!(
                self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "no detail: {}",
                self.body
            );
        }
        &self.body
    }
}

impl TestApp {
    pub fn start() -> TestApp {
        Self::start_with_clock(Clock::system())
    }

    pub fn start_with_clock(clock: Clock) -> TestApp {
        Self::start_with(clock, |_| {})
    }

    pub fn start_with(clock: Clock, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_listening(clock, false, adjust)
    }

    /// As `start_with`, without the indexer thread until `start_indexer`: an instance whose
    /// index has not caught up since its start.
    pub fn start_before_indexing(adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_full(Clock::system(), false, adjust, false)
    }

    pub fn start_indexer(&mut self) {
        self.indexer = Some(eskalera::jobs::start_indexer(&self.svc).unwrap());
    }

    pub fn stop_indexer(&mut self) {
        if let Some(i) = self.indexer.take() {
            i.stop();
        }
    }

    /// As `start_with`, with the server's own address as `base_url` (where an identity
    /// provider sends a browser back to), set before `adjust` runs.
    pub fn start_at_own_address(clock: Clock, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start_listening(clock, true, adjust)
    }

    fn start_listening(
        clock: Clock,
        own_address: bool,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::start_full(clock, own_address, adjust, true)
    }

    fn start_full(
        clock: Clock,
        own_address: bool,
        adjust: impl FnOnce(&mut Config),
        index: bool,
    ) -> TestApp {
        let db = TestDb::new();
        let mut cfg = config(&db);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        if own_address {
            cfg.base_url.clone_from(&base);
        }
        adjust(&mut cfg);
        let svc = Service::open(cfg, clock).unwrap();
        let (tx, rx) = mpsc::channel();
        let server_svc = svc.clone();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = eskalera::web::server(server_svc, listener, 2).unwrap();
                tx.send(server.handle()).unwrap();
                server.await
            })
        });
        let handle = rx.recv().unwrap();
        let indexer = index.then(|| eskalera::jobs::start_indexer(&svc).unwrap());
        let mailer = Some(eskalera::jobs::start_mailer(&svc).unwrap());
        let scheduler = Some(eskalera::jobs::start_scheduler(&svc).unwrap());
        TestApp {
            svc,
            indexer,
            mailer,
            scheduler,
            base,
            handle,
            db,
        }
    }

    /// Adds a user and returns a fresh API token for them.
    pub fn user(&self, email: &str, unit: &str, members: &[&str], role: Role) -> String {
        self.add_person(email, unit, members, role, None);
        self.token(email)
    }

    /// Adds a user who can sign in to the pages with `password`.
    pub fn user_with_password(
        &self,
        email: &str,
        unit: &str,
        members: &[&str],
        role: Role,
        password: &str,
    ) {
        self.add_person(email, unit, members, role, Some(password));
    }

    fn add_person(
        &self,
        email: &str,
        unit: &str,
        members: &[&str],
        role: Role,
        password: Option<&str>,
    ) {
        let input = NewUserInput {
            email: email.into(),
            name: email.split('@').next().unwrap_or(email).replace('.', " "),
            unit: unit.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
            role,
            password: password.map(String::from),
        };
        self.svc.add_user(&Actor::operator(), &input).unwrap();
    }

    /// A fresh API token for an existing user, made as the operator makes one.
    pub fn token(&self, email: &str) -> String {
        self.svc
            .create_token(&Actor::operator(), email, None)
            .unwrap()
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = ureq::request(method, &format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = res.status();
        let content_type = res.header("content-type").unwrap_or("").to_string();
        let etag = res.header("etag").map(String::from);
        let text = res.into_string().unwrap_or_default();
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
            content_type,
            etag,
        }
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        self.request("GET", path, Some(token), None, &[])
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request("POST", path, Some(token), Some(&body), &[])
    }

    /// Submits a simple question as `token`'s user and returns its id.
    /// Escalates asylum question `id` from its unit to the process forum (by way of the
    /// converts' network), as `token`, a member of every forum on the way.
    pub fn climb_to_process_forum(&self, token: &str, id: i64) {
        let path = format!("/api/v1/questions/{id}/escalate");
        for body in [
            json!({"note": "upp"}),
            json!({"note": "upp"}),
            json!({"note": "upp", "to_forum": "nn-konvertiter"}),
            json!({"note": "upp"}),
        ] {
            self.post(&path, token, body).status(200);
        }
    }

    pub fn ask(&self, token: &str, title: &str, process: &str) -> i64 {
        let r = self.post(
            "/api/v1/questions",
            token,
            json!({"title": title, "body": "Hur ska vi bedöma detta i ärendena?", "process": process}),
        );
        r.status(201)["id"].as_i64().unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.scheduler.take() {
            s.stop();
        }
        if let Some(i) = self.indexer.take() {
            i.stop();
        }
        if let Some(m) = self.mailer.take() {
            m.stop();
        }
        let h = self.handle.clone();
        actix_web::rt::System::new().block_on(h.stop(false));
    }
}

/// `eskalera serve` as a child process over a test database, for crash tests.
pub struct ChildServer {
    child: std::process::Child,
    pub base: String,
}

impl ChildServer {
    pub fn start(db: &TestDb) -> ChildServer {
        Self::start_with(db, None, &[])
    }

    pub fn start_with(db: &TestDb, config: Option<&Path>, env: &[(&str, &str)]) -> ChildServer {
        let server = Self::spawn(db, config, &["serve"], env);
        server.wait_until_up(std::time::Duration::from_secs(30));
        server
    }

    /// `eskalera [--config] ARGS` as a child on a free port, without waiting for it.
    pub fn spawn(
        db: &TestDb,
        config: Option<&Path>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> ChildServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(db.dir().join("server.log"))
            .unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_eskalera"));
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        // The caller's variables come last so that they can override the defaults.
        let child = cmd
            .args(args)
            .env("ESKALERA_DATABASE_URL", &db.url)
            .env("ESKALERA_DATA_DIR", db.dir().join("data"))
            .env("ESKALERA_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        ChildServer { child, base }
    }

    pub fn wait_until_up(&self, within: std::time::Duration) {
        let started = std::time::Instant::now();
        while ureq::get(&format!("{}/healthz", self.base)).call().is_err() {
            assert!(started.elapsed() < within, "the server did not start");
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real SMTP server (aiosmtpd, from PyPI) on a loopback port, as a child process; every
/// message it accepts is appended to a JSON-lines file.
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
}

/// Whether aiosmtpd is there; CI installs it and sets ESKALERA_REQUIRE_SMTP so that the mail
/// tests can never be skipped there.
pub fn smtp_available() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("ESKALERA_REQUIRE_SMTP").is_err(),
            "ESKALERA_REQUIRE_SMTP is set but python3 cannot import aiosmtpd"
        );
        eprintln!("skipped: the SMTP tests need python3 with aiosmtpd (pip install aiosmtpd)");
    }
    ok
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start(port: u16, out: &Path) -> SmtpSink {
        Self::start_with(port, out, &[])
    }

    /// With TLS: `["--starttls" | "--implicit-tls", cert, key]` (tests/smtp_sink.py).
    pub fn start_with(port: u16, out: &Path, tls: &[&str]) -> SmtpSink {
        use std::io::BufRead;
        let mut child = std::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py"))
            .arg(port.to_string())
            .arg(out)
            .args(tls)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, port }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The mails a sink has received so far.
pub fn received(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Waits until at least `n` mails arrived, then a little longer to catch extra ones.
pub fn wait_for_mail(out: &Path, n: usize, within: std::time::Duration) -> Vec<serde_json::Value> {
    let started = std::time::Instant::now();
    while received(out).len() < n {
        assert!(
            started.elapsed() < within,
            "only {} of {n} mails arrived: {:#?}",
            received(out).len(),
            received(out)
                .iter()
                .map(|m| m["subject"].clone())
                .collect::<Vec<_>>()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(600));
    received(out)
}

/// An SMTP sink writing to a fresh temporary folder: (folder, output file, sink).
pub fn fresh_sink() -> (tempfile::TempDir, std::path::PathBuf, SmtpSink) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mail.jsonl");
    let sink = SmtpSink::start(free_port(), &out);
    (dir, out, sink)
}

/// Adds caseworkers at u-lulea-asyl with the given memberships straight through the service
/// (for tests that run eskalera as a child process) and returns a token for each.
pub fn seed_users(svc: &Service, users: &[(&str, &[&str])]) -> Vec<String> {
    users
        .iter()
        .map(|(email, members)| {
            svc.add_user(
                &eskalera::service::Actor::operator(),
                &NewUserInput {
                    email: (*email).into(),
                    name: (*email).into(),
                    unit: "u-lulea-asyl".into(),
                    members: members.iter().map(|m| m.to_string()).collect(),
                    role: Role::Caseworker,
                    password: None,
                },
            )
            .unwrap();
            svc.create_token(&eskalera::service::Actor::operator(), email, None)
                .unwrap()
        })
        .collect()
}

/// A question as JSON without the fields of its running SLA clock, which move between two
/// reads during working time (and stand still outside it).
pub fn without_running_clock(mut q: Value) -> Value {
    if let Some(sla) = q.get_mut("sla").and_then(Value::as_object_mut) {
        sla.remove("working_days");
        sla.remove("total_working_days");
    }
    if let Some(stages) = q.get_mut("stages").and_then(Value::as_array_mut) {
        for s in stages.iter_mut().filter(|s| s["left_at"].is_null()) {
            if let Some(s) = s.as_object_mut() {
                s.remove("working_days");
            }
        }
    }
    q
}

/// Waits until the mailer has sent every queued mail, so that a test may change outbox rows
/// without the mailer overwriting them.
pub fn wait_until_all_mail_sent(app: &TestApp) {
    use diesel::prelude::*;
    use eskalera::store::schema::outbox;
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut conn = pool.get().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while outbox::table
        .filter(outbox::status.ne("sent"))
        .count()
        .get_result::<i64>(&mut **conn)
        .unwrap()
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the mailer never caught up"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A CA and a certificate for 127.0.0.1 it signed, made with openssl: (ca.pem, cert, key).
pub fn agency_ca(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let made = run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Testmyndighetens CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]) && run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]) && run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
    ]);
    if !made {
        assert!(
            std::env::var("ESKALERA_REQUIRE_OIDC").is_err()
                && std::env::var("ESKALERA_REQUIRE_SMTP").is_err(),
            "openssl is missing, and the TLS tests are required"
        );
        return None;
    }
    Some((
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ))
}
