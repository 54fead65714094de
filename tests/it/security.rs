//! What a hostile or careless user tried against the running server: guessing passwords in a
//! burst, cutting off access, redirects off the site, personal data in the log, caching, dates
//! at the edges of the calendar, and the smaller holes (one test per finding).

use std::time::Duration;

use eskalera::clock::Clock;
use eskalera::service::Role;
use serde_json::json;

use crate::common::{ChildServer, TestApp, TestDb};
use crate::web::{Client, PASSWORD};

pub fn service_on(db: &TestDb) -> eskalera::service::Service {
    eskalera::service::Service::open(crate::common::config(db), Clock::system()).unwrap()
}

/// Adds a person who signs in with `PASSWORD`; returns their id.
pub fn add_person(svc: &eskalera::service::Service, email: &str, role: Role) -> i64 {
    svc.add_user(
        &eskalera::service::Actor::operator(),
        &eskalera::service::users::NewUserInput {
            email: email.into(),
            name: "Testperson".into(),
            unit: "u-lulea-asyl".into(),
            members: vec!["u-lulea-asyl".into()],
            role,
            password: Some(PASSWORD.into()),
        },
    )
    .unwrap()
    .id
}

/// The peak resident memory of a process (kB), from /proc.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_burst_of_wrong_passwords_gets_only_the_allowed_attempts_and_memory_stays_bounded() {
    let db = TestDb::new();
    add_person(&service_on(&db), "offer@test.se", Role::Caseworker);
    let server = ChildServer::start(&db);
    let mut c = Client::at(&server.base);
    let csrf = c.get("/logga-in").csrf();
    let cookie = c.cookie_header();
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let started = std::time::Instant::now();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let (agent, csrf, cookie, base) = (&agent, &csrf, &cookie, &server.base);
                s.spawn(move || {
                    let res = agent
                        .post(&format!("{base}/logga-in"))
                        .set("Cookie", cookie)
                        .send_form(&[
                            ("csrf", csrf),
                            ("email", "offer@test.se"),
                            ("password", &format!("fel-{i}")),
                        ]);
                    match res {
                        Ok(r) => r.status(),
                        Err(ureq::Error::Status(code, r)) => {
                            if code == 429 || code == 503 {
                                assert!(r.header("retry-after").is_some());
                            }
                            code
                        }
                        Err(e) => panic!("{e}"),
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429 || **s == 503).count();
    // Three free attempts, then one more each time the backoff (1 s, 2 s, 4 s, …) has run out:
    // on a loaded machine the burst itself can outlast the first waits.
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = 3 + (elapsed + 1.0).log2().floor() as usize;
    assert!(
        checked <= allowed,
        "{checked} wrong passwords were checked in {elapsed:.1} s ({allowed} allowed): {statuses:?}"
    );
    assert_eq!(checked + refused, 200, "{statuses:?}");
    let peak = peak_kb(server.pid());
    println!(
        "200 parallel wrong passwords: {checked} checked, {refused} refused; peak memory {} MB",
        peak / 1024
    );
    assert!(
        peak < 300 * 1024,
        "the server's peak memory was {} MB",
        peak / 1024
    );
    // Other requests are served meanwhile and afterwards.
    assert_eq!(c.get("/logga-in").status, 200);
}

#[test]
fn guessing_elsewhere_never_locks_the_person_out_of_their_own_browser() {
    let app = TestApp::start();
    app.user_with_password(
        "egen@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut own = Client::new(&app);
    assert_eq!(own.sign_in("egen@test.se", PASSWORD).status, 303);
    let csrf = own.get("/mina").csrf();
    own.post("/logga-ut", &[("csrf", &csrf)]);
    // Somebody else guesses until the account's anonymous attempts are held back.
    let mut other = Client::new(&app);
    let mut held = false;
    for _ in 0..6 {
        held |= other.sign_in("egen@test.se", "gissning").status == 429;
    }
    assert!(held, "guessing was never slowed down");
    assert_eq!(other.sign_in("egen@test.se", PASSWORD).status, 429);
    // The person's own browser is not held up by that.
    assert_eq!(own.sign_in("egen@test.se", PASSWORD).status, 303);
    // Its own wrong attempts hold it back for the backoff only.
    let csrf = own.get("/mina").csrf();
    own.post("/logga-ut", &[("csrf", &csrf)]);
    for _ in 0..3 {
        assert_eq!(own.sign_in("egen@test.se", "fel").status, 401);
    }
    let slowed = own.sign_in("egen@test.se", PASSWORD);
    assert_eq!(slowed.status, 429);
    let wait: u64 = slowed.header("retry-after").unwrap().parse().unwrap();
    assert!(wait <= 2, "the first wait is a second, not {wait}");
    std::thread::sleep(Duration::from_millis(1100 * wait));
    assert_eq!(own.sign_in("egen@test.se", PASSWORD).status, 303);
}

#[test]
fn a_copied_session_cookie_stops_working_after_sign_out_revocation_and_disabling() {
    let app = TestApp::start();
    app.user_with_password(
        "kopia@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let token = app.token("kopia@test.se");
    let signed_in = |app: &TestApp| {
        let mut c = Client::new(app);
        assert_eq!(c.sign_in("kopia@test.se", PASSWORD).status, 303);
        assert_eq!(c.get("/mina").status, 200);
        c
    };
    let ended = |copy: &mut Client| {
        let p = copy.get("/mina");
        assert!(
            p.status == 401
                || (p.status == 303
                    && p.location
                        .as_deref()
                        .is_some_and(|l| l.starts_with("/logga-in"))),
            "{} {:?}",
            p.status,
            p.location
        );
        assert_eq!(copy.get("/api/v1/forums").status, 401);
    };

    // Signing out ends the copy too.
    let mut c = signed_in(&app);
    let mut copy = c.copy();
    let csrf = c.get("/mina").csrf();
    assert_eq!(c.post("/logga-ut", &[("csrf", &csrf)]).status, 303);
    ended(&mut copy);

    // Revoking the person's tokens ends their web sessions as well.
    let c = signed_in(&app);
    let mut copy = c.copy();
    app.svc
        .revoke_tokens(&eskalera::service::Actor::operator(), "kopia@test.se")
        .unwrap();
    ended(&mut copy);
    assert_eq!(app.get("/api/v1/forums", &token).status, 401);

    // Disabling ends everything, and says so in Swedish.
    let c = signed_in(&app);
    let mut copy = c.copy();
    let fresh = app.token("kopia@test.se");
    app.svc
        .disable_user(&eskalera::service::Actor::operator(), "kopia@test.se")
        .unwrap();
    ended(&mut copy);
    let page = copy.get("/mina");
    assert_eq!(page.status, 401);
    assert!(page.body.contains("avstängt"), "{}", page.body);
    assert_eq!(app.get("/api/v1/forums", &fresh).status, 401);
    let mut again = Client::new(&app);
    let refused = again.sign_in("kopia@test.se", PASSWORD);
    assert_eq!(refused.status, 401);
    assert!(refused.body.contains("avstängt"));
    // A wrong password of a disabled person reads like any wrong password.
    let wrong = Client::new(&app).sign_in("kopia@test.se", "fel-lösenord");
    assert_eq!(wrong.status, 401);
    assert!(!wrong.body.contains("avstängt"));
    app.svc
        .enable_user(&eskalera::service::Actor::operator(), "kopia@test.se")
        .unwrap();
    assert_eq!(again.sign_in("kopia@test.se", PASSWORD).status, 303);
    assert_eq!(again.get("/mina").status, 200);
    // The old copy stays ended after enabling.
    ended(&mut copy);
}

#[test]
fn access_is_cut_off_and_passwords_reset_from_the_command_line_with_audit_events() {
    use crate::cli::eskalera;
    let app = TestApp::start();
    app.user_with_password(
        "cli@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("cli@test.se", PASSWORD);
    let mut copy = c.copy();
    let o = eskalera(
        &app,
        &["user", "set", "cli@test.se", "--password-stdin"],
        Some("ett nytt långt lösenord\n"),
    );
    assert!(o.status.success(), "{o:?}");
    assert_eq!(copy.get("/mina").status, 303, "the old session must end");
    assert_eq!(
        Client::new(&app).sign_in("cli@test.se", PASSWORD).status,
        401
    );
    let mut fresh = Client::new(&app);
    assert_eq!(
        fresh
            .sign_in("cli@test.se", "ett nytt långt lösenord")
            .status,
        303
    );
    let o = eskalera(
        &app,
        &["user", "set", "cli@test.se", "--password-stdin"],
        Some("kort\n"),
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let o = eskalera(&app, &["user", "disable", "cli@test.se"], None);
    assert!(o.status.success(), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("(disabled)"));
    assert_eq!(fresh.get("/mina").status, 401);
    let o = eskalera(&app, &["user", "disable", "cli@test.se"], None);
    assert_eq!(o.status.code(), Some(2), "disabling twice: {o:?}");
    let o = eskalera(&app, &["user", "enable", "cli@test.se"], None);
    assert!(o.status.success(), "{o:?}");
    let o = eskalera(&app, &["user", "disable", "ingen@test.se"], None);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    for kind in ["password_set", "user_disabled", "user_enabled"] {
        assert_eq!(crate::web::audit_count(&app, kind), 1, "{kind}");
    }
    // The command line acts as its operator: no person's account, and named as such.
    for kind in ["password_set", "user_disabled", "user_enabled"] {
        let trail = crate::web::audit_trail(&app, kind);
        let (actor, data) = &trail[0];
        assert_eq!(*actor, None, "{kind}");
        assert!(
            data.as_deref()
                .is_some_and(|d| d.contains("\"by\":\"cli (")),
            "{kind}: {data:?}"
        );
    }
}

#[test]
fn sign_in_redirects_stay_on_the_site_and_never_fail() {
    let app = TestApp::start();
    app.user_with_password(
        "vidare@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let variants = [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D/evil.example",
        "/%0D%0ALocation:%20https://evil.example",
        "%09//evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/\\evil.example",
        "https://evil.example",
        "%2F%2Fevil.example",
        "/%E2%80%A8/evil.example",
    ];
    let mut c = Client::new(&app);
    for v in variants {
        let form = c.get(&format!("/logga-in?next={v}"));
        assert_eq!(form.status, 200, "{v}");
        let csrf = form.csrf();
        // ureq would refuse a raw backslash or tab in a form value as much as in a URL, so
        // the form gets the decoded value.
        let decoded = percent_decode(v);
        let p = c.post(
            "/logga-in",
            &[
                ("csrf", &csrf),
                ("email", "vidare@test.se"),
                ("password", PASSWORD),
                ("next", &decoded),
            ],
        );
        assert_eq!(p.status, 303, "{v}: {}", p.body);
        stays_on_site(p.location.as_deref(), v);
        // Signed in, the sign-in page forwards at once: the same check.
        let p = c.get(&format!("/logga-in?next={v}"));
        assert_eq!(p.status, 303, "{v}");
        stays_on_site(p.location.as_deref(), v);
        let csrf = c.get("/mina").csrf();
        c.post("/logga-ut", &[("csrf", &csrf)]);
    }
    // A local path is kept.
    let csrf = c.get("/logga-in?next=/sok").csrf();
    let p = c.post(
        "/logga-in",
        &[
            ("csrf", &csrf),
            ("email", "vidare@test.se"),
            ("password", PASSWORD),
            ("next", "/sok?q=asyl"),
        ],
    );
    assert_eq!(p.location.as_deref(), Some("/sok?q=asyl"));
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

#[track_caller]
fn stays_on_site(location: Option<&str>, variant: &str) {
    let l = location.unwrap_or_else(|| panic!("{variant}: no Location"));
    assert!(l.starts_with('/'), "{variant} → {l}");
    let as_browser = l.replace('\\', "/");
    assert!(!as_browser.starts_with("//"), "{variant} → {l}");
    assert!(
        l.bytes().all(|b| b.is_ascii_graphic()),
        "{variant} → {l:?}: a browser drops what is not, and may leave the site"
    );
}

#[test]
fn no_query_string_or_personal_data_reaches_the_log() {
    let db = TestDb::new();
    let svc = service_on(&db);
    add_person(&svc, "logg@test.se", Role::Caseworker);
    let token = svc
        .create_token(&eskalera::service::Actor::operator(), "logg@test.se", None)
        .unwrap();
    drop(svc);
    let server = ChildServer::start_with(&db, None, &[("RUST_LOG", "info")]);
    let mut c = Client::at(&server.base);
    assert_eq!(c.sign_in("logg@test.se", PASSWORD).status, 303);
    let page = c.get("/fragor/ny");
    let csrf = page.csrf();
    // What the page's script sends while the person types: a POST with the session's token.
    let draft = json!({"title": "hemligtutkast om konvertiter", "body": "hemligtutkast text"});
    let similar = c.post_json(
        "/api/v1/questions/similar",
        &draft,
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(similar.status, 200, "{}", similar.body);
    // Without the token the cookie does not count for a POST.
    let refused = c.post_json("/api/v1/questions/similar", &draft, &[]);
    assert_eq!(refused.status, 401);
    let wrong = c.post_json(
        "/api/v1/questions/similar",
        &draft,
        &[("X-CSRF-Token", "fel")],
    );
    assert_eq!(wrong.status, 401);
    // The script uses the POST.
    let script = c.get("/static/eskalera.js");
    assert!(script.body.contains("method: \"POST\""));
    assert!(!script.body.contains("similar?title="));
    assert_eq!(c.get("/sok?q=hemligtsokord").status, 200);
    let api = |path: &str| {
        ureq::get(&format!("{}{path}", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .map_or_else(
                |e| match e {
                    ureq::Error::Status(s, _) => s,
                    e => panic!("{e}"),
                },
                |r| r.status(),
            )
    };
    assert_eq!(api("/api/v1/search?q=hemligtsokord"), 200);
    assert_eq!(
        api("/api/v1/questions/similar?title=hemligtutkast&body=x"),
        200
    );
    assert_eq!(api("/api/v1/questions/811218-9876"), 404);
    assert_eq!(api("/api/v1/ingenting/anna.andersson@exempel.se"), 404);
    std::thread::sleep(Duration::from_millis(300));
    let log = std::fs::read_to_string(db.dir().join("server.log")).unwrap();
    assert!(
        log.contains("/api/v1/search"),
        "no access log at all:\n{log}"
    );
    for secret in [
        "hemligtutkast",
        "hemligtsokord",
        "?q=",
        "title=",
        "811218-9876",
        "anna.andersson@exempel.se",
        &token,
        "logg@test.se",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

#[test]
fn api_replies_are_not_cached_and_an_https_address_asks_for_https_only() {
    let app = TestApp::start();
    let token = app.user("cache@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let res = ureq::get(&format!("{}/api/v1/forums", app.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert!(res.header("strict-transport-security").is_none());
    let err = ureq::get(&format!("{}/api/v1/questions/999999", app.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call();
    match err {
        Err(ureq::Error::Status(404, r)) => assert_eq!(r.header("cache-control"), Some("no-store")),
        other => panic!("{other:?}"),
    }
    let https = TestApp::start_with(Clock::system(), |c| {
        c.base_url = "https://eskalera.migrationsverket.se".into();
    });
    let res = ureq::get(&format!("{}/logga-in", https.base))
        .call()
        .unwrap();
    assert_eq!(
        res.header("strict-transport-security"),
        Some("max-age=31536000")
    );
}

#[test]
fn forwarded_addresses_count_only_from_trusted_proxies() {
    // Untrusted: whatever X-Forwarded-For says, all attempts are one client's.
    let app = TestApp::start();
    let mut held = false;
    for i in 0..25 {
        let mut c = Client::new(&app).with_header("X-Forwarded-For", &format!("203.0.113.{i}"));
        let p = c.sign_in(&format!("ingen{i}@test.se"), "fel");
        held |= p.status == 429;
    }
    assert!(
        held,
        "a spoofed X-Forwarded-For escaped the client's allowance"
    );
    let mut c = Client::new(&app).with_header("X-Forwarded-Proto", "https");
    let p = c.get("/logga-in");
    assert!(
        p.set_cookie.iter().all(|c| !c.contains("Secure")),
        "X-Forwarded-Proto believed from anyone: {:?}",
        p.set_cookie
    );

    // Behind a trusted proxy each forwarded address is its own client.
    let proxied = TestApp::start_with(Clock::system(), |c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    });
    for i in 0..25 {
        let mut c = Client::new(&proxied).with_header("X-Forwarded-For", &format!("203.0.113.{i}"));
        let p = c.sign_in(&format!("ingen{i}@test.se"), "fel");
        assert_eq!(p.status, 401, "attempt {i}");
    }
    let mut c = Client::new(&proxied).with_header("X-Forwarded-Proto", "https");
    let p = c.get("/logga-in");
    assert!(p.set_cookie.iter().any(|c| c.contains("Secure")));
}

#[test]
fn dates_at_the_edges_of_the_calendar_are_refused_or_counted_never_a_failure() {
    let app = TestApp::start();
    let legal = app.user("datum@test.se", "u-lulea-asyl", &[], Role::Legal);
    for bad in [
        "to=-262143-01-15",
        "from=-262143-01-15",
        "to=%2B262142-12-31",
        "to=10000-01-01",
        "from=-10000-01-01&to=2026-01-01",
    ] {
        let r = app.get(&format!("/api/v1/reports/sla?{bad}"), &legal);
        r.status(422);
        let r = app.get(&format!("/api/v1/search?q=asyl&{bad}"), &legal);
        r.status(422);
    }
    // Before PostgreSQL's first day (4713 BC) and up to the last year: counted, nothing found.
    for ok in [
        "from=-5000-01-01&to=2026-01-01",
        "from=-9999-01-01&to=-9000-12-31",
        "from=9999-01-01&to=9999-12-31",
    ] {
        let r = app.get(&format!("/api/v1/reports/sla?{ok}"), &legal);
        r.ok();
        let r = app.get(
            &format!("/api/v1/reports/sla?{ok}&group_by=forum&format=csv"),
            &legal,
        );
        assert_eq!(r.status, 200, "{ok}");
        let r = app.get(&format!("/api/v1/search?q=asyl&{ok}"), &legal);
        r.ok();
    }
    // A review date in year 10000 would compare as text before today's and fall due at once.
    let member = app.user(
        "natverk@test.se",
        "u-lulea-asyl",
        &["nn-trovardighet", "u-lulea-asyl"],
        Role::Caseworker,
    );
    let id = app.ask(&member, "Fråga om omprövning", "asyl_forstagang");
    let r = app.post(
        &format!("/api/v1/questions/{id}/answers"),
        &member,
        json!({"body": "Svar", "binding_status": "guidance", "review_date": "10000-01-01"}),
    );
    let body = r.status(422);
    assert_eq!(body["errors"][0]["field"], "review_date");
}

#[test]
fn nul_bytes_in_sign_in_and_assignee_are_refused_as_input() {
    let app = TestApp::start();
    let member = app.user(
        "nul@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let id = app.ask(&member, "Fråga om NUL", "asyl_forstagang");
    let r = app.post(
        &format!("/api/v1/questions/{id}/assign"),
        &member,
        json!({"assignee": "nul\u{0}@test.se"}),
    );
    r.status(422);
    let mut c = Client::new(&app);
    let p = c.sign_in("nul\u{0}@test.se", "x");
    assert!(
        p.status == 422 || p.status == 401,
        "a NUL in the e-mail: {} {}",
        p.status,
        p.body
    );
}

#[test]
fn files_and_folders_are_private_to_the_service() {
    use std::os::unix::fs::PermissionsExt;
    let db = TestDb::new();
    let svc = service_on(&db);
    add_person(&svc, "fil@test.se", Role::Caseworker);
    // A member of the unit hears of the new question: a mail in the spool.
    add_person(&svc, "mottagare@test.se", Role::Caseworker);
    let token = svc
        .create_token(&eskalera::service::Actor::operator(), "fil@test.se", None)
        .unwrap();
    drop(svc);
    // The test's own umask (usually 022) would let everyone read what the server makes.
    let server = ChildServer::spawn(&db, None, &["serve"], &[]);
    server.wait_until_up(Duration::from_secs(30));
    let r = ureq::post(&format!("{}/api/v1/questions", server.base))
        .set("Authorization", &format!("Bearer {token}"))
        .send_json(json!({"title": "Fråga om filer", "body": "Text", "process": "asyl_forstagang"}))
        .unwrap();
    assert_eq!(r.status(), 201);
    let data = db.dir().join("data");
    let spool = data.join("mail");
    let started = std::time::Instant::now();
    while std::fs::read_dir(&spool).map_or(true, |d| d.count() == 0) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no mail was spooled"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    let mut files = vec![data.join("session.key")];
    if crate::common::postgres_admin_url().is_none() {
        let db_file = std::path::PathBuf::from(&db.url);
        files.push(db_file.clone());
        files.push(std::path::PathBuf::from(format!("{}-wal", db.url)));
    }
    files.extend(
        std::fs::read_dir(&spool)
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    for f in files {
        if f.exists() {
            assert_eq!(mode(&f) & 0o077, 0, "{} is {:o}", f.display(), mode(&f));
        }
    }
    for dir in [&spool, &data.join("index")] {
        assert_eq!(mode(dir) & 0o077, 0, "{}", dir.display());
    }
}

#[test]
fn a_malformed_smtp_url_is_a_configuration_error_that_keeps_its_password() {
    let app = TestApp::start();
    for url in [
        "smtp://mailer:hemligt-losen@",
        "smtpx://mailer:hemligt-losen@relay.myndighet.se",
        "smtp://mailer:hemligt-losen@relay.myndighet.se:notaport",
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_eskalera"))
            .args(["migrate"])
            .env("ESKALERA_DATABASE_URL", &app.db.url)
            .env("ESKALERA_DATA_DIR", app.db.dir().join("data"))
            .env("ESKALERA_SMTP_URL", url)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{url}: {err}");
        assert!(!err.contains("hemligt"), "{url}: {err}");
        assert!(!err.contains("damaged"), "{url}: {err}");
        assert!(err.contains("ESKALERA_SMTP_URL"), "{url}: {err}");
    }
}

#[test]
fn an_assignment_names_the_person_without_writing_their_address_into_the_history() {
    let app = TestApp::start();
    let asker = app.user("fragare@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let member = app.user(
        "hanna.handlaggare@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let id = app.ask(&asker, "Fråga att tilldela", "asyl_forstagang");
    let r = app.post(
        &format!("/api/v1/questions/{id}/assign"),
        &member,
        json!({"assignee": "hanna.handlaggare@test.se"}),
    );
    r.ok();
    let q = app.get(&format!("/api/v1/questions/{id}"), &asker);
    let events = q.ok()["events"].as_array().unwrap().clone();
    let assigned = events.iter().find(|e| e["kind"] == "assigned").unwrap();
    assert_eq!(assigned["subject"]["name"], "hanna handlaggare");
    assert!(assigned["note"].is_null(), "{assigned}");
    assert!(
        !crate::personal_data::database_text(&app).contains("tilldelad hanna"),
        "the address went into an event note"
    );
}

#[test]
fn two_questions_cannot_be_duplicates_of_each_other() {
    let app = TestApp::start();
    let member = app.user(
        "dubb@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let a = app.ask(&member, "Fråga A", "asyl_forstagang");
    let b = app.ask(&member, "Fråga B", "asyl_forstagang");
    let c = app.ask(&member, "Fråga C", "asyl_forstagang");
    app.post(
        &format!("/api/v1/questions/{a}/duplicate"),
        &member,
        json!({"of": b}),
    )
    .ok();
    let r = app.post(
        &format!("/api/v1/questions/{b}/duplicate"),
        &member,
        json!({"of": a}),
    );
    assert_eq!(r.status(422)["errors"][0]["field"], "of");
    // Nor through a third.
    app.post(
        &format!("/api/v1/questions/{c}/duplicate"),
        &member,
        json!({"of": a}),
    )
    .ok();
    let r = app.post(
        &format!("/api/v1/questions/{b}/duplicate"),
        &member,
        json!({"of": c}),
    );
    r.status(422);
}

#[test]
fn parallel_follows_of_one_question_all_succeed() {
    let app = TestApp::start();
    let token = app.user("folj@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let other = app.user("fragar@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    // The race is narrow (two checks before either insert): several rounds make it likely
    // enough that the old check-then-insert failed here on PostgreSQL.
    for round in 0..10 {
        let id = app.ask(
            &other,
            &format!("Fråga att följa {round}"),
            "asyl_forstagang",
        );
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..50)
                .map(|_| {
                    s.spawn(|| {
                        app.request(
                            "POST",
                            &format!("/api/v1/questions/{id}/follow"),
                            Some(&token),
                            None,
                            &[],
                        )
                        .status
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(
            statuses.iter().all(|s| *s == 204),
            "round {round}: {statuses:?}"
        );
        let q = app.get(&format!("/api/v1/questions/{id}"), &token);
        assert_eq!(q.ok()["following"], true);
    }
}

#[test]
fn an_admins_membership_change_names_the_admin() {
    let app = TestApp::start();
    app.user_with_password("chef@test.se", "u-lulea-asyl", &[], Role::Admin, PASSWORD);
    app.user("medlem@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let mut c = Client::new(&app);
    c.sign_in("chef@test.se", PASSWORD);
    let csrf = c.get("/admin/anvandare").csrf();
    let p = c.post(
        "/admin/anvandare",
        &[
            ("csrf", &csrf),
            ("email", "medlem@test.se"),
            ("forum", "u-lulea-asyl"),
            ("op", "add"),
        ],
    );
    assert!(p.status < 400, "{} {}", p.status, p.body);
    let admin = app.svc.actor_by_email("chef@test.se").unwrap();
    let actors = crate::web::audit_actors(&app, "membership_added");
    assert_eq!(actors, vec![Some(admin.id)]);
}

#[test]
fn a_demo_load_cut_off_half_way_is_completed_at_the_next_start() {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let db = TestDb::new();
    // A plain connection, not the store's pool: that would migrate beside the server.
    let count = |table: &str| -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let n = if crate::common::postgres_admin_url().is_some() {
            diesel::PgConnection::establish(&db.url)
                .ok()
                .and_then(|mut c| diesel::sql_query(&sql).get_result::<N>(&mut c).ok())
        } else {
            diesel::SqliteConnection::establish(&db.url)
                .ok()
                .and_then(|mut c| diesel::sql_query(&sql).get_result::<N>(&mut c).ok())
        };
        n.map_or(0, |r| r.n)
    };
    let first = ChildServer::spawn(&db, None, &["serve", "--demo"], &[]);
    let started = std::time::Instant::now();
    while count("questions") < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the demo never started loading"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill();
    let loaded = count("questions");
    assert!(
        loaded < 40,
        "the demo finished before it could be cut off ({loaded})"
    );
    let second = ChildServer::spawn(&db, None, &["serve", "--demo"], &[]);
    second.wait_until_up(Duration::from_secs(180));
    assert_eq!(count("users"), 36);
    assert_eq!(count("questions"), 40);
    second.kill();
    // A complete demo is not loaded again.
    let third = ChildServer::spawn(&db, None, &["serve", "--demo"], &[]);
    third.wait_until_up(Duration::from_secs(60));
    assert_eq!(count("questions"), 40);
}

#[test]
fn the_session_cookie_reads_the_api_and_the_similar_post_needs_its_csrf_token() {
    let app = TestApp::start();
    app.user_with_password(
        "las@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("las@test.se", PASSWORD);
    let csrf = c.get("/fragor/ny").csrf();
    let ok = c.post_json(
        "/api/v1/questions/similar",
        &json!({"title": "uppehållstillstånd", "body": "x"}),
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    // The token only opens the similar-questions read, not a write.
    let write = c.post_json(
        "/api/v1/questions",
        &json!({"title": "x", "body": "y", "process": "asyl_forstagang"}),
        &[("X-CSRF-Token", &csrf)],
    );
    assert_eq!(write.status, 401);
}
