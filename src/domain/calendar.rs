//! Swedish working days (public holidays and de-facto non-working days, Europe/Stockholm) and working time between instants.
use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use std::borrow::Cow;
use std::sync::OnceLock;

/// How elapsed time on working days is turned into (fractional) working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum WorkingTime {
    /// Every working day counts as one whole 24-hour day; non-working days are skipped.
    FullDays,
    /// Only local time between `start_hour` and `end_hour` on working days counts;
    /// one working day is `end_hour - start_hour` hours.
    Hours { start_hour: u32, end_hour: u32 },
}

const SECS_PER_DAY: i64 = 86_400;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = SECS_PER_DAY * NANOS_PER_SEC;
/// `NaiveDate::num_days_from_ce()` of 1970-01-01, to move between chrono's day count and ours.
const CE_DAYS_AT_UNIX_EPOCH: i64 = 719_163;
/// 0001-01-01T00:00:00Z: instants before it are clamped so every local date stays in years 1..=9999.
const LO_TS: i64 = -62_135_596_800;
/// 9999-12-31T00:00:00Z: instants after it are clamped (and results saturate here).
const HI_TS: i64 = 253_402_214_400;
/// More working days than fit between year 1 and 9999; anything larger saturates at once
/// instead of walking the calendar for nothing.
const MAX_ADD_DAYS: f64 = 3_000_000.0;
/// Years whose holiday day numbers are computed once and kept; others are computed on demand.
const CACHE_FIRST_YEAR: i32 = 1900;
const CACHE_LAST_YEAR: i32 = 2199;
/// Number of named days per year (some may share a date).
const HOLIDAYS_PER_YEAR: usize = 16;

/// A position on the Stockholm wall clock: local day number (days since 1970-01-01)
/// and nanoseconds into that local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct LocalPos {
    day: i64,
    nod: i64,
}

/// The counted part of each working day, in nanoseconds of the local day.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    end: i64,
}

impl Window {
    /// Resolves a mode to its daily window; an empty or inverted hour range falls back to
    /// whole days, because a window without any time would make every due time unreachable
    /// and every duration a division by zero.
    fn of(mode: WorkingTime) -> Window {
        match mode {
            WorkingTime::Hours {
                start_hour,
                end_hour,
            } => {
                let start = i64::from(start_hour.min(24));
                let end = i64::from(end_hour.min(24));
                if start < end {
                    Window {
                        start: start * 3600 * NANOS_PER_SEC,
                        end: end * 3600 * NANOS_PER_SEC,
                    }
                } else {
                    Window::FULL
                }
            }
            WorkingTime::FullDays => Window::FULL,
        }
    }

    const FULL: Window = Window {
        start: 0,
        end: NANOS_PER_DAY,
    };

    /// Length of one working day in nanoseconds (always > 0 by construction).
    fn len(self) -> i64 {
        self.end - self.start
    }

    /// Counted nanoseconds of local day `day` between `lo` and `hi` (nanoseconds of that day).
    fn overlap(self, day: i64, lo: i64, hi: i64) -> i64 {
        let from = lo.max(self.start);
        let to = hi.min(self.end);
        if to > from && is_working_day_num(day) {
            to - from
        } else {
            0
        }
    }
}

/// Holiday day numbers of one year, in the form the counting code needs.
#[derive(Debug, Clone)]
struct YearDays {
    /// Every listed day, sorted; duplicates kept (harmless for membership tests).
    all: [i64; HOLIDAYS_PER_YEAR],
    all_len: usize,
    /// Only those on Monday–Friday, deduplicated, because only they remove working days
    /// and a date listed twice (e.g. Kristi himmelsfärd on 1 May) must be removed once.
    weekday: [i64; HOLIDAYS_PER_YEAR],
    weekday_len: usize,
}

impl YearDays {
    /// Builds the day-number tables for `year` from the named list.
    fn compute(year: i32) -> YearDays {
        let (named, n) = named_holidays(year);
        let mut all = [0; HOLIDAYS_PER_YEAR];
        let mut weekday = [0; HOLIDAYS_PER_YEAR];
        let mut weekday_len = 0;
        for (i, &(day, _)) in named.iter().take(n).enumerate() {
            all[i] = day;
            let is_dup = weekday_len > 0 && weekday[weekday_len - 1] == day;
            if weekday_of(day) < 5 && !is_dup {
                weekday[weekday_len] = day;
                weekday_len += 1;
            }
        }
        YearDays {
            all,
            all_len: n,
            weekday,
            weekday_len,
        }
    }

    /// Whether `day` is one of the listed days.
    fn contains(&self, day: i64) -> bool {
        self.all[..self.all_len].contains(&day)
    }

    /// Whether `day` is a listed day falling on Monday–Friday.
    fn contains_weekday(&self, day: i64) -> bool {
        self.weekday[..self.weekday_len].contains(&day)
    }

    /// How many Monday–Friday holidays lie in `[from, to)`.
    fn weekday_count_in(&self, from: i64, to: i64) -> i64 {
        let n = self.weekday[..self.weekday_len]
            .iter()
            .filter(|&&d| d >= from && d < to)
            .count();
        i64::try_from(n).unwrap_or(0)
    }
}

/// Holiday tables for the years a service realistically sees, built once so that the hot
/// counting path never re-runs the computus.
fn year_days(year: i32) -> Cow<'static, YearDays> {
    static CACHE: OnceLock<Vec<YearDays>> = OnceLock::new();
    if (CACHE_FIRST_YEAR..=CACHE_LAST_YEAR).contains(&year) {
        let cache = CACHE.get_or_init(|| {
            (CACHE_FIRST_YEAR..=CACHE_LAST_YEAR)
                .map(YearDays::compute)
                .collect()
        });
        let idx = usize::try_from(year - CACHE_FIRST_YEAR).unwrap_or(0);
        if let Some(entry) = cache.get(idx) {
            return Cow::Borrowed(entry);
        }
    }
    Cow::Owned(YearDays::compute(year))
}

