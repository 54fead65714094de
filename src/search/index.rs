//! The search index: one document per question with all its answers; queries, filters,
//! facets and snippets.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::path::Path;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, DocAddress, DocSet, Index, IndexReader, Order, ReloadPolicy, Searcher,
    TantivyDocument, Term, TERMINATED,
};
use utoipa::ToSchema;

use super::analyzer::{self, SWEDISH, SWEDISH_CONTENT, SWEDISH_PAIRS, SWEDISH_REVERSED};
use super::SearchError;

mod combined;

/// Field handles, looked up once.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub reference: Field,
    pub title: Field,
    pub body: Field,
    pub answers: Field,
    pub answers_old: Field,
    /// Title, body, current answers and tags as one text: one BM25 score per word over the
    /// whole question (see [`Ranking::Combined`]).
    pub content: Field,
    pub exact: Field,
    pub keywords: Field,
    pub compound_rev: Field,
    pub title_pairs: Field,
    pub body_pairs: Field,
    pub answers_pairs: Field,
    pub answers_json: Field,
    pub process: Field,
    pub category: Field,
    pub status: Field,
    pub level: Field,
    pub forum: Field,
    pub tags: Field,
    pub countries: Field,
    pub binding: Field,
    pub created: Field,
    pub boost: Field,
    pub fingerprint: Field,
}

/// The facet fields and the request parameter each one answers to.
pub const FACETS: &[&str] = &[
    "process",
    "category",
    "tags",
    "countries",
    "level",
    "forum",
    "binding_status",
    "status",
];

pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tokenizer: &str, stored: bool| {
        let o = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        if stored {
            o.set_stored()
        } else {
            o
        }
    };
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        reference: b.add_text_field("reference", STRING | STORED),
        title: b.add_text_field("title", text(SWEDISH, true)),
        body: b.add_text_field("body", text(SWEDISH, true)),
        answers: b.add_text_field("answers", text(SWEDISH, false)),
        answers_old: b.add_text_field("answers_old", text(SWEDISH, false)),
        content: b.add_text_field(
            "content",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(SWEDISH)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        exact: b.add_text_field(
            "exact",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer::SWEDISH_EXACT)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        keywords: b.add_text_field("keywords", text(SWEDISH, false)),
        compound_rev: b.add_text_field(
            "compound_rev",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(SWEDISH_REVERSED)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        title_pairs: b.add_text_field("title_pairs", text(SWEDISH_PAIRS, false)),
        body_pairs: b.add_text_field("body_pairs", text(SWEDISH_PAIRS, false)),
        answers_pairs: b.add_text_field("answers_pairs", text(SWEDISH_PAIRS, false)),
        answers_json: b.add_text_field("answers_json", STORED),
        process: b.add_text_field("process", STRING | FAST | STORED),
        category: b.add_text_field("category", STRING | FAST),
        status: b.add_text_field("status", STRING | FAST | STORED),
        level: b.add_text_field("level", STRING | FAST | STORED),
        forum: b.add_text_field("forum", STRING | FAST | STORED),
        tags: b.add_text_field("tags", STRING | FAST),
        countries: b.add_text_field("countries", STRING | FAST),
        binding: b.add_text_field("binding_status", STRING | FAST),
        created: b.add_date_field("created", INDEXED | FAST | STORED),
        boost: b.add_f64_field("boost", FAST),
        fingerprint: b.add_text_field("fingerprint", STRING | STORED),
    };
    (b.build(), fields)
}

/// An answer as the index keeps it for display.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct IndexedAnswer {
    pub id: i64,
    pub binding_status: String,
    pub forum: String,
    pub body: String,
    /// When it was given; absent in documents indexed before 0.2.8 (until `eskalera reindex`
    /// or the question's next change).
    #[serde(default)]
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Everything the index holds about one question.
#[derive(Debug, Clone, Default)]
pub struct QuestionDoc {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub body: String,
    pub process: String,
    pub category: Option<String>,
    pub status: String,
    pub level: String,
    pub forum: String,
    pub tags: Vec<String>,
    pub countries: Vec<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub answers: Vec<IndexedAnswer>,
    /// Changes whenever the question or one of its answers changes (convergence checks).
    pub fingerprint: String,
}

