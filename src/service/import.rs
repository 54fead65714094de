//! Import of historic questions with their answers (the old conference log) from CSV or JSON
//! Lines: every row is validated first, then everything is written in one transaction with
//! the original times, so that history counts in search and in the SLA reports.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::progress::Progress;
use super::questions::{check_question, question_lists, EventDraft, QuestionFields, TEXT_MAX};
use super::validate::{normalise_list, Checks};
use super::{FieldError, Service, ServiceError, ServiceResult};
use crate::domain::answer::BindingStatus;
use crate::domain::calendar;
use crate::domain::catalogue::{FieldProblem, Hint, Thing};
use crate::domain::question::Status;
use crate::domain::question::{EventKind, Priority, StageOutcome};
use crate::domain::Code;
use crate::store::models::{NewAnswer, NewQuestion, NewStage};
use crate::store::{
    self, consistency as cs, questions as qs, users as us, DbConnection, StoreError,
};

/// Longest file name most file systems allow.
const FILE_NAME_MAX: usize = 255;

/// A question of the import format (docs/api.md): one JSON line, or the CSV rows of one reference.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportQuestion {
    pub reference: String,
    pub created_at: String,
    pub unit: String,
    #[serde(default)]
    pub asker: Option<String>,
    pub title: String,
    pub body: String,
    pub process: String,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub answers: Vec<ImportAnswer>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImportAnswer {
    pub forum: String,
    pub created_at: String,
    #[serde(default)]
    pub author: Option<String>,
    pub body: String,
    pub binding_status: String,
    /// Country Guidance sections, Lifos reports, legal positions, and other questions by their
    /// reference (`PS-…`, which must exist: earlier in the file or in eskalera).
    #[serde(default)]
    pub references: Vec<String>,
}

/// A question read from the file, with the line it starts on and the line of each answer.
#[derive(Debug, Clone)]
struct Record {
    line: usize,
    answer_lines: Vec<usize>,
    q: ImportQuestion,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: usize,
    pub answers: usize,
    /// Questions whose reference was imported before: left as they are.
    pub already_present: usize,
}

/// The CSV columns: the question's fields, and the answer's under `answers.` (one answer a row).
const CSV_QUESTION: [&str; 10] = [
    "reference",
    "created_at",
    "unit",
    "asker",
    "title",
    "body",
    "process",
    "category",
    "tags",
    "countries",
];
const CSV_ANSWER: [&str; 6] = [
    "answers.forum",
    "answers.created_at",
    "answers.author",
    "answers.body",
    "answers.binding_status",
    "answers.references",
];

fn at_line(line: usize, field: &str, problem: FieldProblem) -> FieldError {
    FieldError::new(format!("line {line}: {field}"), problem)
}

/// A parser's own words about what it could not read.
fn unreadable(e: impl std::fmt::Display) -> FieldProblem {
    FieldProblem::Unreadable {
        detail: e.to_string(),
    }
}

/// JSON Lines: one question per non-empty line.
fn parse_json_lines(text: &str, errors: &mut Vec<FieldError>) -> Vec<Record> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<ImportQuestion>(raw) {
            Ok(q) => out.push(Record {
                line,
                answer_lines: vec![line; q.answers.len()],
                q,
            }),
            Err(e) => errors.push(at_line(line, "json", unreadable(e))),
        }
    }
    out
}