/// Weekday of a day number, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
fn weekday_of(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// Our day number of a date.
fn day_num(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - CE_DAYS_AT_UNIX_EPOCH
}

/// Calendar year of a day number; saturates far outside chrono's range rather than failing.
fn year_of(day: i64) -> i32 {
    i32::try_from(day + CE_DAYS_AT_UNIX_EPOCH)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map(|d| d.year())
        .unwrap_or(if day < 0 {
            NaiveDate::MIN.year()
        } else {
            NaiveDate::MAX.year()
        })
}

/// Day number of a calendar date, `None` if chrono cannot represent it.
fn ymd(year: i32, month: u32, day: u32) -> Option<i64> {
    NaiveDate::from_ymd_opt(year, month, day).map(day_num)
}

/// The named days of `year` as (day number, name), sorted by date, with the count of valid
/// entries; a fixed array keeps the cache builder and the public list on one definition
/// without allocating.
fn named_holidays(year: i32) -> ([(i64, &'static str); HOLIDAYS_PER_YEAR], usize) {
    let easter_date = easter_sunday(year);
    // easter_sunday clamps out-of-range years; such a year gets no Easter-based days.
    let easter_valid = easter_date.year() == year;
    let easter = day_num(easter_date);
    // Midsommarafton is the Friday in 19–25 June and alla helgons dag the Saturday in
    // 31 Oct–6 Nov; both are found by stepping from the window's first date.
    let midsummer_eve = ymd(year, 6, 19).map(|d| d + (4 - weekday_of(d)).rem_euclid(7));
    let all_saints = ymd(year, 10, 31).map(|d| d + (5 - weekday_of(d)).rem_euclid(7));
    let from_easter = |offset: i64| easter_valid.then_some(easter + offset);
    let candidates: [(Option<i64>, &'static str); HOLIDAYS_PER_YEAR] = [
        (ymd(year, 1, 1), "nyårsdagen"),
        (ymd(year, 1, 6), "trettondedag jul"),
        (from_easter(-2), "långfredagen"),
        (from_easter(0), "påskdagen"),
        (from_easter(1), "annandag påsk"),
        (ymd(year, 5, 1), "första maj"),
        (from_easter(39), "Kristi himmelsfärdsdag"),
        (from_easter(49), "pingstdagen"),
        (ymd(year, 6, 6), "Sveriges nationaldag"),
        (midsummer_eve, "midsommarafton"),
        (midsummer_eve.map(|d| d + 1), "midsommardagen"),
        (all_saints, "alla helgons dag"),
        (ymd(year, 12, 24), "julafton"),
        (ymd(year, 12, 25), "juldagen"),
        (ymd(year, 12, 26), "annandag jul"),
        (ymd(year, 12, 31), "nyårsafton"),
    ];
    let mut out = [(0_i64, ""); HOLIDAYS_PER_YEAR];
    let mut n = 0;
    for (day, name) in candidates {
        if let Some(day) = day {
            out[n] = (day, name);
            n += 1;
        }
    }
    // Stable sort: days that coincide keep the order of the list above.
    out[..n].sort_by_key(|&(day, _)| day);
    (out, n)
}

/// The holidays and non-working days of a year, with Swedish names, sorted by date.
///
/// When two of them fall on the same date (e.g. Kristi himmelsfärdsdag on 1 May in 2008)
/// both entries are kept, so each year lists all 16 days. Years chrono cannot represent
/// give an empty list.
pub fn non_working_days(year: i32) -> Vec<(NaiveDate, &'static str)> {
    if !(NaiveDate::MIN.year()..=NaiveDate::MAX.year()).contains(&year) {
        return Vec::new();
    }
    let (named, n) = named_holidays(year);
    named[..n]
        .iter()
        .filter_map(|&(day, name)| {
            let ce = i32::try_from(day + CE_DAYS_AT_UNIX_EPOCH).ok()?;
            Some((NaiveDate::from_num_days_from_ce_opt(ce)?, name))
        })
        .collect()
}

/// Whether `date` is one of the days listed by [`non_working_days`], whatever its weekday.
pub fn is_holiday(date: NaiveDate) -> bool {
    year_days(date.year()).contains(day_num(date))
}

/// Whether `date` is Monday–Friday and not a holiday.
pub fn is_working_day(date: NaiveDate) -> bool {
    is_working_day_num(day_num(date))
}

/// [`is_working_day`] on a day number; the weekday test comes first since it needs no year lookup.
fn is_working_day_num(day: i64) -> bool {
    weekday_of(day) < 5 && !year_days(year_of(day)).contains_weekday(day)
}

/// Easter Sunday of `year` by the Gregorian computus (anonymous/Meeus–Jones–Butcher algorithm).
///
/// Years outside chrono's range are clamped into it, so the function never panics.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let y = year.clamp(NaiveDate::MIN.year(), NaiveDate::MAX.year());
    // Euclidean division keeps the algorithm well defined for proleptic years <= 0.
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n.div_euclid(31)).unwrap_or(4);
    let day = u32::try_from(n.rem_euclid(31) + 1).unwrap_or(1);
    NaiveDate::from_ymd_opt(y, month, day)
        .or_else(|| NaiveDate::from_ymd_opt(y, 4, 1))
        .unwrap_or(NaiveDate::MIN)
}

/// Weekdays (Monday–Friday, holidays ignored) in `[from, to)`, in O(1) by counting
/// from a fixed Monday (day 4 = 1970-01-05).
fn weekdays_between(from: i64, to: i64) -> i64 {
    let before = |day: i64| {
        let m = day - 4;
        5 * m.div_euclid(7) + m.rem_euclid(7).min(5)
    };
    before(to) - before(from)
}

/// Working days in `[from, to)`: weekdays minus weekday holidays, visiting each year once,
/// so multi-year spans cost a few dozen comparisons per year rather than one step per day.
fn working_days_in(from: i64, to: i64) -> i64 {
    if to <= from {
        return 0;
    }
    let mut count = weekdays_between(from, to);
    for year in year_of(from)..=year_of(to - 1) {
        count -= year_days(year).weekday_count_in(from, to);
    }
    count
}

/// The `n`-th working day (n >= 1) on or after `from`; `None` once past the supported range.
fn nth_working_day(from: i64, n: i64) -> Option<i64> {
    let hi_day = HI_TS.div_euclid(SECS_PER_DAY) + 7;
    let mut day = from;
    let mut remaining = n;
    while remaining > 0 {
        if day > hi_day {
            return None;
        }
        if remaining > 5 {
            // Whole weeks hold at most 5 working days each, so jumping (remaining - 1) / 5
            // weeks can never skip past the wanted day; holidays only make the jump shorter.
            let span = (remaining - 1) / 5 * 7;
            remaining -= working_days_in(day, day + span);
            day += span;
        } else {
            if is_working_day_num(day) {
                remaining -= 1;
                if remaining == 0 {
                    return Some(day);
                }
            }
            day += 1;
        }
    }
    Some(day)
}

/// Stockholm's UTC offset in seconds at a UTC timestamp (seconds).
fn offset_at(utc_secs: i64) -> i64 {
    match DateTime::from_timestamp(utc_secs, 0) {
        Some(dt) => i64::from(
            Stockholm
                .offset_from_utc_datetime(&dt.naive_utc())
                .fix()
                .local_minus_utc(),
        ),
        // Unreachable for clamped input; CET is the least surprising guess.
        None => 3600,
    }
}

/// Converts an instant to the Stockholm wall clock, clamping it into years 1..=9999 first
/// so that every later date computation stays inside chrono's range.
fn to_local(instant: DateTime<Utc>) -> LocalPos {
    let ts = instant.timestamp();
    let (secs, nanos) = if ts < LO_TS {
        (LO_TS, 0)
    } else if ts >= HI_TS {
        (HI_TS, 0)
    } else {
        // chrono encodes a leap second as nanos >= 1e9; folding it into the same second keeps
        // the position inside its day.
        let nanos = i64::from(instant.timestamp_subsec_nanos()).min(NANOS_PER_SEC - 1);
        (ts, nanos)
    };
    let local = secs + offset_at(secs);
    LocalPos {
        day: local.div_euclid(SECS_PER_DAY),
        nod: local.rem_euclid(SECS_PER_DAY) * NANOS_PER_SEC + nanos,
    }
}

/// UTC seconds of a Stockholm wall-clock time (seconds). In the autumn's repeated hour the
/// earlier instant is chosen; a time inside the spring gap is read with the offset before the
/// gap, which moves it forward past the gap (as most libraries do).
fn local_secs_to_utc(local: i64) -> i64 {
    let before = offset_at(local - SECS_PER_DAY);
    let after = offset_at(local + SECS_PER_DAY);
    [before, after]
        .into_iter()
        .map(|offset| local - offset)
        .filter(|&utc| local - offset_at(utc) == utc)
        .min()
        .unwrap_or(local - before)
}

/// The instant of a wall-clock position, saturating at the upper bound of the supported range.
fn from_local(pos: LocalPos) -> DateTime<Utc> {
    let local = pos.day * SECS_PER_DAY + pos.nod.div_euclid(NANOS_PER_SEC);
    let nanos = u32::try_from(pos.nod.rem_euclid(NANOS_PER_SEC)).unwrap_or(0);
    let utc = local_secs_to_utc(local);
    if utc >= HI_TS {
        return hi_instant();
    }
    DateTime::from_timestamp(utc, nanos).unwrap_or_else(hi_instant)
}

/// The latest instant results saturate at (9999-12-31T00:00:00Z).
fn hi_instant() -> DateTime<Utc> {
    DateTime::from_timestamp(HI_TS, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Working days (fractional) between two instants, counted in Europe/Stockholm local time. 0.0 if end <= start.
///
/// Time is measured on the local wall clock. Swedish DST changes fall on Sundays, which never
/// count, so on every counted day this equals elapsed time. Instants outside years 1..=9999
/// are clamped to that range.
pub fn working_days_between(start: DateTime<Utc>, end: DateTime<Utc>, mode: WorkingTime) -> f64 {
    if end <= start {
        return 0.0;
    }
    let window = Window::of(mode);
    let (a, b) = (to_local(start), to_local(end));
    // In the autumn's repeated hour a later instant can read earlier on the clock; that hour
    // is on a Sunday, so there is nothing to count.
    if b <= a {
        return 0.0;
    }
    let (whole, partial) = if a.day == b.day {
        (0, window.overlap(a.day, a.nod, b.nod))
    } else {
        (
            working_days_in(a.day + 1, b.day),
            window.overlap(a.day, a.nod, NANOS_PER_DAY) + window.overlap(b.day, 0, b.nod),
        )
    };
    whole as f64 + partial as f64 / window.len() as f64
}

/// The working-time coordinate of an instant: working days since 2000-01-01T00:00:00Z
/// (negative before it). `working_clock(b) - working_clock(a)` equals
/// `working_days_between(a, b)` up to float rounding (~1e-11 days), so a running stage's time
/// used is one subtraction from a value stored when its clock last started, and thresholds on
/// it become comparisons in SQL.
pub fn working_clock(instant: DateTime<Utc>, mode: WorkingTime) -> f64 {
    let epoch = DateTime::from_timestamp(946_684_800, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    if instant >= epoch {
        working_days_between(epoch, instant, mode)
    } else {
        -working_days_between(instant, epoch, mode)
    }
}

/// Same, minus the paused intervals (each (from, to); `to` None means still paused up to `end`). Pauses may overlap each other and extend outside [start, end]; overlapping time is subtracted once.
///
/// The unpaused gaps are summed rather than the pauses subtracted, so the result is never
/// negative through rounding.
pub fn working_days_excluding(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    pauses: &[(DateTime<Utc>, Option<DateTime<Utc>>)],
    mode: WorkingTime,
) -> f64 {
    if end <= start {
        return 0.0;
    }
    let mut clipped: Vec<(DateTime<Utc>, DateTime<Utc>)> = pauses
        .iter()
        .map(|&(from, to)| (from.max(start), to.unwrap_or(end).min(end)))
        .filter(|(from, to)| from < to)
        .collect();
    clipped.sort_unstable();
    let mut total = 0.0;
    let mut cursor = start;
    for (from, to) in clipped {
        if from > cursor {
            total += working_days_between(cursor, from, mode);
        }
        cursor = cursor.max(to);
    }
    total + working_days_between(cursor, end, mode)
}

/// The instant when `days` working days (fractional, >= 0) have elapsed after `start` (the due time of a target).
///
/// This is the earliest such instant, so a deadline that is met at the close of a working day
/// lands on that close (e.g. 17:00, or midnight after the last full day) rather than at the
/// next opening. Negative or NaN `days` count as 0 and give `start`; results beyond
/// 9999-12-31 saturate there.
pub fn add_working_days(start: DateTime<Utc>, days: f64, mode: WorkingTime) -> DateTime<Utc> {
    if days.is_nan() || days <= 0.0 {
        return start;
    }
    if days > MAX_ADD_DAYS {
        return hi_instant().max(start);
    }
    let window = Window::of(mode);
    let len = i128::from(window.len());
    let whole = days.trunc();
    // Nanosecond resolution keeps round trips through working_days_between exact to ~1e-14 days.
    let mut need = whole as i128 * len + ((days - whole) * len as f64).round() as i128;
    if need <= 0 {
        return start;
    }
    let pos = to_local(start);
    if is_working_day_num(pos.day) {
        let from = pos.nod.max(window.start);
        let available = i128::from((window.end - from).max(0));
        if need <= available {
            let nod = from + i64::try_from(need).unwrap_or(0);
            return from_local(LocalPos { day: pos.day, nod }).max(start);
        }
        need -= available;
    }
    // From the next local midnight: `full` whole working days are used up, and the rest
    // (1..=len nanoseconds) falls on the working day after them.
    let full = (need - 1) / len;
    let rest = need - full * len;
    let (Ok(full), Ok(rest)) = (i64::try_from(full), i64::try_from(rest)) else {
        return hi_instant().max(start);
    };
    match nth_working_day(pos.day + 1, full + 1) {
        Some(day) => from_local(LocalPos {
            day,
            nod: window.start + rest,
        })
        .max(start),
        None => hi_instant().max(start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, LocalResult, NaiveDateTime, Weekday};

    const FULL: WorkingTime = WorkingTime::FullDays;
    const OFFICE: WorkingTime = WorkingTime::Hours {
        start_hour: 8,
        end_hour: 17,
    };
    const EPS: f64 = 1e-9;

    /// A Stockholm wall-clock time as an instant (earliest if ambiguous).
    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        match Stockholm.with_ymd_and_hms(y, mo, d, h, mi, 0) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => panic!("no such local time {y}-{mo}-{d} {h}:{mi}"),
        }
    }

    /// An instant from an RFC 3339 string.
    fn utc(s: &str) -> DateTime<Utc> {
        match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => panic!("bad instant {s}: {e}"),
        }
    }

    /// A calendar date.
    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        match NaiveDate::from_ymd_opt(y, m, d) {
            Some(x) => x,
            None => panic!("bad date {y}-{m}-{d}"),
        }
    }

    /// The Stockholm wall-clock reading of an instant.
    fn local(t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&Stockholm).naive_local()
    }

    /// Asserts two floats agree to within EPS.
    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < EPS,
            "expected {expected}, got {actual}"
        );
    }

    /// The fixed part of every year's list, with the movable dates filled in.
    #[allow(clippy::too_many_arguments)]
    fn expected_year(
        y: i32,
        good_friday: (u32, u32),
        ascension: (u32, u32),
        pentecost: (u32, u32),
        midsummer_eve: u32,
        all_saints: (u32, u32),
    ) -> Vec<(NaiveDate, &'static str)> {
        let easter = date(y, good_friday.0, good_friday.1) + Duration::days(2);
        let mut v = vec![
            (date(y, 1, 1), "nyårsdagen"),
            (date(y, 1, 6), "trettondedag jul"),
            (date(y, good_friday.0, good_friday.1), "långfredagen"),
            (easter, "påskdagen"),
            (easter + Duration::days(1), "annandag påsk"),
            (date(y, 5, 1), "första maj"),
            (date(y, ascension.0, ascension.1), "Kristi himmelsfärdsdag"),
            (date(y, pentecost.0, pentecost.1), "pingstdagen"),
            (date(y, 6, 6), "Sveriges nationaldag"),
            (date(y, 6, midsummer_eve), "midsommarafton"),
            (date(y, 6, midsummer_eve + 1), "midsommardagen"),
            (date(y, all_saints.0, all_saints.1), "alla helgons dag"),
            (date(y, 12, 24), "julafton"),
            (date(y, 12, 25), "juldagen"),
            (date(y, 12, 26), "annandag jul"),
            (date(y, 12, 31), "nyårsafton"),
        ];
        v.sort_by_key(|&(d, _)| d);
        v
    }

    #[test]
    fn easter_sundays_known_years() {
        let known = [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2029, 4, 1),
            (2030, 4, 21),
            (2008, 3, 23),
            (2038, 4, 25),
            (2285, 3, 22),
            (1954, 4, 18),
        ];
        for (y, m, d) in known {
            assert_eq!(easter_sunday(y), date(y, m, d), "Easter {y}");
        }
    }

    #[test]
    fn non_working_days_2024_to_2030_match_the_official_calendar() {
        let expected = [
            expected_year(2024, (3, 29), (5, 9), (5, 19), 21, (11, 2)),
            expected_year(2025, (4, 18), (5, 29), (6, 8), 20, (11, 1)),
            expected_year(2026, (4, 3), (5, 14), (5, 24), 19, (10, 31)),
            expected_year(2027, (3, 26), (5, 6), (5, 16), 25, (11, 6)),
            expected_year(2028, (4, 14), (5, 25), (6, 4), 23, (11, 4)),
            expected_year(2029, (3, 30), (5, 10), (5, 20), 22, (11, 3)),
            expected_year(2030, (4, 19), (5, 30), (6, 9), 21, (11, 2)),
        ];
        for (year, want) in (2024..=2030).zip(expected) {
            assert_eq!(non_working_days(year), want, "year {year}");
        }
        // Spot checks written out in full so the helper cannot hide a mistake.
        let y2025 = non_working_days(2025);
        assert_eq!(y2025[2], (date(2025, 4, 18), "långfredagen"));
        assert_eq!(y2025[6], (date(2025, 5, 29), "Kristi himmelsfärdsdag"));
        assert_eq!(y2025[7], (date(2025, 6, 6), "Sveriges nationaldag"));
        assert_eq!(y2025[8], (date(2025, 6, 8), "pingstdagen"));
        assert_eq!(y2025[9], (date(2025, 6, 20), "midsommarafton"));
        assert_eq!(y2025[11], (date(2025, 11, 1), "alla helgons dag"));
    }

    #[test]
    fn movable_days_have_the_right_weekdays_for_many_years() {
        for year in 1583..=2600 {
            let days = non_working_days(year);
            assert_eq!(days.len(), 16, "year {year}");
            assert!(days.windows(2).all(|w| w[0].0 <= w[1].0), "sorted {year}");
            for (d, name) in &days {
                assert_eq!(d.year(), year);
                assert!(is_holiday(*d));
                let wd = d.weekday();
                match *name {
                    "långfredagen" | "midsommarafton" => assert_eq!(wd, Weekday::Fri),
                    "påskdagen" | "pingstdagen" => assert_eq!(wd, Weekday::Sun),
                    "annandag påsk" => assert_eq!(wd, Weekday::Mon),
                    "Kristi himmelsfärdsdag" => assert_eq!(wd, Weekday::Thu),
                    "midsommardagen" | "alla helgons dag" => assert_eq!(wd, Weekday::Sat),
                    _ => {}
                }
            }
            let easter = easter_sunday(year);
            assert!(easter >= date(year, 3, 22) && easter <= date(year, 4, 25));
        }
    }

    #[test]
    fn coinciding_days_are_listed_twice_but_removed_once() {
        // 2008: Easter 23 March, so Kristi himmelsfärdsdag is 1 May.
        let days = non_working_days(2008);
        assert_eq!(
            days.iter().filter(|(d, _)| *d == date(2008, 5, 1)).count(),
            2
        );
        // Week of 28 Apr 2008: Mon–Wed work, Thu 1 May holiday, Fri works.
        close(
            working_days_between(at(2008, 4, 28, 0, 0), at(2008, 5, 3, 0, 0), FULL),
            4.0,
        );
    }

    #[test]
    fn holiday_and_working_day_predicates() {
        assert!(is_holiday(date(2025, 12, 24)));
        assert!(!is_working_day(date(2025, 12, 24)));
        assert!(is_holiday(date(2026, 10, 31))); // a Saturday
        assert!(is_working_day(date(2025, 4, 17))); // skärtorsdagen is a working day
        assert!(!is_holiday(date(2025, 4, 17)));
        assert!(!is_working_day(date(2025, 3, 15))); // plain Saturday
        assert!(!is_holiday(date(2025, 3, 15)));
        assert!(is_working_day(date(2025, 3, 17)));
    }

    #[test]
    fn within_one_day() {
        close(
            working_days_between(at(2025, 3, 11, 9, 0), at(2025, 3, 11, 15, 0), FULL),
            0.25,
        );
        close(
            working_days_between(at(2025, 3, 11, 9, 0), at(2025, 3, 11, 15, 0), OFFICE),
            6.0 / 9.0,
        );
        close(
            working_days_between(at(2025, 3, 11, 6, 0), at(2025, 3, 11, 10, 0), OFFICE),
            2.0 / 9.0,
        );
        close(
            working_days_between(at(2025, 3, 11, 0, 0), at(2025, 3, 12, 0, 0), OFFICE),
            1.0,
        );
        close(
            working_days_between(at(2025, 3, 11, 18, 0), at(2025, 3, 11, 23, 0), OFFICE),
            0.0,
        );
    }

    #[test]
    fn reversed_or_empty_span_is_zero() {
        let t = at(2025, 3, 11, 9, 0);
        assert_eq!(working_days_between(t, t, FULL), 0.0);
        assert_eq!(working_days_between(t, t - Duration::hours(30), FULL), 0.0);
    }

    #[test]
    fn over_a_weekend() {
        close(
            working_days_between(at(2025, 3, 14, 12, 0), at(2025, 3, 17, 12, 0), FULL),
            1.0,
        );
        close(
            working_days_between(at(2025, 3, 15, 10, 0), at(2025, 3, 16, 20, 0), FULL),
            0.0,
        );
        close(
            working_days_between(at(2025, 3, 10, 0, 0), at(2025, 3, 24, 0, 0), FULL),
            10.0,
        );
    }

    #[test]
    fn hours_mode_friday_afternoon_to_monday_morning() {
        close(
            working_days_between(at(2025, 3, 14, 16, 0), at(2025, 3, 17, 9, 0), OFFICE),
            2.0 / 9.0,
        );
    }

    #[test]
    fn across_easter() {
        // Skärtorsdagen works; långfredagen to annandag påsk do not.
        close(
            working_days_between(at(2025, 4, 17, 0, 0), at(2025, 4, 22, 0, 0), FULL),
            1.0,
        );
        close(
            working_days_between(at(2025, 4, 17, 12, 0), at(2025, 4, 23, 12, 0), FULL),
            2.0,
        );
        close(
            working_days_between(at(2026, 4, 2, 16, 0), at(2026, 4, 7, 9, 0), OFFICE),
            2.0 / 9.0,
        );
    }

    #[test]
    fn across_christmas_and_new_year() {
        // Working: 23 Dec, 28–30 Dec, 4–5 Jan, 7 Jan.
        close(
            working_days_between(at(2026, 12, 23, 0, 0), at(2027, 1, 8, 0, 0), FULL),
            7.0,
        );
        close(
            working_days_between(at(2026, 12, 23, 0, 0), at(2027, 1, 8, 0, 0), OFFICE),
            7.0,
        );
    }

    #[test]
    fn starting_or_ending_on_a_holiday() {
        let end = at(2025, 12, 29, 12, 0);
        close(
            working_days_between(at(2025, 12, 25, 10, 0), end, FULL),
            0.5,
        );
        // Counting from a holiday instant is the same as from the next working day's start.
        close(
            working_days_between(at(2025, 12, 25, 10, 0), end, FULL),
            working_days_between(at(2025, 12, 29, 0, 0), end, FULL),
        );
        close(
            working_days_between(at(2025, 12, 23, 12, 0), at(2025, 12, 24, 18, 0), FULL),
            0.5,
        );
        close(
            working_days_between(at(2025, 6, 19, 12, 0), at(2025, 6, 20, 15, 0), OFFICE),
            5.0 / 9.0,
        );
    }

    #[test]
    fn across_dst_changes() {
        // 2025-03-30 and 2025-10-26 are the change Sundays; the Sunday hour never counts.
        close(
            working_days_between(at(2025, 3, 28, 12, 0), at(2025, 3, 31, 12, 0), FULL),
            1.0,
        );
        close(
            working_days_between(at(2025, 10, 24, 12, 0), at(2025, 10, 27, 12, 0), FULL),
            1.0,
        );
        close(
            working_days_between(at(2025, 3, 28, 16, 0), at(2025, 3, 31, 9, 0), OFFICE),
            2.0 / 9.0,
        );
        close(
            working_days_between(at(2025, 10, 24, 16, 0), at(2025, 10, 27, 9, 0), OFFICE),
            2.0 / 9.0,
        );
        // Office hours are local: 08–17 is 07–16Z in winter and 06–15Z in summer.
        close(
            working_days_between(
                utc("2025-03-28T07:00:00Z"),
                utc("2025-03-28T16:00:00Z"),
                OFFICE,
            ),
            1.0,
        );
        close(
            working_days_between(
                utc("2025-03-31T06:00:00Z"),
                utc("2025-03-31T15:00:00Z"),
                OFFICE,
            ),
            1.0,
        );
        // A span that starts and ends inside the change Sundays (incl. the repeated hour).
        close(
            working_days_between(
                utc("2025-10-26T00:30:00Z"),
                utc("2025-10-26T01:10:00Z"),
                FULL,
            ),
            0.0,
        );
        close(
            working_days_between(
                utc("2025-03-30T00:30:00Z"),
                utc("2025-03-31T22:00:00Z"),
                FULL,
            ),
            1.0,
        );
    }

    #[test]
    fn a_whole_year() {
        // 2024: 262 weekdays, 11 of them holidays.
        close(
            working_days_between(at(2024, 1, 1, 0, 0), at(2025, 1, 1, 0, 0), FULL),
            251.0,
        );
    }

    /// Day-by-day reference used to check the week-jumping arithmetic.
    fn reference_between(start: DateTime<Utc>, end: DateTime<Utc>, mode: WorkingTime) -> f64 {
        let (s, e) = (local(start), local(end));
        if e <= s {
            return 0.0;
        }
        let (ws, we) = match mode {
            WorkingTime::FullDays => (0, 24),
            WorkingTime::Hours {
                start_hour,
                end_hour,
            } => (i64::from(start_hour), i64::from(end_hour)),
        };
        let mut secs = 0_i64;
        let mut d = s.date();
        while d <= e.date() {
            if is_working_day(d) {
                let day_start = d.and_hms_opt(0, 0, 0).unwrap_or_default();
                let from = (day_start + Duration::hours(ws)).max(s);
                let to = (day_start + Duration::hours(we)).min(e);
                if to > from {
                    secs += (to - from).num_seconds();
                }
            }
            d += Duration::days(1);
        }
        secs as f64 / ((we - ws) * 3600) as f64
    }

    #[test]
    fn matches_day_by_day_reference() {
        let base = at(2023, 1, 1, 0, 0);
        let mut seed = 0x2545_f491_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let start = base + Duration::minutes((next() % (9 * 365 * 24 * 60)) as i64);
            let end = start + Duration::minutes((next() % (800 * 24 * 60)) as i64);
            for mode in [FULL, OFFICE] {
                close(
                    working_days_between(start, end, mode),
                    reference_between(start, end, mode),
                );
            }
        }
    }

    #[test]
    fn excluding_one_pause() {
        let (s, e) = (at(2025, 3, 10, 0, 0), at(2025, 3, 17, 0, 0));
        close(working_days_excluding(s, e, &[], FULL), 5.0);
        let pause = (at(2025, 3, 11, 12, 0), Some(at(2025, 3, 12, 12, 0)));
        close(working_days_excluding(s, e, &[pause], FULL), 4.0);
        close(working_days_excluding(s, e, &[pause], OFFICE), 4.0);
    }

    #[test]
    fn excluding_overlapping_pauses() {
        let (s, e) = (at(2025, 3, 10, 0, 0), at(2025, 3, 17, 0, 0));
        let pauses = [
            (at(2025, 3, 11, 0, 0), Some(at(2025, 3, 12, 12, 0))),
            (at(2025, 3, 12, 0, 0), Some(at(2025, 3, 13, 0, 0))),
            (at(2025, 3, 11, 0, 0), Some(at(2025, 3, 12, 12, 0))),
            (at(2025, 3, 11, 6, 0), Some(at(2025, 3, 11, 9, 0))),
        ];
        close(working_days_excluding(s, e, &pauses, FULL), 3.0);
    }

    #[test]
    fn excluding_open_pause() {
        let (s, e) = (at(2025, 3, 10, 0, 0), at(2025, 3, 17, 0, 0));
        close(
            working_days_excluding(s, e, &[(at(2025, 3, 13, 0, 0), None)], FULL),
            3.0,
        );
        // An open pause that began before the span blots out all of it.
        close(
            working_days_excluding(s, e, &[(at(2025, 1, 1, 0, 0), None)], FULL),
            0.0,
        );
    }

    #[test]
    fn excluding_pauses_outside_or_partly_outside() {
        let (s, e) = (at(2025, 3, 10, 0, 0), at(2025, 3, 17, 0, 0));
        let before = (at(2025, 2, 3, 0, 0), Some(at(2025, 2, 7, 0, 0)));
        let after = (at(2025, 3, 20, 0, 0), None);
        let weekend = (at(2025, 3, 15, 0, 0), Some(at(2025, 3, 17, 0, 0)));
        let inverted = (at(2025, 3, 12, 0, 0), Some(at(2025, 3, 11, 0, 0)));
        close(
            working_days_excluding(s, e, &[before, after, weekend, inverted], FULL),
            5.0,
        );
        let straddling = (at(2025, 3, 8, 0, 0), Some(at(2025, 3, 11, 0, 0)));
        close(working_days_excluding(s, e, &[straddling], FULL), 4.0);
        assert_eq!(working_days_excluding(e, s, &[straddling], FULL), 0.0);
    }

    #[test]
    fn add_from_saturday_one_day_ends_tuesday_midnight() {
        let due = add_working_days(at(2025, 3, 15, 10, 0), 1.0, FULL);
        assert_eq!(due, at(2025, 3, 18, 0, 0));
        let due = add_working_days(at(2025, 3, 15, 0, 0), 1.0, FULL);
        assert_eq!(local(due).to_string(), "2025-03-18 00:00:00");
    }

    #[test]
    fn add_lands_on_the_earliest_instant() {
        assert_eq!(
            add_working_days(at(2025, 3, 14, 16, 0), 2.0 / 9.0, OFFICE),
            at(2025, 3, 17, 9, 0)
        );
        assert_eq!(
            add_working_days(at(2025, 3, 14, 8, 0), 1.0, OFFICE),
            at(2025, 3, 14, 17, 0)
        );
        assert_eq!(
            add_working_days(at(2025, 3, 14, 7, 0), 0.5, OFFICE),
            at(2025, 3, 14, 12, 30)
        );
        assert_eq!(
            add_working_days(at(2026, 12, 23, 0, 0), 7.0, FULL),
            at(2027, 1, 8, 0, 0)
        );
        assert_eq!(
            add_working_days(at(2025, 4, 17, 12, 0), 1.0, FULL),
            at(2025, 4, 22, 12, 0)
        );
        assert_eq!(
            add_working_days(at(2025, 3, 28, 12, 0), 1.0, FULL),
            at(2025, 3, 31, 12, 0)
        );
        assert_eq!(
            add_working_days(at(2025, 10, 24, 16, 0), 2.0 / 9.0, OFFICE),
            at(2025, 10, 27, 9, 0)
        );
    }

    #[test]
    fn add_round_trips_with_between() {
        let starts = [
            at(2025, 3, 11, 9, 17),
            at(2025, 3, 15, 10, 0),
            at(2025, 4, 18, 8, 0),
            at(2025, 3, 28, 16, 30),
            at(2026, 12, 23, 13, 45),
            at(2024, 2, 29, 23, 59),
            utc("2025-10-26T00:30:00Z"),
            utc("2027-06-24T05:00:00.123456789Z"),
        ];
        let counts = [
            0.0,
            0.001,
            0.25,
            1.0,
            1.5,
            2.0 / 9.0,
            3.75,
            10.0,
            37.2,
            260.0,
            1000.5,
        ];
        for mode in [FULL, OFFICE] {
            for &s in &starts {
                for &d in &counts {
                    let due = add_working_days(s, d, mode);
                    assert!(due >= s);
                    let back = working_days_between(s, due, mode);
                    assert!(
                        (back - d).abs() < EPS,
                        "{mode:?} {s} + {d} -> {due} -> {back}"
                    );
                    // Earliest: one second earlier has not yet reached the count.
                    if d > 0.0 {
                        let just_before = working_days_between(s, due - Duration::seconds(1), mode);
                        assert!(just_before < d, "{mode:?} {s} + {d} not earliest");
                    }
                }
            }
        }
    }

    #[test]
    fn add_ignores_negative_and_nan() {
        let s = at(2025, 3, 15, 10, 0);
        assert_eq!(add_working_days(s, -3.0, FULL), s);
        assert_eq!(add_working_days(s, f64::NAN, FULL), s);
        assert_eq!(add_working_days(s, 0.0, OFFICE), s);
        assert_eq!(add_working_days(s, f64::NEG_INFINITY, OFFICE), s);
    }

    #[test]
    fn invalid_hour_windows_fall_back_to_full_days() {
        let (s, e) = (at(2025, 3, 11, 0, 0), at(2025, 3, 12, 0, 0));
        for mode in [
            WorkingTime::Hours {
                start_hour: 9,
                end_hour: 9,
            },
            WorkingTime::Hours {
                start_hour: 17,
                end_hour: 8,
            },
            WorkingTime::Hours {
                start_hour: 30,
                end_hour: 40,
            },
        ] {
            close(working_days_between(s, e, mode), 1.0);
            assert_eq!(add_working_days(s, 1.0, mode), e);
        }
        // An end past 24 is read as midnight.
        let late = WorkingTime::Hours {
            start_hour: 12,
            end_hour: 99,
        };
        close(working_days_between(s, e, late), 1.0);
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        for mode in [FULL, OFFICE] {
            let all = working_days_between(min, max, mode);
            assert!(all.is_finite() && all > 2_000_000.0, "{all}");
            assert_eq!(working_days_between(max, min, mode), 0.0);
            assert!(working_days_excluding(min, max, &[(min, None)], mode) == 0.0);
            let _ = working_days_excluding(min, max, &[(max, Some(min)), (min, Some(max))], mode);
            for days in [1.0, 1e6, 2.9e6, 1e300, f64::MAX, f64::INFINITY] {
                let a = add_working_days(min, days, mode);
                let b = add_working_days(max, days, mode);
                assert!(a >= min && b >= max);
            }
            assert!(add_working_days(min, 1.0, mode).year() == 1);
            assert_eq!(
                add_working_days(at(9999, 12, 20, 0, 0), 100.0, mode).year(),
                9999
            );
        }
        for year in [
            i32::MIN,
            -262_144,
            -1,
            0,
            1,
            9999,
            10_000,
            262_143,
            i32::MAX,
        ] {
            let _ = easter_sunday(year);
            let _ = non_working_days(year);
        }
        assert_eq!(easter_sunday(1).year(), 1);
        assert_eq!(non_working_days(1).len(), 16);
        assert_eq!(non_working_days(9999).len(), 16);
        assert!(non_working_days(i32::MAX).is_empty());
        for d in [
            NaiveDate::MIN,
            NaiveDate::MAX,
            date(1, 1, 1),
            date(9999, 12, 31),
        ] {
            let _ = is_holiday(d);
            let _ = is_working_day(d);
        }
    }

    #[test]
    fn mode_serde_shape() {
        let json = serde_json::to_string(&OFFICE).unwrap_or_default();
        assert_eq!(json, r#"{"mode":"hours","start_hour":8,"end_hour":17}"#);
        let full: Result<WorkingTime, _> = serde_json::from_str(r#"{"mode":"full_days"}"#);
        assert!(matches!(full, Ok(WorkingTime::FullDays)));
    }

    /// Prints the cost of one working_days_between call over a few weeks.
    /// Run: cargo test --release -- --ignored --nocapture timing
    #[test]
    #[ignore]
    fn timing_working_days_between() {
        use std::hint::black_box;
        use std::time::Instant;
        let base = at(2025, 1, 6, 9, 0);
        let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = (0..100_000_i64)
            .map(|i| {
                let s = base + Duration::minutes(i * 37 % (365 * 24 * 60));
                (
                    s,
                    s + Duration::days(21) + Duration::minutes(i * 13 % 10_000),
                )
            })
            .collect();
        let _ = working_days_between(spans[0].0, spans[0].1, FULL);
        for mode in [FULL, OFFICE] {
            let t = Instant::now();
            let mut sum = 0.0;
            for &(s, e) in &spans {
                sum += working_days_between(black_box(s), black_box(e), black_box(mode));
            }
            let per = t.elapsed().as_nanos() as f64 / spans.len() as f64;
            println!("working_days_between {mode:?}: {per:.0} ns/call (sum {sum:.1})");
        }
        let long = (at(2015, 1, 1, 0, 0), at(2025, 1, 1, 0, 0));
        let t = Instant::now();
        let mut sum = 0.0;
        for _ in 0..10_000 {
            sum += working_days_between(black_box(long.0), black_box(long.1), FULL);
        }
        let per = t.elapsed().as_nanos() as f64 / 10_000.0;
        println!("working_days_between over 10 years: {per:.0} ns/call (sum {sum:.1})");
        let t = Instant::now();
        let mut last = base;
        for (i, &(s, _)) in spans.iter().enumerate() {
            last = last.max(add_working_days(black_box(s), (i % 40) as f64 * 0.7, FULL));
        }
        let per = t.elapsed().as_nanos() as f64 / spans.len() as f64;
        println!("add_working_days up to 28 days: {per:.0} ns/call (last {last})");
    }
}

#[cfg(test)]
mod working_clock_tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn differences_of_the_clock_are_working_days_between() {
        let modes = [
            WorkingTime::FullDays,
            WorkingTime::Hours {
                start_hour: 8,
                end_hour: 17,
            },
        ];
        // Instants before and after the epoch, across DST changes, holidays and years.
        let base = DateTime::parse_from_rfc3339("1998-12-30T13:17:05.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut x: u64 = 7;
        for i in 0..2000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let a = base + Duration::seconds(((x >> 20) % (30 * 365 * 86_400)) as i64);
            let b = a + Duration::microseconds(((x >> 5) % (90 * 86_400_000_000)) as i64);
            let mode = modes[i % 2];
            let d = working_clock(b, mode) - working_clock(a, mode);
            let expected = working_days_between(a, b, mode);
            assert!(
                (d - expected).abs() < 1e-9,
                "{a} {b} {mode:?}: {d} vs {expected}"
            );
        }
    }
}
