//! Sign-in through a real OpenID provider, panva's certified oidc-provider run by node
//! (`tests/oidc_provider.mjs`), walked over HTTP as a browser would: eskalera's start, the
//! provider's login and consent pages, the callback, the session; groups to memberships, a
//! moved group at the next sign-in, a person the groups give no unit; a tampered state, a
//! replayed code and a foreign `next` refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use eskalera::clock::Clock;
use eskalera::config::OidcSettings;
use eskalera::service::directory::AuthConfig;

use crate::common::{free_port, TestApp};
use crate::web::audit_count;

/// Where eskalera says it is: the provider sends people back here, and the test maps it to the
/// test server.
const SITE: &str = "http://eskalera.test";

/// oidc-provider's entry point, installed by `.ci/run` (`npm install --prefix target/tmp/oidc`).
pub fn provider_module() -> Option<PathBuf> {
    let path = std::env::var("ESKALERA_OIDC_PROVIDER_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from("target/tmp/oidc/node_modules/oidc-provider/lib/index.js")
        });
    let found = path.exists() && Command::new("node").arg("--version").output().is_ok();
    if !found && std::env::var("ESKALERA_REQUIRE_OIDC").as_deref() == Ok("1") {
        panic!(
            "node or oidc-provider is missing ({}); .ci/run installs them",
            path.display()
        );
    }
    found.then(|| path.canonicalize().unwrap_or(path))
}

/// Runs a provider script with node on a free port until its discovery answers.
fn run_node(script: &str, port: u16, args: &[String], module: (&str, &Path)) -> (Child, String) {
    run_node_with(script, port, args, &[module])
}

