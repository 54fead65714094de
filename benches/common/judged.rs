//! A small judged set for the search benchmark: 26 queries written by hand the way a
//! caseworker would type them (other inflections than the text, some compounds split, one
//! without å/ä/ö), each about one sentence of the seed documents.
//!
//! How the judgments are made (a rule, not a person reading results): the generator builds a
//! question's title from a slice of one seed sentence and its body from 2–4 whole sentences
//! (see `Corpus::generate`). A question is judged relevant to a query when its title was cut
//! from the query's sentence or its body contains that sentence: the question is "about" it.
//! Answers are drawn from other random sentences, so a question that only shares words with
//! the sentence through its answers, or through other sentences, is judged not relevant even
//! when a reader might find it useful. The queries were written before any engine was run on
//! them and have not been changed since.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// (query, a fragment that identifies the sentence it is about).
pub const JUDGED: [(&str, &str); 26] = [
    (
        "offentligt biträde muntlig utredning",
        "offentligt biträde oftast ska vara med",
    ),
    (
        "utkast till beslut föredras beslutsfattare",
        "Innan handläggaren tar fram ett utkast",
    ),
    (
        "antal handläggare asylprövning",
        "drog Migrationsverket ned på antalet handläggare",
    ),
    (
        "klagomål allmänheten inspektion",
        "klagomål från allmänheten, inspektioner",
    ),
    (
        "medborgarskap tillstånd skydd",
        "Inom ärenden om medborgarskap och tillstånd finns inte motsvarande skydd",
    ),
    (
        "översyn hbtqi konvertit",
        "omfatta hbtqi- och konvertitärenden",
    ),
    (
        "DSSH-modellen checklista",
        "DSSH-modellen i viss utsträckning",
    ),
    (
        "oddset bifall avslag region väst",
        "oddset att få bifall på ansökan om asyl i stället för avslag i region Väst",
    ),
    ("sveriges kristna råd samverkan", "Sveriges kristna rad"),
    (
        "strukturen upplevs komplicerad information",
        "Manga medarbetare upplever att de inte har fatt",
    ),
    (
        "beslutsfattare önskar mer utbildning introduktionen",
        "58 procent önskat mer sådan utbildning",
    ),
    (
        "enhetschef återkoppling rättslig kvalitet",
        "Ungefär varannan beslutsfattare svarar att enhetschefen",
    ),
    (
        "årsredovisningen underlag regeringen",
        "årsredovisning är ett centralt underlag",
    ),
    (
        "förvaltningsprocessenheten återkoppling",
        "återkopplade förvaltningsprocessenheterna",
    ),
    (
        "regressionsanalys granskad docent nationalekonomi",
        "Regressionsanalyserna i kapitel 2",
    ),
    (
        "sekretessprövning begär ut materialet",
        "lämnas ut efter sekretessprövning",
    ),
    (
        "materiellt riktigt beslut lagstiftning",
        "Med materiellt riktiga beslut i frågan avses",
    ),
    (
        "deltagare ses varannan vecka",
        "ses deltagarna varje eller varannan vecka",
    ),
    (
        "handläggare kort tid asylprövningen",
        "arbetat ganska kort tid i asylprövningen",
    ),
    (
        "myndighetsstaben riskrapportering",
        "Riskrapportering 1 2024",
    ),
    (
        "utfall domstol skillnader mellan regioner",
        "Analysen av utfallen i domstol",
    ),
    (
        "genomförande av programmet",
        "genomförandet av programmet är lågt",
    ),
    (
        "andel avslag per enhet domstolsbeslut",
        "Andel avslag per enhet används",
    ),
    (
        "landets politiska organisation manskliga rattigheter",
        "landets politiska organisation",
    ),
    ("arbetsgivare referensperson", "referensperson i Sverige"),
    (
        "flykt politisk förföljelse skyddsbehov",
        "flyr från politisk förföljelse",
    ),
];

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The sentence a fragment identifies (it must identify exactly one, maybe repeated).
pub fn sentence(sentences: &[String], fragment: &str) -> String {
    let mut found: Vec<&String> = sentences.iter().filter(|s| s.contains(fragment)).collect();
    found.sort();
    found.dedup();
    assert_eq!(found.len(), 1, "fragment {fragment:?} names {found:?}");
    found[0].clone()
}

/// The questions judged relevant to `sentence` in the SQLite corpus, by the rule above.
pub fn relevant(conn: &mut SqliteConnection, sentence: &str) -> Vec<i64> {
    diesel::sql_query(
        "SELECT id FROM questions WHERE instr(body, $1) > 0 OR instr($1, title) > 0 ORDER BY id",
    )
    .bind::<Text, _>(sentence)
    .load::<Id>(conn)
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect()
}
