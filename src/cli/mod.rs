//! The command line: parses arguments and calls the service; no logic of its own.

mod progress;

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Code;
use crate::service::users::{NewUserInput, UserChange, UserSummary};
use crate::service::{Actor, Role, Service, ServiceError};

#[derive(Debug, Parser)]
#[command(
    name = "eskalera",
    version,
    about = "Questions climbing Migrationsverket's prövningsstöd structure"
)]
pub struct Cli {
    /// Settings file (default: config/default.toml, else the built-in defaults).
    #[arg(long, global = true, value_name = "FILE", env = "ESKALERA_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server.
    Serve {
        /// Load the demo users and questions into an empty database first.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending database migrations and exit.
    Migrate,
    /// Rebuild the search index from the database into a new folder; a running server
    /// switches to it.
    Reindex,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Mail that could not be delivered.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Import historic questions with their answers from CSV or JSON Lines. Every row is
    /// checked first (errors name their lines) and nothing is written unless all are valid;
    /// references imported before are skipped.
    Import {
        /// The file: JSON Lines when it starts with `{`, else CSV with a header row.
        file: PathBuf,
    },
    /// List the stored texts that hold personal data by the current check, one a line as
    /// `question 12 body` (never the text itself), then a count. Exit code 4 when any are found.
    PiiScan,
    /// Settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The consistency watch.
    #[command(subcommand)]
    Consistency(ConsistencyCommand),
    /// Copy the SQLite database, consistent while the server runs, to a new FILE (`VACUUM
    /// INTO`); on PostgreSQL use pg_dump. The search index is not copied: a restored instance
    /// rebuilds it from the database.
    Backup { file: PathBuf },
    /// Ask a running server whether it answers (GET /livez): exit 0 if it does, 1 if not. For
    /// health checks where no curl exists (the container image).
    Probe {
        /// Default: http://<bind>/livez of the settings, a wildcard bind asked on loopback.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConsistencyCommand {
    /// Print the legal department's decisions as labelled pairs (TOML, the form of
    /// tests/data/consistency): decided cases ("not comparable" as different, every other
    /// decision as the same question) and dismissed possible divergences (different). With
    /// `ESKALERA_LABELS=FILE`, `cargo test --test it detector_precision -- --nocapture` measures
    /// the detector on them.
    Labels,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the settings, the structure and the environment as `serve` reads them; exit 3
    /// with the reason when they are not valid.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// List mails that gave up after their retries.
    Failed,
    /// Queue a failed mail again, or with --all every failed mail: each gets a whole new
    /// retry window.
    Retry {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        email: String,
        #[arg(long)]
        name: String,
        /// Home unit code: the user's questions start there.
        #[arg(long)]
        unit: String,
        /// Forum the user is a member of (repeatable).
        #[arg(long = "member", value_name = "FORUM_CODE")]
        members: Vec<String>,
        #[arg(long, default_value = "caseworker", value_parser = parse_role)]
        role: Role,
        /// Read a password for the web pages from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role or memberships, or set a new password (which ends their sessions).
    Set {
        email: String,
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        #[arg(long = "add-member", value_name = "FORUM")]
        add_member: Vec<String>,
        #[arg(long = "remove-member", value_name = "FORUM")]
        remove_member: Vec<String>,
        /// Read a new password for the web pages from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user at once: their sessions and tokens stop working and they cannot sign in.
    Disable { email: String },
    /// Let a disabled user sign in again (old sessions and tokens stay ended).
    Enable { email: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, as the last line.
    Create {
        email: String,
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// List a user's tokens (never the tokens themselves).
    List { email: String },
    /// Revoke every token of a user, at once.
    Revoke { email: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("unknown role '{s}', expected one of: {}", Role::choices()))
}

/// A failure the binary reports on stderr with an exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The labelled pairs could not be written as TOML.
    #[error("could not write the labels: {0}")]
    Labels(#[from] toml::ser::Error),
    /// The server did not answer the probe as alive.
    #[error("{0}")]
    Probe(String),
    /// Not a failure of the command: the scan ran and found something to redact.
    #[error("{0} stored texts hold personal data (listed above)")]
    PersonalDataFound(u64),
}

impl CliError {
    /// The message for stderr: invalid input lists one problem per line (an import may have
    /// many).
    pub fn report(&self) -> String {
        match self {
            CliError::Service(ServiceError::Invalid(errors)) if errors.len() > 1 => {
                let mut out = format!("the input was refused ({} problems):", errors.len());
                for e in errors {
                    out.push_str(&format!("\n  {}: {}", e.field, e.message));
                }
                out
            }
            other => other.to_string(),
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Service(e @ ServiceError::Refused(_)) if e.is_conflict() => 2,
            CliError::Service(ServiceError::Invalid(_) | ServiceError::NotFound(_)) => 2,
            CliError::Config(_) => 3,
            CliError::PersonalDataFound(_) => 4,
            _ => 1,
        }
    }
}

fn open(config: Config) -> Result<Service, CliError> {
    let clock = match config.now {
        Some(t) => {
            log::warn!("ESKALERA_NOW is set: the clock starts at {t} (for tests and demos only)");
            Clock::starting_at(t)
        }
        None => Clock::system(),
    };
    Ok(Service::open(config, clock)?)
}

/// `/livez` at the address the server binds; a wildcard address is asked on loopback.
fn live_url(bind: &str) -> String {
    let host = bind
        .replace("0.0.0.0:", "127.0.0.1:")
        .replace("[::]:", "[::1]:");
    format!("http://{host}/livez")
}

fn probe(url: String) -> Result<(), CliError> {
    let agent = ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(5))
        .build();
    match agent.get(&url).call() {
        Ok(r) => {
            println!("{url}: {}", r.status());
            Ok(())
        }
        Err(ureq::Error::Status(code, _)) => Err(CliError::Probe(format!("{url} answered {code}"))),
        Err(e) => Err(CliError::Probe(format!("{url}: {e}"))),
    }
}

/// A password from standard input, without its line ending.
fn read_password() -> Result<String, CliError> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

fn print_user(u: &UserSummary) {
    println!(
        "{} <{}> id {} unit {} role {} member of [{}]{}",
        u.name,
        u.email,
        u.id,
        u.unit,
        u.role,
        u.memberships.join(", "),
        if u.disabled { " (disabled)" } else { "" }
    );
}

pub fn run(cli: Cli) -> Result<(), CliError> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { demo } => serve(config, demo),
        Command::Migrate => {
            let pool = crate::store::connect(&config.database_url).map_err(ServiceError::from)?;
            let mut conn = pool
                .get()
                .map_err(|e| ServiceError::from(crate::store::StoreError::Pool(e.to_string())))?;
            let applied = crate::store::migrate(&mut conn).map_err(ServiceError::from)?;
            println!(
                "database is up to date ({} migrations applied now)",
                applied.len()
            );
            Ok(())
        }
        Command::Mail(MailCommand::Failed) => {
            let svc = open(config)?;
            println!("id\tcreated\tattempts\tto\ttemplate\tlast error");
            for m in svc.failed_mail(&Actor::operator())? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    m.id,
                    m.created_at.to_rfc3339(),
                    m.attempts,
                    m.to,
                    m.template,
                    m.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        Command::Mail(MailCommand::Retry { id, all }) => {
            let svc = open(config)?;
            match id {
                Some(id) if !all => {
                    svc.retry_mail(&Actor::operator(), id)?;
                    println!("mail {id} queued again");
                }
                _ => {
                    let n = svc.retry_failed(&Actor::operator(), None)?;
                    println!("{n} failed mails queued again");
                }
            }
            Ok(())
        }
        Command::Config(ConfigCommand::Check) => {
            for line in config.summary() {
                println!("{line}");
            }
            for warning in config.warnings() {
                eprintln!("warning: {warning}");
            }
            println!("the settings are valid");
            Ok(())
        }
        Command::Backup { file } => {
            let svc = open(config)?;
            svc.backup(&Actor::operator(), &file)?;
            println!("database copied to {}", file.display());
            Ok(())
        }
        Command::Probe { url } => probe(url.unwrap_or_else(|| live_url(&config.bind))),
        Command::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
            let svc = open(config)?;
            let source = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().to_string(),
            );
            let s = svc.import(&source, &text, progress::for_stderr("import").as_mut())?;
            println!(
                "imported {} questions with {} answers; {} were imported before and left as they are",
                s.imported, s.answers, s.already_present
            );
            Ok(())
        }
        Command::Consistency(ConsistencyCommand::Labels) => {
            let svc = open(config)?;
            let pairs = svc.consistency_labels()?;
            print!("{}", labels_toml(&pairs)?);
            eprintln!("{} labelled pairs", pairs.len());
            Ok(())
        }
        Command::PiiScan => {
            let svc = open(config)?;
            let s = svc.pii_scan(&mut |f| println!("{f}"))?;
            println!(
                "found {} (scanned {} questions, {} answers, {} event notes, {} consistency-case notes, {} possible-divergence notes)",
                s.found, s.questions, s.answers, s.event_notes, s.case_notes, s.possible_notes
            );
            if s.found > 0 {
                return Err(CliError::PersonalDataFound(s.found));
            }
            Ok(())
        }
        Command::Reindex => {
            let svc = open(config)?;
            let n = svc.rebuild_index(progress::for_stderr("reindex").as_mut())?;
            println!("search index rebuilt: {n} questions");
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            unit,
            members,
            role,
            password_stdin,
        }) => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let svc = open(config)?;
            let u = svc.add_user(
                &Actor::operator(),
                &NewUserInput {
                    email,
                    name,
                    unit,
                    members,
                    role,
                    password,
                },
            )?;
            print_user(&u);
            Ok(())
        }
        Command::User(UserCommand::Set {
            email,
            role,
            add_member,
            remove_member,
            password_stdin,
        }) => {
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let svc = open(config)?;
            let change = UserChange {
                role,
                add_member,
                remove_member,
            };
            let mut u = None;
            if change.role.is_some()
                || !change.add_member.is_empty()
                || !change.remove_member.is_empty()
            {
                u = Some(svc.change_user(&Actor::operator(), &email, &change)?.0);
            }
            if let Some(p) = password {
                u = Some(svc.set_password(&Actor::operator(), &email, &p)?);
                println!("new password set for {email}; their sessions have ended");
            }
            match u {
                Some(u) => print_user(&u),
                None => {
                    return Err(ServiceError::invalid(
                        "user set",
                        crate::domain::catalogue::FieldProblem::NothingToChange,
                    )
                    .into())
                }
            }
            Ok(())
        }
        Command::User(UserCommand::Disable { email }) => {
            let svc = open(config)?;
            let u = svc.disable_user(&Actor::operator(), &email)?;
            println!("{email} is disabled: every session and token has ended");
            print_user(&u);
            Ok(())
        }
        Command::User(UserCommand::Enable { email }) => {
            let svc = open(config)?;
            let u = svc.enable_user(&Actor::operator(), &email)?;
            println!("{email} may sign in again");
            print_user(&u);
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            email,
            expires_days,
        }) => {
            let svc = open(config)?;
            let token = svc.create_token(&Actor::operator(), &email, expires_days)?;
            eprintln!("token for {email} (shown once; only its hash is kept):");
            println!("{token}");
            Ok(())
        }
        Command::Token(TokenCommand::List { email }) => {
            let svc = open(config)?;
            println!("id\tcreated\tlast used\texpires\trevoked");
            let show = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or("-".to_string(), |t| t.to_rfc3339())
            };
            for t in svc.list_tokens(&Actor::operator(), &email)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.created_at.to_rfc3339(),
                    show(t.last_used_at),
                    show(t.expires_at),
                    show(t.revoked_at)
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { email }) => {
            let svc = open(config)?;
            let n = svc.revoke_tokens(&Actor::operator(), &email)?;
            println!("revoked {n} tokens of {email}");
            Ok(())
        }
    }
}

