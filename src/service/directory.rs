//! Who the agency's directory says a person is: their groups, through the settings' `[auth]`
//! table, as a role, a home unit and forum memberships; and signing in people it vouches for
//! (OpenID Connect or a trusted proxy's headers), creating and updating them to match.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::access::Role;
use super::{Actor, Service, ServiceError, ServiceResult};
use crate::domain::catalogue::Refusal;
use crate::domain::mail::MailPreference;
use crate::domain::question::EventKind;
use crate::store::models::NewUser;
use crate::store::{self, users as us};

/// One `[[auth.group]]`: what a group of the directory gives its members.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRule {
    /// The group as the provider sends it: a name, an object id or a distinguished name.
    pub name: String,
    pub role: Option<Role>,
    /// The home unit it gives (the first matching rule with a unit, in file order, wins).
    pub unit: Option<String>,
    /// Forums its members belong to.
    #[serde(default)]
    pub forums: Vec<String>,
}

/// `[auth]`: how the directory's claims become people.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default = "default_email_claim")]
    pub email_claim: String,
    #[serde(default = "default_name_claim")]
    pub name_claim: String,
    #[serde(default = "default_groups_claim")]
    pub groups_claim: String,
    /// The home unit of a person none of whose groups gives one; unset: such a person is
    /// refused.
    pub default_unit: Option<String>,
    /// Whether the directory owns every membership: memberships given by hand end at the
    /// person's next sign-in. Off by default: the directory's memberships are added to them.
    #[serde(default)]
    pub directory_owns_memberships: bool,
    /// The sign-in button's text.
    #[serde(default = "default_sign_in_label")]
    pub sign_in_label: String,
    /// Whom a person without a unit should ask (shown on the refusal page).
    #[serde(default = "default_contact")]
    pub access_contact: String,
    /// Behind a proxy that signs people in (`ESKALERA_AUTH_HEADERS=on`): the headers it names
    /// the person in, and what separates the groups (not a comma where the groups are AD
    /// distinguished names, which contain commas).
    #[serde(default = "default_email_header")]
    pub email_header: String,
    #[serde(default = "default_name_header")]
    pub name_header: String,
    #[serde(default = "default_groups_header")]
    pub groups_header: String,
    #[serde(default = "default_separator")]
    pub groups_separator: String,
    #[serde(default, rename = "group")]
    pub groups: Vec<GroupRule>,
}

fn default_email_header() -> String {
    "X-Remote-Email".into()
}
fn default_name_header() -> String {
    "X-Remote-Name".into()
}
fn default_groups_header() -> String {
    "X-Remote-Groups".into()
}
fn default_separator() -> String {
    ",".into()
}

fn default_email_claim() -> String {
    "email".into()
}
fn default_name_claim() -> String {
    "name".into()
}
fn default_groups_claim() -> String {
    "groups".into()
}
fn default_sign_in_label() -> String {
    "Logga in med Migrationsverkets konto".into()
}
fn default_contact() -> String {
    "din chef eller IT-supporten".into()
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            email_claim: default_email_claim(),
            name_claim: default_name_claim(),
            groups_claim: default_groups_claim(),
            default_unit: None,
            directory_owns_memberships: false,
            access_contact: default_contact(),
            sign_in_label: default_sign_in_label(),
            email_header: default_email_header(),
            name_header: default_name_header(),
            groups_header: default_groups_header(),
            groups_separator: default_separator(),
            groups: Vec::new(),
        }
    }
}

/// What a person's groups give them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Granted {
    /// The highest role any group gives; None: they keep the one they have.
    pub role: Option<Role>,
    pub unit: Option<String>,
    pub forums: BTreeSet<String>,
}

/// The rank that decides between roles when groups disagree: the highest wins.
fn rank(r: Role) -> u8 {
    match r {
        Role::Caseworker => 0,
        Role::Legal => 1,
        Role::Admin => 2,
    }
}

