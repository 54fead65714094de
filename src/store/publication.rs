//! Publication's tables and reads: references between answers, the register and country
//! pages, feed tokens, saved searches and the answers that matched them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{AnswerRow, QuestionRow};
use super::schema::{
    answer_links, answers, feed_tokens, questions, saved_search_hits, saved_searches,
};
use super::{DbConnection, MultiBackend, StoreResult};
use crate::domain::answer::BindingStatus;
use crate::domain::question::Status;
use crate::domain::structure::Level;

/// Records that answer `answer_id` cites the questions `cited` (their current answers).
pub fn insert_links(conn: &mut DbConnection, answer_id: i64, cited: &[i64]) -> StoreResult<()> {
    // One row a statement: batch inserts are not portable across the two backends here, and
    // an answer cites a few questions at most.
    for q in cited {
        diesel::insert_into(answer_links::table)
            .values((
                answer_links::answer_id.eq(answer_id),
                answer_links::question_id.eq(*q),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The questions whose answers cite any of `cited`.
pub fn citing_questions(conn: &mut DbConnection, cited: &[i64]) -> StoreResult<Vec<i64>> {
    Ok(answer_links::table
        .inner_join(answers::table)
        .filter(answer_links::question_id.eq_any(cited))
        .select(answers::question_id)
        .distinct()
        .load(conn)?)
}

/// The askers of the questions closed as duplicates of any of `originals`.
pub fn duplicate_askers(conn: &mut DbConnection, originals: &[i64]) -> StoreResult<Vec<i64>> {
    Ok(questions::table
        .filter(questions::duplicate_of.eq_any(originals))
        .filter(questions::asker_id.is_not_null())
        .select(questions::asker_id.assume_not_null())
        .distinct()
        .load(conn)?)
}

/// The questions with the `references` given: (reference, id, title), in chunks of 500.
pub fn questions_named(
    conn: &mut DbConnection,
    references: &[String],
) -> StoreResult<Vec<(String, i64, String)>> {
    let mut out = Vec::new();
    for chunk in references.chunks(500) {
        out.extend(
            questions::table
                .filter(questions::reference.eq_any(chunk))
                .select((questions::reference, questions::id, questions::title))
                .load::<(String, i64, String)>(conn)?,
        );
    }
    Ok(out)
}

/// The askers of `ids`.
pub fn askers(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<Vec<i64>> {
    Ok(questions::table
        .filter(questions::id.eq_any(ids))
        .filter(questions::asker_id.is_not_null())
        .select(questions::asker_id.assume_not_null())
        .load(conn)?)
}

/// Which answers a register or country list holds.
#[derive(Debug, Clone, Default)]
pub struct AnswerFilter {
    pub process: Option<String>,
    /// A country code as stored in the question's list.
    pub country: Option<String>,
    pub forum: Option<String>,
    pub tag: Option<String>,
    pub level: Option<Level>,
    /// One status only (superseded and withdrawn answers are reached this way).
    pub binding_status: Option<BindingStatus>,
    /// Without `level` and `binding_status`: the levels whose guidance is in force.
    pub guidance_levels: Vec<Level>,
    /// Only temporary answers reviewed on or before this date (`YYYY-MM-DD`).
    pub review_by: Option<String>,
    /// Only answers given after this time (feeds).
    pub since: Option<NaiveDateTime>,
}

/// `"SD"` as it stands in a JSON list column, for a LIKE on both backends. The codes and tags
/// that reach here are checked against the catalogue or are plain words, but `%`, `_` and
/// `\` are escaped all the same.
fn in_list(item: &str) -> String {
    format!(
        "%{}%",
        escape_like(&serde_json::to_string(item).unwrap_or_default())
    )
}

/// `text` for a LIKE pattern with `\` as the escape: `%`, `_` and `\` stand for themselves.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

type Joined = diesel::dsl::InnerJoin<answers::table, questions::table>;

fn filtered(f: &AnswerFilter) -> diesel::dsl::IntoBoxed<'static, Joined, MultiBackend> {
    let mut q = answers::table.inner_join(questions::table).into_boxed();
    if let Some(p) = &f.process {
        q = q.filter(questions::process.eq(p.clone()));
    }
    if let Some(c) = &f.country {
        q = q.filter(questions::countries.like(in_list(c)).escape('\\'));
    }
    if let Some(t) = &f.tag {
        q = q.filter(questions::tags.like(in_list(t)).escape('\\'));
    }
    if let Some(forum) = &f.forum {
        q = q.filter(answers::forum.eq(forum.clone()));
    }
    if let Some(l) = f.level {
        q = q.filter(answers::level.eq(l));
    }
    match f.binding_status {
        Some(s) => q = q.filter(answers::binding_status.eq(s)),
        None if f.level.is_some() => {
            q = q.filter(answers::binding_status.eq_any([
                BindingStatus::Binding,
                BindingStatus::Temporary,
                BindingStatus::Guidance,
            ]))
        }
        None => {
            q = q.filter(
                answers::binding_status
                    .eq_any([BindingStatus::Binding, BindingStatus::Temporary])
                    .or(answers::binding_status
                        .eq(BindingStatus::Guidance)
                        .and(answers::level.eq_any(f.guidance_levels.clone()))),
            )
        }
    }
    if let Some(by) = &f.review_by {
        q = q
            .filter(answers::binding_status.eq(BindingStatus::Temporary))
            .filter(answers::review_date.le(by.clone()));
    }
    if let Some(since) = f.since {
        q = q.filter(answers::created_at.gt(since));
    }
    q
}

/// One page of answers with their questions, grouped by the question's category (those
/// without one last), newest first within a category.
pub fn register(
    conn: &mut DbConnection,
    f: &AnswerFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<(AnswerRow, QuestionRow)>, i64)> {
    let total = count(conn, f)?;
    let rows = filtered(f)
        .select((answers::all_columns, questions::all_columns))
        .order((
            questions::category.is_null().asc(),
            questions::category.asc(),
            answers::created_at.desc(),
            answers::id.desc(),
        ))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

pub fn count(conn: &mut DbConnection, f: &AnswerFilter) -> StoreResult<i64> {
    Ok(filtered(f).count().get_result(conn)?)
}

/// The newest `limit` answers that `f` holds, newest first (feeds, the country page).
pub fn newest(
    conn: &mut DbConnection,
    f: &AnswerFilter,
    limit: i64,
) -> StoreResult<Vec<(AnswerRow, QuestionRow)>> {
    Ok(filtered(f)
        .select((answers::all_columns, questions::all_columns))
        .order((answers::created_at.desc(), answers::id.desc()))
        .limit(limit)
        .load(conn)?)
}

/// Questions naming `country` that still wait in the structure, oldest first.
pub fn pending_about(
    conn: &mut DbConnection,
    country: &str,
    limit: i64,
) -> StoreResult<(Vec<QuestionRow>, i64)> {
    let pending = [Status::Open, Status::InProgress, Status::AwaitingInfo];
    let base = || {
        questions::table
            .filter(questions::countries.like(in_list(country)).escape('\\'))
            .filter(questions::status.eq_any(pending))
    };
    let total = base().count().get_result(conn)?;
    let rows = base()
        .order((questions::created_at.asc(), questions::id.asc()))
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Temporary answers whose review date is before `today` and whose readers have not heard.
pub fn lapsed(conn: &mut DbConnection, today: &str) -> StoreResult<Vec<i64>> {
    Ok(answers::table
        .filter(answers::binding_status.eq(BindingStatus::Temporary))
        .filter(answers::lapse_notified.eq(false))
        .filter(answers::review_date.lt(today))
        .select(answers::id)
        .order(answers::id.asc())
        .load(conn)?)
}

/// Marks the lapse of `answer_id` told; false when another instance did it first.
pub fn claim_lapse(conn: &mut DbConnection, answer_id: i64) -> StoreResult<bool> {
    let n = diesel::update(
        answers::table
            .filter(answers::id.eq(answer_id))
            .filter(answers::lapse_notified.eq(false)),
    )
    .set(answers::lapse_notified.eq(true))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable)]
pub struct FeedTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub nonce: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

/// The person's feed token in use, if any.
pub fn active_feed_token(conn: &mut DbConnection, user: i64) -> StoreResult<Option<FeedTokenRow>> {
    Ok(feed_tokens::table
        .filter(feed_tokens::user_id.eq(user))
        .filter(feed_tokens::revoked_at.is_null())
        .order(feed_tokens::id.desc())
        .first(conn)
        .optional()?)
}

pub fn insert_feed_token(
    conn: &mut DbConnection,
    user: i64,
    nonce: &str,
    hash: &str,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(feed_tokens::table)
        .values((
            feed_tokens::user_id.eq(user),
            feed_tokens::nonce.eq(nonce),
            feed_tokens::token_hash.eq(hash),
            feed_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Revokes every feed token of `user`; how many were in use.
pub fn revoke_feed_tokens(
    conn: &mut DbConnection,
    user: i64,
    now: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        feed_tokens::table
            .filter(feed_tokens::user_id.eq(user))
            .filter(feed_tokens::revoked_at.is_null()),
    )
    .set(feed_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// The feed token with `hash` if it is in use: its id, user and last use.
pub fn feed_token_in_use(
    conn: &mut DbConnection,
    hash: &str,
) -> StoreResult<Option<(i64, i64, Option<NaiveDateTime>)>> {
    Ok(feed_tokens::table
        .filter(feed_tokens::token_hash.eq(hash))
        .filter(feed_tokens::revoked_at.is_null())
        .select((
            feed_tokens::id,
            feed_tokens::user_id,
            feed_tokens::last_used_at,
        ))
        .first(conn)
        .optional()?)
}

pub fn touch_feed_token(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> StoreResult<()> {
    diesel::update(feed_tokens::table.find(id))
        .set(feed_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable)]
pub struct SavedSearchRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The search's words.
    pub words: String,
    /// The search filters as a JSON object.
    pub filters: String,
    /// immediate, digest or off
    pub notify: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_saved_search(
    conn: &mut DbConnection,
    user: i64,
    (name, q, filters, notify): (&str, &str, &str, &str),
    now: NaiveDateTime,
) -> StoreResult<SavedSearchRow> {
    Ok(diesel::insert_into(saved_searches::table)
        .values((
            saved_searches::user_id.eq(user),
            saved_searches::name.eq(name),
            saved_searches::words.eq(q),
            saved_searches::filters.eq(filters),
            saved_searches::notify.eq(notify),
            saved_searches::created_at.eq(now),
        ))
        .returning(saved_searches::all_columns)
        .get_result(conn)?)
}

pub fn saved_searches_of(conn: &mut DbConnection, user: i64) -> StoreResult<Vec<SavedSearchRow>> {
    Ok(saved_searches::table
        .filter(saved_searches::user_id.eq(user))
        .order(saved_searches::id.asc())
        .load(conn)?)
}

pub fn saved_search(conn: &mut DbConnection, id: i64) -> StoreResult<Option<SavedSearchRow>> {
    Ok(saved_searches::table.find(id).first(conn).optional()?)
}

/// The saved searches an answer to a question of `process` may match: those without a
/// process filter and those of that process (their filters are JSON written by serde, so
/// `"process":"…"` is spelt one way).
pub fn saved_searches_for_process(
    conn: &mut DbConnection,
    process: &str,
) -> StoreResult<Vec<SavedSearchRow>> {
    let key = "\"process\":";
    let this = format!(
        "{key}{}",
        serde_json::to_string(process).unwrap_or_default()
    );
    Ok(saved_searches::table
        .filter(
            saved_searches::filters
                .not_like(format!("%{}%", escape_like(key)))
                .escape('\\')
                .or(saved_searches::filters
                    .like(format!("%{}%", escape_like(&this)))
                    .escape('\\')),
        )
        .order(saved_searches::id.asc())
        .load(conn)?)
}

/// Deletes saved search `id` of `user` with its hits; false when it is not theirs.
pub fn delete_saved_search(conn: &mut DbConnection, user: i64, id: i64) -> StoreResult<bool> {
    diesel::delete(saved_search_hits::table.filter(saved_search_hits::saved_search_id.eq(id)))
        .execute(conn)?;
    let n = diesel::delete(
        saved_searches::table
            .filter(saved_searches::id.eq(id))
            .filter(saved_searches::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_hit(
    conn: &mut DbConnection,
    saved_search: i64,
    answer: i64,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(saved_search_hits::table)
        .values((
            saved_search_hits::saved_search_id.eq(saved_search),
            saved_search_hits::answer_id.eq(answer),
            saved_search_hits::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest `limit` answers that matched saved search `id`, with their questions.
pub fn hits(
    conn: &mut DbConnection,
    id: i64,
    limit: i64,
) -> StoreResult<Vec<(AnswerRow, QuestionRow)>> {
    Ok(saved_search_hits::table
        .inner_join(answers::table.inner_join(questions::table))
        .filter(saved_search_hits::saved_search_id.eq(id))
        .select((answers::all_columns, questions::all_columns))
        .order((saved_search_hits::created_at.desc(), answers::id.desc()))
        .limit(limit)
        .load(conn)?)
}
