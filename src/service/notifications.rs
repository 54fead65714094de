//! E-mail: the use cases write outbox rows in their own transaction; a mailer thread renders
//! and sends them with retries, holds digests, and warns about SLAs and review dates.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Actor, Role, Service, ServiceError, ServiceResult};
use crate::domain::catalogue::FieldProblem;
use crate::domain::mail::{MailPreference, MailStatus, MailTemplate};
use crate::domain::question::EventKind;
use crate::domain::question::Status;
use crate::domain::sla::SlaState;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::notify::mailer::{self, Mailer, Rendered, Templates};
use crate::notify::recipients;
use crate::notify::NotifyError;
use crate::observe::MailOutcome;
use crate::store::models::{AnswerRow, NewOutbox, OutboxRow, QuestionRow, UserRow};
use crate::store::{self, outbox as ob, questions as qs, users as us, DbConnection, StoreError};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct Preferences {
    /// immediate, digest (one mail a day) or off
    pub mail: Option<String>,
}

/// How long a batch of mails is an instance's to send. Short, because the mails of an
/// instance that dies holding a lease wait for it to run out; long enough for the sends.
const LEASE_SECONDS: i64 = 45;
/// No send starts later than this before the lease ends: more than one send can take (the
/// SMTP timeout is 15 s) and recording it.
const SEND_MARGIN_SECONDS: i64 = 25;

/// What a change mail is about: a step in a question's history, or different answers that
/// the legal department sent to the process forum.
#[derive(Debug, Clone, Copy)]
enum Change {
    Event(EventKind),
    DivergenceRouted,
    /// Answers stopped holding; everyone who relied on them hears.
    Lineage(crate::domain::register::Lapse),
}

impl Change {
    /// The `kind` of the mail's payload.
    fn code(self) -> &'static str {
        match self {
            Change::Event(k) => k.as_str(),
            Change::DivergenceRouted => "divergence_routed",
            Change::Lineage(l) => l.code(),
        }
    }
}

fn headline(kind: Change, forum: &str, actor: &str, answer: Option<&AnswerRow>) -> String {
    let binding = answer
        .map(|a| a.binding_status.label_sv().to_lowercase())
        .unwrap_or_default();
    let kind = match kind {
        Change::Event(kind) => kind,
        Change::DivergenceRouted => {
            return format!(
                "Rättsavdelningen har sett olika svar på samma fråga och skickat den till {forum}"
            )
        }
        Change::Lineage(lapse) => return lapse.headline_sv().to_string(),
    };
    match kind {
        EventKind::Submitted => format!("En ny fråga har kommit till {forum}"),
        EventKind::Claimed => format!("{actor} handlägger nu frågan"),
        EventKind::Assigned => "Frågan har tilldelats dig".into(),
        EventKind::InfoRequested => "Frågan behöver kompletteras av dig".into(),
        EventKind::InfoProvided => "Frågeställaren har kompletterat frågan".into(),
        EventKind::Escalated => format!("Frågan har lyfts till {forum}"),
        EventKind::Answered => format!("Frågan har besvarats ({binding})"),
        EventKind::BindingStatusChanged => format!("Ett svar har fått ny status: {binding}"),
        EventKind::Closed => "Frågan har avslutats".into(),
        EventKind::Reopened => format!("Frågan har öppnats igen hos {forum}"),
        EventKind::MarkedDuplicate => "Frågan har markerats som dubblett".into(),
        EventKind::Withdrawn => "Frågan har återkallats".into(),
        other => other.label_sv().to_string(),
    }
}

fn message_id(question_id: Option<i64>) -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    format!("<{}.{}@eskalera>", hex::encode(b), question_id.unwrap_or(0))
}

impl From<NotifyError> for ServiceError {
    fn from(e: NotifyError) -> Self {
        ServiceError::Store(StoreError::Corrupt(e.to_string()))
    }
}

impl Service {
    fn question_link(&self, id: i64) -> String {
        format!(
            "{}/questions/{id}",
            self.config.base_url.trim_end_matches('/')
        )
    }

    fn question_payload(
        &self,
        q: &QuestionRow,
        status: Status,
        forum: &str,
        level: Level,
    ) -> serde_json::Value {
        json!({
            "id": q.id,
            "reference": q.reference,
            "title": q.title,
            "status_label": status.label_sv(),
            "forum_name": self.config.structure.forum(forum).map_or(forum, |f| f.name.as_str()),
            "level_label": level.label_sv(),
        })
    }

