//! Users, their forum memberships, their API tokens and the directory identities they hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{NewToken, NewUser, TokenRow, UserRow};
use super::schema::{api_tokens, memberships, user_identities, users};
use super::{DbConnection, StoreResult};

pub fn insert(conn: &mut DbConnection, u: &NewUser<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(users::table)
        .values(u)
        .returning(users::id)
        .get_result(conn)?)
}

pub fn by_email(conn: &mut DbConnection, email: &str) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> StoreResult<Option<UserRow>> {
    Ok(users::table.find(id).first(conn).optional()?)
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> StoreResult<Vec<UserRow>> {
    Ok(users::table.filter(users::id.eq_any(ids)).load(conn)?)
}

pub fn set_role(conn: &mut DbConnection, id: i64, role: crate::service::Role) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::role.eq(role))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// Refuses every web session of the user issued up to `at`.
pub fn set_valid_after(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::valid_after.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Disables the user from `at` on, or enables them again with None.
pub fn set_disabled(
    conn: &mut DbConnection,
    id: i64,
    at: Option<NaiveDateTime>,
) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::disabled_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn memberships(conn: &mut DbConnection, user_id: i64) -> StoreResult<Vec<String>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::forum)
        .order(memberships::forum)
        .load(conn)?)
}

pub fn is_member(conn: &mut DbConnection, user_id: i64, forum: &str) -> StoreResult<bool> {
    let n: i64 = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::forum.eq(forum))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Adds a membership given by hand; returns false when it already existed.
pub fn add_membership(conn: &mut DbConnection, user_id: i64, forum: &str) -> StoreResult<bool> {
    add_membership_from(conn, user_id, forum, false)
}

/// Adds a membership, marked as the directory's or not; false when it already existed (its
/// mark then stays: a membership given by hand stays one).
pub fn add_membership_from(
    conn: &mut DbConnection,
    user_id: i64,
    forum: &str,
    from_directory: bool,
) -> StoreResult<bool> {
    if is_member(conn, user_id, forum)? {
        return Ok(false);
    }
    diesel::insert_into(memberships::table)
        .values((
            memberships::user_id.eq(user_id),
            memberships::forum.eq(forum),
            memberships::from_directory.eq(from_directory),
        ))
        .execute(conn)?;
    Ok(true)
}

/// A person's memberships with whether the directory gave each.
pub fn memberships_marked(
    conn: &mut DbConnection,
    user_id: i64,
) -> StoreResult<Vec<(String, bool)>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select((memberships::forum, memberships::from_directory))
        .order(memberships::forum)
        .load(conn)?)
}

/// The person the directory's `issuer` knows as `subject`.
pub fn by_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
) -> StoreResult<Option<UserRow>> {
    Ok(users::table
        .inner_join(user_identities::table)
        .filter(user_identities::issuer.eq(issuer))
        .filter(user_identities::subject.eq(subject))
        .select(users::all_columns)
        .first(conn)
        .optional()?)
}

