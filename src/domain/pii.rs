//! Personal-data detection for free text: personnummer/samordningsnummer (Luhn-checked), e-mail addresses, phone numbers.

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
#[must_use]
pub fn find_pii(text: &str) -> Vec<PiiMatch> {
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
    let first = chars_before(text, m.start) + 1;
    let last = chars_before(text, m.end);
    if last > first {
        format!("{} at characters {}–{}", m.kind.label(), first, last)
    } else {
        format!("{} at character {}", m.kind.label(), first)
    }
}

/// Counting instead of slicing keeps a caller-built match with odd offsets from panicking.
fn chars_before(text: &str, byte: usize) -> usize {
    text.char_indices().take_while(|&(i, _)| i < byte).count()
}

const NBSP: char = '\u{a0}';
const NBSP_UTF8: &[u8] = "\u{a0}".as_bytes();

fn digit_run(b: &[u8], pos: usize) -> usize {
    b.get(pos..)
        .map_or(0, |s| s.iter().take_while(|c| c.is_ascii_digit()).count())
}

fn space_len(b: &[u8], pos: usize) -> usize {
    if b.get(pos) == Some(&b' ') {
        1
    } else if b.get(pos..pos + NBSP_UTF8.len()) == Some(NBSP_UTF8) {
        NBSP_UTF8.len()
    } else {
        0
    }
}

fn find_identity_numbers(text: &str) -> Vec<PiiMatch> {
    let b = text.as_bytes();
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
            if let Some((end, kind)) = identity_number_at(b, i, run) {
                out.push(PiiMatch {
                    kind,
                    start: i,
                    end,
                });
                i = end;
                continue;
            }
        }
        // The rest of a digit run is never at a word boundary.
        i += run;
    }
    out
}

/// `run` is the length of the digit run starting at `start`.
fn identity_number_at(b: &[u8], start: usize, run: usize) -> Option<(usize, PiiKind)> {
    let head = b.get(start..start + run)?;
    let (serial, end): (&[u8], usize) = match run {
        10 | 12 => (&[], start + run),
        6 | 8 => {
            let sep_start = start + run;
            // '+' marks a centenarian and only exists in the 10-digit spelling.
            let sep_len = match b.get(sep_start) {
                Some(b'-' | b' ') => 1,
                Some(b'+') if run == 6 => 1,
                _ => space_len(b, sep_start),
            };
            if sep_len == 0 {
                return None;
            }
            let serial_start = sep_start + sep_len;
            if digit_run(b, serial_start) != 4 {
                return None;
            }
            (b.get(serial_start..serial_start + 4)?, serial_start + 4)
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
            if !(18..=20).contains(&(c1 * 10 + c2)) {
                return None;
            }
            rest
        }
        all => all,
    };
    classify_identity(ten).map(|kind| (end, kind))
}

fn classify_identity(ten: &[u8]) -> Option<PiiKind> {
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
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(month) {
        return None;
    }
    luhn_valid(ten).then_some(kind)
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

/// Characters that glue figures together in references, dates, decimals and ranges.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        '-' | '–' | '—' | '/' | '.' | ',' | ':' | '_' | '+' | '\u{2011}'
    )
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
    } else if c == ' ' || c == NBSP {
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
            })
        }
        c if c.is_ascii_digit() => {
            let n = digit_run(b, pos);
            Some(Group {
                digits: b.get(pos..pos + n)?,
                end: pos + n,
                paren: false,
            })
        }
        _ => None,
    }
}

/// Separators are a single space, a hyphen, or " - "; never a newline, so a number cannot span
/// two lines. A parenthesised group may touch its neighbours: "(08)123", "+46(0)70".
fn next_group_start(b: &[u8], pos: usize, after_paren: bool) -> Option<usize> {
    let mut p = pos + space_len(b, pos);
    if b.get(p) == Some(&b'-') {
        p += 1;
        p += space_len(b, p);
    }
    let separated = p > pos;
    match b.get(p)? {
        c if c.is_ascii_digit() && (separated || after_paren) => Some(p),
        b'(' => Some(p),
        _ => None,
    }
}

fn scan_groups(b: &[u8], mut pos: usize) -> Vec<Group<'_>> {
    let mut groups = Vec::new();
    let mut digits = 0;
    while let Some(group) = group_at(b, pos) {
        digits += group.digits.len();
        let (end, paren) = (group.end, group.paren);
        groups.push(group);
        if digits > MAX_SCANNED_DIGITS {
            break;
        }
        match next_group_start(b, end, paren) {
            Some(next) => pos = next,
            None => break,
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
        let complete = !group.paren
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
    }
}
