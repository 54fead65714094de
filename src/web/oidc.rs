//! Sign-in through the agency's OpenID provider: the authorization-code flow with PKCE, `state`
//! and `nonce` (`GET /auth/oidc/login?next=…`, `GET /auth/oidc/callback`), discovery from the
//! issuer, and the ID token's signature and claims checked by the `openidconnect` crate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationFlow, AuthorizationCode, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::PageError;
use super::redirect::safe_next;
use super::session::{new_session, SessionKeys};
use crate::config::OidcSettings;
use crate::service::directory::DirectoryPerson;
use crate::service::Service;

/// The cookie that carries state, nonce, the PKCE verifier and where to go, from the start of
/// a sign-in to its callback.
const FLOW_COOKIE: &str = "eskalera_oidc";
const FLOW_PATH: &str = "/auth/oidc";
/// How long a person may take at the provider's pages.
const FLOW_SECS: i64 = 600;
/// How long discovery (endpoints and signing keys) is kept before it is read again, so that a
/// provider's new keys are picked up.
const DISCOVERY_TTL: Duration = Duration::from_secs(600);

/// The claims beyond the standard ones: the groups, and wherever the settings say the e-mail
/// and name are.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    all: Map<String, Value>,
}
impl AdditionalClaims for OtherClaims {}

/// The discovery's one field beyond the core: where the provider signs people out
/// (RP-initiated logout), when it offers that.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogoutMetadata {
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type TokenResponse = StandardTokenResponse<
    IdTokenFields<
        OtherClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What went wrong in a sign-in, for the log (never a token) and for the person's page.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the identity provider cannot be reached or read: {0}")]
    Provider(String),
    #[error("the sign-in was not started here or took too long (no or bad flow cookie)")]
    NoFlow,
    #[error("the state does not match the one this sign-in started with")]
    StateMismatch,
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the code could not be exchanged: {0}")]
    Exchange(String),
    #[error("the ID token is not valid: {0}")]
    Token(String),
    #[error("the ID token has no {0}")]
    MissingClaim(&'static str),
}

/// The provider, discovered when first needed and again after `DISCOVERY_TTL`.
pub struct Provider {
    settings: OidcSettings,
    redirect: String,
    http: ureq::Agent,
    discovered: Mutex<Option<Discovered>>,
}

/// What discovery gave, and when.
#[derive(Clone)]
struct Discovered {
    at: Instant,
    client: OidcClient,
    end_session: Option<String>,
}

