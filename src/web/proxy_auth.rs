//! Sign-in by a trusted reverse proxy: the person its headers name (`ESKALERA_AUTH_HEADERS`),
//! believed from the addresses of `ESKALERA_TRUSTED_PROXIES` only.

use actix_web::HttpRequest;

use super::client;
use crate::config::Config;
use crate::service::directory::DirectoryPerson;

/// The issuer of people named by the proxy's headers: the proxy has no subject of its own, so
/// the address is the subject.
pub const HEADER_ISSUER: &str = "header";

/// The person the proxy's headers name, when header sign-in is on, the request came from a
/// trusted proxy and it names someone. Headers from anyone else are ignored and logged,
/// without their values.
pub fn person(req: &HttpRequest, config: &Config) -> Option<DirectoryPerson> {
    if !config.auth_headers {
        return None;
    }
    let auth = &config.auth;
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let email = header(&auth.email_header)?;
    if !client::from_trusted_proxy(req) {
        log::warn!(
            "{} from {} ignored: not a trusted proxy",
            auth.email_header,
            client::address_key(req)
        );
        return None;
    }
    let groups = header(&auth.groups_header)
        .map(|g| {
            g.split(auth.groups_separator.as_str())
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let email = email.to_lowercase();
    Some(DirectoryPerson {
        issuer: HEADER_ISSUER.into(),
        subject: email.clone(),
        name: header(&auth.name_header).unwrap_or(&email).to_string(),
        email,
        groups,
    })
}
