//! References between answers: an answer's `PS-…` reference names another question (its
//! current answer), checked when the answer is saved and kept as data.

use super::*;
use crate::store::questions as qs;

impl Service {
    /// Checks the `PS-…` references among `refs` of an answer to question `own` and writes
    /// them as written canonically ("ps-2026-14" becomes "PS-2026-000014"). Returns the
    /// questions they name; an unknown reference, or one to `own` itself, is invalid input of
    /// `field`.
    pub(in crate::service) fn cited_questions(
        &self,
        c: &mut DbConnection,
        own: &QuestionRow,
        refs: &mut [String],
        field: &str,
    ) -> ServiceResult<Vec<i64>> {
        let mut cited = Vec::new();
        for r in refs.iter_mut() {
            let Some(reference) = reference_in(r) else {
                continue;
            };
            if reference == own.reference {
                return Err(ServiceError::invalid(
                    field,
                    FieldProblem::CitesItself { reference },
                ));
            }
            let q = qs::by_reference(c, &reference)?.ok_or_else(|| {
                ServiceError::invalid(
                    field,
                    FieldProblem::UnknownReference {
                        reference: reference.clone(),
                    },
                )
            })?;
            if !cited.contains(&q.id) {
                cited.push(q.id);
            }
            *r = reference;
        }
        Ok(cited)
    }

    /// Records the references `cited` of answer `answer_id` (see [`Self::cited_questions`]).
    pub(in crate::service) fn link_answer(
        &self,
        c: &mut DbConnection,
        answer_id: i64,
        cited: &[i64],
    ) -> ServiceResult<()> {
        Ok(pb::insert_links(c, answer_id, cited)?)
    }
}
