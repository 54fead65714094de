//! Personal-data detection for free text: personnummer/samordningsnummer (Luhn-checked), e-mail addresses, phone numbers.

mod normalise;

use normalise::Normalised;

/// What kind of personal data a span holds; the 422 message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PiiKind {
    PersonalIdentityNumber,
    CoordinationNumber,
    Email,
    Phone,
}

impl PiiKind {
    /// Swedish label for messages, e.g. "personnummer", "samordningsnummer", "e-postadress", "telefonnummer".
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::PersonalIdentityNumber => "personnummer",
            PiiKind::CoordinationNumber => "samordningsnummer",
            PiiKind::Email => "e-postadress",
            PiiKind::Phone => "telefonnummer",
        }
    }
}

/// One span of personal data: byte offsets into the input, `end` exclusive, both on char boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiMatch {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

/// All personal data found in `text`, in order of appearance. Never panics on any input (including arbitrary Unicode, Swedish å/ä/ö, emoji).
///
/// The detectors read a normalised copy (`pii/normalise.rs`): the spellings people actually
/// paste — an en dash from Word, a soft hyphen or zero-width space from a web page, full-width
/// digits, a number wrapped onto the next line — read like the plain one. Offsets are mapped
/// back, so they index `text` itself and take in the invisible characters inside a match.
#[must_use]
pub fn find_pii(text: &str) -> Vec<PiiMatch> {
    let normalised = Normalised::of(text);
    let mut out: Vec<PiiMatch> = Vec::new();
    for m in find_normalised(&normalised.text) {
        let Some((start, end)) = normalised.original(m.start, m.end) else {
            continue;
        };
        // A character that normalises to several (such as "⒈" to "1.") could put the end of one
        // match and the start of the next in the same original character.
        if out.last().is_none_or(|p| p.end <= start) {
            out.push(PiiMatch {
                kind: m.kind,
                start,
                end,
            });
        }
    }
    out
}

/// The detectors over normalised text; offsets index that text.
fn find_normalised(text: &str) -> Vec<PiiMatch> {
    let mut accepted: Vec<PiiMatch> = Vec::new();
    // Earlier detectors win overlaps: an e-mail address may embed digits, and a Luhn-valid
    // identity number is a stronger signal than the phone heuristic over the same digits.
    let identity_numbers = find_identity_numbers(text);
    let phones = find_phones(text, &identity_numbers);
    for found in [find_emails(text), identity_numbers, phones] {
        for m in found {
            // `accepted` stays sorted and non-overlapping, so its ends are sorted too.
            let idx = accepted.partition_point(|a| a.end <= m.start);
            if accepted.get(idx).is_none_or(|a| a.start >= m.end) {
                accepted.insert(idx, m);
            }
        }
    }
    accepted
}

/// A redacted human-readable excerpt of a match for error messages, that does NOT repeat the personal data itself: e.g. "personnummer at characters 12–23".
///
/// Positions are 1-based characters, inclusive, so they match what a user sees in the form.
#[must_use]
pub fn describe(text: &str, m: &PiiMatch) -> String {
    let (first, last) = position(text, m);
    if last > first {
        format!("{} at characters {}–{}", m.kind.label(), first, last)
    } else {
        format!("{} at character {}", m.kind.label(), first)
    }
}

/// Where a match is, as the first and last character (1-based, inclusive) a user sees.
#[must_use]
pub fn position(text: &str, m: &PiiMatch) -> (usize, usize) {
    (chars_before(text, m.start) + 1, chars_before(text, m.end))
}

/// Counting instead of slicing keeps a caller-built match with odd offsets from panicking.
fn chars_before(text: &str, byte: usize) -> usize {
    text.char_indices().take_while(|&(i, _)| i < byte).count()
}

fn digit_run(b: &[u8], pos: usize) -> usize {
    b.get(pos..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

/// Normalised text has one kind of space, and a line break is `'\n'`.
fn space_len(b: &[u8], pos: usize) -> usize {
    usize::from(b.get(pos) == Some(&b' '))
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\n'
}

fn find_identity_numbers(text: &str) -> Vec<PiiMatch> {
    let b = text.as_bytes();
    let figures = figures(b);
    let lines = Lines::of(b, &figures);
    figures
        .iter()
        .enumerate()
        .filter_map(|(k, f)| {
            let kind = f.kind?;
            (f.marked || !in_table(b, &figures, k, &lines)).then_some(PiiMatch {
                kind,
                start: f.start,
                end: f.end,
            })
        })
        .collect()
}

/// Figures shaped like an identity number, standing as a word of their own: six or eight
/// digits, a gap and four digits, or ten or twelve digits in a row.
#[derive(Debug, Clone, Copy)]
struct Figure {
    start: usize,
    end: usize,
    /// Written as one number: with a hyphen or '+' (see [`Gap`]), or all digits in a row.
    marked: bool,
    /// The date part is a date (of birth, or plus 60 for a coordination number): it could be
    /// an identity number, if perhaps a mistyped one.
    dated: bool,
    /// The check digit agrees too: the kind of number it is.
    kind: Option<PiiKind>,
}

/// Every figure of `b`, in order; they never overlap.
fn figures(b: &[u8]) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let run = digit_run(b, i);
        if run == 0 {
            i += 1;
            continue;
        }
        let glued_to_word = i
            .checked_sub(1)
            .and_then(|j| b.get(j))
            .is_some_and(u8::is_ascii_alphanumeric);
        if !glued_to_word {
            if let Some(f) = figure_at(b, i, run) {
                out.push(f);
                i = f.end;
                continue;
            }
        }
        // The rest of a digit run is never at a word boundary.
        i += run;
    }
    out
}

/// What stands between the date part and the four last digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Gap {
    len: usize,
    /// A hyphen (or the centenarian's '+') that belongs to the number: right after the date
    /// part as in "811218-9876" and "811218-⏎9876", or spaced on both sides as in
    /// "121212 - 1212". Without one — a space or a line break, or a sign glued to the last
    /// digits like a negative count in "811218 -9876" — the figures might be table cells.
    marked: bool,
}

/// The gap at `pos` after a date part of `run` digits: a space or a line break, a hyphen, or a
/// hyphen with a space or line break on either side or both; at most one line break, since a
/// blank line between the halves is a paragraph break, not a wrapped number.
fn identity_gap(b: &[u8], pos: usize, run: usize) -> Option<Gap> {
    let blank_at = |p: usize| b.get(p).copied().is_some_and(is_blank);
    let mut p = pos;
    let before = blank_at(p);
    if before {
        p += 1;
    }
    // '+' marks a centenarian and only exists in the 10-digit spelling.
    let sign = match b.get(p) {
        Some(b'-') => true,
        Some(b'+') => run == 6,
        _ => false,
    };
    let after = sign && blank_at(p + 1);
    if sign {
        p += 1;
    }
    if after {
        p += 1;
    }
    let gap = b.get(pos..p)?;
    if gap.is_empty() || gap.iter().filter(|&&c| c == b'\n').count() > 1 {
        return None;
    }
    Some(Gap {
        len: gap.len(),
        marked: sign && (!before || after),
    })
}

