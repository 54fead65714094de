//! The index's unit tests.

use super::counting::round_estimate;
use super::topk::halves;
use super::*;

#[test]
fn the_cursor_payload_reads_back_and_an_old_bare_id_means_transaction_zero() {
    assert_eq!(parse_cursor(&cursor_payload((812, 40))), (812, 40));
    assert_eq!(parse_cursor("1234"), (0, 1234));
    assert_eq!(parse_cursor(" 7:9\n"), (7, 9));
    assert_eq!(parse_cursor("x:1"), (0, 0));
    assert_eq!(parse_cursor(""), (0, 0));
}

const WORDS: [&str; 12] = [
    "frågan",
    "nätverket",
    "konvertiter",
    "trovärdighet",
    "beslut",
    "och",
    "i",
    "att",
    "prövningsstödsnätverket",
    "belarus",
    "rättsliga",
    "kvaliteten",
];

/// An index of generated questions with every binding status, in several segments and
/// with deleted documents, so that pruning meets all its cases.
fn generated_index(dir: &Path) -> SearchIndex {
    let index = SearchIndex::open(dir).unwrap();
    let mut writer: tantivy::IndexWriter = index.index.writer(50_000_000).unwrap();
    let statuses = [
        "guidance",
        "temporary",
        "binding",
        "superseded",
        "withdrawn",
    ];
    let mut x: u64 = 7;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    for id in 0..1500i64 {
        let text = |next: &mut dyn FnMut(usize) -> usize, len: usize| {
            (0..len)
                .map(|_| WORDS[next(WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let answers = (0..next(3))
            .map(|i| IndexedAnswer {
                answered_at: None,
                id: id * 10 + i as i64,
                binding_status: statuses[next(statuses.len())].to_string(),
                forum: "nn-asyl".into(),
                body: text(&mut next, 8),
            })
            .collect();
        let doc = QuestionDoc {
            id,
            reference: format!("PS-{id}"),
            title: text(&mut next, 4),
            body: text(&mut next, 12),
            process: "asyl".into(),
            status: "answered".into(),
            level: "unit".into(),
            forum: "u-x".into(),
            answers,
            ..Default::default()
        };
        writer.add_document(doc.to_document(&index.fields)).unwrap();
        if id % 500 == 499 {
            writer.commit().unwrap();
        }
    }
    for id in (0..1500u64).step_by(7) {
        writer.delete_term(Term::from_field_u64(index.fields.id, id));
    }
    writer.commit().unwrap();
    index.reader.reload().unwrap();
    index
}

#[test]
fn the_visible_cursor_waits_for_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    let mut writer: tantivy::IndexWriter = index.index.writer(15_000_000).unwrap();
    let doc = QuestionDoc {
        id: 1,
        title: "konvertit".into(),
        ..Default::default()
    };
    writer.add_document(doc.to_document(&index.fields)).unwrap();
    let mut prepared = writer.prepare_commit().unwrap();
    prepared.set_payload(&cursor_payload((5, 9)));
    prepared.commit().unwrap();
    // Committed, not yet shown: the cursor has moved, what searches see has not.
    assert_eq!(index.cursor().unwrap(), (5, 9));
    assert_eq!(index.visible_cursor(), (0, 0));
    let found = |i: &SearchIndex| {
        i.search("konvertit", &Filters::default(), 0, 10, false)
            .unwrap()
            .total
    };
    assert_eq!(found(&index), 0);
    index.reload().unwrap();
    assert_eq!(index.visible_cursor(), (5, 9));
    assert_eq!(found(&index), 1);
    // Reopened, the index shows its last commit.
    drop(writer);
    drop(index);
    assert_eq!(
        SearchIndex::open(dir.path()).unwrap().visible_cursor(),
        (5, 9)
    );
}

#[test]
fn pruned_top_k_is_the_exhaustive_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let index = generated_index(dir.path());
    let searcher = index.reader.searcher();
    assert!(searcher.segment_readers().len() > 1);
    for q in [
        "frågan",
        "nätverk konvertit",
        "och i att",
        "\"rättsliga kvaliteten\"",
        "\"och i att\"",
        "belarus \"beslut och\"",
    ] {
        let query = index.text_query(&searcher, q).unwrap().scoring;
        for (k, parallel_from) in [1, 5, 20, 100]
            .into_iter()
            .flat_map(|k| [(k, u64::MAX), (k, 0)])
        {
            let pruned = index
                .top_k(&searcher, query.as_ref(), k, parallel_from)
                .unwrap();
            let exhaustive =
                TopDocs::with_limit(k).tweak_score(|segment: &tantivy::SegmentReader| {
                    let boosts = segment
                        .fast_fields()
                        .f64("boost")
                        .unwrap()
                        .first_or_default_col(1.0);
                    move |doc: tantivy::DocId, score: tantivy::Score| {
                        score * boosts.get_val(doc) as f32
                    }
                });
            let expected = searcher.search(query.as_ref(), &exhaustive).unwrap();
            // Block-max WAND sums the terms in another order: equal up to rounding.
            assert_eq!(pruned.len(), expected.len(), "{q} k={k} {parallel_from}");
            for (p, e) in pruned.iter().zip(&expected) {
                assert!(
                    (p.0 - e.0).abs() <= 1e-5 * e.0.abs(),
                    "{q} k={k}: {p:?} {e:?}"
                );
            }
            assert!(!pruned.is_empty(), "{q}");
        }
        let counted = index.count(&searcher, query.as_ref(), true, false).unwrap();
        let all = searcher
            .search(query.as_ref(), &tantivy::collector::Count)
            .unwrap();
        assert_eq!(counted.total, all, "{q}");
        assert!(counted.exact);
        let statuses: u64 = counted.facets["status"].iter().map(|c| c.count).sum();
        // Past a sample the total of a text query is estimated, and close.
        let sampled = index
            .count_sampling(&searcher, query.as_ref(), true, false, 100)
            .unwrap();
        if all > 150 {
            assert!(!sampled.exact);
            let ratio = sampled.total as f64 / all as f64;
            assert!(
                (0.75..1.33).contains(&ratio),
                "{q}: {} for {all}",
                sampled.total
            );
            let in_sample: u64 = sampled.facets["status"].iter().map(|c| c.count).sum();
            assert_eq!(in_sample, 100);
        }
        let exact = index
            .count_sampling(&searcher, query.as_ref(), false, true, 100)
            .unwrap();
        assert_eq!(exact.total, all, "{q}");
        assert_eq!(statuses as usize, all, "{q}");
    }
}

#[test]
fn the_halves_share_out_the_documents_evenly_and_the_same_way_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let index = generated_index(dir.path());
    let searcher = index.reader.searcher();
    let segments = searcher.segment_readers();
    let [a, b] = halves(segments);
    let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..segments.len()).collect::<Vec<_>>());
    let docs = |h: &[usize]| -> u32 { h.iter().map(|i| segments[*i].max_doc()).sum() };
    let largest = segments.iter().map(|s| s.max_doc()).max().unwrap();
    assert!(docs(&a).abs_diff(docs(&b)) <= largest);
    assert_eq!(halves(segments), [a, b]);
}

#[test]
fn quotes_split_into_phrases() {
    assert_eq!(
        split_quoted(r#"belarus "tillfälligt stöd" pass"#),
        vec![
            ("belarus ", false),
            ("tillfälligt stöd", true),
            (" pass", false)
        ]
    );
    assert_eq!(split_quoted(r#""open"#), vec![("open", true)]);
    assert!(split_quoted(r#""""#).is_empty());
}

#[test]
fn estimates_keep_two_significant_figures() {
    assert_eq!(round_estimate(487_321.0), 490_000);
    assert_eq!(round_estimate(20_449.0), 20_000);
    assert_eq!(round_estimate(7.4), 7);
}

#[test]
fn html_is_escaped() {
    assert_eq!(
        escape_html("<script>&\"'"),
        "&lt;script&gt;&amp;&quot;&#x27;"
    );
}
