//! The relevance instrument of issue 18, shared by `cargo bench --bench relevance` and the floor
//! test (tests/it/relevance.rs), which both include it with `#[path]`: the corpus built from the
//! seed reports, the judged queries, the metrics, and eskalera's side of a run.
#![allow(dead_code)]

pub mod corpus;
pub mod judged;
pub mod metrics;
pub mod peers;

use std::collections::BTreeSet;

use eskalera::service::import::ImportSummary;
use eskalera::service::search::SearchQuery;
use eskalera::service::{Actor, Role, Service};

/// Results per query that the metrics look at: the first page.
pub const PAGE: usize = 10;

/// Imports the corpus through the real import use case (`eskalera import`), with its
/// personal-data checks and validation.
pub fn import_corpus(svc: &Service) -> ImportSummary {
    svc.import(
        "relevance-corpus.jsonl",
        &corpus::import_lines(),
        &mut std::io::sink(),
    )
    .unwrap_or_else(|e| panic!("the relevance corpus was refused: {e:?}"))
}

/// A caseworker at the corpus's unit; search does not depend on who asks, but it takes an actor.
pub fn caseworker() -> Actor {
    Actor {
        id: 0,
        email: "handlaggare@relevance.test".into(),
        name: "Relevance".into(),
        role: Role::Caseworker,
        unit: corpus::UNIT.into(),
        memberships: BTreeSet::new(),
    }
}

/// eskalera's ranking of `q`: the references of the first page of the search use case, exactly
/// as a caseworker's search asks for it (no filters).
pub fn eskalera_ranking(svc: &Service, actor: &Actor, q: &str) -> Vec<String> {
    let query = SearchQuery {
        q: Some(q.to_string()),
        page: Some(1),
        per_page: Some(PAGE as i64),
        ..SearchQuery::default()
    };
    svc.search(actor, &query)
        .unwrap_or_else(|e| panic!("search {q:?}: {e:?}"))
        .hits
        .into_iter()
        .map(|h| h.reference)
        .collect()
}
