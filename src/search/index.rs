//! The search index: one document per question with all its answers; queries, filters,
//! facets and snippets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};
use utoipa::ToSchema;

use super::analyzer::{self, SWEDISH};
use super::SearchError;

mod combined;
mod counting;
mod document;
mod terms;
mod topk;

pub use counting::COUNT_SAMPLE;
pub use document::{is_current, schema, Fields, IndexedAnswer, QuestionDoc, FACETS};

/// Filters that narrow a search; each is an exact code.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub process: Option<String>,
    pub category: Option<String>,
    pub country: Option<String>,
    pub tag: Option<String>,
    pub level: Option<String>,
    pub forum: Option<String>,
    pub binding_status: Option<String>,
    pub status: Option<String>,
    /// Created at or after (inclusive), UTC.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Created before (exclusive), UTC.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitAnswer {
    pub id: i64,
    /// guidance, temporary, binding, superseded or withdrawn
    pub binding_status: String,
    pub forum: String,
    /// HTML: the matched words in `<b>`, everything else escaped.
    pub snippet: String,
    /// When it was given (absent for questions indexed before 0.2.8 until they are reindexed).
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// False for an answer that no longer holds (superseded or withdrawn): the pages label it.
    pub in_force: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    pub id: i64,
    pub reference: String,
    pub title: String,
    /// HTML: the title with matched words in `<b>`, everything else escaped.
    pub title_html: String,
    /// HTML: the best passage of the body with matched words in `<b>`.
    pub snippet: String,
    pub status: String,
    pub level: String,
    pub forum: String,
    pub process: String,
    /// Current answers first (binding, temporary, guidance), then superseded and withdrawn ones.
    pub answers: Vec<HitAnswer>,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<FacetCount>>,
    /// False when more than [`COUNT_SAMPLE`] questions matched: `total` is then an estimate
    /// and the facets count the sample.
    pub exact: bool,
}

/// How the words of a free-text query are scored (settings key `search.ranking`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ranking {
    /// One BM25 score per query word over the question's whole text (the `content` field):
    /// a word's rarity and a question's length are measured once, over what a reader sees,
    /// instead of per field, where a function word in a short title weighed like a rare one.
    /// An unquoted query's function and question words are left out, and the spellings of
    /// scanned documents are tried for words with "ö".
    #[default]
    Combined,
    /// The ranking before 0.2.7: per-field BM25 scores, weighted and summed. Kept to compare.
    Fields,
}

