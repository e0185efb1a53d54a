"""Small server-rendered SVG charts (no JavaScript, no CDN) for the reports and calibration pages.

Figures and months are written the reader's way, as in the tables beside them (85,8 and «июн 26» in
Russian; 85.8 and "Jun 26" in English)."""

from __future__ import annotations

from datetime import date

from babel.dates import get_month_names
from flask_babel import get_locale
from markupsafe import Markup, escape

from app.templating import num


def month_label(month: str, names: dict[int, str] | None = None) -> str:
    """'2026-06' as the reader's short month and year (Babel's "LLL yy": "Jun 26", «июнь 26»); anything
    else as it is. ``names``: the reader's month names (:func:`month_names`), when the caller has them."""
    try:
        year, number = (int(part) for part in month.split("-")[:2])
        first = date(year, number, 1)
    except ValueError:
        return month
    return f"{(names or month_names())[first.month]} {first.year % 100:02d}"


def month_names() -> dict[int, str]:
    """The reader's short month names as they stand alone ("LLL"), read once for a chart's many labels: Babel
    took longer to write each label than the rest of the chart."""
    return get_month_names("abbreviated", context="stand-alone", locale=get_locale())


def bar_chart(
    items: list[tuple[str, float | None]],
    maximum: float = 100,
    width: int = 640,
    bar: int = 22,
    label_width: int = 220,
    title: str = "",
) -> Markup:
    """Horizontal bars, one per (label, value); a missing value is drawn as a dash."""
    height = bar * len(items) + 10
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    span = width - label_width - 60
    for i, (label, value) in enumerate(items):
        y = 5 + i * bar
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(label[:40])}</text>"
        )
        if value is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + bar * 0.7:.1f}" class="chart-value">—</text>')
            continue
        w = max(1.0, span * min(value, maximum) / maximum)
        parts.append(f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" class="chart-bar"/>')
        parts.append(
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar * 0.7:.1f}" class="chart-value">{escape(num(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: list[tuple[str, dict[str, float | None]]],
    series: list[tuple[str, str]],
    width: int = 640,
    height: int = 220,
    title: str = "",
) -> Markup:
    """Lines over months; ``series`` is [(key, label)], values 0..100."""
    if not points:
        return Markup("")
    left, bottom, top = 40, 30, 10
    step = (width - left - 20) / max(1, len(points) - 1)
    scale = (height - bottom - top) / 100
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for v in (0, 50, 100):
        y = height - bottom - v * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="chart-label">{v}</text>'
        )
    names = month_names()
    for i, (month, _values) in enumerate(points):
        x = left + i * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" class="chart-label">'
            f"{escape(month_label(month, names))}</text>"
        )
    for n, (key, label) in enumerate(series):
        coords = [
            (left + i * step, height - bottom - v[key] * scale)
            for i, (_m, v) in enumerate(points)
            if v.get(key) is not None
        ]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            parts.append(
                f'<polyline points="{path}" class="chart-line chart-line-{n}"><title>{escape(label)}</title></polyline>'
            )
            # Series differ by line style and marker shape too, not by colour alone, and carry their name.
            if n % 2:
                parts += [
                    f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" class="chart-dot chart-line-{n}"/>'
                    for x, y in coords
                ]
            else:
                parts += [
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="chart-dot chart-line-{n}"/>' for x, y in coords
                ]
            x, y = coords[-1]
            parts.append(
                f'<text x="{min(x, width - 60):.1f}" y="{max(y - 8, 10):.1f}" class="chart-label">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def interval_chart(
    items: list[tuple[str, float | None, float | None, float | None]],
    width: int = 640,
    bar: int = 26,
    label_width: int = 220,
    title: str = "",
    missing: str = "—",
) -> Markup:
    """One row per (label, estimate, low, high), in points: a dot at the estimate, a bar over its interval
    and a line at zero. A row without an estimate shows ``missing`` instead."""
    bounds = [abs(v) for _label, *values in items for v in values if v is not None]
    reach = max([10.0, *bounds]) * 1.1
    span = width - label_width - 20
    height = bar * len(items) + 24

    def x(value: float) -> float:
        return label_width + span * (value + reach) / (2 * reach)

    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="2" y2="{height - 18}" class="chart-grid"/>',
    ]
    for tick in (-reach / 1.1, 0, reach / 1.1):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - 4}" text-anchor="middle" class="chart-label">{tick:+.0f}</text>'
        )
    for i, (label, value, low, high) in enumerate(items):
        y = 4 + i * bar + bar / 2
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(label[:40])}</text>"
        )
        if value is None or low is None or high is None:
            parts.append(f'<text x="{x(0) + 4:.1f}" y="{y + 4:.1f}" class="chart-value">{escape(missing)}</text>')
            continue
        parts.append(
            f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{y:.1f}" y2="{y:.1f}" class="chart-interval"/>'
            f'<line x1="{x(low):.1f}" x2="{x(low):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}" class="chart-interval"/>'
            f'<line x1="{x(high):.1f}" x2="{x(high):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}" class="chart-interval"/>'
            f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="4" class="chart-dot chart-line-0">'
            f"<title>{value:+.1f} [{low:+.1f}; {high:+.1f}]</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
