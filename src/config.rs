//! Settings and the organisation structure, read from TOML, overridden by `ESKALERA_*`
//! variables and validated at load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::answer::{BindingStatus, IssueRules};
use crate::domain::calendar::WorkingTime;
use crate::domain::question::Priority;
use crate::domain::sla::StageTargets;
use crate::domain::structure::{Forum, Level, Named, Region, Structure, StructureError, Unit};
use crate::domain::Code;
use crate::service::directory::AuthConfig;

const DEFAULT_SETTINGS: &str = include_str!("../config/default.toml");
const DEFAULT_STRUCTURE: &str = include_str!("../config/structure.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {source}")]
    Structure {
        path: String,
        source: StructureError,
    },
    #[error("{name}: {message}")]
    Env { name: &'static str, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Targets of one level, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Until the first response (claim or request for information).
    pub first_response: f64,
    /// Until the stage ends by an answer or an escalation.
    pub resolve: f64,
    pub urgent_first_response: f64,
    pub urgent_resolve: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaConfig {
    /// Share of the target after which a stage counts as at risk.
    #[serde(default = "default_at_risk")]
    pub at_risk_share: f64,
    #[serde(default = "default_working_time")]
    pub working_time: WorkingTime,
    pub targets: BTreeMap<String, Target>,
}

fn default_at_risk() -> f64 {
    0.75
}
fn default_working_time() -> WorkingTime {
    WorkingTime::FullDays
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    /// No longer used (0.5.0): `retry_for_hours` decides when a mail gives up. Accepted so
    /// that an older settings file still loads; `eskalera config check` warns of it.
    #[serde(default)]
    pub max_attempts: Option<i32>,
    /// The longest wait between two attempts to send a mail.
    #[serde(default = "default_backoff")]
    pub max_backoff_seconds: u64,
    /// How long a mail the server could not take for a passing reason is tried again before it
    /// gives up (a weekend's outage of the relay is 48 hours + a margin); a permanent refusal
    /// (5xx) gives up at once.
    #[serde(default = "default_retry_hours")]
    pub retry_for_hours: f64,
    /// Local hour (Europe/Stockholm) at which daily digests go out.
    #[serde(default = "default_digest_hour")]
    pub digest_hour: u32,
}

fn default_backoff() -> u64 {
    600
}
fn default_retry_hours() -> f64 {
    48.0
}
fn default_digest_hour() -> u32 {
    7
}

/// `[search]`: how free-text queries are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// `combined` (default) or `fields`, the ranking before 0.2.7, kept for comparison.
    #[serde(default)]
    pub ranking: crate::search::Ranking,
}

/// `[register]`: which answers the register of current guidance shows without a filter.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterConfig {
    /// Guidance counts as in force from this level up; binding and temporary answers at
    /// every level. Lower guidance appears when a filter asks for its level.
    #[serde(default = "national_group")]
    pub guidance_from_level: Level,
}

fn national_group() -> Level {
    Level::NationalGroup
}

