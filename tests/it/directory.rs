//! Signing in people the agency's directory vouches for: people made at their first sign-in,
//! linked on the provider's subject, their unit, role and memberships following their groups
//! with an audit event for each change, and those the groups give no unit refused.

use eskalera::clock::Clock;
use eskalera::domain::catalogue::{Refusal, Worded};
use eskalera::service::directory::{AuthConfig, DirectoryPerson};
use eskalera::service::users::UserChange;
use eskalera::service::{Actor, Role, ServiceError};

use crate::common::TestApp;
use crate::web::{audit_count, audit_trail};

const ISSUER: &str = "https://login.example.se/realms/mv";

pub fn auth(owns_memberships: bool) -> AuthConfig {
    let mut a: AuthConfig = toml::from_str(
        r#"
        access_contact = "din chef"
        [[group]]
        name = "Enhet-Asyl-Lulea"
        unit = "u-lulea-asyl"
        forums = ["u-lulea-asyl"]
        [[group]]
        name = "RG-Nord-Lulea"
        forums = ["rg-nord-lulea"]
        [[group]]
        name = "PS-Natverk-Sakerhet"
        forums = ["nn-sakerhet"]
        [[group]]
        name = "Rattsavdelningen"
        role = "legal"
        [[group]]
        name = "Enhet-Asyl-Umea"
        unit = "u-umea-asyl"
        "#,
    )
    .unwrap();
    a.directory_owns_memberships = owns_memberships;
    a
}

fn app(owns_memberships: bool) -> TestApp {
    TestApp::start_with(Clock::system(), |c| c.auth = auth(owns_memberships))
}

