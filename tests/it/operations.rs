//! Running eskalera as a service: JSON log lines with request ids, liveness and readiness,
//! metrics, mail through a TLS relay with the agency's CA, bounces and deferrals, secrets
//! from files and the operator's commands.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use eskalera::clock::Clock;
use eskalera::service::{Actor, Role};
use serde_json::{json, Value};

use crate::common::{agency_ca, free_port, smtp_available, ChildServer, SmtpSink, TestApp, TestDb};
use crate::security::{add_person, service_on};
use crate::web::{Client, PASSWORD};

fn get(url: &str) -> (u16, String, Option<String>) {
    match ureq::get(url).timeout(Duration::from_secs(10)).call() {
        Ok(r) => {
            let id = r.header("x-request-id").map(str::to_string);
            (r.status(), r.into_string().unwrap(), id)
        }
        Err(ureq::Error::Status(s, r)) => {
            let id = r.header("x-request-id").map(str::to_string);
            (s, r.into_string().unwrap(), id)
        }
        Err(e) => panic!("{url}: {e}"),
    }
}

#[track_caller]
fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < within,
            "{what} did not happen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn every_request_has_an_id_and_one_json_access_line_without_anything_people_typed() {
    let db = TestDb::new();
    let svc = service_on(&db);
    let user = add_person(&svc, "logg@test.se", Role::Caseworker);
    let token = svc
        .create_token(&Actor::operator(), "logg@test.se", None)
        .unwrap();
    drop(svc);
    let server = ChildServer::start_with(
        &db,
        None,
        &[("RUST_LOG", "info"), ("ESKALERA_LOG_FORMAT", "json")],
    );
    let mut c = Client::at(&server.base);
    assert_eq!(c.sign_in("logg@test.se", PASSWORD).status, 303);
    let csrf = c.get("/fragor/ny").csrf();
    // A personal identity number in a draft and in search words.
    let draft = json!({"title": "hemligtutkast 811218-9876", "body": "hemligtutkast text"});
    let similar = c.post_json(
        "/api/v1/questions/similar",
        &draft,
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(similar.status, 200, "{}", similar.body);
    assert_eq!(c.get("/sok?q=hemligtsokord+811218-9876").status, 200);
    // A client that is not a trusted proxy cannot choose the id; the problem names the id.
    let res = ureq::get(&format!(
        "{}/api/v1/questions/999999?q=hemligtsokord&per_page=7",
        server.base
    ))
    .set("Authorization", &format!("Bearer {token}"))
    .set("X-Request-Id", "forged-by-client")
    .call();
    let Err(ureq::Error::Status(404, r)) = res else {
        panic!("{res:?}")
    };
    let id = r.header("x-request-id").unwrap().to_string();
    assert_ne!(id, "forged-by-client");
    assert!(id.len() >= 16, "{id}");
    let problem: Value = r.into_json().unwrap();
    assert_eq!(problem["instance"], id.as_str(), "{problem}");
    let (status, _, live_id) = get(&format!("{}/livez", server.base));
    assert_eq!(status, 200);
    let live_id = live_id.unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let log = std::fs::read_to_string(db.dir().join("server.log")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "eskalera::access")
        .collect();
    let line_of = |id: &str| {
        let of: Vec<&&Value> = access.iter().filter(|l| l["request_id"] == id).collect();
        assert_eq!(of.len(), 1, "one access line for {id}:\n{log}");
        *of[0]
    };
    let refused = line_of(&id);
    assert_eq!(refused["status"], 404);
    assert_eq!(refused["route"], "/api/v1/questions/{id}");
    assert_eq!(refused["path"], "/api/v1/questions/999999");
    assert_eq!(refused["method"], "GET");
    assert_eq!(refused["user_id"], user);
    assert!(refused["duration_ms"].as_f64().is_some(), "{refused}");
    assert!(refused["ts"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(line_of(&live_id)["user_id"], 0);
    // The pages' requests name the signed-in person too, by id.
    assert!(access
        .iter()
        .any(|l| l["route"] == "/sok" && l["user_id"] == user && l["status"] == 200));
    for l in &access {
        assert!(l["request_id"].as_str().is_some(), "{l}");
    }
    for secret in [
        "hemligtutkast",
        "hemligtsokord",
        "811218-9876",
        "?q=",
        "per_page",
        "logg@test.se",
        "forged-by-client",
        &token,
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

#[test]
fn a_trusted_proxys_request_id_is_kept() {
    let app = TestApp::start_with(Clock::system(), |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    });
    let r = ureq::get(&format!("{}/livez", app.base))
        .set("X-Request-Id", "lb-4711.a_b~c")
        .call()
        .unwrap();
    assert_eq!(r.header("x-request-id"), Some("lb-4711.a_b~c"));
    // An id that could break a log line or a header is replaced.
    let r = ureq::get(&format!("{}/livez", app.base))
        .set("X-Request-Id", "two words\"}")
        .call()
        .unwrap();
    let id = r.header("x-request-id").unwrap();
    assert_ne!(id, "two words\"}");
    assert_eq!(id.len(), 32, "{id}");
}

#[test]
fn an_instance_is_live_at_once_and_ready_once_its_index_has_caught_up() {
    let mut app = TestApp::start_before_indexing(|_| {});
    let t = app.user("ready@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.ask(&t, "En fråga medan indexet byggs", "asyl_forstagang");
    let (status, body, _) = get(&format!("{}/livez", app.base));
    assert_eq!(status, 200);
    let live: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(live["version"], env!("CARGO_PKG_VERSION"));
    let (status, body, _) = get(&format!("{}/readyz", app.base));
    assert_eq!(status, 503, "{body}");
    let r: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(r["status"], "not_ready");
    // Only the index holds it back (no indexer runs yet, and so it has not caught up).
    let reasons: Vec<&str> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons.iter().all(|r| r.starts_with("search index")), "{r}");
    assert!(reasons.iter().any(|r| r.contains("catching up")), "{r}");
    // The old health check still answers as before.
    assert_eq!(get(&format!("{}/healthz", app.base)).0, 200);
    app.start_indexer();
    wait_for("ready", Duration::from_secs(20), || {
        get(&format!("{}/readyz", app.base)).0 == 200
    });
    let (_, body, _) = get(&format!("{}/readyz", app.base));
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "ready"
    );
    // A rebuild beside the live index does not make the instance unready.
    app.svc.rebuild_index(&mut std::io::sink()).unwrap();
    assert_eq!(get(&format!("{}/readyz", app.base)).0, 200);
    // An indexer that has stopped does.
    app.stop_indexer();
    let (status, body, _) = get(&format!("{}/readyz", app.base));
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("the indexer thread does not run"), "{body}");
    let metrics = get(&format!("{}/metrics", app.base)).1;
    assert!(metrics.contains("eskalera_indexer_running 0"), "{metrics}");
    assert!(metrics.contains("eskalera_search_index_caught_up 1"));
}

/// A PostgreSQL cluster of the test's own under a temporary folder, started with pg_ctl, so
/// that it can be stopped without touching the shared one.
struct OwnCluster {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl OwnCluster {
    fn start() -> OwnCluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's server programs (/usr/lib/postgresql/*/bin)")
            .filter_map(Result::ok)
            .map(|d| d.path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .expect("initdb under /usr/lib/postgresql/*/bin");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if is_root() {
            // initdb refuses to run as root: the cluster belongs to the postgres user.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let chown = Command::new("chown")
                .args(["postgres", data.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(chown.success());
        }
        let c = OwnCluster {
            dir,
            bin,
            port: free_port(),
        };
        c.pg(
            "initdb",
            &["-D", &c.data(), "-A", "trust", "-U", "postgres"],
        );
        c.start_again();
        c
    }

    fn pg(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let out = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&program)
                .args(args)
                .output()
        } else {
            Command::new(&program).args(args).output()
        }
        .unwrap();
        assert!(out.status.success(), "{program:?} {args:?}: {out:?}");
        out
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.data()
        );
        let log = format!("{}/server.log", self.data());
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            c
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = cmd
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn an_instance_whose_postgresql_is_stopped_is_not_ready_but_live() {
    // The PostgreSQL run of the suite (ESKALERA_TEST_DATABASE_URL) stops a cluster of its own;
    // a SQLite file cannot be stopped.
    if std::env::var("ESKALERA_TEST_DATABASE_URL").is_err() {
        return;
    }
    let cluster = OwnCluster::start();
    let url = cluster.url();
    let app = TestApp::start_with(Clock::system(), |c| c.database_url = url);
    let ready = || get(&format!("{}/readyz", app.base));
    wait_for("ready", Duration::from_secs(30), || ready().0 == 200);
    cluster.stop();
    wait_for("not ready", Duration::from_secs(20), || ready().0 == 503);
    let (_, body, _) = ready();
    let r: Value = serde_json::from_str(&body).unwrap();
    assert!(
        r["reasons"][0].as_str().unwrap().starts_with("database"),
        "{r}"
    );
    assert_eq!(get(&format!("{}/livez", app.base)).0, 200);
    cluster.start_again();
    wait_for("ready again", Duration::from_secs(30), || ready().0 == 200);
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in\n{text}"))
}

#[test]
fn a_bounced_address_fails_at_once_a_deferred_one_waits_and_the_metrics_say_so() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mail.jsonl");
    let sink = SmtpSink::start(free_port(), &out);
    let url = sink.url();
    let app = TestApp::start_with(Clock::system(), |c| c.smtp_url = Some(url));
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    for member in ["nosuchuser@test.se", "greylisted@test.se", "member@test.se"] {
        app.user(member, "u-lulea-asyl", &["u-lulea-asyl"], Role::Caseworker);
    }
    let before = get(&format!("{}/metrics", app.base)).1;
    assert!(before.contains(&format!(
        "eskalera_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    )));
    app.ask(&asker, "En fråga som når tre medlemmar", "asyl_forstagang");
    wait_for("the bounce", Duration::from_secs(20), || {
        !app.svc.failed_mail(&Actor::operator()).unwrap().is_empty()
    });
    let failed = app.svc.failed_mail(&Actor::operator()).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].to, "nosuchuser@test.se");
    // At the first attempt, with the server's own words.
    assert_eq!(failed[0].attempts, 1);
    let error = failed[0].last_error.as_deref().unwrap();
    assert!(
        error.contains("550") && error.contains("no such user here"),
        "{error}"
    );
    assert_eq!(failed[0].cause, "rejected");
    wait_for("the good mail", Duration::from_secs(20), || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.contains("member@test.se"))
    });
    // The greylisted one waits for its next attempt and is not failed.
    let text = get(&format!("{}/metrics", app.base)).1;
    assert_eq!(metric(&text, "eskalera_mail_failed"), 1.0);
    assert!(metric(&text, "eskalera_mail_pending") >= 1.0, "{text}");
    assert!(metric(&text, "eskalera_mail_oldest_pending_seconds") > 0.0);
    assert!(metric(&text, "eskalera_mail_attempts_total{outcome=\"failed\"}") >= 1.0);
    assert!(metric(&text, "eskalera_mail_attempts_total{outcome=\"deferred\"}") >= 1.0);
    assert!(metric(&text, "eskalera_mail_attempts_total{outcome=\"sent\"}") >= 1.0);
    assert_eq!(
        metric(
            &text,
            "eskalera_http_requests_total{method=\"POST\",route=\"/api/v1/questions\",status=\"201\"}"
        ),
        1.0
    );
    assert!(text.contains("eskalera_http_request_duration_seconds_bucket{"));
    assert!(metric(&text, "eskalera_db_pool_wait_seconds_count") > 0.0);
    assert!(metric(&text, "eskalera_process_resident_memory_bytes") > 1e6);
    assert!(metric(&text, "eskalera_process_open_fds") > 3.0);
    assert_eq!(
        metric(&text, "eskalera_questions_open{level=\"unit\"}"),
        1.0
    );
    assert!(text.contains("eskalera_search_index_lag_seconds "));
    // A second scrape has counted the first.
    let again = get(&format!("{}/metrics", app.base)).1;
    assert!(
        metric(
            &again,
            "eskalera_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}"
        ) >= 2.0
    );
    sink.stop();
}

#[test]
fn mail_goes_through_a_tls_relay_with_the_agencys_ca_and_not_without_it() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = agency_ca(dir.path()) else {
        return;
    };
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    for (mode, scheme) in [
        ("--starttls", "smtp://127.0.0.1:{port}?tls=required"),
        ("--implicit-tls", "smtps://127.0.0.1:{port}"),
    ] {
        for trusted in [true, false] {
            let port = free_port();
            let db_dir = tempfile::tempdir().unwrap();
            let out = db_dir.path().join("out.jsonl");
            let sink = SmtpSink::start_with(port, &out, &[mode, cert, key]);
            let url = scheme.replace("{port}", &port.to_string());
            let outcome = through_tls_relay_to(url, trusted.then_some(ca.as_path()), &out);
            match (trusted, outcome) {
                (true, Ok(m)) => assert_eq!(m["rcpt"], json!(["member@test.se"]), "{mode}"),
                (false, Err(e)) => assert!(
                    e.to_lowercase().contains("certificate") || e.contains("tls"),
                    "{mode}: {e}"
                ),
                (trusted, outcome) => panic!("{mode}, CA given: {trusted}: {outcome:?}"),
            }
            sink.stop();
        }
    }
}

