//! Country names in Swedish for the ISO 3166-1 codes questions carry: people read "Iran", not "IR".

use std::collections::HashMap;
use std::sync::OnceLock;

/// Code, tab, name; lines starting with `#` are comments (see the file's head for its source).
const TABLE: &str = include_str!("countries.tsv");

fn names() -> &'static HashMap<&'static str, &'static str> {
    static NAMES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The Swedish name of a country code, if the table knows it.
pub fn name_sv(code: &str) -> Option<&'static str> {
    names().get(code).copied()
}

/// The Swedish name, or the code itself for a code the table does not know.
pub fn in_swedish(code: &str) -> String {
    name_sv(code).map_or_else(|| code.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_the_names_people_use() {
        assert_eq!(name_sv("IR"), Some("Iran"));
        assert_eq!(name_sv("BY"), Some("Belarus"));
        assert_eq!(name_sv("SE"), Some("Sverige"));
        assert_eq!(name_sv("XK"), Some("Kosovo"));
        assert_eq!(name_sv("ZZ"), None);
        assert_eq!(in_swedish("ZZ"), "ZZ");
    }

    #[test]
    fn every_line_is_a_code_and_a_name() {
        let lines: Vec<&str> = TABLE.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(lines.len() >= 249);
        for l in lines {
            let (code, name) = l.split_once('\t').unwrap_or_else(|| panic!("{l}"));
            assert!(
                code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()),
                "{l}"
            );
            assert!(!name.trim().is_empty() && !name.contains(','), "{l}");
        }
        assert_eq!(names().len(), 250);
    }
}
