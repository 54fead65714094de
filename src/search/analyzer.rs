//! Swedish text analysis for the index: lower-casing, the Snowball stemmer, a rule for the
//! definite endings it leaves, diacritic folding, and a reversed variant for compound heads.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words and stems: fråga, frågan, frågor, frågorna → "frag".
pub const SWEDISH: &str = "sv";
/// The same terms written backwards, so that a prefix query finds compound heads:
/// "nätverk" finds "prövningsstödsnätverket" through the prefix "krevtan".
pub const SWEDISH_REVERSED: &str = "sv_rev";

/// Definite and plural endings the Snowball stemmer leaves on (frågan, nätverket, byrån).
/// Longest first; a stem keeps at least three letters.
const ENDINGS: &[&str] = &["erna", "arna", "orna", "ena", "en", "et", "an", "na"];

fn strip_ending(word: &mut String) {
    for e in ENDINGS {
        if let Some(stem) = word.strip_suffix(e) {
            if stem.chars().count() >= 3 {
                let len = stem.len();
                word.truncate(len);
                return;
            }
        }
    }
}

/// The generic ending rule (`strip`), or reversal for the reversed analyzer (`reverse`).
#[derive(Clone, Copy)]
pub struct SwedishEndings {
    strip: bool,
    reverse: bool,
}

impl TokenFilter for SwedishEndings {
    type Tokenizer<T: Tokenizer> = SwedishEndingsFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> SwedishEndingsFilter<T> {
        SwedishEndingsFilter {
            inner: tokenizer,
            strip: self.strip,
            reverse: self.reverse,
        }
    }
}

#[derive(Clone)]
pub struct SwedishEndingsFilter<T> {
    inner: T,
    strip: bool,
    reverse: bool,
}

impl<T: Tokenizer> Tokenizer for SwedishEndingsFilter<T> {
    type TokenStream<'a> = SwedishEndingsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        SwedishEndingsStream {
            tail: self.inner.token_stream(text),
            strip: self.strip,
            reverse: self.reverse,
        }
    }
}

pub struct SwedishEndingsStream<T> {
    tail: T,
    strip: bool,
    reverse: bool,
}

impl<T: TokenStream> TokenStream for SwedishEndingsStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let (strip, reverse) = (self.strip, self.reverse);
        let token = self.tail.token_mut();
        if strip {
            strip_ending(&mut token.text);
        }
        if reverse {
            token.text = token.text.chars().rev().collect();
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The Swedish analyzer; folding comes last so that the stemmer still sees å, ä and ö, and
/// a query typed without them (fraga, provning) meets the same terms.
pub fn swedish(reverse: bool) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::Swedish))
        .filter(SwedishEndings {
            strip: true,
            reverse: false,
        })
        .filter(AsciiFoldingFilter)
        .filter(SwedishEndings {
            strip: false,
            reverse,
        })
        .build()
}

/// The terms `text` gives under an analyzer, in order.
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// Registers the analyzers on an index handle (needed every time an index is opened).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(SWEDISH, swedish(false));
    index.tokenizers().register(SWEDISH_REVERSED, swedish(true));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(text: &str) -> Vec<String> {
        terms(&mut swedish(false), text)
    }

    #[test]
    fn inflections_meet() {
        let forms = [
            "fråga",
            "frågan",
            "frågor",
            "frågorna",
            "Frågorna",
            "fraga",
            "fragorna",
        ];
        let stems: Vec<String> = forms.iter().flat_map(|f| sv(f)).collect();
        assert!(stems.iter().all(|s| s == &stems[0]), "{stems:?}");
        assert_eq!(sv("nätverket"), sv("nätverk"));
        assert_eq!(sv("beslutet"), sv("beslut"));
        assert_eq!(sv("ärendet"), sv("ärenden"));
        assert_eq!(sv("prövning"), sv("provning"));
    }

    #[test]
    fn reversed_terms_end_with_the_head() {
        let rev = terms(&mut swedish(true), "prövningsstödsnätverket");
        let head: String = sv("nätverk")[0].chars().rev().collect();
        assert!(rev[0].starts_with(&head), "{rev:?} {head}");
    }

    #[test]
    fn short_words_keep_their_ending() {
        assert_eq!(sv("en"), vec!["en"]);
        assert_eq!(sv("EU:s"), vec!["eu", "s"]);
    }
}
