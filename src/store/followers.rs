//! Who follows which question: followers are mailed its changes (the asker from the start).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::followers;
use super::{DbConnection, StoreResult};

pub fn is_follower(conn: &mut DbConnection, question_id: i64, user_id: i64) -> StoreResult<bool> {
    let n: i64 = followers::table
        .filter(followers::question_id.eq(question_id))
        .filter(followers::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn follow(
    conn: &mut DbConnection,
    question_id: i64,
    user_id: i64,
    at: NaiveDateTime,
) -> StoreResult<bool> {
    // One statement, not a check and an insert: parallel follows of one question by one
    // person (double clicks, retries) would otherwise race to the primary key.
    let added = diesel::sql_query(
        "INSERT INTO followers (question_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind::<diesel::sql_types::BigInt, _>(question_id)
    .bind::<diesel::sql_types::BigInt, _>(user_id)
    .bind::<diesel::sql_types::Timestamp, _>(at)
    .execute(conn)?;
    Ok(added > 0)
}

/// Adds a follower known not to follow yet (the asker of a question just written).
pub fn add_follower(
    conn: &mut DbConnection,
    question_id: i64,
    user_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(followers::table)
        .values((
            followers::question_id.eq(question_id),
            followers::user_id.eq(user_id),
            followers::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn unfollow(conn: &mut DbConnection, question_id: i64, user_id: i64) -> StoreResult<bool> {
    let n = diesel::delete(
        followers::table
            .filter(followers::question_id.eq(question_id))
            .filter(followers::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

pub fn followers_of(conn: &mut DbConnection, question_id: i64) -> StoreResult<Vec<i64>> {
    Ok(followers::table
        .filter(followers::question_id.eq(question_id))
        .select(followers::user_id)
        .load(conn)?)
}