/// As `run_node`, with more environment (TLS_CERT and TLS_KEY make it https).
fn run_node_with(
    script: &str,
    port: u16,
    args: &[String],
    env: &[(&str, &Path)],
) -> (Child, String) {
    let mut command = Command::new("node");
    command.arg(script).arg(port.to_string()).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let https = env.iter().any(|(k, _)| *k == "TLS_CERT");
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let scheme = if https { "https" } else { "http" };
    let base = format!("{scheme}://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{script} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, base)
}

pub struct IdP {
    child: Child,
    pub base: String,
    accounts: PathBuf,
    _dir: tempfile::TempDir,
}

impl IdP {
    pub fn start(module: &Path, accounts: serde_json::Value) -> IdP {
        Self::start_on(
            module,
            accounts,
            free_port(),
            &format!("{SITE}/auth/oidc/callback"),
        )
    }

    /// The provider on `port`, sending people back to `redirect`.
    pub fn start_on(module: &Path, accounts: serde_json::Value, port: u16, redirect: &str) -> IdP {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("accounts.json");
        std::fs::write(&file, accounts.to_string()).unwrap();
        let (child, base) = run_node(
            "tests/oidc_provider.mjs",
            port,
            &[file.display().to_string(), redirect.to_string()],
            ("OIDC_PROVIDER_MODULE", module),
        );
        IdP {
            child,
            base,
            accounts: file,
            _dir: dir,
        }
    }

    fn set_accounts(&self, accounts: serde_json::Value) {
        let mut f = std::fs::File::create(&self.accounts).unwrap();
        f.write_all(accounts.to_string().as_bytes()).unwrap();
    }
}

impl Drop for IdP {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The groups of the directory tests.
pub fn auth() -> AuthConfig {
    crate::directory::auth(false)
}

fn app_with(idp: &IdP) -> TestApp {
    app_at(&idp.base)
}

fn app_at(issuer: &str) -> TestApp {
    let issuer = issuer.to_string();
    TestApp::start_with(Clock::system(), move |c| {
        c.auth = auth();
        c.base_url = SITE.into();
        c.oidc = Some(OidcSettings {
            issuer,
            client_id: "eskalera".into(),
            client_secret: Some("hemlighet-for-test".into()),
        });
    })
}

pub fn account(sub: &str, email: &str, groups: &[&str]) -> serde_json::Value {
    serde_json::json!({"sub": sub, "email": email, "name": "Sara Ek", "groups": groups})
}

/// One reply as a browser sees it.
struct Reply {
    status: u16,
    location: Option<String>,
    body: String,
}

/// A browser across two sites (eskalera and the provider): cookies per host, redirects one
/// at a time.
struct Browser {
    agent: ureq::Agent,
    cookies: Vec<(String, String, String)>,
    app: String,
    /// The last address asked, for the provider's relative form actions.
    last: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Self::with_agent(app, ureq::AgentBuilder::new())
    }

    fn with_agent(app: &TestApp, agent: ureq::AgentBuilder) -> Browser {
        Browser {
            agent: agent.redirects(0).build(),
            cookies: Vec::new(),
            app: app.base.clone(),
            last: String::new(),
        }
    }

    /// eskalera's public address is the test server here.
    fn real(&self, url: &str) -> String {
        match url.strip_prefix(SITE) {
            Some(rest) => format!("{}{rest}", self.app),
            None if url.starts_with('/') => format!("{}{url}", self.app),
            None => url.to_string(),
        }
    }

    fn host(url: &str) -> String {
        url.split('/').nth(2).unwrap_or("").to_string()
    }

    fn send(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let url = self.real(url);
        self.last.clone_from(&url);
        let host = Self::host(&url);
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .filter(|(h, _, _)| *h == host)
            .map(|(_, k, v)| format!("{k}={v}"))
            .collect();
        let mut req = match form {
            Some(_) => self.agent.post(&url),
            None => self.agent.get(&url),
        };
        if !cookie.is_empty() {
            req = req.set("Cookie", &cookie.join("; "));
        }
        let res = match form {
            Some(f) => req.send_form(f),
            None => req.call(),
        };
        let res = match res {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{url}: {e}"),
        };
        for c in res.all("set-cookie") {
            let pair = c.split(';').next().unwrap_or("");
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            self.cookies.retain(|(h, n, _)| !(*h == host && n == k));
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies
                    .push((host.clone(), k.to_string(), v.to_string()));
            }
        }
        let location = res.header("location").map(|l| {
            if l.starts_with('/') && !url.starts_with(&self.app) {
                // A path at the provider.
                format!("{}{l}", origin(&url))
            } else {
                l.to_string()
            }
        });
        Reply {
            status: res.status(),
            location,
            body: res.into_string().unwrap_or_default(),
        }
    }

    fn get(&mut self, url: &str) -> Reply {
        self.send(url, None)
    }

    /// Follows the provider until it sends the browser back to eskalera's callback; signs in
    /// as `login` and consents on the way. Returns the callback's address.
    fn through_provider(&mut self, start: &str, login: &str) -> String {
        let mut reply = self.get(start);
        for _ in 0..20 {
            match reply.location.clone() {
                Some(to) if to.starts_with(SITE) => return to,
                Some(to) => reply = self.get(&to),
                None => {
                    assert_eq!(reply.status, 200, "{}", reply.body);
                    let action = reply
                        .body
                        .split("action=\"")
                        .nth(1)
                        .and_then(|s| s.split('"').next())
                        .expect("a form at the provider")
                        .to_string();
                    let to = if action.starts_with("http") {
                        action
                    } else {
                        format!("{}{action}", origin(&self.last))
                    };
                    let fields: Vec<(&str, &str)> = if reply.body.contains("name=\"login\"") {
                        vec![("prompt", "login"), ("login", login), ("password", "x")]
                    } else {
                        vec![("prompt", "consent")]
                    };
                    reply = self.send(&to, Some(&fields));
                }
            }
        }
        panic!("the provider never sent the browser back");
    }

    /// The whole sign-in: eskalera's start, the provider, the callback.
    fn sign_in(&mut self, next: &str, login: &str) -> Reply {
        let start = format!("/auth/oidc/login?next={next}");
        let back = self.through_provider(&start, login);
        self.get(&back)
    }
}

/// "http://host:port" of an address.
fn origin(url: &str) -> String {
    url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
}

