//! Feeds: a person's feed token (read-only, for feed readers and embedded views), and the
//! Atom feeds' entries for registers, country pages, forums and saved searches.

use chrono::NaiveDateTime;

use super::*;
use crate::service::users::hash_token;
use crate::store::models::UserRow;
use crate::store::users as us;

/// How many entries a feed holds: the newest.
const FEED_ENTRIES: i64 = 50;

/// The person's feed token. The token is shown (it is in their feeds' addresses); only its
/// hash is stored, and it is made again from the stored nonce under the instance key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeedTokenView {
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a feed follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    /// The answers in force of a process.
    Register(String),
    /// The answers in force that name a country (a code or name as typed).
    Country(String),
    /// Every answer a forum gives.
    Forum(String),
    /// The answers that matched one of the reader's saved searches.
    SavedSearch(i64),
}

#[derive(Debug, Clone, Serialize)]
pub struct Feed {
    /// Stable: `urn:eskalera:feed:…`.
    pub id: String,
    pub title: String,
    /// The page the feed follows (relative to the base URL).
    pub page: String,
    pub updated: DateTime<Utc>,
    pub entries: Vec<FeedEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    /// Stable: `urn:eskalera:answer:{id}`.
    pub id: String,
    pub title: String,
    /// The question's page (relative to the base URL).
    pub page: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub forum_name: String,
    pub summary: String,
    /// The binding status code (the category's term) and its Swedish label.
    pub binding_status: String,
    pub standing: String,
}

fn view(token: String, created: NaiveDateTime, used: Option<NaiveDateTime>) -> FeedTokenView {
    FeedTokenView {
        token,
        created_at: created.and_utc(),
        last_used_at: used.map(|u| u.and_utc()),
    }
}

impl Service {
    /// The person's feed token, made on first use. `derive` makes a token from a nonce under
    /// the instance key (the web layer holds it).
    pub fn feed_token(
        &self,
        actor: &Actor,
        derive: &dyn Fn(i64, &str) -> String,
    ) -> ServiceResult<FeedTokenView> {
        let mut c = self.conn()?;
        if let Some(t) = pb::active_feed_token(&mut c, actor.id)? {
            return Ok(view(
                derive(actor.id, &t.nonce),
                t.created_at,
                t.last_used_at,
            ));
        }
        self.replace_feed_token(actor, derive)
    }