fn person(subject: &str, email: &str, groups: &[&str]) -> DirectoryPerson {
    DirectoryPerson {
        issuer: ISSUER.into(),
        subject: subject.into(),
        email: email.into(),
        name: "Sara Ek".into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn forums(a: &Actor) -> Vec<&str> {
    a.memberships.iter().map(String::as_str).collect()
}

#[test]
fn the_first_sign_in_makes_the_person_and_the_groups_give_unit_role_and_forums() {
    let app = app(false);
    let sara = app
        .svc
        .sign_in_from_directory(&person(
            "sub-1",
            "Sara.Ek@Migrationsverket.se",
            &["Enhet-Asyl-Lulea", "RG-Nord-Lulea", "Okand-Grupp"],
        ))
        .unwrap();
    assert_eq!(sara.email, "sara.ek@migrationsverket.se");
    assert_eq!(sara.name, "Sara Ek");
    assert_eq!(sara.unit, "u-lulea-asyl");
    assert_eq!(sara.role, Role::Caseworker);
    assert_eq!(forums(&sara), ["rg-nord-lulea", "u-lulea-asyl"]);
    assert_eq!(audit_count(&app, "user_created"), 1);
    // Each change names the directory, not a person.
    let added = audit_trail(&app, "membership_added");
    assert_eq!(added.len(), 2);
    assert!(added
        .iter()
        .all(|(actor, data)| actor.is_none() && data.as_deref().unwrap().contains("directory")));

    // Signing in again changes nothing and makes nobody new.
    let again = app
        .svc
        .sign_in_from_directory(&person(
            "sub-1",
            "sara.ek@migrationsverket.se",
            &["Enhet-Asyl-Lulea", "RG-Nord-Lulea"],
        ))
        .unwrap();
    assert_eq!(again.id, sara.id);
    assert_eq!(audit_count(&app, "membership_added"), 2);
    assert_eq!(audit_count(&app, "signed_in"), 2);
}

#[test]
fn a_moved_group_moves_the_membership_at_the_next_sign_in_and_hand_given_ones_stay() {
    let app = app(false);
    let groups = ["Enhet-Asyl-Lulea", "RG-Nord-Lulea"];
    let sara = app
        .svc
        .sign_in_from_directory(&person("sub-1", "sara.ek@mv.se", &groups))
        .unwrap();
    // An administrator adds a forum by hand.
    app.svc
        .change_user(
            &Actor::operator(),
            "sara.ek@mv.se",
            &UserChange {
                add_member: vec!["nn-barn".into()],
                ..Default::default()
            },
        )
        .unwrap();
    // The directory moves her from the regional group to a network, and to Umeå.
    let moved = app
        .svc
        .sign_in_from_directory(&person(
            "sub-1",
            "sara.ek@mv.se",
            &["Enhet-Asyl-Umea", "PS-Natverk-Sakerhet"],
        ))
        .unwrap();
    assert_eq!(moved.id, sara.id);
    assert_eq!(moved.unit, "u-umea-asyl");
    assert_eq!(
        forums(&moved),
        ["nn-barn", "nn-sakerhet"],
        "the directory's old forums go, the hand-given one stays"
    );
    let removed = audit_trail(&app, "membership_removed");
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(audit_count(&app, "unit_changed"), 1);
}

#[test]
fn when_the_directory_owns_memberships_hand_given_ones_end_too() {
    let app = app(true);
    app.user(
        "sara.ek@mv.se",
        "u-lulea-asyl",
        &["nn-barn"],
        Role::Caseworker,
    );
    let sara = app
        .svc
        .sign_in_from_directory(&person("sub-1", "sara.ek@mv.se", &["Enhet-Asyl-Lulea"]))
        .unwrap();
    assert_eq!(forums(&sara), ["u-lulea-asyl"]);
}

#[test]
fn a_person_made_by_hand_is_matched_on_the_address_once_then_on_the_subject() {
    let app = app(false);
    app.user("anna@mv.se", "u-lulea-asyl", &[], Role::Admin);
    let anna = app
        .svc
        .sign_in_from_directory(&person("sub-anna", "anna@mv.se", &["Enhet-Asyl-Lulea"]))
        .unwrap();
    // Her groups give no role: the first administrator is not demoted.
    assert_eq!(anna.role, Role::Admin);
    assert_eq!(
        audit_count(&app, "user_created"),
        1,
        "only the one made by hand"
    );
    // A new address in the directory follows her: she is known by her subject now.
    let renamed = app
        .svc
        .sign_in_from_directory(&person(
            "sub-anna",
            "anna.berg@mv.se",
            &["Enhet-Asyl-Lulea"],
        ))
        .unwrap();
    assert_eq!(renamed.id, anna.id);
    assert_eq!(renamed.email, "anna.berg@mv.se");
    // Another account of the provider with her old address is not her.
    app.user("bo@mv.se", "u-lulea-asyl", &[], Role::Caseworker);
    let other = app.svc.sign_in_from_directory(&person(
        "sub-other",
        "anna.berg@mv.se",
        &["Enhet-Asyl-Lulea"],
    ));
    assert!(
        matches!(
            other,
            Err(ServiceError::Refused(Refusal::UserExists { .. }))
        ),
        "{other:?}"
    );
    // A group that gives a role gives it; the highest wins.
    let legal = app
        .svc
        .sign_in_from_directory(&person(
            "sub-bo",
            "bo@mv.se",
            &["Enhet-Asyl-Lulea", "Rattsavdelningen"],
        ))
        .unwrap();
    assert_eq!(legal.role, Role::Legal);
    assert_eq!(audit_count(&app, "role_changed"), 1);
}

#[test]
fn a_person_whose_groups_give_no_unit_is_refused_and_no_account_is_made() {
    let app = app(false);
    let refused =
        app.svc
            .sign_in_from_directory(&person("sub-x", "x@mv.se", &["PS-Natverk-Sakerhet"]));
    let Err(ServiceError::Refused(r @ Refusal::NoUnitFromDirectory { .. })) = refused else {
        panic!("{refused:?}");
    };
    assert!(r.sv().contains("din chef"), "{}", r.sv());
    assert_eq!(audit_count(&app, "user_created"), 0);
    assert!(app.svc.sign_in("x@mv.se", "anything").is_err());
}

#[test]
fn a_disabled_person_is_refused_until_enabled() {
    let app = app(false);
    let groups = ["Enhet-Asyl-Lulea"];
    app.svc
        .sign_in_from_directory(&person("sub-1", "sara@mv.se", &groups))
        .unwrap();
    app.svc
        .disable_user(&Actor::operator(), "sara@mv.se")
        .unwrap();
    let refused = app
        .svc
        .sign_in_from_directory(&person("sub-1", "sara@mv.se", &groups));
    assert!(
        matches!(refused, Err(ServiceError::Disabled(_))),
        "{refused:?}"
    );
    app.svc
        .enable_user(&Actor::operator(), "sara@mv.se")
        .unwrap();
    assert!(app
        .svc
        .sign_in_from_directory(&person("sub-1", "sara@mv.se", &groups))
        .is_ok());
}

/// An eskalera behind a proxy that signs people in, trusting `proxies`.
fn behind_proxy(proxies: &str) -> TestApp {
    TestApp::start_with(Clock::system(), |c| {
        c.auth = auth(false);
        c.auth_headers = true;
        c.trusted_proxies = vec![proxies.parse().unwrap()];
    })
}

fn as_named_by_proxy(app: &TestApp, email: &str, groups: &str) -> crate::web::Client {
    crate::web::Client::new(app)
        .with_header("X-Remote-Email", email)
        .with_header("X-Remote-Name", "Sara Ek")
        .with_header("X-Remote-Groups", groups)
}

#[test]
fn a_trusted_proxy_signs_people_in_with_its_headers() {
    let app = behind_proxy("127.0.0.1/32");
    let mut sara = as_named_by_proxy(&app, "sara@mv.se", "Enhet-Asyl-Lulea, RG-Nord-Lulea");
    let page = sara.get("/att-gora");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Sara Ek"));
    assert!(
        page.set_cookie
            .iter()
            .any(|c| c.starts_with("eskalera_session=")),
        "{:?}",
        page.set_cookie
    );
    let user = app.svc.sign_in_from_directory(&DirectoryPerson {
        issuer: eskalera::web::proxy_auth::HEADER_ISSUER.into(),
        subject: "sara@mv.se".into(),
        email: "sara@mv.se".into(),
        name: "Sara Ek".into(),
        groups: vec!["Enhet-Asyl-Lulea".into(), "RG-Nord-Lulea".into()],
    });
    assert_eq!(forums(&user.unwrap()), ["rg-nord-lulea", "u-lulea-asyl"]);
    // The session carries on: the next page signs nobody in again.
    let before = audit_count(&app, "signed_in");
    assert_eq!(sara.get("/mina").status, 200);
    assert_eq!(audit_count(&app, "signed_in"), before);
    // A form posted in that session is taken.
    let csrf = sara.get("/installningar").csrf();
    let saved = sara.post("/installningar", &[("csrf", &csrf), ("mail", "digest")]);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("sparad"));

    // The proxy names someone else on the same browser: that person, not the session's.
    let mut other = as_named_by_proxy(&app, "bo@mv.se", "Enhet-Asyl-Lulea")
        .with_header("Cookie", &sara.cookie_header());
    let page = other.get("/installningar");
    assert_eq!(page.status, 200);
    assert_eq!(audit_count(&app, "signed_in"), before + 1);
    assert!(
        page.set_cookie
            .iter()
            .any(|c| c.starts_with("eskalera_session=")),
        "a session of their own"
    );

    // Groups that give no unit: a Swedish page says whom to ask, and no account.
    let mut nobody = as_named_by_proxy(&app, "x@mv.se", "PS-Natverk-Sakerhet");
    let page = nobody.get("/att-gora");
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("din chef"), "{}", page.body);
    crate::wording::assert_reads_in_swedish("no unit", &page.body);
}

