//! Swedish text analysis for the index: words (with the repair of scanned text's confusions),
//! lower-casing, the Snowball stemmer, a rule for the definite endings it leaves, diacritic
//! folding, a reversed variant for compound heads, and adjacent word pairs for phrases.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words and stems: fråga, frågan, frågor, frågorna → "frag".
pub const SWEDISH: &str = "sv";
/// The same terms written backwards, so that a prefix query finds compound heads:
/// "nätverk" finds "prövningsstödsnätverket" through the prefix "krevtan".
pub const SWEDISH_REVERSED: &str = "sv_rev";
/// The Swedish analyzer without stop words, registered for analysis only (no field uses it).
pub const SWEDISH_CONTENT: &str = "sv_content";

/// Adjacent pairs of Swedish terms ("rattslig kvalitet"), each at its first word's position:
/// a two-word phrase is then one term, whose postings are short and which block-max WAND can
/// prune like any word, instead of a position check on every document holding both words.
pub const SWEDISH_PAIRS: &str = "sv_pairs";

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

/// Words: runs of letters and digits, as tantivy's simple tokenizer makes them, except that an
/// `&` glued to the letter after it belongs to the word. Scanned documents read "ä" as "&"
/// ("&rendeprévningen", "till&mpning"); in written text `&` stands between spaces ("A & B").
#[derive(Clone, Default)]
pub struct WordTokenizer {
    token: Token,
}

pub struct WordStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    token: &'a mut Token,
}

fn in_word(c: char, next: Option<char>) -> bool {
    c.is_alphanumeric() || (c == '&' && next.is_some_and(char::is_alphabetic))
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            chars: text.char_indices().peekable(),
            token: &mut self.token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.token.text.clear();
        self.token.position = self.token.position.wrapping_add(1);
        while let Some((start, c)) = self.chars.next() {
            if !in_word(c, self.chars.peek().map(|(_, n)| *n)) {
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, c)) = self.chars.peek() {
                let mut rest = self.text.get(i + c.len_utf8()..).unwrap_or("").chars();
                if !in_word(c, rest.next()) {
                    break;
                }
                end = i + c.len_utf8();
                self.chars.next();
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token
                .text
                .push_str(self.text.get(start..end).unwrap_or(""));
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Repairs what scanning does to Swedish letters where no written word could mean anything
/// else: `&` in a word is "ä", `6` between letters is "ö" ("f6ljd"). Other confusions (é, d for
/// ö) are real letters in other words; the query side tries them instead (see the index).
#[derive(Clone, Copy)]
pub struct ScanRepair;

impl TokenFilter for ScanRepair {
    type Tokenizer<T: Tokenizer> = ScanRepairFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ScanRepairFilter<T> {
        ScanRepairFilter { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct ScanRepairFilter<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for ScanRepairFilter<T> {
    type TokenStream<'a> = ScanRepairStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ScanRepairStream {
            tail: self.inner.token_stream(text),
        }
    }
}

pub struct ScanRepairStream<T> {
    tail: T,
}

/// The word with scanning's unambiguous confusions repaired.
pub fn repair_scan(word: &str) -> Option<String> {
    if !word.contains(['&', '6']) {
        return None;
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 2);
    for (i, c) in chars.iter().enumerate() {
        let letter_at = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphabetic())
        };
        match c {
            '&' => out.push('ä'),
            '6' if letter_at(i.checked_sub(1)) && letter_at(Some(i + 1)) => out.push('ö'),
            c => out.push(*c),
        }
    }
    Some(out)
}

impl<T: TokenStream> TokenStream for ScanRepairStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(repaired) = repair_scan(&token.text) {
            token.text = repaired;
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
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(ScanRepair)
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

/// The Swedish analyzer without Snowball's Swedish stop words (och, att, för …): for weighing
/// what a text is about (the consistency watch), never for a field, where phrases need them.
pub fn swedish_content() -> TextAnalyzer {
    let stop_words = StopWordFilter::new(Language::Swedish)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()));
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(ScanRepair)
        .filter(LowerCaser)
        .filter(stop_words)
        .filter(Stemmer::new(Language::Swedish))
        .filter(SwedishEndings {
            strip: true,
            reverse: false,
        })
        .filter(AsciiFoldingFilter)
        .filter(SwedishEndings {
            strip: false,
            reverse: false,
        })
        .build()
}

