//! Where a page may send the browser next (`?next=` after signing in): a path on this site,
//! never another host, and always a valid `Location` header.

/// `next` when it is a path on this site, else `/`. Browsers drop tabs and line breaks from
/// URLs and read `\` as `/`, so `/\t/evil.example` or `/\evil.example` would leave the site:
/// control characters are removed before the check, and what remains is percent-encoded
/// where a header or a URL could not hold it as it is.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(raw) = next else {
        return "/".to_string();
    };
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    let as_browser_reads = cleaned.replace('\\', "/");
    let local = as_browser_reads.starts_with('/')
        && !as_browser_reads.starts_with("//")
        && !cleaned.starts_with("/logga-")
        && !cleaned.contains("://");
    if !local {
        return "/".to_string();
    }
    encode_unsafe(cleaned)
}

/// Percent-encodes every byte that a URL path or query cannot carry as it is (spaces,
/// backslashes, non-ASCII, quotes, angle brackets), keeping existing escapes.
fn encode_unsafe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'/' | b'?'
                    | b'&'
                    | b'='
                    | b'%'
                    | b'-'
                    | b'_'
                    | b'.'
                    | b'~'
                    | b'+'
                    | b','
                    | b';'
                    | b':'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'*'
                    | b'('
                    | b')'
                    | b'#'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/fragor/3")), "/fragor/3");
        assert_eq!(safe_next(Some("/sok?q=asyl&sida=2")), "/sok?q=asyl&sida=2");
        assert_eq!(safe_next(Some("/sok?q=r%C3%A4tt")), "/sok?q=r%C3%A4tt");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " //evil.example",
            "/\\\\evil.example",
            "https://evil.example",
            "evil.example",
            "/logga-ut",
            "/logga-in?next=//evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn what_is_kept_is_a_valid_header_value() {
        for odd in [
            "/sök",
            "/a b",
            "/a\"b<c>",
            "/x\u{7f}y",
            "/\u{2028}x",
            "/a\\b",
        ] {
            let next = safe_next(Some(odd));
            assert!(next.starts_with('/'), "{odd:?} → {next}");
            assert!(
                actix_web::http::header::HeaderValue::from_str(&next).is_ok(),
                "{odd:?} → {next}"
            );
            assert!(
                next.bytes().all(|b| b.is_ascii_graphic()),
                "{odd:?} → {next}"
            );
        }
    }
}