/// CSV with a header row; the rows of one question share its reference and its fields.
fn parse_csv(text: &str, errors: &mut Vec<FieldError>) -> Vec<Record> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            errors.push(at_line(1, "header", unreadable(e)));
            return Vec::new();
        }
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    for name in CSV_QUESTION.iter().chain(CSV_ANSWER.iter()) {
        let required = !matches!(
            *name,
            "asker" | "category" | "tags" | "countries" | "answers.author" | "answers.references"
        );
        if required && column(name).is_none() {
            errors.push(at_line(
                1,
                "header",
                FieldProblem::MissingColumn {
                    name: name.to_string(),
                },
            ));
        }
    }
    for h in &headers {
        if !CSV_QUESTION.contains(&h.as_str()) && !CSV_ANSWER.contains(&h.as_str()) {
            errors.push(at_line(
                1,
                "header",
                FieldProblem::Unknown {
                    thing: Thing::Column,
                    value: h.to_string(),
                    hint: Hint::None,
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Record> = Vec::new();
    let mut by_reference: HashMap<String, usize> = HashMap::new();
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(at_line(line, "csv", unreadable(e)));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line() as usize);
        let get = |name: &str| {
            column(name)
                .and_then(|i| row.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_string()
        };
        let optional = |name: &str| Some(get(name)).filter(|v| !v.is_empty());
        let list = |name: &str| {
            get(name)
                .split(';')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let q = ImportQuestion {
            reference: get("reference"),
            created_at: get("created_at"),
            unit: get("unit"),
            asker: optional("asker"),
            title: get("title"),
            body: get("body"),
            process: get("process"),
            category: optional("category"),
            tags: list("tags"),
            countries: list("countries"),
            answers: Vec::new(),
        };
        let answer = ImportAnswer {
            forum: get("answers.forum"),
            created_at: get("answers.created_at"),
            author: optional("answers.author"),
            body: get("answers.body"),
            binding_status: get("answers.binding_status"),
            references: list("answers.references"),
        };
        let has_answer = answer != ImportAnswer::default();
        let record = match by_reference.get(&q.reference) {
            Some(&i) => {
                let first = &out[i];
                let mut same = first.q.clone();
                same.answers.clear();
                if same != q {
                    errors.push(at_line(
                        line,
                        "reference",
                        FieldProblem::RowsDisagree {
                            reference: q.reference.clone(),
                            line: first.line,
                        },
                    ));
                    continue;
                }
                i
            }
            None => {
                by_reference.insert(q.reference.clone(), out.len());
                out.push(Record {
                    line,
                    answer_lines: Vec::new(),
                    q,
                });
                out.len() - 1
            }
        };
        if has_answer {
            out[record].q.answers.push(answer);
            out[record].answer_lines.push(line);
        }
    }
    out
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .ok()?
        .with_timezone(&Utc);
    // PostgreSQL keeps microseconds: store what reads back equal on both backends.
    DateTime::from_timestamp_micros(t.timestamp_micros())
}

/// One stage of an imported question: where it was, from when to when, and how it ended.
#[derive(Debug, Clone, PartialEq)]
struct ImportStage {
    forum: String,
    entered: DateTime<Utc>,
    left: DateTime<Utc>,
    outcome: StageOutcome,
}

/// The stages a history implies. The old log does not say when a question moved on, only who
/// answered when: the time up to an answer counts at the forum that gave it, and a forum that
/// did not answer (the asker's unit, say) hands the question on at once.
fn stages_of(
    unit: &str,
    created: DateTime<Utc>,
    answers: &[(String, DateTime<Utc>)],
) -> Vec<ImportStage> {
    let mut out: Vec<ImportStage> = Vec::new();
    let mut here = unit.to_string();
    let mut since = created;
    for (forum, at) in answers {
        if *forum == here && out.last().is_some_and(|s| s.forum == here) {
            continue; // a further answer at the same stay
        }
        if *forum != here && out.last().is_none_or(|s| s.forum != here) {
            out.push(ImportStage {
                forum: here.clone(),
                entered: since,
                left: since,
                outcome: StageOutcome::Escalated,
            });
        }
        out.push(ImportStage {
            forum: forum.clone(),
            entered: since,
            left: *at,
            outcome: StageOutcome::Answered,
        });
        here = forum.clone();
        since = *at;
    }
    out
}

impl Service {
    /// Imports `text` (CSV, or JSON Lines when the first non-blank character is `{`); `source`
    /// names the file in the events. Nothing is written unless every row is valid; the 422
    /// lists every problem with its line. References imported before are skipped.
    pub fn import(
        &self,
        source: &str,
        text: &str,
        progress: &mut dyn Progress,
    ) -> ServiceResult<ImportSummary> {
        let mut errors = Vec::new();
        // The name goes into every imported question's history ("importerad från …"), readable
        // by all: it is refused like any text rather than redacted, since a redacted name
        // would no longer say which file the history came from.
        let mut name = Checks::default();
        name.free_text("file", source, FILE_NAME_MAX);
        errors.append(&mut name.errors);
        let records = if text.trim_start().starts_with('{') {
            parse_json_lines(text, &mut errors)
        } else {
            parse_csv(text, &mut errors)
        };
        let mut conn = self.conn()?;
        let users: HashMap<String, i64> = store::read_tx(&mut conn, us::all)?
            .into_iter()
            .map(|u| (u.email.to_lowercase(), u.id))
            .collect();
        self.validate_import(&records, &users, &mut errors);
        if records.is_empty() && errors.is_empty() {
            errors.push(FieldError::new("file", FieldProblem::HoldsNoQuestions));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let total = records.len() as u64;
        let summary = store::write_tx(&mut conn, |c| -> ServiceResult<ImportSummary> {
            let references: Vec<String> = records.iter().map(|r| r.q.reference.clone()).collect();
            let present: HashSet<String> = qs::existing_references(c, &references)?
                .into_iter()
                .collect();
            let mut summary = ImportSummary::default();
            for (i, r) in records.iter().enumerate() {
                if present.contains(&r.q.reference) {
                    summary.already_present += 1;
                } else {
                    summary.answers += self.import_one(c, source, &r.q, &users)?;
                    summary.imported += 1;
                }
                if i % 100 == 0 || i + 1 == records.len() {
                    progress.update(i as u64 + 1, total);
                }
            }
            Ok(summary)
        })?;
        progress.finish();
        Ok(summary)
    }

    fn validate_import(
        &self,
        records: &[Record],
        users: &HashMap<String, i64>,
        errors: &mut Vec<FieldError>,
    ) {
        let s = &self.config.structure;
        let now = self.clock.now();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for r in records {
            let q = &r.q;
            let mut checks = Checks::default();
            if q.reference.trim().is_empty() {
                checks.fail("reference", FieldProblem::Required);
            } else {
                checks.free_text("reference", &q.reference, 60);
                if let Some(first) = seen.insert(q.reference.as_str(), r.line) {
                    checks.fail(
                        "reference",
                        FieldProblem::AlsoOnLine {
                            reference: q.reference.clone(),
                            line: first,
                        },
                    );
                }
            }
            let created = parse_time(&q.created_at);
            match created {
                None => checks.fail(
                    "created_at",
                    FieldProblem::NotATime {
                        value: q.created_at.clone(),
                    },
                ),
                Some(t) if t > now => checks.fail("created_at", FieldProblem::InTheFuture),
                _ => {}
            }
            if !s.units.contains_key(q.unit.trim()) {
                checks.fail(
                    "unit",
                    FieldProblem::Unknown {
                        thing: Thing::Unit,
                        value: q.unit.clone(),
                        hint: Hint::SeeApi("/api/v1/units"),
                    },
                );
            }
            if let Some(a) = q.asker.as_deref().filter(|a| !a.trim().is_empty()) {
                if !users.contains_key(&a.trim().to_lowercase()) {
                    checks.fail(
                        "asker",
                        FieldProblem::NoHistoricUser {
                            email: a.into(),
                            who: "askers",
                        },
                    );
                }
            }
            check_question(
                &mut checks,
                s,
                &QuestionFields {
                    title: Some(&q.title),
                    body: Some(&q.body),
                    process: Some(&q.process),
                    category: q.category.as_deref(),
                    tags: &q.tags,
                    countries: &q.countries,
                },
            );
            for e in checks.errors {
                let field = format!("line {}: {}", r.line, e.field);
                errors.push(e.renamed(field));
            }
            let mut previous = created;
            for (i, (a, line)) in q.answers.iter().zip(&r.answer_lines).enumerate() {
                let mut checks = Checks::default();
                if s.forum(a.forum.trim()).is_none() {
                    checks.fail(
                        "forum",
                        FieldProblem::Unknown {
                            thing: Thing::Forum,
                            value: a.forum.clone(),
                            hint: Hint::SeeApi("/api/v1/forums"),
                        },
                    );
                }
                match parse_time(&a.created_at) {
                    None => checks.fail(
                        "created_at",
                        FieldProblem::NotATime {
                            value: a.created_at.clone(),
                        },
                    ),
                    Some(t) if t > now => checks.fail("created_at", FieldProblem::InTheFuture),
                    Some(t) if previous.is_some_and(|p| t < p) => {
                        checks.fail("created_at", FieldProblem::AnswersOutOfOrder)
                    }
                    Some(t) => previous = Some(t),
                }
                if let Some(au) = a.author.as_deref().filter(|a| !a.trim().is_empty()) {
                    if !users.contains_key(&au.trim().to_lowercase()) {
                        checks.fail(
                            "author",
                            FieldProblem::NoHistoricUser {
                                email: au.into(),
                                who: "authors",
                            },
                        );
                    }
                }
                checks.required_text("body", Some(&a.body), TEXT_MAX);
                if BindingStatus::parse(a.binding_status.trim()).is_none() {
                    checks.fail(
                        "binding_status",
                        FieldProblem::Unknown {
                            thing: Thing::BindingStatus,
                            value: a.binding_status.clone(),
                            hint: Hint::OneOf(BindingStatus::choices()),
                        },
                    );
                }
                for e in checks.errors {
                    let field = format!("line {line}: answers[{i}].{}", e.field);
                    errors.push(e.renamed(field));
                }
            }
        }
    }

    /// Writes one validated question with its stages, answers and events; returns its answers.
    fn import_one(
        &self,
        c: &mut DbConnection,
        source: &str,
        q: &ImportQuestion,
        users: &HashMap<String, i64>,
    ) -> ServiceResult<usize> {
        let s = &self.config.structure;
        let naive = |t: DateTime<Utc>| t.naive_utc();
        let user = |e: &Option<String>| {
            e.as_deref()
                .and_then(|e| users.get(&e.trim().to_lowercase()).copied())
        };
        let invalid = |what: &str| {
            ServiceError::Store(StoreError::Corrupt(format!(
                "validated {what} did not parse"
            )))
        };
        let created = parse_time(&q.created_at).ok_or_else(|| invalid("created_at"))?;
        let mut answers: Vec<(&ImportAnswer, DateTime<Utc>)> = Vec::new();
        for a in &q.answers {
            answers.push((
                a,
                parse_time(&a.created_at).ok_or_else(|| invalid("answer time"))?,
            ));
        }
        let unit = q.unit.trim();
        let (forum, updated) = answers
            .last()
            .map_or((unit, created), |(a, t)| (a.forum.trim(), *t));
        let level = s
            .forum(forum)
            .map(|f| f.level)
            .ok_or_else(|| invalid("forum"))?;
        let status = if answers.is_empty() {
            Status::Open
        } else {
            Status::Closed
        };
        let (tags, countries) = question_lists(&q.tags, &q.countries);
        let id = qs::insert(
            c,
            &NewQuestion {
                reference: q.reference.trim(),
                title: q.title.trim(),
                body: q.body.trim(),
                process: q.process.trim(),
                category: q
                    .category
                    .as_deref()
                    .map(str::trim)
                    .filter(|c| !c.is_empty()),
                tags: &store::to_json_list(&tags),
                countries: &store::to_json_list(&countries),
                priority: Priority::Normal,
                urgent_reason: None,
                status,
                forum,
                level,
                unit,
                asker_id: user(&q.asker),
                assignee_id: None,
                claimed_by: None,
                duplicate_of: None,
                version: 1,
                created_at: naive(created),
                updated_at: naive(updated),
            },
        )?;
        let note = format!("importerad från {source}");
        self.import_event(
            c,
            id,
            &note,
            created,
            EventKind::Imported,
            Some(Status::Open),
            Some(unit),
            None,
        )?;
        let moves: Vec<(String, DateTime<Utc>)> = answers
            .iter()
            .map(|(a, t)| (a.forum.trim().to_string(), *t))
            .collect();
        let mut stage_ids: BTreeMap<String, i64> = BTreeMap::new();
        for (seq, st) in stages_of(unit, created, &moves).iter().enumerate() {
            let level = s
                .forum(&st.forum)
                .map(|f| f.level)
                .ok_or_else(|| invalid("forum"))?;
            let days =
                calendar::working_days_between(st.entered, st.left, self.config.sla.working_time);
            let stage = qs::insert_stage(
                c,
                &NewStage {
                    question_id: id,
                    seq: i32::try_from(seq + 1).unwrap_or(i32::MAX),
                    forum: &st.forum,
                    level,
                    entered_at: naive(st.entered),
                    first_response_at: Some(naive(st.left)),
                    left_at: Some(naive(st.left)),
                    outcome: Some(st.outcome),
                    working_days: Some(days),
                    process: q.process.trim(),
                    priority: Priority::Normal,
                    sla_clock: None,
                },
            )?;
            // Imported stages are all closed: they count in the rollups like live ones.
            self.count_stage_entered(c, &stage)?;
            self.count_stage_ended(c, stage.id, level, Priority::Normal, naive(st.left))?;
            stage_ids.insert(st.forum.clone(), stage.id);
        }
        let mut previous: Option<(i64, &str)> = None;
        let question = qs::get(c, id)?.ok_or_else(|| invalid("question"))?;
        for (i, (a, at)) in answers.iter().enumerate() {
            let forum = a.forum.trim();
            let level = s
                .forum(forum)
                .map(|f| f.level)
                .ok_or_else(|| invalid("forum"))?;
            let mut refs = normalise_list(&a.references, false);
            let cited = self.cited_questions(
                c,
                &question,
                &mut refs,
                &format!("{}: answers[{i}].references", q.reference.trim()),
            )?;
            let answer_id = qs::insert_answer(
                c,
                &NewAnswer {
                    question_id: id,
                    stage_id: stage_ids.get(forum).copied(),
                    forum,
                    level,
                    author_id: user(&a.author),
                    body: a.body.trim(),
                    binding_status: BindingStatus::parse(a.binding_status.trim())
                        .ok_or_else(|| invalid("binding status"))?,
                    superseded_by: None,
                    refs: &store::to_json_list(&refs),
                    review_date: None,
                    version: 1,
                    created_at: naive(*at),
                    updated_at: naive(*at),
                },
            )?;
            // An answer the log marks superseded was replaced by the one after it.
            if let Some((prev, "superseded")) = previous {
                qs::update_binding_status(c, prev, 1, "superseded", Some(answer_id), naive(*at))?;
            }
            self.link_answer(c, answer_id, &cited)?;
            previous = Some((answer_id, a.binding_status.trim()));
            // Compared with the earlier answers like an answer given through the API: an old
            // answer that says otherwise than today's is what the watch is for. Answers that no
            // longer hold are skipped when the check runs.
            cs::enqueue_check(c, answer_id, self.clock.now_naive())?;
            let to = (i + 1 == answers.len()).then_some(status);
            self.import_event(
                c,
                id,
                &note,
                *at,
                EventKind::Answered,
                to,
                Some(forum),
                Some(answer_id),
            )?;
        }
        Ok(answers.len())
    }

    /// An event of an imported history, at its time, by nobody we know (the log names none).
    #[allow(clippy::too_many_arguments)]
    fn import_event(
        &self,
        c: &mut DbConnection,
        question_id: i64,
        note: &str,
        at: DateTime<Utc>,
        kind: EventKind,
        to: Option<Status>,
        forum: Option<&str>,
        answer_id: Option<i64>,
    ) -> ServiceResult<()> {
        self.record_as(
            c,
            question_id,
            None,
            at.naive_utc(),
            EventDraft {
                kind,
                from: None,
                to,
                forum,
                note: Some(note),
                answer_id,
                subject: None,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    #[test]
    fn the_wait_counts_at_the_forum_that_answered() {
        let created = t("2021-03-01T09:00:00Z");
        let st = stages_of(
            "u1",
            created,
            &[
                ("nn".into(), t("2021-03-10T09:00:00Z")),
                ("nn".into(), t("2021-03-11T09:00:00Z")),
                ("pf".into(), t("2021-04-01T09:00:00Z")),
            ],
        );
        let forums: Vec<(&str, &str)> = st
            .iter()
            .map(|s| (s.forum.as_str(), s.outcome.as_str()))
            .collect();
        assert_eq!(
            forums,
            vec![("u1", "escalated"), ("nn", "answered"), ("pf", "answered")]
        );
        assert_eq!(st[0].entered, st[0].left);
        assert_eq!(
            (st[1].entered, st[1].left),
            (created, t("2021-03-10T09:00:00Z"))
        );
        assert_eq!(st[2].entered, t("2021-03-10T09:00:00Z"));
        let at_unit = stages_of("u1", created, &[("u1".into(), t("2021-03-02T09:00:00Z"))]);
        assert_eq!(at_unit.len(), 1);
        assert_eq!(at_unit[0].outcome, StageOutcome::Answered);
        assert!(stages_of("u1", created, &[]).is_empty());
    }

    #[test]
    fn csv_rows_of_one_reference_are_one_question() {
        let text = "reference,created_at,unit,title,body,process,tags,countries,answers.forum,answers.created_at,answers.body,answers.binding_status\n\
            KP-1,2021-03-01T09:00:00Z,u1,Rubrik,Text,asyl,konvertiter; barn,IR,nn,2021-03-02T09:00:00Z,Svar ett,guidance\n\
            KP-1,2021-03-01T09:00:00Z,u1,Rubrik,Text,asyl,konvertiter; barn,IR,pf,2021-03-03T09:00:00Z,Svar två,binding\n\
            KP-2,2021-03-01T09:00:00Z,u1,Annan,Text,asyl,,,,,,\n\
            KP-1,2021-03-01T09:00:00Z,u1,Ändrad,Text,asyl,,,pf,2021-03-03T09:00:00Z,Svar,binding\n";
        let mut errors = Vec::new();
        let records = parse_csv(text, &mut errors);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].q.answers.len(), 2);
        assert_eq!(records[0].answer_lines, vec![2, 3]);
        assert_eq!(records[0].q.tags, vec!["konvertiter", "barn"]);
        assert!(records[1].q.answers.is_empty());
        assert_eq!(errors.len(), 1);
        assert!(errors[0].field.starts_with("line 5"), "{errors:?}");
    }

    #[test]
    fn json_lines_name_the_line_of_a_broken_row() {
        let mut errors = Vec::new();
        let records = parse_json_lines("\n{\"reference\":\"x\"}\nnot json\n", &mut errors);
        assert!(records.is_empty());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["line 2: json", "line 3: json"]);
        assert!(errors[0].message.contains("missing field"), "{errors:?}");
    }
}
