//! The query the peers (SQLite FTS5, PostgreSQL full-text search) get for a judged query: its
//! words OR'ed, in each one's syntax.

/// The words of a query: runs of letters and digits, each once (case aside). Only plain words
/// reach the peers, nothing their syntax reads as an operator (FTS5's quotes, `-`, `*`, `^`,
/// `:` column filters; websearch's `-` and quotes), the way an application would clean a search
/// box for them. Both peers split words at the same characters when they index.
pub fn peer_terms(q: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in q.split(|c: char| !c.is_alphanumeric()) {
        if !w.is_empty() && !out.iter().any(|o| o.to_lowercase() == w.to_lowercase()) {
            out.push(w.to_string());
        }
    }
    out
}

/// FTS5 MATCH syntax: every term quoted, OR'ed.
pub fn fts_query(q: &str) -> String {
    peer_terms(q)
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// `websearch_to_tsquery` syntax: the terms joined by `or`.
pub fn pg_query(q: &str) -> String {
    peer_terms(q).join(" or ")
}

#[cfg(test)]
mod tests {
    // Paths rather than `use super::*`: `cargo bench` compiles this file with cfg(test) but
    // without the test harness, where the import would be unused.
    #[test]
    fn peers_get_plain_words_ored() {
        assert_eq!(
            super::fts_query("vad säger prop. 2005/06:6 om \"hbtqi-skäl\"? Vad"),
            r#""vad" OR "säger" OR "prop" OR "2005" OR "06" OR "6" OR "om" OR "hbtqi" OR "skäl""#
        );
        assert_eq!(
            super::pg_query("-inte NEAR(a b) *x"),
            "inte or NEAR or a or b or x"
        );
        assert_eq!(super::fts_query("?!"), "");
    }
}
