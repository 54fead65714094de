//! The asker's pages: "mina frågor", asking a question (with similar ones), and the question
//! page with its timeline, answers and the forms for every step the viewer may take now.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{call, errors_by_field, page_context, run, see_other, with_defaults, Svc};
use crate::domain::catalogue::{Confirmation, FieldProblem, Missing};
use crate::domain::question::Action;
use crate::domain::Code;
use crate::web::flash;

const ASK_FIELDS: &[&str] = &[
    "title",
    "body",
    "process",
    "category",
    "tags",
    "countries",
    "priority",
    "urgent_reason",
];
use crate::domain::paging::Paging;
use crate::service::questions::{
    AnswerInput, AssignInput, BindingStatusInput, DuplicateInput, EscalateInput, ListQuery,
    NewQuestionInput, NoteInput, QuestionRef,
};
use crate::service::search::SimilarQuery;
use crate::service::{ServiceError, ServiceResult};
use crate::web::error::PageError;
use crate::web::html;
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::{Posted, Viewer};

/// Questions on one page of "Mina frågor".
const MINE_PER_PAGE: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    sida: Option<String>,
    page: Option<String>,
}

pub async fn mine(
    svc: Svc,
    v: Viewer,
    q: web::Query<StartQuery>,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let (mine, waiting) = call(move || {
        let list = |status: Option<&str>, page, per_page| {
            s.list_questions(
                &actor,
                &ListQuery {
                    mine: Some(true),
                    status: status.map(str::to_string),
                    page: Some(page),
                    per_page: Some(per_page),
                    ..Default::default()
                },
            )
        };
        // What the forums wait for from the asker comes first, whatever the page.
        Ok((
            list(None, page, MINE_PER_PAGE)?,
            list(Some("awaiting_info"), 1, 100)?,
        ))
    })
    .await?;
    let pages = Paging {
        page,
        per_page: MINE_PER_PAGE,
    }
    .pages(mine.total);
    if page > pages {
        return Err(past_end(page, pages));
    }
    let mut c = page_context(&v, "mine", "Mina frågor");
    c.insert("questions", &mine.items);
    c.insert("waiting", &waiting.items);
    c.insert("total", &mine.total);
    c.insert(
        "pager",
        &Pager::new(page, pages, mine.total, "/mina", &[], "Sidor i Mina frågor"),
    );
    html::render("mine.html", &c, StatusCode::OK)
}

fn ask_page(
    svc: &crate::service::Service,
    v: &Viewer,
    values: Value,
    errors: BTreeMap<String, String>,
    similar: Option<Value>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let mut c = page_context(v, "ask", "Ställ en fråga");
    c.insert("processes", &svc.processes());
    c.insert("categories", &svc.categories());
    c.insert("values", &with_defaults(values, ASK_FIELDS));
    c.insert("errors", &errors);
    c.insert("similar", &similar);
    html::render("ask.html", &c, status)
}

pub async fn ask_form(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    ask_page(
        &svc,
        &v,
        json!({"priority": "normal"}),
        BTreeMap::new(),
        None,
        StatusCode::OK,
    )
}

