//! The rarity snapshot: in how many of a fixed set of questions each analysed word occurs (the
//! seed reports' sections of tests/data/relevance and the demo questions), so that the
//! consistency watch weighs a pair's words the same on every run and every instance, whatever
//! the live index holds at the moment.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

use super::analyzer;

/// The snapshot file: a `documents N` line, then one `word<TAB>questions` line per word.
/// Regenerate after changing the analyser or the sources:
/// `ESKALERA_WRITE_RARITY=1 cargo test --lib rarity`.
const SNAPSHOT: &str = include_str!("rarity.tsv");

/// Words shorter than this say little about a question and are left out.
pub const MIN_CHARS: usize = 3;

/// Document frequencies of the snapshot.
#[derive(Debug, Default)]
pub struct Rarity {
    documents: u32,
    questions: HashMap<String, u32>,
}

/// The snapshot compiled into this build.
pub fn snapshot() -> &'static Rarity {
    static RARITY: OnceLock<Rarity> = OnceLock::new();
    RARITY.get_or_init(|| Rarity::parse(SNAPSHOT))
}

impl Rarity {
    fn parse(text: &str) -> Rarity {
        let mut lines = text.lines();
        let documents = lines
            .next()
            .and_then(|l| l.strip_prefix("documents "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        let questions = lines
            .filter_map(|l| {
                let (word, n) = l.split_once('\t')?;
                Some((word.to_string(), n.trim().parse().ok()?))
            })
            .collect();
        Rarity {
            documents,
            questions,
        }
    }

    /// The weight of a word by its rarity (inverse document frequency), or `None` for a word
    /// in more than a third of the questions: such words (asyl, sökande, bedömning) say nothing
    /// about one question. A word the snapshot never saw counts as the rarest.
    pub fn idf(&self, word: &str) -> Option<f64> {
        let docs = f64::from(self.documents.max(1));
        let df = f64::from(self.questions.get(word).copied().unwrap_or(0));
        if df * 3.0 > docs {
            return None;
        }
        Some((1.0 + docs / (df + 1.0)).ln())
    }

    /// The snapshot file for `questions` (title and body each), as [`SNAPSHOT`] holds it.
    pub fn build<'a>(questions: impl Iterator<Item = (&'a str, &'a str)>) -> String {
        let mut content = analyzer::swedish_content();
        let mut documents = 0u32;
        let mut df: BTreeMap<String, u32> = BTreeMap::new();
        for (title, body) in questions {
            documents += 1;
            let words: BTreeSet<String> =
                analyzer::terms(&mut content, &format!("{title}\n{body}"))
                    .into_iter()
                    .filter(|w| w.chars().count() >= MIN_CHARS)
                    .collect();
            for w in words {
                *df.entry(w).or_default() += 1;
            }
        }
        let mut out = format!("documents {documents}\n");
        for (w, n) in df {
            out.push_str(&format!("{w}\t{n}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The questions the snapshot is made of, read from the repository.
    fn sources() -> Vec<(String, String)> {
        let mut out = Vec::new();
        let corpus = std::fs::read_to_string("tests/data/relevance/corpus.jsonl").unwrap();
        for line in corpus.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            out.push((
                v["title"].as_str().unwrap().to_string(),
                v["body"].as_str().unwrap().to_string(),
            ));
        }
        let demo: toml::Value =
            toml::from_str(&std::fs::read_to_string("config/demo/questions.toml").unwrap())
                .unwrap();
        for q in demo["questions"].as_array().unwrap() {
            out.push((
                q["title"].as_str().unwrap().to_string(),
                q["body"].as_str().unwrap().to_string(),
            ));
        }
        out
    }

    #[test]
    fn the_snapshot_is_what_its_sources_make() {
        let sources = sources();
        let built = Rarity::build(sources.iter().map(|(t, b)| (t.as_str(), b.as_str())));
        if std::env::var_os("ESKALERA_WRITE_RARITY").is_some() {
            // Written for the next build: this one compiled the file as it was.
            std::fs::write("src/search/rarity.tsv", &built).unwrap();
            return;
        }
        assert!(
            built == SNAPSHOT,
            "src/search/rarity.tsv is out of date: ESKALERA_WRITE_RARITY=1 cargo test --lib rarity"
        );
        assert!(snapshot().documents as usize == sources.len());
    }

    #[test]
    fn common_words_weigh_nothing_and_unseen_words_most() {
        let r = Rarity::parse("documents 9\nasyl\t8\nbelarus\t1\n");
        assert_eq!(r.idf("asyl"), None);
        let rare = r.idf("belarus").unwrap();
        let unseen = r.idf("xyzzy").unwrap();
        assert!(unseen > rare && rare > 0.0);
    }
}