/// A server mailing through `url` without retries, where a question was just asked that is
/// mailed to one member of the unit.
fn mail_to_one_member(url: String, adjust: impl FnOnce(&mut eskalera::config::Config)) -> TestApp {
    let app = TestApp::start_with(Clock::system(), |c| {
        c.smtp_url = Some(url);
        c.mail.retry_for_hours = 0.0;
        adjust(c);
    });
    let asker = app.user("asker@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user(
        "member@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    app.ask(&asker, "En fråga till en medlem", "asyl_forstagang");
    app
}

/// The mail to one member, through a relay on `url` over TLS that writes to `out`, or why it
/// failed.
fn through_tls_relay_to(url: String, ca: Option<&Path>, out: &Path) -> Result<Value, String> {
    // A certificate that is not trusted does not become trusted by waiting: no retries.
    let app = mail_to_one_member(url, |c| c.smtp_ca_file = ca.map(Path::to_path_buf));
    let started = Instant::now();
    loop {
        if let Some(m) = app.svc.failed_mail(&Actor::operator()).unwrap().first() {
            return Err(m.last_error.clone().unwrap_or_default());
        }
        if let Some(l) = std::fs::read_to_string(out)
            .ok()
            .and_then(|s| s.lines().next().map(str::to_string))
        {
            return Ok(serde_json::from_str(&l).unwrap());
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no outcome");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn eskalera(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eskalera"))
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("ESKALERA_CONFIG")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_binary_says_its_release_and_checks_settings_read_from_files() {
    let o = eskalera(&["--version"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("eskalera {}", env!("CARGO_PKG_VERSION"))
    );
    let dir = tempfile::tempdir().unwrap();
    let secret = |name: &str, value: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, format!("{value}\n")).unwrap();
        p.display().to_string()
    };
    let db = dir.path().join("fil.db").display().to_string();
    let db_file = secret("database-url", &db);
    let key_file = secret("session-key", &"ab".repeat(64));
    let smtp_file = secret(
        "smtp-url",
        "smtp://postlada:hemligt@relay.example?tls=required",
    );
    let config = format!("{}/config/default.toml", env!("CARGO_MANIFEST_DIR"));
    let env = [
        ("ESKALERA_CONFIG", config.as_str()),
        ("ESKALERA_DATA_DIR", dir.path().to_str().unwrap()),
        ("ESKALERA_DATABASE_URL_FILE", db_file.as_str()),
        ("ESKALERA_SESSION_KEY_FILE", key_file.as_str()),
        ("ESKALERA_SMTP_URL_FILE", smtp_file.as_str()),
    ];
    let o = eskalera(&["config", "check"], &env);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains(&format!("database: SQLite file {db}")),
        "{out}"
    );
    assert!(
        out.contains("mail: SMTP relay.example:587 (Required TLS)"),
        "{out}"
    );
    assert!(out.contains("the settings are valid"), "{out}");
    assert!(!out.contains("ESKALERA_SESSION_KEY is not set"), "{out}");
    assert!(!out.contains("hemligt"), "{out}");
    // A bad SMTP URL is a configuration error (3) that names the part and not the password.
    let bad = secret(
        "bad-smtp-url",
        "smtp://postlada:hemligt@relay.example:99999",
    );
    let mut env_bad = env;
    env_bad[4].1 = bad.as_str();
    let o = eskalera(&["config", "check"], &env_bad);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("ESKALERA_SMTP_URL") && out.contains("port"),
        "{out}"
    );
    assert!(!out.contains("hemligt"), "{out}");
    // Both a value and a file is a mistake.
    let o = eskalera(
        &["config", "check"],
        &[env[0], env[1], env[2], ("ESKALERA_DATABASE_URL", "x.db")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("not both"));
    // A session key file with a short key names the setting.
    let short = secret("short-key", "abcd");
    let o = eskalera(
        &["config", "check"],
        &[
            env[0],
            env[1],
            ("ESKALERA_SESSION_KEY_FILE", short.as_str()),
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("ESKALERA_SESSION_KEY"), "{}", text(&o));
    let o = eskalera(&["config", "check"], &[("ESKALERA_LOG_FORMAT", "xml")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o).contains("text or json"));
}

#[test]
fn an_operator_backs_up_probes_and_sends_every_failed_mail_again() {
    // Nobody listens on the port, and a mail is not retried: it fails at once.
    let app = mail_to_one_member(format!("smtp://127.0.0.1:{}", free_port()), |_| {});
    wait_for("a failed mail", Duration::from_secs(20), || {
        !app.svc.failed_mail(&Actor::operator()).unwrap().is_empty()
    });
    let env = |extra: &[(&'static str, String)]| {
        let mut e = vec![
            ("ESKALERA_DATABASE_URL", app.db.url.clone()),
            (
                "ESKALERA_DATA_DIR",
                app.db.dir().join("data").display().to_string(),
            ),
        ];
        e.extend_from_slice(extra);
        e
    };
    let run = |args: &[&str], env: &[(&'static str, String)]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        eskalera(args, &env)
    };
    let o = run(&["mail", "retry", "--all"], &env(&[]));
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("failed mails queued again"),
        "{}",
        text(&o)
    );
    let o = run(&["mail", "retry"], &env(&[]));
    assert_eq!(o.status.code(), Some(2), "an id or --all: {}", text(&o));
    // The probe: the running server answers; a closed port does not.
    let bind = app.base.trim_start_matches("http://").to_string();
    let o = run(&["probe"], &env(&[("ESKALERA_BIND", bind)]));
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &[
            "probe",
            "--url",
            &format!("http://127.0.0.1:{}/livez", free_port()),
        ],
        &env(&[]),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // The backup: a SQLite copy that opens and holds the question; never over a file.
    let copy = app.db.dir().join("kopia.db");
    let o = run(&["backup", copy.to_str().unwrap()], &env(&[]));
    if app.db.url.starts_with("postgres") {
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains("pg_dump"));
        return;
    }
    assert!(o.status.success(), "{}", text(&o));
    let restored = eskalera::config::Config::load_with_env(None, |k| match k {
        "ESKALERA_DATABASE_URL" => Some(copy.display().to_string()),
        "ESKALERA_DATA_DIR" => Some(app.db.dir().join("restored").display().to_string()),
        _ => None,
    })
    .unwrap();
    let svc = eskalera::service::Service::open(restored, Clock::system()).unwrap();
    // A restored instance rebuilds its index from the database: the copy holds the question.
    assert_eq!(svc.rebuild_index(&mut std::io::sink()).unwrap(), 1);
    drop(svc);
    let o = run(&["backup", copy.to_str().unwrap()], &env(&[]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("exists already"));
}
