//! The stored free text of every table, read a page at a time in id order for scans over all rows.
//!
//! Only the id and the text columns are selected, and each page is its own short query, so a
//! scan over a million rows holds one page in memory and no long transaction open.

use diesel::prelude::*;

use super::schema::{answers, consistency_cases, events, possible_divergences, questions};
use super::{DbConnection, StoreResult};

/// A question's free text: what people typed or imported.
#[derive(Debug, Clone, Queryable)]
pub struct QuestionText {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub body: String,
    /// A JSON list, as stored.
    pub tags: String,
    pub urgent_reason: Option<String>,
}

/// An answer's free text.
#[derive(Debug, Clone, Queryable)]
pub struct AnswerText {
    pub id: i64,
    pub body: String,
    /// A JSON list, as stored.
    pub refs: String,
}

/// A note of an event or a consistency case.
#[derive(Debug, Clone, Queryable)]
pub struct NoteText {
    pub id: i64,
    pub note: String,
}

/// The next `limit` questions after `after_id`, in id order.
pub fn questions_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<QuestionText>> {
    Ok(questions::table
        .filter(questions::id.gt(after_id))
        .order(questions::id)
        .limit(limit)
        .select((
            questions::id,
            questions::reference,
            questions::title,
            questions::body,
            questions::tags,
            questions::urgent_reason,
        ))
        .load(conn)?)
}

/// The next `limit` answers after `after_id`, in id order.
pub fn answers_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<AnswerText>> {
    Ok(answers::table
        .filter(answers::id.gt(after_id))
        .order(answers::id)
        .limit(limit)
        .select((answers::id, answers::body, answers::refs))
        .load(conn)?)
}

/// The next `limit` events with a note after `after_id`, in id order.
pub fn event_notes_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<NoteText>> {
    Ok(events::table
        .filter(events::id.gt(after_id))
        .filter(events::note.is_not_null())
        .order(events::id)
        .limit(limit)
        .select((events::id, events::note.assume_not_null()))
        .load(conn)?)
}

/// The next `limit` consistency cases with a note after `after_id`, in id order.
pub fn case_notes_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<NoteText>> {
    Ok(consistency_cases::table
        .filter(consistency_cases::id.gt(after_id))
        .filter(consistency_cases::note.is_not_null())
        .order(consistency_cases::id)
        .limit(limit)
        .select((
            consistency_cases::id,
            consistency_cases::note.assume_not_null(),
        ))
        .load(conn)?)
}

/// The reviewers' notes on possible divergences, for the personal-data scan.
pub fn possible_notes_after(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> StoreResult<Vec<NoteText>> {
    Ok(possible_divergences::table
        .filter(possible_divergences::id.gt(after_id))
        .filter(possible_divergences::note.is_not_null())
        .order(possible_divergences::id)
        .limit(limit)
        .select((
            possible_divergences::id,
            possible_divergences::note.assume_not_null(),
        ))
        .load(conn)?)
}
