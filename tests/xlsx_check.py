"""Reads a workbook with openpyxl and prints what the tests check, as JSON: per sheet its
name, its first rows' values and the number formats of the first data row.

Usage: python3 tests/xlsx_check.py FILE.xlsx
"""
import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in book.worksheets:
    rows = [[c.value for c in row] for row in ws.iter_rows(max_row=min(ws.max_row, 12))]
    # The heading row is the first whose cells are all filled in.
    head = next(
        (i for i, r in enumerate(rows) if len(r) > 1 and all(v is not None for v in r)),
        None,
    )
    formats = []
    if head is not None and ws.max_row > head + 1:
        formats = [c.number_format for c in next(ws.iter_rows(min_row=head + 2, max_row=head + 2))]
    out.append({
        "name": ws.title,
        "title": ws["A1"].value,
        "title_bold": bool(ws["A1"].font and ws["A1"].font.b),
        "rows": rows,
        "head": head,
        "formats": formats,
        "frozen": ws.freeze_panes,
    })
print(json.dumps(out, default=str, ensure_ascii=False))