    /// Queues `template` for each of `users` as their preference says (immediately, in the
    /// digest, or not at all), in one statement.
    fn enqueue(
        &self,
        c: &mut DbConnection,
        users: &[&UserRow],
        template: MailTemplate,
        question_id: Option<i64>,
        payload: &serde_json::Value,
    ) -> ServiceResult<()> {
        let mails: Vec<(&UserRow, MailStatus, String, String)> = users
            .iter()
            .filter_map(|user| {
                let status = user.mail_preference.first_status()?;
                let mut payload = payload.clone();
                payload["recipient_name"] = json!(user.name);
                Some((*user, status, message_id(question_id), payload.to_string()))
            })
            .collect();
        let now = self.clock.now_naive();
        let rows: Vec<NewOutbox<'_>> = mails
            .iter()
            .map(|(user, status, message_id, payload)| NewOutbox {
                message_id,
                template,
                recipient_id: Some(user.id),
                to_address: &user.email,
                question_id,
                payload,
                status: *status,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
            })
            .collect();
        ob::insert_all(c, &rows)?;
        Ok(())
    }

    /// Mails everyone a question event concerns, in the transaction that made the change.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn notify_event(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        state: (Status, &str, Level, Option<i64>),
        kind: EventKind,
        actor: &Actor,
        note: Option<&str>,
        answer: Option<&AnswerRow>,
    ) -> ServiceResult<()> {
        let (_, forum, _, assignee) = state;
        let audience = recipients::audience(kind);
        let followers = if audience.followers {
            store::followers::followers_of(c, q.id)?
        } else {
            Vec::new()
        };
        let members = if audience.forum_members {
            us::members_of(c, forum)?
        } else {
            Vec::new()
        };
        let member_ids: Vec<i64> = members.iter().map(|u| u.id).collect();
        let to = recipients::select(audience, &followers, &member_ids, assignee, actor.id);
        let payload = self.change_payload(q, state, Change::Event(kind), actor, note, answer);
        self.enqueue_change(c, to, members, q.id, &payload)
    }

    /// Mails the members of `forums` and the followers of `questions` (the askers among them:
    /// they apply the answers) about `q`, each person once and never the actor: the forums that
    /// gave answers which the legal department found divergent, and whoever relies on them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn notify_forums(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        forums: &[&str],
        questions: &[i64],
        actor: &Actor,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        let mut to = std::collections::BTreeSet::new();
        for forum in forums {
            to.extend(us::members_of(c, forum)?.into_iter().map(|u| u.id));
        }
        for question in questions {
            to.extend(store::followers::followers_of(c, *question)?);
        }
        to.remove(&actor.id);
        let payload = self.change_payload(
            q,
            (q.status, &q.forum, q.level, q.assignee_id),
            Change::DivergenceRouted,
            actor,
            note,
            None,
        );
        self.enqueue_change(c, to, Vec::new(), q.id, &payload)
    }

    /// Tells everyone who relied on the answers `changed` (each with its question) that they
    /// no longer hold, and what replaced them: the askers and followers of their questions,
    /// the askers of questions closed as duplicates of them, and the askers of questions whose
    /// answers cite them. One mail a person, however many of the answers they relied on.
    pub(crate) fn notify_lineage(
        &self,
        c: &mut DbConnection,
        changed: &[(&QuestionRow, &AnswerRow)],
        lapse: crate::domain::register::Lapse,
        actor: &Actor,
        note: Option<&str>,
    ) -> ServiceResult<()> {
        use crate::store::publication as pb;
        let Some((first_q, first_a)) = changed.first() else {
            return Ok(());
        };
        let ids: Vec<i64> = changed.iter().map(|(q, _)| q.id).collect();
        let askers: Vec<i64> = changed.iter().filter_map(|(q, _)| q.asker_id).collect();
        let mut followers = Vec::new();
        for id in &ids {
            followers.extend(store::followers::followers_of(c, *id)?);
        }
        let duplicates = pb::duplicate_askers(c, &ids)?;
        let citing: Vec<i64> = pb::citing_questions(c, &ids)?
            .into_iter()
            .filter(|q| !ids.contains(q))
            .collect();
        let citing_askers = pb::askers(c, &citing)?;
        let to = recipients::lineage([&askers, &followers, &duplicates, &citing_askers], actor.id);
        let replaced_by = match first_a.superseded_by {
            Some(by) => match qs::answer(c, by)? {
                Some(newer) => qs::get(c, newer.question_id)?.map(|nq| {
                    json!({
                        "reference": nq.reference,
                        "title": nq.title,
                        "binding_label": newer.binding_status.label_sv(),
                        "link": self.question_link(nq.id),
                    })
                }),
                None => None,
            },
            None => None,
        };
        let others: Vec<serde_json::Value> = changed
            .iter()
            .skip(1)
            .map(|(q, _)| json!({"reference": q.reference, "title": q.title, "link": self.question_link(q.id)}))
            .collect();
        let mut payload = self.change_payload(
            first_q,
            (
                first_q.status,
                &first_q.forum,
                first_q.level,
                first_q.assignee_id,
            ),
            Change::Lineage(lapse),
            actor,
            note,
            Some(first_a),
        );
        payload["replaced_by"] = replaced_by.unwrap_or(serde_json::Value::Null);
        payload["others"] = json!(others);
        self.enqueue_change(c, to, Vec::new(), first_q.id, &payload)
    }

    /// Mails `user` that answer `a` to `q` matched their saved search `name`, held for the
    /// digest or not sent as their setting refined by the search's says.
    pub(crate) fn notify_saved_search(
        &self,
        c: &mut DbConnection,
        user: &UserRow,
        notify: MailPreference,
        (q, a): (&QuestionRow, &AnswerRow),
        name: &str,
    ) -> ServiceResult<()> {
        let Some(status) = user.mail_preference.refined_by(notify) else {
            return Ok(());
        };
        let mut payload = json!({
            "kind": "saved_search",
            "headline": format!("Ett nytt svar matchar din sparade sökning \"{name}\""),
            "question": self.question_payload(q, q.status, &q.forum, q.level),
            "answer": {"binding_label": a.binding_status.label_sv(), "explanation": a.binding_status.explanation_sv()},
            "note": serde_json::Value::Null,
            "actor_name": serde_json::Value::Null,
            "link": self.question_link(q.id),
            "recipient_name": user.name,
        });
        payload["saved_search"] = json!(name);
        let now = self.clock.now_naive();
        let message_id = message_id(Some(q.id));
        let payload = payload.to_string();
        ob::insert_all(
            c,
            &[NewOutbox {
                message_id: &message_id,
                template: MailTemplate::Change,
                recipient_id: Some(user.id),
                to_address: &user.email,
                question_id: Some(q.id),
                payload: &payload,
                status,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
            }],
        )?;
        Ok(())
    }

    fn change_payload(
        &self,
        q: &QuestionRow,
        state: (Status, &str, Level, Option<i64>),
        kind: Change,
        actor: &Actor,
        note: Option<&str>,
        answer: Option<&AnswerRow>,
    ) -> serde_json::Value {
        let (status, forum, level, _) = state;
        let forum_name = self
            .config
            .structure
            .forum(forum)
            .map_or(forum, |f| f.name.as_str())
            .to_string();
        let answer_json = answer
            .map(|a| a.binding_status)
            .map(|b| json!({"binding_label": b.label_sv(), "explanation": b.explanation_sv()}));
        json!({
            "kind": kind.code(),
            "headline": headline(kind, &forum_name, &actor.name, answer),
            "question": self.question_payload(q, status, forum, level),
            "answer": answer_json,
            "note": note,
            // A change eskalera made itself (a job) is nobody's: no "Av: system" in the mail.
            "actor_name": (!actor.is_system()).then_some(&actor.name),
            "link": self.question_link(q.id),
        })
    }

    /// Mails `to` about a change; `known` are user rows already read (the forum's members),
    /// so that only the others are looked up.
    fn enqueue_change(
        &self,
        c: &mut DbConnection,
        to: std::collections::BTreeSet<i64>,
        mut known: Vec<UserRow>,
        question_id: i64,
        payload: &serde_json::Value,
    ) -> ServiceResult<()> {
        known.retain(|u| to.contains(&u.id));
        let others: Vec<i64> = to
            .iter()
            .copied()
            .filter(|id| !known.iter().any(|u| u.id == *id))
            .collect();
        if !others.is_empty() {
            known.extend(us::by_ids(c, &others)?);
        }
        known.sort_by_key(|u| u.id);
        let users: Vec<&UserRow> = known.iter().collect();
        self.enqueue(c, &users, MailTemplate::Change, Some(question_id), payload)
    }

    pub fn preferences(&self, actor: &Actor) -> ServiceResult<Preferences> {
        let mut c = self.conn()?;
        let u = us::by_id(&mut c, actor.id)?
            .ok_or_else(|| ServiceError::Unauthenticated("the user no longer exists".into()))?;
        Ok(Preferences {
            mail: Some(u.mail_preference.as_str().to_string()),
        })
    }

    pub fn set_preferences(&self, actor: &Actor, p: &Preferences) -> ServiceResult<Preferences> {
        let given = p.mail.as_deref().map(str::trim).unwrap_or("");
        let Some(mail) = MailPreference::parse(given) else {
            return Err(ServiceError::invalid(
                "mail",
                FieldProblem::NotOneOf {
                    value: given.into(),
                    codes: MailPreference::choices(),
                },
            ));
        };
        let mut c = self.conn()?;
        store::write_tx(&mut c, |c| us::set_mail_preference(c, actor.id, mail))?;
        Ok(Preferences {
            mail: Some(mail.as_str().to_string()),
        })
    }

    /// When to try again after `failed` failed attempts, or None to give up: the schedule of
    /// `mail.max_backoff_seconds` and `mail.retry_for_hours`, each wait stretched by up to a
    /// quarter at random so that mails held by one outage do not all come back at once.
    fn next_attempt(&self, failed: i32) -> Option<NaiveDateTime> {
        let schedule = crate::domain::mail::RetrySchedule {
            cap_seconds: self.config.mail.max_backoff_seconds as f64,
            window_seconds: self.config.mail.retry_for_hours * 3600.0,
        };
        let wait = schedule.next_wait(failed)?;
        let mut b = [0u8; 2];
        let _ = getrandom::fill(&mut b);
        let jitter = 1.0 + f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX) * 0.25;
        Some(self.clock.now_naive() + Duration::milliseconds((wait * jitter * 1000.0) as i64))
    }

    /// Sends what is due; returns how many rows it handled.
    pub fn deliver_due(
        &self,
        mailer: &Arc<Mailer>,
        templates: &Templates,
        rt: &tokio::runtime::Runtime,
        instance: &str,
    ) -> ServiceResult<usize> {
        let mut c = self.conn()?;
        let now = self.clock.now_naive();
        let due = ob::due(&mut c, now, 50)?;
        if due.is_empty() {
            return Ok(0);
        }
        // One lease for the batch, not one write per mail: under load each submission brings
        // a mail or two, and every write on SQLite queues behind the submissions.
        let until = now + Duration::seconds(LEASE_SECONDS);
        let ids: Vec<i64> = due.iter().map(|r| r.id).collect();
        let won: HashSet<i64> =
            store::write_tx(&mut c, |c| ob::claim(c, &ids, instance, now, until))?
                .into_iter()
                .collect();
        // Sends overlap. One send is a handful of round trips, and lettre writes the end of
        // the data in a write of its own, which Nagle holds back until the server's delayed
        // ack: ~40 ms of waiting per mail, so one at a time is ~25 mails/s. Each recipient's
        // mails stay in one lane, in order, so nobody reads "answered" before "escalated".
        let mut lanes: Vec<Vec<(OutboxRow, String, Rendered)>> =
            (0..mailer::CONNECTIONS).map(|_| Vec::new()).collect();
        let mut handled = 0;
        for row in due.into_iter().filter(|r| won.contains(&r.id)) {
            handled += 1;
            match render_row(&row, templates) {
                Ok((name, mail)) => lanes[lane_of(&row.to_address)].push((row, name, mail)),
                Err(e) => self.record_attempts(&mut c, vec![(row, Err(e))], instance)?,
            }
        }
        // A send may take up to the SMTP timeout: none starts that the lease might not
        // outlast, or another instance could take the row and send it too. What is left is
        // taken again once the lease has run out.
        let send_by = std::time::Instant::now()
            + (until - now - Duration::seconds(SEND_MARGIN_SECONDS))
                .to_std()
                .unwrap_or_default();
        // lettre hands a dropped connection back to its pool by spawning a task, so even sends
        // dropped unfinished (an error below) must be dropped inside the runtime.
        let _context = rt.enter();
        let mut in_flight = tokio::task::JoinSet::new();
        for lane in lanes.into_iter().filter(|l| !l.is_empty()) {
            let mailer = mailer.clone();
            in_flight.spawn_on(
                async move {
                    let mut done = Vec::with_capacity(lane.len());
                    for (row, name, mail) in lane {
                        if std::time::Instant::now() > send_by {
                            break;
                        }
                        let sent = mailer
                            .send(&name, &row.to_address, &row.message_id, &mail)
                            .await;
                        done.push((row, sent));
                    }
                    done
                },
                rt.handle(),
            );
        }
        while let Some(lane) = rt.block_on(in_flight.join_next()) {
            match lane {
                Ok(done) => self.record_attempts(&mut c, done, instance)?,
                // Mails of a lane that panicked keep their lease and are sent when it runs out.
                Err(e) => log::error!("mail send task: {e}"),
            }
        }
        Ok(handled)
    }

    /// Marks the sent rows of a lane sent, all in one statement, and schedules the next
    /// attempt of each failed one (none after a permanent failure): one write per lane rather
    /// than per mail, since on SQLite every write queues behind the submissions.
    fn record_attempts(
        &self,
        c: &mut store::Conn,
        done: Vec<(OutboxRow, Result<(), NotifyError>)>,
        instance: &str,
    ) -> ServiceResult<()> {
        // Counted once the outcome is written, so a transaction that fails counts nothing.
        let mut outcomes = Vec::new();
        store::write_tx(c, |c| {
            let mut sent = Vec::new();
            for (row, result) in done {
                match result {
                    Ok(()) => {
                        outcomes.push(MailOutcome::Sent);
                        sent.push(row.id)
                    }
                    Err(e) => {
                        // Only a passing failure is worth another try: a 5xx refusal, an
                        // address or a template that cannot be used stay as they are.
                        let attempts = row.attempts + 1;
                        let next = match e {
                            NotifyError::Send(_) => self.next_attempt(attempts),
                            _ => None,
                        };
                        outcomes.push(if next.is_some() {
                            MailOutcome::Deferred
                        } else {
                            MailOutcome::Failed
                        });
                        let ends = if next.is_some() { "" } else { "; given up" };
                        log::warn!("mail {} attempt {attempts} failed: {e}{ends}", row.id);
                        ob::mark_failed_attempt(c, row.id, &e.to_string(), next)?;
                    }
                }
            }
            if !sent.is_empty() {
                ob::mark_sent(c, &sent, instance, self.clock.now_naive())?;
            }
            Ok::<(), StoreError>(())
        })?;
        for outcome in outcomes {
            self.telemetry.record_mail(outcome);
        }
        Ok(())
    }

    /// Today's digest instant (the configured hour, Stockholm) if it has passed, else None.
    fn digest_due(&self, now: DateTime<Utc>) -> Option<NaiveDateTime> {
        let local = now.with_timezone(&Stockholm);
        let due = Stockholm
            .from_local_datetime(&local.date_naive().and_hms_opt(
                self.config.mail.digest_hour.min(23),
                0,
                0,
            )?)
            .earliest()?;
        (now >= due).then(|| due.naive_utc())
    }

    /// Sends each user who chose the digest one mail listing what was held since the last one.
    pub fn run_digests(&self) -> ServiceResult<usize> {
        let now = self.clock.now();
        let Some(due) = self.digest_due(now) else {
            return Ok(0);
        };
        let mut c = self.conn()?;
        let mut sent = 0;
        for user_id in ob::digest_recipients(&mut c)? {
            sent += store::write_tx(&mut c, |c| {
                if !ob::claim_digest(c, user_id, due, now.naive_utc())? {
                    return Ok::<usize, ServiceError>(0);
                }
                let Some(user) = us::by_id(c, user_id)? else {
                    return Ok(0);
                };
                let items = ob::digest_items(c, user_id)?;
                if items.is_empty() {
                    return Ok(0);
                }
                let list: Vec<serde_json::Value> = items
                    .iter()
                    .filter_map(|r| serde_json::from_str::<serde_json::Value>(&r.payload).ok())
                    .map(|p| {
                        json!({
                            "headline": p["headline"], "reference": p["question"]["reference"],
                            "title": p["question"]["title"], "link": p["link"],
                        })
                    })
                    .collect();
                let ids: Vec<i64> = items.iter().map(|r| r.id).collect();
                ob::mark_digested(c, &ids)?;
                let payload = json!({"items": list, "link": format!("{}/", self.config.base_url.trim_end_matches('/'))});
                let immediate = UserRow {
                    mail_preference: MailPreference::Immediate,
                    ..user
                };
                self.enqueue(c, &[&immediate], MailTemplate::Digest, None, &payload)?;
                Ok(1)
            })?;
        }
        Ok(sent)
    }

    /// Warns the forum and the legal department once per stage when it becomes at risk, and
    /// once more when it becomes overdue.
    pub fn run_sla_warnings(&self) -> ServiceResult<usize> {
        let mut c = self.conn()?;
        let open = self.open_stages_to_warn(&mut c)?;
        let legal = us::with_role(&mut c, Role::Legal)?;
        let mut warned = 0;
        for e in open {
            let s = &e.stage;
            let state = e.state;
            if !matches!(state, SlaState::Overdue | SlaState::AtRisk) {
                continue;
            }
            warned += store::write_tx(&mut c, |c| {
                if !ob::claim_stage_warning(c, s.id, state)? {
                    return Ok::<usize, ServiceError>(0);
                }
                let Some(q) = qs::get(c, s.question_id)? else {
                    return Ok(0);
                };
                let payload = json!({
                    "question": self.question_payload(&q, q.status, &s.forum, s.level),
                    "state_label": state.phrase_sv(),
                    "working_days": e.working_days,
                    "target_days": e.target_days,
                    "link": self.question_link(q.id),
                });
                let mut people = us::members_of(c, &s.forum)?;
                people.extend(legal.iter().cloned());
                people.sort_by_key(|u| u.id);
                people.dedup_by_key(|u| u.id);
                let people: Vec<&UserRow> = people.iter().collect();
                self.enqueue(c, &people, MailTemplate::SlaWarning, Some(q.id), &payload)?;
                Ok(1)
            })?;
        }
        Ok(warned)
    }

    /// Reminds the authors of temporary answers whose review date has come, once.
    pub fn run_review_reminders(&self) -> ServiceResult<usize> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let mut c = self.conn()?;
        let mut n = 0;
        for (answer_id, question_id, author) in ob::reviews_due(&mut c, &today)? {
            n += store::write_tx(&mut c, |c| {
                if !ob::claim_review(c, answer_id)? {
                    return Ok::<usize, ServiceError>(0);
                }
                let (Some(q), Some(a), Some(author)) =
                    (qs::get(c, question_id)?, qs::answer(c, answer_id)?, author)
                else {
                    return Ok(0);
                };
                let Some(user) = us::by_id(c, author)? else {
                    return Ok(0);
                };
                let payload = json!({
                    "question": self.question_payload(&q, q.status, &q.forum, q.level),
                    "review_date": a.review_date,
                    "link": self.question_link(q.id),
                });
                self.enqueue(c, &[&user], MailTemplate::ReviewDue, Some(q.id), &payload)?;
                Ok(1)
            })?;
        }
        Ok(n)
    }

    /// Outbox rows not yet sent (pending), for /metrics and tests.
    pub fn mail_pending(&self) -> ServiceResult<i64> {
        let mut c = self.conn()?;
        Ok(ob::count_by_status(&mut c, MailStatus::Pending)?)
    }
}

/// The recipient's name and the rendered mail of an outbox row.
fn render_row(row: &OutboxRow, templates: &Templates) -> Result<(String, Rendered), NotifyError> {
    let payload: serde_json::Value = serde_json::from_str(&row.payload)
        .map_err(|e| NotifyError::Build(format!("payload: {e}")))?;
    let mail = templates.render(row.template.as_str(), &payload)?;
    let name = payload["recipient_name"].as_str().unwrap_or("").to_string();
    Ok((name, mail))
}

/// The send lane of an address: the same one for every mail to it.
fn lane_of(address: &str) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    address.to_ascii_lowercase().hash(&mut h);
    usize::try_from(h.finish() % mailer::CONNECTIONS as u64).unwrap_or(0)
}
