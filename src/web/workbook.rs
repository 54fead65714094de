//! The legal department's downloads in Swedish: workbooks with named sheets, a title and the
//! period, Swedish headings and number formats, and CSV that Swedish Excel opens as it is
//! (semicolons, decimal commas, a byte-order mark). The API's CSV keeps the starting
//! contract's English form (`export.rs`).

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Stockholm;

use crate::config::Config;
use crate::domain::structure::Level;
use crate::domain::Code;
use crate::service::reports::book::{BacklogBook, SlaBook};
use crate::service::reports::{BacklogReport, Format, SlaReport};
use crate::service::work::WorkItem;
use crate::service::{ServiceError, ServiceResult};

use super::export::{csv_field, Cell};

/// How a column's numbers read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Whole numbers.
    Count,
    /// Working days, one decimal.
    Days,
    /// A share given as 0–100, shown as a percentage.
    Percent,
}

pub struct Column {
    pub heading: &'static str,
    pub kind: Kind,
    /// Width in characters.
    pub width: f64,
}

/// One sheet: a title, lines that say what it holds, and a table.
pub struct Sheet {
    pub name: &'static str,
    pub title: String,
    pub lines: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

const fn col(heading: &'static str, kind: Kind, width: f64) -> Column {
    Column {
        heading,
        kind,
        width,
    }
}

fn count(v: i64) -> Cell {
    Cell::Number(v as f64)
}

fn maybe(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

fn stamp(t: DateTime<Utc>) -> String {
    t.with_timezone(&Stockholm)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A level's or a forum's name for a report group.
fn group_name(config: &Config, by_forum: bool, code: &str) -> String {
    if by_forum {
        config
            .structure
            .forum(code)
            .map_or_else(|| code.to_string(), |f| f.name.clone())
    } else {
        Level::parse(code).map_or_else(|| code.to_string(), |l| l.title_sv().to_string())
    }
}

fn forum_level(config: &Config, code: &str) -> Cell {
    config
        .structure
        .forum(code)
        .map_or(Cell::Empty, |f| Cell::Text(f.level.title_sv().to_string()))
}

/// The first columns of a report sheet: the group, and for forums their level.
fn group_columns(by_forum: bool) -> Vec<Column> {
    let group = if by_forum { "Forum" } else { "Nivå" };
    let mut columns = vec![col(group, Kind::Text, 34.0)];
    if by_forum {
        columns.push(col("Nivå", Kind::Text, 22.0));
    }
    columns
}

fn group_cells(config: &Config, by_forum: bool, code: &str) -> Vec<Cell> {
    let mut row = vec![Cell::Text(group_name(config, by_forum, code))];
    if by_forum {
        row.push(forum_level(config, code));
    }
    row
}

const STAGE: &str = "En etapp är den tid en fråga ligger på en nivå: från att den kommer dit tills den besvaras eller lyfts vidare. En fråga som lyfts två gånger har tre etapper.";

fn sla_sheet(config: &Config, r: &SlaReport, name: &'static str, by_forum: bool) -> Sheet {
    let mut columns = group_columns(by_forum);
    columns.extend([
        col("Inkomna etapper", Kind::Count, 12.0),
        col("Besvarade", Kind::Count, 11.0),
        col("Lyfta vidare", Kind::Count, 11.0),
        col("Svarstid, median (arbetsdagar)", Kind::Days, 16.0),
        col("Svarstid, 90:e percentil (arbetsdagar)", Kind::Days, 16.0),
        col("Inom tidsmålet", Kind::Percent, 12.0),
        col("Väntar nu", Kind::Count, 10.0),
        col("Försenade nu", Kind::Count, 11.0),
    ]);
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = group_cells(config, by_forum, &x.group);
            row.extend([
                count(x.received),
                count(x.answered),
                count(x.escalated),
                maybe(x.median_working_days),
                maybe(x.p90_working_days),
                maybe(x.within_target_pct),
                count(x.open),
                count(x.overdue),
            ]);
            row
        })
        .collect();
    Sheet {
        name,
        title: format!(
            "Svarstider i prövningsstödet per {}",
            if by_forum { "forum" } else { "nivå" }
        ),
        lines: vec![
            format!("Period: {} – {}", r.from, r.to),
            STAGE.into(),
            "Inom tidsmålet: andelen av etapperna som avslutades under perioden inom nivåns tidsmål. Väntar nu och Försenade nu gäller i dag, oavsett period.".into(),
        ],
        columns,
        rows,
    }
}

fn backlog_sheet(config: &Config, r: &BacklogReport, name: &'static str, by_forum: bool) -> Sheet {
    let mut columns = group_columns(by_forum);
    columns.extend([
        col("Väntar", Kind::Count, 9.0),
        col("Försenade", Kind::Count, 10.0),
        col("Riskerar försening", Kind::Count, 11.0),
        col("Längst väntat (arbetsdagar)", Kind::Days, 14.0),
        col("0–2 dagar", Kind::Count, 9.0),
        col("3–5 dagar", Kind::Count, 9.0),
        col("6–10 dagar", Kind::Count, 9.0),
        col("11–20 dagar", Kind::Count, 9.0),
        col("Över 20 dagar", Kind::Count, 9.0),
    ]);
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = group_cells(config, by_forum, &x.group);
            row.extend([
                count(x.open),
                count(x.overdue),
                count(x.at_risk),
                Cell::Number(x.oldest_working_days),
            ]);
            row.extend(x.buckets.counts().map(count));
            row
        })
        .collect();
    Sheet {
        name,
        title: format!(
            "Väntande frågor per {}",
            if by_forum { "forum" } else { "nivå" }
        ),
        lines: vec!["Frågor som väntar nu, efter hur många arbetsdagar de har legat på nivån där de är (tid då frågan väntat på komplettering räknas inte).".into()],
        columns,
        rows,
    }
}

