//! Saved searches: a person's words and filters under a name, matched against every new answer
//! in the answer's own transaction (the feed's hit and the mail are derived from it there).

use std::collections::HashSet;

use super::*;
use crate::domain::mail::MailPreference;
use crate::search::analyzer;
use crate::search::Filters;
use crate::store::questions as qs;
use crate::store::users as us;

const NAME_MAX: usize = 100;
const WORDS_MAX: usize = 1000;
/// Saved searches a person may keep: each is compared with every new answer.
const PER_PERSON: usize = 50;

/// The filters of a saved search: those of the search page.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SavedFilters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// ISO 3166-1 alpha-2 or the Swedish name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// The level of the answering forum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// The answering forum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forum: Option<String>,
    /// The answer's binding status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SavedSearchInput {
    pub name: Option<String>,
    /// Words: a new answer matches when its question and answer hold all of them.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub filters: Option<SavedFilters>,
    /// immediate (default), digest or off; the person's own mail setting wins when it is off.
    #[serde(default)]
    pub notify: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedSearchView {
    pub id: i64,
    pub name: String,
    pub q: String,
    pub filters: SavedFilters,
    pub notify: String,
    pub created_at: DateTime<Utc>,
    /// The search page with these words and filters.
    pub search: String,
    /// The Atom feed of its matches (add `?token=` with your feed token).
    pub feed: String,
}

/// What a saved search asks of a new answer, read once per answer.
struct Wanted {
    terms: Vec<String>,
    filters: Filters,
}

