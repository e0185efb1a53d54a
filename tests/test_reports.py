"""Reports cross-checked against a computation in plain Python over the same records."""

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import mean

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.api.auth import create_token
from app.extensions import db
from app.learning.models import QuizAttempt
from app.people import services as people
from app.reports import services as reports
from app.shopping import services as shopping
from app.shopping.models import Scorecard

SAMPLES = Path(__file__).parent / "samples"
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]


@pytest.fixture
def company(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Регион", None)
    a = people.create_department(None, "Филиал А", region)
    b = people.create_department(None, "Филиал Б", region)
    db.session.commit()
    shopper = make_user("shopper", email="shop@example.com")
    hr = make_user("hr", email="hr@example.com")
    staff = {
        "a1": make_user("employee", email="a1@example.com", department=a, name="=Формула Тест"),
        "a2": make_user("employee", email="a2@example.com", department=a),
        "b1": make_user("employee", email="b1@example.com", department=b),
    }
    now = datetime(2026, 6, 15, 12, 0)
    cards = [
        ("Регион/Филиал А", "a1@example.com", {"introduced": "no"}, now - timedelta(days=40)),
        ("Регион/Филиал А", "a1@example.com", {}, now - timedelta(days=20)),
        ("Регион/Филиал А", None, {"polite": "no"}, now - timedelta(days=5)),
        ("Регион/Филиал Б", "b1@example.com", {"paraphrased": "na", "open-questions": "no"}, now - timedelta(days=3)),
        ("Регион/Филиал Б", "b1@example.com", {}, now - timedelta(days=1)),  # left submitted, never approved
    ]
    ids = []
    for i, (path, email, changes, when) in enumerate(cards):
        answers = {k: changes.get(k, "yes") for k in ITEMS}
        payload = {
            "checklist": "branch-visit",
            "department": path,
            "employee": email,
            "visited_at": when.isoformat() + "+00:00",
            "answers": answers,
        }
        card, _ = shopping.submit_from_api(shopper, payload, now=now)
        if i < 4:
            shopping.review_card(hr, card, "approve", now=now)
        ids.append(card.id)
    db.session.commit()
    return {"region": region, "a": a, "b": b, "staff": staff, "hr": hr, "now": now}


def _independent(dept_ids, start=None, end=None):
    cards = [
        c
        for c in db.session.scalars(select(Scorecard))
        if c.status == "approved"
        and c.department_id in dept_ids
        and (start is None or c.visited_at.date() >= start)
        and (end is None or c.visited_at.date() <= end)
    ]
    return {
        "shop_count": len(cards),
        "shop_avg_percent": mean(c.total_percent for c in cards) if cards else None,
        "shop_pass_rate": sum(c.passed for c in cards) / len(cards) if cards else None,
        "critical_failures": sum(c.critical_failed for c in cards),
    }


def test_roll_up_over_subtrees_matches_plain_python(company):
    rows = {r.id: r for r in reports.department_report()}
    for dept, ids in [
        (company["a"], {company["a"].id}),
        (company["b"], {company["b"].id}),
        (company["region"], {company["a"].id, company["b"].id, company["region"].id}),
    ]:
        expected = _independent(ids)
        row = rows[dept.id]
        assert row.shop_count == expected["shop_count"]
        assert row.critical_failures == expected["critical_failures"]
        if expected["shop_avg_percent"] is None:
            assert row.shop_avg_percent is None
        else:
            assert row.shop_avg_percent == pytest.approx(expected["shop_avg_percent"])
            assert row.shop_pass_rate == pytest.approx(expected["shop_pass_rate"])
    assert rows[company["region"].id].employees == 3 and rows[company["a"].id].employees == 2


def test_date_filter(company):
    start = date(2026, 6, 1)
    rows = {r.id: r for r in reports.department_report(reports.Period(start, date(2026, 6, 30)))}
    expected = _independent({company["a"].id}, start, date(2026, 6, 30))
    assert rows[company["a"].id].shop_count == expected["shop_count"] == 1  # only the card of June 10
    assert rows[company["a"].id].shop_avg_percent == pytest.approx(expected["shop_avg_percent"])


def test_levels_follow_thresholds(app):
    assert reports.level_for(None, 0) is None
    assert reports.level_for(39.9, 3) == "zero"
    assert reports.level_for(40, 3) == "formal"
    assert reports.level_for(75, 3) == "culture"
    assert reports.level_for(95, 3) == "full"


def test_employee_fairness_minimum(client, company):
    hr_token = create_token(company["hr"], "t")[1]
    a1_token = create_token(company["staff"]["a1"], "t")[1]
    a2_token = create_token(company["staff"]["a2"], "t")[1]
    db.session.commit()
    r = client.get("/api/v1/reports/employees/a1@example.com", headers={"Authorization": f"Bearer {hr_token}"})
    data = r.get_json()
    assert r.status_code == 200 and data["shop_count"] == 2 and data["shop_avg_percent"] is None  # below 3 cards
    assert len(data["cards"]) == 2
    assert (
        client.get(
            "/api/v1/reports/employees/a1@example.com", headers={"Authorization": f"Bearer {a1_token}"}
        ).status_code
        == 200
    )
    assert (
        client.get(
            "/api/v1/reports/employees/a1@example.com", headers={"Authorization": f"Bearer {a2_token}"}
        ).status_code
        == 404
    )


def test_departments_api_json_and_csv(client, company):
    token = create_token(company["hr"], "t")[1]
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    data = client.get("/api/v1/reports/departments?from=2026-01-01&to=2026-12-31", headers=headers).get_json()
    by_path = {d["path"]: d for d in data["departments"]}
    assert set(by_path) == {"Регион", "Регион/Филиал А", "Регион/Филиал Б"}
    assert by_path["Регион"]["shop_count"] == 4 and by_path["Регион/Филиал Б"]["parent_id"] == company["region"].id
    csv_text = client.get("/api/v1/reports/departments?format=csv", headers=headers).data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("id,path,parent_id,employees")
    assert client.get("/api/v1/reports/departments?from=garbage", headers=headers).status_code == 400


def test_exports_neutralise_formulas(client, auth, company):
    auth.login("hr@example.com")
    region = company["region"]
    people.update_department(company["hr"], region, "=HYPERLINK(1)", None)
    db.session.commit()
    csv_body = client.get("/reports/?format=csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_body and "\n=HYPERLINK" not in csv_body
    wb = load_workbook(io.BytesIO(client.get("/reports/?format=xlsx").data))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "'=HYPERLINK(1)" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_report_pages(client, auth, company):
    auth.login("hr@example.com")
    assert client.get("/reports/").status_code == 200
    page = client.get(f"/reports/?root={company['region'].id}").get_data(as_text=True)
    assert "Филиал А" in page and "<svg" in page
    assert client.get(f"/reports/departments/{company['a'].id}").status_code == 200
    assert client.get(f"/reports/employees/{company['staff']['a1'].id}").status_code == 200


def test_xapi_statements_use_accounts_not_emails(client, runner, company, auth, make_user):
    attempt_user = company["staff"]["a2"]
    from app.content import services as content
    from app.learning import services as learning

    version = content.published("quiz", "courier-no-call")
    attempt = learning.start_attempt(attempt_user, version)
    learning.save_answer(attempt, "q1", [1])
    learning.finish_attempt(attempt)
    db.session.commit()
    token = create_token(company["hr"], "t")[1]
    db.session.commit()
    data = client.get(
        "/api/v1/xapi/statements?since=2000-01-01T00:00:00Z", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    verbs = {s["verb"]["display"]["en-US"] for s in data["statements"]}
    assert {"scored", "failed"} <= verbs
    actor = data["statements"][0]["actor"]
    assert actor["account"]["name"] == str(attempt_user.id) and "@" not in str(actor)
    assert db.session.scalar(select(QuizAttempt.id)) is not None