/// `run` is the length of the digit run starting at `start`.
fn figure_at(b: &[u8], start: usize, run: usize) -> Option<Figure> {
    let head = b.get(start..start + run)?;
    let (serial, end, marked): (&[u8], usize, bool) = match run {
        10 | 12 => (&[], start + run, true),
        6 | 8 => {
            let gap = identity_gap(b, start + run, run)?;
            let serial_start = start + run + gap.len;
            if digit_run(b, serial_start) != 4 {
                return None;
            }
            let end = serial_start + 4;
            (b.get(serial_start..end)?, end, gap.marked)
        }
        _ => return None,
    };
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let digits: Vec<u8> = head
        .iter()
        .chain(serial)
        .map(|c| c.wrapping_sub(b'0'))
        .collect();
    let ten = match digits.as_slice() {
        [c1, c2, rest @ ..] if rest.len() == 10 => {
            (18..=20).contains(&(c1 * 10 + c2)).then_some(rest)
        }
        all => Some(all),
    };
    let dated = ten.and_then(date_kind);
    Some(Figure {
        start,
        end,
        marked,
        dated: dated.is_some(),
        kind: dated.filter(|_| ten.is_some_and(luhn_valid)),
    })
}

/// The line structure of a text, for telling a table's columns from a list of people.
struct Lines {
    /// Where each line starts.
    starts: Vec<usize>,
    /// The text's length: where the last line ends.
    len: usize,
    /// Per line: it holds figures split by white space whose date part is no date, so they are
    /// counts in a table and not anyone's number.
    counts: Vec<bool>,
}

impl Lines {
    fn of(b: &[u8], figures: &[Figure]) -> Lines {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(
                b.iter()
                    .enumerate()
                    .filter(|&(_, &c)| c == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        let mut lines = Lines {
            counts: vec![false; starts.len()],
            starts,
            len: b.len(),
        };
        for f in figures.iter().filter(|f| !f.marked && !f.dated) {
            for line in lines.of_pos(f.start)..=lines.of_pos(f.end.saturating_sub(1)) {
                if let Some(flag) = lines.counts.get_mut(line) {
                    *flag = true;
                }
            }
        }
        lines
    }

    fn of_pos(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s <= pos).saturating_sub(1)
    }

    fn is_empty(&self, line: usize) -> bool {
        let start = self.starts.get(line).copied().unwrap_or(self.len);
        let end = self
            .starts
            .get(line + 1)
            .map_or(self.len, |next| next.saturating_sub(1));
        end <= start
    }

    /// The nearest line above `line` (or below, `down`) that is not empty; rows of a table
    /// copied from a PDF often have a blank line between them.
    fn neighbour(&self, line: usize, down: bool) -> Option<usize> {
        let step = |l: usize| {
            if down {
                Some(l + 1).filter(|&n| n < self.starts.len())
            } else {
                l.checked_sub(1)
            }
        };
        let next = step(line)?;
        if self.is_empty(next) {
            step(next)
        } else {
            Some(next)
        }
    }
}

/// Longer words are not figures; the bound keeps the look-around constant.
const MAX_CELL: usize = 24;

/// Whether figure `k`, split by nothing but white space, is a pair of cells in a table rather
/// than an identity number: one pair of counts in a hundred reads as a date with a valid check
/// digit. A statistics table puts counts side by side in a row ("2020 163005 1200") and under
/// each other down a column, across lines ("Nord 163005 1200⏎Syd 170101 1300"). So: a
/// neighbouring count of three or more digits, counts on both sides, or a neighbouring row
/// holding a pair of counts whose date part is no date. A small number beside a person's
/// number ("nr 2 811218 9876", "811218 9876 42 år") is not a table, nor is a list of numbers
/// that could all be people's, mistyped ones included.
fn in_table(b: &[u8], figures: &[Figure], k: usize, lines: &Lines) -> bool {
    let Some(f) = figures.get(k) else {
        return false;
    };
    let before = f
        .start
        .checked_sub(1)
        .filter(|&j| b.get(j).copied().is_some_and(is_blank))
        .and_then(|j| {
            let part_of_number = k
                .checked_sub(1)
                .and_then(|p| figures.get(p))
                .is_some_and(|p| p.end == j && p.dated);
            cell_before(b, j).filter(|_| !part_of_number)
        })
        .and_then(count_digits);
    let after = Some(f.end)
        .filter(|&j| b.get(j).copied().is_some_and(is_blank))
        .and_then(|j| {
            let part_of_number = figures
                .get(k + 1)
                .is_some_and(|n| n.start == j + 1 && n.dated);
            cell_after(b, j + 1).filter(|_| !part_of_number)
        })
        .and_then(count_digits);
    let in_row = before.is_some_and(|n| n >= 3)
        || after.is_some_and(|n| n >= 3)
        || (before.is_some() && after.is_some());
    let counts_beside = |line: Option<usize>| {
        line.and_then(|l| lines.counts.get(l))
            .copied()
            .unwrap_or(false)
    };
    in_row
        || counts_beside(lines.neighbour(lines.of_pos(f.start), false))
        || counts_beside(lines.neighbour(lines.of_pos(f.end.saturating_sub(1)), true))
}

/// The cell (a run of non-blank bytes) that ends at `end`, if it is no longer than [`MAX_CELL`].
fn cell_before(b: &[u8], end: usize) -> Option<&[u8]> {
    let lowest = end.saturating_sub(MAX_CELL + 1);
    let start = (lowest..end)
        .rev()
        .find(|&i| b.get(i).copied().is_some_and(is_blank))
        .map_or(lowest, |i| i + 1);
    let whole = start == 0 || b.get(start - 1).copied().is_some_and(is_blank);
    b.get(start..end)
        .filter(|_| whole && end - start <= MAX_CELL)
}

/// The cell that starts at `start`, if it is no longer than [`MAX_CELL`].
fn cell_after(b: &[u8], start: usize) -> Option<&[u8]> {
    let rest = b.get(start..)?;
    let len = rest
        .iter()
        .take(MAX_CELL + 1)
        .take_while(|&&c| !is_blank(c))
        .count();
    rest.get(..len).filter(|_| len <= MAX_CELL)
}

/// The digits of a cell holding a count: digits with decimal commas or points, maybe a sign,
/// a per cent sign or trailing punctuation ("1200", "-35", "0,5", "88%", "7890.").
fn count_digits(cell: &[u8]) -> Option<usize> {
    let mut body = cell
        .strip_prefix(b"-")
        .or_else(|| cell.strip_prefix(b"+"))
        .unwrap_or(cell);
    while let [rest @ .., b'.' | b',' | b';' | b':' | b'%' | b')'] = body {
        body = rest;
    }
    let plain = body
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b',' | b'.'));
    let digits = body.iter().filter(|c| c.is_ascii_digit()).count();
    (plain && body.first().is_some_and(u8::is_ascii_digit)).then_some(digits)
}

