//! The legal department's pages: the backlog across the structure, temporary support due for
//! review, and the SLA reports with charts drawn as inline SVG on the server.

use std::fmt::Write;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::{call, page_context, Svc};
use crate::domain::catalogue::{FieldProblem, Hint, Thing};
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::reports::{parse_format, BacklogQuery, Format, SlaReportQuery};
use crate::service::ServiceError;
use crate::web::error::PageError;
use crate::web::html::{self, escape};
use crate::web::paging::{page_number, past_end, Pager};
use crate::web::session::Viewer;
use crate::web::workbook;

const REVIEW_WITHIN_DAYS: i64 = 30;

fn forum_name(svc: &Svc, code: &str) -> String {
    svc.config
        .structure
        .forum(code)
        .map_or_else(|| code.to_string(), |f| f.name.clone())
}

fn level_name(code: &str) -> String {
    Level::parse(code).map_or_else(|| code.to_string(), |l| l.title_sv().to_string())
}

/// The page number of the review list on the overview.
#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    sida: Option<String>,
    page: Option<String>,
    /// How the forums are sorted: forsenade (default), risk, vantar, aldst or namn.
    ordning: Option<String>,
}

/// The orders of the overview's forum table: its code in the address and its heading.
const FORUM_ORDERS: &[(&str, &str)] = &[
    ("namn", "Forum"),
    ("vantar", "Väntar"),
    ("risk", "Riskerar försening"),
    ("forsenade", "Försenade"),
    ("aldst", "Äldsta (arbetsdagar)"),
];

pub async fn overview(
    svc: Svc,
    v: Viewer,
    q: web::Query<OverviewQuery>,
) -> Result<HttpResponse, PageError> {
    let page = page_number(q.sida.as_deref(), q.page.as_deref())?;
    let order = q
        .ordning
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .unwrap_or("forsenade");
    if !FORUM_ORDERS.iter().any(|(code, _)| *code == order) {
        return Err(ServiceError::invalid(
            "ordning",
            FieldProblem::Unknown {
                thing: Thing::Column,
                value: order.into(),
                hint: Hint::OneOf(
                    FORUM_ORDERS
                        .iter()
                        .map(|(c, _)| *c)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            },
        )
        .into());
    }
    let order = order.to_string();
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let (by_level, by_forum, reviews) = call(move || {
        let q = |g: &str| BacklogQuery {
            group_by: Some(g.into()),
            format: None,
        };
        Ok((
            s.backlog(&actor, &q("level"))?,
            s.backlog(&actor, &q("forum"))?,
            s.reviews_due(&actor, REVIEW_WITHIN_DAYS, page)?,
        ))
    })
    .await?;
    if page > reviews.pages {
        return Err(past_end(page, reviews.pages));
    }
    let levels: Vec<_> = by_level
        .rows
        .iter()
        .map(|r| json!({"name": level_name(&r.group), "row": r}))
        .collect();
    let mut rows: Vec<_> = by_forum.rows.iter().filter(|r| r.open > 0).collect();
    // Most urgent first whatever the column, then by name; "namn" is alphabetical.
    let name = |r: &crate::service::reports::BacklogRow| forum_name(&svc, &r.group);
    match order.as_str() {
        "namn" => rows.sort_by_key(|r| name(r)),
        "risk" => rows.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.at_risk),
                std::cmp::Reverse(r.overdue),
                name(r),
            )
        }),
        "vantar" => rows.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.open),
                std::cmp::Reverse(r.overdue),
                name(r),
            )
        }),
        "aldst" => rows.sort_by(|a, b| {
            b.oldest_working_days
                .total_cmp(&a.oldest_working_days)
                .then_with(|| name(a).cmp(&name(b)))
        }),
        _ => rows.sort_by_key(|r| {
            (
                std::cmp::Reverse(r.overdue),
                std::cmp::Reverse(r.at_risk),
                name(r),
            )
        }),
    }
    let forums: Vec<_> = rows
        .into_iter()
        .map(|r| {
            json!({
                "name": forum_name(&svc, &r.group),
                "code": r.group,
                "row": r,
            })
        })
        .collect();
    let orders: Vec<_> = FORUM_ORDERS
        .iter()
        .map(|(code, heading)| json!({"code": code, "heading": heading, "current": *code == order}))
        .collect();
    let mut c = page_context(&v, "overview", "Översikt");
    c.insert("levels", &levels);
    c.insert("forums", &forums);
    c.insert("orders", &orders);
    c.insert("reviews", &reviews.items);
    c.insert("reviews_total", &reviews.total);
    c.insert(
        "reviews_pager",
        &Pager::new(
            page,
            reviews.pages,
            reviews.total,
            "/oversikt",
            &[],
            "Sidor med tillfälligt stöd att ompröva",
        )
        .anchored("reviews-heading"),
    );
    c.insert("review_days", &REVIEW_WITHIN_DAYS);
    html::render("overview.html", &c, StatusCode::OK)
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn reports(
    svc: Svc,
    v: Viewer,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let s = svc.clone().into_inner();
    let actor = v.actor.clone();
    let query = SlaReportQuery {
        from: q.from.clone().filter(|x| !x.trim().is_empty()),
        to: q.to.clone().filter(|x| !x.trim().is_empty()),
        group_by: Some("level".into()),
        format: None,
    };
    let (report, trend) =
        call(move || Ok((s.sla_report(&actor, &query)?, s.sla_trend(&actor, 12)?))).await?;
    let times: Vec<(String, Vec<f64>)> = report
        .rows
        .iter()
        .map(|r| {
            (
                level_name(&r.group),
                // No answered stage: no bar, and a dash instead of a misleading zero.
                vec![
                    r.median_working_days.unwrap_or(f64::NAN),
                    r.p90_working_days.unwrap_or(f64::NAN),
                ],
            )
        })
        .collect();
    let months: Vec<(String, Vec<f64>)> = trend
        .iter()
        .map(|m| (m.month.clone(), vec![m.received as f64, m.answered as f64]))
        .collect();
    let rows: Vec<_> = report
        .rows
        .iter()
        .map(|r| json!({"name": level_name(&r.group), "row": r}))
        .collect();
    let period = format!("from={}&to={}", report.from, report.to);
    let mut c = page_context(&v, "reports", "Rapporter");
    c.insert("presets", &presets(&svc, &report.from, &report.to));
    c.insert("report", &report);
    c.insert("rows", &rows);
    c.insert("trend", &trend);
    c.insert(
        "times_chart",
        &bar_chart(
            "times",
            "Svarstider per nivå (arbetsdagar)",
            &format!(
                "Median och 90:e percentil av arbetsdagar till svar per nivå, {} till {}.",
                report.from, report.to
            ),
            &times,
            &["Median", "90:e percentil"],
            1,
        ),
    );
    c.insert(
        "trend_chart",
        &bar_chart(
            "trend",
            "Inkomna och besvarade per månad",
            "Antal etapper som kom in och som besvarades per månad, de senaste tolv månaderna.",
            &months,
            &["Inkomna", "Besvarade"],
            0,
        ),
    );
    c.insert("sla_csv", &format!("/rapporter/sla?{period}&format=csv"));
    c.insert("sla_xlsx", &format!("/rapporter/sla?{period}&format=xlsx"));
    c.insert("backlog_csv", "/rapporter/backlog?format=csv");
    c.insert("backlog_xlsx", "/rapporter/backlog?format=xlsx");
    html::render("reports.html", &c, StatusCode::OK)
}

