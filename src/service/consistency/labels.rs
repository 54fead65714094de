//! The legal department's decisions as labelled pairs, in the form of the detector's test sets
//! (tests/data/consistency): the agency measures the detector on its own questions.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::consistency::CaseStatus;
use crate::service::{Service, ServiceResult};
use crate::store::models::QuestionRow;
use crate::store::{self, consistency as cs, questions as qs};

/// One side of a labelled pair, as the test sets write it.
#[derive(Debug, Clone, Serialize)]
pub struct LabelSide {
    pub title: String,
    pub body: String,
    pub process: String,
    pub tags: Vec<String>,
    pub countries: Vec<String>,
}

/// A pair and whether a reviewer found it the same question.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledPair {
    /// "same" or "different"
    pub label: &'static str,
    /// The decision it comes from, with the reviewer's note.
    pub why: String,
    pub a: LabelSide,
    pub b: LabelSide,
}

/// The label a decided case gives its pair: the answers agreeing, differing or settled all
/// say the questions are the same; "not comparable" says they are not.
fn label_of(status: CaseStatus) -> Option<&'static str> {
    match status {
        CaseStatus::Open => None,
        CaseStatus::Consistent | CaseStatus::Divergent | CaseStatus::Settled => Some("same"),
        CaseStatus::NotComparable => Some("different"),
    }
}

impl Service {
    /// Every decided case and every dismissed possible divergence as a labelled pair, cases
    /// first, each in id order. For the operator (`eskalera consistency labels`).
    pub fn consistency_labels(&self) -> ServiceResult<Vec<LabelledPair>> {
        let mut conn = self.conn()?;
        store::read_tx(&mut conn, |c| {
            let decided = cs::decided_pairs(c)?;
            let dismissed = cs::dismissed_pairs(c)?;
            let mut ids: Vec<i64> = decided
                .iter()
                .flat_map(|(a, b, _, _)| [*a, *b])
                .chain(dismissed.iter().flat_map(|(a, b, _)| [*a, *b]))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let questions: HashMap<i64, QuestionRow> = qs::by_ids(c, &ids)?
                .into_iter()
                .map(|q| (q.id, q))
                .collect();
            let side = |id: i64| -> ServiceResult<LabelSide> {
                let q = questions.get(&id).ok_or_else(|| {
                    store::StoreError::Corrupt(format!("a compared pair names question {id}"))
                })?;
                Ok(LabelSide {
                    title: q.title.clone(),
                    body: q.body.clone(),
                    process: q.process.clone(),
                    tags: store::from_json_list(&q.tags)?,
                    countries: store::from_json_list(&q.countries)?,
                })
            };
            let with_note = |what: String, note: &Option<String>| match note {
                Some(n) => format!("{what}: {n}"),
                None => what,
            };
            let mut out = Vec::new();
            for (a, b, status, note) in &decided {
                let Some(label) = label_of(*status) else {
                    continue;
                };
                out.push(LabelledPair {
                    label,
                    why: with_note(format!("jämförelse: {}", status.label_sv()), note),
                    a: side(*a)?,
                    b: side(*b)?,
                });
            }
            for (a, b, note) in &dismissed {
                out.push(LabelledPair {
                    label: "different",
                    why: with_note("möjlig avvikelse: inte samma fråga".to_string(), note),
                    a: side(*a)?,
                    b: side(*b)?,
                });
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decision_but_not_comparable_says_the_questions_are_the_same() {
        assert_eq!(label_of(CaseStatus::Open), None);
        assert_eq!(label_of(CaseStatus::Consistent), Some("same"));
        assert_eq!(label_of(CaseStatus::Divergent), Some("same"));
        assert_eq!(label_of(CaseStatus::Settled), Some("same"));
        assert_eq!(label_of(CaseStatus::NotComparable), Some("different"));
    }
}
