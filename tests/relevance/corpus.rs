//! The relevance corpus (issue 18's corpus rule): every numbered section (`N.N` or `N.N.N`) of
//! the two seed reports becomes one question — title the heading, body the section's first 700
//! characters, one guidance answer at a unit holding the next 5,000 — written as the JSON Lines
//! that `eskalera import` reads.

use serde::Serialize;

/// The reports, with the prefix their references get (`SK-4.5.5`, `MV-3.5.1`). The OCR-noisy
/// Migrationsverket report is used exactly as scanned: repairing it is the search's job.
pub const REPORTS: [(&str, &str); 2] = [
    (
        "SK",
        include_str!("../data/seeds/statskontoret-2024-14-manga-oar-sma.txt"),
    ),
    (
        "MV",
        include_str!("../data/seeds/migrationsverket-2025-atgarder-enhetlighet.txt"),
    ),
];

/// Where the generated import file is kept, for people to read what was judged.
pub const CORPUS_FILE: &str = "tests/data/relevance/corpus.jsonl";
pub const BODY_CHARS: usize = 700;
pub const ANSWER_CHARS: usize = 5_000;
/// Fixed times, so that the file never changes by itself (and nothing is "in the future").
pub const ASKED_AT: &str = "2025-01-15T09:00:00+01:00";
pub const ANSWERED_AT: &str = "2025-01-29T14:00:00+01:00";
pub const UNIT: &str = "u-lulea-asyl";
pub const PROCESS: &str = "asyl_forstagang";

/// One numbered section: its reference, heading (without the number) and whole text, with
/// runs of white space (the reports' line breaks and blank lines) made single spaces. Nothing
/// else is changed: hyphens at line ends and OCR errors stay.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub reference: String,
    pub title: String,
    pub text: String,
}