fn set_state(url: &str, state: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|kv| {
            if kv.starts_with("state=") {
                format!("state={state}")
            } else {
                kv.to_string()
            }
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

#[test]
fn a_person_signs_in_through_the_provider_and_their_groups_follow_them() {
    let Some(module) = provider_module() else {
        return;
    };
    let idp = IdP::start(
        &module,
        serde_json::json!({
            "sara": account("sub-sara", "sara.ek@mv.se", &["Enhet-Asyl-Lulea", "RG-Nord-Lulea"]),
            "nils": account("sub-nils", "nils@mv.se", &["PS-Natverk-Sakerhet"]),
        }),
    );
    let app = app_with(&idp);
    let mut b = Browser::new(&app);
    // The sign-in page offers the provider.
    let page = b.get("/logga-in?next=/mina");
    assert!(page.body.contains("Logga in med Migrationsverkets konto"));
    assert!(page.body.contains("login?next=%2Fmina"), "{}", page.body);

    let done = b.sign_in("/mina", "sara");
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/mina"));
    let mine = b.get("/mina");
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Sara Ek"));
    assert_eq!(audit_count(&app, "user_created"), 1);
    let todo = b.get("/att-gora");
    assert_eq!(todo.status, 200);

    // Signing out ends eskalera's session and goes on to sign out at the provider.
    let csrf = todo
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let out = b.send("/logga-ut", Some(&[("csrf", csrf.as_str())]));
    assert_eq!(out.status, 303);
    let to = out.location.unwrap();
    assert!(
        to.starts_with(&idp.base) && to.contains("client_id=eskalera"),
        "{to}"
    );
    assert!(to.contains("post_logout_redirect_uri="), "{to}");
    assert_eq!(b.get("/mina").status, 303, "signed out of eskalera");

    // The directory moves her from the regional group to a network: her next sign-in moves
    // the membership, with its audit events.
    idp.set_accounts(serde_json::json!({
        "sara": account("sub-sara", "sara.ek@mv.se", &["Enhet-Asyl-Lulea", "PS-Natverk-Sakerhet"]),
    }));
    let mut again = Browser::new(&app);
    assert_eq!(again.sign_in("/", "sara").status, 303);
    assert_eq!(audit_count(&app, "membership_removed"), 1);
    assert_eq!(audit_count(&app, "user_created"), 1, "the same person");
    let queue = again.get("/ko?forum=nn-sakerhet");
    assert_eq!(queue.status, 200, "now a member of the network");

    // Someone whose groups give no unit: a Swedish page, and no account.
    idp.set_accounts(serde_json::json!({
        "nils": account("sub-nils", "nils@mv.se", &["PS-Natverk-Sakerhet"]),
    }));
    let mut nils = Browser::new(&app);
    let refused = nils.sign_in("/", "nils");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("din chef"));
    assert_eq!(audit_count(&app, "user_created"), 1);
}

#[test]
fn a_tampered_state_a_replayed_code_and_a_foreign_next_are_refused() {
    let Some(module) = provider_module() else {
        return;
    };
    let idp = IdP::start(
        &module,
        serde_json::json!({"sara": account("sub-sara", "sara.ek@mv.se", &["Enhet-Asyl-Lulea"])}),
    );
    let app = app_with(&idp);

    // A state that is not the one the sign-in started with.
    let mut b = Browser::new(&app);
    let back = b.through_provider("/auth/oidc/login?next=/mina", "sara");
    let tampered = b.get(&set_state(&back, "nagot-annat"));
    assert_eq!(tampered.status, 401, "{}", tampered.body);
    crate::wording::assert_reads_in_swedish("tampered state", &tampered.body);
    assert_eq!(audit_count(&app, "signed_in"), 0);

    // The flow cookie is spent: the real callback after that is refused too.
    assert_eq!(b.get(&back).status, 401);

    // A code used once is not taken again, even with a fresh start's state.
    let mut b = Browser::new(&app);
    let back = b.through_provider("/auth/oidc/login?next=/mina", "sara");
    assert_eq!(b.get(&back).status, 303);
    let fresh = b.through_provider("/auth/oidc/login?next=/mina", "sara");
    let state = fresh
        .split("state=")
        .nth(1)
        .and_then(|s| s.split('&').next())
        .unwrap()
        .to_string();
    let replayed = b.get(&set_state(&back, &state));
    assert_eq!(replayed.status, 401, "{}", replayed.body);
    assert_eq!(audit_count(&app, "signed_in"), 1);

    // `next` leads only within eskalera.
    let mut b = Browser::new(&app);
    let done = b.sign_in("https://elak.example/", "sara");
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/"));
}

#[test]
fn an_id_token_that_is_expired_wrongly_signed_or_for_someone_else_is_refused() {
    let Some(module) = provider_module() else {
        return;
    };
    let (mut child, base) = hostile(&module, None);
    let app = app_at(&base);
    let mut tried = Vec::new();
    for (mode, ok) in [
        ("good", true),
        ("expired", false),
        ("wrong-nonce", false),
        ("wrong-audience", false),
        ("wrong-issuer", false),
        ("wrong-signature", false),
        ("unsigned", false),
    ] {
        ureq::post(&format!("{base}/mode/{mode}")).call().unwrap();
        let mut b = Browser::new(&app);
        let reply = b.sign_in("/mina", "mallory");
        tried.push((mode, reply.status));
        if ok {
            assert_eq!(reply.status, 303, "{mode}: {}", reply.body);
        } else {
            assert_eq!(reply.status, 401, "{mode}: {}", reply.body);
            assert!(reply.body.contains("kunde inte slutföras"), "{mode}");
        }
    }
    assert_eq!(
        audit_count(&app, "signed_in"),
        1,
        "only the good token signed anyone in: {tried:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The hostile provider, over https with `tls` (certificate and key files).
fn hostile(module: &Path, tls: Option<(&Path, &Path)>) -> (Child, String) {
    // jose comes with oidc-provider.
    let jose = module
        .ancestors()
        .nth(3)
        .unwrap()
        .join("jose/dist/node/esm/index.js");
    let mut env = vec![("JOSE_MODULE", jose.as_path())];
    if let Some((cert, key)) = tls {
        env.extend([("TLS_CERT", cert), ("TLS_KEY", key)]);
    }
    run_node_with("tests/hostile_provider.mjs", free_port(), &[], &env)
}

#[test]
fn a_provider_behind_the_agencys_own_ca_is_trusted_through_eskalera_ca_file() {
    let Some(module) = provider_module() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = crate::common::agency_ca(dir.path()) else {
        return;
    };
    let (mut child, base) = hostile(&module, Some((&cert, &key)));
    assert!(base.starts_with("https://"));

    // Without the CA the provider's certificate is not trusted: no sign-in starts.
    let untrusting = app_at(&base);
    let mut b = Browser::new(&untrusting);
    let refused = b.get("/auth/oidc/login?next=/mina");
    assert_eq!(refused.status, 503, "{}", refused.body);

    // With ESKALERA_CA_FILE it is, for discovery, keys and tokens alike.
    let issuer = base.clone();
    let ca_file = ca.clone();
    let app = TestApp::start_with(Clock::system(), move |c| {
        c.auth = auth();
        c.base_url = SITE.into();
        c.ca_file = Some(ca_file);
        c.oidc = Some(OidcSettings {
            issuer,
            client_id: "eskalera".into(),
            client_secret: Some("hemlighet-for-test".into()),
        });
    });
    // The test's browser trusts the CA too.
    let mut roots = rustls::RootCertStore::empty();
    for c in eskalera::config::extra_roots(&ca).unwrap() {
        roots.add(c).unwrap();
    }
    let tls = rustls::ClientConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut b = Browser::with_agent(
        &app,
        ureq::AgentBuilder::new().tls_config(std::sync::Arc::new(tls)),
    );
    let done = b.sign_in("/mina", "mallory");
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(audit_count(&app, "signed_in"), 1);
    let _ = child.kill();
    let _ = child.wait();
}
