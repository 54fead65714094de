//! Property tests of the parsers that take anyone's input: search queries, the personal-data
//! checks, the config loader and the import reader. None may panic, and each answers with a
//! result or a refusal naming the problem (cargo-fuzz needs nightly; proptest runs on stable).

use std::sync::OnceLock;

use eskalera::config::{parse_structure, Config};
use eskalera::domain::pii;
use eskalera::search::index::{QuestionDoc, SearchIndex};
use eskalera::search::Filters;
use eskalera::service::search::SearchQuery;
use eskalera::service::{Actor, Role, ServiceError};
use proptest::prelude::*;

use crate::common::TestApp;

/// Text with the characters that break parsers: quotes, field colons, brackets, operators,
/// Swedish letters, combining marks, emoji, controls.
fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"':()\\[\\]{}*~^+\\-!&|\\\\/ åäöÅÄÖa-z0-9\u{301}\u{1F600}\t\n\u{0}]{0,80}",
        "(fråga|\"|nätverk|AND|OR|NOT|title:|EU:s|-|\\*|\\(|\\)| ){0,12}",
    ]
}

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<(tempfile::TempDir, SearchIndex)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let index = SearchIndex::open(dir.path()).unwrap();
            let mut w: tantivy::IndexWriter = index.index.writer(50_000_000).unwrap();
            for (id, (title, body)) in [
                (
                    "Frågan om konvertiter i nätverket",
                    "Prövningsstödsnätverket och konvertitärenden.",
                ),
                (
                    "Belarus: pass och militärtjänst",
                    "EU:s regler om pass; \"citat\" och (parentes).",
                ),
                (
                    "Förvar av barn",
                    "Synnerliga skäl — 10 kap. 2 § utlänningslagen.",
                ),
            ]
            .into_iter()
            .enumerate()
            {
                let doc = QuestionDoc {
                    id: id as i64 + 1,
                    title: title.into(),
                    body: body.into(),
                    process: "asyl_forstagang".into(),
                    status: "open".into(),
                    ..Default::default()
                };
                w.add_document(doc.to_document(&index.fields)).unwrap();
            }
            w.commit().unwrap();
            index.reader.reload().unwrap();
            (dir, index)
        })
        .1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_search_query_is_answered(q in nasty(), page in 0usize..3, facets in any::<bool>()) {
        let r = index().search(&q, &Filters::default(), page * 20, 20, facets);
        prop_assert!(r.is_ok(), "{q:?}: {r:?}");
        let hits = r.unwrap().hits;
        for h in hits {
            // Snippets are escaped HTML: nothing but <b> marks comes through.
            let stripped = h.snippet.replace("<b>", "").replace("</b>", "");
            prop_assert!(!stripped.contains('<'), "{}", h.snippet);
        }
    }

    #[test]
    fn personal_data_checks_take_any_text(text in nasty()) {
        for m in pii::find_pii(&text) {
            prop_assert!(m.start < m.end && m.end <= text.len());
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            let said = pii::describe(&text, &m);
            prop_assert!(!said.contains(&text[m.start..m.end]) || m.end - m.start < 4, "{said}");
        }
    }

    #[test]
    fn a_valid_personnummer_is_found_wherever_it_stands(
        before in "[a-zåäö ,.]{0,30}",
        after in "[a-zåäö ,.]{0,30}",
        year in 1930u32..2020,
        month in 1u32..=12,
        day in 1u32..=28,
        serial in 0u32..1000,
        dash in any::<bool>(),
    ) {
        let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
        let digits: Vec<u32> = nine.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v = if i % 2 == 0 { d * 2 } else { *d };
                v / 10 + v % 10
            })
            .sum();
        let check = (10 - sum % 10) % 10;
        let number = if dash {
            format!("{}-{}{check}", &nine[..6], &nine[6..])
        } else {
            format!("{nine}{check}")
        };
        let text = format!("{before} {number} {after}");
        prop_assert!(!pii::find_pii(&text).is_empty(), "{text}");
    }

    #[test]
    fn a_damaged_structure_is_refused_not_a_panic(
        line in 0usize..500,
        replacement in nasty(),
    ) {
        let original = include_str!("../../config/structure.toml");
        let mut lines: Vec<&str> = original.lines().collect();
        let at = line % lines.len();
        lines[at] = &replacement;
        let _ = parse_structure(&lines.join("\n"), "fuzzed structure.toml");
    }

    #[test]
    fn damaged_settings_and_environment_are_refused_not_a_panic(
        line in 0usize..200,
        replacement in nasty(),
        variable in prop::sample::select(vec![
            "ESKALERA_DATABASE_URL", "ESKALERA_DATA_DIR", "ESKALERA_BIND", "ESKALERA_NOW",
            "ESKALERA_SMTP_URL", "ESKALERA_SESSION_KEY", "ESKALERA_BASE_URL",
        ]),
        value in nasty(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let original = include_str!("../../config/default.toml");
        let mut lines: Vec<&str> = original.lines().collect();
        let at = line % lines.len();
        lines[at] = &replacement;
        std::fs::write(dir.path().join("default.toml"), lines.join("\n")).unwrap();
        std::fs::copy("config/structure.toml", dir.path().join("structure.toml")).unwrap();
        let path = dir.path().join("default.toml");
        let _ = Config::load_with_env(Some(&path), |name| (name == variable).then(|| value.clone()));
        // The untouched file with only the variable changed.
        let _ = Config::load_with_env(Some(std::path::Path::new("config/default.toml")), |name| {
            (name == variable).then(|| value.clone())
        });
    }
}

