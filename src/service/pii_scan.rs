//! The scan of stored text for personal data (`eskalera pii-scan`): text stored before the check at the door learnt a spelling, or written around it.
//!
//! It names rows and fields, never the text: the list is meant to be handed to someone who
//! redacts the rows, and must not spread what it found.

use crate::domain::pii;
use crate::store::texts::{self, NoteText};
use crate::store::{self, DbConnection, StoreResult};

use super::{Service, ServiceResult};

/// Rows read per query: small enough to keep memory flat at a million rows, large enough that
/// the round trips do not dominate.
const PAGE: i64 = 500;

/// One stored text that holds personal data, e.g. `question 12 body`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiFinding {
    /// `question`, `answer`, `event` or `consistency_case`.
    pub table: &'static str,
    pub id: i64,
    /// `reference`, `title`, `body`, `tags`, `urgent_reason`, `references` or `note`.
    pub field: &'static str,
}

impl std::fmt::Display for PiiFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.table, self.id, self.field)
    }
}

/// How many rows were read and how many texts hold personal data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PiiScanSummary {
    pub questions: u64,
    pub answers: u64,
    pub event_notes: u64,
    pub case_notes: u64,
    pub possible_notes: u64,
    pub found: u64,
}

fn holds_pii(text: &str) -> bool {
    !pii::find_pii(text).is_empty()
}

/// A stored list (tags, references) is JSON; a damaged one is scanned as it stands, so that no
/// text escapes the scan.
fn list_holds_pii(stored: &str) -> bool {
    match store::from_json_list(stored) {
        Ok(items) => items.iter().any(|i| holds_pii(i)),
        Err(_) => holds_pii(stored),
    }
}

impl Service {
    /// Scans every question, answer, event note and consistency-case note with the same check
    /// the use cases apply to new text, and calls `found` for each field that holds personal
    /// data, in table and id order, as it goes.
    pub fn pii_scan(&self, found: &mut dyn FnMut(&PiiFinding)) -> ServiceResult<PiiScanSummary> {
        let mut conn = self.conn()?;
        let mut count = 0u64;
        let mut report = |table: &'static str, id: i64, field: &'static str| {
            count += 1;
            found(&PiiFinding { table, id, field });
        };
        let questions = each_page(&mut conn, texts::questions_after, |q| {
            let fields = [
                ("reference", holds_pii(&q.reference)),
                ("title", holds_pii(&q.title)),
                ("body", holds_pii(&q.body)),
                ("tags", list_holds_pii(&q.tags)),
                (
                    "urgent_reason",
                    q.urgent_reason.as_deref().is_some_and(holds_pii),
                ),
            ];
            for (field, pii) in fields {
                if pii {
                    report("question", q.id, field);
                }
            }
            q.id
        })?;
        let answers = each_page(&mut conn, texts::answers_after, |a| {
            if holds_pii(&a.body) {
                report("answer", a.id, "body");
            }
            if list_holds_pii(&a.refs) {
                report("answer", a.id, "references");
            }
            a.id
        })?;
        let event_notes = each_page(&mut conn, texts::event_notes_after, |n| {
            if holds_pii(&n.note) {
                report("event", n.id, "note");
            }
            n.id
        })?;
        let case_notes = each_page(&mut conn, texts::case_notes_after, |n: &NoteText| {
            if holds_pii(&n.note) {
                report("consistency_case", n.id, "note");
            }
            n.id
        })?;
        let possible_notes = each_page(&mut conn, texts::possible_notes_after, |n: &NoteText| {
            if holds_pii(&n.note) {
                report("possible_divergence", n.id, "note");
            }
            n.id
        })?;
        Ok(PiiScanSummary {
            questions,
            answers,
            event_notes,
            case_notes,
            possible_notes,
            found: count,
        })
    }
}

/// Reads a table page by page in id order (keyset paging: each page starts after the last id
/// seen, so a page costs the same at row one million as at row one) and visits every row;
/// `visit` returns the row's id. Returns the number of rows.
fn each_page<T>(
    conn: &mut store::Conn,
    fetch: fn(&mut DbConnection, i64, i64) -> StoreResult<Vec<T>>,
    mut visit: impl FnMut(&T) -> i64,
) -> ServiceResult<u64> {
    let mut after = 0;
    let mut rows = 0u64;
    loop {
        let page = store::read_tx(conn, |c| fetch(c, after, PAGE))?;
        for row in &page {
            after = visit(row);
        }
        rows += u64::try_from(page.len()).unwrap_or(u64::MAX);
        if i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE {
            return Ok(rows);
        }
    }
}