/// The kind of number a ten-digit identity number's date part makes, if it is a date.
fn date_kind(ten: &[u8]) -> Option<PiiKind> {
    let [_, _, m1, m2, d1, d2, _, _, _, _] = ten else {
        return None;
    };
    let month = m1 * 10 + m2;
    let day = d1 * 10 + d2;
    // Skatteverket issues samordningsnummer with the birth day plus 60.
    let (day, kind) = if day > 60 {
        (day - 60, PiiKind::CoordinationNumber)
    } else {
        (day, PiiKind::PersonalIdentityNumber)
    };
    ((1..=12).contains(&month) && day != 0 && day <= days_in_month(month)).then_some(kind)
}

/// February gets 29 because the two-digit year cannot tell leap years apart.
fn days_in_month(month: u8) -> u8 {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Luhn over the 10-digit form: weights 2,1,2,1,… from the left, the last digit is the check digit.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn find_emails(text: &str) -> Vec<PiiMatch> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for (at, _) in text.match_indices('@') {
        let Some(start) = email_local_start(text, at) else {
            continue;
        };
        if start < last_end {
            continue;
        }
        let Some(end) = email_domain_end(text, at + 1) else {
            continue;
        };
        out.push(PiiMatch {
            kind: PiiKind::Email,
            start,
            end,
        });
        last_end = end;
    }
    out
}

fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn email_local_start(text: &str, at: usize) -> Option<usize> {
    let before = text.get(..at)?;
    let mut start = at;
    for (i, c) in before.char_indices().rev() {
        if !is_local_char(c) {
            break;
        }
        start = i;
    }
    let mut local = text.get(start..at)?;
    // A full stop before the address belongs to the sentence, not to the local part.
    while let Some(rest) = local.strip_prefix('.') {
        local = rest;
        start += 1;
    }
    if local.is_empty() || local.ends_with('.') {
        return None;
    }
    Some(start)
}

fn email_domain_end(text: &str, from: usize) -> Option<usize> {
    let rest = text.get(from..)?;
    let len = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '-' || c == '.'))
        .map_or(rest.len(), |(i, _)| i);
    // The sentence may end right after the address.
    let domain = rest.get(..len)?.trim_end_matches(['.', '-']);
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return None;
    }
    let tld = labels.last()?;
    if tld.chars().count() < 2 || !tld.chars().all(char::is_alphabetic) {
        return None;
    }
    Some(from + domain.len())
}

/// How the number is dialled decides which digits count and which group shapes are plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialling {
    /// 0 + area code, e.g. 070-123 45 67 or (08) 123 45 67.
    National,
    /// +CC …
    Plus,
    /// 00 + CC …
    DoubleZero,
}

/// A run of digits, possibly parenthesised as in "(08)" or "+46 (0)70".
struct Group<'a> {
    digits: &'a [u8],
    /// Byte offset just past the group, including a closing parenthesis.
    end: usize,
    paren: bool,
    /// The separator before this group was a dot, as in "070.123.45.67".
    dotted: bool,
}

/// No phone number spans more digits; stopping here keeps scanning linear on long tables.
const MAX_SCANNED_DIGITS: usize = 16;

/// A Swedish national number is 0 + 7 to 9 digits.
const NATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 8..=10;
/// Counted after + or 00; the upper bound stays below E.164's 15 to keep clear of long
/// reference numbers.
const INTERNATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 8..=13;

/// Shortest subscriber part (after the area code) of a Swedish number; rules out ISSN-like "0280-7815".
const MIN_SUBSCRIBER_DIGITS: usize = 5;

/// `identity_numbers` lets a phone number directly follow one, as in "811218-9876 070-123 45 67".
fn find_phones(text: &str, identity_numbers: &[PiiMatch]) -> Vec<PiiMatch> {
    let mut out: Vec<PiiMatch> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let follows_match = |gap_start: usize| {
            out.last().is_some_and(|m| m.end == gap_start)
                || identity_numbers
                    .binary_search_by_key(&gap_start, |m| m.end)
                    .is_ok()
        };
        if let Some(end) = phone_at(text, i, follows_match) {
            out.push(PiiMatch {
                kind: PiiKind::Phone,
                start: i,
                end,
            });
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

fn phone_at(text: &str, start: usize, follows_match: impl Fn(usize) -> bool) -> Option<usize> {
    let b = text.as_bytes();
    let dialling = match b.get(start)? {
        b'+' => Dialling::Plus,
        b'0' if b.get(start + 1) == Some(&b'0') => Dialling::DoubleZero,
        b'(' | b'0' => Dialling::National,
        _ => return None,
    };
    if !phone_may_start(text, start, follows_match) {
        return None;
    }
    let first = if dialling == Dialling::Plus {
        start + 1
    } else {
        start
    };
    let end = longest_phone(dialling, &scan_groups(b, first))?;
    phone_may_end(text, end).then_some(end)
}

/// Characters that glue figures together in references, dates, decimals and ranges (every
/// dash is '-' by now).
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | ',' | ':' | '_' | '+')
}

/// A phone number starts a figure of its own: a digit just before a joiner or a space means we
/// are inside a longer figure (table rows such as "45 009 4 511", "1.3.1-0…", "2005:0716"),
/// unless that digit ends personal data already found, as in a list of numbers.
fn phone_may_start(text: &str, start: usize, follows_match: impl Fn(usize) -> bool) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let mut rev = before.chars().rev();
    let Some(c) = rev.next() else {
        return true;
    };
    let digit_before = rev.next().is_some_and(|p| p.is_ascii_digit());
    if c.is_alphanumeric() {
        false
    } else if c == ' ' {
        !digit_before || follows_match(start - c.len_utf8())
    } else {
        !(is_joiner(c) && digit_before)
    }
}

/// A joiner followed by a digit continues the figure (decimals "012 345,50", "…-89"), so the
/// run is not a phone number. A space does not: the number may be followed by a count.
fn phone_may_end(text: &str, end: usize) -> bool {
    let Some(after) = text.get(end..) else {
        return false;
    };
    let mut chars = after.chars();
    let Some(c) = chars.next() else {
        return true;
    };
    let digit_after = chars.next().is_some_and(|n| n.is_ascii_digit());
    !(c.is_alphanumeric() || (is_joiner(c) && digit_after))
}

