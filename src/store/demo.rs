//! What the demo loader needs of the database: its progress marks and clearing a load that
//! was cut off half way.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::schema::events;
use super::{DbConnection, StoreResult};

/// Whether an event of this kind without a question exists (the demo's marks).
pub fn has_mark(
    conn: &mut DbConnection,
    kind: crate::domain::question::EventKind,
) -> StoreResult<bool> {
    let n: i64 = events::table
        .filter(events::kind.eq(kind))
        .filter(events::question_id.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Every row but the organisation (forums, units) and the schema, children before parents.
/// Only for a demo database whose load was cut off: its rows are all the demo's.
pub fn clear_everything_but_the_organisation(conn: &mut DbConnection) -> StoreResult<()> {
    conn.batch_execute(
        "DELETE FROM consistency_cases; DELETE FROM consistency_checks; DELETE FROM outbox; \
         DELETE FROM followers; DELETE FROM events; DELETE FROM changes; \
         DELETE FROM stage_pauses; DELETE FROM answers; DELETE FROM stages; \
         DELETE FROM questions; DELETE FROM api_tokens; DELETE FROM memberships; DELETE FROM user_identities; \
         DELETE FROM users; DELETE FROM sla_rollups;",
    )?;
    Ok(())
}