impl AuthConfig {
    /// What `groups` give: the highest role, the first unit in file order (or the default
    /// unit), every forum. Group names match exactly, as the directory sends them.
    pub fn grant(&self, groups: &[String]) -> Granted {
        let mut granted = Granted::default();
        for rule in self.groups.iter().filter(|r| groups.contains(&r.name)) {
            if let Some(role) = rule.role {
                if granted.role.is_none_or(|have| rank(role) > rank(have)) {
                    granted.role = Some(role);
                }
            }
            if granted.unit.is_none() {
                granted.unit.clone_from(&rule.unit);
            }
            granted.forums.extend(rule.forums.iter().cloned());
        }
        if granted.unit.is_none() {
            granted.unit.clone_from(&self.default_unit);
        }
        granted
    }
}

/// A person as the directory vouches for them: from an ID token's claims or a trusted proxy's
/// headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryPerson {
    /// The provider (the token's `iss`; "header" behind a proxy).
    pub issuer: String,
    /// Who the provider says it is (`sub`, Entra's `oid`; the e-mail behind a proxy).
    pub subject: String,
    pub email: String,
    pub name: String,
    pub groups: Vec<String>,
}

/// How a directory sign-in ended; a refusal still commits its audit event.
enum Outcome {
    SignedIn(i64),
    NoUnit,
    EmailTaken,
    Disabled,
}

