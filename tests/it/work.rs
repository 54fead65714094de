//! Where each role starts and the work lists: "Att göra" across a member's forums, the legal
//! department's list of late questions with the target missed, and the confirmation after a
//! step. The browser test of the same pages (browser.rs) checks them on a desk and a phone.

use chrono::{DateTime, Duration, Utc};
use eskalera::clock::Clock;
use eskalera::service::questions::{NewQuestionInput, NoteInput};
use eskalera::service::{Actor, Role, Service};

use crate::common::TestApp;
use crate::web::{Client, PASSWORD};

const UNIT: &str = "u-lulea-asyl";

/// Wednesday 2025-03-12 12:00 in Stockholm: every day before it this week is a working day.
fn wednesday_noon() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-12T12:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn ago(app: &TestApp, days: i64) -> Service {
    app.svc
        .with_clock(app.svc.clock().shifted(-Duration::days(days)))
}

fn ask(svc: &Service, asker: &Actor, title: &str) -> i64 {
    svc.submit(
        asker,
        &NewQuestionInput {
            title: Some(title.into()),
            body: Some("Hur ska vi bedöma detta i ärendena?".into()),
            process: Some("asyl_forstagang".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .question
    .id
}

/// A unit with three waiting questions (one past its first-response target, one past its
/// resolve target, one new), a member, an asker someone waits for, the legal department, an
/// administrator and a caseworker with nothing to do.
pub struct Office {
    pub app: TestApp,
    pub late_first: i64,
    pub late_resolve: i64,
    pub fresh: i64,
}

pub fn office() -> Office {
    let app = TestApp::start_with_clock(Clock::starting_at(wednesday_noon()));
    for (email, members, role) in [
        ("medlem@test.se", &[UNIT][..], Role::Caseworker),
        ("fragar@test.se", &[][..], Role::Caseworker),
        ("jurist@test.se", &[][..], Role::Legal),
        ("admin@test.se", &[][..], Role::Admin),
        ("ledig@test.se", &[][..], Role::Caseworker),
    ] {
        app.user_with_password(email, UNIT, members, role, PASSWORD);
    }
    let asker = app.svc.actor_by_email("fragar@test.se").unwrap();
    let member = app.svc.actor_by_email("medlem@test.se").unwrap();
    // Monday noon: two working days, no first response (the target is one).
    let late_first = ask(&ago(&app, 2), &asker, "Ingen har svarat på två dagar");
    // A week and a half ago, claimed at once: past the resolve target of three days.
    let late_resolve = ask(&ago(&app, 10), &asker, "Tagen men inte besvarad");
    ago(&app, 10).claim(&member, late_resolve, None).unwrap();
    let fresh = ask(&app.svc, &asker, "Helt ny fråga");
    Office {
        app,
        late_first,
        late_resolve,
        fresh,
    }
}

fn signed_in(app: &TestApp, email: &str) -> Client {
    let mut c = Client::new(app);
    assert_eq!(c.sign_in(email, PASSWORD).status, 303);
    c
}

fn start_of(app: &TestApp, email: &str) -> String {
    let mut c = signed_in(app, email);
    c.get("/").location.unwrap_or_default()
}

#[test]
fn every_role_starts_on_its_own_list() {
    let o = office();
    assert_eq!(start_of(&o.app, "jurist@test.se"), "/forsenade");
    assert_eq!(start_of(&o.app, "medlem@test.se"), "/att-gora");
    assert_eq!(start_of(&o.app, "admin@test.se"), "/forsenade");
    assert_eq!(start_of(&o.app, "ledig@test.se"), "/mina");
    assert_eq!(start_of(&o.app, "fragar@test.se"), "/mina");
    // Once the forum asks the asker something, their start is the list that says so.
    let member = o.app.svc.actor_by_email("medlem@test.se").unwrap();
    o.app.svc.claim(&member, o.fresh, None).unwrap();
    o.app
        .svc
        .request_info(
            &member,
            o.fresh,
            &NoteInput {
                note: Some("Vilket år kom sökanden?".into()),
            },
            None,
        )
        .unwrap();
    assert_eq!(start_of(&o.app, "fragar@test.se"), "/att-gora");
    let mut c = signed_in(&o.app, "fragar@test.se");
    let page = c.get("/att-gora");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Väntar på din komplettering"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("/fragor/{}#provide-info-note", o.fresh)));
    assert!(
        !page.body.contains("Ingen har svarat"),
        "an asker's list holds what waits for them, not their other questions"
    );
    // "Mina frågor" says it at the top as well.
    let mine = c.get("/mina");
    assert!(mine.body.contains("Någon väntar på ditt svar"));
}

#[test]
fn att_gora_holds_every_forum_in_working_order_with_counts_in_the_menu() {
    let o = office();
    let mut c = signed_in(&o.app, "medlem@test.se");
    let page = c.get("/att-gora");
    assert_eq!(page.status, 200);
    let at = |id: i64| {
        page.body
            .find(&format!("href=\"/fragor/{id}\""))
            .unwrap_or_else(|| panic!("question {id} missing: {}", page.body))
    };
    // Both late ones before the new one; the one held by the viewer before the other.
    assert!(at(o.late_resolve) < at(o.late_first));
    assert!(at(o.late_first) < at(o.fresh));
    assert!(
        page.body.contains("<strong>3</strong> frågor"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<strong>2</strong> försenade"));
    assert!(page.body.contains("<strong>1</strong> väntar på dig"));
    // The menu counts the list.
    assert!(page.body.contains(
        "Att göra <span class=\"count-pill\"><span class=\"visually-hidden\">, </span>3<"
    ));
    // The new question can be taken from the list; the held one is opened.
    assert!(page
        .body
        .contains(&format!("action=\"/fragor/{}/claim\"", o.fresh)));
    assert!(!page
        .body
        .contains(&format!("action=\"/fragor/{}/claim\"", o.late_resolve)));
}

#[test]
fn the_late_list_says_which_target_was_missed_and_by_how_much() {
    let o = office();
    let mut c = signed_in(&o.app, "jurist@test.se");
    let page = c.get("/forsenade");
    assert_eq!(page.status, 200);
    let body = &page.body;
    let row = |id: i64| -> &str {
        let at = body
            .find(&format!("href=\"/fragor/{id}\""))
            .unwrap_or_else(|| panic!("question {id} missing"));
        let end = body[at..].find("</tr>").map_or(body.len(), |e| at + e);
        &body[at..end]
    };
    // Two working days without a first response, whose target is one day.
    let first = row(o.late_first);
    assert!(
        first
            .contains("Tidsmål för första svar: 2,0 av 1,0 arbetsdagar, <strong>1,0 över</strong>"),
        "{first}"
    );
    // Claimed (responded to) but not resolved within three days.
    let resolve = row(o.late_resolve);
    assert!(resolve.contains("Tidsmål för svar: "), "{resolve}");
    assert!(
        resolve.contains("av 3,0 arbetsdagar, <strong>"),
        "{resolve}"
    );
    assert!(
        !body.contains(&format!("href=\"/fragor/{}\"", o.fresh)),
        "on track: not late"
    );
    assert!(body.contains(
        "Försenade <span class=\"count-pill\"><span class=\"visually-hidden\">, </span>2<"
    ));
    // Nobody else may read it.
    let mut member = signed_in(&o.app, "medlem@test.se");
    let refused = member.get("/forsenade");
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("rättsavdelningen"));
}

#[test]
fn a_step_ends_with_a_confirmation_shown_once() {
    let o = office();
    let mut c = signed_in(&o.app, "medlem@test.se");
    let page = c.get(&format!("/fragor/{}", o.fresh));
    let posted = c.post(
        &format!("/fragor/{}/claim", o.fresh),
        &[("csrf", &page.csrf())],
    );
    assert_eq!(posted.status, 303);
    assert_eq!(
        posted.location.as_deref(),
        Some(&*format!("/fragor/{}", o.fresh))
    );
    let shown = c.get(&format!("/fragor/{}", o.fresh));
    assert!(
        shown.body.contains("role=\"status\"") && shown.body.contains("Du har tagit frågan"),
        "{}",
        shown.body
    );
    let again = c.get(&format!("/fragor/{}", o.fresh));
    assert!(!again.body.contains("Du har tagit frågan"), "said once");
}

#[test]
fn an_administrator_finds_a_person_and_sets_their_memberships_on_their_page() {
    let o = office();
    let mut c = signed_in(&o.app, "admin@test.se");
    let found = c.get("/admin/anvandare?q=MEDL");
    assert_eq!(found.status, 200);
    assert!(found.body.contains("medlem@test.se"), "{}", found.body);
    assert!(
        !found.body.contains("jurist@test.se"),
        "only those who match"
    );
    let member = o.app.svc.actor_by_email("medlem@test.se").unwrap();
    let path = format!("/admin/anvandare/{}", member.id);
    let page = c.get(&path);
    assert!(
        page.body
            .contains(&format!("value=\"{UNIT}\" id=\"forum-{UNIT}\" checked")),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let saved = c.post(
        &path,
        &[
            ("csrf", &csrf),
            ("forum", "rg-nord-lulea"),
            ("forum", "nn-forvar"),
        ],
    );
    assert_eq!(saved.status, 303);
    assert_eq!(
        saved.location.as_deref(),
        Some(path.as_str()),
        "the same person"
    );
    let after = o.app.svc.actor_by_email("medlem@test.se").unwrap();
    let now: Vec<&str> = after.memberships.iter().map(String::as_str).collect();
    assert_eq!(now, ["nn-forvar", "rg-nord-lulea"]);
    assert!(c.get(&path).body.contains("Medlemskapen är sparade"));
    let same = c.post(
        &path,
        &[
            ("csrf", &csrf),
            ("forum", "rg-nord-lulea"),
            ("forum", "nn-forvar"),
        ],
    );
    assert_eq!(same.status, 303);
    assert!(c.get(&path).body.contains("Inget ändrades"));
    let wrong = c.post(&path, &[("csrf", &csrf), ("forum", "nope")]);
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Okänt forum"), "{}", wrong.body);
    // Three changes, each an audit event naming the administrator.
    let admin = o.app.svc.actor_by_email("admin@test.se").unwrap();
    let added = crate::web::audit_actors(&o.app, "membership_added");
    let removed = crate::web::audit_actors(&o.app, "membership_removed");
    assert_eq!(added, vec![Some(admin.id), Some(admin.id)]);
    assert_eq!(removed, vec![Some(admin.id)]);
}

#[test]
fn failed_mail_is_grouped_by_cause_with_subjects_and_sent_again_a_cause_at_a_time() {
    use diesel::prelude::*;
    use eskalera::store::schema::outbox;
    let o = office();
    let pool = eskalera::store::connect(&o.app.db.url).unwrap();
    let mut conn = pool.get().unwrap();
    // Once the mailer has sent them all, so that it no longer holds one it would mark sent.
    crate::common::wait_until_all_mail_sent(&o.app);
    let ids: Vec<i64> = outbox::table
        .select(outbox::id)
        .order(outbox::id)
        .load(&mut **conn)
        .unwrap();
    assert!(ids.len() >= 3, "{ids:?}");
    for (i, id) in ids.iter().enumerate() {
        let error = if i % 2 == 0 {
            "sending: permanent error (550): 5.1.1 no such user"
        } else {
            "sending: Connection refused (os error 111)"
        };
        diesel::update(outbox::table.filter(outbox::id.eq(id)))
            .set((outbox::status.eq("failed"), outbox::last_error.eq(error)))
            .execute(&mut **conn)
            .unwrap();
    }
    let rejected = ids.len().div_ceil(2);
    let mut c = signed_in(&o.app, "admin@test.se");
    let page = c.get("/admin/mail");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("E-postservern gick inte att nå"),
        "{}",
        page.body
    );
    assert!(page.body.contains("adressen finns inte eller är spärrad"));
    assert!(page.body.contains("PS-2025-"), "the question of each mail");
    let only = c.get("/admin/mail?orsak=rejected");
    assert_eq!(only.body.matches("/retry\"").count(), rejected);
    assert_eq!(c.get("/admin/mail?orsak=nope").status, 422);
    let sent = c.post(
        "/admin/mail/skicka-igen",
        &[("csrf", &page.csrf()), ("orsak", "rejected")],
    );
    assert_eq!(sent.status, 303);
    assert!(c
        .get("/admin/mail")
        .body
        .contains("Meddelandena skickas igen"));
    let still: i64 = outbox::table
        .filter(outbox::status.eq("failed"))
        .count()
        .get_result(&mut **conn)
        .unwrap();
    assert_eq!(
        still as usize,
        ids.len() - rejected,
        "only that cause went again"
    );
}

#[test]
fn every_binding_status_is_explained_on_one_page_that_badges_link_to() {
    let o = office();
    let mut c = signed_in(&o.app, "ledig@test.se");
    let page = c.get("/svarets-status");
    assert_eq!(page.status, 200);
    for code in [
        "binding",
        "temporary",
        "guidance",
        "superseded",
        "withdrawn",
    ] {
        assert!(page.body.contains(&format!("id=\"{code}\"")), "{code}");
    }
    assert!(
        page.body.contains("Kan ges av: processforum."),
        "{}",
        page.body
    );
    assert!(page.body.contains("omprövningsdatum"));
}

#[test]
fn the_overview_links_its_counts_to_the_questions_and_sorts_its_forums() {
    let o = office();
    let mut c = signed_in(&o.app, "jurist@test.se");
    let page = c.get("/oversikt");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("href=\"/forsenade?forum={UNIT}\"")),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("href=\"/oversikt?ordning=namn#forums-heading\""));
    assert!(page.body.contains("aria-sort=\"descending\""));
    assert_eq!(c.get("/oversikt?ordning=vantar").status, 200);
    assert_eq!(c.get("/oversikt?ordning=nej").status, 422);
    let late = c.get(&format!("/forsenade?forum={UNIT}"));
    assert_eq!(late.status, 200);
    assert!(
        late.body.contains("<strong>2</strong> frågor"),
        "{}",
        late.body
    );
    assert!(late.body.contains("Hos Asylprövningsenheten i Luleå."));
    let other = c.get("/forsenade?forum=u-malmo-asyl");
    assert!(other.body.contains("<strong>0</strong> frågor"));
    assert_eq!(c.get("/forsenade?forum=nope").status, 422);
}

#[test]
fn lists_say_how_an_answered_question_was_answered() {
    use eskalera::service::questions::AnswerInput;
    let o = office();
    let member = o.app.svc.actor_by_email("medlem@test.se").unwrap();
    o.app.svc.claim(&member, o.fresh, None).unwrap();
    o.app
        .svc
        .answer(
            &member,
            o.fresh,
            &AnswerInput {
                body: Some("Bedöm det så här.".into()),
                binding_status: Some("guidance".into()),
                ..Default::default()
            },
            None,
        )
        .unwrap();
    let mut c = signed_in(&o.app, "fragar@test.se");
    let mine = c.get("/mina");
    let at = mine
        .body
        .find(&format!("href=\"/fragor/{}\"", o.fresh))
        .unwrap();
    let row = &mine.body[at..at + mine.body[at..].find("</tr>").unwrap()];
    assert!(
        row.contains("Besvarad") && row.contains("badge-guidance"),
        "{row}"
    );
    let token = o.app.token("fragar@test.se");
    let list = o.app.get("/api/v1/questions?mine=true", &token);
    let statuses: Vec<&serde_json::Value> = list.ok()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| &q["answer_status"])
        .collect();
    assert!(
        statuses.contains(&&serde_json::json!("guidance")),
        "{statuses:?}"
    );
    assert!(statuses.contains(&&serde_json::Value::Null));
}
