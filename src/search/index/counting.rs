//! Counting the matches and their facet values, on a sample beyond which totals are estimated.

use std::collections::{BTreeMap, HashMap};

use tantivy::query::{EnableScoring, Query};
use tantivy::{Searcher, TERMINATED};

use super::{FacetCount, SearchIndex, FACETS};
use crate::search::SearchError;

impl SearchIndex {
    /// Counts the matches and the facet values of the first [`COUNT_SAMPLE`] of them, without
    /// scoring. Beyond the sample a text query's total is estimated from the share of the
    /// documents the sample covered (doc-id order, so the sample is spread over the whole
    /// history); `exact_total` counts on instead, for the filter-only listings whose totals
    /// people check against other lists.
    pub(super) fn count(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        with_facets: bool,
        exact_total: bool,
    ) -> Result<Counted, SearchError> {
        self.count_sampling(searcher, query, with_facets, exact_total, COUNT_SAMPLE)
    }

    pub(super) fn count_sampling(
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
}

/// Matches visited to count and to count facet values: beyond it a text query's total is an
/// estimate and the facets count the sample (flagged `exact: false`), since visiting every one
/// of half a million matches would cost more than the whole rest of the search.
pub const COUNT_SAMPLE: usize = 20_000;

pub(super) struct Counted {
    pub(super) total: usize,
    pub(super) facets: BTreeMap<String, Vec<FacetCount>>,
    pub(super) exact: bool,
}

pub(super) fn round_estimate(e: f64) -> usize {
    let magnitude = 10f64.powi((e.max(1.0).log10().floor() as i32 - 1).max(0));
    ((e / magnitude).round() * magnitude) as usize
}

/// Values listed per facet, most frequent first.
const FACET_VALUES: usize = 60;

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