/// What people put between the date part and the last four digits of an identity number when
/// they paste it: dashes and minus signs of every kind, spaces of every width, a line break
/// where the text was wrapped, or nothing visible at all.
const SEPARATORS: &[&str] = &[
    "-",
    "\u{2013}",
    "\u{2014}",
    "\u{2212}",
    "\u{2010}",
    "\u{2011}",
    "\u{2012}",
    "\u{fe58}",
    "\u{fe63}",
    "\u{ff0d}",
    " ",
    "\u{a0}",
    "\u{2009}",
    "\u{202f}",
    "\u{2007}",
    "\u{3000}",
    "\t",
    " - ",
    " \u{2013} ",
    "\u{a0}-\u{a0}",
    "- ",
    "-\n",
    "\n",
    "-\r\n",
    " -\r\n",
    "\r\n",
    "\r\n-",
    "\u{ad}",
    "",
];

/// Invisible characters that web pages and word processors leave inside numbers.
const FORMATS: &[&str] = &[
    "\u{200b}", "\u{200c}", "\u{200d}", "\u{2060}", "\u{ad}", "\u{feff}", "\u{200e}", "\u{200f}",
    "\u{202a}", "\u{2066}",
];

fn luhn_check(nine: &str) -> u32 {
    let sum: u32 = nine
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let v = if i % 2 == 0 { d * 2 } else { d };
            v / 10 + v % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_valid_number_is_found_however_it_is_pasted(
        before in "[a-zåäö ,.]{0,20}",
        after in "[a-zåäö ,.]{0,20}",
        year in 1930u32..2020,
        month in 1u32..=12,
        day in 1u32..=28,
        serial in 0u32..1000,
        coordination in any::<bool>(),
        century in any::<bool>(),
        separator in 0..SEPARATORS.len(),
        full_width in prop::collection::vec(any::<bool>(), 12),
        formats in prop::collection::vec(prop::option::weighted(0.25, 0..FORMATS.len()), 13),
    ) {
        let day = if coordination { day + 60 } else { day };
        let nine = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
        let digits = format!("{nine}{}", luhn_check(&nine));
        let date = if century { format!("{}{}", year / 100, &digits[..6]) } else { digits[..6].to_string() };
        // The pieces of the number: each digit, maybe full width, and the separator.
        let mut pieces: Vec<String> = Vec::new();
        for (i, d) in date.chars().chain(['|']).chain(digits[6..].chars()).enumerate() {
            pieces.push(match d {
                '|' => SEPARATORS[separator].to_string(),
                d if full_width[i % 12] => {
                    char::from_u32(0xff10 + d.to_digit(10).unwrap()).unwrap().to_string()
                }
                d => d.to_string(),
            });
        }
        // Invisible characters anywhere inside, never outside the first and last digit.
        let last = pieces.len() - 1;
        let mut number = String::new();
        for (i, piece) in pieces.iter().enumerate() {
            number.push_str(piece);
            if let (true, Some(f)) = (i < last, formats[i % 13]) {
                number.push_str(FORMATS[f]);
            }
        }
        let text = format!("{before} {number} {after}");
        let found = pii::find_pii(&text);
        prop_assert_eq!(found.len(), 1, "{:?}: {:?}", text, found);
        let m = &found[0];
        prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
        // The span is the number as pasted, invisible characters inside it included.
        prop_assert_eq!(&text[m.start..m.end], number.as_str(), "{:?}", text);
        let kind = if coordination { pii::PiiKind::CoordinationNumber } else { pii::PiiKind::PersonalIdentityNumber };
        prop_assert_eq!(m.kind, kind);
        let said = pii::describe(&text, m);
        let first = text[..m.start].chars().count() + 1;
        let end = text[..m.end].chars().count();
        prop_assert_eq!(said, format!("{} at characters {first}–{end}", kind.label()));
    }

    #[test]
    fn pasted_characters_keep_matches_on_char_boundaries(
        text in "[0-9\u{ff10}-\u{ff19}\u{200b}\u{200d}\u{2060}\u{ad}\u{feff}\u{2013}\u{2014}\u{2212}\u{ff0d}\u{ff20}@\u{ff0e}\u{a0}\u{2009}\u{202f}\u{3000}\r\n\t a-eå.+()\\-\u{301}\u{2474}\u{fb01}]{0,80}",
    ) {
        let mut previous_end = 0;
        for m in pii::find_pii(&text) {
            prop_assert!(m.start < m.end && m.end <= text.len(), "{:?} in {:?}", m, text);
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end), "{:?} in {:?}", m, text);
            prop_assert!(m.start >= previous_end, "overlap in {:?}", text);
            previous_end = m.end;
            prop_assert!(pii::describe(&text, &m).starts_with(m.kind.label()));
        }
    }
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("KP-1".to_string()),
        Just("2021-03-01T09:00:00+01:00".to_string()),
        Just("u-lulea-asyl".to_string()),
        Just("asyl_forstagang".to_string()),
        Just("nn-trovardighet".to_string()),
        Just("guidance".to_string()),
        Just("Rubrik om pass".to_string()),
        Just("19121212-1212".to_string()),
        nasty(),
    ]
}

