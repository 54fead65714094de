//! The judged queries (tests/data/relevance/queries.jsonl), written by reading the corpus's
//! sections before any engine ranked them, and their split into a development and a held-out
//! part by a hash of the query text.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::metrics::{Judgments, ANSWERS};

pub const QUERIES_FILE: &str = "tests/data/relevance/queries.jsonl";
const QUERIES: &str = include_str!("../data/relevance/queries.jsonl");

/// The kinds of query, in the order the tables show them.
pub const KINDS: [&str; 3] = ["natural", "paraphrase", "ocr"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judged {
    pub id: String,
    /// natural (a question as asked of a colleague), paraphrase (the situation in other words
    /// than the answer's) or ocr (correct Swedish whose answer is in the OCR-noisy report).
    pub kind: String,
    pub query: String,
    pub judgments: Judgments,
}

impl Judged {
    /// The held-out part: about a quarter of the queries, chosen by the first byte of the
    /// SHA-256 of the query text, so no one picks them and the split cannot drift.
    pub fn held_out(&self) -> bool {
        Sha256::digest(self.query.as_bytes())[0] < 64
    }
}

/// Every judged query, checked: unique ids and texts, a known kind, at least one section that
/// answers it, grades 1 or 2, and only references the corpus has.
pub fn load(references: &BTreeSet<String>) -> Vec<Judged> {
    let mut out: Vec<Judged> = Vec::new();
    for (i, line) in QUERIES.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let q: Judged = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("{QUERIES_FILE} line {}: {e}", i + 1));
        let at = format!("{QUERIES_FILE} line {} ({})", i + 1, q.id);
        assert!(KINDS.contains(&q.kind.as_str()), "{at}: kind {}", q.kind);
        assert!(
            q.judgments.values().any(|g| *g == ANSWERS),
            "{at}: no section answers it"
        );
        for (r, g) in &q.judgments {
            assert!(references.contains(r), "{at}: no section {r}");
            assert!((1..=2).contains(g), "{at}: grade {g} for {r}");
        }
        assert!(
            out.iter().all(|o| o.id != q.id && o.query != q.query),
            "{at}: repeated"
        );
        out.push(q);
    }
    out
}

/// How many queries of each kind, development and held-out.
pub fn counts(queries: &[Judged]) -> BTreeMap<(String, bool), usize> {
    let mut out = BTreeMap::new();
    for q in queries {
        *out.entry((q.kind.clone(), q.held_out())).or_default() += 1;
    }
    out
}