/// Links a person to the directory's `issuer` + `subject`.
pub fn link_identity(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    user_id: i64,
    at: NaiveDateTime,
) -> StoreResult<()> {
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::issuer.eq(issuer),
            user_identities::subject.eq(subject),
            user_identities::user_id.eq(user_id),
            user_identities::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the person is linked to any identity of `issuer` (then an e-mail match is not
/// theirs to take: the link is made once).
pub fn has_identity_at(conn: &mut DbConnection, user_id: i64, issuer: &str) -> StoreResult<bool> {
    let n: i64 = user_identities::table
        .filter(user_identities::user_id.eq(user_id))
        .filter(user_identities::issuer.eq(issuer))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Sets a person's address, name and home unit as the directory gives them.
pub fn set_profile(
    conn: &mut DbConnection,
    id: i64,
    email: &str,
    name: &str,
    unit: &str,
) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::name.eq(name),
            users::unit.eq(unit),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn remove_membership(conn: &mut DbConnection, user_id: i64, forum: &str) -> StoreResult<bool> {
    let n = diesel::delete(
        memberships::table
            .filter(memberships::user_id.eq(user_id))
            .filter(memberships::forum.eq(forum)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

pub fn members_of(conn: &mut DbConnection, forum: &str) -> StoreResult<Vec<UserRow>> {
    // A disabled person gets no mail and cannot be assigned.
    Ok(users::table
        .inner_join(memberships::table)
        .filter(memberships::forum.eq(forum))
        .filter(users::disabled_at.is_null())
        .select(users::all_columns)
        .order(users::name)
        .load(conn)?)
}

pub fn insert_token(conn: &mut DbConnection, t: &NewToken<'_>) -> StoreResult<i64> {
    Ok(diesel::insert_into(api_tokens::table)
        .values(t)
        .returning(api_tokens::id)
        .get_result(conn)?)
}

/// The token with this hash, its user and the forums the user is a member of, in one query
/// (every API request asks).
pub fn token_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> StoreResult<Option<(TokenRow, UserRow, Vec<String>)>> {
    let rows: Vec<(TokenRow, UserRow, Option<String>)> = api_tokens::table
        .inner_join(users::table.left_join(memberships::table))
        .filter(api_tokens::token_hash.eq(hash))
        .select((
            api_tokens::all_columns,
            users::all_columns,
            memberships::forum.nullable(),
        ))
        .load(conn)?;
    let forums = rows.iter().filter_map(|(_, _, f)| f.clone()).collect();
    Ok(rows.into_iter().next().map(|(t, u, _)| (t, u, forums)))
}

pub fn tokens_of(conn: &mut DbConnection, user_id: i64) -> StoreResult<Vec<TokenRow>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id)
        .load(conn)?)
}

pub fn touch_token(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> StoreResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Revokes every live token of a user; returns how many.
pub fn revoke_tokens(
    conn: &mut DbConnection,
    user_id: i64,
    at: NaiveDateTime,
) -> StoreResult<usize> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(at))
    .execute(conn)?)
}

pub fn set_mail_preference(
    conn: &mut DbConnection,
    id: i64,
    preference: crate::domain::mail::MailPreference,
) -> StoreResult<()> {
    diesel::update(users::table.find(id))
        .set(users::mail_preference.eq(preference))
        .execute(conn)?;
    Ok(())
}

pub fn with_role(conn: &mut DbConnection, role: crate::service::Role) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::role.eq(role))
        .filter(users::disabled_at.is_null())
        .order(users::id)
        .load(conn)?)
}

pub fn all(conn: &mut DbConnection) -> StoreResult<Vec<UserRow>> {
    Ok(users::table.order(users::name).load(conn)?)
}

/// One page of the users by name (then id, so that pages neither overlap nor skip), and how
/// many users there are.
pub fn page_by_name(
    conn: &mut DbConnection,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<UserRow>, i64)> {
    let total: i64 = users::table.count().get_result(conn)?;
    let rows = users::table
        .order((users::name, users::id))
        .offset(offset)
        .limit(limit)
        .load(conn)?;
    Ok((rows, total))
}

/// Every person's id, name and address, by name.
pub fn names(conn: &mut DbConnection) -> StoreResult<Vec<(i64, String, String)>> {
    Ok(users::table
        .order((users::name, users::id))
        .select((users::id, users::name, users::email))
        .load(conn)?)
}

/// The forums each of `user_ids` is a member of, as (user, forum) by user and forum.
pub fn memberships_of(
    conn: &mut DbConnection,
    user_ids: &[i64],
) -> StoreResult<Vec<(i64, String)>> {
    Ok(memberships::table
        .filter(memberships::user_id.eq_any(user_ids))
        .select((memberships::user_id, memberships::forum))
        .order((memberships::user_id, memberships::forum))
        .load(conn)?)
}