/// A CSV-looking or JSON-looking file built from plausible and broken pieces.
fn import_text() -> impl Strategy<Value = String> {
    let csv = prop::collection::vec(prop::collection::vec(field(), 0..16), 0..6).prop_map(|rows| {
        let mut out = "reference,created_at,unit,title,body,process,answers.forum,answers.created_at,answers.body,answers.binding_status\n".to_string();
        for r in rows {
            out.push_str(&r.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        out
    });
    let jsonl = prop::collection::vec(prop::collection::vec(field(), 10), 0..5).prop_map(|rows| {
        rows.iter()
            .map(|f| {
                serde_json::json!({
                    "reference": f[0], "created_at": f[1], "unit": f[2], "title": f[3],
                    "body": f[4], "process": f[5],
                    "answers": [{"forum": f[6], "created_at": f[7], "body": f[8], "binding_status": f[9]}],
                })
                .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    prop_oneof![csv, jsonl, nasty()]
}

#[test]
fn the_import_reader_takes_any_file() {
    let app = TestApp::start();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&import_text(), |text| {
            match app.svc.import("fuzz.csv", &text, &mut std::io::sink()) {
                Ok(_) | Err(ServiceError::Invalid(_)) => {}
                Err(e) => return Err(TestCaseError::fail(format!("{text:?}: {e}"))),
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_search_use_case_takes_any_filters() {
    let app = TestApp::start();
    let actor = Actor {
        id: 1,
        email: "x@test.se".into(),
        name: "X".into(),
        role: Role::Caseworker,
        unit: "u-lulea-asyl".into(),
        memberships: Default::default(),
    };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let strategy = (
        nasty(),
        nasty(),
        nasty(),
        nasty(),
        any::<i64>(),
        any::<i64>(),
    );
    runner
        .run(&strategy, |(q, process, from, status, page, per_page)| {
            let query = SearchQuery {
                q: Some(q),
                process: Some(process),
                from: Some(from),
                status: Some(status),
                page: Some(page),
                per_page: Some(per_page),
                ..Default::default()
            };
            match app.svc.search(&actor, &query) {
                Ok(_) | Err(ServiceError::Invalid(_)) => Ok(()),
                Err(e) => Err(TestCaseError::fail(format!("{query:?}: {e}"))),
            }
        })
        .unwrap();
}