#[test]
fn the_headers_are_ignored_from_any_other_address() {
    let app = behind_proxy("10.9.9.9/32");
    let mut sara = as_named_by_proxy(&app, "sara@mv.se", "Enhet-Asyl-Lulea");
    let page = sara.get("/att-gora");
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap().starts_with("/logga-in"));
    assert_eq!(audit_count(&app, "user_created"), 0);
}

#[test]
fn header_sign_in_needs_trusted_proxies() {
    let refused = eskalera::config::Config::load_with_env(
        Some(std::path::Path::new("config/default.toml")),
        |name| (name == "ESKALERA_AUTH_HEADERS").then(|| "on".to_string()),
    );
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("ESKALERA_TRUSTED_PROXIES"), "{message}");
}

#[test]
fn an_administrator_ends_a_persons_sessions_and_disables_and_enables_them_on_their_page() {
    let app = TestApp::start();
    let password = "ett-långt-lösenord";
    app.user_with_password(
        "stina.berg@mv.se",
        "u-lulea-asyl",
        &[],
        Role::Admin,
        password,
    );
    app.user_with_password(
        "sara.ek@mv.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        password,
    );
    let id = app
        .svc
        .change_user(&Actor::operator(), "sara.ek@mv.se", &UserChange::default())
        .unwrap()
        .0
        .id;
    let mut sara = crate::web::Client::new(&app);
    assert_eq!(sara.sign_in("sara.ek@mv.se", password).status, 303);
    let mut admin = crate::web::Client::new(&app);
    assert_eq!(admin.sign_in("stina.berg@mv.se", password).status, 303);
    let person = format!("/admin/anvandare/{id}");
    let step = |admin: &mut crate::web::Client, name: &str| {
        let csrf = admin.get(&person).csrf();
        let done = admin.post(&format!("{person}/{name}"), &[("csrf", &csrf)]);
        assert_eq!(done.status, 303, "{name}: {}", done.body);
        assert_eq!(done.location.as_deref(), Some(person.as_str()));
        admin.get(&person)
    };
    let token = app.token("sara.ek@mv.se");
    app.get("/api/v1/me/preferences", &token).status(200);
    let page = step(&mut admin, "avsluta-inloggningar");
    app.get("/api/v1/me/preferences", &token).status(401);
    assert!(
        page.body.contains("Alla personens inloggningar"),
        "{}",
        page.body
    );
    assert_eq!(sara.get("/mina").status, 303, "her session has ended");
    assert_eq!(sara.sign_in("sara.ek@mv.se", password).status, 303);

    let page = step(&mut admin, "stang-av");
    assert!(page.body.contains("Kontot är avstängt"));
    assert!(page.body.contains("Öppna kontot igen"));
    assert_ne!(sara.get("/mina").status, 200);
    assert_ne!(sara.sign_in("sara.ek@mv.se", password).status, 303);

    let page = step(&mut admin, "oppna");
    assert!(page.body.contains("Kontot är öppnat igen"));
    assert_eq!(sara.sign_in("sara.ek@mv.se", password).status, 303);
    assert_eq!(sara.get("/mina").status, 200);
    crate::wording::assert_reads_in_swedish("the person page", &page.body);

    // Nobody else may.
    let csrf = sara.get("/mina").csrf();
    let refused = sara.post(&format!("{person}/stang-av"), &[("csrf", &csrf)]);
    assert_eq!(refused.status, 403);
}

#[test]
fn with_local_passwords_off_the_form_is_gone_and_a_password_is_refused() {
    let app = TestApp::start_with(Clock::system(), |c| c.local_passwords = false);
    let password = "ett-långt-lösenord";
    app.user_with_password(
        "sara.ek@mv.se",
        "u-lulea-asyl",
        &[],
        Role::Caseworker,
        password,
    );
    let mut sara = crate::web::Client::new(&app);
    let form = sara.get("/logga-in");
    assert_eq!(form.status, 200);
    assert!(!form.body.contains("type=\"password\""));
    assert!(form.body.contains("Inloggning med lösenord är avstängd"));
    // No form, so no CSRF token either: the post is refused before it is read.
    let refused = sara.post(
        "/logga-in",
        &[
            ("csrf", "ingen"),
            ("email", "sara.ek@mv.se"),
            ("password", password),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(matches!(
        app.svc.sign_in("sara.ek@mv.se", password),
        Err(ServiceError::Refused(Refusal::LocalPasswordsOff))
    ));
}