/// The ask form posts twice: "preview" shows similar questions, "submit" sends it.
pub async fn ask(svc: Svc, v: Viewer, form: Posted) -> Result<HttpResponse, PageError> {
    let values = Value::Object(form.values());
    let input = NewQuestionInput {
        title: form.get("title"),
        body: form.get("body"),
        process: form.get("process"),
        category: form.get("category"),
        tags: form.list("tags"),
        countries: form.list("countries"),
        priority: form.get("priority"),
        urgent_reason: form.get("urgent_reason"),
    };
    let preview = form.get("step").as_deref() == Some("preview");
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let sq = SimilarQuery {
        title: input.title.clone(),
        body: input.body.clone(),
    };
    let similar = move || -> ServiceResult<Value> {
        let hits = s.similar(&actor, &sq)?;
        Ok(serde_json::to_value(hits).unwrap_or(Value::Null))
    };
    if preview {
        let hits = call(similar).await?;
        return ask_page(
            &svc,
            &v,
            values,
            BTreeMap::new(),
            Some(hits),
            StatusCode::OK,
        );
    }
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    match run(move || s.submit(&actor, &input)).await? {
        Ok(d) => Ok(flash::redirect(
            &format!("/fragor/{}", d.question.id),
            Confirmation::Asked,
        )),
        Err(ServiceError::Invalid(errs)) => {
            let hits = call(similar).await.ok();
            ask_page(
                &svc,
                &v,
                values,
                errors_by_field("", &errs),
                hits,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn question_page(
    svc: Svc,
    v: &Viewer,
    id: i64,
    failed: Option<(&str, BTreeMap<String, String>, Value)>,
) -> Result<HttpResponse, PageError> {
    let svc_names = svc.clone();
    let s = svc.into_inner();
    let actor = v.actor.clone();
    let page = call(move || s.question_page(&actor, id)).await?;
    let mut c = page_context(v, "question", &page.detail.question.title);
    let status = if failed.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    c.insert("open_action", "");
    if let Some((action, errors, values)) = failed {
        c.insert("open_action", action);
        c.insert("errors", &errors);
        c.insert("values", &values);
    }
    let structure = &svc_names.config.structure;
    let q = &page.detail.question;
    c.insert(
        "process_name",
        &structure
            .process(&q.process)
            .map_or(q.process.as_str(), |p| p.name.as_str()),
    );
    c.insert(
        "category_name",
        &q.category
            .as_deref()
            .map(|code| structure.category(code).map_or(code, |x| x.name.as_str())),
    );
    let forum_names: BTreeMap<&str, &str> = page
        .detail
        .events
        .iter()
        .filter_map(|e| e.forum.as_deref())
        .filter_map(|code| structure.forum(code).map(|f| (code, f.name.as_str())))
        .collect();
    c.insert("forum_names", &forum_names);
    c.insert("q", &page.detail.question);
    c.insert("later_answer", &page.detail.later_answer);
    c.insert("earlier_answers", &page.earlier_answers);
    // Each answer with the statuses the viewer may change it to.
    let answers: Vec<Value> = page
        .detail
        .answers
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                let changes = page.permitted.binding_changes.get(&a.id).cloned();
                m.insert("changes".into(), json!(changes.unwrap_or_default()));
            }
            v
        })
        .collect();
    c.insert("answers", &answers);
    c.insert("events", &page.detail.events);
    c.insert("info_thread", &page.info_thread);
    c.insert("original", &page.original);
    c.insert("stages", &page.detail.stages);
    c.insert("following", &page.detail.following);
    c.insert("permitted", &page.permitted);
    html::render("question.html", &c, status)
}

/// A question's page, by its number or by its reference (`/fragor/PS-2026-000014`, where
/// texts link to the questions they name).
pub async fn show(svc: Svc, v: Viewer, id: web::Path<String>) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    if let Ok(n) = id.parse::<i64>() {
        return question_page(svc, &v, n, None).await;
    }
    let s = svc.into_inner();
    let n = call(move || s.question_id_by_reference(&id)).await?;
    Ok(see_other(&format!("/fragor/{n}")))
}

/// "Vad betyder svarets status?": every binding status, what it means and which levels give it
/// (from the configured rules), linked from every badge.
pub async fn binding_help(svc: Svc, v: Viewer) -> Result<HttpResponse, PageError> {
    use crate::domain::answer::BindingStatus;
    use crate::domain::structure::Level;
    let statuses: Vec<Value> = BindingStatus::ALL
        .iter()
        .map(|b| {
            let levels: Vec<&str> = Level::ALL
                .iter()
                .filter(|l| svc.config.issue_rules.may_issue(**l, *b))
                .map(|l| l.title_sv())
                .collect();
            json!({
                "code": b.as_str(),
                "explanation": b.explanation_sv(),
                "more": b.more_sv(),
                "levels": levels.join(", ").to_lowercase(),
            })
        })
        .collect();
    let mut c = page_context(&v, "binding_help", "Vad betyder svarets status?");
    c.insert("statuses", &statuses);
    html::render("binding_help.html", &c, StatusCode::OK)
}

/// A question's address in mail, sent on to its page.
pub async fn mail_link(id: web::Path<i64>) -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/fragor/{}", id.into_inner()),
        ))
        .finish()
}

fn number(form: &Posted, field: &str) -> Result<Option<i64>, ServiceError> {
    match form.get(field) {
        None => Ok(None),
        Some(s) => s
            .trim_start_matches('#')
            .parse::<i64>()
            .map(Some)
            .map_err(|_| {
                ServiceError::invalid(field, FieldProblem::NotAQuestionNumber { value: s.clone() })
            }),
    }
}