fn overdue_sheet(items: &[WorkItem]) -> Sheet {
    let rows = items
        .iter()
        .map(|w| {
            let q = &w.question;
            let (target, used, limit) = q.sla.as_ref().map_or((Cell::Empty, 0.0, 0.0), |s| {
                let target = format!("Tidsmål för {}", s.measured.label_sv());
                (Cell::Text(target), s.working_days, s.limit_days)
            });
            vec![
                Cell::Text(q.reference.clone()),
                Cell::Text(q.title.clone()),
                Cell::Text(q.forum.name.clone()),
                Cell::Text(q.level.title_sv().to_string()),
                Cell::Text(q.status.label_sv().to_string()),
                Cell::Text(if q.priority == crate::domain::question::Priority::Urgent {
                    "Brådskande".into()
                } else {
                    "Normal".into()
                }),
                target,
                Cell::Number(used),
                Cell::Number(limit),
                Cell::Number(used - limit),
                Cell::Text(
                    q.assignee
                        .as_ref()
                        .map_or_else(|| "Ingen ännu".into(), |p| p.name.clone()),
                ),
            ]
        })
        .collect();
    Sheet {
        name: "Försenade frågor",
        title: "Försenade frågor".into(),
        lines: vec![format!(
            "{} frågor som har passerat ett tidsmål, i arbetsordning: brådskande först, sedan de som väntat längst.",
            items.len()
        )],
        columns: vec![
            col("PS-nummer", Kind::Text, 17.0),
            col("Fråga", Kind::Text, 48.0),
            col("Forum", Kind::Text, 34.0),
            col("Nivå", Kind::Text, 20.0),
            col("Status", Kind::Text, 20.0),
            col("Prioritet", Kind::Text, 11.0),
            col("Tidsmål", Kind::Text, 24.0),
            col("Arbetsdagar", Kind::Days, 12.0),
            col("Tidsmålets gräns (arbetsdagar)", Kind::Days, 14.0),
            col("Över med (arbetsdagar)", Kind::Days, 12.0),
            col("Handläggs av", Kind::Text, 24.0),
        ],
        rows,
    }
}

pub fn sla_sheets(config: &Config, b: &SlaBook) -> Vec<Sheet> {
    let mut sheets = vec![
        sla_sheet(config, &b.by_level, "Per nivå", false),
        sla_sheet(config, &b.by_forum, "Per forum", true),
        overdue_sheet(&b.overdue),
    ];
    for s in &mut sheets {
        s.lines.push(format!("Hämtad {}", stamp(b.made_at)));
    }
    sheets
}

pub fn backlog_sheets(config: &Config, b: &BacklogBook) -> Vec<Sheet> {
    let mut sheets = vec![
        backlog_sheet(config, &b.by_level, "Per nivå", false),
        backlog_sheet(config, &b.by_forum, "Per forum", true),
        overdue_sheet(&b.overdue),
    ];
    for s in &mut sheets {
        s.lines.push(format!("Hämtad {}", stamp(b.made_at)));
    }
    sheets
}