    /// A new feed token for the person; the old one stops working at once.
    pub fn replace_feed_token(
        &self,
        actor: &Actor,
        derive: &dyn Fn(i64, &str) -> String,
    ) -> ServiceResult<FeedTokenView> {
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| {
            ServiceError::Store(store::StoreError::Corrupt(format!("no randomness: {e}")))
        })?;
        let nonce = hex::encode(b);
        let token = derive(actor.id, &nonce);
        let now = self.clock.now_naive();
        let mut c = self.conn()?;
        store::write_tx(&mut c, |c| {
            pb::revoke_feed_tokens(c, actor.id, now)?;
            pb::insert_feed_token(c, actor.id, &nonce, &hash_token(&token), now)
        })?;
        Ok(view(token, now, None))
    }

    /// Revokes the person's feed token; their feed addresses stop working until a new one.
    pub fn revoke_feed_token(&self, actor: &Actor) -> ServiceResult<usize> {
        let now = self.clock.now_naive();
        let mut c = self.conn()?;
        Ok(store::write_tx(&mut c, |c| {
            pb::revoke_feed_tokens(c, actor.id, now)
        })?)
    }

    /// The person behind a feed token, or 401. The caller lets it read feeds and embedded
    /// views only.
    pub fn feed_actor(&self, token: &str) -> ServiceResult<Actor> {
        let bad = || ServiceError::Unauthenticated("the feed token is unknown or revoked".into());
        let token = token.trim();
        if token.is_empty() || token.len() > 200 {
            return Err(bad());
        }
        let now = self.clock.now_naive();
        let mut c = self.conn()?;
        let (id, user, used) =
            pb::feed_token_in_use(&mut c, &hash_token(token))?.ok_or_else(bad)?;
        // Feed readers and embedded views poll: a minute's precision spares a write each time.
        if used.is_none_or(|u| now - u > chrono::Duration::minutes(1)) {
            store::write_tx(&mut c, |c| pb::touch_feed_token(c, id, now))?;
        }
        let row: UserRow = us::by_id(&mut c, user)?.ok_or_else(bad)?;
        if row.disabled_at.is_some() {
            return Err(bad());
        }
        self.actor(&mut c, user)
    }

    /// A feed's newest entries.
    pub fn feed(&self, actor: &Actor, kind: &FeedKind) -> ServiceResult<Feed> {
        let guidance_levels = self.in_force().guidance_levels();
        let mut c = self.conn()?;
        let (id, title, page, rows) = match kind {
            FeedKind::Register(process) => {
                let (filter, _) = self.register_filter(&RegisterQuery {
                    process: Some(process.clone()),
                    ..RegisterQuery::default()
                })?;
                let name = self
                    .config
                    .structure
                    .process(process)
                    .map_or_else(|| process.clone(), |p| p.name.clone());
                (
                    format!("urn:eskalera:feed:register:{process}"),
                    format!("Gällande stöd: {name}"),
                    format!("/gallande-stod?process={process}"),
                    pb::newest(&mut c, &filter, FEED_ENTRIES)?,
                )
            }
            FeedKind::Country(typed) => {
                let code = self.country_code(typed)?;
                let filter = AnswerFilter {
                    country: Some(code.into()),
                    guidance_levels,
                    ..AnswerFilter::default()
                };
                (
                    format!("urn:eskalera:feed:country:{code}"),
                    format!("Gällande stöd om {}", countries::in_swedish(code)),
                    format!("/lander/{code}"),
                    pb::newest(&mut c, &filter, FEED_ENTRIES)?,
                )
            }
            FeedKind::Forum(code) => {
                let forum = self.config.structure.forum(code).ok_or_else(|| {
                    ServiceError::NotFound(Missing::Page(format!("/forum/{code}")))
                })?;
                let filter = AnswerFilter {
                    forum: Some(code.clone()),
                    binding_status: None,
                    level: Some(forum.level),
                    ..AnswerFilter::default()
                };
                (
                    format!("urn:eskalera:feed:forum:{code}"),
                    format!("Nya svar från {}", forum.name),
                    format!("/sok?forum={code}"),
                    pb::newest(&mut c, &filter, FEED_ENTRIES)?,
                )
            }
            FeedKind::SavedSearch(id) => {
                let s = pb::saved_search(&mut c, *id)?
                    .filter(|s| s.user_id == actor.id)
                    .ok_or(ServiceError::NotFound(Missing::SavedSearch(*id)))?;
                (
                    format!("urn:eskalera:feed:saved-search:{id}"),
                    format!("Sparad sökning: {}", s.name),
                    format!("/sparade-sokningar#sokning-{id}"),
                    pb::hits(&mut c, *id, FEED_ENTRIES)?,
                )
            }
        };
        let entries: Vec<FeedEntry> = self
            .entries(&mut c, &rows)?
            .into_iter()
            .map(|e| FeedEntry {
                id: format!("urn:eskalera:answer:{}", e.answer_id),
                title: format!("{} {}", e.reference, e.title),
                page: format!("/fragor/{}", e.question_id),
                published: e.answered_at,
                updated: e.updated_at,
                forum_name: e.forum_name,
                summary: e.answer,
                binding_status: e.binding_status.as_str().into(),
                standing: e.standing,
            })
            .collect();
        // A feed without entries is as old as the system's start of time, so that its
        // `updated` does not change from one fetch to the next.
        let updated = entries
            .iter()
            .map(|e| e.updated)
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        Ok(Feed {
            id,
            title,
            page,
            updated,
            entries,
        })
    }
}
