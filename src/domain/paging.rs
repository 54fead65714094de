//! Pages of a list: which rows a page holds and how many pages a total makes. Every list
//! that grows with the data is shown a page at a time, so that no request costs more as the
//! database grows than one page of it (plus the count).

/// The highest page number accepted anywhere; far past any real list, and small enough that
/// `(page - 1) * per_page` never overflows.
pub const MAX_PAGE: i64 = 1_000_000;

/// A 1-based page of `per_page` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
}

impl Paging {
    /// Rows before this page.
    pub fn offset(self) -> i64 {
        (self.page.max(1) - 1).saturating_mul(self.per_page.max(0))
    }

    /// How many pages `total` rows make; an empty list still has its (empty) first page.
    pub fn pages(self, total: i64) -> i64 {
        let per = self.per_page.max(1);
        ((total.max(0) + per - 1) / per).max(1)
    }

    /// Whether the page lies after the last page of `total` rows.
    pub fn is_past_end(self, total: i64) -> bool {
        self.page > self.pages(total)
    }

    /// The indices of this page in a list of `len` ranked rows (empty past the end).
    pub fn slice_of(self, len: usize) -> std::ops::Range<usize> {
        let start = usize::try_from(self.offset())
            .unwrap_or(usize::MAX)
            .min(len);
        let take = usize::try_from(self.per_page.max(0)).unwrap_or(0);
        start..start.saturating_add(take).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_row_once() {
        let p = |page| Paging { page, per_page: 50 };
        assert_eq!(p(1).pages(0), 1);
        assert_eq!(p(1).pages(50), 1);
        assert_eq!(p(1).pages(51), 2);
        assert_eq!(p(3).offset(), 100);
        assert_eq!(p(1).slice_of(120), 0..50);
        assert_eq!(p(3).slice_of(120), 100..120);
        assert_eq!(p(4).slice_of(120), 120..120);
        assert!(p(4).is_past_end(120) && !p(3).is_past_end(120));
        assert!(!p(1).is_past_end(0) && p(2).is_past_end(0));
        let all: Vec<usize> = (1..=3).flat_map(|n| p(n).slice_of(120)).collect();
        assert_eq!(all, (0..120).collect::<Vec<_>>());
        let far = Paging {
            page: MAX_PAGE,
            per_page: 100,
        };
        assert_eq!(far.slice_of(10), 10..10);
    }
}
