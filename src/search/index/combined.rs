//! What an unquoted part of a query becomes under [`Ranking::Combined`]: its content words
//! scored over the question's whole text, and the other ways the same words are written —
//! unstemmed, split from a compound, as an abbreviation, as a scanner spelled them. Each weight
//! was measured on the judged queries of tests/data/relevance (README, "Relevance"). Proximity
//! (adjacent query words as pair terms) and a thesaurus's synonyms were measured too and left
//! out: neither ranked better, and each costs terms to score.

use std::collections::BTreeSet;

use tantivy::query::{Occur, Query};
use tantivy::{Searcher, Term};

use super::{term_clause, Ranking, SearchIndex};
use crate::search::abbreviations;
use crate::search::analyzer::{self, SWEDISH, SWEDISH_CONTENT, SWEDISH_EXACT};

/// A word in the title adds this to its score over the whole text.
const TITLE_BONUS: f32 = 0.3;
/// A word in an answer that no longer holds (superseded, withdrawn) counts this much.
const OLD_ANSWER_WEIGHT: f32 = 0.3;
/// The word as written, unstemmed: stemming joins words that are not the same (svår/svar,
/// lång/länge), so the written form's own match tells them apart again.
const EXACT_WEIGHT: f32 = 0.6;
/// The two indexed words a compound of the query is made of ("kvalitetsuppföljning" for a
/// text that says "uppföljning av kvaliteten").
const SPLIT_WEIGHT: f32 = 0.4;
/// A spelling a scanner would make of a query word with "ö" or "ä": a guess, so below the word.
const SCAN_WEIGHT: f32 = 0.3;
/// An abbreviation for its words, or the words for their abbreviation.
const ABBREVIATION_WEIGHT: f32 = 0.8;

/// Question words and auxiliaries a natural question is asked with, beyond Snowball's Swedish
/// stop words (which have hur, vad, vem, när, varför, vi, man, kan …): they say how someone
/// asks, not what about.
const QUESTION_WORDS: &[&str] = &[
    "ska",
    "skall",
    "måste",
    "behöver",
    "bör",
    "får",
    "fick",
    "finns",
    "fanns",
    "gäller",
    "gör",
    "göra",
    "gjort",
    "görs",
    "kunna",
    "kunnat",
    "vilken",
    "vilket",
    "vilka",
    "brukar",
    "egentligen",
    "verkligen",
    "hjälp",
    "tips",
    "undrar",
    "fråga",
    "frågan",
];

