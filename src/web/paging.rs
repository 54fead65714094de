//! Page numbers on the HTML pages: reading `sida` (or `page`) from the query, refusing what
//! is not a page in Swedish, and the links of a list's "Föregående · Sida 2 av 440 · Nästa";
//! and the `Link` header of a paged API list.

use serde::Serialize;

use super::error::{ApiError, PageError};
use super::html::url_encode;
use crate::domain::paging::MAX_PAGE;

/// The page asked for: `sida`, else `page`, else 1. Anything but a whole number from 1 is a
/// 422 page that says so.
pub fn page_number(sida: Option<&str>, page: Option<&str>) -> Result<i64, PageError> {
    let Some(raw) = [sida, page]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
    else {
        return Ok(1);
    };
    match raw.parse::<i64>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(PageError::BadQuery(format!(
            "Sidnumret måste vara ett heltal från 1 till {MAX_PAGE}, inte ”{}”.",
            raw.chars().take(40).collect::<String>()
        ))),
    }
}

/// A page after the last one: a 404 page that says how many there are.
pub fn past_end(page: i64, pages: i64) -> PageError {
    let plural = if pages == 1 { "sida" } else { "sidor" };
    PageError::Api(ApiError::NotFound(format!(
        "Sidan {page} finns inte: listan har {pages} {plural}."
    )))
}

/// What the navigation of a paged list needs; empty links where there is nowhere to go.
#[derive(Debug, Clone, Serialize)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub first: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub last: Option<String>,
    /// The navigation's accessible name, e.g. "Sidor i kön hos Enheten i Luleå".
    pub label: String,
}

impl Pager {
    /// Links to `path` with `params` and `sida=N` (page 1 without it, so that the first page
    /// has one address).
    pub fn new(
        page: i64,
        pages: i64,
        total: i64,
        path: &str,
        params: &[(&str, &str)],
        label: impl Into<String>,
    ) -> Pager {
        let href = |n: i64| {
            let mut parts: Vec<String> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={}", url_encode(v)))
                .collect();
            if n > 1 {
                parts.push(format!("sida={n}"));
            }
            if parts.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", parts.join("&"))
            }
        };
        Pager {
            page,
            pages,
            total,
            first: (page > 2).then(|| href(1)),
            prev: (page > 1).then(|| href(page - 1)),
            next: (page < pages).then(|| href(page + 1)),
            last: (page + 1 < pages).then(|| href(pages)),
            label: label.into(),
        }
    }
}

impl Pager {
    /// The same links, each to the element `id` on the page (a list below other content).
    pub fn anchored(mut self, id: &str) -> Pager {
        for link in [
            &mut self.first,
            &mut self.prev,
            &mut self.next,
            &mut self.last,
        ]
        .into_iter()
        .flatten()
        {
            link.push('#');
            link.push_str(id);
        }
        self
    }
}

/// The `Link` header (RFC 8288) of one page of an API list: its first, previous, next and last
/// pages where they exist (None for a list of one page), with `params` kept.
pub fn link_header(
    path: &str,
    params: &[(&str, &str)],
    page: i64,
    per_page: i64,
    pages: i64,
) -> Option<String> {
    let link = |n: i64, rel: &str| {
        let mut query: Vec<String> = params
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        query.push(format!("page={n}&per_page={per_page}"));
        format!("<{path}?{}>; rel=\"{rel}\"", query.join("&"))
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link(1, "first"));
        links.push(link((page - 1).min(pages), "prev"));
    }
    if page < pages {
        links.push(link(page + 1, "next"));
    }
    if page != pages {
        links.push(link(pages, "last"));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_whole_numbers_from_one() {
        assert_eq!(page_number(None, None).unwrap(), 1);
        assert_eq!(page_number(Some(" 3 "), None).unwrap(), 3);
        assert_eq!(page_number(None, Some("2")).unwrap(), 2);
        assert_eq!(page_number(Some(""), Some("4")).unwrap(), 4);
        for bad in ["0", "-1", "två", "1.5", "99999999999999999999", "1000001"] {
            assert!(matches!(
                page_number(Some(bad), None),
                Err(PageError::BadQuery(_))
            ));
        }
    }

    #[test]
    fn api_links_name_the_neighbouring_pages() {
        let l = link_header("/api/x", &[("status", "open"), ("q", "")], 2, 10, 3).unwrap();
        assert_eq!(
            l,
            "</api/x?status=open&page=1&per_page=10>; rel=\"first\", \
             </api/x?status=open&page=1&per_page=10>; rel=\"prev\", \
             </api/x?status=open&page=3&per_page=10>; rel=\"next\", \
             </api/x?status=open&page=3&per_page=10>; rel=\"last\""
        );
        assert_eq!(link_header("/api/x", &[], 1, 10, 1), None);
        // Past the end: back to the last page.
        let past = link_header("/api/x", &[], 9, 10, 3).unwrap();
        assert!(past.contains("page=3&per_page=10>; rel=\"prev\""), "{past}");
        assert!(!past.contains("rel=\"next\""));
    }

    #[test]
    fn links_keep_the_other_parameters_and_stop_at_the_ends() {
        let p = Pager::new(2, 3, 120, "/ko", &[("forum", "u-lulea asyl")], "Sidor");
        assert_eq!(p.prev.as_deref(), Some("/ko?forum=u-lulea%20asyl"));
        assert_eq!(p.next.as_deref(), Some("/ko?forum=u-lulea%20asyl&sida=3"));
        assert_eq!((p.first, p.last), (None, None));
        let one = Pager::new(1, 1, 3, "/", &[], "Sidor");
        assert!(one.prev.is_none() && one.next.is_none());
        let far = Pager::new(5, 9, 420, "/", &[], "Sidor");
        assert_eq!(far.first.as_deref(), Some("/"));
        assert_eq!(far.last.as_deref(), Some("/?sida=9"));
        let down = far.anchored("lista");
        assert_eq!(down.prev.as_deref(), Some("/?sida=4#lista"));
    }
}