/// An open index with its reader; cheap to share between threads.
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub ranking: Ranking,
    /// The cursor of the commit the reader shows: a commit is on disk (and [`Self::cursor`]
    /// moves) a moment before the reader is reloaded, and a search in that moment would not
    /// yet find what the cursor says is indexed.
    visible: std::sync::Mutex<(i64, i64)>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when the folder is empty.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| SearchError::Io(format!("{}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(dir)
            .map_err(|e| SearchError::Io(format!("{}: {e}", dir.display())))?;
        let index = Index::open_or_create(directory, schema)?;
        analyzer::register(&index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let metas = index.load_metas()?;
        let visible = metas.payload.as_deref().map_or((0, 0), parse_cursor);
        Ok(SearchIndex {
            index,
            reader,
            fields,
            ranking: Ranking::default(),
            visible: std::sync::Mutex::new(visible),
        })
    }

    /// Shows searches everything committed so far (by this process's indexer or another's).
    pub fn reload(&self) -> Result<(), SearchError> {
        // The cursor first: a commit after it only makes the reader show more than it says.
        let cursor = self.cursor()?;
        self.reader.reload()?;
        match self.visible.lock() {
            Ok(mut v) => *v = cursor,
            Err(poisoned) => *poisoned.into_inner() = cursor,
        }
        Ok(())
    }

    /// The change-log position up to which searches find every change.
    pub fn visible_cursor(&self) -> (i64, i64) {
        match self.visible.lock() {
            Ok(v) => *v,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }

    /// The same index, scoring queries by `ranking`.
    pub fn with_ranking(mut self, ranking: Ranking) -> SearchIndex {
        self.ranking = ranking;
        self
    }

    /// The change-log position (transaction, change id) up to which the index is complete,
    /// from the last commit's payload.
    pub fn cursor(&self) -> Result<(i64, i64), SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.as_deref().map_or((0, 0), parse_cursor))
    }

    fn analyze(&self, tokenizer: &str, text: &str) -> Vec<String> {
        match self.index.tokenizers().get(tokenizer) {
            Some(mut a) => analyzer::terms(&mut a, text),
            None => Vec::new(),
        }
    }

    /// The text part of a query: bare words are OR'ed (BM25 ranks the best matches first),
    /// quoted phrases are required; compound parts match through their expansions, ranked
    /// lower. Wherever it can, the result is one flat union of term queries: that is the shape
    /// block-max WAND prunes, so a broad query does not score every document it matches.
    fn text_query(&self, searcher: &Searcher, q: &str) -> Option<TextQuery> {
        let f = &self.fields;
        let weighted = [
            (f.title, 3.0),
            (f.keywords, 2.0),
            (f.answers, 1.5),
            (f.body, 1.0),
            (f.answers_old, 0.3),
        ];
        let pair_fields = [
            (f.title_pairs, 3.0),
            (f.answers_pairs, 1.5),
            (f.body_pairs, 1.0),
        ];
        let mut words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut required: Vec<Vec<(Occur, Box<dyn Query>)>> = Vec::new();
        let mut highlight: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = BTreeSet::new();
        for (part, quoted) in split_quoted(q) {
            let terms = self.analyze(SWEDISH, part);
            for t in &terms {
                for field in [f.title, f.body, f.answers] {
                    highlight.push(term_clause(field, t, 1.0));
                }
            }
            if quoted && terms.len() > 1 {
                // A phrase is a sequence of adjacent pairs: one pair term for two words, a
                // phrase of pair terms for more.
                let pairs: Vec<String> = terms
                    .windows(2)
                    .map(|w| analyzer::pair(&w[0], &w[1]))
                    .collect();
                let alternatives = pair_fields
                    .iter()
                    .map(|(field, w)| match pairs.as_slice() {
                        [one] => term_clause(*field, one, *w),
                        _ => {
                            let phrase = PhraseQuery::new(
                                pairs
                                    .iter()
                                    .map(|p| Term::from_field_text(*field, p))
                                    .collect(),
                            );
                            (
                                Occur::Should,
                                Box::new(BoostQuery::new(Box::new(phrase), *w)) as Box<dyn Query>,
                            )
                        }
                    })
                    .collect();
                required.push(alternatives);
                continue;
            }
            if !quoted && self.ranking == Ranking::Combined {
                words.extend(self.combined_part(searcher, part, &mut seen));
                continue;
            }
            for term in &terms {
                if !quoted && !seen.insert(term.clone()) {
                    continue;
                }
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = weighted
                    .iter()
                    .map(|(field, w)| term_clause(*field, term, *w))
                    .collect();
                alternatives.extend(self.compound_parts(searcher, term, &[f.title, f.body]));
                if quoted {
                    required.push(alternatives);
                } else {
                    words.extend(alternatives);
                }
            }
        }
        let scoring: Box<dyn Query> = if required.is_empty() {
            if words.is_empty() {
                return None;
            }
            Box::new(BooleanQuery::new(words))
        } else if required.len() == 1 && words.is_empty() {
            // One required part alone: its alternatives, of which one must match, are a union.
            Box::new(BooleanQuery::new(required.into_iter().flatten().collect()))
        } else {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = required
                .into_iter()
                .map(|alternatives| {
                    (
                        Occur::Must,
                        Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>,
                    )
                })
                .collect();
            if !words.is_empty() {
                clauses.push((Occur::Should, Box::new(BooleanQuery::new(words))));
            }
            Box::new(BooleanQuery::new(clauses))
        };
        Some(TextQuery {
            scoring,
            highlight: Box::new(BooleanQuery::new(highlight)),
        })
    }

    /// Compound words: the term as the first part (konvertit → konvertitärenden) or the last
    /// part (through the reversed field: nätverk → prövningsstödsnätverket), each expanded to
    /// the indexed words of `fields` (or the reversed field) it is part of. Short terms would
    /// match too much.
    fn compound_parts(
        &self,
        searcher: &Searcher,
        term: &str,
        fields: &[Field],
    ) -> Vec<(Occur, Box<dyn Query>)> {
        if term.chars().count() < 5 || !term.chars().all(char::is_alphanumeric) {
            return Vec::new();
        }
        let reversed: String = term.chars().rev().collect();
        let mut out = Vec::new();
        let prefixes = fields
            .iter()
            .map(|f| (*f, term))
            .chain([(self.fields.compound_rev, reversed.as_str())]);
        for (field, prefix) in prefixes {
            for word in longer_words(searcher, field, prefix) {
                out.push(term_clause(field, &word, COMPOUND_WEIGHT));
            }
        }
        out
    }

    fn filter_queries(&self, filters: &Filters) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let exact = |field: Field, v: &Option<String>| {
            v.as_ref().map(|v| {
                (
                    Occur::Must,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>,
                )
            })
        };
        let mut out: Vec<(Occur, Box<dyn Query>)> = [
            exact(f.process, &filters.process),
            exact(f.category, &filters.category),
            exact(f.countries, &filters.country),
            exact(f.tags, &filters.tag),
            exact(f.level, &filters.level),
            exact(f.forum, &filters.forum),
            exact(f.binding, &filters.binding_status),
            exact(f.status, &filters.status),
        ]
        .into_iter()
        .flatten()
        .collect();
        if filters.from.is_some() || filters.to.is_some() {
            let bound = |t: Option<chrono::DateTime<chrono::Utc>>, inclusive: bool| match t {
                None => std::ops::Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_date_for_search(f.created, index_time(t));
                    if inclusive {
                        std::ops::Bound::Included(term)
                    } else {
                        std::ops::Bound::Excluded(term)
                    }
                }
            };
            out.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(filters.from, true),
                    bound(filters.to, false),
                )),
            ));
        }
        out
    }

    /// Searches: `q` is free text (words, "quoted phrases"); empty `q` lists by date.
    pub fn search(
        &self,
        q: &str,
        filters: &Filters,
        offset: usize,
        limit: usize,
        with_facets: bool,
    ) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let text = self.text_query(&searcher, q);
        let mut clauses = self.filter_queries(filters);
        let limit = limit.max(1);
        let (query, highlight): (Box<dyn Query>, Option<Box<dyn Query>>) = match text {
            // Alone, the text query stays the top-level union that block-max WAND prunes.
            Some(t) if clauses.is_empty() => (t.scoring, Some(t.highlight)),
            Some(t) => {
                clauses.push((Occur::Must, t.scoring));
                (Box::new(BooleanQuery::new(clauses)), Some(t.highlight))
            }
            None if clauses.is_empty() => (Box::new(AllQuery), None),
            None => (Box::new(BooleanQuery::new(clauses)), None),
        };
        let exact_total = highlight.is_none();
        // Counting and the facets need no scores and nothing from the ranking: they run on a
        // second thread while this one ranks and cuts the snippets, so one search takes the
        // longer of the two instead of their sum.
        let (counted, hits) = std::thread::scope(|scope| {
            let counting =
                scope.spawn(|| self.count(&searcher, query.as_ref(), with_facets, exact_total));
            let hits = self.ranked_hits(&searcher, query.as_ref(), highlight, offset, limit);
            let counted = counting
                .join()
                .map_err(|_| SearchError::Index("counting the matches failed".into()));
            (counted, hits)
        });
        let counted = counted??;
        let hits = hits?;
        Ok(SearchResults {
            total: counted.total,
            hits,
            facets: counted.facets,
            exact: counted.exact,
        })
    }

    /// The page of hits: by score for a text query, newest first for a listing.
    fn ranked_hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        highlight: Option<Box<dyn Query>>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let docs: Vec<(f32, DocAddress)> = if highlight.is_some() {
            let mut best = self.top_by_score(searcher, query, offset + limit)?;
            best.drain(..offset.min(best.len()));
            best
        } else {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<DateTime>("created", Order::Desc);
            searcher
                .search(query, &top)?
                .into_iter()
                .map(|(_, a)| (0.0, a))
                .collect()
        };
        let highlight = highlight.unwrap_or_else(|| Box::new(AllQuery));
        self.hits(searcher, highlight.as_ref(), &docs)
    }

    fn hits(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        docs: &[(f32, DocAddress)],
    ) -> Result<Vec<Hit>, SearchError> {
        let f = &self.fields;
        let mut title_gen = SnippetGenerator::create(searcher, query, f.title)?;
        title_gen.set_max_num_chars(400);
        let mut body_gen = SnippetGenerator::create(searcher, query, f.body)?;
        body_gen.set_max_num_chars(240);
        let mut answer_gen = SnippetGenerator::create(searcher, query, f.answers)?;
        answer_gen.set_max_num_chars(200);
        let mut hits = Vec::with_capacity(docs.len());
        for (score, addr) in docs {
            let doc: TantivyDocument = searcher.doc(*addr)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let title = text(f.title);
            let body = text(f.body);
            let answers: Vec<IndexedAnswer> =
                serde_json::from_str(&text(f.answers_json)).unwrap_or_default();
            let mut hit_answers: Vec<HitAnswer> = answers
                .iter()
                .map(|a| HitAnswer {
                    id: a.id,
                    binding_status: a.binding_status.clone(),
                    answered_at: a.answered_at,
                    in_force: is_current(&a.binding_status),
                    forum: a.forum.clone(),
                    snippet: lead_or_snippet(&answer_gen, &a.body, 200),
                })
                .collect();
            hit_answers.sort_by_key(|a| answer_rank(&a.binding_status));
            hits.push(Hit {
                id: doc
                    .get_first(f.id)
                    .and_then(|v| v.as_u64())
                    .and_then(|v| i64::try_from(v).ok())
                    .unwrap_or_default(),
                reference: text(f.reference),
                title_html: lead_or_snippet(&title_gen, &title, 400),
                snippet: lead_or_snippet(&body_gen, &body, 240),
                title,
                status: text(f.status),
                level: text(f.level),
                forum: text(f.forum),
                process: text(f.process),
                answers: hit_answers,
                score: *score,
            });
        }
        Ok(hits)
    }

    /// Whether the index, as searches see it now, holds answer `answer` of question `question`:
    /// the consistency watch compares an answer only once the change that made it is in the
    /// index, together with everything committed with it.
    pub fn holds_answer(&self, question: i64, answer: i64) -> Result<bool, SearchError> {
        let searcher = self.reader.searcher();
        let Ok(id) = u64::try_from(question) else {
            return Ok(false);
        };
        let query = TermQuery::new(
            Term::from_field_u64(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        let Some((_, address)) = top.first() else {
            return Ok(false);
        };
        let doc: TantivyDocument = searcher.doc(*address)?;
        let fingerprint = doc
            .get_first(self.fields.fingerprint)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let mark = format!("a{answer}.");
        Ok(fingerprint.split(':').any(|part| part.starts_with(&mark)))
    }

    /// Question ids and fingerprints of every indexed question, for convergence checks.
    pub fn fingerprints(&self) -> Result<BTreeMap<i64, String>, SearchError> {
        // Another process (or thread) may have committed since this reader was last reloaded.
        self.reload()?;
        let searcher = self.reader.searcher();
        let f = &self.fields;
        let mut out = BTreeMap::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| SearchError::Io(e.to_string()))?;
            for doc_id in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let id = doc
                    .get_first(f.id)
                    .and_then(|v| v.as_u64())
                    .and_then(|v| i64::try_from(v).ok());
                let fp = doc
                    .get_first(f.fingerprint)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                if let Some(id) = id {
                    out.insert(id, fp);
                }
            }
        }
        Ok(out)
    }
}

