"""Tables to CSV and XLSX: the same (headers, rows) as on screen, safe to open in a spreadsheet, each
download recorded in the audit log."""

from __future__ import annotations

import csv
import io

from flask import Response
from openpyxl import Workbook

from app.core.downloads import download
from app.core.spreadsheet import neutralise

MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    # A BOM makes Excel read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheet: str, headers: list[str], rows: list[list]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append([neutralise(h) for h in headers])
    for row in rows:
        ws.append([neutralise(v) for v in row])
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
) -> Response | None:
    """The table as a CSV or XLSX download (None for any other format), recorded as an export of ``what``
    for ``period`` (a reports Period) and ``department_id``."""
    if fmt not in MIMETYPES:
        return None
    body = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(what, headers, rows)
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