impl Provider {
    /// The provider of `settings`, reached with the platform's roots and the certificates of
    /// `ca_file`.
    pub fn new(
        settings: OidcSettings,
        base_url: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Provider, String> {
        let mut agent = ureq::AgentBuilder::new()
            // A provider's redirect is never followed: discovery and tokens come from it alone.
            .redirects(0)
            .timeout(Duration::from_secs(15));
        if let Some(path) = ca_file {
            agent = agent.tls_config(std::sync::Arc::new(tls_trusting(path)?));
        }
        let http = agent.build();
        Ok(Provider {
            redirect: format!("{}/auth/oidc/callback", base_url.trim_end_matches('/')),
            settings,
            http,
            discovered: Mutex::new(None),
        })
    }

    /// The client, from the cache or a fresh discovery (blocking: call it off the workers).
    fn client(&self) -> Result<OidcClient, OidcError> {
        self.discovered().map(|d| d.client)
    }

    /// Where to send a person signing out of eskalera so that they sign out at the provider
    /// too, coming back to the sign-in page; None when the provider offers no such address.
    pub fn sign_out_url(&self) -> Option<String> {
        let end = self.discovered().ok()?.end_session?;
        let back = self.redirect.replace("/auth/oidc/callback", "/logga-in");
        let mut url = url::Url::parse(&end).ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("post_logout_redirect_uri", &back);
        Some(url.to_string())
    }

    fn discovered(&self) -> Result<Discovered, OidcError> {
        if let Ok(cached) = self.discovered.lock() {
            if let Some(d) = cached.as_ref() {
                if d.at.elapsed() < DISCOVERY_TTL {
                    return Ok(d.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Provider(format!("issuer: {e}")))?;
        let metadata = Metadata::discover(&issuer, &self.http)
            .map_err(|e| OidcError::Provider(e.to_string()))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let redirect = RedirectUrl::new(self.redirect.clone())
            .map_err(|e| OidcError::Provider(format!("redirect URI: {e}")))?;
        let client: OidcClient = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect);
        let found = Discovered {
            at: Instant::now(),
            client,
            end_session,
        };
        if let Ok(mut cached) = self.discovered.lock() {
            *cached = Some(found.clone());
        }
        Ok(found)
    }

    /// Forgets the discovery, so that the next sign-in reads new signing keys.
    fn forget(&self) {
        if let Ok(mut cached) = self.discovered.lock() {
            *cached = None;
        }
    }
}

/// TLS that trusts the platform's roots (webpki) and the certificates of `ca_file`.
fn tls_trusting(ca_file: &std::path::Path) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in crate::config::extra_roots(ca_file)? {
        roots
            .add(cert)
            .map_err(|e| format!("{}: {e}", ca_file.display()))?;
    }
    rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

/// What the flow cookie holds between the start and the callback.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    expires: i64,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn provider_of(req: &HttpRequest) -> Result<web::Data<Provider>, PageError> {
    req.app_data::<web::Data<Provider>>()
        .cloned()
        .ok_or(PageError::NotConfigured)
}

/// Starts a sign-in: to the provider with a new state, nonce and PKCE challenge.
pub async fn login(
    req: HttpRequest,
    keys: web::Data<SessionKeys>,
    q: web::Query<LoginQuery>,
) -> Result<HttpResponse, PageError> {
    let next = safe_next(q.next.as_deref());
    let p = provider_of(&req)?;
    let client = crate::web::observe::block(move || p.client())
        .await
        .map_err(|_| PageError::Unavailable)?
        .map_err(|e| oidc_failed(&e))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("groups".into()))
        .add_extra_param("response_mode", "query")
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next,
        expires: super::session::now_secs(&req) + FLOW_SECS,
    };
    let cookie = keys.signed_cookie(FLOW_COOKIE, FLOW_PATH, &flow, FLOW_SECS, &req);
    let mut res = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url.to_string()))
        .finish();
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The provider sends the person back: the state checked against the flow cookie, the code
/// exchanged with the PKCE verifier, the ID token's signature, issuer, audience, expiry and
/// nonce checked; then the person signed in through the directory's rules.
pub async fn callback(
    req: HttpRequest,
    svc: web::Data<Service>,
    keys: web::Data<SessionKeys>,
    q: web::Query<CallbackQuery>,
) -> Result<HttpResponse, PageError> {
    // The flow cookie is used once, whatever happens next.
    let gone = keys.signed_cookie(FLOW_COOKIE, FLOW_PATH, &(), 0, &req);
    let result = finish(&req, svc, &keys, &q).await;
    let mut res = match result {
        Ok(res) => res,
        Err(e) => actix_web::ResponseError::error_response(&e),
    };
    if let Ok(v) = header::HeaderValue::from_str(&gone) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

async fn finish(
    req: &HttpRequest,
    svc: web::Data<Service>,
    keys: &SessionKeys,
    q: &CallbackQuery,
) -> Result<HttpResponse, PageError> {
    let p = provider_of(req)?;
    let flow: Flow = keys
        .signed_value(req, FLOW_COOKIE)
        .filter(|f: &Flow| f.expires > super::session::now_secs(req))
        .ok_or_else(|| oidc_failed(&OidcError::NoFlow))?;
    if let Some(error) = &q.error {
        return Err(oidc_failed(&OidcError::Refused(error.clone())));
    }
    if q.state.as_deref() != Some(flow.state.as_str()) {
        return Err(oidc_failed(&OidcError::StateMismatch));
    }
    let code = q
        .code
        .clone()
        .ok_or_else(|| oidc_failed(&OidcError::Refused("no code".into())))?;
    let auth = svc.config.auth.clone();
    let person = crate::web::observe::block(move || {
        let person = exchange(&p, code, &flow, &auth);
        if matches!(person, Err(OidcError::Token(_))) {
            // New signing keys are the likeliest cause: read them again next time.
            p.forget();
        }
        person.map(|person| (person, flow.next))
    })
    .await
    .map_err(|_| PageError::Unavailable)?
    .map_err(|e| oidc_failed(&e))?;
    let (person, next) = person;
    let s = svc.into_inner();
    let actor = crate::web::observe::block(move || s.sign_in_from_directory(&person))
        .await
        .map_err(|_| PageError::Unavailable)?
        .map_err(PageError::from)?;
    // A new session, and so a new CSRF token, at every sign-in.
    let mut session = new_session(req, Some(actor.id));
    session.via_provider = true;
    let mut res = super::pages::see_other(&next);
    if let Ok(v) = header::HeaderValue::from_str(&keys.cookie(&session, req)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The code for tokens, and the ID token's claims as a person (blocking).
fn exchange(
    p: &Provider,
    code: String,
    flow: &Flow,
    auth: &crate::service::directory::AuthConfig,
) -> Result<DirectoryPerson, OidcError> {
    let client = p.client()?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| OidcError::Exchange(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request(&p.http)
        .map_err(|e| OidcError::Exchange(e.to_string()))?;
    let id_token = tokens
        .extra_fields()
        .id_token()
        .ok_or(OidcError::MissingClaim("ID token"))?;
    // Times are checked against the system clock, never ESKALERA_NOW.
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(flow.nonce.clone()))
        .map_err(|e| OidcError::Token(e.to_string()))?;
    let other = &claims.additional_claims().all;
    let text = |name: &str| other.get(name).and_then(Value::as_str).map(String::from);
    let email = match auth.email_claim.as_str() {
        "email" => claims.email().map(|e| e.to_string()),
        name => text(name),
    }
    .ok_or(OidcError::MissingClaim("e-mail"))?;
    let name = match auth.name_claim.as_str() {
        "name" => claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        other_name => text(other_name),
    }
    .unwrap_or_else(|| email.clone());
    let groups = match other.get(&auth.groups_claim) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    // Entra's object id names the person across its applications; elsewhere the subject does.
    let subject = text("oid").unwrap_or_else(|| claims.subject().to_string());
    Ok(DirectoryPerson {
        issuer: claims.issuer().to_string(),
        subject,
        email,
        name,
        groups,
    })
}

/// A failed sign-in: logged with its cause (never a token), a Swedish page for the person.
fn oidc_failed(e: &OidcError) -> PageError {
    log::warn!("OpenID sign-in failed: {e}");
    match e {
        OidcError::Provider(_) => PageError::ProviderDown,
        _ => PageError::SignInFailed,
    }
}
