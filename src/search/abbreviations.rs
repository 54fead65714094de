//! The abbreviations people in the migration field search with, as analysed terms, both ways:
//! the abbreviation finds the words it stands for, the words find the abbreviation.

use std::sync::OnceLock;

use super::analyzer;

/// Abbreviations and what they stand for.
pub const ABBREVIATIONS: &[(&str, &str)] = &[
    ("PUT", "permanent uppehållstillstånd"),
    ("TUT", "tidsbegränsat uppehållstillstånd"),
    ("UT", "uppehållstillstånd"),
    ("UtlL", "utlänningslagen"),
    ("UtlF", "utlänningsförordningen"),
    ("MIG", "Migrationsöverdomstolen"),
    ("MÖD", "Migrationsöverdomstolen"),
    ("RS", "rättsligt ställningstagande"),
    ("JO", "Justitieombudsmannen"),
    ("JK", "Justitiekanslern"),
    ("EUAA", "Europeiska unionens asylbyrå"),
    ("NKU", "nationell kvalitetsuppföljning"),
    ("NOA", "nationella operativa avdelningen"),
    ("LMA", "lagen om mottagande av asylsökande"),
];

/// An abbreviation as written and analysed.
pub struct Abbreviation {
    /// As people write it: only this spelling stands for the words ("MIG", not the pronoun
    /// "mig"; "UT", not the adverb "ut").
    pub written: &'static str,
    /// Its analysed term, which the words find.
    pub term: String,
    /// The analysed terms of what it stands for.
    pub words: Vec<String>,
    /// Also an everyday word ("UT" is "ut", "MIG" is "mig"): the words then do not add it, or
    /// every text would match.
    pub everyday: bool,
}

/// The abbreviation entries, analysed once.
pub fn abbreviations() -> &'static [Abbreviation] {
    static LIST: OnceLock<Vec<Abbreviation>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut analyzer = analyzer::swedish(false);
        let mut content = analyzer::swedish_content();
        ABBREVIATIONS
            .iter()
            .filter_map(|(written, long)| {
                let term = match analyzer::terms(&mut analyzer, written).as_slice() {
                    [t] => t.clone(),
                    _ => return None,
                };
                Some(Abbreviation {
                    written,
                    term,
                    words: analyzer::terms(&mut analyzer, long),
                    everyday: analyzer::terms(&mut content, written).is_empty(),
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(word: &str) -> String {
        analyzer::terms(&mut analyzer::swedish(false), word)
            .pop()
            .unwrap_or_default()
    }

    #[test]
    fn abbreviations_are_analysed_both_ways() {
        let put = abbreviations()
            .iter()
            .find(|a| a.written == "PUT" && a.term == term("PUT"))
            .map(|a| a.words.clone());
        assert_eq!(
            put,
            Some(vec![term("permanent"), term("uppehållstillstånd")])
        );
        let everyday: Vec<&str> = abbreviations()
            .iter()
            .filter(|a| a.everyday)
            .map(|a| a.written)
            .collect();
        assert!(
            everyday.contains(&"UT") && everyday.contains(&"MIG"),
            "{everyday:?}"
        );
        assert!(!everyday.contains(&"PUT"), "{everyday:?}");
    }
}