fn bare(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

impl SearchIndex {
    /// The scoring clauses of one unquoted part; `seen` keeps a term from counting twice.
    pub(super) fn combined_part(
        &self,
        searcher: &Searcher,
        part: &str,
        seen: &mut BTreeSet<String>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        debug_assert_eq!(self.ranking, Ranking::Combined);
        let f = &self.fields;
        let words: Vec<&str> = part
            .split_whitespace()
            .filter(|w| !QUESTION_WORDS.contains(&bare(w).as_str()))
            .collect();
        let mut content: Vec<String> = words
            .iter()
            .flat_map(|w| self.analyze(SWEDISH_CONTENT, w))
            .collect();
        // A part made only of function words ("vad är det") keeps them all.
        let only_function_words = content.is_empty();
        if only_function_words {
            content = self.analyze(SWEDISH, part);
        }
        let mut out = Vec::new();
        for term in &content {
            if !seen.insert(term.clone()) {
                continue;
            }
            out.push(term_clause(f.content, term, 1.0));
            out.push(term_clause(f.title, term, TITLE_BONUS));
            out.push(term_clause(f.answers_old, term, OLD_ANSWER_WEIGHT));
            out.extend(self.compound_parts(searcher, term, &[f.content]));
            for split in self.split_compound(searcher, term) {
                if seen.insert(split.clone()) {
                    out.push(term_clause(f.content, &split, SPLIT_WEIGHT));
                }
            }
        }
        for w in &words {
            if self.analyze(SWEDISH_CONTENT, w).is_empty() {
                continue;
            }
            for t in self.analyze(SWEDISH_EXACT, w) {
                if seen.insert(format!("{SWEDISH_EXACT}:{t}")) {
                    out.push(term_clause(f.exact, &t, EXACT_WEIGHT));
                }
            }
        }
        out.extend(self.abbreviation_clauses(part, &content, seen));
        out.extend(self.scan_variants(searcher, part, seen));
        out
    }

    /// An abbreviation of the query, written as the abbreviation is ("PUT", "UtlL"), adds the
    /// words it stands for (as a pair where they are two), and those words together add the
    /// abbreviation.
    fn abbreviation_clauses(
        &self,
        part: &str,
        content: &[String],
        seen: &mut BTreeSet<String>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let f = &self.fields;
        let written: Vec<&str> = part
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .collect();
        let mut out = Vec::new();
        for a in abbreviations::abbreviations() {
            if written.contains(&a.written) {
                for t in &a.words {
                    if seen.insert(t.clone()) {
                        out.push(term_clause(f.content, t, ABBREVIATION_WEIGHT));
                    }
                }
                for w in a.words.windows(2) {
                    let pair = analyzer::pair(&w[0], &w[1]);
                    for field in [f.title_pairs, f.body_pairs, f.answers_pairs] {
                        out.push(term_clause(field, &pair, ABBREVIATION_WEIGHT));
                    }
                }
            } else if !a.words.is_empty()
                && a.words.iter().all(|t| content.contains(t))
                && !a.everyday
                && seen.insert(a.term.clone())
            {
                out.push(term_clause(f.content, &a.term, ABBREVIATION_WEIGHT));
            }
        }
        out
    }

    /// Words with "ö" or "ä" as scanned documents spell them ("prévning", "dver", "réttslig"
    /// for "prövning", "över", "rättslig"), each tried only when the index holds it: in written
    /// Swedish those spellings are not words, so they cannot pull in clean text.
    fn scan_variants(
        &self,
        searcher: &Searcher,
        part: &str,
        seen: &mut BTreeSet<String>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let mut out = Vec::new();
        for word in part.split_whitespace() {
            for variant in scanned_spellings(word) {
                for term in self.analyze(SWEDISH, &variant) {
                    let known = searcher
                        .doc_freq(&Term::from_field_text(self.fields.content, &term))
                        .unwrap_or(0)
                        > 0;
                    if known && seen.insert(term.clone()) {
                        out.push(term_clause(self.fields.content, &term, SCAN_WEIGHT));
                    }
                }
            }
        }
        out
    }

    /// A compound query word split in two indexed words ("kvalitetsuppfoljning" into
    /// "kvalitet" and "uppfoljning"), at the split whose rarer half occurs most; a linking "s"
    /// may end the first part.
    fn split_compound(&self, searcher: &Searcher, term: &str) -> Vec<String> {
        let chars: Vec<char> = term.chars().collect();
        if chars.len() < 8 || !chars.iter().all(|c| c.is_alphabetic()) {
            return Vec::new();
        }
        let df = |t: &str| {
            searcher
                .doc_freq(&Term::from_field_text(self.fields.content, t))
                .unwrap_or(0)
        };
        let mut best: Option<(u64, String, String)> = None;
        for i in 4..=chars.len() - 4 {
            let right: String = chars[i..].iter().collect();
            let left: String = chars[..i].iter().collect();
            let unlinked = left.strip_suffix('s').map(str::to_string);
            for l in std::iter::once(left).chain(unlinked) {
                if l.chars().count() < 3 {
                    continue;
                }
                let rarer = df(&l).min(df(&right));
                if rarer > 0 && best.as_ref().is_none_or(|b| rarer > b.0) {
                    best = Some((rarer, l, right.clone()));
                }
            }
        }
        best.map(|(_, l, r)| vec![l, r]).unwrap_or_default()
    }
}

/// How a scanner spells a word with "ö" or "ä": "ö" read as "é" or "d", "ä" as "é"
/// ("prévning", "uppfdljning", "réttslig"); every combination but the word itself, at most 16.
fn scanned_spellings(word: &str) -> Vec<String> {
    let lower = bare(word);
    if lower.chars().count() < 3 {
        return Vec::new();
    }
    let options = |c: char| -> &'static [char] {
        match c {
            'ö' => &['ö', 'é', 'd'],
            'ä' => &['ä', 'é'],
            _ => &[],
        }
    };
    let mut spellings = vec![String::with_capacity(lower.len())];
    for c in lower.chars() {
        let choices = options(c);
        if choices.is_empty() {
            spellings.iter_mut().for_each(|s| s.push(c));
            continue;
        }
        spellings = spellings
            .iter()
            .flat_map(|s| {
                choices.iter().map(move |x| {
                    let mut t = s.clone();
                    t.push(*x);
                    t
                })
            })
            .take(64)
            .collect();
    }
    spellings.retain(|s| *s != lower);
    spellings.truncate(16);
    spellings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::{Filters, QuestionDoc};

    #[test]
    fn an_abbreviation_counts_only_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let mut writer: tantivy::IndexWriter = index.index.writer(15_000_000).unwrap();
        let doc = QuestionDoc {
            id: 1,
            title: "Praxis från Migrationsöverdomstolen om skyddsstatus".into(),
            ..Default::default()
        };
        writer.add_document(doc.to_document(&index.fields)).unwrap();
        writer.commit().unwrap();
        index.reload().unwrap();
        let total = |q: &str| {
            index
                .search(q, &Filters::default(), 0, 10, false)
                .unwrap()
                .total
        };
        assert_eq!(total("MIG 2023:5"), 1, "the abbreviation finds its words");
        assert_eq!(
            total("kan du hjälpa mig"),
            0,
            "the pronoun is not the court"
        );
    }

    #[test]
    fn scanned_spellings_try_each_confusion() {
        let s = scanned_spellings("Prövning,");
        assert!(s.contains(&"prévning".to_string()));
        assert!(s.contains(&"prdvning".to_string()));
        assert!(!s.contains(&"prövning".to_string()));
        assert_eq!(scanned_spellings("rättslig"), vec!["réttslig"]);
        assert!(scanned_spellings("asyl").is_empty());
        assert!(scanned_spellings("ö").is_empty());
        assert!(scanned_spellings(&"ö".repeat(40)).len() <= 16);
    }
}