impl Service {
    fn saved_view(&self, row: &pb::SavedSearchRow) -> ServiceResult<SavedSearchView> {
        let filters: SavedFilters = serde_json::from_str(&row.filters)
            .map_err(|e| store::StoreError::Corrupt(format!("saved search filters: {e}")))?;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if !row.words.is_empty() {
            query.append_pair("q", &row.words);
        }
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&filters) {
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    query.append_pair(&k, v);
                }
            }
        }
        Ok(SavedSearchView {
            id: row.id,
            name: row.name.clone(),
            q: row.words.clone(),
            filters,
            notify: row.notify.clone(),
            created_at: row.created_at.and_utc(),
            search: format!("/sok?{}", query.finish()),
            feed: format!("/sparade-sokningar/{}/feed.atom", row.id),
        })
    }

    pub fn saved_searches(&self, actor: &Actor) -> ServiceResult<Vec<SavedSearchView>> {
        let mut c = self.conn()?;
        pb::saved_searches_of(&mut c, actor.id)?
            .iter()
            .map(|r| self.saved_view(r))
            .collect()
    }

    /// Saves a search for the person. Its words and filters are checked as the search page
    /// checks them; it needs words or a filter, since it would otherwise match every answer.
    pub fn save_search(
        &self,
        actor: &Actor,
        input: &SavedSearchInput,
    ) -> ServiceResult<SavedSearchView> {
        let mut checks = Checks::default();
        checks.required_text("name", input.name.as_deref(), NAME_MAX);
        let words = input.q.as_deref().unwrap_or("").trim().to_string();
        checks.optional_text("q", Some(&words), WORDS_MAX);
        let given = input.filters.clone().unwrap_or_default();
        let filters = self.search_filters(&filter_query(&given), &mut checks);
        let notify = input
            .notify
            .as_deref()
            .map(str::trim)
            .unwrap_or("immediate");
        let notify = MailPreference::parse(notify).or_else(|| {
            checks.fail(
                "notify",
                FieldProblem::NotOneOf {
                    value: notify.into(),
                    codes: MailPreference::choices(),
                },
            );
            None
        });
        // Stored as checked: codes as the store holds them, a country as its code.
        let stored = SavedFilters {
            process: filters.process,
            category: filters.category,
            country: filters.country,
            tag: filters.tag,
            level: filters.level,
            forum: filters.forum,
            binding_status: filters.binding_status,
        };
        // Words that analyse to nothing ("!!!", "och") would match every answer.
        let no_words = analyzer::terms(&mut analyzer::swedish_content(), &words).is_empty();
        if no_words && stored == SavedFilters::default() {
            checks.fail("q", FieldProblem::WordsOrFilter);
        }
        checks.finish()?;
        let filters_json = serde_json::to_string(&stored)
            .map_err(|e| store::StoreError::Corrupt(format!("saved search filters: {e}")))?;
        let name = input.name.as_deref().unwrap_or("").trim().to_string();
        let notify = notify.unwrap_or(MailPreference::Immediate);
        let now = self.clock.now_naive();
        let mut c = self.conn()?;
        let row = store::write_tx(&mut c, |c| {
            if pb::saved_searches_of(c, actor.id)?.len() >= PER_PERSON {
                return Err(ServiceError::invalid(
                    "name",
                    FieldProblem::TooMany { max: PER_PERSON },
                ));
            }
            Ok(pb::insert_saved_search(
                c,
                actor.id,
                (&name, &words, &filters_json, notify.as_str()),
                now,
            )?)
        })?;
        self.saved_view(&row)
    }

    pub fn delete_saved_search(&self, actor: &Actor, id: i64) -> ServiceResult<()> {
        let mut c = self.conn()?;
        if store::write_tx(&mut c, |c| pb::delete_saved_search(c, actor.id, id))? {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Missing::SavedSearch(id)))
        }
    }

    /// A new answer (`answer_id` to `q`) is compared with every saved search: each that it
    /// matches (all its words and every filter) gains the answer in its feed, and its owner is
    /// mailed as the search and their own setting say. Not the answer's author: they know.
    pub(in crate::service) fn answer_published(
        &self,
        c: &mut DbConnection,
        q: &QuestionRow,
        answer_id: i64,
    ) -> ServiceResult<()> {
        let searches = pb::saved_searches_for_process(c, &q.process)?;
        if searches.is_empty() {
            return Ok(());
        }
        let a =
            qs::answer(c, answer_id)?.ok_or(ServiceError::NotFound(Missing::Answer(answer_id)))?;
        let mut analyzer = analyzer::swedish_content();
        let countries = store::from_json_list(&q.countries)?;
        let tags = store::from_json_list(&q.tags)?;
        let names: Vec<String> = countries.iter().map(|c| countries::in_swedish(c)).collect();
        let text = format!(
            "{} {} {} {} {}",
            q.title,
            q.body,
            a.body,
            tags.join(" "),
            names.join(" ")
        );
        let held: HashSet<String> = analyzer::terms(&mut analyzer, &text).into_iter().collect();
        let now = self.clock.now_naive();
        for s in searches {
            let given: SavedFilters = serde_json::from_str(&s.filters)
                .map_err(|e| store::StoreError::Corrupt(format!("saved search filters: {e}")))?;
            let wanted = Wanted {
                terms: analyzer::terms(&mut analyzer, &countries::with_current_names(&s.words)),
                filters: Filters {
                    process: given.process,
                    category: given.category,
                    country: given.country,
                    tag: given.tag,
                    level: given.level,
                    forum: given.forum,
                    binding_status: given.binding_status,
                    ..Filters::default()
                },
            };
            if !matches(&wanted, &held, q, &a, &countries, &tags) {
                continue;
            }
            pb::insert_hit(c, s.id, a.id, now)?;
            if Some(s.user_id) == a.author_id {
                continue;
            }
            let notify = MailPreference::parse(&s.notify).unwrap_or(MailPreference::Off);
            if let Some(user) = us::by_id(c, s.user_id)?.filter(|u| u.disabled_at.is_none()) {
                self.notify_saved_search(c, &user, notify, (q, &a), &s.name)?;
            }
        }
        Ok(())
    }
}

fn filter_query(f: &SavedFilters) -> SearchQuery {
    SearchQuery {
        process: f.process.clone(),
        category: f.category.clone(),
        country: f.country.clone(),
        tag: f.tag.clone(),
        level: f.level.clone(),
        forum: f.forum.clone(),
        binding_status: f.binding_status.clone(),
        ..SearchQuery::default()
    }
}

/// Whether answer `a` to `q` holds every word (as analysed terms) and meets every filter.
fn matches(
    w: &Wanted,
    held: &HashSet<String>,
    q: &QuestionRow,
    a: &AnswerRow,
    countries: &[String],
    tags: &[String],
) -> bool {
    let f = &w.filters;
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|v| v == have);
    w.terms.iter().all(|t| held.contains(t))
        && eq(&f.process, &q.process)
        && f.category
            .as_deref()
            .is_none_or(|c| q.category.as_deref() == Some(c))
        && f.country
            .as_deref()
            .is_none_or(|c| countries.iter().any(|h| h == c))
        && f.tag.as_deref().is_none_or(|t| tags.iter().any(|h| h == t))
        && eq(&f.level, a.level.as_str())
        && eq(&f.forum, &a.forum)
        && eq(&f.binding_status, a.binding_status.as_str())
}