/// The largest [`boost`]: top-k pruning needs an upper bound of the multiplier.
const MAX_BOOST: f32 = 1.6;

/// A question whose every answer no longer holds (superseded or withdrawn) ranks this much
/// lower: its answers are history, and a question that answers the same today should come first.
const NO_ANSWER_IN_FORCE: f64 = 0.8;

/// Answers in force rank their question higher, binding most; a question answered only by
/// answers that no longer hold ranks lower than one never answered.
fn boost(answers: &[IndexedAnswer]) -> f64 {
    if !answers.is_empty() && !answers.iter().any(|a| is_current(&a.binding_status)) {
        return NO_ANSWER_IN_FORCE;
    }
    answers
        .iter()
        .map(|a| match a.binding_status.as_str() {
            "binding" => 1.6,
            "temporary" => 1.3,
            _ => 1.0,
        })
        .fold(1.0, f64::max)
}

pub fn is_current(binding_status: &str) -> bool {
    matches!(binding_status, "guidance" | "temporary" | "binding")
}

impl QuestionDoc {
    pub fn to_document(&self, f: &Fields) -> TantivyDocument {
        let mut d = TantivyDocument::default();
        d.add_u64(f.id, u64::try_from(self.id).unwrap_or_default());
        d.add_text(f.reference, &self.reference);
        d.add_text(f.title, &self.title);
        d.add_text(f.body, &self.body);
        d.add_text(f.content, &self.title);
        d.add_text(f.content, &self.body);
        d.add_text(f.exact, &self.title);
        d.add_text(f.exact, &self.body);
        for a in &self.answers {
            if is_current(&a.binding_status) {
                d.add_text(f.content, &a.body);
                d.add_text(f.exact, &a.body);
            }
        }
        for t in &self.tags {
            d.add_text(f.content, t);
        }
        for a in &self.answers {
            let field = if is_current(&a.binding_status) {
                f.answers
            } else {
                f.answers_old
            };
            d.add_text(field, &a.body);
            if is_current(&a.binding_status) {
                d.add_text(f.answers_pairs, &a.body);
            }
            d.add_text(f.binding, &a.binding_status);
            d.add_text(f.compound_rev, &a.body);
        }
        for t in &self.tags {
            d.add_text(f.keywords, t);
            d.add_text(f.tags, t);
        }
        for c in &self.countries {
            d.add_text(f.countries, c);
        }
        d.add_text(f.compound_rev, &self.title);
        d.add_text(f.compound_rev, &self.body);
        d.add_text(f.title_pairs, &self.title);
        d.add_text(f.body_pairs, &self.body);
        d.add_text(
            f.answers_json,
            serde_json::to_string(&self.answers).unwrap_or_default(),
        );
        d.add_text(f.process, &self.process);
        if let Some(c) = &self.category {
            d.add_text(f.category, c);
        }
        d.add_text(f.status, &self.status);
        d.add_text(f.level, &self.level);
        d.add_text(f.forum, &self.forum);
        d.add_date(f.created, index_time(self.created_at));
        d.add_f64(f.boost, boost(&self.answers));
        d.add_text(f.fingerprint, &self.fingerprint);
        d
    }
}

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

    /// The `k` best documents by BM25 × their binding boost, best first. tantivy's TopDocs with
    /// a score tweak would score every match; here the weight prunes on the unboosted score
    /// (block-max WAND for a union of terms) against the k-th boosted score divided by the
    /// largest boost, a bound below which no document can still reach the top k.
    ///
    /// A large index is ranked on two threads, each over half of the documents: the slowest
    /// queries (a common word, so that most blocks hold a candidate) spend nearly all their
    /// time here.
    fn top_by_score(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        k: usize,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        self.top_k(searcher, query, k, PARALLEL_RANKING_DOCS)
    }

    /// [`Self::top_by_score`], on two threads from `parallel_from` documents up.
    fn top_k(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        k: usize,
        parallel_from: u64,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        let weight = query.weight(EnableScoring::enabled_from_searcher(searcher))?;
        let segments = searcher.segment_readers();
        let top_k = TopK {
            weight: weight.as_ref(),
            segments,
            k,
        };
        let (mine, theirs) = if segments.len() > 1 && searcher.num_docs() >= parallel_from {
            let [first, second] = halves(segments);
            std::thread::scope(|scope| {
                let helper = scope.spawn(|| top_k.run(&second));
                let mine = top_k.run(&first);
                let theirs = helper
                    .join()
                    .map_err(|_| SearchError::Index("ranking the matches failed".into()));
                (mine, theirs)
            })
        } else {
            let all: Vec<usize> = (0..segments.len()).collect();
            (top_k.run(&all), Ok(Ok(BinaryHeap::new())))
        };
        let mut top = mine?;
        top.extend(theirs??);
        Ok(top
            .into_sorted_vec()
            .into_iter()
            .take(k)
            .map(|r| (r.score, r.address))
            .collect())
    }

    /// Counts the matches and the facet values of the first [`COUNT_SAMPLE`] of them, without
    /// scoring. Beyond the sample a text query's total is estimated from the share of the
    /// documents the sample covered (doc-id order, so the sample is spread over the whole
    /// history); `exact_total` counts on instead, for the filter-only listings whose totals
    /// people check against other lists.
    fn count(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        with_facets: bool,
        exact_total: bool,
    ) -> Result<Counted, SearchError> {
        self.count_sampling(searcher, query, with_facets, exact_total, COUNT_SAMPLE)
    }

    fn count_sampling(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        with_facets: bool,
        exact_total: bool,
        sample: usize,
    ) -> Result<Counted, SearchError> {
        let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
        let segments = searcher.segment_readers();
        let mut total = 0usize;
        let mut sampled = 0usize;
        let mut estimate: Option<f64> = None;
        let mut values: BTreeMap<&'static str, HashMap<String, u64>> = BTreeMap::new();
        // Documents of the segments already walked to their end, for the density estimate.
        let mut walked = 0f64;
        for (i, segment) in segments.iter().enumerate() {
            if sampled >= sample {
                // Only exact counting gets here: the segment's count needs no document visit
                // for a term without deletions.
                total += weight.count(segment)? as usize;
                continue;
            }
            let mut columns = with_facets.then(|| FacetColumns::open(segment));
            let alive = segment.alive_bitset();
            let mut scorer = weight.scorer(segment, 1.0)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    if sampled == sample && !exact_total {
                        // The density over every document walked so far: the current
                        // segment alone may have been entered only a few documents ago.
                        let density = total as f64 / (walked + f64::from(doc.max(1)));
                        let rest = f64::from(segment.max_doc() - doc)
                            + segments[i + 1..]
                                .iter()
                                .map(|s| f64::from(s.num_docs()))
                                .sum::<f64>();
                        estimate = Some(total as f64 + density * rest);
                        break;
                    }
                    total += 1;
                    if sampled < sample {
                        sampled += 1;
                        if let Some(c) = columns.as_mut() {
                            c.count(doc);
                        }
                    }
                }
                doc = scorer.advance();
            }
            if let Some(c) = columns {
                c.add_to(&mut values);
            }
            if estimate.is_some() {
                break;
            }
            walked += f64::from(segment.max_doc());
        }
        let facets = if with_facets {
            FACETS
                .iter()
                .map(|name| {
                    let mut counts: Vec<FacetCount> = values
                        .remove(name)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(value, count)| FacetCount { value, count })
                        .collect();
                    counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
                    counts.truncate(FACET_VALUES);
                    ((*name).to_string(), counts)
                })
                .collect()
        } else {
            BTreeMap::new()
        };
        Ok(Counted {
            // Two significant figures: more would pretend a precision the estimate lacks.
            total: estimate.map_or(total, round_estimate),
            facets,
            exact: sampled == total && estimate.is_none(),
        })
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

    /// The terms of `text` that say most about it (rarest in the index first), for "similar".
    pub fn significant_terms(&self, text: &str, max: usize) -> Vec<String> {
        let searcher = self.reader.searcher();
        let mut terms = self.analyze(SWEDISH, text);
        terms.sort();
        terms.dedup();
        let docs = searcher.num_docs().max(1);
        let mut scored: Vec<(u64, String)> = terms
            .into_iter()
            .filter(|t| t.chars().count() >= 3)
            .map(|t| {
                let df = searcher
                    .doc_freq(&Term::from_field_text(self.fields.body, &t))
                    .unwrap_or(0);
                (df, t)
            })
            // Words in most questions (och, att, frågan) say nothing about this one.
            .filter(|(df, _)| *df * 3 < docs || docs < 20)
            .collect();
        scored.sort();
        scored.into_iter().take(max).map(|(_, t)| t).collect()
    }
}

