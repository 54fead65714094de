//! Lets diesel keep the prepared statement of an update or upsert whose SQL has a fixed shape.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A query that may be prepared once per connection and reused.
///
/// Diesel prepares every `UPDATE`, `ON CONFLICT DO UPDATE` and multi-row insert afresh on each
/// call: one Rust type of these can produce different SQL (a changeset may skip its `None`
/// fields, a batch has any number of rows), so it will not key them by type.
/// Without a static id, though, its statement cache keys a query by its SQL text and bind
/// types, and reuse is then exact. On PostgreSQL each fresh statement is parsed and planned.
///
/// It takes effect where the query reaches the cache by value: `get_result`, `get_results` and
/// `load`. `execute` hands the cache a reference, and diesel's forwarding through `&T` drops
/// the override, so an executed query is still prepared afresh: give it a `RETURNING` and load
/// it. Only for queries whose SQL takes few shapes: each distinct text is one statement on each
/// connection.
#[derive(Debug, Clone, Copy)]
pub struct Reused<Q>(pub Q);

impl<Q, DB> QueryFragment<DB> for Reused<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Reused<Q> {
    // No static id: the cache keys the statement by its SQL text.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Reused<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Reused<Q> {}
