//! The index's documents: the schema and its fields, and a question with its answers as one
//! document, boosted by how binding its answers are.

use serde::Serialize;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::TantivyDocument;

use super::index_time;
use crate::search::analyzer::{self, SWEDISH, SWEDISH_PAIRS, SWEDISH_REVERSED};

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
pub(super) const MAX_BOOST: f32 = 1.6;

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
