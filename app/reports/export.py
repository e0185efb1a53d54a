"""Tables to CSV and XLSX: the same (headers, rows) as on screen, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from flask import Response
from openpyxl import Workbook

from app.core.spreadsheet import neutralise


def csv_response(filename: str, headers: list[str], rows: list[list]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    # A BOM makes Excel read the file as UTF-8.
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}.csv"},
    )


def xlsx_response(filename: str, headers: list[str], rows: list[list]) -> Response:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(filename[:31])
    ws.append([neutralise(h) for h in headers])
    for row in rows:
        ws.append([neutralise(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={filename}.xlsx"},
    )


def table_response(fmt: str, filename: str, headers: list[str], rows: list[list]) -> Response | None:
    if fmt == "csv":
        return csv_response(filename, headers, rows)
    if fmt == "xlsx":
        return xlsx_response(filename, headers, rows)
    return None
