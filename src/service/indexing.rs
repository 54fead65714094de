//! Keeps the search index derived from the database: an indexer thread follows the change log,
//! and a rebuild writes a whole new generation that the server switches to.

use std::collections::HashMap;

use tantivy::{IndexWriter, TantivyDocument, Term};

use super::progress::Progress;
use super::{Service, ServiceError, ServiceResult};
use crate::domain::Code;
use crate::search::index::{cursor_payload, IndexedAnswer};
use crate::search::{QuestionDoc, SearchError, SearchIndex};
use crate::store::changes::{self, ChangeCursor};
use crate::store::models::{AnswerRow, QuestionRow};
use crate::store::questions as qs;
use crate::store::{self, DbConnection, StoreError};

const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// The indexer that follows the change log writes small batches: one thread with the smallest
/// buffer tantivy takes. Every commit starts a new segment, whose fixed cost (zeroing the
/// term hash table, one term dictionary per field, later merges) grows with the buffer.
const FOLLOW_MEMORY: usize = 15_000_000;
const BATCH: i64 = 5000;

impl From<SearchError> for ServiceError {
    fn from(e: SearchError) -> Self {
        ServiceError::Store(StoreError::Corrupt(e.to_string()))
    }
}

/// How the index differs from the database (all empty when they agree).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IndexCheck {
    pub in_database: usize,
    pub indexed: usize,
    /// In the database, not in the index.
    pub missing: Vec<i64>,
    /// In both, but the index holds an older version.
    pub stale: Vec<i64>,
    /// In the index, not in the database.
    pub extra: Vec<i64>,
}

impl IndexCheck {
    pub fn converged(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }
}

fn doc_of(q: &QuestionRow, answers: &[&AnswerRow]) -> ServiceResult<QuestionDoc> {
    let fingerprint = std::iter::once(format!("q{}", q.version))
        .chain(answers.iter().map(|a| format!("a{}.{}", a.id, a.version)))
        .collect::<Vec<_>>()
        .join(":");
    Ok(QuestionDoc {
        id: q.id,
        reference: q.reference.clone(),
        title: q.title.clone(),
        body: q.body.clone(),
        process: q.process.clone(),
        category: q.category.clone(),
        status: q.status.as_str().to_string(),
        level: q.level.as_str().to_string(),
        forum: q.forum.clone(),
        tags: store::from_json_list(&q.tags)?,
        countries: store::from_json_list(&q.countries)?,
        created_at: q.created_at.and_utc(),
        answers: answers
            .iter()
            .map(|a| IndexedAnswer {
                id: a.id,
                binding_status: a.binding_status.as_str().to_string(),
                forum: a.forum.clone(),
                body: a.body.clone(),
                answered_at: Some(a.created_at.and_utc()),
            })
            .collect(),
        fingerprint,
    })
}

/// Documents for the given questions, read in two queries.
fn docs_for(c: &mut DbConnection, ids: &[i64]) -> ServiceResult<Vec<QuestionDoc>> {
    let questions = qs::by_ids(c, ids)?;
    let answers = qs::answers_for(c, ids)?;
    let mut by_question: HashMap<i64, Vec<&AnswerRow>> = HashMap::new();
    for a in &answers {
        by_question.entry(a.question_id).or_default().push(a);
    }
    questions
        .iter()
        .map(|q| doc_of(q, by_question.get(&q.id).map(Vec::as_slice).unwrap_or(&[])))
        .collect()
}

/// Every question's document, read page by page in id order (each page one snapshot).
fn each_page(
    conn: &mut store::Conn,
    mut f: impl FnMut(Vec<QuestionDoc>) -> ServiceResult<()>,
) -> ServiceResult<()> {
    let mut after = 0;
    loop {
        let docs = store::read_tx(conn, |c| {
            let page = qs::page_after(c, after, 2000)?;
            let ids: Vec<i64> = page.iter().map(|q| q.id).collect();
            docs_for(c, &ids)
        })?;
        let Some(last) = docs.last() else {
            return Ok(());
        };
        after = last.id;
        f(docs)?;
    }
}

fn replace_docs(
    writer: &IndexWriter<TantivyDocument>,
    index: &SearchIndex,
    ids: &[i64],
    docs: &[QuestionDoc],
) -> ServiceResult<()> {
    for id in ids {
        writer.delete_term(Term::from_field_u64(
            index.fields.id,
            u64::try_from(*id).unwrap_or_default(),
        ));
    }
    for d in docs {
        writer
            .add_document(d.to_document(&index.fields))
            .map_err(SearchError::from)?;
    }
    Ok(())
}

fn cursor_of(index: &SearchIndex) -> ServiceResult<ChangeCursor> {
    let (txid, id) = index.cursor()?;
    Ok(ChangeCursor { txid, id })
}

fn commit(writer: &mut IndexWriter<TantivyDocument>, cursor: ChangeCursor) -> ServiceResult<()> {
    let mut prepared = writer.prepare_commit().map_err(SearchError::from)?;
    prepared.set_payload(&cursor_payload((cursor.txid, cursor.id)));
    prepared.commit().map_err(SearchError::from)?;
    Ok(())
}

