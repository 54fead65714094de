//! What may be written to a log line or an error message: personal data and secrets taken out.

use super::pii;

/// What stands in for anything taken out.
pub const MASK: &str = "[borttaget]";

/// `text` with personal data and the passwords of URLs (`scheme://user:password@host`)
/// replaced by the mask.
#[must_use]
pub fn line(text: &str) -> String {
    let text = url_passwords(text);
    let found = pii::find_pii(&text);
    if found.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for m in found {
        out.push_str(text.get(at..m.start).unwrap_or(""));
        out.push_str(MASK);
        at = m.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Every `scheme://user:password@` in `text` with the password masked.
#[must_use]
pub fn url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#' or white space.
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let (authority, after) = tail.split_at(end);
        match authority.rfind('@') {
            Some(at) => {
                let (userinfo, host) = authority.split_at(at);
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(MASK);
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked_and_the_rest_kept() {
        assert_eq!(
            url_passwords("smtp://mail:hemligt@relay.myndighet.se:587?tls=required"),
            "smtp://mail:[borttaget]@relay.myndighet.se:587?tls=required"
        );
        assert_eq!(
            url_passwords("postgres://u:p@a@h/db and smtps://x@y"),
            "postgres://u:[borttaget]@h/db and smtps://x@y"
        );
        assert_eq!(url_passwords("no url here"), "no url here");
        assert_eq!(url_passwords("odd ://"), "odd ://");
    }

    #[test]
    fn personal_data_is_masked() {
        assert_eq!(
            line("GET /api/v1/questions/811218-9876 404"),
            "GET /api/v1/questions/[borttaget] 404"
        );
        assert_eq!(
            line("550 <anna@exempel.se>: no such user"),
            "550 <[borttaget]>: no such user"
        );
        assert_eq!(line("dnr 1.3.1-2024-12525"), "dnr 1.3.1-2024-12525");
    }
}
