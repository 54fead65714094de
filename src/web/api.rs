//! The JSON API handlers: parse the request, call one use case off the executor, shape the reply.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::auth::{Caller, Reader};
use super::error::{invalid, ApiError, Problem};
use super::paging::link_header;
use crate::domain::catalogue::FieldProblem;
use crate::service::consistency::{
    CaseQuery, CaseView, DecisionInput, PossibleQuery, PossibleReviewInput, PossibleView,
};
use crate::service::notifications::Preferences;
use crate::service::questions::*;
use crate::service::reports::{
    parse_format, BacklogQuery, BacklogReport, Format, SlaReport, SlaReportQuery,
};
use crate::service::search::{SearchQuery, SearchResponse, SimilarHit, SimilarQuery};
use crate::service::topics::{TopicDecisionInput, TopicQuery, TopicView};
use crate::service::views::*;
use crate::service::{Service, ServiceResult};

/// Runs a blocking use case on the thread pool, never on the async executor.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ServiceResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    crate::web::observe::block(f)
        .await
        .map_err(|_| ApiError::Unavailable)?
        .map_err(ApiError::from)
}

/// Reads a JSON body; an empty body is the default input (all fields absent).
pub(super) fn body<T: DeserializeOwned + Default>(bytes: &web::Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_data() {
            invalid(
                "body",
                FieldProblem::BodyShape {
                    detail: e.to_string(),
                },
            )
        } else {
            ApiError::BadRequest(format!("the body is not valid JSON: {e}"))
        }
    })
}

/// The version the client last saw, from `If-Match`, for optimistic locking.
fn expected_version(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(v) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or("").trim();
    let s = s.strip_prefix("W/").unwrap_or(s).trim_matches('"');
    s.parse::<i64>().map(Some).map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match must hold the question's version, e.g. \"3\"; got '{s}'"
        ))
    })
}

fn json<T: Serialize>(status: actix_web::http::StatusCode, v: &T) -> HttpResponse {
    HttpResponse::build(status).json(v)
}

fn with_etag(detail: &QuestionDetail) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", detail.question.version)))
        .json(detail)
}

type Svc = web::Data<Service>;

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The server and its database answer"), (status = 503, body = Problem)))]
pub async fn healthz(svc: Svc) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    blocking(move || s.health()).await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}

#[utoipa::path(get, path = "/api/v1/forums", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<ForumView>), (status = 401, body = Problem)))]
pub async fn forums(svc: Svc, _c: Caller) -> HttpResponse {
    HttpResponse::Ok().json(svc.forums())
}

#[utoipa::path(get, path = "/api/v1/units", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitView>), (status = 401, body = Problem)))]
pub async fn units(svc: Svc, _c: Caller) -> HttpResponse {
    HttpResponse::Ok().json(svc.units())
}

#[utoipa::path(get, path = "/api/v1/processes", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<NamedView>), (status = 401, body = Problem)))]
pub async fn processes(svc: Svc, _c: Caller) -> HttpResponse {
    HttpResponse::Ok().json(svc.processes())
}

#[utoipa::path(get, path = "/api/v1/categories", tag = "organisation", security(("bearer" = [])),
    responses((status = 200, body = Vec<NamedView>), (status = 401, body = Problem)))]
pub async fn categories(svc: Svc, _c: Caller) -> HttpResponse {
    HttpResponse::Ok().json(svc.categories())
}

#[utoipa::path(post, path = "/api/v1/questions", tag = "questions", security(("bearer" = [])),
    request_body = NewQuestionInput,
    responses((status = 201, description = "Submitted, open at the asker's home unit", body = QuestionDetail),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn submit(svc: Svc, c: Caller, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
    let input: NewQuestionInput = body(&bytes)?;
    let s = svc.into_inner();
    let d = blocking(move || s.submit(&c.0, &input)).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/questions/{}", d.question.id),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", d.question.version)))
        .json(d))
}

