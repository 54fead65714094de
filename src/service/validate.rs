//! Input checks shared by the use cases: required text, lengths, codes, and personal data.

use chrono::{Datelike, NaiveDate};

use crate::domain::catalogue::{FieldProblem, Hint, Thing};
use crate::domain::paging::{Paging, MAX_PAGE};
use crate::domain::pii;
use crate::domain::Code;
use crate::service::FieldError;

/// Collects every problem of one input, so that the 422 names them all at once.
#[derive(Debug, Default)]
pub struct Checks {
    pub errors: Vec<FieldError>,
}

/// Up to `n` words of `text` just before byte `at` (none of them personal data: the scan stops
/// at the match), to point to a place in a text without quoting what is there.
fn words_before(text: &str, at: usize, n: usize) -> String {
    let before = text.get(..at).unwrap_or("");
    let words: Vec<&str> = before.split_whitespace().collect();
    let from = words.len().saturating_sub(n);
    words[from..]
        .join(" ")
        .trim_end_matches([',', ':', ';', '(', '"', '”'])
        .to_string()
}

impl Checks {
    pub fn fail(&mut self, field: &str, problem: FieldProblem) {
        self.errors.push(FieldError::new(field, problem));
    }

    /// Free text: personal data is refused, naming where it is but not repeating it.
    pub fn free_text(&mut self, field: &str, value: &str, max_chars: usize) {
        if value.chars().count() > max_chars {
            self.fail(field, FieldProblem::TooLong { max: max_chars });
        }
        if value.contains('\0') {
            self.fail(field, FieldProblem::NulCharacter);
        }
        for m in pii::find_pii(value) {
            let (first, last) = pii::position(value, &m);
            self.fail(
                field,
                FieldProblem::PersonalData {
                    kind: m.kind.label(),
                    first,
                    last,
                    after: words_before(value, m.start, 4),
                },
            );
        }
    }

    /// Required free text: present and not only white space.
    pub fn required_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) {
        match value.map(str::trim) {
            None | Some("") => self.fail(field, FieldProblem::Required),
            Some(v) => self.free_text(field, v, max_chars),
        }
    }

    /// An optional code of `T` (a status, an outcome): `None` when blank; an unknown one fails
    /// naming `field` and the codes there are.
    pub fn code<T: Code>(&mut self, field: &str, thing: Thing, value: Option<&str>) -> Option<T> {
        let value = value.map(str::trim).filter(|s| !s.is_empty())?;
        T::parse(value).or_else(|| {
            self.fail(
                field,
                FieldProblem::Unknown {
                    thing,
                    value: value.into(),
                    hint: Hint::OneOf(T::choices()),
                },
            );
            None
        })
    }

    /// Optional free text, checked when present.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) {
        if let Some(v) = value {
            self.free_text(field, v, max_chars);
        }
    }

    /// A list of short free-text items such as tags or references.
    pub fn text_list(
        &mut self,
        field: &str,
        values: &[String],
        max_items: usize,
        max_chars: usize,
    ) {
        if values.len() > max_items {
            self.fail(field, FieldProblem::TooMany { max: max_items });
        }
        for (i, v) in values.iter().enumerate() {
            let name = format!("{field}[{i}]");
            if v.trim().is_empty() {
                self.fail(&name, FieldProblem::Empty);
            } else {
                self.free_text(&name, v, max_chars);
            }
        }
    }

    /// An optional date in the form YYYY-MM-DD, within ±9999 years: longer years do not
    /// compare correctly as text and no stored data reaches them.
    pub fn date(&mut self, field: &str, value: Option<&str>) -> Option<NaiveDate> {
        let v = value.map(str::trim).filter(|v| !v.is_empty())?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) if (-9999..=9999).contains(&d.year()) => Some(d),
            Ok(_) => {
                self.fail(field, FieldProblem::YearOutOfRange { value: v.into() });
                None
            }
            Err(_) => {
                self.fail(field, FieldProblem::NotADate { value: v.into() });
                None
            }
        }
    }

    /// A page of a list: `page` from 1 (default 1), `per_page` from 1 to `max_per_page`
    /// (default `default_per_page`). A wrong value is reported and the default used.
    pub fn paging(
        &mut self,
        page: Option<i64>,
        per_page: Option<i64>,
        default_per_page: i64,
        max_per_page: i64,
    ) -> Paging {
        let per_page = per_page.unwrap_or(default_per_page);
        let per_page = if (1..=max_per_page).contains(&per_page) {
            per_page
        } else {
            self.fail(
                "per_page",
                FieldProblem::Between {
                    min: 1,
                    max: max_per_page,
                },
            );
            default_per_page
        };
        let page = page.unwrap_or(1);
        let page = if (1..=MAX_PAGE).contains(&page) {
            page
        } else {
            self.fail(
                "page",
                FieldProblem::Between {
                    min: 1,
                    max: MAX_PAGE,
                },
            );
            1
        };
        Paging { page, per_page }
    }

    pub fn finish(self) -> Result<(), crate::service::ServiceError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::service::ServiceError::Invalid(self.errors))
        }
    }
}

/// Trimmed, de-duplicated items in their first order.
pub fn normalise_list(values: &[String], lower: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim();
        let v = if lower {
            v.to_lowercase()
        } else {
            v.to_string()
        };
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// ISO 3166-1 alpha-2: two ASCII capital letters (the codes themselves change too often to list).
pub fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_pointed_to_by_the_words_before_it_never_quoted() {
        let mut checks = Checks::default();
        checks.free_text(
            "body",
            "Kan vi ringa sökanden på 070-123 45 67 i morgon?",
            1000,
        );
        checks.free_text("title", "070-123 45 67 är numret", 1000);
        let errors = checks.finish().unwrap_err();
        let crate::service::ServiceError::Invalid(errors) = errors else {
            panic!("{errors:?}");
        };
        let sv: Vec<String> = errors.iter().map(|e| e.message_sv.clone()).collect();
        assert!(
            sv[0].contains("ett telefonnummer efter ”vi ringa sökanden på”"),
            "{sv:?}"
        );
        assert!(sv[1].contains("i början av texten"), "{sv:?}");
        assert!(sv.iter().all(|m| !m.contains("070")), "never repeated");
    }

    #[test]
    fn collects_every_problem() {
        let mut c = Checks::default();
        c.required_text("title", Some("  "), 10);
        c.required_text("body", None, 10);
        c.free_text("note", "elva tecken!", 10);
        c.text_list("tags", &["ok".into(), " ".into()], 5, 10);
        let fields: Vec<_> = c.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "body", "note", "tags[1]"]);
    }

    #[test]
    fn dates_are_bounded() {
        let mut c = Checks::default();
        assert!(c.date("to", Some("2026-12-06")).is_some());
        assert!(c.date("to", Some(" ")).is_none());
        assert!(c.date("to", Some("-262143-01-15")).is_none());
        assert!(c.date("to", Some("+10000-01-01")).is_none());
        assert!(c.date("to", Some("06/12/2026")).is_none());
        assert!(c.date("to", Some("-4714-01-01")).is_some());
        let fields: Vec<_> = c.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["to", "to", "to"]);
    }

    #[test]
    fn lists_are_normalised() {
        let v = normalise_list(&[" Belarus ".into(), "belarus".into(), "".into()], true);
        assert_eq!(v, vec!["belarus"]);
        assert!(is_country_code("BY") && !is_country_code("by") && !is_country_code("BLR"));
    }
}
