"""Every file the application hands out as an export is built here, and each one is written to the audit
log: who took what, in which format, for which period and department."""

from __future__ import annotations

from datetime import date

from flask import Response

from app.core import audit


def record_export(
    actor,
    what: str,
    fmt: str,
    *,
    start: date | None = None,
    end: date | None = None,
    department_id: int | None = None,
) -> None:
    """Add an ``export`` audit entry (the caller's transaction commits it)."""
    audit.record(
        actor,
        "export",
        "export",
        what,
        None,
        {
            "what": what,
            "format": fmt,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "department_id": department_id,
        },
    )


def download(
    actor,
    what: str,
    fmt: str,
    body: bytes,
    mimetype: str,
    *,
    filename: str | None = None,
    start: date | None = None,
    end: date | None = None,
    department_id: int | None = None,
) -> Response:
    """An attachment response for an export, recorded in the audit log; the route commits."""
    record_export(actor, what, fmt, start=start, end=end, department_id=department_id)
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={filename or what}.{fmt}"},
    )