impl Default for RegisterConfig {
    fn default() -> Self {
        RegisterConfig {
            guidance_from_level: national_group(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    bind: String,
    data_dir: PathBuf,
    database_url: Option<String>,
    base_url: String,
    structure: PathBuf,
    smtp_url: Option<String>,
    /// Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    search: SearchConfig,
    /// How the directory's groups become roles, units and memberships.
    #[serde(default)]
    auth: AuthConfig,
    #[serde(default)]
    register: RegisterConfig,
    sla: SlaConfig,
    binding: BTreeMap<String, Vec<BindingStatus>>,
    mail: MailConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStructure {
    regions: Vec<RawNamed>,
    processes: Vec<RawNamed>,
    categories: Vec<RawNamed>,
    forums: Vec<RawForum>,
    units: Vec<RawUnit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamed {
    code: String,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForum {
    code: String,
    name: String,
    level: Level,
    region: Option<String>,
    process: Option<String>,
    #[serde(default)]
    parents: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    code: String,
    name: String,
    region: String,
    regional_group: String,
}

/// The OpenID provider the pages sign people in with.
#[derive(Clone)]
pub struct OidcSettings {
    /// `ESKALERA_OIDC_ISSUER`: discovery is read from `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// `ESKALERA_OIDC_CLIENT_ID`.
    pub client_id: String,
    /// `ESKALERA_OIDC_CLIENT_SECRET` or the file `ESKALERA_OIDC_CLIENT_SECRET_FILE` names.
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for OidcSettings {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[set]"),
            )
            .finish()
    }
}

/// A setting from the environment, or from the file `{name}_FILE` names (a secret mounted by
/// the platform); setting both is a mistake.
pub fn env_or_file(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<String>, ConfigError> {
    let file_name = format!("{name}_FILE");
    match (env(name), env(&file_name)) {
        (Some(_), Some(_)) => Err(ConfigError::Env {
            name,
            message: format!("set either {name} or {file_name}, not both"),
        }),
        (Some(v), None) => Ok(Some(v.trim().to_string())),
        (None, Some(path)) => std::fs::read_to_string(path.trim())
            .map(|v| Some(v.trim().to_string()))
            .map_err(|e| ConfigError::Env {
                name,
                message: format!("{file_name} names a file that cannot be read: {e}"),
            }),
        (None, None) => Ok(None),
    }
}

/// Everything the service needs to start, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub base_url: String,
    pub smtp_url: Option<String>,
    /// Addresses (CIDR) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
    /// believed; from anyone else those headers are ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub search: SearchConfig,
    /// `[auth]`: the directory's groups as roles, home units and memberships.
    pub auth: AuthConfig,
    /// Whether people may sign in with a local password (`ESKALERA_LOCAL_PASSWORDS`, on by
    /// default); off removes the password form where the directory signs everyone in.
    pub local_passwords: bool,
    /// Whether a trusted proxy's headers sign people in (`ESKALERA_AUTH_HEADERS`, off by
    /// default; needs `ESKALERA_TRUSTED_PROXIES`).
    pub auth_headers: bool,
    /// Sign-in through an OpenID provider (`ESKALERA_OIDC_*`), when its issuer is set.
    pub oidc: Option<OidcSettings>,
    /// `ESKALERA_CA_FILE`: PEM certificates trusted beside the platform's roots for outgoing
    /// TLS (the identity provider), e.g. the agency's own CA.
    pub ca_file: Option<PathBuf>,
    /// `ESKALERA_SMTP_CA_FILE`, else `ESKALERA_CA_FILE`: certificates the mail relay's TLS is
    /// also checked against.
    pub smtp_ca_file: Option<PathBuf>,
    /// Where the clock starts (`ESKALERA_NOW`); None means the system clock.
    pub now: Option<DateTime<Utc>>,
    /// Key for signing sessions (`ESKALERA_SESSION_KEY`, 64 bytes).
    pub session_key: Option<Vec<u8>>,
    /// `[register]`: what counts as in force.
    pub register: RegisterConfig,
    /// `ESKALERA_EMBED_ANCESTORS`: the origins (intranet) that may frame an embedded view
    /// (`?embed=1`); empty means none may.
    pub embed_ancestors: Vec<String>,
    pub sla: SlaConfig,
    pub issue_rules: IssueRules,
    pub mail: MailConfig,
    pub structure: Structure,
}

impl Config {
    /// Reads `path`, or `config/default.toml` under the working directory, or the built-in
    /// defaults, then applies the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(path, |name| std::env::var(name).ok())
    }

    pub fn load_with_env(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let fallback = PathBuf::from("config/default.toml");
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| fallback.exists().then_some(fallback));
        let (settings_text, settings_name, dir) = match &path {
            Some(p) => (
                read(p)?,
                p.display().to_string(),
                p.parent().map(Path::to_path_buf),
            ),
            None => (
                DEFAULT_SETTINGS.to_string(),
                "built-in default.toml".into(),
                None,
            ),
        };
        let raw: RawSettings = toml::from_str(&settings_text).map_err(|e| ConfigError::Parse {
            path: settings_name.clone(),
            message: e.to_string(),
        })?;
        let (structure_text, structure_name) = match &dir {
            Some(d) => {
                let p = d.join(&raw.structure);
                (read(&p)?, p.display().to_string())
            }
            None => (
                DEFAULT_STRUCTURE.to_string(),
                "built-in structure.toml".into(),
            ),
        };
        let structure = parse_structure(&structure_text, &structure_name)?;
        Self::build(raw, structure, &settings_name, env)
    }

    fn build(
        raw: RawSettings,
        structure: Structure,
        settings_name: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut allowed = BTreeMap::new();
        for (level, statuses) in raw.binding {
            let level = Level::parse(&level).ok_or_else(|| ConfigError::Parse {
                path: settings_name.into(),
                message: format!(
                    "[binding] names unknown level '{level}' (levels: {})",
                    Level::choices()
                ),
            })?;
            allowed.insert(level, statuses);
        }
        let issue_rules = IssueRules::new(allowed).map_err(|m| ConfigError::Parse {
            path: settings_name.into(),
            message: format!("[binding] {m}"),
        })?;
        for level in Level::ALL {
            if !raw.sla.targets.contains_key(level.as_str()) {
                return Err(ConfigError::Parse {
                    path: settings_name.into(),
                    message: format!("[sla.targets] has no entry for level {level}"),
                });
            }
        }
        if let Some(l) = raw.sla.targets.keys().find(|l| Level::parse(l).is_none()) {
            return Err(ConfigError::Parse {
                path: settings_name.into(),
                message: format!("[sla.targets] names unknown level '{l}'"),
            });
        }
        if !(0.0..=1.0).contains(&raw.sla.at_risk_share) {
            return Err(ConfigError::Invalid(
                "sla.at_risk_share must be between 0 and 1".into(),
            ));
        }
        let data_dir = env("ESKALERA_DATA_DIR")
            .map(PathBuf::from)
            .unwrap_or(raw.data_dir);
        let database_url = env_or_file(&env, "ESKALERA_DATABASE_URL")?
            .or(raw.database_url)
            .unwrap_or_else(|| data_dir.join("eskalera.db").display().to_string());
        let now = match env("ESKALERA_NOW") {
            Some(s) => Some(
                DateTime::parse_from_rfc3339(s.trim())
                    .map_err(|e| ConfigError::Env {
                        name: "ESKALERA_NOW",
                        message: format!(
                            "not an RFC 3339 instant ({e}), e.g. 2026-03-02T09:00:00+01:00"
                        ),
                    })?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let session_key = match env_or_file(&env, "ESKALERA_SESSION_KEY")? {
            Some(s) => {
                let key = hex::decode(s.trim()).map_err(|e| ConfigError::Env {
                    name: "ESKALERA_SESSION_KEY",
                    message: format!("not hex: {e}"),
                })?;
                if key.len() != 64 {
                    return Err(ConfigError::Env {
                        name: "ESKALERA_SESSION_KEY",
                        message: format!("must be 64 bytes (128 hex digits), got {}", key.len()),
                    });
                }
                Some(key)
            }
            None => None,
        };
        let (smtp_url, smtp_source) = match env_or_file(&env, "ESKALERA_SMTP_URL")? {
            Some(u) => (Some(u), "ESKALERA_SMTP_URL"),
            None => (raw.smtp_url, "smtp_url"),
        };
        if let Some(url) = &smtp_url {
            crate::notify::mailer::check_url(url).map_err(|message| ConfigError::Env {
                name: smtp_source,
                message,
            })?;
        }
        let trusted_proxies = match env("ESKALERA_TRUSTED_PROXIES") {
            Some(list) => parse_networks(
                "ESKALERA_TRUSTED_PROXIES",
                list.split(',').map(str::trim).filter(|s| !s.is_empty()),
            )?,
            None => parse_networks(
                "trusted_proxies",
                raw.trusted_proxies.iter().map(|s| s.trim()),
            )?,
        };
        check_auth(&raw.auth, &structure).map_err(|message| ConfigError::Parse {
            path: settings_name.into(),
            message,
        })?;
        let local_passwords = on_off(&env, "ESKALERA_LOCAL_PASSWORDS", true)?;
        let auth_headers = on_off(&env, "ESKALERA_AUTH_HEADERS", false)?;
        if auth_headers && trusted_proxies.is_empty() {
            return Err(ConfigError::Env {
                name: "ESKALERA_AUTH_HEADERS",
                message: "is on, but ESKALERA_TRUSTED_PROXIES names no proxy: anyone could \
                          send the headers and be anyone"
                    .into(),
            });
        }
        let oidc = match env_or_file(&env, "ESKALERA_OIDC_ISSUER")? {
            None => None,
            Some(issuer) => Some(OidcSettings {
                issuer,
                client_id: env_or_file(&env, "ESKALERA_OIDC_CLIENT_ID")?.ok_or(
                    ConfigError::Env {
                        name: "ESKALERA_OIDC_CLIENT_ID",
                        message: "is needed with ESKALERA_OIDC_ISSUER".into(),
                    },
                )?,
                client_secret: env_or_file(&env, "ESKALERA_OIDC_CLIENT_SECRET")?,
            }),
        };
        let ca_file = env("ESKALERA_CA_FILE").map(|p| PathBuf::from(p.trim()));
        if let Some(path) = &ca_file {
            extra_roots(path).map_err(|message| ConfigError::Env {
                name: "ESKALERA_CA_FILE",
                message,
            })?;
        }
        // The relay may have a CA of its own; by default it is the one of sign-in.
        let smtp_ca_file = match env("ESKALERA_SMTP_CA_FILE") {
            Some(p) => {
                let path = PathBuf::from(p.trim());
                extra_roots(&path).map_err(|message| ConfigError::Env {
                    name: "ESKALERA_SMTP_CA_FILE",
                    message,
                })?;
                Some(path)
            }
            None => ca_file.clone(),
        };
        let embed_ancestors = match env("ESKALERA_EMBED_ANCESTORS") {
            None => Vec::new(),
            Some(list) => parse_origins(&list).map_err(|message| ConfigError::Env {
                name: "ESKALERA_EMBED_ANCESTORS",
                message,
            })?,
        };
        Ok(Config {
            bind: env("ESKALERA_BIND").unwrap_or(raw.bind),
            data_dir,
            database_url,
            base_url: env("ESKALERA_BASE_URL").unwrap_or(raw.base_url),
            smtp_url,
            trusted_proxies,
            search: raw.search,
            auth: raw.auth,
            local_passwords,
            auth_headers,
            oidc,
            ca_file,
            smtp_ca_file,
            now,
            session_key,
            register: raw.register,
            embed_ancestors,
            sla: raw.sla,
            issue_rules,
            mail: raw.mail,
            structure,
        })
    }

    /// What `eskalera config check` reports: where things are, never a secret.
    pub fn summary(&self) -> Vec<String> {
        let database = match crate::store::Backend::of(&self.database_url) {
            crate::store::Backend::Postgres => {
                let at = url::Url::parse(&self.database_url).map_or_else(
                    |_| "?".to_string(),
                    |u| format!("{}{}", u.host_str().unwrap_or("(socket)"), u.path()),
                );
                format!("database: PostgreSQL at {at}")
            }
            crate::store::Backend::Sqlite => format!("database: SQLite file {}", self.database_url),
        };
        let mail = match self
            .smtp_url
            .as_deref()
            .map(crate::notify::mailer::parse_url)
        {
            Some(Ok(t)) => format!("mail: SMTP {}:{} ({:?} TLS)", t.host, t.port, t.tls),
            Some(Err(e)) => format!("mail: {e}"),
            None => format!(
                "mail: written as .eml files under {}",
                self.data_dir.join("mail").display()
            ),
        };
        let sign_in = [
            self.local_passwords.then_some("local passwords"),
            self.oidc.as_ref().map(|o| o.issuer.as_str()),
            self.auth_headers.then_some("a trusted proxy's headers"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        vec![
            format!("listens on: {}", self.bind),
            format!("address in links: {}", self.base_url),
            format!("data dir: {}", self.data_dir.display()),
            database,
            mail,
            format!("sign-in: {sign_in}"),
            format!(
                "structure: {} units, {} forums, {} processes",
                self.structure.units.len(),
                self.structure.forums.len(),
                self.structure.processes.len()
            ),
        ]
    }

    /// Settings that load but are probably not what was meant.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.mail.max_attempts.is_some() {
            w.push(
                "mail.max_attempts is no longer used: mail.retry_for_hours decides when a mail \
                 gives up"
                    .into(),
            );
        }
        if let Some(Ok(t)) = self
            .smtp_url
            .as_deref()
            .map(crate::notify::mailer::parse_url)
        {
            if t.password_in_clear() {
                w.push(format!(
                    "the SMTP password to {} would go unencrypted: add ?tls=required or use \
                     smtps://",
                    t.host
                ));
            }
        }
        if self.session_key.is_none()
            && crate::store::Backend::of(&self.database_url) == crate::store::Backend::Postgres
        {
            w.push(format!(
                "ESKALERA_SESSION_KEY is not set: this instance keeps its own key in {}, and a \
                 sign-in at one instance is not valid at another",
                self.data_dir.join("session.key").display()
            ));
        }
        if !self.base_url.starts_with("https://") {
            w.push(format!(
                "base_url {} is not https: fine on a workstation, not in production",
                self.base_url
            ));
        }
        if let Err(e) = std::fs::metadata(&self.data_dir) {
            w.push(format!(
                "data dir {} cannot be read ({e}); serve makes it if it may",
                self.data_dir.display()
            ));
        }
        w
    }

    /// The targets of a stage at `level` for a question of `priority` (urgent ones are shorter).
    pub fn stage_targets(&self, level: Level, priority: Priority) -> StageTargets {
        let t = self.target(level);
        if priority == Priority::Urgent {
            StageTargets {
                first_response: t.urgent_first_response,
                resolve: t.urgent_resolve,
            }
        } else {
            StageTargets {
                first_response: t.first_response,
                resolve: t.resolve,
            }
        }
    }

    /// The SLA targets of a level; every level has one (checked at load).
    pub fn target(&self, level: Level) -> Target {
        self.sla
            .targets
            .get(level.as_str())
            .copied()
            .unwrap_or(Target {
                first_response: 1.0,
                resolve: 5.0,
                urgent_first_response: 1.0,
                urgent_resolve: 2.0,
            })
    }
}

/// CIDR networks, or single addresses taken as a network of one.
/// The certificates of a PEM file, to trust beside the platform's roots; at least one.
pub fn extra_roots(path: &Path) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let certs = rustls_pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: not PEM certificates ({e})", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: holds no certificate", path.display()));
    }
    Ok(certs)
}

/// An `on`/`off` setting from the environment; `default` when unset.
/// The origins of `ESKALERA_EMBED_ANCESTORS` (separated by commas or spaces): each
/// `https://host[:port]` (or `http://`), nothing else, since they go into a CSP header.
fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for item in list
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let url = url::Url::parse(item).map_err(|e| {
            format!("'{item}' is not an origin such as https://intranat.example: {e}")
        })?;
        let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() || !bare {
            return Err(format!(
                "'{item}' is not an origin such as https://intranat.example (scheme and host only)"
            ));
        }
        origins.push(url.origin().ascii_serialization());
    }
    Ok(origins)
}