impl SearchIndex {
    /// The words of a question's title and body that say most about it, title first, for
    /// finding questions like it.
    pub fn question_terms(&self, title: &str, body: &str) -> Vec<String> {
        let mut terms = self.significant_terms(title, 12);
        for t in self.significant_terms(body, 20) {
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        terms
    }

    /// Each analysed word of a question as it was first written there, lower-cased: what the
    /// consistency watch shows a reviewer instead of the stem ("demonstrationerna", not
    /// "demonstration").
    pub fn written_forms(&self, title: &str, body: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for word in title.split_whitespace().chain(body.split_whitespace()) {
            let word = word.trim_matches(|c: char| !c.is_alphanumeric());
            if let [term] = self.analyze(SWEDISH_CONTENT, word).as_slice() {
                out.entry(term.clone())
                    .or_insert_with(|| word.to_lowercase());
            }
        }
        out
    }

    /// A question's analysed words with weights for comparing questions: sublinear term
    /// frequency (words of the title and of the body's questions, the sentences ending in "?",
    /// count double: they say what is asked, the rest says about whom) × their rarity in the
    /// snapshot ([`super::rarity`]), not in the live index, so that a pair scores the same on
    /// every run and every instance. Words found in most questions say nothing about one and
    /// are left out.
    pub fn term_weights(&self, title: &str, body: &str) -> BTreeMap<String, f64> {
        let rarity = super::rarity::snapshot();
        let mut tf: BTreeMap<String, f64> = BTreeMap::new();
        let sentences = body
            .split_inclusive(['.', '?', '!'])
            .map(|s| (s, if s.ends_with('?') { 2.0 } else { 1.0 }));
        for (text, weight) in std::iter::once((title, 2.0)).chain(sentences) {
            for t in self.analyze(SWEDISH_CONTENT, text) {
                if t.chars().count() >= super::rarity::MIN_CHARS {
                    *tf.entry(t).or_default() += weight;
                }
            }
        }
        tf.into_iter()
            .filter_map(|(t, n)| {
                let idf = rarity.idf(&t)?;
                Some((t, (1.0 + n.ln()) * idf))
            })
            .collect()
    }
}

/// Below this many documents one thread ranks: a second one would cost more than it saves.
const PARALLEL_RANKING_DOCS: u64 = 200_000;

/// The segments in two lists of about the same number of documents, the largest placed first
/// (the same split for the same segments, so the same query ranks the same every time).
fn halves(segments: &[tantivy::SegmentReader]) -> [Vec<usize>; 2] {
    let mut order: Vec<usize> = (0..segments.len()).collect();
    order.sort_by_key(|i| (std::cmp::Reverse(segments[*i].max_doc()), *i));
    let mut halves: [(u64, Vec<usize>); 2] = [(0, Vec::new()), (0, Vec::new())];
    for i in order {
        let lighter = usize::from(halves[1].0 < halves[0].0);
        halves[lighter].0 += u64::from(segments[i].max_doc());
        halves[lighter].1.push(i);
    }
    let [(_, first), (_, second)] = halves;
    [first, second]
}

/// One top-k search of [`SearchIndex::top_by_score`], shared by the threads that run it.
struct TopK<'a> {
    weight: &'a dyn tantivy::query::Weight,
    segments: &'a [tantivy::SegmentReader],
    k: usize,
}