fn serve(config: Config, demo: bool) -> Result<(), CliError> {
    let bind = config.bind.clone();
    let svc = open(config)?;
    if demo {
        if svc.is_empty()? || svc.demo_cut_off()? {
            let summary = svc.load_demo()?;
            log::info!(
                "demo loaded: {} users, {} questions; every demo user's password is '{}'",
                summary.users,
                summary.questions,
                crate::service::demo::DEMO_PASSWORD
            );
            for (email, role, token) in &summary.tokens {
                println!("demo token for {email} ({role}): {token}");
            }
        } else {
            log::info!("the database already holds data: the demo was not loaded again");
        }
    }
    let indexer = crate::jobs::start_indexer(&svc)?;
    let mailer = crate::jobs::start_mailer(&svc)?;
    let scheduler = crate::jobs::start_scheduler(&svc)?;
    let listener = TcpListener::bind(&bind)?;
    log::info!("eskalera listens on http://{bind}");
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    actix_web::rt::System::new()
        .block_on(async move { crate::web::server(svc, listener, workers)?.await })?;
    scheduler.stop();
    mailer.stop();
    indexer.stop();
    Ok(())
}

/// The labelled pairs as the detector's test sets write them, with a header saying where they
/// come from.
fn labels_toml(
    pairs: &[crate::service::consistency::LabelledPair],
) -> Result<String, toml::ser::Error> {
    #[derive(serde::Serialize)]
    struct File<'a> {
        pair: &'a [crate::service::consistency::LabelledPair],
    }
    let body = toml::to_string(&File { pair: pairs })?;
    Ok(format!(
        "# Labelled pairs from the legal department's decisions in eskalera: decided \
         consistency cases\n# and dismissed possible divergences. They hold the questions' \
         text: keep the file where\n# the questions may be kept.\n\n{body}"
    ))
}
