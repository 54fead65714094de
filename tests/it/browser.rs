//! The pages in a real browser: headless Chromium driven over WebDriver (chromedriver) by a
//! small client on ureq. Without Chromium the tests say so and pass, unless
//! ESKALERA_REQUIRE_BROWSER=1 (CI), where a missing browser fails them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eskalera::service::Role;
use serde_json::{json, Value};

use crate::common::{free_port, TestApp};
use crate::web::PASSWORD;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT: &str = "element-6066-11e4-a6e4-4d7c-8c00-4b9d09e56f5b";

/// Where screenshots go: a folder under target/ that survives the test, for a person to look at.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// axe-core from the npm registry (`npm install axe-core`, done by .ci/run): the accessibility
/// engine the tests inject into each page. ESKALERA_AXE_JS names the file elsewhere.
fn axe_source() -> Option<String> {
    let path = std::env::var("ESKALERA_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) if std::env::var("ESKALERA_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("ESKALERA_REQUIRE_BROWSER=1 but axe-core is missing at {} (npm install --prefix {} axe-core)", path.display(), Path::new(env!("CARGO_TARGET_TMPDIR")).join("axe").display())
        }
        Err(_) => {
            eprintln!(
                "axe-core checks skipped: {} is missing (npm install --prefix {} axe-core)",
                path.display(),
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("axe").display()
            );
            None
        }
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        if std::env::var("ESKALERA_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("ESKALERA_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)");
        }
        eprintln!("browser test skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)");
    }
    present
}

