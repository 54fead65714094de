//! Web sessions: a signed cookie naming the user and carrying the CSRF token, the extractors
//! that read it, and the form extractor that refuses any POST without the right token.

use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::error::PageError;
use crate::config::Config;
use crate::domain::catalogue::Confirmation;
use crate::service::work::WorkCounts;
use crate::service::{Actor, Service, ServiceError};

pub const COOKIE: &str = "eskalera_session";
/// Marks the browser a person last signed in from, for the sign-in throttle.
pub const DEVICE_COOKIE: &str = "eskalera_device";
/// A session lasts a working day; then the user signs in again.
const LIFETIME_SECS: i64 = 12 * 3600;
/// A browser stays "the person's own" for three months after their last sign-in there.
const DEVICE_LIFETIME_SECS: i64 = 90 * 24 * 3600;
const KEY_FILE: &str = "session.key";

type HmacSha256 = Hmac<Sha256>;

/// The key that signs session cookies, and whether cookies are marked Secure.
#[derive(Clone)]
pub struct SessionKeys {
    /// HMAC-SHA256 keyed once at start; each signature starts from a clone.
    mac: HmacSha256,
    secure: bool,
}

impl SessionKeys {
    /// `ESKALERA_SESSION_KEY` when set (needed when several instances serve); otherwise a key
    /// generated once and kept in the data dir, so a restart does not sign everyone out.
    pub fn load(config: &Config) -> std::io::Result<SessionKeys> {
        let key = match &config.session_key {
            Some(k) => k.clone(),
            None => key_in_data_dir(&config.data_dir)?,
        };
        Self::new(&key, config.base_url.starts_with("https://"))
    }

    fn new(key: &[u8], secure: bool) -> std::io::Result<SessionKeys> {
        let mac = <HmacSha256 as Mac>::new_from_slice(key)
            .map_err(|e| std::io::Error::other(format!("session key: {e}")))?;
        Ok(SessionKeys { mac, secure })
    }

    fn mac(&self) -> HmacSha256 {
        self.mac.clone()
    }