impl TopK<'_> {
    /// The k best of the segments `ords`, ranked in that order. Each thread prunes with its
    /// own k-th score only: a floor shared between threads would let the thread that
    /// reaches a tie first decide which of the tied documents are kept, and a page could
    /// differ between two identical searches.
    fn run(&self, ords: &[usize]) -> Result<BinaryHeap<Ranked>, SearchError> {
        let k = self.k;
        let mut top: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
        let threshold = |top: &BinaryHeap<Ranked>| match top.peek() {
            Some(worst) if top.len() >= k => worst.score / MAX_BOOST,
            _ => f32::MIN,
        };
        for &ord in ords {
            let Some(segment) = self.segments.get(ord) else {
                continue;
            };
            let segment_ord = u32::try_from(ord).unwrap_or(u32::MAX);
            let boosts = segment
                .fast_fields()
                .f64("boost")
                .ok()
                .map(|c| c.first_or_default_col(1.0));
            let alive = segment.alive_bitset();
            let start = threshold(&top);
            self.weight
                .for_each_pruning(start, segment, &mut |doc, score| {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        let boost = boosts.as_ref().map_or(1.0, |b| b.get_val(doc) as f32);
                        let ranked = Ranked {
                            score: score * boost,
                            address: DocAddress::new(segment_ord, doc),
                        };
                        if top.len() < k {
                            top.push(ranked);
                        } else if top.peek().is_some_and(|worst| ranked < *worst) {
                            top.pop();
                            top.push(ranked);
                        }
                    }
                    threshold(&top)
                })?;
        }
        Ok(top)
    }
}

