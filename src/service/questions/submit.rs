//! Asking: a new question's validation and its first stage.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::*;
use crate::domain::catalogue::{FieldProblem, Hint, Thing};
use crate::domain::countries;
use crate::domain::question::EventKind;
use crate::domain::question::{Priority, Status};
use crate::domain::structure::{Level, Structure};
use crate::domain::Code;
use crate::service::validate::{is_country_code, normalise_list, Checks};
use crate::service::{Actor, Service, ServiceError, ServiceResult};
use crate::store::{self, questions as qs, DbConnection};

impl Service {
    /// A new question, open at the asker's home unit; the asker follows it.
    pub fn submit(&self, actor: &Actor, input: &NewQuestionInput) -> ServiceResult<QuestionDetail> {
        let mut checks = Checks::default();
        let structure = &self.config.structure;
        let (tags, countries) = check_question(
            &mut checks,
            structure,
            &QuestionFields {
                title: input.title.as_deref(),
                body: input.body.as_deref(),
                process: input.process.as_deref(),
                category: input.category.as_deref(),
                tags: &input.tags,
                countries: &input.countries,
            },
        );
        let priority = match input.priority.as_deref().map(str::trim) {
            None | Some("") => Priority::Normal,
            Some(p) => Priority::parse(p).unwrap_or_else(|| {
                checks.fail(
                    "priority",
                    FieldProblem::Unknown {
                        thing: Thing::Priority,
                        value: p.into(),
                        hint: Hint::Expected("normal or urgent", "Normal eller Brådskande"),
                    },
                );
                Priority::Normal
            }),
        };
        let urgent_reason = input
            .urgent_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if priority == Priority::Urgent {
            checks.required_text("urgent_reason", urgent_reason, NOTE_MAX);
        } else if urgent_reason.is_some() {
            checks.fail("urgent_reason", FieldProblem::OnlyUrgentTakesReason);
        }
        if !structure.units.contains_key(&actor.unit) {
            checks.fail(
                "unit",
                FieldProblem::HomeUnitUnknown {
                    unit: actor.unit.clone(),
                },
            );
        }
        checks.finish()?;

        let title = input.title.as_deref().unwrap_or_default().trim();
        let body = input.body.as_deref().unwrap_or_default().trim();
        let process = input.process.as_deref().unwrap_or_default().trim();
        let category = input
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let mut conn = self.conn()?;
        let rows = store::write_tx(&mut conn, |c| {
            let now = self.clock.now_naive();
            let qs::Created {
                question: q,
                stage,
                event,
            } = self.create_question(
                c,
                &QuestionDraft {
                    title,
                    body,
                    process,
                    category,
                    tags: &tags,
                    countries: &countries,
                    priority,
                    urgent_reason,
                    forum: (&actor.unit, Level::Unit),
                    note: None,
                },
                actor,
                now,
            )?;
            self.notify_event(
                c,
                &q,
                (q.status, &q.forum, q.level, None),
                EventKind::Submitted,
                actor,
                None,
                None,
            )?;
            // The rollup rows submissions share come last, just before the commit: on
            // PostgreSQL an updated row (spread over slots, so rarely the same one) stays
            // locked until the commit, so concurrent submissions seldom queue, and then only
            // for this statement and the commit. Nothing is seen before the commit either way.
            self.count_stage_entered(c, &stage)?;
            // The answer is made of the rows just written (a new question has nothing else),
            // rather than read back: that would be seven more statements in the transaction.
            // It is built after the commit, so that SQLite's one writer is not kept waiting.
            let people = HashMap::from([(
                actor.id,
                PersonView {
                    email: actor.email.clone(),
                    name: actor.name.clone(),
                },
            )]);
            Ok::<_, ServiceError>(DetailRows {
                q,
                answers: Vec::new(),
                later: None,
                replacements: HashMap::new(),
                events: vec![event],
                stages: vec![stage],
                pauses: Vec::new(),
                people,
                following: true,
            })
        })?;
        self.detail_of(rows)
    }

