//! Ranking the matches: the k best by BM25 × boost, pruned, on two threads for a large index.

use std::collections::BinaryHeap;

use tantivy::query::{EnableScoring, Query};
use tantivy::{DocAddress, Searcher};

use super::document::MAX_BOOST;
use super::SearchIndex;
use crate::search::SearchError;

impl SearchIndex {
    /// The `k` best documents by BM25 × their binding boost, best first. tantivy's TopDocs with
    /// a score tweak would score every match; here the weight prunes on the unboosted score
    /// (block-max WAND for a union of terms) against the k-th boosted score divided by the
    /// largest boost, a bound below which no document can still reach the top k.
    ///
    /// A large index is ranked on two threads, each over half of the documents: the slowest
    /// queries (a common word, so that most blocks hold a candidate) spend nearly all their
    /// time here.
    pub(super) fn top_by_score(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        k: usize,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        self.top_k(searcher, query, k, PARALLEL_RANKING_DOCS)
    }

    /// [`Self::top_by_score`], on two threads from `parallel_from` documents up.
    pub(super) fn top_k(
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
}

/// Below this many documents one thread ranks: a second one would cost more than it saves.
pub(super) const PARALLEL_RANKING_DOCS: u64 = 200_000;

/// The segments in two lists of about the same number of documents, the largest placed first
/// (the same split for the same segments, so the same query ranks the same every time).
pub(super) fn halves(segments: &[tantivy::SegmentReader]) -> [Vec<usize>; 2] {
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