/// What the indexer keeps between batches: the writer of the current index generation.
#[derive(Default)]
pub struct IndexFollower {
    writer: Option<(String, IndexWriter<TantivyDocument>)>,
}

impl IndexFollower {
    /// Drops a writer that may hold a half-written batch (after a failure); the change log's
    /// cursor is unchanged, so the batch is applied again.
    pub fn reset(&mut self) {
        self.writer = None;
    }
}

impl Service {
    /// Applies one batch of the change log to the current index; returns how many changes.
    /// The follower keeps its index writer from one batch to the next.
    pub fn follow_changes(&self, follower: &mut IndexFollower) -> ServiceResult<usize> {
        let writer = &mut follower.writer;
        let root = &self.search;
        if root.follow_pointer()? {
            log::info!("search index switched to {}", root.current_name());
            *writer = None;
        }
        let index = root.current();
        let name = root.current_name();
        if writer.as_ref().is_none_or(|(n, _)| *n != name) {
            let w = index
                .index
                .writer_with_num_threads(1, FOLLOW_MEMORY)
                .map_err(SearchError::from)?;
            *writer = Some((name, w));
        }
        let Some((_, w)) = writer.as_mut() else {
            return Ok(0);
        };
        let mut conn = self.conn()?;
        let changes = changes::changes_after(&mut conn, cursor_of(&index)?, BATCH)?;
        let Some(&(last, _)) = changes.last() else {
            return Ok(0);
        };
        let mut ids: Vec<i64> = changes.iter().map(|(_, q)| *q).collect();
        ids.sort_unstable();
        ids.dedup();
        let docs = store::read_tx(&mut conn, |c| docs_for(c, &ids))?;
        replace_docs(w, &index, &ids, &docs)?;
        commit(w, last)?;
        index.reload()?;
        Ok(changes.len())
    }

    /// Changes recorded in the database that searches do not find yet.
    pub fn index_lag(&self) -> ServiceResult<i64> {
        let (txid, id) = self.search.current().visible_cursor();
        let cursor = ChangeCursor { txid, id };
        let mut conn = self.conn()?;
        Ok(changes::changes_pending(&mut conn, cursor)?)
    }

    /// How far the index lags: changes not applied, and the age of the oldest in seconds.
    pub fn index_lag_detail(&self) -> ServiceResult<(i64, f64)> {
        let (txid, id) = self.search.current().visible_cursor();
        let cursor = ChangeCursor { txid, id };
        let mut conn = self.conn()?;
        let n = changes::changes_pending(&mut conn, cursor)?;
        let oldest = changes::oldest_pending(&mut conn, cursor)?;
        let age = oldest.map_or(0.0, |t| {
            ((self.clock.now_naive() - t).num_milliseconds() as f64 / 1000.0).max(0.0)
        });
        Ok((n, age))
    }

    /// Compares the index with the database, question by question.
    pub fn check_index(&self) -> ServiceResult<IndexCheck> {
        let indexed = self.search.current().fingerprints()?;
        let mut conn = self.conn()?;
        let mut check = IndexCheck::default();
        let mut seen = std::collections::BTreeSet::new();
        each_page(&mut conn, |docs| {
            for d in docs {
                check.in_database += 1;
                seen.insert(d.id);
                match indexed.get(&d.id) {
                    None => check.missing.push(d.id),
                    Some(fp) if *fp != d.fingerprint => check.stale.push(d.id),
                    Some(_) => {}
                }
            }
            Ok(())
        })?;
        check.indexed = indexed.len();
        check.extra = indexed
            .keys()
            .filter(|id| !seen.contains(id))
            .copied()
            .collect();
        Ok(check)
    }

    /// Rebuilds the whole index from the database into a new generation, then makes it current;
    /// a running server switches to it.
    pub fn rebuild_index(&self, progress: &mut dyn Progress) -> ServiceResult<usize> {
        let (name, index) = self.search.create_generation()?;
        let mut writer: IndexWriter<TantivyDocument> = index
            .index
            .writer(WRITER_MEMORY)
            .map_err(SearchError::from)?;
        let mut conn = self.conn()?;
        // Changes after this point are applied by the indexer once it follows the new generation.
        let cursor = changes::settled_cursor(&mut conn)?;
        let total = u64::try_from(qs::count(&mut conn)?).unwrap_or(0);
        let mut done = 0usize;
        each_page(&mut conn, |docs| {
            for d in &docs {
                writer
                    .add_document(d.to_document(&index.fields))
                    .map_err(SearchError::from)?;
            }
            done += docs.len();
            progress.update(done as u64, total.max(done as u64));
            Ok(())
        })?;
        commit(&mut writer, cursor)?;
        writer.wait_merging_threads().map_err(SearchError::from)?;
        self.search.publish(&name)?;
        progress.finish();
        Ok(done)
    }
}
