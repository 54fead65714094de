//! The search index: one document per question with all its answers; queries, filters,
//! facets and snippets.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::{AggContextParams, AggregationCollector};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, EnableScoring, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery, Weight,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DateTime, DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, TantivyDocument, Term,
};
use utoipa::ToSchema;

use super::analyzer::{self, SWEDISH, SWEDISH_REVERSED};
use super::SearchError;

/// Field handles, looked up once.
#[derive(Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub reference: Field,
    pub title: Field,
    pub body: Field,
    pub answers: Field,
    pub answers_old: Field,
    pub keywords: Field,
    pub compound_rev: Field,
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
        keywords: b.add_text_field("keywords", text(SWEDISH, false)),
        compound_rev: b.add_text_field(
            "compound_rev",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(SWEDISH_REVERSED)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
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

/// Answers in force rank their question higher, binding most.
fn boost(answers: &[IndexedAnswer]) -> f64 {
    answers
        .iter()
        .map(|a| match a.binding_status.as_str() {
            "binding" => 1.6,
            "temporary" => 1.3,
            "guidance" => 1.15,
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
        for a in &self.answers {
            let field = if is_current(&a.binding_status) {
                f.answers
            } else {
                f.answers_old
            };
            d.add_text(field, &a.body);
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
        d.add_date(
            f.created,
            DateTime::from_timestamp_micros(self.created_at.timestamp_micros()),
        );
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
}

/// An open index with its reader; cheap to share between threads.
pub struct SearchIndex {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
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
        Ok(SearchIndex {
            index,
            reader,
            fields,
        })
    }

    /// The change-log id up to which the index is complete, from the last commit's payload.
    pub fn cursor(&self) -> Result<i64, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0))
    }

    fn analyze(&self, tokenizer: &str, text: &str) -> Vec<String> {
        match self.index.tokenizers().get(tokenizer) {
            Some(mut a) => analyzer::terms(&mut a, text),
            None => Vec::new(),
        }
    }

    /// The text part of a query: bare words are OR'ed (BM25 ranks the best matches first),
    /// quoted phrases are required; compound parts match through prefixes, ranked lower.
    fn text_query(&self, q: &str) -> Option<Box<dyn Query>> {
        let f = &self.fields;
        let weighted = [
            (f.title, 3.0),
            (f.keywords, 2.0),
            (f.answers, 1.5),
            (f.body, 1.0),
            (f.answers_old, 0.3),
        ];
        let mut should: Vec<Box<dyn Query>> = Vec::new();
        let mut must: Vec<Box<dyn Query>> = Vec::new();
        for (part, quoted) in split_quoted(q) {
            let terms = self.analyze(SWEDISH, part);
            if quoted && terms.len() > 1 {
                let per_field: Vec<(Occur, Box<dyn Query>)> = [f.title, f.body, f.answers]
                    .iter()
                    .map(|field| {
                        let ts = terms
                            .iter()
                            .map(|t| Term::from_field_text(*field, t))
                            .collect();
                        (
                            Occur::Should,
                            Box::new(PhraseQuery::new(ts)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                must.push(Box::new(BooleanQuery::new(per_field)));
                continue;
            }
            for term in &terms {
                let mut per_term: Vec<(Occur, Box<dyn Query>)> = weighted
                    .iter()
                    .map(|(field, w)| {
                        let tq = TermQuery::new(
                            Term::from_field_text(*field, term),
                            IndexRecordOption::WithFreqs,
                        );
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(tq), *w)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                if let Some(parts) = self.compound_parts(term) {
                    per_term.extend(parts.into_iter().map(|p| (Occur::Should, p)));
                }
                let clause: Box<dyn Query> = Box::new(BooleanQuery::new(per_term));
                if quoted {
                    must.push(clause);
                } else {
                    should.push(clause);
                }
            }
        }
        if should.is_empty() && must.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            must.into_iter().map(|q| (Occur::Must, q)).collect();
        if !should.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> =
                should.into_iter().map(|q| (Occur::Should, q)).collect();
            let occur = if clauses.is_empty() {
                Occur::Must
            } else {
                Occur::Should
            };
            clauses.push((occur, Box::new(BooleanQuery::new(any))));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Compound words: the term as the first part (prefix of an indexed word: konvertit →
    /// konvertitärenden) or the last part (suffix, through the reversed field: nätverk →
    /// prövningsstödsnätverket). Short terms would match too much.
    fn compound_parts(&self, term: &str) -> Option<Vec<Box<dyn Query>>> {
        if term.chars().count() < 5 || !term.chars().all(char::is_alphanumeric) {
            return None;
        }
        let f = &self.fields;
        let reversed: String = term.chars().rev().collect();
        let parts = [
            (f.title, term.to_string()),
            (f.body, term.to_string()),
            (f.compound_rev, reversed),
        ];
        Some(
            parts
                .into_iter()
                .map(|(field, prefix)| {
                    let q = LongerThanPrefix {
                        field,
                        prefix: prefix.into_bytes(),
                    };
                    Box::new(BoostQuery::new(Box::new(q), 0.3)) as Box<dyn Query>
                })
                .collect(),
        )
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
                    let term = Term::from_field_date_for_search(
                        f.created,
                        DateTime::from_timestamp_micros(t.timestamp_micros()),
                    );
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
        let text = self.text_query(q);
        let mut clauses = self.filter_queries(filters);
        let has_text = text.is_some();
        match text {
            Some(t) => clauses.push((Occur::Must, t)),
            None if clauses.is_empty() => clauses.push((Occur::Must, Box::new(AllQuery))),
            None => {}
        }
        let query = BooleanQuery::new(clauses);
        let limit = limit.max(1);
        let aggs = with_facets.then(facet_request).transpose()?;
        let (docs, total, facets) = if has_text {
            let top = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
                |segment: &tantivy::SegmentReader| {
                    let boosts = segment
                        .fast_fields()
                        .f64("boost")
                        .ok()
                        .map(|c| c.first_or_default_col(1.0));
                    move |doc: tantivy::DocId, score: tantivy::Score| {
                        score * boosts.as_ref().map_or(1.0, |b| b.get_val(doc) as f32)
                    }
                },
            );
            self.collect(&searcher, &query, top, aggs)?
        } else {
            let top = TopDocs::with_limit(limit)
                .and_offset(offset)
                .order_by_fast_field::<DateTime>("created", Order::Desc);
            let (docs, total, facets) = self.collect(&searcher, &query, top, aggs)?;
            (
                docs.into_iter().map(|(_, a)| (0.0, a)).collect(),
                total,
                facets,
            )
        };
        let hits = self.hits(&searcher, &query, &docs)?;
        Ok(SearchResults {
            total,
            hits,
            facets,
        })
    }

    #[allow(clippy::type_complexity)]
    fn collect<C, K>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        top: C,
        aggs: Option<Aggregations>,
    ) -> Result<
        (
            Vec<(K, DocAddress)>,
            usize,
            BTreeMap<String, Vec<FacetCount>>,
        ),
        SearchError,
    >
    where
        C: tantivy::collector::Collector<Fruit = Vec<(K, DocAddress)>>,
    {
        match aggs {
            Some(a) => {
                let agg = AggregationCollector::from_aggs(a, AggContextParams::default());
                let (docs, total, res) = searcher.search(query, &(top, Count, agg))?;
                let json =
                    serde_json::to_value(&res).map_err(|e| SearchError::Index(e.to_string()))?;
                Ok((docs, total, facets_from_json(&json)))
            }
            None => {
                let (docs, total) = searcher.search(query, &(top, Count))?;
                Ok((docs, total, BTreeMap::new()))
            }
        }
    }

    fn hits<K: Into<f64> + Copy>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        docs: &[(K, DocAddress)],
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
                score: (*score).into() as f32,
            });
        }
        Ok(hits)
    }

    /// Question ids and fingerprints of every indexed question, for convergence checks.
    pub fn fingerprints(&self) -> Result<BTreeMap<i64, String>, SearchError> {
        // Another process (or thread) may have committed since this reader was last reloaded.
        self.reader.reload()?;
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

/// Terms that start with `prefix` and are longer than it: the parts of compound words.
/// A hand-made automaton instead of a regex, whose compilation cost a millisecond a query.
#[derive(Debug, Clone)]
struct LongerThanPrefix {
    field: Field,
    prefix: Vec<u8>,
}

#[derive(Debug, Clone)]
struct PrefixAutomaton(Vec<u8>);

impl tantivy_fst::Automaton for PrefixAutomaton {
    /// Bytes of the prefix matched so far; `len + 1` once past it; None when off the prefix.
    type State = Option<usize>;

    fn start(&self) -> Option<usize> {
        Some(0)
    }

    fn is_match(&self, state: &Option<usize>) -> bool {
        *state == Some(self.0.len() + 1)
    }

    fn can_match(&self, state: &Option<usize>) -> bool {
        state.is_some()
    }

    fn will_always_match(&self, state: &Option<usize>) -> bool {
        self.is_match(state)
    }

    fn accept(&self, state: &Option<usize>, byte: u8) -> Option<usize> {
        let len = self.0.len();
        match *state {
            Some(i) if i < len => (self.0.get(i) == Some(&byte)).then_some(i + 1),
            Some(_) => Some(len + 1),
            None => None,
        }
    }
}

impl Query for LongerThanPrefix {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::new(
            self.field,
            PrefixAutomaton(self.prefix.clone()),
        )))
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

fn facet_request() -> Result<Aggregations, SearchError> {
    let mut req = serde_json::Map::new();
    for name in FACETS {
        req.insert(
            (*name).to_string(),
            serde_json::json!({"terms": {"field": name, "size": 60}}),
        );
    }
    serde_json::from_value(serde_json::Value::Object(req))
        .map_err(|e| SearchError::Index(e.to_string()))
}

fn facets_from_json(v: &serde_json::Value) -> BTreeMap<String, Vec<FacetCount>> {
    let mut out = BTreeMap::new();
    for name in FACETS {
        let buckets = v[name]["buckets"].as_array().cloned().unwrap_or_default();
        let counts = buckets
            .iter()
            .filter_map(|b| {
                Some(FacetCount {
                    value: b["key"].as_str()?.to_string(),
                    count: b["doc_count"].as_u64()?,
                })
            })
            .collect();
        out.insert((*name).to_string(), counts);
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<script>&\"'"),
            "&lt;script&gt;&amp;&quot;&#x27;"
        );
    }
}
