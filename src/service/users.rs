//! Users, memberships and API tokens: the CLI's administration and the API's authentication.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::access::{may_administer, Actor, Role};
use super::validate::Checks;
use super::views::TokenView;
use super::{Service, ServiceError, ServiceResult};
use crate::domain::catalogue::{FieldProblem, Hint, Missing, Refusal, Thing};
use crate::domain::question::EventKind;
use crate::store::models::{NewEvent, NewToken, NewUser, UserRow};
use crate::store::{self, questions as qs, users as us, DbConnection, StoreError};

/// A new user as `eskalera user add` takes it.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    pub unit: String,
    pub members: Vec<String>,
    pub role: Role,
    pub password: Option<String>,
}

/// A change of role and memberships as `eskalera user set` takes it.
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub role: Option<Role>,
    pub add_member: Vec<String>,
    pub remove_member: Vec<String>,
}

/// A step on a person's account from their page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStep {
    /// Every session and token ends; they may sign in again.
    EndSessions,
    Disable,
    Enable,
}

/// What `set_memberships` changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl MembershipChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A summary of a user for the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub unit: String,
    pub role: Role,
    pub memberships: Vec<String>,
    /// Disabled: no sign-in, no session, no token.
    pub disabled: bool,
}

/// How a bearer or feed token is stored: its SHA-256, in hex.
pub(crate) fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        _ => false,
    }
}

pub(crate) fn hash_password(password: &str) -> ServiceResult<String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw)
        .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
    let salt = SaltString::encode_b64(&raw).map_err(|e| not_hashed(&e))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| not_hashed(&e))
}

fn not_hashed(e: &impl std::fmt::Display) -> ServiceError {
    ServiceError::invalid(
        "password",
        FieldProblem::PasswordNotHashed {
            detail: e.to_string(),
        },
    )
}

/// A hash of a random password, made once, to spend the same time on unknown e-mails.
fn decoy_hash() -> ServiceResult<String> {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h.clone());
    }
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw)
        .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
    let h = hash_password(&hex::encode(raw))?;
    Ok(DECOY.get_or_init(|| h).clone())
}

impl Service {
    pub(super) fn audit(
        &self,
        c: &mut DbConnection,
        actor_id: Option<i64>,
        kind: EventKind,
        note: String,
    ) -> ServiceResult<()> {
        qs::insert_event(
            c,
            &NewEvent::apart(kind, actor_id, Some(note), self.clock.now_naive()),
        )?;
        Ok(())
    }

    /// An administrator's change, in the audit trail: by their account, or for the operator at
    /// the command line (no account) by name, e.g. "cli (root)".
    pub(super) fn audit_by(
        &self,
        c: &mut DbConnection,
        by: &Actor,
        kind: EventKind,
        note: String,
    ) -> ServiceResult<()> {
        let mut e = NewEvent::apart(kind, by.account(), Some(note), self.clock.now_naive());
        if by.account().is_none() {
            e.data = Some(serde_json::json!({ "by": by.name }).to_string());
        }
        qs::insert_event(c, &e)?;
        Ok(())
    }

    fn check_forums(&self, checks: &mut Checks, field: &str, forums: &[String]) {
        for f in forums {
            if self.config.structure.forum(f).is_none() {
                checks.fail(
                    field,
                    FieldProblem::Unknown {
                        thing: Thing::Forum,
                        value: f.clone(),
                        hint: Hint::None,
                    },
                );
            }
        }
    }