/// A document in the running top k. Ordered worst first (lower score, then later address), so
/// that the max-heap's top is the one to drop.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    score: f32,
    address: DocAddress,
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.address.cmp(&other.address))
    }
}

/// A text query in its two uses: `scoring` finds and ranks; `highlight` holds the plain words
/// for the snippets (the pair terms of phrases live in fields no snippet shows).
struct TextQuery {
    scoring: Box<dyn Query>,
    highlight: Box<dyn Query>,
}

struct Counted {
    total: usize,
    facets: BTreeMap<String, Vec<FacetCount>>,
    exact: bool,
}

/// Matches visited to count and to count facet values: beyond it a text query's total is an
/// estimate and the facets count the sample (flagged `exact: false`), since visiting every one
/// of half a million matches would cost more than the whole rest of the search.
pub const COUNT_SAMPLE: usize = 20_000;

fn round_estimate(e: f64) -> usize {
    let magnitude = 10f64.powi((e.max(1.0).log10().floor() as i32 - 1).max(0));
    ((e / magnitude).round() * magnitude) as usize
}
/// Values listed per facet, most frequent first.
const FACET_VALUES: usize = 60;
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

/// The facet columns of one segment with a counter per dictionary entry.
struct FacetColumns {
    columns: Vec<(&'static str, tantivy::columnar::StrColumn, Vec<u64>)>,
    /// The segment's sampled documents, counted together in [`Self::add_to`]: a column read
    /// for many documents at once unpacks its values in batches.
    docs: Vec<tantivy::DocId>,
}

impl FacetColumns {
    fn open(segment: &tantivy::SegmentReader) -> FacetColumns {
        let columns = FACETS
            .iter()
            .filter_map(|name| {
                let column = segment.fast_fields().str(name).ok().flatten()?;
                let counts = vec![0; column.num_terms()];
                Some((*name, column, counts))
            })
            .collect();
        FacetColumns {
            columns,
            docs: Vec::new(),
        }
    }

    fn count(&mut self, doc: tantivy::DocId) {
        self.docs.push(doc);
    }

    /// Counts each document once per distinct value (an answer status may occur twice) and
    /// adds the counts by value to `out`.
    fn add_to(mut self, out: &mut BTreeMap<&'static str, HashMap<String, u64>>) {
        let mut firsts = Vec::new();
        let mut seen = Vec::new();
        for (_, column, counts) in &mut self.columns {
            let mut add = |ord: u64| {
                if let Some(c) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                    *c += 1;
                }
            };
            let ords = column.ords();
            if ords.get_cardinality() == tantivy::columnar::Cardinality::Multivalued {
                for &doc in &self.docs {
                    seen.clear();
                    for ord in ords.values_for_doc(doc) {
                        if !seen.contains(&ord) {
                            seen.push(ord);
                            add(ord);
                        }
                    }
                }
            } else {
                firsts.clear();
                firsts.resize(self.docs.len(), None);
                ords.first_vals(&self.docs, &mut firsts);
                firsts.iter().flatten().for_each(|&ord| add(ord));
            }
        }
        let mut value = String::new();
        for (name, column, counts) in self.columns {
            let target = out.entry(name).or_default();
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                value.clear();
                if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
                    *target.entry(value.clone()).or_default() += n;
                }
            }
        }
    }
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
mod tests {
    #[test]
    fn the_cursor_payload_reads_back_and_an_old_bare_id_means_transaction_zero() {
        assert_eq!(parse_cursor(&cursor_payload((812, 40))), (812, 40));
        assert_eq!(parse_cursor("1234"), (0, 1234));
        assert_eq!(parse_cursor(" 7:9\n"), (7, 9));
        assert_eq!(parse_cursor("x:1"), (0, 0));
        assert_eq!(parse_cursor(""), (0, 0));
    }