fn on_off(
    env: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match env(name).as_deref().map(str::trim) {
        None => Ok(default),
        Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(ConfigError::Env {
            name,
            message: format!("'{other}' is neither on nor off"),
        }),
    }
}

/// Every forum and unit `[auth]` names exists: a typo would silently give nobody anything.
fn check_auth(auth: &AuthConfig, structure: &Structure) -> Result<(), String> {
    let units = auth
        .groups
        .iter()
        .filter_map(|g| g.unit.as_ref().map(|u| (g.name.as_str(), u)))
        .chain(auth.default_unit.iter().map(|u| ("default_unit", u)));
    for (group, unit) in units {
        if !structure.units.contains_key(unit) {
            return Err(format!("[auth] {group} names unknown unit '{unit}'"));
        }
    }
    for g in &auth.groups {
        if let Some(f) = g.forums.iter().find(|f| structure.forum(f).is_none()) {
            return Err(format!("[auth] group {} names unknown forum '{f}'", g.name));
        }
    }
    Ok(())
}

fn parse_networks<'a>(
    name: &'static str,
    items: impl Iterator<Item = &'a str>,
) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    items
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| ConfigError::Env {
                    name,
                    message: format!(
                        "'{item}' is not an address or a network such as 10.0.0.0/8 or ::1"
                    ),
                })
        })
        .collect()
}