/// A text query in its two uses: `scoring` finds and ranks; `highlight` holds the plain words
/// for the snippets (the pair terms of phrases live in fields no snippet shows).
struct TextQuery {
    scoring: Box<dyn Query>,
    highlight: Box<dyn Query>,
}

/// Weight of a compound-word match relative to the exact word.
const COMPOUND_WEIGHT: f32 = 0.3;
/// Compound expansions per query word and field, the most frequent first: a common stem
/// must not turn one word into thousands of clauses.
const MAX_EXPANSIONS: usize = 16;

fn term_clause(field: Field, text: &str, weight: f32) -> (Occur, Box<dyn Query>) {
    let query = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    (
        Occur::Should,
        Box::new(BoostQuery::new(Box::new(query), weight)),
    )
}

/// The indexed words of `field` that start with `prefix` and are longer than it, most
/// frequent first, at most [`MAX_EXPANSIONS`].
fn longer_words(searcher: &Searcher, field: Field, prefix: &str) -> Vec<String> {
    let mut freq: HashMap<Vec<u8>, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(field) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().range().gt(prefix.as_bytes()).into_stream() else {
            continue;
        };
        while stream.advance() {
            if !stream.key().starts_with(prefix.as_bytes()) {
                break;
            }
            *freq.entry(stream.key().to_vec()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    let mut words: Vec<(u64, Vec<u8>)> = freq.into_iter().map(|(w, n)| (n, w)).collect();
    words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    words
        .into_iter()
        .take(MAX_EXPANSIONS)
        .filter_map(|(_, w)| String::from_utf8(w).ok())
        .collect()
}

/// Current answers first, binding before temporary before guidance; then the rest.
fn answer_rank(status: &str) -> u8 {
    match status {
        "binding" => 0,
        "temporary" => 1,
        "guidance" => 2,
        "superseded" => 3,
        _ => 4,
    }
}

/// The snippet, or when nothing matched in this text, its escaped beginning.
fn lead_or_snippet(generator: &SnippetGenerator, text: &str, max: usize) -> String {
    let snippet = generator.snippet(text);
    if !snippet.is_empty() {
        return snippet.to_html();
    }
    let lead: String = text.chars().take(max).collect();
    let ellipsis = if lead.len() < text.len() { "…" } else { "" };
    format!("{}{ellipsis}", escape_html(&lead))
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Splits a query into bare and quoted parts; an unclosed quote runs to the end.
pub fn split_quoted(q: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    for (i, part) in q.split('"').enumerate() {
        if !part.trim().is_empty() {
            out.push((part, i % 2 == 1));
        }
    }
    out
}

/// The commit payload that records the change-log position `(txid, id)`.
pub fn cursor_payload((txid, id): (i64, i64)) -> String {
    format!("{txid}:{id}")
}

/// Reads a commit payload: "txid:id", or a bare id as written before the log had transaction
/// ids (those changes all carry transaction 0). Anything else starts from the beginning.
fn parse_cursor(payload: &str) -> (i64, i64) {
    let p = payload.trim();
    let parsed = match p.split_once(':') {
        Some((t, i)) => t.parse().ok().zip(i.parse().ok()),
        None => p.parse().ok().map(|i| (0, i)),
    };
    parsed.unwrap_or((0, 0))
}

/// An instant as tantivy keeps it, in nanoseconds since 1970: only the years 1678 to 2262 fit,
/// so earlier and later instants are held at those ends (no question lies beyond them, and a
/// filter bound beyond them means "everything on that side").
fn index_time(t: chrono::DateTime<chrono::Utc>) -> DateTime {
    const LIMIT: i64 = i64::MAX / 1_000;
    DateTime::from_timestamp_micros(t.timestamp_micros().clamp(-LIMIT, LIMIT))
}

#[cfg(test)]
mod tests;
