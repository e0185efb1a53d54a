"""Tables to CSV and XLSX: the same (headers, rows) as on screen, safe to open in a spreadsheet, each
download recorded in the audit log.

CSV: UTF-8 with a byte order mark, so that Excel reads it as UTF-8. For Russian and Bulgarian, whose
spreadsheets use a decimal comma, the separator is ";" and numbers are written with a decimal comma,
which is what Excel expects in those locales (docs/architecture.md, "Exports"); English keeps "," and
a decimal point. XLSX: the period in a title row above the header, the header frozen and filtered,
column widths from the content, numbers stored as numbers.
"""

from __future__ import annotations

import csv
import io

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app.core.downloads import download
from app.core.spreadsheet import neutralise

MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
DECIMAL_COMMA = {"ru", "bg"}


def _csv_value(value, comma: bool):
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        text = str(value)
        return text.replace(".", ",") if comma else text
    return neutralise(value)


def csv_bytes(headers: list[str], rows: list[list], locale: str = "en") -> bytes:
    """The table as CSV for a spreadsheet in ``locale`` (";" and a decimal comma for ru and bg)."""
    comma = locale.split("_")[0] in DECIMAL_COMMA
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v, comma) for v in row])
    # A BOM makes Excel read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _width(value) -> int:
    return len(str(value)) if value is not None else 0


def xlsx_bytes(sheet: str, headers: list[str], rows: list[list], title: str | None = None) -> bytes:
    """The table as a workbook: ``title`` (the report and its period) in the first row when given, then
    the header (bold, frozen, with a filter), then the rows; numbers stay numbers."""
    wb = Workbook()
    ws = wb.active
    ws.title = "".join(c for c in sheet if c not in "[]:*?/\\")[:31] or "Sheet"
    first = 1
    if title:
        ws.append([neutralise(title)])
        ws.cell(row=1, column=1).font = Font(bold=True)
        first = 2
    ws.append([neutralise(h) for h in headers])
    for cell in ws[first]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([neutralise(v) for v in row])
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    if headers:
        last = get_column_letter(len(headers))
        ws.auto_filter.ref = f"A{first}:{last}{first + len(rows)}"
    for index, header in enumerate(headers, start=1):
        longest = max([_width(header)] + [_width(r[index - 1]) for r in rows if len(r) >= index])
        ws.column_dimensions[get_column_letter(index)].width = min(60, max(8, longest + 2))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_response(
    actor,
    fmt: str,
    what: str,
    headers: list[str],
    rows: list[list],
    *,
    period=None,
    department_id: int | None = None,
    locale: str = "en",
    sheet: str | None = None,
    title: str | None = None,
) -> Response | None:
    """The table as a CSV or XLSX download (None for any other format), recorded as an export of ``what``
    for ``period`` (a reports Period) and ``department_id``; ``sheet`` and ``title`` name the workbook's
    sheet and its title row in the reader's language."""
    if fmt not in MIMETYPES:
        return None
    if fmt == "csv":
        body = csv_bytes(headers, rows, locale)
    else:
        body = xlsx_bytes(sheet or what, headers, rows, title)
    return download(
        actor,
        what,
        fmt,
        body,
        MIMETYPES[fmt],
        start=getattr(period, "start", None),
        end=getattr(period, "end", None),
        department_id=department_id,
    )