    /// Writes a new question, open at its forum, asked by `actor` at their unit, with the
    /// first stage, the event, the change for the indexer and `actor` as follower. The caller
    /// counts the stage for the rollups.
    pub(crate) fn create_question(
        &self,
        c: &mut DbConnection,
        d: &QuestionDraft<'_>,
        actor: &Actor,
        now: NaiveDateTime,
    ) -> ServiceResult<qs::Created> {
        let (forum, level) = d.forum;
        let q = NewQuestion {
            reference: "",
            title: d.title,
            body: d.body,
            process: d.process,
            category: d.category,
            tags: &store::to_json_list(d.tags),
            countries: &store::to_json_list(d.countries),
            priority: d.priority,
            urgent_reason: d.urgent_reason,
            status: Status::Open,
            forum,
            level,
            unit: &actor.unit,
            asker_id: Some(actor.id),
            assignee_id: None,
            claimed_by: None,
            duplicate_of: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let first = qs::FirstRows {
            sla_clock: self.new_stage_clock(now),
            actor_id: Some(actor.id),
            kind: EventKind::Submitted,
            note: d.note,
            follower: actor.id,
        };
        Ok(qs::create(c, &q, &first)?)
    }
}

/// Codes to choose from, as an error lists them.
fn listed<'a>(codes: impl Iterator<Item = &'a String>) -> String {
    codes.map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// The fields every question has, however it comes in: the API, the pages or an import.
pub(crate) struct QuestionFields<'a> {
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
    pub process: Option<&'a str>,
    pub category: Option<&'a str>,
    pub tags: &'a [String],
    pub countries: &'a [String],
}

/// Checks a question's fields by one set of rules and words wherever it comes from, and
/// returns its tags (lower case) and countries (upper case), trimmed and without repeats.
pub(crate) fn check_question(
    checks: &mut Checks,
    structure: &Structure,
    q: &QuestionFields<'_>,
) -> (Vec<String>, Vec<String>) {
    checks.required_text("title", q.title, TITLE_MAX);
    checks.required_text("body", q.body, TEXT_MAX);
    match q.process.map(str::trim) {
        None | Some("") => checks.fail("process", FieldProblem::Required),
        Some(p) if structure.process(p).is_none() => checks.fail(
            "process",
            FieldProblem::Unknown {
                thing: Thing::Process,
                value: p.into(),
                hint: Hint::OneOf(listed(structure.processes.iter().map(|p| &p.code))),
            },
        ),
        _ => {}
    }
    if let Some(cat) = q.category.map(str::trim).filter(|c| !c.is_empty()) {
        if structure.category(cat).is_none() {
            checks.fail(
                "category",
                FieldProblem::Unknown {
                    thing: Thing::Category,
                    value: cat.into(),
                    hint: Hint::OneOf(listed(structure.categories.iter().map(|c| &c.code))),
                },
            );
        }
    }
    checks.text_list("tags", q.tags, MAX_TAGS, 60);
    let (tags, countries) = question_lists(q.tags, q.countries);
    if countries.len() > MAX_COUNTRIES {
        checks.fail("countries", FieldProblem::TooMany { max: MAX_COUNTRIES });
    }
    for (i, c) in q.countries.iter().enumerate() {
        let typed = c.trim();
        if !typed.is_empty() && country_code(typed).is_none() {
            checks.fail(
                &format!("countries[{i}]"),
                FieldProblem::NotCountryCode {
                    value: typed.into(),
                },
            );
        }
    }
    (tags, countries)
}

/// A question's tags (lower case) and countries (codes, whether typed as a code in any case or
/// as a name), trimmed and without repeats, as they are stored.
pub(crate) fn question_lists(tags: &[String], countries: &[String]) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = countries
        .iter()
        .map(|c| country_code(c).unwrap_or_else(|| c.trim().to_uppercase()))
        .collect();
    (normalise_list(tags, true), normalise_list(&codes, false))
}

/// The code of a country typed as a name (Swedish, former, English) or a code; any other two
/// letters are taken as a code too, as before the table, so that no stored question becomes
/// invalid.
fn country_code(typed: &str) -> Option<String> {
    let typed = typed.trim();
    countries::code_of(typed).map(str::to_string).or_else(|| {
        let upper = typed.to_ascii_uppercase();
        is_country_code(&upper).then_some(upper)
    })
}

const MAX_TAGS: usize = 20;
const MAX_COUNTRIES: usize = 20;