    fn sign(&self, payload: &str) -> String {
        let mut m = self.mac();
        m.update(payload.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// A person's feed token from its stored nonce: only its hash is kept, and the pages can
    /// show it again (in their feed links) without storing it.
    pub fn feed_token(&self, user_id: i64, nonce: &str) -> String {
        format!("ft_{}", self.sign(&format!("feed-token:{user_id}:{nonce}")))
    }

    fn encode<T: Serialize>(&self, s: &T) -> String {
        let payload = hex::encode(serde_json::to_vec(s).unwrap_or_default());
        let sig = self.sign(&payload);
        format!("{payload}.{sig}")
    }

    /// What a cookie value holds, if its signature holds.
    fn verified<T: serde::de::DeserializeOwned>(&self, value: &str) -> Option<T> {
        let (payload, sig) = value.split_once('.')?;
        let sig = hex::decode(sig).ok()?;
        let mut m = self.mac();
        m.update(payload.as_bytes());
        // verify_slice compares in constant time.
        m.verify_slice(&sig).ok()?;
        serde_json::from_slice(&hex::decode(payload).ok()?).ok()
    }

    /// The session in a cookie value, if its signature holds and it has not expired.
    fn decode(&self, value: &str, now: i64) -> Option<Session> {
        let s: Session = self.verified(value)?;
        (s.expires > now).then_some(s)
    }

    /// Secure cookies behind an https base URL, or when this request came over TLS (directly
    /// or as a trusted proxy says).
    fn secure_for(&self, req: &HttpRequest) -> bool {
        self.secure || super::client::is_https(req)
    }

    /// Who a device cookie may speak for: a keyed digest, so the cookie does not carry the
    /// e-mail address.
    fn account_tag(&self, email: &str) -> String {
        let tag = self.sign(&format!("device-account:{email}"));
        tag.get(..32).unwrap_or(&tag).to_string()
    }

    /// The Set-Cookie value that marks this browser as `email`'s own, after a sign-in.
    pub fn device_cookie(&self, email: &str, now: i64, req: &HttpRequest) -> String {
        let mut raw = [0u8; 16];
        let id = match getrandom::fill(&mut raw) {
            Ok(()) => hex::encode(raw),
            Err(_) => String::new(),
        };
        let d = Device {
            account: self.account_tag(email),
            id,
            expires: now + DEVICE_LIFETIME_SECS,
        };
        format!(
            "{DEVICE_COOKIE}={}; Path=/logga-in; HttpOnly; SameSite=Strict; Max-Age={DEVICE_LIFETIME_SECS}{}",
            self.encode(&d),
            if self.secure_for(req) { "; Secure" } else { "" }
        )
    }

    /// The id of the device cookie the request carries for `email`, if it is valid.
    pub fn device_of(&self, req: &HttpRequest, email: &str, now: i64) -> Option<String> {
        let tag = self.account_tag(email);
        cookie_values(req, DEVICE_COOKIE)
            .filter_map(|v| self.verified::<Device>(v))
            .find(|d| d.expires > now && d.account == tag && !d.id.is_empty())
            .map(|d| d.id)
    }

    /// The Set-Cookie value of a short-lived signed cookie (`max_age` seconds; 0 removes it),
    /// sent back only to `path`; SameSite=Lax, so that it comes back on a redirect from
    /// another site (the identity provider's).
    pub fn signed_cookie<T: Serialize>(
        &self,
        name: &str,
        path: &str,
        value: &T,
        max_age: i64,
        req: &HttpRequest,
    ) -> String {
        format!(
            "{name}={}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
            if max_age > 0 {
                self.encode(value)
            } else {
                String::new()
            },
            if self.secure_for(req) { "; Secure" } else { "" }
        )
    }

    /// The value of the signed cookie `name` the request carries, if its signature holds.
    pub fn signed_value<T: serde::de::DeserializeOwned>(
        &self,
        req: &HttpRequest,
        name: &str,
    ) -> Option<T> {
        cookie_values(req, name).find_map(|v| self.verified(v))
    }

    /// The Set-Cookie value that stores `s`.
    pub fn cookie(&self, s: &Session, req: &HttpRequest) -> String {
        self.cookie_with(s, self.secure_for(req))
    }

    fn cookie_with(&self, s: &Session, secure: bool) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={LIFETIME_SECS}{}",
            self.encode(s),
            if secure { "; Secure" } else { "" }
        )
    }

    /// The Set-Cookie value that removes the session.
    pub fn clear(&self, req: &HttpRequest) -> String {
        format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            if self.secure_for(req) { "; Secure" } else { "" }
        )
    }
}

fn key_in_data_dir(dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = dir.join(KEY_FILE);
    let read = |path: &Path| -> std::io::Result<Vec<u8>> {
        let text = std::fs::read_to_string(path)?;
        hex::decode(text.trim())
            .ok()
            .filter(|k| k.len() == 64)
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{} must hold 128 hex digits (delete it to make a new key)",
                        path.display()
                    ),
                )
            })
    };
    if path.exists() {
        return read(&path);
    }
    crate::files::private_dir(dir)?;
    let mut key = vec![0u8; 64];
    getrandom::fill(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    // The key is written whole to a file of this process's own, then linked into place: a
    // link never replaces a file, and an instance starting beside this one reads either no
    // key or the whole key, never one half written.
    let own = dir.join(format!("{KEY_FILE}.{}", hex::encode(&key[..8])));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&own)?;
    f.write_all(hex::encode(&key).as_bytes())?;
    f.sync_all()?;
    let linked = std::fs::hard_link(&own, &path);
    std::fs::remove_file(&own)?;
    match linked {
        Ok(()) => Ok(key),
        // Another instance on the same data dir made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(e),
    }
}

