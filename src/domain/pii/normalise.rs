//! The normalised copy of a text that the personal-data detectors read, with the way back to the original's byte offsets.
//!
//! People paste numbers from Word, PDFs, phones and web pages: an en dash from autocorrect,
//! a non-breaking or thin space, a soft hyphen or zero-width space from a web page, full-width
//! digits from an East Asian input method, a line break where the text was wrapped. The
//! detectors stay simple by reading a copy where each of those is spelled one way, and every
//! match is mapped back so that messages point at what the user sees.

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// The text the detectors read. Besides NFKC (full-width digits and `＠`, compatibility
/// spaces): format characters are gone, every dash and minus is `-`, and every run of white
/// space is one character — `' '` without a line break, `'\n'` with one, `"\n\n"` with more
/// (a paragraph break, which no detector crosses).
#[derive(Debug)]
pub(super) struct Normalised {
    pub text: String,
    /// For every byte of `text`: the byte range of the original it came from, always on the
    /// original's char boundaries.
    origin: Vec<(usize, usize)>,
}

impl Normalised {
    pub fn of(original: &str) -> Normalised {
        let mut out = Builder {
            text: String::with_capacity(original.len()),
            origin: Vec::with_capacity(original.len()),
            run: None,
        };
        let mut chars = original.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            // A character and the combining marks after it are normalised together, so that
            // "e" + U+0301 becomes the letter "é"; normalising the whole text at once would lose
            // the offsets, and composition across two starters never concerns the detectors.
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if canonical_combining_class(next) == 0 {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            let range = (start, end);
            if c.is_ascii() && end == start + 1 {
                out.push(c, range);
            } else if let Some(segment) = original.get(start..end) {
                for n in segment.nfkc() {
                    out.push(n, range);
                }
            }
        }
        out.end_run();
        Normalised {
            text: out.text,
            origin: out.origin,
        }
    }

    /// The original byte range of `text[start..end]`, or None for an empty or odd range.
    pub fn original(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        if start >= end {
            return None;
        }
        let (from, _) = *self.origin.get(start)?;
        let (_, to) = *self.origin.get(end - 1)?;
        (from < to).then_some((from, to))
    }
}

/// A run of white space being collapsed: where it lies in the original, and how many line
/// breaks it holds.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    breaks: u32,
    /// The last character was a carriage return, so a line feed right after it is the same break.
    after_cr: bool,
}

struct Builder {
    text: String,
    origin: Vec<(usize, usize)>,
    run: Option<Run>,
}

impl Builder {
    fn push(&mut self, c: char, range: (usize, usize)) {
        if is_format(c) {
            // Dropped without ending a white-space run: "811218 \u{200B} 9876" is one space.
            return;
        }
        if c.is_whitespace() {
            let run = self.run.get_or_insert(Run {
                start: range.0,
                end: range.1,
                breaks: 0,
                after_cr: false,
            });
            run.end = range.1;
            let crlf = c == '\n' && run.after_cr;
            if is_line_break(c) && !crlf {
                run.breaks = run.breaks.saturating_add(1);
            }
            run.after_cr = c == '\r';
            return;
        }
        self.end_run();
        self.emit(if is_dash(c) { '-' } else { c }, range);
    }

    fn end_run(&mut self) {
        if let Some(run) = self.run.take() {
            let range = (run.start, run.end);
            match run.breaks {
                0 => self.emit(' ', range),
                1 => self.emit('\n', range),
                _ => {
                    self.emit('\n', range);
                    self.emit('\n', range);
                }
            }
        }
    }

    fn emit(&mut self, c: char, range: (usize, usize)) {
        self.text.push(c);
        self.origin.extend(std::iter::repeat_n(range, c.len_utf8()));
    }
}

fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Dashes (general category Pd) and minus signs. NFKC has already turned the small and
/// full-width hyphen-minus into `-`, the non-breaking hyphen into U+2010, the small em dash into
/// U+2014 and the super- and subscript minus into U+2212.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2d}' | '\u{58a}' | '\u{5be}' | '\u{1400}' | '\u{1806}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2043}'
                | '\u{2212}'
                | '\u{2796}'
                | '\u{2e17}'
                | '\u{2e1a}'
                | '\u{2e3a}'
                | '\u{2e3b}'
                | '\u{2e40}'
                | '\u{2e5d}'
                | '\u{301c}'
                | '\u{3030}'
                | '\u{30a0}'
                | '\u{fe31}'
                | '\u{fe32}'
                | '\u{fe58}'
                | '\u{fe63}'
                | '\u{ff0d}'
                | '\u{10ead}'
    )
}

/// General category Cf (Unicode 15): invisible characters that change nothing a reader sees —
/// soft hyphen, zero-width space, joiners, word joiner, bidi marks and isolates, BOM, tags —
/// and the other default-ignorable marks that are just as invisible between two digits:
/// variation selectors and the combining grapheme joiner.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{180b}'..='\u{180d}'
            | '\u{180f}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{e0100}'..='\u{e01ef}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The normalised text, and the original slice behind each of its characters.
    fn pieces(original: &str) -> (String, Vec<&str>) {
        let n = Normalised::of(original);
        let slices = n
            .text
            .char_indices()
            .map(|(i, c)| {
                let (a, b) = n.original(i, i + c.len_utf8()).unwrap_or((0, 0));
                original.get(a..b).unwrap_or("<odd>")
            })
            .collect();
        (n.text, slices)
    }

    #[test]
    fn compatibility_forms_dashes_and_spaces_are_spelled_one_way() {
        for (original, normalised) in [
            ("８１１２１８－９８７６", "811218-9876"),
            ("anna＠exempel．se", "anna@exempel.se"),
            (
                "a\u{2013}b\u{2014}c\u{2212}d\u{2011}e\u{fe58}f\u{fe63}g\u{2010}h",
                "a-b-c-d-e-f-g-h",
            ),
            (
                "a\u{a0}b\u{2009}c\u{202f}d\u{2007}e\u{3000}f\tg",
                "a b c d e f g",
            ),
            ("a \u{a0}\t b", "a b"),
            (
                "x\u{200b}y\u{200c}z\u{200d}w\u{2060}v\u{ad}u\u{feff}t\u{200e}s\u{202e}r",
                "xyzwvutsr",
            ),
            ("1 \u{200b} 2", "1 2"),
            ("a\r\nb", "a\nb"),
            ("a \r\n b", "a\nb"),
            ("a\rb\u{2028}c", "a\nb\nc"),
            ("a\n\nb", "a\n\nb"),
            ("a\r\n\r\n\r\nb", "a\n\nb"),
            ("e\u{301}", "é"),
            ("ﬁ ²", "fi 2"),
            ("", ""),
        ] {
            assert_eq!(pieces(original).0, normalised, "{original:?}");
        }
    }

    #[test]
    fn every_character_maps_back_to_what_it_came_from() {
        let (text, slices) = pieces("８\u{200b}1 \u{a0}\r\n–e\u{301}x");
        assert_eq!(text, "81\n-éx");
        assert_eq!(slices, vec!["８", "1", " \u{a0}\r\n", "–", "e\u{301}", "x"]);
        let n = Normalised::of("ab");
        assert_eq!(n.original(0, 0), None);
        assert_eq!(n.original(1, 0), None);
        assert_eq!(n.original(0, 9), None);
        assert_eq!(n.original(0, 2), Some((0, 2)));
    }

    #[test]
    fn a_long_run_of_combining_marks_stays_one_piece() {
        let text = format!("a{}", "\u{301}".repeat(20_000));
        let n = Normalised::of(&text);
        assert_eq!(n.original(0, n.text.len()), Some((0, text.len())));
    }
}
