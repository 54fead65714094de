//! The organisation structure in the database: synchronised from config at every start.

use std::collections::BTreeSet;

use diesel::prelude::*;

use super::schema::{forum_parents, forums, units};
use super::{DbConnection, StoreResult};
use crate::domain::structure::Structure;
use crate::domain::Code;

/// Makes the forum and unit tables match `s`: new entries are added, changed ones updated,
/// and removed ones kept but marked inactive, because questions may still refer to them.
pub fn sync(conn: &mut DbConnection, s: &Structure) -> StoreResult<()> {
    let existing: BTreeSet<String> = forums::table
        .select(forums::code)
        .load(conn)?
        .into_iter()
        .collect();
    for f in s.forums.values() {
        if existing.contains(&f.code) {
            diesel::update(forums::table.find(&f.code))
                .set((
                    forums::name.eq(&f.name),
                    forums::level.eq(f.level.as_str()),
                    forums::process.eq(&f.process),
                    forums::region.eq(&f.region),
                    forums::active.eq(true),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(forums::table)
                .values((
                    forums::code.eq(&f.code),
                    forums::name.eq(&f.name),
                    forums::level.eq(f.level.as_str()),
                    forums::process.eq(&f.process),
                    forums::region.eq(&f.region),
                    forums::active.eq(true),
                ))
                .execute(conn)?;
        }
    }
    for code in existing.iter().filter(|c| !s.forums.contains_key(*c)) {
        diesel::update(forums::table.find(code))
            .set(forums::active.eq(false))
            .execute(conn)?;
    }
    diesel::delete(forum_parents::table).execute(conn)?;
    for f in s.forums.values() {
        for p in &f.parents {
            diesel::insert_into(forum_parents::table)
                .values((
                    forum_parents::forum.eq(&f.code),
                    forum_parents::parent.eq(p),
                ))
                .execute(conn)?;
        }
    }
    let existing: BTreeSet<String> = units::table
        .select(units::code)
        .load(conn)?
        .into_iter()
        .collect();
    for u in s.units.values() {
        let values = (
            units::name.eq(&u.name),
            units::region.eq(&u.region),
            units::regional_group.eq(&u.regional_group),
            units::active.eq(true),
        );
        if existing.contains(&u.code) {
            diesel::update(units::table.find(&u.code))
                .set(values)
                .execute(conn)?;
        } else {
            diesel::insert_into(units::table)
                .values((units::code.eq(&u.code), values))
                .execute(conn)?;
        }
    }
    for code in existing.iter().filter(|c| !s.units.contains_key(*c)) {
        diesel::update(units::table.find(code))
            .set(units::active.eq(false))
            .execute(conn)?;
    }
    Ok(())
}
