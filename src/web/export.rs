//! Reports as CSV and .xlsx downloads.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::service::reports::{BacklogReport, Format, SlaReport};
use crate::service::{ServiceError, ServiceResult};

pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

pub struct Table {
    pub name: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

fn num(v: i64) -> Cell {
    Cell::Number(v as f64)
}

fn opt(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

pub fn sla_table(r: &SlaReport) -> Table {
    Table {
        name: format!("sla-{}-{}-{}", r.group_by, r.from, r.to),
        headers: vec![
            "group",
            "received",
            "answered",
            "escalated",
            "median_working_days",
            "p90_working_days",
            "within_target_pct",
            "open",
            "overdue",
        ],
        rows: r
            .rows
            .iter()
            .map(|x| {
                vec![
                    Cell::Text(x.group.clone()),
                    num(x.received),
                    num(x.answered),
                    num(x.escalated),
                    opt(x.median_working_days),
                    opt(x.p90_working_days),
                    opt(x.within_target_pct),
                    num(x.open),
                    num(x.overdue),
                ]
            })
            .collect(),
    }
}

pub fn backlog_table(r: &BacklogReport) -> Table {
    let mut headers = vec!["group", "open", "overdue", "at_risk", "oldest_working_days"];
    headers.extend(crate::domain::sla::BUCKETS);
    Table {
        name: format!("backlog-{}", r.group_by),
        headers,
        rows: r
            .rows
            .iter()
            .map(|x| {
                let mut row = vec![
                    Cell::Text(x.group.clone()),
                    num(x.open),
                    num(x.overdue),
                    num(x.at_risk),
                    Cell::Number(x.oldest_working_days),
                ];
                row.extend(x.buckets.counts().map(num));
                row
            })
            .collect(),
    }
}

/// A CSV field, quoted when it holds the separator, a quote or a line break; a leading
/// = + - @ is defused so spreadsheets do not run it.
pub(super) fn csv_field(s: &str, separator: char) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn to_csv(t: &Table) -> String {
    let mut out = t.headers.join(",");
    out.push_str("\r\n");
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => csv_field(s, ','),
                Cell::Number(n) => format!("{n}"),
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn to_xlsx(t: &Table) -> ServiceResult<Vec<u8>> {
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("xlsx: {e}"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(s) => ws.write_string(r, col as u16, s).map(drop).map_err(fail)?,
                Cell::Number(n) => ws.write_number(r, col as u16, *n).map(drop).map_err(fail)?,
                Cell::Empty => {}
            }
        }
    }
    wb.save_to_buffer().map_err(fail)
}

/// The table in the asked format as a download (JSON is answered by the caller).
pub fn download(t: &Table, format: Format) -> ServiceResult<HttpResponse> {
    let (content_type, ext, body) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv", to_csv(t).into_bytes()),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            to_xlsx(t)?,
        ),
        Format::Json => ("application/json", "json", Vec::new()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{ext}\"", t.name),
        ))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses() {
        assert_eq!(csv_field("a,b", ','), "\"a,b\"");
        assert_eq!(csv_field("=SUM(A1)", ','), "'=SUM(A1)");
        assert_eq!(csv_field("say \"hi\"", ','), "\"say \"\"hi\"\"\"");
        let t = Table {
            name: "x".into(),
            headers: vec!["g", "n"],
            rows: vec![
                vec![Cell::Text("unit".into()), Cell::Number(2.5)],
                vec![Cell::Empty, Cell::Number(1.0)],
            ],
        };
        assert_eq!(to_csv(&t), "g,n\r\nunit,2.5\r\n,1\r\n");
        let x = to_xlsx(&t).unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}