#[utoipa::path(get, path = "/api/v1/questions", tag = "questions", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = QuestionPage), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn list(svc: Svc, c: Caller, q: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let q = q.into_inner();
    let page = blocking(move || s.list_questions(&c.0, &q)).await?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    responses((status = 200, description = "With answers, events, stages and SLA; ETag is the version", body = QuestionDetail),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(svc: Svc, c: Caller, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    let d = blocking(move || s.question(&c.0, id)).await?;
    Ok(with_etag(&d))
}

/// Declares one lifecycle endpoint: the handler, its OpenAPI description, and its use case.
macro_rules! step_endpoint {
    ($name:ident, $path:literal, $input:ty, $doc:literal, |$svc:ident, $actor:ident, $id:ident, $inp:ident, $ev:ident| $call:expr) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "questions", security(("bearer" = [])),
            params(("id" = i64, Path, description = "Question id"),
                ("If-Match" = Option<String>, Header, description = "The version you saw; 409 if the question changed since")),
            request_body(content = $input, description = $doc),
            responses((status = 200, description = "The question afterwards", body = QuestionDetail),
                (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
                (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
        pub async fn $name(svc: Svc, c: Caller, id: web::Path<i64>, req: HttpRequest, bytes: web::Bytes) -> Result<HttpResponse, ApiError> {
            let $inp: $input = body(&bytes)?;
            let $ev = expected_version(&req)?;
            let $svc = svc.into_inner();
            let $id = id.into_inner();
            let $actor = c.0;
            let d = blocking(move || $call).await?;
            Ok(with_etag(&d))
        }
    };
}

step_endpoint!(
    claim,
    "/api/v1/questions/{id}/claim",
    NoteInput,
    "Claim the question for yourself: in_progress, you are the assignee.",
    |s, a, id, _i, ev| s.claim(&a, id, ev)
);
step_endpoint!(
    assign,
    "/api/v1/questions/{id}/assign",
    AssignInput,
    "Assign the question to a member of the forum holding it.",
    |s, a, id, i, ev| s.assign(&a, id, &i, ev)
);
step_endpoint!(
    escalate,
    "/api/v1/questions/{id}/escalate",
    EscalateInput,
    "Send the question to the parent forum (a note is required; to_forum where there are several).",
    |s, a, id, i, ev| s.escalate(&a, id, &i, ev)
);
step_endpoint!(
    request_info,
    "/api/v1/questions/{id}/request-info",
    NoteInput,
    "Send the question back to the asker for more information; the SLA clock pauses.",
    |s, a, id, i, ev| s.request_info(&a, id, &i, ev)
);
step_endpoint!(
    provide_info,
    "/api/v1/questions/{id}/provide-info",
    NoteInput,
    "The asker provides the requested information; the clock runs again.",
    |s, a, id, i, ev| s.provide_info(&a, id, &i, ev)
);
step_endpoint!(
    close,
    "/api/v1/questions/{id}/close",
    NoteInput,
    "Close an answered question.",
    |s, a, id, i, ev| s.close(&a, id, &i, ev)
);
step_endpoint!(
    withdraw,
    "/api/v1/questions/{id}/withdraw",
    NoteInput,
    "The asker withdraws the question.",
    |s, a, id, i, ev| s.withdraw(&a, id, &i, ev)
);
step_endpoint!(
    reopen,
    "/api/v1/questions/{id}/reopen",
    NoteInput,
    "Reopen an answered or closed question at the forum that answered last (a note is required).",
    |s, a, id, i, ev| s.reopen(&a, id, &i, ev)
);
step_endpoint!(
    duplicate,
    "/api/v1/questions/{id}/duplicate",
    DuplicateInput,
    "Mark the question as a duplicate of another.",
    |s, a, id, i, ev| s.mark_duplicate(&a, id, &i, ev)
);

#[utoipa::path(post, path = "/api/v1/questions/{id}/answers", tag = "answers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id"),
        ("If-Match" = Option<String>, Header, description = "The version you saw; 409 if the question changed since")),
    request_body = AnswerInput,
    responses((status = 201, description = "The answer; the question is answered", body = AnswerView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: AnswerInput = body(&bytes)?;
    let ev = expected_version(&req)?;
    let s = svc.into_inner();
    let id = id.into_inner();
    let (a, _) = blocking(move || s.answer(&c.0, id, &input, ev)).await?;
    Ok(json(actix_web::http::StatusCode::CREATED, &a))
}

#[utoipa::path(post, path = "/api/v1/answers/{id}/binding-status", tag = "answers", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Answer id")),
    request_body = BindingStatusInput,
    responses((status = 200, description = "The answer afterwards", body = AnswerView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn binding_status(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: BindingStatusInput = body(&bytes)?;
    let s = svc.into_inner();
    let id = id.into_inner();
    let a = blocking(move || s.set_binding_status(&c.0, id, &input)).await?;
    Ok(HttpResponse::Ok().json(a))
}

#[utoipa::path(post, path = "/api/v1/questions/{id}/follow", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    responses((status = 204, description = "You follow the question"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn follow(svc: Svc, c: Caller, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    blocking(move || s.follow(&c.0, id, true)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(delete, path = "/api/v1/questions/{id}/follow", tag = "questions", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Question id")),
    responses((status = 204, description = "You no longer follow the question"), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn unfollow(svc: Svc, c: Caller, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    blocking(move || s.follow(&c.0, id, false)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, description = "Hits with snippets (HTML, matches in <b>) and facet counts", body = SearchResponse),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    svc: Svc,
    c: Caller,
    q: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let q = q.into_inner();
    let r = blocking(move || s.search(&c.0, &q)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(get, path = "/api/v1/questions/similar", tag = "search", security(("bearer" = [])),
    params(SimilarQuery),
    responses((status = 200, description = "Existing questions like the one being written, best first", body = Vec<SimilarHit>),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn similar(
    svc: Svc,
    c: Caller,
    q: web::Query<SimilarQuery>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let q = q.into_inner();
    let r = blocking(move || s.similar(&c.0, &q)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(post, path = "/api/v1/questions/similar", tag = "search", security(("bearer" = [])),
    request_body = SimilarQuery,
    responses((status = 200, description = "The same as the GET, with the draft in the body so that it reaches no URL or log. The pages' script sends its session cookie and the session's CSRF token in X-CSRF-Token instead of a bearer token", body = Vec<SimilarHit>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn similar_post(
    svc: Svc,
    c: Reader,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let q: SimilarQuery = body(&bytes)?;
    let s = svc.into_inner();
    let r = blocking(move || s.similar(&c.0, &q)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(get, path = "/api/v1/reports/sla", tag = "reports", security(("bearer" = [])),
    params(SlaReportQuery),
    responses((status = 200, description = "Per level, forum or process; counted per stage. CSV and xlsx with format=", body = SlaReport),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn sla_report(
    svc: Svc,
    c: Caller,
    q: web::Query<SlaReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let format = parse_format(&q.format)?;
    let s = svc.into_inner();
    let r = blocking(move || s.sla_report(&c.0, &q)).await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(r)),
        f => Ok(super::export::download(&super::export::sla_table(&r), f)?),
    }
}

#[utoipa::path(get, path = "/api/v1/reports/backlog", tag = "reports", security(("bearer" = [])),
    params(BacklogQuery),
    responses((status = 200, description = "Open questions by working days at their current stage", body = BacklogReport),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn backlog(
    svc: Svc,
    c: Caller,
    q: web::Query<BacklogQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let format = parse_format(&q.format)?;
    let s = svc.into_inner();
    let r = blocking(move || s.backlog(&c.0, &q)).await?;
    match format {
        Format::Json => Ok(HttpResponse::Ok().json(r)),
        f => Ok(super::export::download(
            &super::export::backlog_table(&r),
            f,
        )?),
    }
}

#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "me", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = Problem)))]
pub async fn preferences(svc: Svc, c: Caller) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.preferences(&c.0)).await?))
}

#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "me", security(("bearer" = [])),
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn set_preferences(
    svc: Svc,
    c: Caller,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let p: Preferences = body(&bytes)?;
    let s = svc.into_inner();
    Ok(HttpResponse::Ok().json(blocking(move || s.set_preferences(&c.0, &p)).await?))
}

#[utoipa::path(get, path = "/api/v1/consistency-cases", tag = "consistency", security(("bearer" = [])),
    params(CaseQuery),
    responses((status = 200, description = "One page of the pairs of similar questions that different forums answered, oldest first (100 unless `per_page` says otherwise)", body = Vec<CaseView>,
            headers(
                ("X-Total-Count" = i64, description = "Cases matching the filter, on every page"),
                ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages (rel first, prev, next, last), where they exist"),
            )),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn consistency_cases(
    svc: Svc,
    c: Caller,
    q: web::Query<CaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let status = q.status.clone().unwrap_or_default();
    let s = svc.into_inner();
    let r = blocking(move || s.consistency_cases(&c.0, &q)).await?;
    Ok(paged_array("/api/v1/consistency-cases", &status, r))
}

/// One page of a list as the array of docs/api.md, its paging said in headers: the total in
/// `X-Total-Count`, the neighbouring pages in `Link`.
fn paged_array<T: serde::Serialize>(
    path: &str,
    status: &str,
    r: crate::service::views::Paged<T>,
) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header(("X-Total-Count", r.total.to_string()));
    let params = [("status", status.trim())];
    if let Some(links) = link_header(path, &params, r.page, r.per_page, r.pages) {
        res.insert_header((header::LINK, links));
    }
    res.json(r.items)
}

#[utoipa::path(get, path = "/api/v1/consistency-cases/{id}", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = CaseView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn consistency_case(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.consistency_case(&c.0, id)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(post, path = "/api/v1/consistency-cases/{id}/decision", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body = DecisionInput,
    responses((status = 200, description = "The case, decided", body = CaseView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_case(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: DecisionInput = body(&bytes)?;
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.decide_case(&c.0, id, &input)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(get, path = "/api/v1/consistency-topics", tag = "consistency", security(("bearer" = [])),
    params(TopicQuery),
    responses((status = 200, description = "One page of the topics (cases joined through the questions they share), oldest first (100 unless `per_page` says otherwise)", body = Vec<TopicView>,
            headers(
                ("X-Total-Count" = i64, description = "Topics matching the filter, on every page"),
                ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages (rel first, prev, next, last), where they exist"),
            )),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn consistency_topics(
    svc: Svc,
    c: Caller,
    q: web::Query<TopicQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let status = q.status.clone().unwrap_or_default();
    let s = svc.into_inner();
    let r = blocking(move || s.consistency_topics(&c.0, &q)).await?;
    Ok(paged_array("/api/v1/consistency-topics", &status, r))
}

#[utoipa::path(get, path = "/api/v1/consistency-topics/{id}", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Topic id; a topic since joined to another gives that one")),
    responses((status = 200, description = "The topic, with where a divergence would go while it is open", body = TopicView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn consistency_topic(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.consistency_topic(&c.0, id)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(post, path = "/api/v1/consistency-topics/{id}/decision", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Topic id")),
    request_body = TopicDecisionInput,
    responses((status = 200, description = "The topic, decided", body = TopicView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_topic(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: TopicDecisionInput = body(&bytes)?;
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.decide_topic(&c.0, id, &input)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(get, path = "/api/v1/possible-divergences", tag = "consistency", security(("bearer" = [])),
    params(PossibleQuery),
    responses((status = 200, description = "One page of the possible divergences (pairs near each other among the candidates, below the rule that opens a case), ranked: the nearest candidates first, then the higher score (100 unless `per_page` says otherwise)", body = Vec<PossibleView>,
            headers(
                ("X-Total-Count" = i64, description = "Possible divergences matching the filter, on every page"),
                ("Link" = String, description = "RFC 8288 links to the first, previous, next and last pages (rel first, prev, next, last), where they exist"),
            )),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn possible_divergences(
    svc: Svc,
    c: Caller,
    q: web::Query<PossibleQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let status = q.status.clone().unwrap_or_default();
    let s = svc.into_inner();
    let r = blocking(move || s.possible_divergences(&c.0, &q)).await?;
    Ok(paged_array("/api/v1/possible-divergences", &status, r))
}

#[utoipa::path(get, path = "/api/v1/possible-divergences/{id}", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Possible divergence id")),
    responses((status = 200, description = "The possible divergence", body = PossibleView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn possible_divergence(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.possible_divergence(&c.0, id)).await?;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(post, path = "/api/v1/possible-divergences/{id}/review", tag = "consistency", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Possible divergence id")),
    request_body = PossibleReviewInput,
    responses((status = 200, description = "The possible divergence, reviewed: taken up as a case (`case_id`, `topic`) or dismissed", body = PossibleView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_possible(
    svc: Svc,
    c: Caller,
    id: web::Path<i64>,
    bytes: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let input: PossibleReviewInput = body(&bytes)?;
    let s = svc.into_inner();
    let id = id.into_inner();
    let r = blocking(move || s.review_possible(&c.0, id, &input)).await?;
    Ok(HttpResponse::Ok().json(r))
}
