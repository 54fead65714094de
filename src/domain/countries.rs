//! Countries as people name them: the Swedish name of each ISO 3166-1 code questions carry
//! (people read "Sudan", not "SD"), and every name, former name or code typed for one.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Code, name and other names separated by `|`, tab-separated; lines starting with `#` are
/// comments. Made by `tools/countries.py` (see the file's head).
const TABLE: &str = include_str!("countries.tsv");

struct Table {
    /// Code → Swedish name, in the file's (code) order.
    names: Vec<(&'static str, &'static str)>,
    by_code: HashMap<&'static str, &'static str>,
    /// A folded name or other name → code.
    by_name: HashMap<String, &'static str>,
    /// Folded other names → the Swedish name, for search.
    others: Vec<(String, &'static str)>,
}

fn table() -> &'static Table {
    static TABLE_: OnceLock<Table> = OnceLock::new();
    TABLE_.get_or_init(|| {
        let mut t = Table {
            names: Vec::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
            others: Vec::new(),
        };
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut cols = line.split('\t');
            let (Some(code), Some(name)) = (cols.next(), cols.next()) else {
                continue;
            };
            t.names.push((code, name));
            t.by_code.insert(code, name);
            t.by_name.insert(fold(name), code);
            for other in cols
                .next()
                .unwrap_or("")
                .split('|')
                .filter(|o| !o.is_empty())
            {
                t.by_name.insert(fold(other), code);
                t.others.push((fold(other), name));
            }
        }
        t
    })
}

/// A name as compared: lower case, Swedish letters and accents written plainly (people type
/// "Osterrike" for "Österrike" when the keyboard is not Swedish), one space between words.
fn fold(s: &str) -> String {
    let plain: String = s
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' => 'a',
            'ö' | 'ó' | 'ò' | 'ô' | 'õ' | 'ø' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ç' => 'c',
            '-' | '–' | '.' => ' ',
            c => c,
        })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Swedish name of a country code, if the table knows it.
pub fn name_sv(code: &str) -> Option<&'static str> {
    table().by_code.get(code).copied()
}

/// The Swedish name, or the code itself for a code the table does not know.
pub fn in_swedish(code: &str) -> String {
    name_sv(code).map_or_else(|| code.to_string(), str::to_string)
}

/// The code of a country typed as its code (any case), its Swedish name, a former or formal
/// name, or its English name; None for anything else.
pub fn code_of(typed: &str) -> Option<&'static str> {
    let t = table();
    let typed = typed.trim();
    if typed.len() == 2 {
        let upper = typed.to_ascii_uppercase();
        if let Some((code, _)) = t.by_code.get_key_value(upper.as_str()) {
            return Some(code);
        }
    }
    t.by_name.get(&fold(typed)).copied()
}

/// Every country, by Swedish name in Swedish order, for a picker.
pub fn all_by_name() -> Vec<(&'static str, &'static str)> {
    let mut all = table().names.clone();
    all.sort_by_key(|(_, name)| sort_key(name));
    all
}

/// Swedish alphabetical order: å, ä, ö after z.
fn sort_key(name: &str) -> Vec<u32> {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' => 'z' as u32 + 1,
            'ä' | 'æ' => 'z' as u32 + 2,
            'ö' | 'ø' => 'z' as u32 + 3,
            c => c as u32,
        })
        .collect()
}

/// The query with the current name added after every former or other name of a country
/// found in it as whole words ("Vitryssland" reads "Vitryssland Belarus"), so that a search
/// in the words people used finds the texts written with today's name.
pub fn with_current_names(query: &str) -> String {
    let folded = format!(" {} ", fold(query));
    let mut added: Vec<&str> = Vec::new();
    for (other, name) in &table().others {
        if folded.contains(&format!(" {other} "))
            && !folded.contains(&format!(" {} ", fold(name)))
            && !added.contains(name)
        {
            added.push(name);
        }
    }
    if added.is_empty() {
        return query.to_string();
    }
    format!("{query} {}", added.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_the_names_people_use() {
        assert_eq!(name_sv("IR"), Some("Iran"));
        assert_eq!(name_sv("BY"), Some("Belarus"));
        assert_eq!(name_sv("SE"), Some("Sverige"));
        assert_eq!(name_sv("SD"), Some("Sudan"));
        assert_eq!(name_sv("XK"), Some("Kosovo"));
        assert_eq!(name_sv("XX"), Some("Statslös"));
        assert_eq!(name_sv("ZZ"), None);
        assert_eq!(in_swedish("ZZ"), "ZZ");
    }

    #[test]
    fn a_country_is_found_by_code_name_former_name_or_english_name() {
        for typed in [
            "BY",
            "by",
            "Belarus",
            "belarus",
            "Vitryssland",
            " vitryssland ",
        ] {
            assert_eq!(code_of(typed), Some("BY"), "{typed}");
        }
        assert_eq!(code_of("Somalia"), Some("SO"));
        assert_eq!(code_of("Österrike"), Some("AT"));
        assert_eq!(code_of("Osterrike"), Some("AT"));
        assert_eq!(code_of("Swaziland"), Some("SZ"));
        assert_eq!(code_of("Burma"), Some("MM"));
        assert_eq!(code_of("Syria"), Some("SY"));
        assert_eq!(code_of("Kongo-Kinshasa"), Some("CD"));
        assert_eq!(code_of("statslös"), Some("XX"));
        assert_eq!(code_of("Atlantis"), None);
        assert_eq!(code_of("ZZ"), None);
    }

    #[test]
    fn search_reads_a_former_name_as_the_country() {
        assert_eq!(
            with_current_names("konvertering Vitryssland"),
            "konvertering Vitryssland Belarus"
        );
        assert_eq!(with_current_names("Belarus dop"), "Belarus dop");
        assert_eq!(with_current_names("vitrysk"), "vitrysk", "whole words only");
    }

    #[test]
    fn the_picker_lists_every_country_in_swedish_order() {
        let all = all_by_name();
        assert_eq!(all.len(), 251);
        let at = |n: &str| all.iter().position(|(_, x)| *x == n).unwrap();
        assert!(at("Zimbabwe") < at("Åland") && at("Åland") < at("Österrike"));
    }

    #[test]
    fn every_line_is_a_code_a_name_and_other_names() {
        let lines: Vec<&str> = TABLE.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(lines.len(), 251);
        for l in lines {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{l}");
            assert!(
                cols[0].len() == 2 && cols[0].chars().all(|c| c.is_ascii_uppercase()),
                "{l}"
            );
            assert!(!cols[1].trim().is_empty() && !cols[1].contains(','), "{l}");
        }
    }
}