/// What the session cookie holds: the user (none before sign-in), the CSRF token, the expiry
/// and when it was issued (microseconds; a person's "valid after" refuses older ones).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    #[serde(rename = "u")]
    pub user: Option<i64>,
    #[serde(rename = "c")]
    pub csrf: String,
    #[serde(rename = "e")]
    pub expires: i64,
    /// Cookies from before this field read as issued at the epoch, so any cut-off ends them.
    #[serde(rename = "i", default)]
    pub issued_micros: i64,
    /// Signed in through the OpenID provider: signing out goes on to the provider's.
    #[serde(rename = "p", default, skip_serializing_if = "std::ops::Not::not")]
    pub via_provider: bool,
}

/// What the device cookie holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Device {
    #[serde(rename = "a")]
    account: String,
    #[serde(rename = "d")]
    id: String,
    #[serde(rename = "e")]
    expires: i64,
}

impl Session {
    /// A new session with a fresh CSRF token (a new one at sign-in, against session fixation).
    pub fn new(user: Option<i64>, now: i64) -> Session {
        Self::issued(user, now, now.saturating_mul(1_000_000))
    }

    fn issued(user: Option<i64>, now: i64, issued_micros: i64) -> Session {
        let mut raw = [0u8; 32];
        // Without randomness the token is empty and every form is refused, which is safe.
        let csrf = match getrandom::fill(&mut raw) {
            Ok(()) => hex::encode(raw),
            Err(_) => String::new(),
        };
        Session {
            user,
            csrf,
            expires: now + LIFETIME_SECS,
            issued_micros,
            via_provider: false,
        }
    }

    /// When the session was issued.
    pub fn issued_at(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_micros(self.issued_micros).unwrap_or_default()
    }
}

fn now(req: &HttpRequest) -> chrono::DateTime<chrono::Utc> {
    req.app_data::<web::Data<Service>>()
        .map_or_else(chrono::Utc::now, |s| s.clock().now())
}

pub fn now_secs(req: &HttpRequest) -> i64 {
    now(req).timestamp()
}

pub(super) fn cookie_values<'a>(
    req: &'a HttpRequest,
    name: &'a str,
) -> impl Iterator<Item = &'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(move |(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// The session the request carries, if any and valid.
pub fn session_of(req: &HttpRequest) -> Option<Session> {
    let keys = req.app_data::<web::Data<SessionKeys>>()?;
    let now = now_secs(req);
    cookie_values(req, COOKIE).find_map(|value| keys.decode(value, now))
}

/// A fresh anonymous session, or the one the request has; for pages that show a form before
/// sign-in. The second value says whether the cookie must be (re)sent.
pub fn session_or_new(req: &HttpRequest) -> (Session, bool) {
    match session_of(req) {
        Some(s) if !s.csrf.is_empty() => (s, false),
        _ => (Session::new(None, now_secs(req)), true),
    }
}

pub fn new_session(req: &HttpRequest, user: Option<i64>) -> Session {
    let at = now(req);
    Session::issued(user, at.timestamp(), at.timestamp_micros())
}

/// Pages that read the navigation's counts themselves (or show no navigation).
const COUNTED_BY_THE_PAGE: [&str; 3] = ["/", "/att-gora", "/forsenade"];

/// A signed-in user of the pages; extracting it redirects to the sign-in page otherwise.
pub struct Viewer {
    pub actor: Actor,
    pub csrf: String,
    /// The navigation's counts (read for pages shown, not for the forms posted; the work lists
    /// put in the ones they read).
    pub counts: WorkCounts,
    /// What the form posted just before did, to say on this page.
    pub done: Option<Confirmation>,
}

