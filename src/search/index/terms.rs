//! A question's telling words: for "similar", for the consistency watch's candidates and its
//! weighted comparison.

use std::collections::BTreeMap;

use tantivy::Term;

use super::{Filters, Hit, SearchIndex};
use crate::search::analyzer::{SWEDISH, SWEDISH_CONTENT};
use crate::search::SearchError;

impl SearchIndex {
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
        let rarity = crate::search::rarity::snapshot();
        let mut tf: BTreeMap<String, f64> = BTreeMap::new();
        let sentences = body
            .split_inclusive(['.', '?', '!'])
            .map(|s| (s, if s.ends_with('?') { 2.0 } else { 1.0 }));
        for (text, weight) in std::iter::once((title, 2.0)).chain(sentences) {
            for t in self.analyze(SWEDISH_CONTENT, text) {
                if t.chars().count() >= crate::search::rarity::MIN_CHARS {
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

    /// Questions like the one with `title` and `body`: the best matches of its telling words,
    /// within `process` when given, best first (empty when it has no telling words). The
    /// "similar questions" of the form, the earlier answers above the answer form and the
    /// consistency watch's candidates all come from here.
    pub fn questions_like(
        &self,
        title: &str,
        body: &str,
        process: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let terms = self.question_terms(title, body);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let filters = Filters {
            process: process.map(str::to_string),
            ..Default::default()
        };
        Ok(self
            .search(&terms.join(" "), &filters, 0, limit, false)?
            .hits)
    }
}
