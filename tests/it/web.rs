//! The HTML pages over plain HTTP: sign-in, sessions, CSRF, slowing down guessing, security
//! headers, escaping and error pages. The browser tests (browser.rs) drive the same pages.

use eskalera::service::Role;
use serde_json::json;

use crate::common::TestApp;

pub const PASSWORD: &str = "rätt-lösenord-1";

/// A browser-like client: no redirects followed, cookies kept by hand (every cookie goes with
/// every request, whatever its path).
pub struct Client {
    agent: ureq::Agent,
    base: String,
    cookies: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field");
        let rest = &self.body[at + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

impl Client {
    pub fn new(app: &TestApp) -> Client {
        Self::at(&app.base)
    }

    /// A client of a server at `base` (a child process, say).
    pub fn at(base: &str) -> Client {
        Client {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            base: base.to_string(),
            cookies: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The Cookie header this client sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Another client holding copies of this one's cookies (a stolen or copied session).
    pub fn copy(&self) -> Client {
        Client {
            agent: ureq::AgentBuilder::new().redirects(0).build(),
            base: self.base.clone(),
            cookies: self.cookies.clone(),
            headers: self.headers.clone(),
        }
    }

    /// Sends this header with every request from now on.
    pub fn with_header(mut self, name: &str, value: &str) -> Client {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn prepare(&self, mut req: ureq::Request) -> ureq::Request {
        if !self.cookies.is_empty() {
            req = req.set("Cookie", &self.cookie_header());
        }
        for (k, v) in &self.headers {
            req = req.set(k, v);
        }
        req
    }

    fn finish(&mut self, res: Result<ureq::Response, ureq::Error>) -> Page {
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let headers = res
            .headers_names()
            .into_iter()
            .flat_map(|n| {
                res.all(&n)
                    .into_iter()
                    .map(|v| (n.clone(), v.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>();
        let set_cookie: Vec<String> = res
            .all("set-cookie")
            .iter()
            .map(|s| s.to_string())
            .collect();
        for c in &set_cookie {
            let pair = c.split(';').next().unwrap_or("");
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
        Page {
            status: res.status(),
            location: res.header("location").map(String::from),
            set_cookie,
            headers,
            body: res.into_string().unwrap_or_default(),
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let req = self.prepare(self.agent.get(&format!("{}{path}", self.base)));
        let res = req.call();
        self.finish(res)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.prepare(self.agent.post(&format!("{}{path}", self.base)));
        let res = req.send_form(form);
        self.finish(res)
    }

    /// A JSON POST with extra headers (the pages' script).
    pub fn post_json(
        &mut self,
        path: &str,
        body: &serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self.prepare(self.agent.post(&format!("{}{path}", self.base)));
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let res = req.send_json(body.clone());
        self.finish(res)
    }

    pub fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let csrf = self.get("/logga-in").csrf();
        self.post(
            "/logga-in",
            &[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ],
        )
    }
}

#[test]
fn pages_carry_security_headers_lang_and_a_skip_link() {
    let app = TestApp::start();
    let mut c = Client::new(&app);
    let p = c.get("/logga-in");
    assert_eq!(p.status, 200);
    let csp = p.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(p.header("x-content-type-options"), Some("nosniff"));
    assert!(p.header("referrer-policy").is_some());
    assert!(p.body.contains("<html lang=\"sv\">"));
    assert!(p.body.contains("href=\"#main\""));
    assert!(!p.body.contains("<script>"), "no inline script");
    let css = c.get("/static/style.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.body.contains(":focus-visible"));
}

#[test]
fn pages_need_a_session_and_send_you_back_after_signing_in() {
    let app = TestApp::start();
    app.user_with_password(
        "anna@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    let p = c.get("/fragor/ny");
    assert_eq!(p.status, 303);
    assert_eq!(p.location.as_deref(), Some("/logga-in?next=%2Ffragor%2Fny"));
    let form = c.get("/logga-in?next=%2Ffragor%2Fny");
    let session = form.set_cookie.join(" ");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"), "plain http base URL");
    let csrf = form.csrf();
    let done = c.post(
        "/logga-in",
        &[
            ("csrf", &csrf),
            ("email", "Anna@Test.se"),
            ("password", PASSWORD),
            ("next", "/fragor/ny"),
        ],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/fragor/ny"));
    // A new session (and CSRF token) at sign-in.
    let after = c.get("/fragor/ny");
    assert_eq!(after.status, 200);
    assert_ne!(after.csrf(), csrf);
    assert!(after.body.contains("Ställ en fråga"));
    // Signing out ends it.
    let out = c.post("/logga-ut", &[("csrf", &after.csrf())]);
    assert_eq!(out.status, 303);
    assert_eq!(c.get("/").status, 303);
}

#[test]
fn a_wrong_password_is_an_error_on_its_field_and_repeated_failures_are_slowed_down() {
    let app = TestApp::start();
    app.user_with_password(
        "bo@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    let p = c.sign_in("bo@test.se", "fel");
    assert_eq!(p.status, 401);
    assert!(p.body.contains("aria-describedby=\"password-error\""));
    assert!(p.body.contains("id=\"password-error\""));
    // An unknown e-mail reads exactly like a wrong password.
    let unknown = c.sign_in("ingen@test.se", "fel");
    assert_eq!(unknown.status, 401);
    assert!(unknown.body.contains("Fel e-postadress eller lösenord"));
    // Empty fields are named before anything is checked.
    let csrf = c.get("/logga-in").csrf();
    let empty = c.post(
        "/logga-in",
        &[("csrf", &csrf), ("email", ""), ("password", "")],
    );
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("id=\"email-error\""));
    c.sign_in("bo@test.se", "fel");
    c.sign_in("bo@test.se", "fel");
    let slowed = c.sign_in("bo@test.se", PASSWORD);
    assert_eq!(slowed.status, 429, "{}", slowed.body);
    assert!(slowed.header("retry-after").is_some());
    // Another user from the same client is not held up by bo's failures.
    app.user_with_password(
        "cia@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    assert_eq!(c.sign_in("cia@test.se", PASSWORD).status, 303);
}

#[test]
fn every_form_post_without_the_right_csrf_token_is_refused() {
    let app = TestApp::start();
    app.user_with_password(
        "dan@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    assert_eq!(c.sign_in("dan@test.se", PASSWORD).status, 303);
    let form = [
        ("title", "Fråga om uppehållstillstånd"),
        ("body", "Hur bedömer vi detta?"),
        ("process", "asyl_forstagang"),
        ("step", "submit"),
    ];
    let none = c.post("/fragor/ny", &form);
    assert_eq!(none.status, 403);
    assert!(none.body.contains("säkerhetskod"));
    let mut wrong = form.to_vec();
    wrong.push(("csrf", "0000"));
    assert_eq!(c.post("/fragor/ny", &wrong).status, 403);
    // Signing in without the token is refused too.
    let mut other = Client::new(&app);
    let p = other.post(
        "/logga-in",
        &[("email", "dan@test.se"), ("password", PASSWORD)],
    );
    assert_eq!(p.status, 403);
    let csrf = c.get("/fragor/ny").csrf();
    let mut right = form.to_vec();
    right.push(("csrf", &csrf));
    let ok = c.post("/fragor/ny", &right);
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(ok.location.unwrap().starts_with("/fragor/"));
}

#[test]
fn field_errors_are_tied_to_their_fields_and_values_are_kept() {
    let app = TestApp::start();
    app.user_with_password(
        "eva@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("eva@test.se", PASSWORD);
    let csrf = c.get("/fragor/ny").csrf();
    let p = c.post(
        "/fragor/ny",
        &[
            ("csrf", &csrf),
            ("title", ""),
            ("body", "Ring mig på 070-123 45 67 om detta."),
            ("process", "asyl_forstagang"),
            ("countries", "XX1"),
            ("step", "submit"),
        ],
    );
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"title-error\""));
    assert!(p.body.contains("aria-describedby=\"title-error\""));
    assert!(p.body.contains("id=\"body-error\""));
    assert!(p.body.contains("id=\"countries-error\""));
    assert!(p.body.contains("Måste fyllas i"));
    // What was typed stays in the form.
    assert!(p
        .body
        .contains("<option value=\"asyl_forstagang\" selected>"));
}

#[test]
fn titles_are_escaped_everywhere_and_unknown_pages_are_html_404s() {
    let app = TestApp::start();
    let token = app.user("fia@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user_with_password(
        "gus@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let q = app.post(
        "/api/v1/questions",
        &token,
        json!({"title": "<script>alert(1)</script> i rubriken", "body": "Text", "process": "asyl_forstagang"}),
    );
    let id = q.status(201)["id"].as_i64().unwrap();
    let mut c = Client::new(&app);
    c.sign_in("gus@test.se", PASSWORD);
    let p = c.get(&format!("/fragor/{id}"));
    assert_eq!(p.status, 200);
    assert!(
        p.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<script>alert"));
    // The links in mail lead to the page.
    let from_mail = c.get(&format!("/questions/{id}"));
    assert_eq!(from_mail.status, 301);
    assert_eq!(from_mail.location, Some(format!("/fragor/{id}")));
    let missing = c.get("/fragor/999999");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<html lang=\"sv\">"));
    let nowhere = c.get("/ingenstans");
    assert_eq!(nowhere.status, 404);
    assert!(nowhere
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let api = app.get("/api/v1/ingenstans", &token);
    assert_eq!(api.content_type, "application/problem+json");
    // Reports pages are the legal department's.
    assert_eq!(c.get("/oversikt").status, 403);
}

#[test]
fn the_session_cookie_also_reads_the_api_but_never_writes_through_it() {
    let app = TestApp::start();
    app.user_with_password(
        "hugo@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("hugo@test.se", PASSWORD);
    let similar = c.get("/api/v1/questions/similar?title=uppeh%C3%A5llstillst%C3%A5nd&body=x");
    assert_eq!(similar.status, 200, "{}", similar.body);
    let write = c.post("/api/v1/questions", &[("title", "x")]);
    assert_eq!(write.status, 401);
}

#[test]
fn the_legal_department_sees_the_backlog_reviews_and_reports_with_downloads() {
    let app = TestApp::start();
    let asker = app.user("ida@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user_with_password("jan@test.se", "u-lulea-asyl", &[], Role::Legal, PASSWORD);
    app.user_with_password(
        "kim@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    app.ask(
        &asker,
        "Vilket beviskrav gäller för identitet?",
        "asyl_forstagang",
    );
    let mut legal = Client::new(&app);
    legal.sign_in("jan@test.se", PASSWORD);
    let o = legal.get("/oversikt");
    assert_eq!(o.status, 200, "{}", o.body);
    assert!(
        o.body.contains("href=\"/ko?forum=u-lulea-asyl\""),
        "drill-down to the forum"
    );
    let queue = legal.get("/ko?forum=u-lulea-asyl");
    assert!(queue
        .body
        .contains("Vilket beviskrav gäller för identitet?"));
    assert!(
        queue.body.contains("/claim\""),
        "the legal department may claim anywhere"
    );
    let r = legal.get("/rapporter");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.matches("<svg class=\"chart\"").count(), 2);
    assert!(r.body.contains("<title id=\"times-title\">"));
    let csv = legal.get("/rapporter/sla?format=csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let xlsx = legal.get("/rapporter/backlog?format=xlsx");
    assert_eq!(xlsx.status, 200);
    assert_eq!(legal.get("/rapporter/sla?format=pdf").status, 422);
    let bad = legal.get("/rapporter?from=igår");
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("YYYY-MM-DD"));
    let mut caseworker = Client::new(&app);
    caseworker.sign_in("kim@test.se", PASSWORD);
    let other = caseworker.get("/ko?forum=u-lulea-asyl");
    assert!(other
        .body
        .contains("Vilket beviskrav gäller för identitet?"));
    assert!(
        !other.body.contains("/claim\""),
        "no claim button outside one's forums"
    );
    assert_eq!(caseworker.get("/oversikt").status, 403);
    assert_eq!(caseworker.get("/rapporter").status, 403);
    assert_eq!(caseworker.get("/rapporter/sla?format=csv").status, 403);
}

#[test]
fn settings_keep_the_mail_preference_and_admins_manage_memberships() {
    let app = TestApp::start();
    app.user_with_password(
        "lo@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    app.user_with_password("max@test.se", "u-lulea-asyl", &[], Role::Admin, PASSWORD);
    let mut c = Client::new(&app);
    c.sign_in("lo@test.se", PASSWORD);
    let page = c.get("/installningar");
    assert!(page
        .body
        .contains("id=\"mail-immediate\" name=\"mail\" value=\"immediate\" checked"));
    let saved = c.post(
        "/installningar",
        &[("csrf", &page.csrf()), ("mail", "digest")],
    );
    assert_eq!(saved.status, 200);
    assert!(saved.body.contains("value=\"digest\" checked"));
    let wrong = c.post(
        "/installningar",
        &[("csrf", &page.csrf()), ("mail", "ofta")],
    );
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"mail-error\""));
    let refused = c.get("/admin/anvandare");
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Bara administratörer"));
    assert_eq!(c.get("/admin/mail").status, 403);

    let mut admin = Client::new(&app);
    admin.sign_in("max@test.se", PASSWORD);
    let users = admin.get("/admin/anvandare");
    assert_eq!(users.status, 200);
    assert!(users.body.contains("lo@test.se"));
    let added = admin.post(
        "/admin/anvandare",
        &[
            ("csrf", &users.csrf()),
            ("email", "lo@test.se"),
            ("forum", "rg-nord-lulea"),
            ("op", "add"),
        ],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let lo = app.svc.actor_by_email("lo@test.se").unwrap();
    assert!(lo.memberships.contains("rg-nord-lulea"));
    // The form leads to the person's page, which says what happened.
    let person = format!("/admin/anvandare/{}", lo.id);
    assert_eq!(added.location.as_deref(), Some(person.as_str()));
    assert!(admin.get(&person).body.contains("Medlemskapet är tillagt"));
    let again = admin.post(
        "/admin/anvandare",
        &[
            ("csrf", &users.csrf()),
            ("email", "lo@test.se"),
            ("forum", "rg-nord-lulea"),
            ("op", "add"),
        ],
    );
    assert_eq!(again.status, 303);
    assert!(
        admin.get(&person).body.contains("Inget ändrades"),
        "adding a membership the person has says so"
    );
    let not_member = admin.post(
        "/admin/anvandare",
        &[
            ("csrf", &users.csrf()),
            ("email", "lo@test.se"),
            ("forum", "pf-asyl"),
            ("op", "remove"),
        ],
    );
    assert_eq!(not_member.status, 422);
    assert!(
        not_member.body.contains("är inte medlem i"),
        "{}",
        not_member.body
    );
    let mail = admin.get("/admin/mail");
    assert_eq!(mail.status, 200);
    assert!(mail.body.contains("Inga meddelanden har misslyckats"));
    assert_eq!(
        admin
            .post("/admin/mail/999/retry", &[("csrf", &users.csrf())])
            .status,
        404
    );
}

pub fn audit_count(app: &TestApp, kind: &str) -> i64 {
    use diesel::prelude::*;
    use eskalera::store::schema::events;
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut c = pool.get().unwrap();
    events::table
        .filter(events::kind.eq(kind))
        .count()
        .get_result(&mut **c)
        .unwrap()
}

/// Who acted in each audit event of this kind, oldest first.
pub fn audit_actors(app: &TestApp, kind: &str) -> Vec<Option<i64>> {
    use diesel::prelude::*;
    use eskalera::store::schema::events;
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut c = pool.get().unwrap();
    events::table
        .filter(events::kind.eq(kind))
        .order(events::id)
        .select(events::actor_id)
        .load(&mut **c)
        .unwrap()
}

/// The actor and data of each audit event of this kind, oldest first.
pub fn audit_trail(app: &TestApp, kind: &str) -> Vec<(Option<i64>, Option<String>)> {
    use diesel::prelude::*;
    use eskalera::store::schema::events;
    let pool = eskalera::store::connect(&app.db.url).unwrap();
    let mut c = pool.get().unwrap();
    events::table
        .filter(events::kind.eq(kind))
        .order(events::id)
        .select((events::actor_id, events::data))
        .load(&mut **c)
        .unwrap()
}

#[test]
fn sign_ins_and_failed_sign_ins_are_audited() {
    let app = TestApp::start();
    app.user_with_password(
        "nea@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let mut c = Client::new(&app);
    c.sign_in("nea@test.se", "fel");
    c.sign_in("nea@test.se", PASSWORD);
    assert_eq!(audit_count(&app, "sign_in_failed"), 1);
    assert_eq!(audit_count(&app, "signed_in"), 1);
}

/// The question id a page URL points at.
fn id_of(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// The version field of the question page's forms (none when only following is left).
pub fn version_of(page: &Page) -> String {
    let Some(at) = page.body.find("name=\"version\" value=\"") else {
        return String::new();
    };
    let rest = &page.body[at + 23..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[test]
fn every_step_of_the_lifecycle_works_from_the_question_page() {
    let app = TestApp::start();
    app.user_with_password(
        "olle@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    app.user_with_password(
        "pia@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    app.user_with_password(
        "rut@test.se",
        "u-umea-asyl",
        &["rg-nord-lulea"],
        Role::Caseworker,
        PASSWORD,
    );
    let mut asker = Client::new(&app);
    asker.sign_in("olle@test.se", PASSWORD);
    let csrf = asker.get("/fragor/ny").csrf();
    let ask = |c: &mut Client, title: &str| {
        let p = c.post(
            "/fragor/ny",
            &[
                ("csrf", &csrf),
                ("title", title),
                ("body", "Hur ska vi bedöma detta?"),
                ("process", "asyl_forstagang"),
                ("tags", "identitet, pass"),
                ("countries", "sy"),
                ("step", "submit"),
            ],
        );
        assert_eq!(p.status, 303, "{}", p.body);
        id_of(&p.location.unwrap())
    };
    let id = ask(&mut asker, "Identitet utan pass");
    let other = ask(&mut asker, "Identitet utan pass, igen");
    let page = asker.get(&format!("/fragor/{id}"));
    assert!(
        page.body.contains("Återkalla frågan"),
        "the asker may withdraw"
    );
    assert!(!page.body.contains("/claim\""), "the asker may not claim");

    let mut member = Client::new(&app);
    member.sign_in("pia@test.se", PASSWORD);
    let step = |c: &mut Client, q: i64, action: &str, fields: &[(&str, &str)]| {
        let page = c.get(&format!("/fragor/{q}"));
        let (csrf, version) = (page.csrf(), version_of(&page));
        let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
        form.extend_from_slice(fields);
        c.post(&format!("/fragor/{q}/{action}"), &form)
    };
    // A step on a version someone else moved on is a 409 page, not an action.
    let stale = asker.get(&format!("/fragor/{id}"));
    assert_eq!(step(&mut member, id, "claim", &[]).status, 303);
    let late = member.post(
        &format!("/fragor/{id}/assign"),
        &[
            ("csrf", &stale.csrf()),
            ("version", &version_of(&stale)),
            ("assignee", "pia@test.se"),
        ],
    );
    assert_eq!(late.status, 403, "another session's token is refused first");
    let mine = member.get(&format!("/fragor/{id}"));
    let late = member.post(
        &format!("/fragor/{id}/assign"),
        &[
            ("csrf", &mine.csrf()),
            ("version", "1"),
            ("assignee", "pia@test.se"),
        ],
    );
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("Någon annan har ändrat frågan"));
    assert!(late.body.contains("Ladda om sidan"));

    assert_eq!(
        step(
            &mut member,
            id,
            "request-info",
            &[("note", "Vilket land gäller det?")]
        )
        .status,
        303
    );
    assert_eq!(
        step(&mut asker, id, "provide-info", &[("note", "Syrien.")]).status,
        303
    );
    let page = member.get(&format!("/fragor/{id}"));
    assert!(page.body.contains("Komplettering begärdes") && page.body.contains("Syrien."));
    // Escalating without a note names the note field.
    let e = step(&mut member, id, "escalate", &[]);
    assert_eq!(e.status, 422);
    assert!(e.body.contains("id=\"escalate-note-error\""));
    assert!(e
        .body
        .contains("<a href=\"#escalate-note\">Kommentar: Måste fyllas i.</a>"));
    assert!(e.body.contains("aria-describedby=\"escalate-note-error\""));
    assert!(e
        .body
        .contains("<details class=\"action\" id=\"action-escalate\" open>"));
    assert_eq!(
        step(
            &mut member,
            id,
            "escalate",
            &[("note", "Behöver regional bedömning.")]
        )
        .status,
        303
    );
    let page = asker.get(&format!("/fragor/{id}"));
    assert!(page.body.contains("Frågan lyftes"));
    assert!(
        page.body.contains("lyftes vidare"),
        "the unit's stage ended escalated"
    );

    let mut region = Client::new(&app);
    region.sign_in("rut@test.se", PASSWORD);
    let a = step(
        &mut region,
        id,
        "answer",
        &[
            ("body", "Identiteten kan göras sannolik på annat sätt."),
            ("binding_status", "guidance"),
            ("references", "MIG 2018:4"),
        ],
    );
    assert_eq!(a.status, 303, "{}", a.body);
    assert_eq!(step(&mut asker, id, "close", &[]).status, 303);
    assert_eq!(
        step(&mut asker, id, "reopen", &[("note", "Nya omständigheter.")]).status,
        303
    );
    // The answering forum withdraws its answer; a missing reason is named on the answer's form.
    let page = region.get(&format!("/fragor/{id}"));
    let at = page.body.find("action=\"/svar/").unwrap();
    let answer: i64 = page.body[at + 14..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let bs = |c: &mut Client, note: &str| {
        let csrf = c.get(&format!("/fragor/{id}")).csrf();
        c.post(
            &format!("/svar/{answer}/status"),
            &[
                ("csrf", &csrf),
                ("question", &id.to_string()),
                ("binding_status", "withdrawn"),
                ("note", note),
            ],
        )
    };
    let missing = bs(&mut region, "");
    assert_eq!(missing.status, 422);
    assert!(missing
        .body
        .contains(&format!("id=\"binding-{answer}-note-error\"")));
    assert_eq!(
        bs(&mut region, "Ersätts av nytt ställningstagande.").status,
        303
    );
    let page = asker.get(&format!("/fragor/{id}"));
    assert!(page.body.contains("badge-withdrawn"));
    assert!(page.body.contains("Ett svar fick ny status"));

    // Duplicate, withdraw and follow.
    assert_eq!(
        step(&mut member, other, "duplicate", &[("of", "x")]).status,
        422
    );
    assert_eq!(
        step(&mut member, other, "duplicate", &[("of", &id.to_string())]).status,
        303
    );
    let third = ask(&mut asker, "En tredje fråga om identitet");
    assert_eq!(step(&mut asker, third, "withdraw", &[]).status, 303);
    assert!(asker
        .get(&format!("/fragor/{third}"))
        .body
        .contains("Återkallad"));
    assert_eq!(step(&mut member, third, "follow", &[]).status, 303);
    assert!(member
        .get(&format!("/fragor/{third}"))
        .body
        .contains("Sluta följa frågan"));
    assert_eq!(
        member
            .post(&format!("/fragor/{third}/fly"), &[("csrf", &csrf)])
            .status,
        403,
        "another session's token"
    );
}

#[test]
fn the_queue_puts_overdue_first_then_urgent_and_says_the_sla_state_in_words() {
    use eskalera::service::questions::NewQuestionInput;
    let app = TestApp::start();
    app.user_with_password(
        "stina@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    app.user("tor@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let tor = app.svc.actor_by_email("tor@test.se").unwrap();
    let submit = |days_ago: i64, title: &str, urgent: bool| {
        let svc = app
            .svc
            .with_clock(app.svc.clock().shifted(chrono::Duration::days(-days_ago)));
        svc.submit(
            &tor,
            &NewQuestionInput {
                title: Some(title.into()),
                body: Some("Hur ska vi bedöma detta?".into()),
                process: Some("asyl_forstagang".into()),
                priority: Some(if urgent { "urgent" } else { "normal" }.into()),
                urgent_reason: urgent.then(|| "Tidsfrist i ärendet".to_string()),
                ..Default::default()
            },
        )
        .unwrap();
    };
    submit(0, "Ny och normal", false);
    submit(0, "Ny och brådskande", true);
    submit(30, "Gammal och försenad", false);
    let mut c = Client::new(&app);
    c.sign_in("stina@test.se", PASSWORD);
    let q = c.get("/ko");
    assert_eq!(q.status, 200);
    let at = |t: &str| q.body.find(t).unwrap_or_else(|| panic!("{t} missing"));
    assert!(at("Gammal och försenad") < at("Ny och brådskande"));
    assert!(at("Ny och brådskande") < at("Ny och normal"));
    assert!(q.body.contains("Försenad</span>"), "the state in words");
    assert!(q.body.contains("1 försenade"));
}

#[test]
fn search_pages_through_the_hits_and_facet_links_keep_the_query() {
    let app = TestApp::start();
    let token = app.user("ulf@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user_with_password(
        "vera@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    for i in 0..25 {
        let process = if i % 5 == 0 {
            "medborgarskap"
        } else {
            "asyl_forstagang"
        };
        app.ask(&token, &format!("Språkanalys i ärende nummer {i}"), process);
    }
    let mut c = Client::new(&app);
    c.sign_in("vera@test.se", PASSWORD);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let first = loop {
        let p = c.get("/sok?q=spr%C3%A5kanalys");
        if p.body.contains("25 träffar") {
            break p;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the index never caught up"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(first.body.contains("Sida 1 av 2"));
    assert_eq!(first.body.matches("class=\"hit\"").count(), 20);
    assert!(first.body.contains("rel=\"next\""));
    let second = c.get("/sok?q=spr%C3%A5kanalys&page=2");
    assert!(second.body.contains("Sida 2 av 2"));
    assert_eq!(second.body.matches("class=\"hit\"").count(), 5);
    assert!(second.body.contains("rel=\"prev\""));
    // The process facet narrows the same query; its link names both.
    assert!(first.body.contains("process=medborgarskap"));
    let narrowed = c.get("/sok?q=spr%C3%A5kanalys&process=medborgarskap");
    assert!(narrowed.body.contains("5 träffar"), "{}", narrowed.body);
    assert!(narrowed.body.contains("aria-current=\"true\""));
    assert!(narrowed.body.contains("Ta bort filtret process"));
}

#[test]
fn a_ps_number_names_a_question_in_the_duplicate_field_and_in_search() {
    let app = TestApp::start();
    let asker = app.user("fraga@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    app.user_with_password(
        "medlem@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    let original = app.ask(&asker, "Dopintyg och konvertering", "asyl_forstagang");
    let again = app.ask(&asker, "Dopintyg igen", "asyl_forstagang");
    let reference = app
        .get(&format!("/api/v1/questions/{original}"), &asker)
        .ok()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    let mut c = Client::new(&app);
    c.sign_in("medlem@test.se", PASSWORD);

    // Search: a reference goes straight to its question, typed as people type it.
    let short = reference.to_lowercase().replace("-000", "-");
    let r = c.get(&format!("/sok?q={short}"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("/fragor/{reference}").as_str())
    );

    // The duplicate field: a word that is no question is said in Swedish on its field…
    let page = c.get(&format!("/fragor/{again}"));
    let (csrf, version) = (page.csrf(), version_of(&page));
    let wrong = c.post(
        &format!("/fragor/{again}/duplicate"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("of", "förra veckans"),
        ],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("är inget frågenummer"),
        "{}",
        wrong.body
    );
    // …and the reference names the question.
    let page = c.get(&format!("/fragor/{again}"));
    let (csrf, version) = (page.csrf(), version_of(&page));
    let r = c.post(
        &format!("/fragor/{again}/duplicate"),
        &[("csrf", &csrf), ("version", &version), ("of", &short)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let q = app
        .get(&format!("/api/v1/questions/{again}"), &asker)
        .ok()
        .clone();
    assert_eq!(q["status"], "duplicate");
    assert_eq!(q["duplicate_of"], original);
    // The duplicate's page sends its reader to the original and its answer.
    let member = app.token("medlem@test.se");
    app.post(
        &format!("/api/v1/questions/{original}/answers"),
        &member,
        json!({"body": "Så här bedömer vi dopintyg.", "binding_status": "guidance"}),
    )
    .status(201);
    let page = c.get(&format!("/fragor/{again}")).body;
    assert!(page.contains("Frågan är en dubblett av"), "{page}");
    assert!(
        page.contains(&reference) && page.contains("Läs svaret där"),
        "{page}"
    );
    assert!(!page.contains("Frågan har inte besvarats ännu"), "{page}");
}