fn read(p: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
        path: p.display().to_string(),
        source,
    })
}

/// Parses and validates an organisation structure file.
pub fn parse_structure(text: &str, name: &str) -> Result<Structure, ConfigError> {
    let raw: RawStructure = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: name.into(),
        message: e.to_string(),
    })?;
    let named = |v: Vec<RawNamed>| {
        v.into_iter()
            .map(|n| Named {
                code: n.code,
                name: n.name,
            })
            .collect::<Vec<_>>()
    };
    Structure::new(
        raw.regions
            .into_iter()
            .map(|r| Region {
                code: r.code,
                name: r.name,
            })
            .collect(),
        named(raw.processes),
        named(raw.categories),
        raw.forums
            .into_iter()
            .map(|f| Forum {
                code: f.code,
                name: f.name,
                level: f.level,
                process: f.process,
                region: f.region,
                parents: f.parents,
            })
            .collect(),
        raw.units
            .into_iter()
            .map(|u| Unit {
                code: u.code,
                name: u.name,
                region: u.region,
                regional_group: u.regional_group,
            })
            .collect(),
    )
    .map_err(|source| ConfigError::Structure {
        path: name.into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_provider_secret_comes_from_a_file_and_not_from_both() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "hemlig\n").unwrap();
        let file = secret.display().to_string();
        let env = |name: &str| match name {
            "ESKALERA_OIDC_ISSUER" => Some("https://login.example.se".to_string()),
            "ESKALERA_OIDC_CLIENT_ID" => Some("eskalera".to_string()),
            "ESKALERA_OIDC_CLIENT_SECRET_FILE" => Some(file.clone()),
            _ => None,
        };
        let c = Config::load_with_env(Some(Path::new("config/default.toml")), env).unwrap();
        let oidc = c.oidc.unwrap();
        assert_eq!(oidc.client_secret.as_deref(), Some("hemlig"));
        assert!(!format!("{oidc:?}").contains("hemlig"), "never in a log");
        let both = |name: &str| match name {
            "ESKALERA_OIDC_ISSUER" => Some("https://login.example.se".to_string()),
            "ESKALERA_OIDC_CLIENT_ID" => Some("eskalera".to_string()),
            "ESKALERA_OIDC_CLIENT_SECRET" => Some("x".to_string()),
            "ESKALERA_OIDC_CLIENT_SECRET_FILE" => Some(file.clone()),
            _ => None,
        };
        let e = Config::load_with_env(Some(Path::new("config/default.toml")), both)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not both"), "{e}");
        let no_client = |name: &str| {
            (name == "ESKALERA_OIDC_ISSUER").then(|| "https://login.example.se".to_string())
        };
        let e = Config::load_with_env(Some(Path::new("config/default.toml")), no_client)
            .unwrap_err()
            .to_string();
        assert!(e.contains("ESKALERA_OIDC_CLIENT_ID"), "{e}");
    }

    #[test]
    fn auth_groups_must_name_forums_and_units_that_exist() {
        let c = Config::load_with_env(Some(Path::new("config/default.toml")), no_env).unwrap();
        let mut auth = AuthConfig::default();
        auth.groups.push(crate::service::directory::GroupRule {
            name: "G".into(),
            role: None,
            unit: None,
            forums: vec!["nn-finns-inte".into()],
        });
        let e = check_auth(&auth, &c.structure).unwrap_err();
        assert!(e.contains("nn-finns-inte"), "{e}");
        auth.groups[0].forums.clear();
        auth.default_unit = Some("u-finns-inte".into());
        assert!(check_auth(&auth, &c.structure)
            .unwrap_err()
            .contains("u-finns-inte"));
        let bad = |name: &str| (name == "ESKALERA_LOCAL_PASSWORDS").then(|| "av".to_string());
        assert!(Config::load_with_env(Some(Path::new("config/default.toml")), bad).is_err());
    }

    #[test]
    fn built_in_defaults_load() {
        let c = Config::load_with_env(Some(Path::new("config/default.toml")), no_env).unwrap();
        assert!(c.structure.units.len() >= 26);
        let groups = c
            .structure
            .forums
            .values()
            .filter(|f| f.level == Level::RegionalGroup)
            .count();
        assert_eq!(groups, 13);
        let networks = c
            .structure
            .forums
            .values()
            .filter(|f| f.level == Level::NationalNetwork)
            .count();
        assert_eq!(networks, 11);
        assert!(c
            .issue_rules
            .may_issue(Level::ProcessForum, BindingStatus::Binding));
        assert!(!c
            .issue_rules
            .may_issue(Level::NationalNetwork, BindingStatus::Binding));
        assert!(c.database_url.ends_with("eskalera.db"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = |n: &str| match n {
            "ESKALERA_DATABASE_URL" => Some("postgres://x/y".to_string()),
            "ESKALERA_BIND" => Some("0.0.0.0:9".to_string()),
            "ESKALERA_NOW" => Some("2026-01-05T08:00:00+01:00".to_string()),
            _ => None,
        };
        let c = Config::load_with_env(None, env).unwrap();
        assert_eq!(c.database_url, "postgres://x/y");
        assert_eq!(c.bind, "0.0.0.0:9");
        assert_eq!(c.now.unwrap().to_rfc3339(), "2026-01-05T07:00:00+00:00");
    }

    #[test]
    fn bad_environment_is_named() {
        let env = |n: &str| (n == "ESKALERA_NOW").then(|| "yesterday".to_string());
        let e = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(e.contains("ESKALERA_NOW"), "{e}");
        let env = |n: &str| (n == "ESKALERA_SESSION_KEY").then(|| "abcd".to_string());
        let e = Config::load_with_env(None, env).unwrap_err().to_string();
        assert!(e.contains("64 bytes"), "{e}");
    }

    #[test]
    fn structure_errors_name_the_entry() {
        let text = r#"
regions = [{ code = "nord", name = "Nord" }]
processes = []
categories = []
[[forums]]
code = "rg-1"
name = "RG"
level = "regional_group"
parents = ["ng-missing"]
[[units]]
code = "u-1"
name = "U"
region = "nord"
regional_group = "rg-1"
"#;
        let e = parse_structure(text, "s.toml").unwrap_err().to_string();
        assert!(e.contains("ng-missing") && e.contains("rg-1"), "{e}");
        let e = parse_structure("regions = 3", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml"), "{e}");
    }
}