impl FromRequest for Viewer {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Viewer, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let svc = req.app_data::<web::Data<Service>>().cloned();
        let session = session_of(req);
        // The work lists read the counts with their list, and the start page only redirects.
        let shown = req.method() == actix_web::http::Method::GET
            && !COUNTED_BY_THE_PAGE.contains(&req.path());
        let done = super::flash::of(req);
        let next = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_string(), |p| p.as_str().to_string());
        let proxied = svc
            .as_ref()
            .and_then(|s| super::proxy_auth::person(req, &s.config));
        let req = req.clone();
        Box::pin(async move {
            let svc = svc.ok_or(PageError::Unavailable)?;
            if let Some(person) = proxied {
                return proxied_viewer(req, svc, session, person, shown, done).await;
            }
            let (Some(session), Some(user)) = (session.clone(), session.and_then(|s| s.user))
            else {
                return Err(PageError::SignIn(next));
            };
            let issued = session.issued_at();
            let actor = crate::web::observe::block(move || {
                let actor = svc.session_actor(user, issued)?;
                let counts = if shown {
                    // The menu's numbers are a convenience: a page still shows without them.
                    svc.work_counts(&actor).unwrap_or_else(|e| {
                        log::warn!("work counts for the menu failed: {e}");
                        WorkCounts::default()
                    })
                } else {
                    WorkCounts::default()
                };
                Ok::<_, ServiceError>((actor, counts))
            })
            .await
            .map_err(|_| PageError::Unavailable)?;
            match actor {
                Ok((actor, counts)) => {
                    super::observe::signed_in(&req, actor.id);
                    Ok(Viewer {
                        actor,
                        csrf: session.csrf,
                        counts,
                        done,
                    })
                }
                Err(ServiceError::Unauthenticated(_)) => Err(PageError::SignIn(next)),
                Err(e) => Err(e.into()),
            }
        })
    }
}