/// One lifecycle step from the question page; afterwards the page again (Post/Redirect/Get).
pub async fn act(
    svc: Svc,
    v: Viewer,
    path: web::Path<(i64, String)>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let (id, action) = path.into_inner();
    // The version the viewer saw: a step on a question someone changed meanwhile is a 409.
    let ev = number(&form, "version").ok().flatten();
    let note = || NoteInput {
        note: form.get("note"),
    };
    let s = svc.clone().into_inner();
    let a = v.actor.clone();
    let result: ServiceResult<()> = match action.as_str() {
        "claim" => run(move || s.claim(&a, id, ev).map(drop)).await?,
        "assign" => {
            let i = AssignInput {
                assignee: form.get("assignee"),
            };
            run(move || s.assign(&a, id, &i, ev).map(drop)).await?
        }
        "request-info" => {
            let i = note();
            run(move || s.request_info(&a, id, &i, ev).map(drop)).await?
        }
        "provide-info" => {
            let i = note();
            run(move || s.provide_info(&a, id, &i, ev).map(drop)).await?
        }
        "close" => {
            let i = note();
            run(move || s.close(&a, id, &i, ev).map(drop)).await?
        }
        "withdraw" => {
            let i = note();
            run(move || s.withdraw(&a, id, &i, ev).map(drop)).await?
        }
        "reopen" => {
            let i = note();
            run(move || s.reopen(&a, id, &i, ev).map(drop)).await?
        }
        "escalate" => {
            let i = EscalateInput {
                note: form.get("note"),
                to_forum: form.get("to_forum"),
            };
            run(move || s.escalate(&a, id, &i, ev).map(drop)).await?
        }
        "duplicate" => {
            let (named, note) = (form.get("of"), form.get("note"));
            let of = named.map(QuestionRef::Reference);
            run(move || {
                s.mark_duplicate(&a, id, &DuplicateInput { of, note }, ev)
                    .map(drop)
            })
            .await?
        }
        "answer" => {
            let i = AnswerInput {
                body: form.get("body"),
                binding_status: form.get("binding_status"),
                references: form.list("references"),
                review_date: form.get("review_date"),
            };
            run(move || s.answer(&a, id, &i, ev).map(drop)).await?
        }
        "follow" => run(move || s.follow(&a, id, true)).await?,
        "unfollow" => run(move || s.follow(&a, id, false)).await?,
        other => {
            return Err(ServiceError::NotFound(Missing::Step(other.to_string())).into());
        }
    };
    let done = match action.as_str() {
        "follow" => Confirmation::Followed,
        "unfollow" => Confirmation::Unfollowed,
        // Every other address named a step, or was refused above.
        other => match Action::parse(&other.replace('-', "_")) {
            Some(a) => Confirmation::Step(a),
            None => return Err(ServiceError::NotFound(Missing::Step(other.into())).into()),
        },
    };
    match result {
        Ok(()) => Ok(flash::redirect(&format!("/fragor/{id}"), done)),
        Err(ServiceError::Invalid(errs)) => {
            let errors = errors_by_field(&action, &errs);
            question_page(
                svc,
                &v,
                id,
                Some((&action, errors, Value::Object(form.values()))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A change of an answer's binding status, from the question page.
pub async fn binding_status(
    svc: Svc,
    v: Viewer,
    id: web::Path<i64>,
    form: Posted,
) -> Result<HttpResponse, PageError> {
    let answer_id = id.into_inner();
    let question = number(&form, "question").ok().flatten();
    let s = svc.clone().into_inner();
    let a = v.actor.clone();
    let result = match number(&form, "superseded_by") {
        Err(e) => Err(e),
        Ok(superseded_by) => {
            let i = BindingStatusInput {
                binding_status: form.get("binding_status"),
                superseded_by,
                note: form.get("note"),
            };
            run(move || s.set_binding_status(&a, answer_id, &i)).await?
        }
    };
    match result {
        Ok(answer) => Ok(flash::redirect(
            &format!("/fragor/{}", answer.question_id),
            Confirmation::BindingChanged,
        )),
        Err(ServiceError::Invalid(errs)) => {
            let Some(qid) = question else {
                return Err(ServiceError::Invalid(errs).into());
            };
            let key = format!("binding-{answer_id}");
            let errors = errors_by_field(&key, &errs);
            question_page(
                svc,
                &v,
                qid,
                Some((&key, errors, Value::Object(form.values()))),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