/// One chromedriver with one Chromium session; both end when this is dropped.
struct Browser {
    axe: Option<String>,
    driver: Child,
    url: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = agent
                .get(&format!("{url}/status"))
                .call()
                .ok()
                .and_then(|r| r.into_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,800",
            "--lang=sv-SE",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let res: Value = agent
            .post(&format!("{url}/session"))
            .send_json(caps)
            .unwrap_or_else(|e| panic!("new WebDriver session: {e}"))
            .into_json()
            .unwrap();
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {res}"))
            .to_string();
        Browser {
            axe: axe_source(),
            driver,
            url,
            session,
            agent,
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.url, self.session);
        let req = self.agent.request(method, &url);
        let res = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = res.status();
        let text = res.into_string().unwrap_or_default();
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: {status} {e}: {text}"));
        if v["value"]["error"].is_string() {
            panic!("{method} {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn current_url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap().to_string()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .unwrap_or_else(|| panic!("find '{css}': not a list"))
        .iter()
        .map(|e| {
            // The W3C element key; older drivers use another, so take the one value there is.
            e.get(ELEMENT)
                .or_else(|| e.as_object().and_then(|o| o.values().next()))
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("find '{css}': no element id in {e}"))
                .to_string()
        })
        .collect()
    }

    /// The first element matching `css`, waiting a little for it (the page may be loading).
    fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = self.find_all(css).into_iter().next() {
                return e;
            }
            assert!(
                Instant::now() < deadline,
                "no element '{css}' on {}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})));
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// The rendered text of the first element matching `css`, read in the page so that a
    /// navigation in between cannot leave a stale element behind.
    fn text(&self, css: &str) -> String {
        self.find(css);
        self.run_with(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            json!([css]),
        )
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.find(css);
        self.run_with(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
            json!([css, name]),
        )
        .as_str()
        .map(String::from)
    }

    fn run_with(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    fn run(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn run_async(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
    }

    fn press_tab(&self) {
        self.cmd(
            "POST",
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                    {"type": "keyDown", "value": "\u{E004}"}, {"type": "keyUp", "value": "\u{E004}"}
                ]}]}),
            ),
        );
    }

    /// What has keyboard focus: its class, id, where it is and how its outline is drawn.
    fn focused(&self) -> Value {
        self.run(
            r#"const a = document.activeElement; const r = a.getBoundingClientRect();
            const cs = getComputedStyle(a);
            return {class: a.className, id: a.id, top: r.top, outline: cs.outlineStyle, width: cs.outlineWidth};"#,
        )
    }

    fn page_text(&self) -> String {
        self.text("body")
    }

    fn resize(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// A screenshot of the page at the current size, to `dir/name.png`.
    fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().unwrap());
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Screenshots at desktop (1280×800) and phone (390×844) sizes; the page must not scroll
    /// sideways at either.
    fn screenshots(&self, name: &str) {
        for (w, h, tag) in [(1280, 800, "desktop"), (390, 844, "mobile")] {
            self.resize(w, h);
            self.screenshot(&format!("{name}-{tag}"));
            // What sticks out past the right edge (scrolling tables scroll inside their box).
            let wide = self.run(
                r#"const w = document.documentElement.clientWidth;
                if (document.documentElement.scrollWidth <= w + 1) return [];
                return [...document.querySelectorAll("body *")]
                  .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest(".table-scroll"))
                  .slice(0, 5).map(e => e.tagName + "." + e.className + ": " + (e.innerText || "").slice(0, 40));"#,
            );
            assert_eq!(wide, json!([]), "{name} scrolls sideways at {w}×{h}");
        }
        // And the whole page at desktop width, for a person to read through.
        self.resize(1280, 800);
        let height = self
            .run("return document.documentElement.scrollHeight;")
            .as_u64()
            .unwrap_or(800)
            .clamp(800, 4000) as u32;
        self.resize(1280, height + 140);
        self.screenshot(&format!("{name}-full"));
        self.resize(1280, 800);
    }

    /// Checks the page in the DOM: one `lang="sv"`, no image without alt text, no form field
    /// without a label, and every aria-describedby pointing at an element that exists.
    fn check_accessibility(&self, page: &str) {
        let problems = self.run(
            r#"
            const out = [];
            if (document.documentElement.lang !== "sv") out.push("html lang is not sv");
            for (const img of document.querySelectorAll("img")) {
              if (!img.hasAttribute("alt")) out.push("img without alt: " + img.outerHTML);
            }
            for (const el of document.querySelectorAll("input, select, textarea")) {
              const t = (el.getAttribute("type") || "").toLowerCase();
              if (["hidden", "submit", "button", "reset", "image"].includes(t)) continue;
              const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
              if (!named) out.push("field without label: " + el.outerHTML);
            }
            for (const el of document.querySelectorAll("[aria-describedby]")) {
              for (const id of el.getAttribute("aria-describedby").split(/\s+/)) {
                if (id && !document.getElementById(id)) out.push("aria-describedby to missing " + id);
              }
            }
            if (!document.querySelector("a.skip-link[href='#main']")) out.push("no skip link");
            if (!document.querySelector("main#main")) out.push("no main landmark");
            if (!document.querySelector("h1")) out.push("no h1");
            return out;
            "#,
        );
        assert_eq!(problems, json!([]), "accessibility problems on {page}");
        self.check_axe(page);
    }

    /// axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now: no violation allowed.
    fn check_axe(&self, page: &str) {
        let Some(axe) = &self.axe else {
            return;
        };
        let loaded = self.run(&format!(
            "{axe}\n;return (typeof axe !== 'undefined' || typeof window.axe !== 'undefined') ? 'ok' : 'missing';"
        ));
        assert_eq!(loaded, json!("ok"), "axe-core did not load on {page}");
        let result = self.run_async(
            r#"const done = arguments[arguments.length - 1];
            (window.axe || axe).run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
              .then(r => done({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id,
                  impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))}))
              .catch(e => done({passes: 0, violations: [{id: 'axe-error', help: String(e)}]}));"#,
        );
        assert_eq!(
            result["violations"],
            json!([]),
            "axe-core found WCAG 2.1 AA violations on {page}"
        );
        // Rules that passed: proof that axe looked at the page at all.
        assert!(result["passes"].as_u64().unwrap_or(0) > 5, "{result}");
    }

    fn sign_in(&self, base: &str, email: &str) {
        self.goto(&format!("{base}/logga-in"));
        self.type_into("#email", email);
        self.type_into("#password", PASSWORD);
        self.click("form[action='/logga-in'] button[type=submit]");
        self.wait_for_url(|u| !u.contains("/logga-in"));
    }

    fn sign_out(&self) {
        self.click("form.signout button");
        self.wait_for_url(|u| u.contains("/logga-in"));
    }

    /// Waits until the element matching `css` shows `needle` (after a form was sent).
    fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.text(css).contains(needle) {
            assert!(
                Instant::now() < deadline,
                "'{css}' never showed '{needle}' on {}",
                self.current_url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let u = self.current_url();
            if ok(&u) {
                return u;
            }
            assert!(Instant::now() < deadline, "still at {u}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .agent
            .delete(&format!("{}/session/{}", self.url, self.session))
            .call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn an_asker_and_a_forum_member_take_a_question_from_asking_to_a_binding_badge() {
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    app.user_with_password(
        "anna.asker@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    app.user_with_password(
        "erik.enhet@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    app.user_with_password(
        "lars.legal@test.se",
        "u-lulea-asyl",
        &[],
        Role::Legal,
        PASSWORD,
    );
    for (email, forum) in [
        ("rut.region@test.se", "rg-nord-lulea"),
        ("nils.nationell@test.se", "ng-asyl-forstagang"),
        ("nora.natverk@test.se", "nn-landinfo"),
    ] {
        app.user_with_password(email, "u-umea-asyl", &[forum], Role::Caseworker, PASSWORD);
    }
    app.user_with_password(
        "maja.admin@test.se",
        "u-lulea-asyl",
        &[],
        Role::Admin,
        PASSWORD,
    );
    // An answered question already in the index, so that "similar questions" finds something.
    let token = app.token("erik.enhet@test.se");
    app.ask(
        &token,
        "Konvertiter från Iran och trovärdighetsbedömningen",
        "asyl_forstagang",
    );
    let b = Browser::start();
    let base = &app.base;

    // Signing in.
    b.goto(&format!("{base}/"));
    b.wait_for_url(|u| u.contains("/logga-in"));
    b.check_accessibility("sign-in");
    b.screenshots("signin");
    // The keyboard: the first Tab shows the skip link, and focus is visible on what it reaches.
    b.press_tab();
    let focus = b.focused();
    assert_eq!(focus["class"], json!("skip-link"), "{focus}");
    assert!(
        focus["top"].as_f64().unwrap_or(-1.0) >= 0.0,
        "the skip link shows: {focus}"
    );
    assert_ne!(focus["outline"], json!("none"), "{focus}");
    b.screenshot("signin-focus-skip-link");
    b.press_tab();
    b.press_tab();
    let focus = b.focused();
    assert_eq!(focus["id"], json!("email"), "{focus}");
    assert_ne!(focus["outline"], json!("none"), "{focus}");
    b.sign_in(base, "anna.asker@test.se");
    assert!(b.page_text().contains("Mina frågor"));
    b.check_accessibility("start (empty)");

    // Asking: first the preview with similar questions, then a form error, then sending it.
    b.goto(&format!("{base}/fragor/ny"));
    b.type_into("#title", "Konvertit från Iran: hur bedöms trovärdigheten?");
    b.type_into(
        "#body",
        "Sökanden har konverterat till kristendomen i Sverige. Hur ska trovärdigheten bedömas när dopet skedde efter avslaget?",
    );
    b.click("#process option[value='asyl_forstagang']");
    b.type_into("#tags", "konvertit, trovärdighet");
    b.type_into("#countries", "ir");
    // The script (progressive enhancement) shows similar questions while typing...
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut poked = Instant::now();
    while !b.text("#similar-results").contains("Konvertiter från Iran") {
        assert!(
            Instant::now() < deadline,
            "the script showed no similar question: {}",
            b.text("#similar-results")
        );
        // The script waits for a pause in typing; poke it now and then until the index is there.
        std::thread::sleep(Duration::from_millis(250));
        if poked.elapsed() > Duration::from_secs(2) {
            b.run("document.getElementById('title').dispatchEvent(new Event('input'));");
            poked = Instant::now();
        }
    }
    // ...and without it the preview step renders them on the server (with their status).
    b.click("button[value='preview']");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.text("#similar-results").contains("Öppen") {
        assert!(
            Instant::now() < deadline,
            "no similar question shown: {}",
            b.text("#similar-results")
        );
        std::thread::sleep(Duration::from_millis(300));
        b.click("button[value='preview']");
    }
    b.check_accessibility("ask (preview)");
    b.screenshots("ask-similar");
    // An urgent question needs a reason: the error is tied to its field.
    b.click("#priority-urgent");
    b.click("button[value='submit']");
    b.find("#urgent_reason-error");
    let described = b
        .attr("#urgent_reason", "aria-describedby")
        .unwrap_or_default();
    assert!(described.contains("urgent_reason-error"), "{described}");
    assert_eq!(
        b.attr("#urgent_reason", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(!b.text("#urgent_reason-error").is_empty());
    assert_eq!(
        b.run("return document.getElementById('title').value;"),
        json!("Konvertit från Iran: hur bedöms trovärdigheten?"),
        "the typed title is kept"
    );
    b.check_accessibility("ask (error)");
    b.screenshots("ask-error");
    b.click("#priority-normal");
    b.click("button[value='submit']");
    let url = b.wait_for_url(|u| u.contains("/fragor/") && !u.ends_with("/ny"));
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    b.wait_for_text("dl.facts", "Öppen");
    b.check_accessibility("question (asker)");

    // A CSRF-less POST from the page is refused.
    let status = b.run_async(
        r#"const done = arguments[arguments.length - 1];
        fetch('/fragor/ny', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
          body: 'title=x&body=y&process=asyl_forstagang&step=submit'}).then(r => done(r.status));"#,
    );
    assert_eq!(status, json!(403));
    b.sign_out();

    // The unit's member sees it in the queue, claims it, and answers with a binding status.
    b.sign_in(base, "erik.enhet@test.se");
    b.goto(&format!("{base}/ko"));
    assert!(b
        .page_text()
        .contains("Konvertit från Iran: hur bedöms trovärdigheten?"));
    b.check_accessibility("queue");
    b.screenshots("queue");
    b.click(&format!("form[action='/fragor/{id}/claim'] button"));
    b.wait_for_url(|u| u.ends_with(&format!("/fragor/{id}")));
    b.wait_for_text("dl.facts", "Under handläggning");
    // Escalating needs a note: the error is tied to the note field.
    b.click("#action-escalate summary");
    b.click("#action-escalate button[type=submit]");
    b.find("#escalate-note-error");
    let described = b
        .attr("#escalate-note", "aria-describedby")
        .unwrap_or_default();
    assert!(described.contains("escalate-note-error"), "{described}");
    assert!(b.text("#escalate-note-error").contains("Måste fyllas i"));
    b.check_accessibility("question (escalate error)");
    b.screenshots("question-escalate-error");
    b.click("#action-answer summary");
    b.type_into(
        "#answer-body",
        "Bedöm konversionen utifrån hur sökanden beskriver sin tro och sitt sammanhang, inte tidpunkten för dopet.",
    );
    b.click("#answer-bs-guidance");
    b.type_into("#answer-references", "MIG 2011:29");
    b.click("#action-answer button[type=submit]");
    b.wait_for_text("dl.facts", "Besvarad");
    b.sign_out();

    // The asker sees the answer with its badge and what it means.
    b.sign_in(base, "anna.asker@test.se");
    b.goto(&format!("{base}/fragor/{id}"));
    assert_eq!(b.text(".answer .badge"), "● Vägledande");
    assert!(b
        .text(".answer .binding-explanation")
        .contains("beslutsfattaren gör sin egen bedömning"));
    assert!(b.page_text().contains("Frågan besvarades"));
    b.check_accessibility("question (answered)");
    b.screenshots("question-answered");
    b.goto(&format!("{base}/"));
    assert!(b.page_text().contains("Besvarad"));
    b.screenshots("start");

    // A second question climbs: the unit and the regional group pass it on (over the API), the
    // national group chooses the network in the page, and the network gives temporary support.
    let asker_token = app.token("anna.asker@test.se");
    let climbing = app.ask(
        &asker_token,
        "Språkanalys när passet saknas",
        "asyl_forstagang",
    );
    let rg_token = app.token("rut.region@test.se");
    for (token, note) in [
        (&token, "Enheten behöver stöd."),
        (&rg_token, "Nationell fråga."),
    ] {
        app.post(
            &format!("/api/v1/questions/{climbing}/escalate"),
            token,
            json!({ "note": note }),
        )
        .ok();
    }
    b.sign_out();
    b.sign_in(base, "nils.nationell@test.se");
    b.goto(&format!("{base}/fragor/{climbing}"));
    b.click("#action-escalate summary");
    b.click("#escalate-to-nn-landinfo");
    b.type_into("#escalate-note", "Landinformation behövs.");
    b.click("#action-escalate button[type=submit]");
    b.wait_for_text("dl.facts", "Prövningsstödsnätverket för landinformation");
    b.sign_out();
    b.sign_in(base, "nora.natverk@test.se");
    b.goto(&format!("{base}/ko"));
    assert!(b.page_text().contains("Språkanalys när passet saknas"));
    b.goto(&format!("{base}/fragor/{climbing}"));
    b.click("#action-answer summary");
    b.type_into(
        "#answer-body",
        "Tills vidare: en språkanalys kan användas som stöd för identiteten men inte ensam.",
    );
    b.click("#answer-bs-temporary");
    let review = (chrono::Utc::now() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    // A date field's typed format follows the browser's locale; set the value directly.
    b.run_with(
        "document.getElementById('answer-review_date').value = arguments[0];",
        json!([review]),
    );
    b.click("#action-answer button[type=submit]");
    b.wait_for_text("dl.facts", "Besvarad");
    b.sign_out();
    b.sign_in(base, "anna.asker@test.se");
    b.goto(&format!("{base}/fragor/{climbing}"));
    assert_eq!(b.text(".answer .badge"), "◆ Tillfälligt stöd");
    assert!(b
        .text(".answer .binding-explanation")
        .contains("omprövningsdatumet"));
    assert!(b
        .page_text()
        .contains(&format!("Omprövas senast {review}.")));
    assert_eq!(b.find_all("table.list tbody tr").len(), 4, "four stages");
    b.check_accessibility("question (temporary support)");
    b.screenshots("question-temporary");

    // Search, and a facet link that narrows it.
    b.goto(&format!("{base}/sok?q=konvertit"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while b
        .find_all(".facet a[href*='binding_status=guidance']")
        .is_empty()
    {
        assert!(Instant::now() < deadline, "no facets: {}", b.page_text());
        std::thread::sleep(Duration::from_millis(200));
        b.goto(&format!("{base}/sok?q=konvertit"));
    }
    assert!(!b.find_all(".hit b").is_empty(), "highlighted words");
    b.check_accessibility("search");
    b.screenshots("search");
    b.click(".facet a[href*='binding_status=guidance']");
    let u = b.wait_for_url(|u| u.contains("binding_status=guidance"));
    assert!(u.contains("q=konvertit"), "{u}");
    assert!(
        b.text("#hits-heading").contains("1 träff"),
        "{}",
        b.page_text()
    );
    assert!(b.text(".hit h3").contains("hur bedöms trovärdigheten"));
    assert!(b.find_all(".facet strong[aria-current]").len() == 1);
    b.sign_out();

    // The legal department's overview and reports, with charts.
    b.sign_in(base, "lars.legal@test.se");
    b.goto(&format!("{base}/oversikt"));
    assert!(b.page_text().contains("Per nivå"));
    // The temporary support due in 20 days is on the review list.
    assert!(b
        .text("#reviews-heading + p + div")
        .contains("Språkanalys när passet saknas"));
    b.check_accessibility("overview");
    b.screenshots("overview");
    b.goto(&format!("{base}/rapporter"));
    assert_eq!(b.find_all("svg.chart[role=img]").len(), 2);
    b.check_accessibility("reports");
    b.screenshots("reports");
    b.goto(&format!("{base}/installningar"));
    b.check_accessibility("settings");
    b.screenshots("settings");
    b.sign_out();

    // The administrator's pages; the users, more than a page of them, a page at a time.
    for i in 0..101 {
        app.user(
            &format!("person{i:03}@test.se"),
            "u-lulea-asyl",
            &[],
            Role::Caseworker,
        );
    }
    b.sign_in(base, "maja.admin@test.se");
    b.goto(&format!("{base}/admin/anvandare"));
    assert!(b.page_text().contains("erik.enhet@test.se"));
    assert!(b
        .text("nav.pagination[aria-label='Sidor med användare']")
        .contains("Sida 1 av 2"));
    b.check_accessibility("admin users");
    b.screenshots("admin-users");
    b.click("nav.pagination a[rel=next]");
    b.wait_for_url(|u| u.ends_with("/admin/anvandare?sida=2"));
    assert!(b.page_text().contains("rut.region@test.se"));
    b.check_accessibility("admin users, page 2");
    b.screenshots("admin-users-page-2");
    // Find a person by part of the name, and set their memberships on their page.
    b.goto(&format!("{base}/admin/anvandare"));
    b.type_into("#q", "person04");
    b.click("form[role=search] button[type=submit]");
    b.wait_for_url(|u| u.contains("q=person04"));
    let found = b.text("main table");
    assert!(
        found.contains("person040@test.se") && !found.contains("person100"),
        "{found}"
    );
    b.click("main table a[href^='/admin/anvandare/']");
    let person = b.wait_for_url(|u| u.contains("/admin/anvandare/") && !u.contains('?'));
    b.click("#forum-rg-nord-lulea");
    b.click("form[action^='/admin/anvandare/'] button[type=submit]");
    b.wait_for_url(|u| u == person);
    assert!(b.text("[role=status]").contains("Medlemskapen är sparade"));
    assert_eq!(
        b.run("return document.querySelector('#forum-rg-nord-lulea').checked;"),
        json!(true)
    );
    b.check_accessibility("admin person");
    b.screenshots("admin-person");
    b.goto(&format!("{base}/admin/mail"));
    b.check_accessibility("admin mail");
}

#[test]
fn a_possible_divergence_is_read_side_by_side_and_taken_up_as_a_topic() {
    use crate::possible::{a_paraphrase_answered_twice, open_possible, P_TITLE};
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    let p = a_paraphrase_answered_twice(&app);
    let id = open_possible(&app, &p.legal, 1)[0]["id"].as_i64().unwrap();
    let b = Browser::start();
    let base = &app.base;
    b.sign_in(base, "granskare@test.se");
    b.goto(&format!("{base}/enhetlighet"));
    b.click("main a[href='/enhetlighet/mojliga']");
    b.wait_for_text("h1", "Möjliga avvikelser");
    let item = b.text("article.possible");
    assert!(item.contains(P_TITLE), "{item}");
    assert!(item.contains("närmaste träff"), "{item}");
    assert!(item.contains("Asylprövningsenheten i Luleå"), "{item}");
    // Words, not internals: no stems, decimals or codes.
    assert!(
        !item.contains("0.0") && !item.contains("u-malmo-asyl"),
        "{item}"
    );
    assert_eq!(b.find_all("article.possible .pair-side").len(), 2);
    b.check_accessibility("possible divergences");
    b.screenshots("possible-divergences");

    // Personal data in the comment is refused, naming the field; nothing is reviewed.
    b.type_into(&format!("#note-{id}"), "Gäller 811218-9876.");
    b.click("article.possible button[value=dismiss]");
    b.wait_for_text(".error-summary", "Kommentar");
    assert_eq!(
        b.attr(&format!("#note-{id}"), "aria-invalid").as_deref(),
        Some("true")
    );
    b.check_accessibility("possible divergences with an error");
    b.screenshots("possible-divergences-error");
    assert_eq!(open_possible(&app, &p.legal, 1).len(), 1);

    // Taken up: the topic opens with both questions, and says so.
    b.run(&format!("document.querySelector('#note-{id}').value = '';"));
    b.click("article.possible button[value=case]");
    b.wait_for_text("[role=status]", "Paret granskas nu som ett ämne");
    assert!(b.text("h1").contains("Ämne"), "{}", b.page_text());
    assert_eq!(b.find_all(".topic .pair-side").len(), 2);
    b.check_accessibility("possible divergence taken up");
    b.goto(&format!("{base}/enhetlighet/mojliga?status=opened"));
    assert!(b.text("article.possible").contains("Granskas som ämne"));
    b.check_accessibility("possible divergences taken up");
}

#[test]
fn the_legal_department_reviews_a_topic_and_sends_a_divergence_on_after_confirming() {
    use crate::consistency::{answer, ask, A_BODY, A_TITLE, B_BODY, B_TITLE};
    use crate::topics::{topics, C_BODY, C_TITLE};
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    let units = ["u-lulea-asyl", "u-malmo-asyl", "u-umea-asyl"];
    let askers = units.map(|u| app.user(&format!("asker@{u}.se"), u, &[], Role::Caseworker));
    let members = units.map(|u| app.user(&format!("member@{u}.se"), u, &[u], Role::Caseworker));
    app.user_with_password(
        "lars.legal@test.se",
        "u-lulea-asyl",
        &[],
        Role::Legal,
        PASSWORD,
    );
    app.user_with_password(
        "maja.admin@test.se",
        "u-lulea-asyl",
        &[],
        Role::Admin,
        PASSWORD,
    );
    app.user_with_password(
        "anna.asker@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let texts = [(A_TITLE, A_BODY), (B_TITLE, B_BODY), (C_TITLE, C_BODY)];
    let ids = [0, 1, 2].map(|i| ask(&app, &askers[i], texts[i].0, texts[i].1));
    let bodies = [
        "Dopintyget räcker inte ensamt; en muntlig utredning om tron behövs.",
        "Ett dopintyg är tillräckligt som bevis för konverteringen.",
        "Dopintyget väger tungt men tron ska utredas muntligt.",
    ];
    for ((member, id), body) in members.iter().zip(ids).zip(bodies) {
        answer(&app, member, id, body);
    }
    let token = app.token("lars.legal@test.se");
    let topic = topics(&app, &token, "open", 3)[0]["id"].as_i64().unwrap();

    let b = Browser::start();
    let base = &app.base;
    // A caseworker has no way in: no menu item, and the page says why.
    b.sign_in(base, "anna.asker@test.se");
    assert!(b.find_all("a[href='/enhetlighet']").is_empty());
    b.goto(&format!("{base}/enhetlighet"));
    assert!(
        b.page_text().contains("till för rättsavdelningen"),
        "{}",
        b.page_text()
    );
    b.goto(&format!("{base}/"));
    b.sign_out();

    b.sign_in(base, "lars.legal@test.se");
    b.click("a[href='/enhetlighet']");
    b.wait_for_url(|u| u.ends_with("/enhetlighet"));
    assert!(b.text("h1").contains("Enhetlighet"), "{}", b.page_text());
    let list = b.text("main table");
    for (title, _) in texts {
        assert!(list.contains(title), "{list}");
    }
    assert!(list.contains("Att granska"), "{list}");
    b.check_accessibility("consistency topics");
    b.screenshots("consistency-topics");

    b.click(&format!("main table a[href='/enhetlighet/amnen/{topic}']"));
    b.wait_for_text("h1", &format!("Ämne {topic}"));
    assert_eq!(b.find_all(".topic .pair-side").len(), 3);
    let sides = b.text(".topic");
    for body in bodies {
        assert!(sides.contains(body), "{sides}");
    }
    // Words as written, similarity and forums in words: no stems, decimals or codes.
    let page = b.page_text();
    assert!(
        page.contains("dopintyget") || page.contains("dopintyg"),
        "{page}"
    );
    assert!(page.contains(" lika"), "{page}");
    assert!(!page.contains("u-lulea-asyl"), "{page}");
    b.check_accessibility("consistency topic");
    b.screenshots("consistency-topic");

    // Sent without a choice or a reason: both fields are named, and nothing is decided.
    b.click("main form button[type=submit]");
    b.wait_for_text(".error-summary", "Bedömning");
    assert!(b.text(".error-summary").contains("Motivering"));
    assert_eq!(
        b.attr("#note", "aria-invalid").as_deref(),
        Some("true"),
        "the note is marked invalid"
    );
    b.check_accessibility("consistency topic with errors");
    b.screenshots("consistency-topic-error");
    let still = app.get(&format!("/api/v1/consistency-topics/{topic}"), &token);
    assert_eq!(still.ok()["status"], "open");

    // Divergent asks first, naming the forum; then the topic goes on.
    b.click("#outcome-divergent");
    b.type_into("#note", "Svaren går isär om dopintygets värde.");
    b.click("main form button[type=submit]");
    b.wait_for_text("h2#confirm-heading", "Skicka ämnet till processforumet?");
    let confirm = b.text(".confirm");
    assert!(confirm.contains("Processforum asyl"), "{confirm}");
    b.check_accessibility("consistency topic confirmation");
    b.screenshots("consistency-topic-confirm");
    assert_eq!(
        app.get(&format!("/api/v1/consistency-topics/{topic}"), &token)
            .ok()["status"],
        "open"
    );
    b.click(".confirm button[type=submit]");
    b.wait_for_text("[role=status]", "Bedömningen är sparad");
    let decided = app.get(&format!("/api/v1/consistency-topics/{topic}"), &token);
    let decided = decided.ok();
    assert_eq!(decided["status"], "divergent");
    let routed = decided["routed_question"]["id"].as_i64().unwrap();
    assert!(b
        .text("[role=status]")
        .contains(decided["routed_question"]["reference"].as_str().unwrap()));
    b.check_accessibility("consistency topic decided");
    b.screenshots("consistency-topic-decided");
    // The question at the process forum links the topic's questions.
    b.goto(&format!("{base}/fragor/{routed}"));
    assert!(b.page_text().contains("Processforum"), "{}", b.page_text());
    b.click("main .prose a[href^='/fragor/PS-']");
    b.wait_for_url(|u| u.contains(&format!("/fragor/{}", ids[0])));
    b.sign_out();

    // An administrator reads the decision but has no form.
    b.sign_in(base, "maja.admin@test.se");
    b.goto(&format!("{base}/enhetlighet/amnen/{topic}"));
    assert!(b
        .page_text()
        .contains("Svaren går isär om dopintygets värde."));
    assert!(b.find_all("main form").is_empty());
    b.goto(&format!("{base}/enhetlighet?status=divergent"));
    assert!(b.text("main table").contains("Olika svar"));
}

#[test]
fn an_answer_that_no_longer_holds_says_so_on_its_question_and_in_search() {
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    let (asker, first, second, old, new, _) = crate::lifecycle::a_binding_answer_elsewhere(&app);
    app.post(
        &format!("/api/v1/answers/{old}/binding-status"),
        &asker,
        json!({"binding_status": "superseded", "superseded_by": new, "note": "Processforumet har avgjort frågan."}),
    )
    .status(200);
    let started = std::time::Instant::now();
    while app.svc.index_lag().unwrap() > 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    app.user_with_password(
        "anna.asker@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let b = Browser::start();
    let base = &app.base;
    b.sign_in(base, "anna.asker@test.se");
    b.goto(&format!("{base}/fragor/{second}"));
    let banner = b.text(".banner-later");
    assert!(
        banner.contains("Det finns ett senare bindande svar") && banner.contains("använd det"),
        "{banner}"
    );
    // The replaced answer says so once, points to the answer that replaced it on the other
    // question, and no longer shows a review date.
    let replaced = b.text(&format!("#svar-{old} .binding"));
    assert!(replaced.contains("Ersatt av ett senare svar"), "{replaced}");
    assert_eq!(
        b.attr(&format!("#svar-{old} .binding-explanation a"), "href"),
        Some(format!("/fragor/{first}#svar-{new}"))
    );
    assert!(!b.text(&format!("#svar-{old}")).contains("Omprövas"));
    b.check_accessibility("a question whose answer was replaced");
    b.screenshots("question-later-answer");
    b.click(".banner-later a");
    b.wait_for_url(|u| u.contains(&format!("/fragor/{first}")));
    b.goto(&format!("{base}/sok?q=dopintyg"));
    let hits = b.text("main .hit-list");
    assert!(hits.contains("Gäller inte längre"), "{hits}");
    b.check_accessibility("search with an answer that no longer holds");
    b.screenshots("search-no-longer-in-force");
    b.sign_out();

    // A member about to answer a question like them sees the answer in force first.
    let third = app.ask(&asker, "Dopintyg från en frikyrka", "asyl_forstagang");
    app.user_with_password(
        "erik.enhet@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
        PASSWORD,
    );
    b.sign_in(base, "erik.enhet@test.se");
    b.goto(&format!("{base}/fragor/{third}"));
    b.click("#action-answer summary");
    let earlier = b.text(".earlier-answers");
    assert!(
        earlier.contains("Tidigare svar på liknande frågor") && earlier.contains("Bindande"),
        "{earlier}"
    );
    assert!(!earlier.contains("Ersatt"), "{earlier}");
    b.check_accessibility("the answer form with earlier answers");
    b.screenshots("answer-form-earlier-answers");
}

#[test]
fn the_answer_form_asks_how_the_answer_is_to_be_used_and_keeps_the_choice_after_an_error() {
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    let asker = app.user("fraga@test.se", "u-lulea-asyl", &[], Role::Caseworker);
    let forums = [
        "u-lulea-asyl",
        "rg-nord-lulea",
        "ng-asyl-forstagang",
        "nn-konvertiter",
    ];
    app.user_with_password(
        "nina.natverk@test.se",
        "u-umea-asyl",
        &forums,
        Role::Caseworker,
        PASSWORD,
    );
    let member = app.token("nina.natverk@test.se");
    let at_unit = app.ask(&asker, "Dopintyg utan församlingsintyg", "asyl_forstagang");
    let climbing = app.ask(
        &asker,
        "Dopintyg och tidpunkten för dopet",
        "asyl_forstagang",
    );
    let up = format!("/api/v1/questions/{climbing}/escalate");
    for body in [
        json!({"note": "upp"}),
        json!({"note": "upp"}),
        json!({"note": "upp", "to_forum": "nn-konvertiter"}),
    ] {
        app.post(&up, &member, body).status(200);
    }
    let b = Browser::start();
    let base = &app.base;
    b.sign_in(base, "nina.natverk@test.se");
    let checked = "document.querySelectorAll('input[name=binding_status]:checked').length";
    let review_shown =
        "getComputedStyle(document.querySelector('.review-date')).display !== 'none'";

    // A network may choose: nothing is chosen for them, and no review date is asked yet.
    b.goto(&format!("{base}/fragor/{climbing}"));
    b.click("#action-answer summary");
    assert_eq!(b.run(&format!("return {checked};")), json!(0));
    assert_eq!(b.run(&format!("return {review_shown};")), json!(false));
    b.click("#answer-bs-temporary");
    assert_eq!(b.run(&format!("return {review_shown};")), json!(true));
    b.type_into(
        "#answer-body",
        "Tills vidare räcker dopintyget inte ensamt.",
    );
    b.click("#action-answer button[type=submit]");
    // The missing date is named, focus is on the summary, and the choice is still temporary
    // support.
    b.find("#answer-review_date-error");
    let focused = b.focused();
    assert!(
        focused["class"]
            .as_str()
            .unwrap_or("")
            .contains("error-summary"),
        "{focused}"
    );
    assert!(b
        .text("#answer-review_date-error")
        .contains("tillfälligt stöd"));
    assert_eq!(
        b.run("return document.getElementById('answer-bs-temporary').checked;"),
        json!(true)
    );
    assert_eq!(b.run(&format!("return {review_shown};")), json!(true));
    b.check_accessibility("answer form kept after an error");
    b.screenshots("answer-form-kept-choice");

    // A unit gives guidance only: it is chosen, and the form says how to get more.
    b.goto(&format!("{base}/fragor/{at_unit}"));
    b.click("#action-answer summary");
    assert_eq!(
        b.run("return document.getElementById('answer-bs-guidance').checked;"),
        json!(true)
    );
    assert!(b.text("#answer-bs-hint").contains("lyft frågan"));
    assert!(b.find_all(".review-date").is_empty());
    b.check_accessibility("answer form at a unit");
    b.screenshots("answer-form-guidance-only");
}

#[test]
fn the_asker_sees_what_is_asked_of_them_at_the_top_and_replies_in_place() {
    if !browser_available() {
        return;
    }
    let app = TestApp::start();
    app.user_with_password(
        "anna.asker@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let asker = app.token("anna.asker@test.se");
    let member = app.user(
        "erik.enhet@test.se",
        "u-lulea-asyl",
        &["u-lulea-asyl"],
        Role::Caseworker,
    );
    let id = app.ask(&asker, "Språkanalys när passet saknas", "asyl_forstagang");
    let step = |path: &str, body: Value| {
        app.post(&format!("/api/v1/questions/{id}/{path}"), &member, body)
            .status(200);
    };
    step("claim", json!({}));
    step(
        "request-info",
        json!({"note": "Vilket språk talar sökanden hemma?"}),
    );
    let b = Browser::start();
    let base = &app.base;
    b.sign_in(base, "anna.asker@test.se");
    // The asker's list marks the question as waiting for them.
    b.goto(&format!("{base}/"));
    assert!(!b.find_all(".status-awaiting_info").is_empty());
    b.goto(&format!("{base}/fragor/{id}"));
    // The request comes before the answers, with the reply box open under it.
    let order = b.run(
        "const t = document.querySelector('.info-thread'), a = document.getElementById('answers-heading');
         return !!t && !!(t.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);",
    );
    assert_eq!(order, json!(true));
    assert!(b.text("#info-heading").contains("Du behöver komplettera"));
    assert!(b
        .text(".info-thread")
        .contains("Vilket språk talar sökanden hemma?"));
    b.check_accessibility("question waiting for the asker");
    b.screenshots("question-info-requested");
    b.type_into("#provide-info-note", "Sorani, enligt sökanden själv.");
    b.click(".info-thread button[type=submit]");
    b.wait_for_text("dl.facts", "Under handläggning");
    // Request and reply read as a thread, for the asker and for the member.
    let thread = b.text(".info-thread");
    assert!(
        thread.contains("Vilket språk") && thread.contains("Sorani"),
        "{thread}"
    );
    b.screenshots("question-info-thread");
    // The history says where the question was at each step, not where a person works.
    let history = b.text("section[aria-labelledby=history-heading]");
    assert!(history.contains("frågan låg hos"), "{history}");

    // Asking again on a phone: questions like it come before the form, not below its button.
    let started = std::time::Instant::now();
    while app.svc.index_lag().unwrap() > 0 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    b.resize(390, 844);
    b.goto(&format!("{base}/fragor/ny"));
    b.type_into("#title", "Språkanalys när sökanden saknar pass");
    b.wait_for_text(".similar-list", "Språkanalys");
    let before = b.run(
        "const s = document.querySelector('.similar').getBoundingClientRect().top,
               f = document.querySelector('.ask-form button[value=submit]').getBoundingClientRect().top;
         return s < f;",
    );
    assert_eq!(
        before,
        json!(true),
        "similar questions come first on a phone"
    );
    b.screenshot("ask-phone-similar-first");
    b.resize(1280, 800);
}

/// Each role's start: a member lands on "Att göra", takes a question from it and is told what
/// happened; the legal department lands on the late list. On a phone the lists are cards with
/// status, waiting time and the action in view, and the menu sits behind "Meny".
#[test]
fn each_role_starts_on_its_work_list_on_a_desk_and_on_a_phone() {
    if !browser_available() {
        return;
    }
    let o = crate::work::office();
    let b = Browser::start();
    let base = &o.app.base;
    b.sign_in(base, "medlem@test.se");
    b.wait_for_url(|u| u.ends_with("/att-gora"));
    assert_eq!(b.text("h1"), "Att göra");
    assert!(b.text("nav[aria-label='Huvudmeny']").contains("Att göra"));
    b.check_accessibility("att gora");
    b.screenshots("work-list");

    // A phone: the menu is folded, each question a card whose state, time and action show.
    b.resize(390, 844);
    let shown = |css: &str| {
        b.run_with(
            "const e = document.querySelector(arguments[0]); if (!e) return false; \
             const r = e.getBoundingClientRect(); \
             return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;",
            json!([css]),
        ) == json!(true)
    };
    assert!(!shown("#huvudmeny a[href='/mina']"), "the menu is folded");
    assert!(shown("a.menu-button"));
    let card = "table.cards tbody tr:first-child";
    let text = b.text(card);
    assert!(
        text.contains("Försenad") && text.contains("arbetsdagar"),
        "{text}"
    );
    assert!(shown(&format!(
        "{card} td.row-action a, {card} td.row-action button"
    )));
    assert!(shown(&format!("{card} .sla")));
    b.screenshot("work-list-phone-cards");
    b.click("a.menu-button");
    assert!(shown("#huvudmeny a[href='/mina']"), "the menu opens");
    b.screenshot("work-list-phone-menu");
    b.resize(1280, 800);

    // Taking the new question from the list ends on its page with a confirmation.
    b.goto(&format!("{base}/att-gora"));
    b.click(&format!(
        "form[action='/fragor/{}/claim'] button[type=submit]",
        o.fresh
    ));
    b.wait_for_url(|u| u.ends_with(&format!("/fragor/{}", o.fresh)));
    assert!(b.text("[role=status]").contains("Du har tagit frågan"));
    b.check_accessibility("confirmation");
    b.screenshots("confirmation-after-claim");
    b.sign_out();

    b.sign_in(base, "jurist@test.se");
    b.wait_for_url(|u| u.ends_with("/forsenade"));
    let list = b.text("main table");
    assert!(list.contains("Tidsmål för första svar"), "{list}");
    assert!(list.contains("över"), "{list}");
    b.check_accessibility("late list");
    b.screenshots("late-list");

    // Search on a phone: the filters fold behind "Filtrera", so the hits come first.
    b.goto(&format!("{base}/sok?q=fr%C3%A5ga"));
    b.resize(390, 844);
    let top = |css: &str| {
        b.run_with(
            "const e = document.querySelector(arguments[0]); return e ? e.getBoundingClientRect().top + window.scrollY : -1;",
            json!([css]),
        )
        .as_f64()
        .unwrap_or(-1.0)
    };
    let shown = |css: &str| {
        b.run_with(
            "const e = document.querySelector(arguments[0]); return !!e && e.getBoundingClientRect().height > 0;",
            json!([css]),
        ) == json!(true)
    };
    assert!(!shown(".facet-list") && shown("a.filter-button"));
    let hits = top("#hits-heading");
    assert!(
        (0.0..844.0).contains(&hits),
        "the hits start on the first screen: {hits}"
    );
    b.screenshot("search-phone");
    b.click("a.filter-button");
    assert!(shown(".facet-list"), "Filtrera opens the filters");
    b.screenshot("search-phone-filters");
    b.resize(1280, 800);
    assert!(
        shown(".facet-list") && !shown("a.filter-button"),
        "on a desk: always open"
    );
}

/// Signing in through the agency's OpenID provider in Chromium: the button on the sign-in
/// page, the provider's own login and consent pages, and back to the page asked for; a person
/// whose groups give no unit reads whom to ask.
#[test]
fn a_person_signs_in_with_the_agencys_account_in_a_browser() {
    if !browser_available() {
        return;
    }
    let Some(module) = crate::oidc::provider_module() else {
        return;
    };
    let idp_port = free_port();
    let issuer = format!("http://127.0.0.1:{idp_port}");
    let app = TestApp::start_at_own_address(eskalera::clock::Clock::system(), |c| {
        c.auth = crate::oidc::auth();
        c.oidc = Some(eskalera::config::OidcSettings {
            issuer,
            client_id: "eskalera".into(),
            client_secret: Some("hemlighet-for-test".into()),
        });
    });
    let idp = crate::oidc::IdP::start_on(
        &module,
        json!({
            "sara": crate::oidc::account("sub-sara", "sara.ek@mv.se", &["Enhet-Asyl-Lulea"]),
            "nils": crate::oidc::account("sub-nils", "nils@mv.se", &["PS-Natverk-Sakerhet"]),
        }),
        idp_port,
        &format!("{}/auth/oidc/callback", app.base),
    );
    let b = Browser::start();
    let base = &app.base;
    let through_provider = |login: &str| {
        b.goto(&format!("{base}/mina"));
        b.wait_for_url(|u| u.contains("/logga-in"));
        b.click("a.button.primary");
        // The provider's pages: login, then consent.
        b.wait_for_url(|u| u.contains("/interaction/"));
        b.type_into("input[name=login]", login);
        b.type_into("input[name=password]", "x");
        b.click("button[type=submit]");
        let consent = b.wait_for_url(|u| u.starts_with(base) || u.contains("/interaction/"));
        if !consent.starts_with(base.as_str()) {
            b.find("button[type=submit]");
            b.click("button[type=submit]");
        }
        b.wait_for_url(|u| u.starts_with(base.as_str()));
    };
    b.goto(&format!("{base}/logga-in?next=/mina"));
    assert!(b
        .text("a.button.primary")
        .contains("Logga in med Migrationsverkets konto"));
    b.check_accessibility("sign-in with the agency's account");
    b.screenshots("signin-provider");

    through_provider("sara");
    let landed = b.wait_for_url(|u| u.ends_with("/mina"));
    assert!(landed.ends_with("/mina"), "{landed}");
    assert!(b.page_text().contains("Sara Ek"));
    b.check_accessibility("after signing in with the agency's account");
    // Signing out goes on to the provider's own sign-out, and back to eskalera's sign-in.
    b.click("form.signout button");
    b.wait_for_url(|u| u.starts_with(&idp.base) && u.contains("/session/end"));
    b.click("button[name=logout]");
    b.wait_for_url(|u| u.starts_with(base.as_str()) && u.contains("/logga-in"));

    // Another person at the same browser: the provider has forgotten Sara.
    through_provider("nils");
    let refused = b.page_text();
    assert!(refused.contains("din chef"), "{refused}");
    b.check_accessibility("no unit from the directory");
    b.screenshots("signin-no-unit");
}

#[test]
fn the_register_a_country_page_saved_searches_and_an_embedded_view_read_well_for_everyone() {
    if !browser_available() {
        return;
    }
    let app = TestApp::start_with(eskalera::clock::Clock::system(), |c| {
        c.embed_ancestors = vec!["https://intranat.example".into()];
    });
    let t = app.user(
        "jurist@test.se",
        "u-lulea-asyl",
        &[
            "u-lulea-asyl",
            "rg-nord-lulea",
            "ng-asyl-forstagang",
            "nn-konvertiter",
            "pf-asyl",
        ],
        Role::Caseworker,
    );
    let ask = |title: &str, countries: &[&str]| {
        app.post(
            "/api/v1/questions",
            &t,
            json!({"title": title, "body": "Hur ska vi bedöma detta i ärendena?",
                   "process": "asyl_forstagang", "category": "konvertiter", "countries": countries}),
        )
        .status(201)["id"]
        .as_i64()
        .unwrap()
    };
    let binding = ask("Dopintyg från frikyrkor i konvertitärenden", &["IR"]);
    app.climb_to_process_forum(&t, binding);
    let reference = app.get(&format!("/api/v1/questions/{binding}"), &t).ok()["reference"]
        .as_str()
        .unwrap()
        .to_string();
    app.post(
        &format!("/api/v1/questions/{binding}/answers"),
        &t,
        json!({"body": "Ett dopintyg räcker inte ensamt; den enskildes berättelse om sin tro väger tyngst.",
               "binding_status": "binding", "references": ["Rättsligt ställningstagande RS/010/2024", "EUAA Country Guidance Iran 2025"]}),
    )
    .status(201);
    let temporary = ask("Konvertiter som återvänder till Iran", &["IR"]);
    app.climb_to_process_forum(&t, temporary);
    app.post(
        &format!("/api/v1/questions/{temporary}/answers"),
        &t,
        json!({"body": "Tills vidare: bedöm risken utifrån hur känd omvändelsen är.",
               "binding_status": "temporary", "review_date": "2099-06-30", "references": [reference]}),
    )
    .status(201);
    ask("Kyrkans intyg om dop i Sverige", &["IR"]);
    app.user_with_password(
        "anna.asker@test.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        PASSWORD,
    );
    let b = Browser::start();
    let base = &app.base;
    b.sign_in(base, "anna.asker@test.se");
    b.goto(&format!("{base}/gallande-stod"));
    b.click("main .link-list a");
    b.wait_for_url(|u| u.contains("process=asyl_forstagang"));
    let list = b.text("main");
    assert!(
        list.contains("Konvertiter och religion") && list.contains("Bindande"),
        "{list}"
    );
    assert!(list.contains("Tillfälligt stöd"), "{list}");
    b.check_accessibility("the register");
    b.screenshots("register");

    // The country picker under the processes: a name as people write it.
    b.goto(&format!("{base}/gallande-stod"));
    b.type_into("#land", "iran");
    b.click("form[action='/lander'] button");
    b.wait_for_url(|u| u.ends_with("/lander/IR"));
    assert!(b.text("h1").contains("Iran"));
    assert!(b.text("main").contains("EUAA Country Guidance Iran 2025"));
    b.check_accessibility("a country page");
    b.screenshots("country");

    b.goto(&format!("{base}/sparade-sokningar"));
    b.click("main form button.primary");
    b.wait_for_url(|u| u.ends_with("/sparade-sokningar"));
    let error = b.text(".field-error");
    assert!(!error.is_empty(), "the missing name is said at its field");
    b.check_accessibility("a saved search with errors");
    b.screenshots("saved-searches-error");
    b.type_into("#name", "Iran och dop");
    b.type_into("#q", "dop");
    b.type_into("#country", "Iran");
    b.click("main form button.primary");
    b.wait_for_url(|u| u.ends_with("/sparade-sokningar"));
    assert!(b.text("main .saved-list").contains("Iran och dop"));
    b.check_accessibility("saved searches");
    b.screenshots("saved-searches");

    b.goto(&format!("{base}/installningar"));
    assert!(b.text("#flodesnyckel").contains("Flöden"));
    b.check_accessibility("settings with the feed key");
    b.screenshots("settings-feeds");

    // The embedded view, as the intranet page frames it: no navigation, still accessible.
    let token = app.post("/api/v1/me/feed-token", &t, json!({})).status(201)["token"]
        .as_str()
        .unwrap()
        .to_string();
    b.sign_out();
    b.goto(&format!(
        "{base}/gallande-stod?process=asyl_forstagang&embed=1&token={token}"
    ));
    assert!(b.text("main").contains("Dopintyg från frikyrkor"));
    assert_eq!(
        b.run("return document.querySelectorAll('nav#huvudmeny').length;"),
        json!(0)
    );
    b.check_axe("the embedded register");
    b.screenshots("register-embedded");
}