    use super::*;

    const WORDS: [&str; 12] = [
        "frågan",
        "nätverket",
        "konvertiter",
        "trovärdighet",
        "beslut",
        "och",
        "i",
        "att",
        "prövningsstödsnätverket",
        "belarus",
        "rättsliga",
        "kvaliteten",
    ];

    /// An index of generated questions with every binding status, in several segments and
    /// with deleted documents, so that pruning meets all its cases.
    fn generated_index(dir: &Path) -> SearchIndex {
        let index = SearchIndex::open(dir).unwrap();
        let mut writer: tantivy::IndexWriter = index.index.writer(50_000_000).unwrap();
        let statuses = [
            "guidance",
            "temporary",
            "binding",
            "superseded",
            "withdrawn",
        ];
        let mut x: u64 = 7;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for id in 0..1500i64 {
            let text = |next: &mut dyn FnMut(usize) -> usize, len: usize| {
                (0..len)
                    .map(|_| WORDS[next(WORDS.len())])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let answers = (0..next(3))
                .map(|i| IndexedAnswer {
                    answered_at: None,
                    id: id * 10 + i as i64,
                    binding_status: statuses[next(statuses.len())].to_string(),
                    forum: "nn-asyl".into(),
                    body: text(&mut next, 8),
                })
                .collect();
            let doc = QuestionDoc {
                id,
                reference: format!("PS-{id}"),
                title: text(&mut next, 4),
                body: text(&mut next, 12),
                process: "asyl".into(),
                status: "answered".into(),
                level: "unit".into(),
                forum: "u-x".into(),
                answers,
                ..Default::default()
            };
            writer.add_document(doc.to_document(&index.fields)).unwrap();
            if id % 500 == 499 {
                writer.commit().unwrap();
            }
        }
        for id in (0..1500u64).step_by(7) {
            writer.delete_term(Term::from_field_u64(index.fields.id, id));
        }
        writer.commit().unwrap();
        index.reader.reload().unwrap();
        index
    }

    #[test]
    fn the_visible_cursor_waits_for_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut writer: tantivy::IndexWriter = index.index.writer(15_000_000).unwrap();
        let doc = QuestionDoc {
            id: 1,
            title: "konvertit".into(),
            ..Default::default()
        };
        writer.add_document(doc.to_document(&index.fields)).unwrap();
        let mut prepared = writer.prepare_commit().unwrap();
        prepared.set_payload(&cursor_payload((5, 9)));
        prepared.commit().unwrap();
        // Committed, not yet shown: the cursor has moved, what searches see has not.
        assert_eq!(index.cursor().unwrap(), (5, 9));
        assert_eq!(index.visible_cursor(), (0, 0));
        let found = |i: &SearchIndex| {
            i.search("konvertit", &Filters::default(), 0, 10, false)
                .unwrap()
                .total
        };
        assert_eq!(found(&index), 0);
        index.reload().unwrap();
        assert_eq!(index.visible_cursor(), (5, 9));
        assert_eq!(found(&index), 1);
        // Reopened, the index shows its last commit.
        drop(writer);
        drop(index);
        assert_eq!(
            SearchIndex::open(dir.path()).unwrap().visible_cursor(),
            (5, 9)
        );
    }