impl Section {
    /// The question's body: the first [`BODY_CHARS`] characters.
    pub fn body(&self) -> String {
        self.text
            .chars()
            .take(BODY_CHARS)
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The answer: the [`ANSWER_CHARS`] characters after the body; empty when the section is no
    /// longer than the body (such a question is imported without an answer).
    pub fn answer(&self) -> String {
        self.text
            .chars()
            .skip(BODY_CHARS)
            .take(ANSWER_CHARS)
            .collect::<String>()
            .trim()
            .to_string()
    }
}

/// What a line of a report starts.
#[derive(Debug, Clone, PartialEq)]
enum Start {
    /// `N.N` or `N.N.N` followed by a title word.
    Section(String),
    /// A chapter heading `N Title`.
    Chapter(u32),
    /// `Bilaga N`: the appendices, which belong to no numbered section.
    Appendix,
}

/// ASCII-folded lower case, to recognise a word whether or not the OCR kept its å/ä/ö.
fn folded(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'å' | 'ä' | 'Å' | 'Ä' => 'a',
            'ö' | 'Ö' => 'o',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// `3.5.1 Samlat grepp …` → "3.5.1". A number must be followed by a title word: the table of
/// contents has lines holding nothing but a number ("3.5.1"), and references to a section
/// inside the text end in a full stop ("avsnitt 6.3.3.").
fn section_number(line: &str) -> Option<String> {
    let t = line.trim();
    let number: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let parts: Vec<&str> = number.split('.').collect();
    let well_formed = (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let rest = &t[number.len()..];
    let titled =
        rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with(char::is_alphabetic);
    (well_formed && titled).then_some(number)
}

/// `2 En utmaning att upprätthålla enhetlighet` → 2. Footnotes look the same ("9 Vi har inte
/// heller uppgifter …"), so a chapter heading must carry the next chapter's number and hold
/// no digit, full stop, parenthesis or bar after it, which every footnote of both reports and
/// every table-of-contents line (dot leaders, page numbers) does.
fn chapter_number(line: &str) -> Option<u32> {
    let t = line.trim();
    let mut chars = t.chars();
    let n = chars.next()?.to_digit(10).filter(|n| *n > 0)?;
    let rest = chars.as_str();
    let titled =
        rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with(char::is_uppercase);
    let clean = !rest
        .chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '.' | '(' | ')' | '|'));
    (titled && clean).then_some(n)
}

fn is_appendix(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next() == Some("Bilaga")
        && words
            .next()
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        && words.next().is_none()
}

/// The lines of a heading that starts at `lines[at]`: the heading line, and the next lines
/// while they continue it. A long heading wraps: in the Statskontoret report (where text lines
/// are separated by blank lines) its lines follow each other up to a blank line; in the
/// Migrationsverket report the text may follow the heading without a blank line, so a further
/// line belongs to the heading only when it starts in lower case ("medborgarskap") or is the
/// last line before a blank line ("Statskontorets rapport"). Returns the end (exclusive).
fn heading_end(lines: &[&str], at: usize) -> usize {
    let mut end = at + 1;
    while let Some(line) = lines.get(end) {
        let t = line.trim();
        if t.is_empty() {
            break;
        }
        let lower = t.starts_with(char::is_lowercase);
        let closes = lines.get(end + 1).is_none_or(|next| next.trim().is_empty());
        if !(lower || closes) {
            break;
        }
        end += 1;
    }
    end
}

/// The table of contents, as a range of lines: from the line "Innehållsförteckning" (the OCR
/// wrote "Innehallsforteckning") to the first chapter heading after it that the rule of
/// [`chapter_number`] accepts — the TOC's own chapter lines carry dot leaders and page numbers,
/// so the first accepted one is the real "1 Inledning". The TOC repeats every heading (some
/// with OCR-mangled numbers such as "311" or "3.13"), so none of its lines may start a section.
fn table_of_contents(lines: &[&str]) -> std::ops::Range<usize> {
    let Some(start) = lines
        .iter()
        .position(|l| folded(l.trim()) == "innehallsforteckning")
    else {
        return 0..0;
    };
    let end = (start + 1..lines.len())
        .find(|i| chapter_number(lines[*i]) == Some(1))
        .unwrap_or(lines.len());
    start..end
}

/// The numbered sections of one report, in document order. A section runs from its heading to
/// the next heading of any level (section, chapter or appendix), so a section's text never
/// holds its subsections' and chapter introductions belong to no question.
pub fn sections(prefix: &str, report: &str) -> Vec<Section> {
    let lines: Vec<&str> = report.lines().collect();
    let toc = table_of_contents(&lines);
    // (first line, end of the heading, what it starts)
    let mut starts: Vec<(usize, usize, Start)> = Vec::new();
    let mut chapter = 0;
    let mut i = 0;
    while i < lines.len() {
        if toc.contains(&i) {
            i = toc.end;
            continue;
        }
        let start = if let Some(n) = section_number(lines[i]) {
            chapter = n
                .split('.')
                .next()
                .and_then(|c| c.parse().ok())
                .unwrap_or(chapter);
            Some(Start::Section(n))
        } else if chapter_number(lines[i]) == Some(chapter + 1) {
            chapter += 1;
            Some(Start::Chapter(chapter))
        } else if is_appendix(lines[i]) {
            Some(Start::Appendix)
        } else {
            None
        };
        match start {
            Some(s) => {
                let end = heading_end(&lines, i);
                starts.push((i, end, s));
                i = end;
            }
            None => i += 1,
        }
    }
    let flat = |ls: &[&str]| {
        ls.join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = Vec::new();
    for (k, (at, heading_end, start)) in starts.iter().enumerate() {
        let Start::Section(number) = start else {
            continue;
        };
        let next = starts.get(k + 1).map_or(lines.len(), |s| s.0);
        let heading = flat(&lines[*at..*heading_end]);
        out.push(Section {
            reference: format!("{prefix}-{number}"),
            title: heading
                .trim_start_matches(number.as_str())
                .trim()
                .to_string(),
            text: flat(&lines[*heading_end..next]),
        });
    }
    out
}

/// Every section of both reports, Statskontoret's first.
pub fn all_sections() -> Vec<Section> {
    REPORTS
        .iter()
        .flat_map(|(prefix, text)| sections(prefix, text))
        .collect()
}

#[derive(Serialize)]
struct ImportLine<'a> {
    reference: &'a str,
    created_at: &'a str,
    unit: &'a str,
    title: &'a str,
    body: &'a str,
    process: &'a str,
    tags: [&'a str; 0],
    countries: [&'a str; 0],
    answers: Vec<ImportAnswer<'a>>,
}

#[derive(Serialize)]
struct ImportAnswer<'a> {
    forum: &'a str,
    created_at: &'a str,
    body: &'a str,
    binding_status: &'a str,
}

/// The import file: one JSON line per section, in document order.
pub fn import_lines() -> String {
    let mut out = String::new();
    for s in all_sections() {
        let (body, answer) = (s.body(), s.answer());
        let answers = if answer.is_empty() {
            Vec::new()
        } else {
            vec![ImportAnswer {
                forum: UNIT,
                created_at: ANSWERED_AT,
                body: &answer,
                binding_status: "guidance",
            }]
        };
        let line = ImportLine {
            reference: &s.reference,
            created_at: ASKED_AT,
            unit: UNIT,
            title: &s.title,
            body: &body,
            process: PROCESS,
            tags: [],
            countries: [],
            answers,
        };
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    // Paths rather than `use super::*`: `cargo bench` compiles this file with cfg(test) but
    // without the test harness, where the import would be unused.
    #[test]
    fn headings_toc_and_footnotes_are_told_apart() {
        assert_eq!(
            super::section_number("3.5.1 Samlat grepp"),
            Some("3.5.1".into())
        );
        assert_eq!(
            super::section_number(" 1.2.1 Tydliga brister"),
            Some("1.2.1".into())
        );
        assert_eq!(super::section_number("3.5.1"), None);
        assert_eq!(super::section_number("6.3.3. "), None);
        assert_eq!(super::section_number("311 Metod for nationell"), None);
        assert_eq!(super::section_number("2025. Underlaget ska"), None);
        assert_eq!(
            super::chapter_number(" 2 En utmaning att upprätthålla enhetlighet "),
            Some(2)
        );
        assert_eq!(super::chapter_number("3  Atgarder inom ramen for"), Some(3));
        assert_eq!(
            super::chapter_number("2 Uppdragets genomforande.......... 8"),
            None
        );
        assert_eq!(
            super::chapter_number("1 Uppdraget finns i bilaga 1. "),
            None
        );
        assert_eq!(
            super::chapter_number("40 rättsliga ställningstaganden som"),
            None
        );
        assert!(super::is_appendix(" Bilaga 3 "));
        assert!(!super::is_appendix("bilaga 3 samt"));
    }
}