    pub fn add_user(&self, actor: &Actor, input: &NewUserInput) -> ServiceResult<UserSummary> {
        may_administer(actor)?;
        let email = input.email.trim().to_lowercase();
        let mut checks = Checks::default();
        if !is_email(&email) {
            checks.fail(
                "email",
                FieldProblem::NotAnEmail {
                    value: Some(email.clone()),
                },
            );
        }
        if input.name.trim().is_empty() {
            checks.fail("name", FieldProblem::Required);
        }
        if !self.config.structure.units.contains_key(&input.unit) {
            checks.fail(
                "unit",
                FieldProblem::Unknown {
                    thing: Thing::Unit,
                    value: input.unit.clone(),
                    hint: Hint::None,
                },
            );
        }
        self.check_forums(&mut checks, "member", &input.members);
        if let Some(p) = &input.password {
            if let Err(ServiceError::Invalid(mut e)) = check_password(p) {
                checks.errors.append(&mut e);
            }
        }
        checks.finish()?;
        let password_hash = input
            .password
            .as_deref()
            .map(|p| self.hash_gated(|| hash_password(p)))
            .transpose()?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            if us::by_email(c, &email)?.is_some() {
                return Err(Refusal::UserExists { email }.into());
            }
            let id = us::insert(
                c,
                &NewUser {
                    email: &email,
                    name: input.name.trim(),
                    unit: &input.unit,
                    role: input.role,
                    password_hash: password_hash.as_deref(),
                    mail_preference: crate::domain::mail::MailPreference::Immediate,
                    created_at: self.clock.now_naive(),
                },
            )?;
            for f in &input.members {
                us::add_membership(c, id, f)?;
            }
            self.audit_by(
                c,
                actor,
                EventKind::UserCreated,
                format!("user {id} created with role {}", input.role),
            )?;
            self.user_summary(c, id)
        })
    }

    /// Changes role and memberships; every audit event names `by`, the administrator on the
    /// pages or the operator at the command line. Says which memberships changed: adding one
    /// the person has changes nothing; removing one they do not have is refused.
    pub fn change_user(
        &self,
        by: &Actor,
        email: &str,
        change: &UserChange,
    ) -> ServiceResult<(UserSummary, MembershipChange)> {
        may_administer(by)?;
        let mut checks = Checks::default();
        self.check_forums(&mut checks, "add-member", &change.add_member);
        checks.finish()?;
        let email = email.trim().to_lowercase();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, &email)?;
            if let Some(role) = change.role {
                if role != user.role {
                    us::set_role(c, user.id, role)?;
                    self.audit_by(
                        c,
                        by,
                        EventKind::RoleChanged,
                        format!("user {} role {} -> {role}", user.id, user.role),
                    )?;
                }
            }
            let had: BTreeSet<String> = us::memberships(c, user.id)?.into_iter().collect();
            if let Some(f) = change.remove_member.iter().find(|f| !had.contains(*f)) {
                return Err(ServiceError::invalid(
                    "remove-member",
                    FieldProblem::NotMember {
                        email: email.clone(),
                        forum: f.clone(),
                    },
                ));
            }
            let changed = self.apply_memberships(
                c,
                by,
                user.id,
                change.add_member.iter().filter(|f| !had.contains(*f)),
                change.remove_member.iter(),
                false,
            )?;
            Ok((self.user_summary(c, user.id)?, changed))
        })
    }

    /// Adds and removes memberships of one person, each change an audit event naming `by`;
    /// what did change (a row already there, or already gone, is no change). Added ones are
    /// marked as the directory's when `from_directory`.
    pub(super) fn apply_memberships<'f>(
        &self,
        c: &mut DbConnection,
        by: &Actor,
        user: i64,
        add: impl Iterator<Item = &'f String>,
        remove: impl Iterator<Item = &'f String>,
        from_directory: bool,
    ) -> ServiceResult<MembershipChange> {
        let mut change = MembershipChange::default();
        for f in add {
            if us::add_membership_from(c, user, f, from_directory)? {
                self.audit_by(
                    c,
                    by,
                    EventKind::MembershipAdded,
                    format!("user {user} member of {f}"),
                )?;
                change.added.push(f.clone());
            }
        }
        for f in remove {
            if us::remove_membership(c, user, f)? {
                self.audit_by(
                    c,
                    by,
                    EventKind::MembershipRemoved,
                    format!("user {user} no longer member of {f}"),
                )?;
                change.removed.push(f.clone());
            }
        }
        Ok(change)
    }

    /// One person, for the administrator's page about them.
    pub fn person(&self, by: &Actor, id: i64) -> ServiceResult<UserSummary> {
        may_administer(by)?;
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| self.user_summary(c, id))
    }

    /// Makes a person a member of exactly `forums`: what is missing is added and what is not
    /// listed is removed, each change an audit event, in one transaction.
    pub fn set_memberships(
        &self,
        by: &Actor,
        id: i64,
        forums: &[String],
    ) -> ServiceResult<MembershipChange> {
        may_administer(by)?;
        let mut checks = Checks::default();
        self.check_forums(&mut checks, "forum", forums);
        checks.finish()?;
        let wanted: BTreeSet<&String> = forums.iter().collect();
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = us::by_id(c, id)?.ok_or(Missing::User(id))?;
            let now: BTreeSet<String> = us::memberships(c, user.id)?.into_iter().collect();
            self.apply_memberships(
                c,
                by,
                user.id,
                wanted.iter().copied().filter(|f| !now.contains(*f)),
                now.iter().filter(|f| !wanted.contains(f)),
                false,
            )
        })
    }

    fn user_by_email(&self, c: &mut DbConnection, email: &str) -> ServiceResult<UserRow> {
        us::by_email(c, &email.trim().to_lowercase())?
            .ok_or_else(|| Missing::UserEmail(email.to_string()).into())
    }

    fn user_summary(&self, c: &mut DbConnection, id: i64) -> ServiceResult<UserSummary> {
        let u = us::by_id(c, id)?.ok_or(Missing::User(id))?;
        Ok(UserSummary {
            id: u.id,
            memberships: us::memberships(c, u.id)?,
            email: u.email,
            name: u.name,
            unit: u.unit,
            role: u.role,
            disabled: u.disabled_at.is_some(),
        })
    }

    /// Creates a token for a user; the token itself is returned once and only its SHA-256 kept.
    pub fn create_token(
        &self,
        actor: &Actor,
        email: &str,
        expires_days: Option<i64>,
    ) -> ServiceResult<String> {
        may_administer(actor)?;
        if let Some(d) = expires_days {
            if !(1..=3650).contains(&d) {
                return Err(ServiceError::invalid(
                    "expires-days",
                    FieldProblem::Between { min: 1, max: 3650 },
                ));
            }
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError::Corrupt(format!("no randomness available: {e}")))?;
        let token = hex::encode(bytes);
        let hash = hash_token(&token);
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, email)?;
            let now = self.clock.now_naive();
            let id = us::insert_token(
                c,
                &NewToken {
                    user_id: user.id,
                    token_hash: &hash,
                    created_at: now,
                    expires_at: expires_days.map(|d| now + Duration::days(d)),
                },
            )?;
            self.audit_by(
                c,
                actor,
                EventKind::TokenCreated,
                format!("token {id} for user {}", user.id),
            )?;
            Ok::<(), ServiceError>(())
        })?;
        Ok(token)
    }

    pub fn list_tokens(&self, actor: &Actor, email: &str) -> ServiceResult<Vec<TokenView>> {
        may_administer(actor)?;
        let mut conn = self.conn()?;
        let user = self.user_by_email(&mut conn, email)?;
        Ok(us::tokens_of(&mut conn, user.id)?
            .into_iter()
            .map(|t| TokenView {
                id: t.id,
                created_at: t.created_at.and_utc(),
                last_used_at: t.last_used_at.map(|x| x.and_utc()),
                expires_at: t.expires_at.map(|x| x.and_utc()),
                revoked_at: t.revoked_at.map(|x| x.and_utc()),
            })
            .collect())
    }

    /// What an administrator does to a person's account from their page.
    pub fn account_step(&self, by: &Actor, id: i64, step: AccountStep) -> ServiceResult<()> {
        may_administer(by)?;
        let email = {
            let mut conn = self.conn()?;
            us::by_id(&mut conn, id)?.ok_or(Missing::User(id))?.email
        };
        match step {
            AccountStep::EndSessions => self.revoke_tokens(by, &email).map(drop),
            AccountStep::Disable => self.disable_user(by, &email).map(drop),
            AccountStep::Enable => self.enable_user(by, &email).map(drop),
        }
    }

    /// Revokes every token of a user and ends their web sessions; effective for the next
    /// request.
    pub fn revoke_tokens(&self, actor: &Actor, email: &str) -> ServiceResult<usize> {
        may_administer(actor)?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, email)?;
            let now = self.clock.now_naive();
            let n = us::revoke_tokens(c, user.id, now)?;
            us::set_valid_after(c, user.id, now)?;
            self.audit_by(
                c,
                actor,
                EventKind::TokensRevoked,
                format!(
                    "{n} tokens of user {} revoked and their sessions ended",
                    user.id
                ),
            )?;
            Ok(n)
        })
    }

    /// Disables a person at once: every session and token stops working, signing in is
    /// refused, and they get no mail, until they are enabled again. Their tokens are revoked
    /// for good (new ones are made after enabling).
    pub fn disable_user(&self, actor: &Actor, email: &str) -> ServiceResult<UserSummary> {
        may_administer(actor)?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, email)?;
            if user.disabled_at.is_some() {
                return Err(Refusal::AlreadyDisabled { email: user.email }.into());
            }
            let now = self.clock.now_naive();
            us::set_disabled(c, user.id, Some(now))?;
            us::set_valid_after(c, user.id, now)?;
            let n = us::revoke_tokens(c, user.id, now)?;
            self.audit_by(
                c,
                actor,
                EventKind::UserDisabled,
                format!("user {} disabled; {n} tokens revoked", user.id),
            )?;
            self.user_summary(c, user.id)
        })
    }

    /// Lets a disabled person sign in again (their old sessions stay ended).
    pub fn enable_user(&self, actor: &Actor, email: &str) -> ServiceResult<UserSummary> {
        may_administer(actor)?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, email)?;
            if user.disabled_at.is_none() {
                return Err(Refusal::NotDisabled { email: user.email }.into());
            }
            us::set_disabled(c, user.id, None)?;
            self.audit_by(
                c,
                actor,
                EventKind::UserEnabled,
                format!("user {} enabled", user.id),
            )?;
            self.user_summary(c, user.id)
        })
    }

    /// Sets a new password for the pages and ends the person's other sessions.
    pub fn set_password(
        &self,
        actor: &Actor,
        email: &str,
        password: &str,
    ) -> ServiceResult<UserSummary> {
        may_administer(actor)?;
        check_password(password)?;
        let hash = self.hash_gated(|| hash_password(password))?;
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            let user = self.user_by_email(c, email)?;
            us::set_password_hash(c, user.id, &hash)?;
            us::set_valid_after(c, user.id, self.clock.now_naive())?;
            self.audit_by(
                c,
                actor,
                EventKind::PasswordSet,
                format!("new password for user {}; their sessions ended", user.id),
            )?;
            self.user_summary(c, user.id)
        })
    }

    /// The actor behind a bearer token, or 401.
    pub fn authenticate_token(&self, token: &str) -> ServiceResult<Actor> {
        let hash = hash_token(token.trim());
        let mut conn = self.conn()?;
        let bad =
            || ServiceError::Unauthenticated("the token is unknown, expired or revoked".into());
        let (t, user, forums) = us::token_by_hash(&mut conn, &hash)?.ok_or_else(bad)?;
        let now = self.clock.now_naive();
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Err(bad());
        }
        if user.disabled_at.is_some() {
            return Err(disabled());
        }
        // Writing on every request would serialise reads on SQLite; a minute's precision is enough.
        if t.last_used_at
            .is_none_or(|l| now - l > Duration::minutes(1))
        {
            store::write_tx(&mut conn, |c| us::touch_token(c, t.id, now))?;
        }
        actor_of(user, forums)
    }

    pub(crate) fn actor(&self, c: &mut DbConnection, user_id: i64) -> ServiceResult<Actor> {
        let u = us::by_id(c, user_id)?
            .ok_or_else(|| ServiceError::Unauthenticated("the user no longer exists".into()))?;
        let forums = us::memberships(c, u.id)?;
        actor_of(u, forums)
    }

    /// The user with this e-mail and password (argon2id), for the web pages' sign-in. Both a
    /// wrong password and an unknown e-mail answer the same 401, after the same amount of work,
    /// so the reply does not tell which e-mail addresses exist; only the right password of a
    /// disabled person is told so. Success and failure are audited.
    ///
    /// The database connection goes back to the pool before the hash is checked, and at most
    /// a few hashes run at once (each takes argon2's memory): a burst of sign-ins waits for
    /// the gate or is refused as busy instead of starving every other request.
    pub fn sign_in(&self, email: &str, password: &str) -> ServiceResult<Actor> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        if !self.config.local_passwords {
            return Err(Refusal::LocalPasswordsOff.into());
        }
        let email = email.trim().to_lowercase();
        if email.contains('\0') {
            return Err(ServiceError::invalid("email", FieldProblem::NulCharacter));
        }
        let user = {
            let mut conn = self.conn()?;
            us::by_email(&mut conn, &email)?
        };
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        // Without a stored hash, verify against a throwaway one so the time spent is the same.
        let hash = match stored {
            Some(h) => h,
            None => self.hash_gated(decoy_hash)?,
        };
        let ok = self.hash_gated(|| {
            Ok(PasswordHash::new(&hash).is_ok_and(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            }))
        })?;
        let mut conn = self.conn()?;
        let user = match user {
            Some(u) if ok && u.password_hash.is_some() => u,
            other => {
                if let Some(u) = other {
                    store::write_tx(&mut conn, |c| {
                        self.audit(
                            c,
                            Some(u.id),
                            EventKind::SignInFailed,
                            format!("wrong password for user {}", u.id),
                        )
                    })?;
                }
                return Err(ServiceError::Unauthenticated(
                    "the e-mail address or the password is wrong".into(),
                ));
            }
        };
        if user.disabled_at.is_some() {
            store::write_tx(&mut conn, |c| {
                self.audit(
                    c,
                    Some(user.id),
                    EventKind::SignInFailed,
                    format!("user {} is disabled", user.id),
                )
            })?;
            return Err(disabled());
        }
        store::write_tx(&mut conn, |c| {
            self.audit(
                c,
                Some(user.id),
                EventKind::SignedIn,
                format!("user {} signed in to the web pages", user.id),
            )
        })?;
        self.actor(&mut conn, user.id)
    }

    /// Runs one password hash or check through the gate that bounds how many run at once.
    fn hash_gated<T>(&self, f: impl FnOnce() -> ServiceResult<T>) -> ServiceResult<T> {
        let _permit = self.hash_gate.enter().ok_or_else(|| {
            ServiceError::Busy("too many sign-ins at once; try again in a moment".into())
        })?;
        f()
    }

    /// The actor behind a web session issued at `issued_at`: 401 once the user is gone,
    /// disabled, or has ended their sessions since (signed out, tokens revoked, new password).
    pub fn session_actor(&self, user_id: i64, issued_at: DateTime<Utc>) -> ServiceResult<Actor> {
        let mut conn = self.conn()?;
        let ended = || ServiceError::Unauthenticated("the session has ended; sign in again".into());
        let u = us::by_id(&mut conn, user_id)?.ok_or_else(ended)?;
        if u.disabled_at.is_some() {
            return Err(disabled());
        }
        if u.valid_after.is_some_and(|v| issued_at.naive_utc() <= v) {
            return Err(ended());
        }
        let forums = us::memberships(&mut conn, u.id)?;
        actor_of(u, forums)
    }

    /// Signing out ends every web session of the person, on every device, at once (a copied
    /// cookie stops working too).
    pub fn sign_out(&self, user_id: i64) -> ServiceResult<()> {
        let mut conn = self.conn()?;
        store::write_tx(&mut conn, |c| {
            us::set_valid_after(c, user_id, self.clock.now_naive())?;
            self.audit(
                c,
                Some(user_id),
                EventKind::SignedOut,
                format!("user {user_id} signed out; their sessions ended"),
            )
        })
    }

    /// The actor for a user e-mail, for the CLI and demo loading.
    pub fn actor_by_email(&self, email: &str) -> ServiceResult<Actor> {
        let mut conn = self.conn()?;
        let u = self.user_by_email(&mut conn, email)?;
        self.actor(&mut conn, u.id)
    }
}

pub(super) fn disabled() -> ServiceError {
    ServiceError::Disabled("this account is disabled; ask an administrator".into())
}

fn check_password(p: &str) -> ServiceResult<()> {
    if p.chars().count() < 8 {
        return Err(ServiceError::invalid(
            "password",
            FieldProblem::TooShort { min: 8 },
        ));
    }
    if p.len() > 1024 {
        return Err(ServiceError::invalid(
            "password",
            FieldProblem::TooLongBytes { max: 1024 },
        ));
    }
    Ok(())
}

fn actor_of(u: UserRow, forums: Vec<String>) -> ServiceResult<Actor> {
    let role = u.role;
    Ok(Actor {
        id: u.id,
        memberships: forums.into_iter().collect::<BTreeSet<_>>(),
        email: u.email,
        name: u.name,
        role,
        unit: u.unit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("a.b@myndighet.se"));
        assert!(!is_email("a.b@myndighet"));
        assert!(!is_email("ab.se"));
        assert!(!is_email("a b@x.se"));
        assert!(!is_email("a@b@x.se"));
    }

    #[test]
    fn token_hash_is_sha256_hex() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_eq!(hash_token(" abc".trim()), hash_token("abc"));
    }
}