impl Service {
    /// Signs in a person the directory vouches for: the one linked to its issuer and subject,
    /// else (once) the one with its e-mail, else a new person when the groups give a home unit.
    /// Name, unit, role and the directory's memberships follow the groups at every sign-in,
    /// each change an audit event in the same transaction; memberships given by hand stay
    /// unless the settings say the directory owns them all. A disabled person is refused.
    pub fn sign_in_from_directory(&self, p: &DirectoryPerson) -> ServiceResult<Actor> {
        let email = p.email.trim().to_lowercase();
        if email.is_empty() || p.subject.trim().is_empty() {
            return Err(ServiceError::Unauthenticated(
                "the directory sent no e-mail or no subject".into(),
            ));
        }
        let auth = &self.config.auth;
        let granted = auth.grant(&p.groups);
        let now = self.clock.now_naive();
        let directory = Actor::directory();
        let mut conn = self.conn()?;
        let outcome = store::write_tx(&mut conn, |c| -> ServiceResult<Outcome> {
            let linked = us::by_identity(c, &p.issuer, &p.subject)?;
            let user = match linked {
                Some(u) => u,
                None => {
                    // A person made earlier by hand is matched on the e-mail once, unless an
                    // identity of this provider already holds them.
                    let by_email = match us::by_email(c, &email)? {
                        Some(u) if us::has_identity_at(c, u.id, &p.issuer)? => {
                            // Another account of the provider holds the address (a recreated
                            // account, say): an administrator has to decide.
                            return Ok(Outcome::EmailTaken);
                        }
                        found => found,
                    };
                    let user = match by_email {
                        Some(u) => u,
                        None => {
                            let Some(unit) = granted.unit.as_deref() else {
                                return Ok(Outcome::NoUnit);
                            };
                            let role = granted.role.unwrap_or(Role::Caseworker);
                            let id = us::insert(
                                c,
                                &NewUser {
                                    email: &email,
                                    name: p.name.trim(),
                                    unit,
                                    role,
                                    password_hash: None,
                                    mail_preference: MailPreference::Immediate,
                                    created_at: now,
                                },
                            )?;
                            self.audit_by(
                                c,
                                &directory,
                                EventKind::UserCreated,
                                format!("user {id} created with role {role} at first sign-in"),
                            )?;
                            us::by_id(c, id)?.ok_or(crate::domain::catalogue::Missing::User(id))?
                        }
                    };
                    us::link_identity(c, &p.issuer, &p.subject, user.id, now)?;
                    user
                }
            };
            if user.disabled_at.is_some() {
                self.audit(
                    c,
                    Some(user.id),
                    EventKind::SignInFailed,
                    format!("user {} is disabled", user.id),
                )?;
                return Ok(Outcome::Disabled);
            }
            let name = if p.name.trim().is_empty() {
                user.name.clone()
            } else {
                p.name.trim().to_string()
            };
            let unit = granted.unit.clone().unwrap_or_else(|| user.unit.clone());
            // The directory's address is the one mail goes to, unless someone else holds it.
            let address = match us::by_email(c, &email)? {
                Some(other) if other.id != user.id => user.email.clone(),
                _ => email.clone(),
            };
            if name != user.name || unit != user.unit || address != user.email {
                us::set_profile(c, user.id, &address, &name, &unit)?;
                if unit != user.unit {
                    self.audit_by(
                        c,
                        &directory,
                        EventKind::UnitChanged,
                        format!("user {} unit {} -> {unit}", user.id, user.unit),
                    )?;
                }
            }
            if let Some(role) = granted.role.filter(|r| *r != user.role) {
                us::set_role(c, user.id, role)?;
                self.audit_by(
                    c,
                    &directory,
                    EventKind::RoleChanged,
                    format!("user {} role {} -> {role}", user.id, user.role),
                )?;
            }
            let had = us::memberships_marked(c, user.id)?;
            let gone: Vec<String> = had
                .iter()
                .filter(|(f, from_directory)| {
                    (*from_directory || auth.directory_owns_memberships)
                        && !granted.forums.contains(f)
                })
                .map(|(f, _)| f.clone())
                .collect();
            self.apply_memberships(
                c,
                &directory,
                user.id,
                granted.forums.iter(),
                gone.iter(),
                true,
            )?;
            self.audit(
                c,
                Some(user.id),
                EventKind::SignedIn,
                format!("user {} signed in through the directory", user.id),
            )?;
            Ok(Outcome::SignedIn(user.id))
        })?;
        match outcome {
            Outcome::SignedIn(id) => self.actor(&mut conn, id),
            Outcome::Disabled => Err(super::users::disabled()),
            Outcome::EmailTaken => Err(Refusal::UserExists { email }.into()),
            Outcome::NoUnit => Err(Refusal::NoUnitFromDirectory {
                contact: auth.access_contact.clone(),
            }
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        toml::from_str(
            r#"
            groups_claim = "groups"
            [[group]]
            name = "PS-Natverk-Sakerhet"
            forums = ["nn-sakerhet"]
            [[group]]
            name = "Rattsavdelningen"
            role = "legal"
            [[group]]
            name = "Enhet-Asyl-Lulea"
            unit = "u-lulea-asyl"
            forums = ["u-lulea-asyl"]
            [[group]]
            name = "Enhet-Asyl-Umea"
            unit = "u-umea-asyl"
            [[group]]
            name = "Eskalera-Admin"
            role = "admin"
            "#,
        )
        .unwrap()
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_give_forums_a_unit_and_a_role() {
        let g = config().grant(&groups(&[
            "Enhet-Asyl-Lulea",
            "PS-Natverk-Sakerhet",
            "Okand",
        ]));
        assert_eq!(g.unit.as_deref(), Some("u-lulea-asyl"));
        assert_eq!(
            g.role, None,
            "no group gives a role: the person keeps theirs"
        );
        assert_eq!(
            g.forums.into_iter().collect::<Vec<_>>(),
            vec!["nn-sakerhet", "u-lulea-asyl"]
        );
    }

    #[test]
    fn the_highest_role_and_the_first_unit_in_file_order_win() {
        let g = config().grant(&groups(&[
            "Eskalera-Admin",
            "Enhet-Asyl-Umea",
            "Rattsavdelningen",
            "Enhet-Asyl-Lulea",
        ]));
        assert_eq!(g.role, Some(Role::Admin));
        assert_eq!(g.unit.as_deref(), Some("u-lulea-asyl"));
    }

    #[test]
    fn without_a_unit_the_default_unit_or_nothing() {
        let mut c = config();
        assert_eq!(c.grant(&groups(&["Rattsavdelningen"])).unit, None);
        c.default_unit = Some("u-umea-asyl".into());
        assert_eq!(
            c.grant(&groups(&["Rattsavdelningen"])).unit.as_deref(),
            Some("u-umea-asyl")
        );
        assert_eq!(c.grant(&[]).unit.as_deref(), Some("u-umea-asyl"));
    }

    #[test]
    fn group_names_match_exactly() {
        let g = config().grant(&groups(&["enhet-asyl-lulea", " Enhet-Asyl-Lulea"]));
        assert_eq!(g, Granted::default());
    }
}
