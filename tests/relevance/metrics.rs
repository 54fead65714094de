//! Ranking metrics over graded judgments (2 = answers the query, 1 = partly relevant, unlisted
//! = not relevant): nDCG@k with the grades as gains, success@k and the rank of the first answer.

use std::collections::BTreeMap;

/// Grades by question reference.
pub type Judgments = BTreeMap<String, u8>;

/// The grade that counts as "answers it".
pub const ANSWERS: u8 = 2;

fn grade(judgments: &Judgments, reference: &str) -> u8 {
    judgments.get(reference).copied().unwrap_or(0)
}

/// Discounted cumulative gain of gains in rank order (rank 1 divides by log2 2 = 1).
fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .enumerate()
        .map(|(i, g)| g / ((i + 2) as f64).log2())
        .sum()
}

/// nDCG@k: the DCG of the first `k` results over the DCG of the judgments' best order. Gains are
/// the grades themselves (2 and 1); a query without judgments scores 0.
pub fn ndcg_at(k: usize, ranked: &[String], judgments: &Judgments) -> f64 {
    let got = dcg(ranked
        .iter()
        .take(k)
        .map(|r| f64::from(grade(judgments, r))));
    let mut ideal: Vec<u8> = judgments.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let best = dcg(ideal.into_iter().take(k).map(f64::from));
    if best > 0.0 {
        got / best
    } else {
        0.0
    }
}

/// The 1-based rank of the first result that answers the query, if any is listed.
pub fn first_answer(ranked: &[String], judgments: &Judgments) -> Option<usize> {
    ranked
        .iter()
        .position(|r| grade(judgments, r) >= ANSWERS)
        .map(|i| i + 1)
}

/// Whether an answering result is among the first `k`.
pub fn success_at(k: usize, ranked: &[String], judgments: &Judgments) -> bool {
    first_answer(ranked, judgments).is_some_and(|r| r <= k)
}

/// The mean, or NaN for no values (an empty cell of a table).
pub fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(r: &[&str]) -> Vec<String> {
        r.iter().map(|s| s.to_string()).collect()
    }

    fn judged(j: &[(&str, u8)]) -> Judgments {
        j.iter().map(|(r, g)| (r.to_string(), *g)).collect()
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_discounts_later_ranks() {
        let j = judged(&[("a", 2), ("b", 1)]);
        assert!((ndcg_at(10, &refs(&["a", "b", "x"]), &j) - 1.0).abs() < 1e-12);
        // b first, a second: (1 + 2/log2 3) / (2 + 1/log2 3)
        let swapped = (1.0 + 2.0 / 3f64.log2()) / (2.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(10, &refs(&["b", "a"]), &j) - swapped).abs() < 1e-12);
        // The answer at rank 3 alone: 2/log2 4 = 1 over the ideal 2 + 1/log2 3.
        let third = 1.0 / (2.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(10, &refs(&["x", "y", "a"]), &j) - third).abs() < 1e-12);
        assert_eq!(ndcg_at(2, &refs(&["x", "y", "a"]), &j), 0.0);
        assert_eq!(ndcg_at(10, &[], &j), 0.0);
        assert_eq!(ndcg_at(10, &refs(&["a"]), &Judgments::new()), 0.0);
    }

    #[test]
    fn the_ideal_is_cut_at_k() {
        // Eleven answers: the ideal first page holds ten of them, and so does this ranking.
        let j: Judgments = (0..11).map(|i| (format!("r{i}"), 2)).collect();
        let ranked: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
        assert!((ndcg_at(10, &ranked, &j) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn success_needs_an_answer_not_a_partial_match() {
        let j = judged(&[("a", 2), ("b", 1)]);
        assert_eq!(first_answer(&refs(&["b", "x", "a"]), &j), Some(3));
        assert!(success_at(3, &refs(&["b", "x", "a"]), &j));
        assert!(!success_at(3, &refs(&["b", "x", "y", "a"]), &j));
        assert_eq!(first_answer(&refs(&["b"]), &j), None);
        assert!(mean(Vec::<f64>::new()).is_nan());
        assert_eq!(mean([1.0, 0.0]), 0.5);
    }
}