fn group_at(b: &[u8], pos: usize) -> Option<Group<'_>> {
    match b.get(pos)? {
        b'(' => {
            let n = digit_run(b, pos + 1);
            if n == 0 || b.get(pos + 1 + n) != Some(&b')') {
                return None;
            }
            Some(Group {
                digits: b.get(pos + 1..pos + 1 + n)?,
                end: pos + n + 2,
                paren: true,
                dotted: false,
            })
        }
        c if c.is_ascii_digit() => {
            let n = digit_run(b, pos);
            Some(Group {
                digits: b.get(pos..pos + n)?,
                end: pos + n,
                paren: false,
                dotted: false,
            })
        }
        _ => None,
    }
}

/// Separators are a single space, a hyphen, " - ", or a dot; never a newline, so a number
/// cannot span two lines. A parenthesised group may touch its neighbours: "(08)123",
/// "+46(0)70". Returns where the next group starts and whether the separator was a dot.
fn next_group_start(b: &[u8], pos: usize, after_paren: bool) -> Option<(usize, bool)> {
    if b.get(pos) == Some(&b'.') {
        return b
            .get(pos + 1)
            .is_some_and(u8::is_ascii_digit)
            .then_some((pos + 1, true));
    }
    let mut p = pos + space_len(b, pos);
    if b.get(p) == Some(&b'-') {
        p += 1;
        p += space_len(b, p);
    }
    let separated = p > pos;
    match b.get(p)? {
        c if c.is_ascii_digit() && (separated || after_paren) => Some((p, false)),
        b'(' => Some((p, false)),
        _ => None,
    }
}

/// A number separated by dots uses nothing else ("070.123.45.67", "08.123.456.78"): mixed with
/// spaces or dashes the dots are times and decimals, as in "kl. 08.00-17.00" or "08.30 - 12".
fn scan_groups(b: &[u8], mut pos: usize) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut digits = 0;
    let mut dotted = false;
    while let Some(mut group) = group_at(b, pos) {
        group.dotted = dotted;
        digits += group.digits.len();
        let (end, paren) = (group.end, group.paren);
        groups.push(group);
        if digits > MAX_SCANNED_DIGITS {
            break;
        }
        match next_group_start(b, end, paren) {
            // The first separator sets the kind for the rest.
            Some((next, dot)) if groups.len() == 1 || dot == dotted => {
                dotted = dot;
                pos = next;
            }
            _ => break,
        }
    }
    groups
}