/// The number format of a kind (the file keeps a decimal point; Excel shows the reader's).
fn num_format(kind: Kind) -> &'static str {
    match kind {
        Kind::Text | Kind::Count => "0",
        Kind::Days => "0.0",
        Kind::Percent => "0.0%",
    }
}

pub fn to_xlsx(sheets: &[Sheet]) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{Format as Look, FormatAlign, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let title = Look::new().set_bold().set_font_size(14);
    let heading = Look::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet.name).map_err(fail)?;
        ws.write_string_with_format(0, 0, &sheet.title, &title)
            .map_err(fail)?;
        for (i, line) in sheet.lines.iter().enumerate() {
            ws.write_string(1 + i as u32, 0, line).map_err(fail)?;
        }
        let head = 2 + sheet.lines.len() as u32;
        for (c, column) in sheet.columns.iter().enumerate() {
            let c = c as u16;
            ws.set_column_width(c, column.width).map_err(fail)?;
            ws.write_string_with_format(head, c, column.heading, &heading)
                .map_err(fail)?;
        }
        ws.set_freeze_panes(head + 1, 0).map_err(fail)?;
        let looks: Vec<Look> = sheet
            .columns
            .iter()
            .map(|c| Look::new().set_num_format(num_format(c.kind)))
            .collect();
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = head + 1 + r as u32;
            for (c, cell) in row.iter().enumerate() {
                let kind = sheet.columns.get(c).map_or(Kind::Text, |x| x.kind);
                match cell {
                    Cell::Text(s) => {
                        ws.write_string(r, c as u16, s).map_err(fail)?;
                    }
                    Cell::Number(n) => {
                        let n = if kind == Kind::Percent { n / 100.0 } else { *n };
                        ws.write_number_with_format(r, c as u16, n, &looks[c])
                            .map_err(fail)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
    }
    wb.save_to_buffer().map_err(fail)
}

fn csv_number(n: f64, kind: Kind) -> String {
    let text = match kind {
        Kind::Count => format!("{n:.0}"),
        Kind::Days | Kind::Percent | Kind::Text => format!("{n:.1}"),
    };
    text.replace('.', ",")
}

/// The table of one sheet as CSV for Swedish Excel: a byte-order mark so that it reads UTF-8,
/// semicolons between fields and decimal commas, headings in the first row.
pub fn to_csv(sheet: &Sheet) -> String {
    let mut out = String::from('\u{feff}');
    let headings: Vec<String> = sheet
        .columns
        .iter()
        .map(|c| csv_field(c.heading, ';'))
        .collect();
    out.push_str(&headings.join(";"));
    out.push_str("\r\n");
    for row in &sheet.rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| match cell {
                Cell::Text(s) => csv_field(s, ';'),
                Cell::Number(n) => {
                    csv_number(*n, sheet.columns.get(c).map_or(Kind::Days, |x| x.kind))
                }
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The sheets as a download: the whole workbook, or for CSV the first sheet (one table).
pub fn download(sheets: &[Sheet], format: Format, file: &str) -> ServiceResult<HttpResponse> {
    let (content_type, ext, body) = match format {
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            to_xlsx(sheets)?,
        ),
        Format::Csv | Format::Json => {
            let first = sheets
                .first()
                .ok_or_else(|| ServiceError::Internal("a download without sheets".into()))?;
            ("text/csv; charset=utf-8", "csv", to_csv(first).into_bytes())
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}.{ext}\""),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            name: "Per nivå",
            title: "Titel".into(),
            lines: vec!["Period: 2026-01-01 – 2026-01-31".into()],
            columns: vec![
                col("Nivå", Kind::Text, 10.0),
                col("Antal", Kind::Count, 10.0),
                col("Median", Kind::Days, 10.0),
                col("Inom tidsmålet", Kind::Percent, 10.0),
            ],
            rows: vec![vec![
                Cell::Text("Enhet; Luleå".into()),
                Cell::Number(12.0),
                Cell::Number(2.26),
                Cell::Number(87.5),
            ]],
        }
    }

    #[test]
    fn csv_for_swedish_excel_has_a_bom_semicolons_and_decimal_commas() {
        let csv = to_csv(&sheet());
        assert_eq!(
            csv,
            "\u{feff}Nivå;Antal;Median;Inom tidsmålet\r\n\"Enhet; Luleå\";12;2,3;87,5\r\n"
        );
        assert_eq!(csv_field("=1+1", ';'), "'=1+1");
    }

    #[test]
    fn a_workbook_is_a_zip() {
        let x = to_xlsx(&[sheet()]).unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}