    #[test]
    fn pruned_top_k_is_the_exhaustive_ranking() {
        let dir = tempfile::tempdir().unwrap();
        let index = generated_index(dir.path());
        let searcher = index.reader.searcher();
        assert!(searcher.segment_readers().len() > 1);
        for q in [
            "frågan",
            "nätverk konvertit",
            "och i att",
            "\"rättsliga kvaliteten\"",
            "\"och i att\"",
            "belarus \"beslut och\"",
        ] {
            let query = index.text_query(&searcher, q).unwrap().scoring;
            for (k, parallel_from) in [1, 5, 20, 100]
                .into_iter()
                .flat_map(|k| [(k, u64::MAX), (k, 0)])
            {
                let pruned = index
                    .top_k(&searcher, query.as_ref(), k, parallel_from)
                    .unwrap();
                let exhaustive =
                    TopDocs::with_limit(k).tweak_score(|segment: &tantivy::SegmentReader| {
                        let boosts = segment
                            .fast_fields()
                            .f64("boost")
                            .unwrap()
                            .first_or_default_col(1.0);
                        move |doc: tantivy::DocId, score: tantivy::Score| {
                            score * boosts.get_val(doc) as f32
                        }
                    });
                let expected = searcher.search(query.as_ref(), &exhaustive).unwrap();
                // Block-max WAND sums the terms in another order: equal up to rounding.
                assert_eq!(pruned.len(), expected.len(), "{q} k={k} {parallel_from}");
                for (p, e) in pruned.iter().zip(&expected) {
                    assert!(
                        (p.0 - e.0).abs() <= 1e-5 * e.0.abs(),
                        "{q} k={k}: {p:?} {e:?}"
                    );
                }
                assert!(!pruned.is_empty(), "{q}");
            }
            let counted = index.count(&searcher, query.as_ref(), true, false).unwrap();
            let all = searcher
                .search(query.as_ref(), &tantivy::collector::Count)
                .unwrap();
            assert_eq!(counted.total, all, "{q}");
            assert!(counted.exact);
            let statuses: u64 = counted.facets["status"].iter().map(|c| c.count).sum();
            // Past a sample the total of a text query is estimated, and close.
            let sampled = index
                .count_sampling(&searcher, query.as_ref(), true, false, 100)
                .unwrap();
            if all > 150 {
                assert!(!sampled.exact);
                let ratio = sampled.total as f64 / all as f64;
                assert!(
                    (0.75..1.33).contains(&ratio),
                    "{q}: {} for {all}",
                    sampled.total
                );
                let in_sample: u64 = sampled.facets["status"].iter().map(|c| c.count).sum();
                assert_eq!(in_sample, 100);
            }
            let exact = index
                .count_sampling(&searcher, query.as_ref(), false, true, 100)
                .unwrap();
            assert_eq!(exact.total, all, "{q}");
            assert_eq!(statuses as usize, all, "{q}");
        }
    }

    #[test]
    fn the_halves_share_out_the_documents_evenly_and_the_same_way_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let index = generated_index(dir.path());
        let searcher = index.reader.searcher();
        let segments = searcher.segment_readers();
        let [a, b] = halves(segments);
        let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..segments.len()).collect::<Vec<_>>());
        let docs = |h: &[usize]| -> u32 { h.iter().map(|i| segments[*i].max_doc()).sum() };
        let largest = segments.iter().map(|s| s.max_doc()).max().unwrap();
        assert!(docs(&a).abs_diff(docs(&b)) <= largest);
        assert_eq!(halves(segments), [a, b]);
    }

    #[test]
    fn quotes_split_into_phrases() {
        assert_eq!(
            split_quoted(r#"belarus "tillfälligt stöd" pass"#),
            vec![
                ("belarus ", false),
                ("tillfälligt stöd", true),
                (" pass", false)
            ]
        );
        assert_eq!(split_quoted(r#""open"#), vec![("open", true)]);
        assert!(split_quoted(r#""""#).is_empty());
    }

    #[test]
    fn estimates_keep_two_significant_figures() {
        assert_eq!(round_estimate(487_321.0), 490_000);
        assert_eq!(round_estimate(20_449.0), 20_000);
        assert_eq!(round_estimate(7.4), 7);
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>&\"'"),
            "&lt;script&gt;&amp;&quot;&#x27;"
        );
    }
}