/// The periods people ask for most, as links: the last 30 days, the last 12 months, this year
/// and last year.
fn presets(svc: &Svc, from: &NaiveDate, to: &NaiveDate) -> Vec<serde_json::Value> {
    use chrono::Datelike;
    let today = svc
        .clock()
        .now()
        .with_timezone(&chrono_tz::Europe::Stockholm)
        .date_naive();
    let year_start = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1);
    let mut out = Vec::new();
    let mut push = |label: &str, a: Option<NaiveDate>, b: NaiveDate| {
        if let Some(a) = a {
            out.push(json!({
                "label": label,
                "href": format!("/rapporter?from={a}&to={b}"),
                "current": (a, b) == (*from, *to),
            }));
        }
    };
    push(
        "Senaste 30 dagarna",
        today.checked_sub_signed(chrono::Duration::days(29)),
        today,
    );
    push(
        "Senaste 12 månaderna",
        today
            .checked_sub_months(chrono::Months::new(12))
            .and_then(|d| d.succ_opt()),
        today,
    );
    push("I år", year_start(today.year()), today);
    if let Some(last_day) = year_start(today.year()).and_then(|d| d.pred_opt()) {
        push("Förra året", year_start(today.year() - 1), last_day);
    }
    out
}

fn file_format(f: &Option<String>) -> Result<Format, PageError> {
    match parse_format(f)? {
        Format::Json => Err(ServiceError::invalid(
            "format",
            FieldProblem::Unknown {
                thing: Thing::Format,
                value: "json".into(),
                hint: Hint::Expected("csv or xlsx", "csv eller xlsx"),
            },
        )
        .into()),
        other => Ok(other),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
    format: Option<String>,
}

/// Which sheet a CSV download holds: the one per level (default) or per forum.
fn csv_sheet(group_by: Option<&str>) -> Result<usize, PageError> {
    match group_by.map(str::trim).unwrap_or("") {
        "" | "level" => Ok(0),
        "forum" => Ok(1),
        other => Err(ServiceError::invalid(
            "group_by",
            FieldProblem::Unknown {
                thing: Thing::Grouping,
                value: other.into(),
                hint: Hint::OneOf("level, forum".into()),
            },
        )
        .into()),
    }
}

pub async fn sla_download(
    svc: Svc,
    v: Viewer,
    q: web::Query<DownloadQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let format = file_format(&q.format)?;
    let first = csv_sheet(q.group_by.as_deref())?;
    let s = svc.clone().into_inner();
    let book = call(move || s.sla_book(&v.actor, q.from, q.to)).await?;
    let mut sheets = workbook::sla_sheets(&svc.config, &book);
    sheets.swap(0, first);
    let file = format!("svarstider-{}-{}", book.by_level.from, book.by_level.to);
    Ok(workbook::download(&sheets, format, &file)?)
}

pub async fn backlog_download(
    svc: Svc,
    v: Viewer,
    q: web::Query<DownloadQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let format = file_format(&q.format)?;
    let first = csv_sheet(q.group_by.as_deref())?;
    let s = svc.clone().into_inner();
    let book = call(move || s.backlog_book(&v.actor)).await?;
    let mut sheets = workbook::backlog_sheets(&svc.config, &book);
    sheets.swap(0, first);
    let file = format!(
        "vantande-fragor-{}",
        book.made_at
            .with_timezone(&chrono_tz::Europe::Stockholm)
            .format("%Y-%m-%d")
    );
    Ok(workbook::download(&sheets, format, &file)?)
}

/// A grouped bar chart as inline SVG. Series are told apart by fill *and* pattern (solid, then
/// hatched, then dotted) and every bar carries its number, so colour is never the only cue.
pub fn bar_chart(
    id: &str,
    title: &str,
    desc: &str,
    groups: &[(String, Vec<f64>)],
    series: &[&str],
    decimals: usize,
) -> String {
    const W: f64 = 760.0;
    const H: f64 = 300.0;
    const LEFT: f64 = 48.0;
    const TOP: f64 = 40.0;
    const BOTTOM: f64 = 56.0;
    let plot_h = H - TOP - BOTTOM;
    let plot_w = W - LEFT - 12.0;
    let max = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    // Whole-number charts get whole-number grid lines.
    let max = if decimals == 0 {
        (max / 4.0).ceil() * 4.0
    } else {
        max
    };
    let n = groups.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.8 / series.len().max(1) as f64).min(40.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc)
    );
    let _ = write!(
        s,
        r##"<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#7a3b00" stroke-width="3"/></pattern><pattern id="{id}-dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.6" fill="#1b5e20"/></pattern></defs>"##
    );
    let fills = [
        ("#1f4e79".to_string(), "#1f4e79"),
        (format!("url(#{id}-hatch)"), "#7a3b00"),
        (format!("url(#{id}-dots)"), "#1b5e20"),
    ];
    // Axis and a few grid lines with their values.
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#c8c8c8" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333333">{}</text>"##,
            W - 12.0,
            LEFT - 4.0,
            y + 4.0,
            fmt_num(v, decimals)
        );
    }
    for (gi, (label, values)) in groups.iter().enumerate() {
        let x0 = LEFT + slot * gi as f64 + (slot - bar_w * series.len() as f64) / 2.0;
        for (si, v) in values.iter().enumerate().take(series.len()) {
            let (fill, stroke) = &fills[si % fills.len()];
            let x = x0 + bar_w * si as f64;
            if !v.is_finite() {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111111">–<title>{}: inga värden</title></text>"##,
                    x + bar_w / 2.0 - 1.0,
                    TOP + plot_h - 3.0,
                    escape(&format!("{label}, {}", series[si])),
                );
                continue;
            }
            let h = plot_h * v / max;
            let y = TOP + plot_h - h;
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="1"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111111">{}</text>"##,
                (bar_w - 2.0).max(1.0),
                escape(&format!("{label}, {}", series[si])),
                fmt_num(*v, decimals),
                x + bar_w / 2.0 - 1.0,
                y - 3.0,
                fmt_num(*v, decimals)
            );
        }
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#111111">{}</text>"##,
            LEFT + slot * gi as f64 + slot / 2.0,
            H - BOTTOM + 16.0,
            escape(label)
        );
    }
    // The legend: swatch with the series' pattern, then its name.
    let mut lx = LEFT;
    for (si, name) in series.iter().enumerate() {
        let (fill, stroke) = &fills[si % fills.len()];
        let _ = write!(
            s,
            r##"<rect x="{lx:.1}" y="{:.1}" width="16" height="16" fill="{fill}" stroke="{stroke}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#111111">{}</text>"##,
            H - 24.0,
            lx + 22.0,
            H - 11.0,
            escape(name)
        );
        lx += 40.0 + name.chars().count() as f64 * 7.5;
    }
    s.push_str("</svg>");
    s
}

fn fmt_num(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}").replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_label_every_bar_and_escape_text() {
        let svg = bar_chart(
            "t",
            "A <b> title",
            "desc",
            &[
                ("jan".into(), vec![3.0, 1.5]),
                ("feb".into(), vec![0.0, 2.0]),
                ("mar".into(), vec![f64::NAN, 1.0]),
            ],
            &["Inkomna", "Besvarade"],
            1,
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("A &lt;b&gt; title"));
        assert!(svg.contains(">1,5<") && svg.contains(">3,0<"));
        assert!(svg.contains("url(#t-hatch)"));
        assert!(svg.contains("Besvarade"));
        assert!(svg.contains("mar, Inkomna: inga värden") && !svg.contains("NaN"));
    }
}
