"""Exports carry the period on screen, in a file the reader's spreadsheet opens as it should."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date

from openpyxl import load_workbook

from app.reports import services as reports
from tests.test_reports import company  # noqa: F401  (the fixture)

RU = {"Accept-Language": "ru"}
PERIOD = "from=2026-05-20&to=2026-06-12"  # the cards of 26 May, 10 June and 12 June, not the one of 6 May


def link(page: str, label: str, containing: str = "", without: str = "table=") -> str:
    """The href of the first link with text ``label`` whose address contains ``containing`` (and not
    ``without``: by default the page's main table, not another one)."""
    for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', page):
        href = html.unescape(href)
        if text.strip() == label and containing in href and without not in href:
            return href
    raise AssertionError(f"no {label} link with {containing!r}")


def test_export_links_carry_the_period_and_export_its_figures(client, auth, company):  # noqa: F811
    auth.login("hr@example.com")
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    period = reports.Period(date(2026, 5, 20), date(2026, 6, 12))
    rows, whole = reports.company_report(period)
    assert whole.shop_count == 3 and reports.company_report()[1].shop_count == 4
    csv_url = link(page, "CSV")
    assert "from=2026-05-20" in csv_url and "to=2026-06-12" in csv_url
    table = list(csv.reader(io.StringIO(client.get(csv_url).data.decode("utf-8-sig"))))
    header, first = table[0], table[1]
    assert first[0] == "Company" and first[header.index("Cards")] == "3"
    assert float(first[header.index("Average card result")]) == round(whole.shop_avg_percent, 1)
    sheet = load_workbook(io.BytesIO(client.get(link(page, "XLSX")).data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert "5/20/26" in values[0][0] and "6/12/26" in values[0][0]  # the period in the title row
    assert values[1][0] == "Department" and values[2][0] == "Company"
    assert values[2][header.index("Cards")] == 3  # a number, not the text "3"
    assert isinstance(values[2][header.index("Average card result")], float)
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")
    assert sheet.column_dimensions["A"].width >= len("Department")
    # the department page's exports carry it too
    dept_page = client.get(f"/reports/departments/{company['a'].id}?{PERIOD}").get_data(as_text=True)
    items = link(dept_page, "CSV", f"/reports/departments/{company['a'].id}")
    assert "from=2026-05-20" in items
    failures = reports.item_failure_rates(company["a"].id, period)
    exported = list(csv.reader(io.StringIO(client.get(items).data.decode("utf-8-sig"))))
    assert [int(r[2]) for r in exported[1:]] == [f["failed"] for f in failures]


def test_russian_exports_open_in_a_russian_excel(client, auth, company):  # noqa: F811
    auth.login("hr@example.com")
    body = client.get(f"/reports/?format=csv&{PERIOD}", headers=RU).data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, first = table[0], table[1]
    assert header[0] == "Подразделение" and first[0] == "Компания"
    average = first[header.index("Средний результат анкет")]
    assert "," in average and "." not in average  # a decimal comma
    sheet = load_workbook(io.BytesIO(client.get(f"/reports/?format=xlsx&{PERIOD}", headers=RU).data)).active
    assert sheet.title == "Отчёт по подразделениям"
    texts = [v for row in sheet.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert not [t for t in texts if re.search("[A-Za-z]{3,}", t)], "English in a Russian file"
    assert "20.05.2026" in texts[0] and "12.06.2026" in texts[0]


def test_an_inverted_period_is_an_error_on_the_page_with_presets(client, auth, company):  # noqa: F811
    auth.login("hr@example.com")
    for path in ("/reports/", f"/reports/departments/{company['a'].id}", f"/reports/employees/{company['hr'].id}"):
        response = client.get(f"{path}?from=2026-11-30&to=2026-09-01", headers=RU)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'role="alert"' in page and "Период начинается позже, чем заканчивается" in page
        assert 'value="2026-11-30"' in page  # the dates stay in the form to be corrected
        assert "Этот квартал" in page and "За всё время" in page
    page = client.get("/reports/", headers=RU).get_data(as_text=True)
    today = date.today()
    assert f"from={today.year}-01-01&amp;to={today.year}-12-31" in page  # "this year"
    assert f"from={today.replace(day=1).isoformat()}" in page  # "this month"


def test_the_employee_report_has_a_period_and_exports(client, auth, company):  # noqa: F811
    a1 = company["staff"]["a1"]
    auth.login("hr@example.com")
    page = client.get(f"/reports/employees/{a1.id}?from=2026-05-20&to=2026-06-30").get_data(as_text=True)
    assert 'name="from"' in page and 'value="2026-05-20"' in page
    csv_url = link(page, "CSV", f"/reports/employees/{a1.id}")
    assert "from=2026-05-20" in csv_url
    cards = list(csv.reader(io.StringIO(client.get(csv_url).data.decode("utf-8-sig"))))
    assert len(cards) == 2  # the header and the one card of 26 May (6 May is outside the period)
    assert cards[0][:3] == ["Date", "Department", "Result, %"]
    from sqlalchemy import select

    from app.core.audit import AuditEntry
    from app.extensions import db

    def views():
        stmt = select(AuditEntry).where(AuditEntry.action == "report.person_view", AuditEntry.object_id == str(a1.id))
        return len(db.session.scalars(stmt).all())

    before = views()
    client.get(csv_url)
    assert views() == before + 1  # an export of a person's figures is a read of them, in the log
    everything = client.get(f"/reports/employees/{a1.id}?format=csv").data.decode("utf-8-sig")
    assert len(everything.splitlines()) == 3
    sheet = load_workbook(
        io.BytesIO(client.get(f"/reports/employees/{a1.id}?format=xlsx&table=courses", headers=RU).data)
    ).active
    assert sheet.title == "Курсы сотрудника" and list(sheet.iter_rows(values_only=True))[1][0] == "Курс"


def test_only_hr_and_admins_export_a_persons_report(client, auth, company):  # noqa: F811
    a1 = company["staff"]["a1"]
    auth.login("a2@example.com")
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/reports/employees/{a1.id}?format={fmt}").status_code == 403
        assert client.get(f"/reports/employees/{a1.id}?format={fmt}&table=courses").status_code == 403