/// Emits the pairs of adjacent tokens of the Swedish analyzer (see [`SWEDISH_PAIRS`]).
#[derive(Clone)]
pub struct PairTokenizer {
    words: TextAnalyzer,
    pairs: Vec<Token>,
}

impl PairTokenizer {
    pub fn new() -> PairTokenizer {
        PairTokenizer {
            words: swedish(false),
            pairs: Vec::new(),
        }
    }
}

impl Default for PairTokenizer {
    fn default() -> Self {
        PairTokenizer::new()
    }
}

impl Tokenizer for PairTokenizer {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        self.pairs.clear();
        let mut words = self.words.token_stream(text);
        let mut previous: Option<Token> = None;
        while words.advance() {
            let word = words.token();
            if let Some(p) = &previous {
                self.pairs.push(Token {
                    offset_from: p.offset_from,
                    offset_to: word.offset_to,
                    position: p.position,
                    text: pair(&p.text, &word.text),
                    position_length: 1,
                });
            }
            previous = Some(word.clone());
        }
        PairStream {
            pairs: &mut self.pairs,
            next: 0,
        }
    }
}

pub struct PairStream<'a> {
    pairs: &'a mut [Token],
    next: usize,
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.pairs.len()
    }

    fn token(&self) -> &Token {
        &self.pairs[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.pairs[self.next - 1]
    }
}

/// The pair term of two adjacent analyzed terms.
pub fn pair(first: &str, second: &str) -> String {
    format!("{first} {second}")
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

pub const SWEDISH_EXACT: &str = "sv_exact";

/// Words as written (folded, lower-cased, scanning repaired), without stemming.
pub fn swedish_exact() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(ScanRepair)
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Registers the analyzers on an index handle (needed every time an index is opened).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(SWEDISH_EXACT, swedish_exact());
    index.tokenizers().register(SWEDISH, swedish(false));
    index.tokenizers().register(SWEDISH_REVERSED, swedish(true));
    index
        .tokenizers()
        .register(SWEDISH_CONTENT, swedish_content());
    index
        .tokenizers()
        .register(SWEDISH_PAIRS, TextAnalyzer::from(PairTokenizer::new()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(text: &str) -> Vec<String> {
        terms(&mut swedish(false), text)
    }

    #[test]
    fn scanned_letters_are_repaired_and_written_ampersands_left_alone() {
        assert_eq!(sv("&rendeprövningen"), sv("ärendeprövningen"));
        assert_eq!(sv("till&mpning f6ljd"), sv("tillämpning följd"));
        assert_eq!(sv("&ven"), sv("även"));
        assert_eq!(sv("A & B"), vec!["a", "b"]);
        assert_eq!(sv("AT&T"), sv("atät"));
        assert_eq!(sv("6 kap. 1A6"), vec!["6", "kap", "1a6"]);
        assert_eq!(sv("x&"), vec!["x"]);
        let offsets: Vec<(usize, usize)> = {
            let mut a = swedish(false);
            let mut s = a.token_stream("Ett &rende, två");
            let mut v = Vec::new();
            while s.advance() {
                v.push((s.token().offset_from, s.token().offset_to));
            }
            v
        };
        assert_eq!(offsets, vec![(0, 3), (4, 10), (12, 16)]);
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
    fn pairs_are_adjacent_terms_at_the_first_position() {
        let mut pairs = TextAnalyzer::from(PairTokenizer::new());
        let mut seen = Vec::new();
        let mut stream = pairs.token_stream("Den rättsliga kvaliteten");
        while stream.advance() {
            let t = stream.token();
            seen.push((t.text.clone(), t.position));
        }
        drop(stream);
        let w = sv("Den rättsliga kvaliteten");
        assert_eq!(seen, vec![(pair(&w[0], &w[1]), 0), (pair(&w[1], &w[2]), 1)]);
        assert!(terms(&mut pairs, "ensam").is_empty());
    }

    #[test]
    fn short_words_keep_their_ending() {
        assert_eq!(sv("en"), vec!["en"]);
        assert_eq!(sv("EU:s"), vec!["eu", "s"]);
    }
}