/// The viewer a trusted proxy names: the session's person while it is the same one, else the
/// person signed in through the directory with a new session, whose cookie goes out with the
/// response (`IssuedSession`).
async fn proxied_viewer(
    req: HttpRequest,
    svc: web::Data<Service>,
    session: Option<Session>,
    person: crate::service::directory::DirectoryPerson,
    shown: bool,
    done: Option<Confirmation>,
) -> Result<Viewer, PageError> {
    let current = session.filter(|s| s.user.is_some());
    let result = crate::web::observe::block(move || {
        if let Some(s) = &current {
            if let Some(user) = s.user {
                match svc.session_actor(user, s.issued_at()) {
                    Ok(actor) if actor.email == person.email => {
                        return Ok((actor, None, svc));
                    }
                    Ok(_) | Err(ServiceError::Unauthenticated(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let actor = svc.sign_in_from_directory(&person)?;
        let user = actor.id;
        Ok((actor, Some(user), svc))
    })
    .await
    .map_err(|_| PageError::Unavailable)??;
    let (actor, signed_in, svc) = result;
    let csrf = match signed_in {
        Some(user) => {
            let fresh = new_session(&req, Some(user));
            if let Some(keys) = req.app_data::<web::Data<SessionKeys>>() {
                use actix_web::HttpMessage as _;
                req.extensions_mut()
                    .insert(IssuedSession(keys.cookie(&fresh, &req)));
            }
            fresh.csrf
        }
        None => session_of(&req).map(|s| s.csrf).unwrap_or_default(),
    };
    let counts = if shown {
        let a = actor.clone();
        crate::web::observe::block(move || svc.work_counts(&a))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    } else {
        WorkCounts::default()
    };
    super::observe::signed_in(&req, actor.id);
    Ok(Viewer {
        actor,
        csrf,
        counts,
        done,
    })
}

/// A session made during this request (a proxy's sign-in); the pages' middleware sends its
/// cookie with the response.
#[derive(Clone)]
pub struct IssuedSession(pub String);

/// Adds the cookie of a session made during the request to its response.
pub fn send_issued_session<B>(
    mut res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::dev::ServiceResponse<B> {
    use actix_web::HttpMessage as _;
    let issued = res.request().extensions().get::<IssuedSession>().cloned();
    if let Some(IssuedSession(cookie)) = issued {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&cookie) {
            res.headers_mut()
                .append(actix_web::http::header::SET_COOKIE, v);
        }
    }
    res
}

/// A submitted form whose CSRF token matched the session's; every page POST takes one.
pub struct Posted {
    fields: Vec<(String, String)>,
}

impl Posted {
    /// The first value of a field, trimmed; None when absent or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The raw first value of a field, untrimmed (passwords).
    pub fn raw(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// A comma-separated field as a list (tags, countries).
    /// Every value of a repeated field (checkboxes), trimmed, blanks left out.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every field except the token, to fill a form in again after an error.
    pub fn values(&self) -> serde_json::Map<String, serde_json::Value> {
        self.fields
            .iter()
            .filter(|(k, _)| k != "csrf" && k != "password")
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect()
    }
}

pub(crate) fn same(a: &str, b: &str) -> bool {
    // Constant time over the length of the expected token.
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl FromRequest for Posted {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Posted, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = session_of(req);
        let form = web::Form::<Vec<(String, String)>>::from_request(req, payload);
        Box::pin(async move {
            let fields = match form.await {
                Ok(f) => f.into_inner(),
                // A form without the token is refused before its content matters.
                Err(_) if session.is_none() => return Err(PageError::Csrf),
                Err(e) => return Err(PageError::BadForm(e.to_string())),
            };
            let sent = fields
                .iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            match session {
                Some(s) if !s.csrf.is_empty() && same(sent, &s.csrf) => Ok(Posted { fields }),
                _ => Err(PageError::Csrf),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::new(&[7; 64], false).unwrap()
    }

    #[test]
    fn a_signed_session_round_trips_and_a_tampered_one_does_not() {
        let k = keys();
        let s = Session::new(Some(42), 1000);
        assert_eq!(s.issued_at().timestamp(), 1000);
        let v = k.encode(&s);
        let back = k.decode(&v, 1001).map(|s| s.user);
        assert_eq!(back, Some(Some(42)));
        let (payload, sig) = v.split_once('.').unwrap_or_default();
        let forged = hex::encode(
            serde_json::to_vec(&Session {
                user: Some(1),
                ..s.clone()
            })
            .unwrap_or_default(),
        );
        assert!(k.decode(&format!("{forged}.{sig}"), 1001).is_none());
        assert!(k.decode(&format!("{payload}.00"), 1001).is_none());
        assert!(k.decode("garbage", 1001).is_none());
        // Expired.
        assert!(k.decode(&v, 1000 + LIFETIME_SECS).is_none());
        // Another key.
        let other = SessionKeys::new(&[8; 64], false).unwrap();
        assert!(other.decode(&v, 1001).is_none());
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        use actix_web::test::TestRequest;
        let mut k = keys();
        let plain = TestRequest::default().to_http_request();
        let c = k.cookie(&Session::new(None, 0), &plain);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"));
        // X-Forwarded-Proto counts from a trusted proxy only.
        let spoofed = TestRequest::default()
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request();
        assert!(!k
            .cookie(&Session::new(None, 0), &spoofed)
            .contains("Secure"));
        let proxied = TestRequest::default()
            .peer_addr("10.0.0.2:4000".parse().unwrap_or_else(|e| panic!("{e}")))
            .app_data(web::Data::new(crate::web::client::TrustedProxies(vec![
                "10.0.0.0/8".parse().unwrap_or_else(|e| panic!("{e}")),
            ])))
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request();
        assert!(k
            .cookie(&Session::new(None, 0), &proxied)
            .ends_with("; Secure"));
        k.secure = true;
        assert!(k
            .cookie(&Session::new(None, 0), &plain)
            .ends_with("; Secure"));
        assert!(k.clear(&plain).ends_with("; Secure"));
    }

    #[test]
    fn a_key_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = key_in_data_dir(dir.path()).unwrap_or_default();
        let b = key_in_data_dir(dir.path()).unwrap_or_default();
        assert_eq!(a.len(), 64);
        assert_eq!(a, b);
    }

    #[test]
    fn instances_starting_together_read_one_whole_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let keys: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|s| {
                let starts: Vec<_> = (0..4)
                    .map(|_| s.spawn(|| key_in_data_dir(dir.path())))
                    .collect();
                starts.into_iter().map(|t| t.join().unwrap()).collect()
            });
            let first = keys[0].as_ref().unwrap();
            assert_eq!(first.len(), 64);
            for k in &keys {
                assert_eq!(k.as_ref().unwrap(), first);
            }
            let files = std::fs::read_dir(dir.path()).unwrap().count();
            assert_eq!(files, 1, "only the key is left behind");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("", "abc"));
        assert!(!same("abcd", "abc"));
    }
}
