//! The change log: which questions changed, read by the indexer in an order no later commit
//! can insert into.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::changes;
use super::{DbConnection, StoreResult};

/// A position in the change log: the last change applied, by (writing transaction, id).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeCursor {
    pub txid: i64,
    pub id: i64,
}

/// Records that a question's searchable content changed, for the indexer.
///
/// The row's `txid` is the column default: the writing transaction's id on PostgreSQL, 0 on
/// SQLite. Nothing is locked, so concurrent writers commit in parallel; `changes_after` reads
/// the log in an order that no later commit can insert into.
pub fn record_change(
    conn: &mut DbConnection,
    question_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(changes::table)
        .values((
            changes::question_id.eq(question_id),
            changes::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every transaction with an id below this one has ended, so the change-log rows with a
/// smaller `txid` are all visible and no more can appear.
///
/// PostgreSQL draws ids at insert but shows rows at commit: a reader could see change 11
/// before 10 commits and step past 10 for good. The transaction ids below the snapshot's
/// xmin are settled. On SQLite one writer at a time commits ids in order, and every row is
/// settled once seen.
fn settled_below(conn: &mut DbConnection) -> StoreResult<i64> {
    match conn {
        DbConnection::Pg(c) => Ok(
            diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            ))
            .get_result(c)?,
        ),
        DbConnection::Sqlite(_) => Ok(i64::MAX),
    }
}

/// Settled change-log entries after `cursor`, in (transaction, id) order: (position, question).
pub fn changes_after(
    conn: &mut DbConnection,
    cursor: ChangeCursor,
    limit: i64,
) -> StoreResult<Vec<(ChangeCursor, i64)>> {
    let below = settled_below(conn)?;
    let rows: Vec<(i64, i64, i64)> = changes::table
        .filter(after(cursor))
        .filter(changes::txid.lt(below))
        .order((changes::txid, changes::id))
        .limit(limit)
        .select((changes::txid, changes::id, changes::question_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(txid, id, q)| (ChangeCursor { txid, id }, q))
        .collect())
}

/// `(txid, id) > cursor` as a row comparison: both backends take it as one range of the
/// (txid, id) index, where the spelled-out OR would scan the cursor's whole transaction.
fn after(
    cursor: ChangeCursor,
) -> Box<
    dyn BoxableExpression<changes::table, super::MultiBackend, SqlType = diesel::sql_types::Bool>,
> {
    use diesel::sql_types::{BigInt, Bool};
    Box::new(
        diesel::dsl::sql::<Bool>("(changes.txid, changes.id) > (")
            .bind::<BigInt, _>(cursor.txid)
            .sql(", ")
            .bind::<BigInt, _>(cursor.id)
            .sql(")"),
    )
}

/// Change-log entries after `cursor`, settled or not: what the index has yet to apply.
pub fn changes_pending(conn: &mut DbConnection, cursor: ChangeCursor) -> StoreResult<i64> {
    Ok(changes::table
        .filter(after(cursor))
        .count()
        .get_result(conn)?)
}

/// When the oldest change after `cursor` was made, if any waits.
pub fn oldest_pending(
    conn: &mut DbConnection,
    cursor: ChangeCursor,
) -> StoreResult<Option<chrono::NaiveDateTime>> {
    Ok(changes::table
        .filter(after(cursor))
        .select(diesel::dsl::min(changes::created_at))
        .first(conn)?)
}

/// Where an index built from the rows as they are now continues: every change before this
/// position is visible to a read that starts now.
pub fn settled_cursor(conn: &mut DbConnection) -> StoreResult<ChangeCursor> {
    match conn {
        DbConnection::Pg(_) => Ok(ChangeCursor {
            txid: settled_below(conn)?,
            id: 0,
        }),
        DbConnection::Sqlite(_) => Ok(ChangeCursor {
            txid: 0,
            id: changes::table
                .select(diesel::dsl::max(changes::id))
                .first::<Option<i64>>(conn)?
                .unwrap_or(0),
        }),
    }
}