/// End of the longest prefix of `groups` that reads as a phone number.
fn longest_phone(dialling: Dialling, groups: &[Group<'_>]) -> Option<usize> {
    let first = groups.first()?;
    if !first_group_ok(dialling, first) {
        return None;
    }
    let allowed = match dialling {
        Dialling::National => NATIONAL_DIGITS,
        Dialling::Plus | Dialling::DoubleZero => INTERNATIONAL_DIGITS,
    };
    let mut digits: Vec<u8> = Vec::new();
    let mut counted = 0;
    let mut best = None;
    for (k, group) in groups.iter().enumerate() {
        if k > 0 && !later_group_ok(dialling, first, k, group) {
            break;
        }
        counted += counted_digits(dialling, k, group);
        if counted > *allowed.end() {
            break;
        }
        digits.extend_from_slice(group.digits);
        // Two groups split by a dot read as a time or a decimal ("08.00"); a phone number
        // written with dots has three groups or more.
        let too_few_dotted = group.dotted && k < 2;
        let complete = !group.paren
            && !too_few_dotted
            && allowed.contains(&counted)
            && (dialling != Dialling::National
                || k == 0
                || counted - first.digits.len() >= MIN_SUBSCRIBER_DIGITS)
            && !(dialling == Dialling::National && looks_like_date(&digits));
        if complete {
            best = Some(group.end);
        }
    }
    best
}

fn first_group_ok(dialling: Dialling, first: &Group<'_>) -> bool {
    match (dialling, first.digits) {
        // Only an area code goes in parentheses.
        (Dialling::National, [b'0', second, ..]) => {
            *second != b'0' && (!first.paren || (2..=4).contains(&first.digits.len()))
        }
        (Dialling::Plus, [lead, ..]) => !first.paren && *lead != b'0',
        (Dialling::DoubleZero, [b'0', b'0', rest @ ..]) => {
            !first.paren && rest.first().is_none_or(|c| *c != b'0')
        }
        _ => false,
    }
}

fn later_group_ok(dialling: Dialling, first: &Group<'_>, k: usize, group: &Group<'_>) -> bool {
    match dialling {
        // Swedish subscriber numbers are grouped in twos to fours after a 2–4 digit area code;
        // single digits signal a table of figures instead.
        Dialling::National => {
            !group.paren && group.digits.len() >= 2 && (2..=4).contains(&first.digits.len())
        }
        Dialling::Plus | Dialling::DoubleZero => {
            if group.paren {
                // Only the trunk zero in "+46 (0)70".
                k == 1 && group.digits == b"0"
            } else if dialling == Dialling::DoubleZero && k == 1 && first.digits.len() == 2 {
                // "00 46 …": this group is the country code.
                group.digits.first().is_some_and(|c| *c != b'0')
            } else {
                true
            }
        }
    }
}

/// The international prefix and the optional trunk zero are not part of the number's length.
fn counted_digits(dialling: Dialling, k: usize, group: &Group<'_>) -> usize {
    match dialling {
        _ if group.paren && dialling != Dialling::National => 0,
        Dialling::DoubleZero if k == 0 => group.digits.len().saturating_sub(2),
        _ => group.digits.len(),
    }
}

/// "05-12-2024", "01 01 2020", "24122023" read as dates, not as 8-digit phone numbers.
fn looks_like_date(digits: &[u8]) -> bool {
    let [d1, d2, m1, m2, y1, y2, _, _] = digits else {
        return false;
    };
    let pair = |a: &u8, b: &u8| a.wrapping_sub(b'0') * 10 + b.wrapping_sub(b'0');
    (1..=31).contains(&pair(d1, d2))
        && (1..=12).contains(&pair(m1, m2))
        && (19..=20).contains(&pair(y1, y2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent of `luhn_valid`: the check digit Skatteverket defines for the first nine digits.
    fn luhn_check_digit(nine: &str) -> u32 {
        let sum: u32 = nine
            .chars()
            .filter_map(|c| c.to_digit(10))
            .zip([2, 1].into_iter().cycle())
            .map(|(d, w)| {
                let p = d * w;
                p / 10 + p % 10
            })
            .sum();
        (10 - sum % 10) % 10
    }

    /// Appends the check digit, so tests can spell valid numbers in any format: the Luhn digits
    /// are the stem's last nine (a century prefix and separators don't count).
    fn with_check(stem: &str) -> String {
        let digits: String = stem.chars().filter(char::is_ascii_digit).collect();
        let nine = digits.get(digits.len().saturating_sub(9)..).unwrap_or("");
        format!("{stem}{}", luhn_check_digit(nine))
    }

    fn found(text: &str) -> Vec<(PiiKind, &str)> {
        find_pii(text)
            .into_iter()
            .map(|m| {
                (
                    m.kind,
                    text.get(m.start..m.end).unwrap_or("<not a char boundary>"),
                )
            })
            .collect()
    }

    fn assert_single(text: &str, kind: PiiKind, span: &str) {
        assert_eq!(found(text), vec![(kind, span)], "input: {text:?}");
    }

    fn assert_clean(text: &str) {
        assert_eq!(found(text), vec![], "input: {text:?}");
    }

    #[test]
    fn luhn_helper_agrees_with_known_numbers() {
        assert_eq!(luhn_check_digit("811218987"), 6);
        assert_eq!(luhn_check_digit("701063239"), 1);
        assert_eq!(with_check("811218-987"), "811218-9876");
        assert_eq!(with_check("19811218-987"), "19811218-9876");
    }

    #[test]
    fn personnummer_in_every_spelling() {
        use PiiKind::PersonalIdentityNumber as P;
        for pnr in [
            "811218-9876",
            "811218+9876",
            "8112189876",
            "811218 9876",
            "811218\u{a0}9876",
            "19811218-9876",
            "198112189876",
            "19811218 9876",
        ] {
            assert_single(pnr, P, pnr);
            let sentence = format!("Sökande ({pnr}) har inkommit.");
            assert_single(&sentence, P, pnr);
        }
        for stem in [
            "900101-123",
            "20050228-456",
            "18991231-001",
            "040229123",
            "20040229 123",
            "991130+000",
        ] {
            let pnr = with_check(stem);
            assert_single(&format!("pnr: {pnr}."), P, &pnr);
        }
    }

    #[test]
    fn samordningsnummer_in_every_spelling() {
        use PiiKind::CoordinationNumber as C;
        for nr in [
            "701063-2391",
            "7010632391",
            "701063 2391",
            "19701063-2391",
            "197010632391",
        ] {
            assert_single(&format!("samnr {nr}"), C, nr);
        }
        let day_91 = with_check("900391-123");
        assert_single(&day_91, C, &day_91);
    }

    #[test]
    fn luhn_failures_and_impossible_dates_are_not_identity_numbers() {
        for text in [
            "811218-9875",
            "19811218-9877",
            "8112189870",
            "701063-2392",
            "811218+9871",
        ] {
            assert_clean(text);
        }
        for stem in [
            "811318-987",   // month 13
            "811200-987",   // day 0
            "810231-987",   // 31 February
            "810431-987",   // 31 April
            "811260-987",   // coordination day 0
            "811292-987",   // coordination day 32
            "21811218-987", // century 21
        ] {
            assert_clean(&with_check(stem));
        }
    }

    #[test]
    fn identity_numbers_need_word_boundaries() {
        for text in [
            "a811218-9876",
            "811218-98761",
            "1811218-9876",
            "811218-9876b",
            "ärende X811218-9876",
            "19811218+9876",
            "811218--9876",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn emails() {
        use PiiKind::Email as E;
        for (text, span) in [
            (
                "anna.andersson@migrationsverket.se",
                "anna.andersson@migrationsverket.se",
            ),
            ("Skriv till a+b@sub.example.com.", "a+b@sub.example.com"),
            ("(per_o-n%x@exempel.nu)", "per_o-n%x@exempel.nu"),
            ("räksmörgås@exempel.se, tack", "räksmörgås@exempel.se"),
            (
                "mejl: .kalle@post.räksmörgås.se!",
                "kalle@post.räksmörgås.se",
            ),
            ("<x@y.museum>", "x@y.museum"),
        ] {
            assert_single(text, E, span);
        }
        for text in [
            "@",
            "a@b",
            "foo@bar.c",
            "user@localhost",
            "e-post: (saknas)",
            "möte @ 14",
            "a.@b.se",
            "x@-a.se",
            "x@a..se",
            "x@a.s3",
            "@migrationsverket.se",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn phones_in_every_format() {
        use PiiKind::Phone as T;
        for phone in [
            "070-123 45 67",
            "0701234567",
            "08-123 456 78",
            "08-12345678",
            "+46 70 123 45 67",
            "+46701234567",
            "031-12 34 56",
            "(08) 123 45 67",
            "(08)1234567",
            "070 - 123 45 67",
            "0701-23 45 67",
            "08-123\u{a0}456\u{a0}78",
            "0046 70 123 45 67",
            "0046701234567",
            "00 46 70 123 45 67",
            "+46 (0)70-123 45 67",
            "+46(0)8 123 456 78",
            "+46 8 123 456 78",
            "+44 20 7946 0958",
            "+1 555 123 4567",
            "+46-70-123 45 67",
            "0910-12 34 56",
        ] {
            assert_single(phone, T, phone);
            assert_single(&format!("Ring mig på {phone}."), T, phone);
            assert_single(&format!("tel:{phone}"), T, phone);
            assert_single(&format!("Tel. {phone}, vardagar"), T, phone);
        }
        assert_single("nås på 070-123 45 67 2 dagar i veckan", T, "070-123 45 67");
        for list in [
            "070-123 45 67\n08-123 456 78",
            "070-123 45 67, 08-123 456 78",
            "070-123 45 67 08-123 456 78",
        ] {
            assert_eq!(
                found(list),
                vec![(T, "070-123 45 67"), (T, "08-123 456 78")],
                "input: {list:?}"
            );
        }
        assert_eq!(
            found("811218-9876 070-123 45 67"),
            vec![
                (PiiKind::PersonalIdentityNumber, "811218-9876"),
                (T, "070-123 45 67")
            ]
        );
    }

    #[test]
    fn administrative_figures_are_not_phones_or_identity_numbers() {
        for text in [
            "dnr: 1.3.1-2024-12525 (2024-09-13).",
            "Dnr 2023/123",
            "Migrationsverkets beslut Plan/029/2025 (2025-05-12).",
            "Migrationsverkets beslut RA/052/2024",
            "2023/188–15",
            "Arbetsplan 2014-02-07, s. 4–5.",
            "2024-05-12",
            "12 maj 2024",
            "05-12-2024",
            "01 01 2020",
            "31122023",
            "Åren 2017–2023 och 2020-2023",
            "avsnitt 4.5.5 och 4.5.12",
            "kapitel 3, s. 012–015",
            "SFS 2005:716",
            "(2024:14) och (2014:32)",
            "1 200 000 kr",
            "100 000 000 kronor",
            "Antal beslut 45 009 4 511 4 384 3 609 2 680",
            "Totalt 17 768 4 522 13 032 35 322",
            "(0,055) (0,084) (0,149) (0,116) (0,234)",
            "Äldre, +65 år 85,75 1 0,00",
            "Totalt 100 % (218) 100 % (100)",
            "- (1) (2) (3) (4) (5) (6)",
            "25 % och 0,5 %",
            "tel.",
            "Telefon: saknas",
            "ISSN 0280-7815",
            "ISBN 978-91-38-32657-0",
            "ISBN 91-7844-123-4",
            "kl. 08.00–17.00",
            "fotnot 12 13 14",
            "0,0123456789",
            "1.0701234567",
            "070-123 45 67-89",
            "012 345,50 kr",
            "0 12 34 56 78",
            "070-1234",
            "08-123 45",
            "+46 70",
            "0001234567",
            "0123456789012345",
            "SE45 5000 0000 0583 9825 7466",
            "https://forum.esv.se/a/b/ (hamtad 2025-08-29)",
            "MIG 2017:24 och UM 10134-22",
            "prop. 2020/21:191",
            "12 kap. 18 § utlänningslagen (2005:716)",
            "Ärende 0112-2024",
            "ISBN 978-0-306-40615-7 och ISBN 0-306-40615-2",
            "dom 2024-01-15 i mål UM 4321-23",
            "org.nr 202100-2080",
        ] {
            assert_clean(text);
        }
    }

    /// Spellings people paste (Word's autocorrect, PDFs, web pages, phones, East Asian input
    /// methods), each with the slice of the original the match must cover.
    const PASTED: &[(&str, PiiKind, &str)] = {
        use PiiKind::{
            CoordinationNumber as C, Email as E, PersonalIdentityNumber as P, Phone as T,
        };
        &[
            ("811218\u{2013}9876", P, "811218\u{2013}9876"),
            ("811218\u{2014}9876", P, "811218\u{2014}9876"),
            ("811218\u{2212}9876", P, "811218\u{2212}9876"),
            ("811218\u{2010}9876", P, "811218\u{2010}9876"),
            ("811218\u{2011}9876", P, "811218\u{2011}9876"),
            ("811218\u{2012}9876", P, "811218\u{2012}9876"),
            ("811218\u{2015}9876", P, "811218\u{2015}9876"),
            ("811218\u{fe58}9876", P, "811218\u{fe58}9876"),
            ("811218\u{fe63}9876", P, "811218\u{fe63}9876"),
            ("811218\u{ff0d}9876", P, "811218\u{ff0d}9876"),
            ("811218\u{ad}9876", P, "811218\u{ad}9876"),
            ("811218\u{ad}-9876", P, "811218\u{ad}-9876"),
            ("811218\u{200b}-\u{200b}9876", P, "811218\u{200b}-\u{200b}9876"),
            ("8112\u{200c}18-98\u{200d}76", P, "8112\u{200c}18-98\u{200d}76"),
            ("811218\u{2060}9876", P, "811218\u{2060}9876"),
            ("\u{feff}811218-9876\u{feff}", P, "811218-9876"),
            ("811218\u{200e}-\u{200f}9876", P, "811218\u{200e}-\u{200f}9876"),
            ("811218\u{2009}9876", P, "811218\u{2009}9876"),
            ("811218\u{202f}9876", P, "811218\u{202f}9876"),
            ("811218\u{2007}9876", P, "811218\u{2007}9876"),
            ("811218\u{3000}9876", P, "811218\u{3000}9876"),
            ("811218\t9876", P, "811218\t9876"),
            ("811218\u{a0}\u{a0}9876", P, "811218\u{a0}\u{a0}9876"),
            ("121212 - 1212", P, "121212 - 1212"),
            ("811218 \u{2013} 9876", P, "811218 \u{2013} 9876"),
            ("811218\u{a0}-\u{a0}9876", P, "811218\u{a0}-\u{a0}9876"),
            ("811218- 9876", P, "811218- 9876"),
            ("811218\u{ff0b}9876", P, "811218\u{ff0b}9876"),
            ("\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}\u{ff0d}\u{ff19}\u{ff18}\u{ff17}\u{ff16}", P, "\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}\u{ff0d}\u{ff19}\u{ff18}\u{ff17}\u{ff16}"),
            ("\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}-9876", P, "\u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}-9876"),
            ("811218-\n9876", P, "811218-\n9876"),
            ("811218\n9876", P, "811218\n9876"),
            ("811218 -\r\n9876", P, "811218 -\r\n9876"),
            ("811218\r\n-9876", P, "811218\r\n-9876"),
            ("811218 \n 9876", P, "811218 \n 9876"),
            ("19811218\u{2013}9876", P, "19811218\u{2013}9876"),
            ("19811218\u{202f}9876", P, "19811218\u{202f}9876"),
            ("1981\u{200b}1218\u{ad}9876", P, "1981\u{200b}1218\u{ad}9876"),
            ("701063\u{2013}2391", C, "701063\u{2013}2391"),
            ("\u{ff17}\u{ff10}\u{ff11}\u{ff10}\u{ff16}\u{ff13}\u{3000}\u{ff12}\u{ff13}\u{ff19}\u{ff11}", C, "\u{ff17}\u{ff10}\u{ff11}\u{ff10}\u{ff16}\u{ff13}\u{3000}\u{ff12}\u{ff13}\u{ff19}\u{ff11}"),
            ("701063-\r\n2391", C, "701063-\r\n2391"),
            ("19701063\u{2011}2391", C, "19701063\u{2011}2391"),
            ("anna\u{200b}@exempel.se", E, "anna\u{200b}@exempel.se"),
            ("anna@\u{200b}exempel.se", E, "anna@\u{200b}exempel.se"),
            ("anna\u{ff20}exempel.se", E, "anna\u{ff20}exempel.se"),
            ("anna\u{ff20}exempel\u{ff0e}se", E, "anna\u{ff20}exempel\u{ff0e}se"),
            ("an\u{ad}na@exem\u{ad}pel.se", E, "an\u{ad}na@exem\u{ad}pel.se"),
            ("anna\u{2060}@\u{2060}exempel.se", E, "anna\u{2060}@\u{2060}exempel.se"),
            ("\u{ff41}\u{ff4e}\u{ff4e}\u{ff41}@exempel.se", E, "\u{ff41}\u{ff4e}\u{ff4e}\u{ff41}@exempel.se"),
            ("rene\u{301}@exempel.se", E, "rene\u{301}@exempel.se"),
            ("070\u{2013}123 45 67", T, "070\u{2013}123 45 67"),
            ("070 \u{2013} 123 45 67", T, "070 \u{2013} 123 45 67"),
            ("08\u{2014}123 456 78", T, "08\u{2014}123 456 78"),
            ("070\u{2212}123\u{a0}45\u{a0}67", T, "070\u{2212}123\u{a0}45\u{a0}67"),
            ("070.123.45.67", T, "070.123.45.67"),
            ("08.123.456.78", T, "08.123.456.78"),
            ("+46.70.123.45.67", T, "+46.70.123.45.67"),
            ("070\u{2009}123\u{2009}45\u{2009}67", T, "070\u{2009}123\u{2009}45\u{2009}67"),
            ("+46\u{202f}70\u{202f}123\u{202f}45\u{202f}67", T, "+46\u{202f}70\u{202f}123\u{202f}45\u{202f}67"),
            ("\u{ff10}\u{ff17}\u{ff10}-\u{ff11}\u{ff12}\u{ff13} \u{ff14}\u{ff15} \u{ff16}\u{ff17}", T, "\u{ff10}\u{ff17}\u{ff10}-\u{ff11}\u{ff12}\u{ff13} \u{ff14}\u{ff15} \u{ff16}\u{ff17}"),
            ("\u{ff0b}46 70 123 45 67", T, "\u{ff0b}46 70 123 45 67"),
            ("070-123\u{200b} 45 67", T, "070-123\u{200b} 45 67"),
            ("0701\u{ad}234567", T, "0701\u{ad}234567"),
        ]
    };

    #[test]
    fn pasted_spellings_are_found_and_map_back_to_the_original() {
        assert!(PASTED.len() >= 40);
        for &(spelling, kind, span) in PASTED {
            assert_single(spelling, kind, span);
            for text in [
                format!("Sökande ({spelling}) har inkommit."),
                format!("Åsa i Östersund: {spelling}"),
                format!("{spelling}, se bilaga 😀"),
                format!("Rad ett.\r\nUppgift: {spelling}\r\nRad tre."),
            ] {
                assert_single(&text, kind, span);
            }
        }
    }

    #[test]
    fn describe_counts_the_characters_the_user_sees() {
        // Full-width digits and a zero-width space: positions are those of the original text.
        let text = "Åsa: \u{ff18}\u{ff11}\u{ff11}\u{ff12}\u{ff11}\u{ff18}\u{200b}-9876 ok";
        let matches = find_pii(text);
        let [m] = matches.as_slice() else {
            panic!("expected one match, got {matches:?}");
        };
        assert_eq!(describe(text, m), "personnummer at characters 6–17");
        let wrapped = "Rad\r\nnr 811218 -\r\n9876.";
        let matches = find_pii(wrapped);
        let [m] = matches.as_slice() else {
            panic!("expected one match, got {matches:?}");
        };
        assert_eq!(describe(wrapped, m), "personnummer at characters 9–22");
    }

    #[test]
    fn spaced_and_wrapped_numbers_need_their_halves() {
        for text in [
            "811218\n\n9876",
            "811218\r\n\r\n9876",
            "811218 - - 9876",
            "811218 -- 9876",
            "811218-\n-9876",
            "811218\u{2013}\u{2014}9876",
            "19811218 + 9876",
            "811218 . 9876",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn tables_of_counts_are_not_identity_numbers() {
        // 811218 9876 and 121212 1212 happen to read as valid numbers; the tables around them
        // are what a statistics table looks like in a report or a PDF pasted as text.
        for table in [
            // Invalid pairs only.
            "123456 7890\n234567 8901\n345678 9012",
            "Ansökningar 123456 7890 234567 8901",
            // Years and counts in a row.
            "År Ansökningar Beslut\n2019 163005 1200\n2020 811218 9876\n2021 170101 1300",
            // Count columns without labels, one row a line.
            "163005 1200\n811218 9876\n170101 1300",
            // The same, rows split by blank lines as in text from a PDF.
            "163005 1200\n\n811218 9876\n\n170101 1300\n",
            // Labelled rows of two counts each.
            "Region Ansökningar Beslut\nNord 163005 1200\nVäst 811218 9876\nSyd 170101 1300",
            "Nord\u{a0}163005\u{a0}1200\r\nVäst\u{a0}121212\u{a0}1212\r\n",
            // One column, a count a line.
            "Ansökningar\n163005\n1200\n811218\n9876\n170101\n1300",
            // A row of counts with decimals and per cent.
            "Totalt 0,55 811218 9876 88 %",
            "Totalt 12 811218 9876 4",
            "Förändring 811218 -9876 +1200",
            // Counts written with spaces between the thousands.
            "Antal beslut 163 005 1 200 811 218 9 876",
        ] {
            assert_clean(table);
        }
    }

    #[test]
    fn a_list_of_numbers_is_not_a_table() {
        use PiiKind::{CoordinationNumber as C, PersonalIdentityNumber as P};
        assert_eq!(
            found("811218 9876\n701063 2391"),
            vec![(P, "811218 9876"), (C, "701063 2391")]
        );
        assert_eq!(
            found("Anna 811218 9876\nBo 701063 2391\nCissi 811218 9875"),
            vec![(P, "811218 9876"), (C, "701063 2391")]
        );
        assert_eq!(
            found("811218 9876 701063 2391"),
            vec![(P, "811218 9876"), (C, "701063 2391")]
        );
        assert_single("nr 2 811218 9876", P, "811218 9876");
        assert_single("811218 9876 42 år", P, "811218 9876");
        assert_single("1 811218-9876 2", P, "811218-9876");
        assert_single("2019 811218-9876 1200", P, "811218-9876");
        assert_single("163005 1200\n811218-9876", P, "811218-9876");
    }

    #[test]
    fn dotted_figures_that_are_not_phones() {
        for text in [
            "kl. 08.00–17.00",
            "kl. 08.00 - 17.00",
            "kl. 08.30",
            "08.00-17.00",
            "05.12.2024",
            "01.01.2020",
            "0.123.456.789",
            "070.123.45.67.89",
            "070.123 45 67",
            "08.123-456 78",
            "avsnitt 4.5.5.12",
            "version 0.10.2",
            "1.070.123.45.67",
            "3,14 och 0,070",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn years_references_and_codes_stay_clean() {
        for text in [
            "1981 1218 9876",
            "1999\n2000\n2001\n2002",
            "2019 2020 2021 2022 2023",
            "Dnr 2024/123456",
            "dnr 1.3.1-2024-123456",
            "dnr\u{a0}2023/188\u{2013}15",
            "avsnitt 4.5.5, 5.4 och 3.5.1",
            "12\u{a0}kap. 18\u{a0}§",
            "ISBN\u{a0}978\u{2011}91\u{2011}38\u{2011}32657\u{2011}0",
            "ISBN 978 91 38 32657 0",
            "ISSN\u{2009}0280\u{2013}7815",
            "SFS 2005:716",
            "2024\u{2013}05\u{2013}12",
            "Åren 2017\u{2014}2023",
            "s.\u{a0}012\u{2013}015",
            "MIG 2017:24",
            "UM\u{a0}10134\u{2013}22",
            "\u{ff12}\u{ff10}\u{ff12}\u{ff14}-\u{ff10}\u{ff15}-\u{ff11}\u{ff12}",
            "100\u{202f}000\u{202f}000 kronor",
            "1\u{2009}200\u{2009}000 kr",
        ] {
            assert_clean(text);
        }
    }

    #[test]
    fn overlaps_keep_one_match() {
        assert_eq!(
            found("0701234567@sms.example.se"),
            vec![(PiiKind::Email, "0701234567@sms.example.se")]
        );
        // Identity numbers win over the phone heuristic for the same digits.
        let young = with_check("050101123");
        assert_single(&young, PiiKind::PersonalIdentityNumber, &young);
    }

    #[test]
    fn several_matches_in_order() {
        let text = "Anna, 811218-9876, anna@exempel.se, 070-123 45 67, samnr 701063-2391.";
        assert_eq!(
            found(text),
            vec![
                (PiiKind::PersonalIdentityNumber, "811218-9876"),
                (PiiKind::Email, "anna@exempel.se"),
                (PiiKind::Phone, "070-123 45 67"),
                (PiiKind::CoordinationNumber, "701063-2391"),
            ]
        );
    }

    #[test]
    fn labels_are_swedish() {
        assert_eq!(PiiKind::PersonalIdentityNumber.label(), "personnummer");
        assert_eq!(PiiKind::CoordinationNumber.label(), "samordningsnummer");
        assert_eq!(PiiKind::Email.label(), "e-postadress");
        assert_eq!(PiiKind::Phone.label(), "telefonnummer");
    }

    #[test]
    fn describe_counts_characters_and_hides_the_data() {
        let text = "Åsa är 811218-9876";
        let matches = find_pii(text);
        let [m] = matches.as_slice() else {
            panic!("expected one match, got {matches:?}");
        };
        let message = describe(text, m);
        assert_eq!(message, "personnummer at characters 8–18");
        assert!(!message.contains("9876"));

        let odd = PiiMatch {
            kind: PiiKind::Phone,
            start: 2,
            end: 999,
        };
        assert_eq!(describe("åx", &odd), "telefonnummer at character 2");
    }

    fn seed_files() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/seeds");
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {dir}: {e}"));
        let mut files: Vec<(String, String)> = entries
            .map(|entry| {
                let path = entry
                    .unwrap_or_else(|e| panic!("entry in {dir}: {e}"))
                    .path();
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                (path.display().to_string(), text)
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no seed files in {dir}");
        files
    }

    #[test]
    fn seed_documents_hold_no_personal_data_line_by_line() {
        let mut offending = Vec::new();
        for (path, text) in seed_files() {
            for (n, line) in text.lines().enumerate() {
                for m in find_pii(line) {
                    offending.push(format!(
                        "{path}:{}: {} {:?} in {line:?}",
                        n + 1,
                        m.kind.label(),
                        line.get(m.start..m.end)
                    ));
                }
            }
        }
        assert!(
            offending.is_empty(),
            "false positives:\n{}",
            offending.join("\n")
        );
    }

    #[test]
    fn seed_documents_hold_no_personal_data_as_whole_files() {
        for (path, text) in seed_files() {
            let spans: Vec<_> = find_pii(&text)
                .into_iter()
                .map(|m| text.get(m.start..m.end).unwrap_or("").to_owned())
                .collect();
            assert!(spans.is_empty(), "{path}: {spans:?}");
        }
    }

    /// xorshift64*: deterministic, no crates.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            let len = u64::try_from(items.len()).unwrap_or(1).max(1);
            let idx = usize::try_from(self.next() % len).unwrap_or(0);
            items.get(idx).copied().unwrap_or("")
        }
    }

    #[test]
    fn random_input_never_panics_and_stays_on_char_boundaries() {
        let pieces = [
            "0",
            "00",
            "1",
            "7",
            "9",
            "46",
            "811218",
            "-9876",
            "+",
            "-",
            " ",
            "\u{a0}",
            "(",
            ")",
            "(0)",
            "@",
            ".",
            ",",
            ":",
            "/",
            "a",
            "Z",
            "å",
            "Ä",
            "ö",
            "é",
            "😀",
            "👩‍👩‍👧",
            "\n",
            "\t",
            "–",
            "\u{2011}",
            "se",
            "x@y.se",
            "070-123 45 67",
            "701063-2391",
            "19",
            "2024-05-12",
            "\u{301}",
            "ß",
            "中",
            "\u{0}",
            "%",
            "_",
            "\u{200b}",
            "\u{200d}",
            "\u{2060}",
            "\u{ad}",
            "\u{feff}",
            "\u{2013}",
            "\u{2014}",
            "\u{2212}",
            "\u{ff10}",
            "\u{ff18}",
            "\u{ff11}\u{ff12}",
            "\u{ff0d}",
            "\u{ff20}",
            "\u{ff0e}",
            "\u{2009}",
            "\u{202f}",
            "\u{3000}",
            "\r\n",
            "\r",
            "\n\n",
            "811218\u{2013}",
            "9876",
            "121212 - 1212",
            "070.123.45.67",
            "\u{2474}",
            "\u{2488}",
            "\u{fb01}",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut total_matches = 0usize;
        for _ in 0..20_000 {
            let len = rng.next() % 24;
            let text: String = (0..len).map(|_| rng.pick(&pieces)).collect();
            let matches = find_pii(&text);
            let mut previous_end = 0;
            for m in &matches {
                assert!(m.start < m.end && m.end <= text.len(), "{m:?} in {text:?}");
                assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                assert!(m.start >= previous_end, "overlap or disorder in {text:?}");
                previous_end = m.end;
                assert!(describe(&text, m).starts_with(m.kind.label()));
            }
            total_matches += matches.len();
        }
        assert!(total_matches > 0, "generator never reached the detectors");
    }

    #[test]
    fn long_inputs_stay_fast() {
        let tables = "0 ".repeat(50_000) + &"1".repeat(100_000) + &"@a".repeat(50_000);
        assert!(find_pii(&tables).is_empty());
        let many = "070-123 45 67 ".repeat(10_000);
        assert_eq!(find_pii(&many).len(), 10_000);
        // Tables across many lines, lists of numbers, and pasted invisible characters.
        let table = "Nord 163005 1200 170101\n\n".repeat(20_000);
        assert!(find_pii(&table).is_empty());
        let list = "811218 9876 ".repeat(10_000);
        assert_eq!(find_pii(&list).len(), 10_000);
        let wrapped = "811218-\r\n9876\r\n".repeat(10_000);
        assert_eq!(find_pii(&wrapped).len(), 10_000);
        let invisible = "\u{200b}\u{ad}\u{2009}".repeat(50_000) + &"\u{ff11}".repeat(50_000);
        assert!(find_pii(&invisible).is_empty());
        let marks = format!("8{}", "\u{301}".repeat(100_000));
        assert!(find_pii(&marks).is_empty());
    }
}
