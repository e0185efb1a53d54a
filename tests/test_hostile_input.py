"""Hostile values in URLs and bodies get a clear 4xx, never a 500; the API keeps the web flow's rules.

The URL lists are discovered from ``app.url_map`` and the view functions' source, so a new report,
list or route is covered without touching this file: every view that reads a report period, every
view that pages a list, every route with an id in its path, every form a POST can reach.
"""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pytest
from flask import request
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.api.auth import create_token
from app.core.inputs import parse_form
from app.extensions import db
from app.people import services as people
from app.shopping import services as shopping
from app.shopping.models import Scorecard
from tests.conftest import csrf_from
from tests.helpers import ALL_YES, api, card_body, cards

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).parent / "samples"
ALL_ROLES = ("employee", "trainer", "shopper", "hr", "admin")
HOSTILE_DATES = [
    ("to", "9999-12-31"),
    ("from", "9999-12-30"),
    ("from", "0001-01-01"),
    ("to", "0001-01-01"),
    ("from", "garbage"),
    ("to", "2026-02-30"),
    ("from", "+002026-01-01"),
]
HOSTILE_PAGES = ["99999999999999999999", "9223372036854775808", "-1", "0", "abc", "1e3", "²", "", "1.5"]
HUGE_IDS = [2**31, 2**63, 10**30]
SURROGATE = "\udc00"


@pytest.fixture
def world(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    region = people.create_department(None, "Москва", None)
    branch = people.create_department(None, "Тверская", region)
    other = people.create_department(None, "Питер", None)
    db.session.commit()
    users = {
        "shopper": make_user("shopper", email="shop@example.com"),
        "insider": make_user("shopper", email="insider@example.com", department=branch, name="Иван Свой"),
        "boss": make_user("shopper", email="boss@example.com", department=region, name="Борис Главный"),
        "hr": make_user("hr", email="hr@example.com"),
        "anna": make_user("employee", email="anna@example.com", department=branch, name="Анна Смирнова"),
        "bob": make_user("employee", email="bob@example.com", department=other, name="Боб Другой"),
        "all": make_user(*ALL_ROLES, email="all@example.com", department=other, name="Вся Власть"),
    }
    tokens = {name: create_token(user, "t")[1] for name, user in users.items()}
    db.session.commit()
    return {"users": users, "tokens": tokens, "region": region, "branch": branch, "other": other}


def login(client, email: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    r = client.post("/login", data={"email": email, "password": "secret-password-1", "csrf_token": csrf_from(page)})
    assert r.status_code == 302
    return csrf_from(client.get("/dashboard", follow_redirects=True).get_data(as_text=True))


def views_reading(app, *needles: str) -> list:
    """The URL rules whose view's source contains one of ``needles``."""
    rules = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if view is None or rule.endpoint == "static":
            continue
        source = inspect.getsource(inspect.unwrap(view))
        if any(needle in source for needle in needles):
            rules.append(rule)
    return rules


def url_for_rule(rule, world) -> str:
    values = {
        "dept_id": world["branch"].id,
        "user_id": world["users"]["anna"].id,
        "email": "anna@example.com",
    }
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.rule}: give the test a value for {missing}"
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)


# ---------------------------------------------------------------- dates
def test_every_report_refuses_hostile_dates(app, client, world):
    rules = views_reading(app, "period_from_request(", "_period_or_error(")
    endpoints = {r.endpoint for r in rules}
    assert {
        "reports.departments",
        "reports.department",
        "reports.employee",
        "api.report_departments",
        "api.report_employee",
    } <= endpoints, endpoints
    login(client, "all@example.com")
    token = world["tokens"]["hr"]
    for rule in rules:
        url = url_for_rule(rule, world)
        is_api = url.startswith("/api/")
        get = (lambda u: api(client, token, "get", u)) if is_api else client.get
        assert get(f"{url}?from=2026-01-01&to=2026-12-31").status_code == 200, url
        for suffix in ("", "&format=csv"):
            for name, value in HOSTILE_DATES + [("from", "2026-12-31&to=2026-01-01")]:
                r = get(f"{url}?{name}={value}{suffix}")
                where = f"{url}?{name}={value}{suffix}"
                assert r.status_code == 400, where
                if is_api:
                    assert r.get_json()["error"]["fields"], where
                else:
                    text = r.get_data(as_text=True)
                    assert "must be a date" in text or "starts after it ends" in text, where


def test_xapi_since_and_limit_are_checked(client, world):
    token = world["tokens"]["hr"]
    for query in (
        "since=0001-01-01T00:00:00%2B01:00",
        "since=9999-12-31T23:59:59-01:00",
        "since=yesterday",
        "limit=abc",
        "limit=0",
        "limit=-5",
        "limit=99999999999999999999",
        "limit=5001",
    ):
        r = api(client, token, "get", f"/api/v1/xapi/statements?{query}")
        assert r.status_code == 400, query
        assert r.get_json()["error"]["fields"], query
    assert api(client, token, "get", "/api/v1/xapi/statements?limit=10&since=2026-01-01T00:00:00Z").status_code == 200


def test_card_form_refuses_a_visit_time_at_the_calendar_edge(app, client, world):
    visit = _visit_for(world["users"]["shopper"], world["branch"])
    token = login(client, "shop@example.com")
    url = f"/shop/visits/{visit.id}/card"
    data = {"csrf_token": token, "visited_at": "0001-01-01T00:30", "summary": "x", "save": "1"}
    app.config["DISPLAY_TIMEZONE"] = "Asia/Tokyo"  # east of UTC: year 1 there has no UTC time
    r = client.post(url, data=data)
    assert r.status_code == 200 and "Choose a date from" in r.get_data(as_text=True)
    card = db.session.scalars(select(Scorecard)).one()
    for value in ("0001-01-01T00:30", "9999-12-31T23:59"):
        r = client.post(
            f"/shop/cards/{card.id}/autosave",
            json={"name": "visited_at", "value": value},
            headers={"X-CSRFToken": token},
        )
        assert r.status_code == 400, value
    for value in ("99999999999999999999", "²"):
        r = client.post(
            f"/shop/cards/{card.id}/autosave",
            json={"name": "duration_min", "value": value},
            headers={"X-CSRFToken": token},
        )
        assert r.status_code == 200, value
    db.session.refresh(card)
    assert card.visited_at is None and card.duration_min is None


def _visit_for(shopper, dept):
    from app.content.models import ContentItem

    item = db.session.scalars(select(ContentItem).where(ContentItem.kind == "checklist")).one()
    today = datetime.now(UTC).date()
    visit = shopping.schedule_visits(None, [dept], item, today, today + timedelta(days=7), shopper)[0]
    db.session.commit()
    return visit


# ---------------------------------------------------------------- pages and ids
def test_no_list_pages_around_the_bounded_helper():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if "db.paginate(" in path.read_text(encoding="utf-8") and path.name != "inputs.py"
    ]
    assert not offenders, f"page lists through app.core.inputs.paginate: {offenders}"
    typed = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*routes.py")
        if re.search(r'get\("(?:[a-z_]*id|check|department|parent|root|user)", type=int\)', path.read_text("utf-8"))
    ]
    assert not typed, f"read ids with type=record_id: {typed}"


def test_every_list_answers_hostile_pages_with_404(app, client, world):
    rules = [r for r in views_reading(app, "paginate(") if "GET" in r.methods]
    assert len(rules) >= 9, [r.rule for r in rules]
    login(client, "all@example.com")
    for rule in rules:
        url = url_for_rule(rule, world)
        assert client.get(f"{url}?page=1").status_code == 200, url
        assert client.get(f"{url}?page=1&per_page=99999999999999999999").status_code == 200, url
        for page in HOSTILE_PAGES:
            assert client.get(f"{url}?page={page}").status_code == 404, f"{url}?page={page}"
        assert client.get(f"{url}?page=2").status_code == 404, url  # one page of data at most here


def test_ids_past_integer_range_are_404_on_every_route(app, client, world):
    token = login(client, "all@example.com")
    headers = {"X-CSRFToken": token}
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if type(conv).__name__ == "IdConverter"]
        if not ints:
            continue
        for huge in HUGE_IDS:
            url = re.sub(
                r"<(?:(\w+):)?(\w+)>", lambda m, h=huge, ints=ints: str(h) if m.group(2) in ints else "x", rule.rule
            )
            method = "get" if "GET" in rule.methods else "post"
            r = getattr(client, method)(url, headers=headers)
            assert r.status_code == 404, f"{method} {url}"
            checked += 1
    assert checked > 30


def test_id_query_arguments_past_integer_range_are_404(app, client, world):
    login(client, "all@example.com")
    rules = [r for r in views_reading(app, "type=record_id") if "GET" in r.methods]
    checked = set()
    for rule in rules:
        source = inspect.getsource(inspect.unwrap(app.view_functions[rule.endpoint]))
        url = url_for_rule(rule, world)
        for name in re.findall(r'get\("(\w+)", type=record_id\)', source):
            for value in (*HUGE_IDS, -1):
                assert client.get(f"{url}?{name}={value}").status_code == 404, f"{url}?{name}={value}"
            for value in ("abc", "0", "", "²"):  # not a number: ignored, as before
                assert client.get(f"{url}?{name}={value}").status_code == 200, f"{url}?{name}={value}"
            checked.add(name)
    assert {"check", "department", "parent", "root"} <= checked, checked


def test_id_query_arguments_past_integer_range_are_harmless(app, client, world):
    login(client, "all@example.com")
    hostile = "&".join(f"{name}={2**63}" for name in ("check", "department", "parent", "root", "a", "b", "user"))
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")) or "logout" in rule.rule:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)
        r = client.get(f"{url}?{hostile}")
        assert r.status_code < 500, url


# ---------------------------------------------------------------- a form body too large to read
def test_a_form_body_past_what_a_form_may_carry_is_refused_before_it_is_read(app, client, world):
    visit = _visit_for(world["users"]["shopper"], world["branch"])
    token = login(client, "shop@example.com")
    url = f"/shop/visits/{visit.id}/card"
    limit = 3 * app.config["MAX_FORM_MEMORY_SIZE"]  # the text a multipart form may carry, URL-encoded

    def post(letters: int):
        body = f"csrf_token={token}&save=1&summary=" + "%D1%8F" * letters  # я, two bytes, six characters
        return client.post(url, data=body.encode(), content_type="application/x-www-form-urlencoded")

    refused = post(limit // 6 + 1)
    assert refused.status_code == 413
    assert "The form is too large to save. Shorten the longest text" in refused.get_data(as_text=True)
    assert cards() == 0  # refused before the view: no draft
    client.post("/language", data={"lang": "ru", "next": "/dashboard", "csrf_token": token})
    assert "Форма слишком большая" in post(limit // 6 + 1).get_data(as_text=True)
    kept = post(limit // 6 - 20)  # just under: read and saved as any other draft
    assert kept.status_code == 302
    assert db.session.scalars(select(Scorecard)).one().summary == "я" * (limit // 6 - 20)


# Pieces a URL-encoded body is made of: separators, escapes (whole, cut short, invalid UTF-8, lower case),
# plus signs, hex letters beside escapes, and raw text in and out of ASCII.
FORM_PIECES = ["&", "=", "+", "%", "%%", "%4", "%a", "a", "F", "0", "z", " ", "я", "€", "%00", "%20", "%2B", "%26",
               "%3D", "%D1", "%8F", "%D1%8F", "%E2%82", "%E2%82%AC", "%ff", "%FF", "%C3%A9", "%DF%BF", "%F0%9F%98%80"]  # fmt: skip


@given(st.lists(st.sampled_from(FORM_PIECES), max_size=40))
@settings(max_examples=400, deadline=None)
def test_a_form_body_is_read_exactly_as_the_standard_parser_reads_it(pieces):
    """The app reads URL-encoded forms with its own decoder (runs of escapes at once, not one by one);
    every field must come out as Werkzeug's stock reading (``parse_qsl``) gives it."""
    body = "".join(pieces)
    assert parse_form(body) == parse_qsl(body, keep_blank_values=True, errors="werkzeug.url_quote")


def test_a_long_form_field_arrives_whole(app):
    """Through the app's request: a field of 200,000 Cyrillic letters, 1.2 MB once encoded, arrives as
    typed, beside plus signs, an encoded plus and a byte that is not UTF-8."""
    text = "я" * 200_000
    body = "a=1&summary=" + quote(text) + "&plus=a+b%2Bc&bad=%D1%8F%FFx"
    with app.test_request_context("/", method="POST", data=body, content_type="application/x-www-form-urlencoded"):
        form = request.form
        assert form["summary"] == text and form["a"] == "1"
        assert form["plus"] == "a b+c" and form["bad"] == "я%FFx"


# ---------------------------------------------------------------- text a database cannot hold
def test_every_post_route_refuses_a_lone_surrogate_before_its_view(app, client, world):
    token = login(client, "all@example.com")
    refused = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/") or "logout" in rule.rule:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", "1", rule.rule)
        for body in ({"summary": SURROGATE}, {"name": "summary", "value": f"a{SURROGATE}b"}, {SURROGATE: "x"}):
            r = client.post(url, json=body, headers={"X-CSRFToken": token})
            assert r.status_code == 400, f"{url} {body!r}"
            assert "surrogate" in r.get_data(as_text=True), url
        refused += 1
    assert refused > 20


def test_surrogates_in_card_autosave_web_form_and_api(client, world):
    visit = _visit_for(world["users"]["shopper"], world["branch"])
    token = login(client, "shop@example.com")
    url = f"/shop/visits/{visit.id}/card"
    assert client.get(url).status_code == 200
    assert db.session.scalar(select(func.count(Scorecard.id))) == 0  # opening the card writes nothing
    client.post(url, data={"csrf_token": token, "save": "1"})  # the first save makes the draft
    card = db.session.scalars(select(Scorecard)).one()
    for name in ("summary", "unidentified_note", "comment-polite", "answer-polite", "visited_at"):
        r = client.post(
            f"/shop/cards/{card.id}/autosave", json={"name": name, "value": SURROGATE}, headers={"X-CSRFToken": token}
        )
        assert r.status_code == 400 and r.is_json and "surrogate" in r.get_json()["error"]["message"], name
    # a browser cannot send a lone surrogate in a form: its UTF-8 bytes arrive invalid and are kept harmlessly
    raw = f"csrf_token={token}&summary=%ED%B0%80&save=1".encode()
    r = client.post(url, data=raw, content_type="application/x-www-form-urlencoded")
    assert r.status_code == 302
    db.session.refresh(card)
    assert card.summary and "\udc00" not in card.summary
    # the API: summary, a comment, a key
    before = cards()
    for change in ({"summary": SURROGATE}, {"comments": {"polite": SURROGATE}}, {"answers": {SURROGATE: "yes"}}):
        r = api(client, world["tokens"]["shopper"], json=card_body(**change))
        assert r.status_code == 400 and "surrogate" in r.get_json()["error"]["message"], change
    assert cards() == before


def test_surrogates_in_quiz_autosave(client, world):
    token = login(client, "anna@example.com")
    page = client.get("/learn/quizzes/courier-no-call").get_data(as_text=True)
    r = client.post("/learn/quizzes/courier-no-call/start", data={"csrf_token": csrf_from(page)})
    attempt = r.headers["Location"].rsplit("/", 1)[1]
    for body in ({"question": SURROGATE, "response": [1]}, {"question": "q1", "response": [SURROGATE]}):
        r = client.post(f"/learn/attempts/{attempt}/answer", json=body, headers={"X-CSRFToken": token})
        assert r.status_code == 400 and "surrogate" in r.get_json()["error"]["message"]
    ok = client.post(
        f"/learn/attempts/{attempt}/answer", json={"question": "q1", "response": [1]}, headers={"X-CSRFToken": token}
    )
    assert ok.status_code == 200


# ---------------------------------------------------------------- API: eligibility and privacy
@pytest.mark.parametrize(
    "who, change, field",
    [
        ("insider", {"employee": None}, "department"),  # works in the visited department
        ("insider", {}, "employee"),  # and Anna is a colleague there
        ("insider", {"employee": "insider@example.com"}, "employee"),  # scores themself
        ("boss", {}, "department"),  # heads it: the region above the branch
        ("boss", {"department": "Москва", "employee": "anna@example.com"}, "department"),
    ],
)
def test_api_applies_the_conflict_of_interest_rule(client, world, who, change, field):
    r = api(client, world["tokens"][who], json=card_body(**change))
    assert r.status_code == 422, r.get_json()
    assert "conflict of interest" in r.get_json()["error"]["fields"][field]
    assert cards() == 0
    # the web flow says the same of the same people
    dept = world["region"] if change.get("department") == "Москва" else world["branch"]
    e = next(
        e
        for e in shopping.shopper_eligibility(dept, datetime.now(UTC).date())
        if e.shopper.email == f"{who}@example.com"
    )
    assert not e.ok


def test_web_card_obeys_the_same_rule_at_submit(client, world):
    """A shopper who moved into the department after taking the visit cannot submit its card."""
    shopper, anna = world["users"]["shopper"], world["users"]["anna"]
    visit = _visit_for(shopper, world["branch"])
    shopper.department_id = world["branch"].id
    db.session.commit()
    token = login(client, "shop@example.com")
    data = {
        "csrf_token": token,
        "visited_at": (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "employee": anna.id,
        "submit": "1",
        **{f"answer-{item}": "yes" for item in ALL_YES},
    }
    r = client.post(f"/shop/visits/{visit.id}/card", data=data)
    assert r.status_code == 200 and "Conflict of interest" in r.get_data(as_text=True)
    assert db.session.scalars(select(Scorecard)).one().status == "draft"


def test_api_colleague_of_the_shopper_is_refused(client, world, make_user):
    colleague = make_user("employee", email="carl@example.com", department=world["other"], name="Карл Коллега")
    shopper = make_user("shopper", email="peer@example.com", department=world["other"])
    token = create_token(shopper, "t")[1]
    db.session.commit()
    r = api(client, token, json=card_body(department="Питер", employee=colleague.email))
    assert r.status_code == 422 and "conflict of interest" in str(r.get_json()["error"]["fields"])
    assert shopping.conflicts_of_interest(shopper, world["other"], colleague) == ["member", "colleague"]
    assert shopping.conflicts_of_interest(world["users"]["shopper"], world["other"], colleague) == []


def test_api_does_not_tell_whether_an_address_exists_or_where_it_works(client, world, make_user):
    make_user("employee", email="gone@example.com", department=world["branch"], active=False)
    token = world["tokens"]["shopper"]
    answers = []
    for email in ("ghost@example.com", "bob@example.com", "gone@example.com", "hr@example.com"):
        r = api(client, token, json=card_body(employee=email))
        assert r.status_code == 422
        answers.append(r.get_json())
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["error"]["fields"] == {"employee": "not an employee of that department"}
    # with an unknown department nothing at all is said about the person
    unknown = [
        api(client, token, json=card_body(department="Нет", employee=e)).get_json()
        for e in ("ghost@example.com", "bob@example.com", "anna@example.com")
    ]
    assert all(u == unknown[0] for u in unknown) and "employee" not in unknown[0]["error"]["fields"]
    assert cards() == 0


def test_shopper_sees_staff_by_first_name_and_initial_only(client, world):
    shop, hr = world["tokens"]["shopper"], world["tokens"]["hr"]
    card_id = api(client, shop, json=card_body()).get_json()["id"]
    seen = api(client, shop, "get", f"/api/v1/scorecards/{card_id}").get_json()
    assert seen["employee"] == "Анна С."
    assert "anna@example.com" not in str(seen) and "Смирнова" not in str(seen)
    assert seen["shopper"] == "shop@example.com"  # themself
    reviewed = api(client, hr, path=f"/api/v1/scorecards/{card_id}/review", json={"decision": "approve"}).get_json()
    assert reviewed["employee"] == "anna@example.com"
    assert api(client, hr, "get", f"/api/v1/scorecards/{card_id}").get_json()["employee"] == "anna@example.com"
    seen = api(client, shop, "get", f"/api/v1/scorecards/{card_id}").get_json()
    assert seen["employee"] == "Анна С." and "anna@example.com" not in str(seen)


# ---------------------------------------------------------------- API: idempotency
def test_same_key_with_another_body_is_refused(client, world):
    token = world["tokens"]["shopper"]
    card = card_body()
    first = api(client, token, json=card, key="k-1")
    assert first.status_code == 201
    same = api(client, token, json=dict(reversed(list(card.items()))), key="k-1")  # key order is not the body
    assert same.status_code == 200 and same.get_json()["id"] == first.get_json()["id"]
    other = api(client, token, json=card_body(answers=dict(ALL_YES, polite="no")), key="k-1")
    assert other.status_code == 422
    assert other.get_json()["error"]["message"] == "This Idempotency-Key was already used with a different body."
    assert cards() == 1


def test_cards_stored_before_fingerprints_replay_as_before(client, world):
    token = world["tokens"]["shopper"]
    first = api(client, token, json=card_body(), key="old-1").get_json()["id"]
    db.session.get(Scorecard, first).idempotency_fingerprint = None
    db.session.commit()
    again = api(client, token, json=card_body(summary="other"), key="old-1")
    assert again.status_code == 200 and again.get_json()["id"] == first and cards() == 1


@pytest.mark.parametrize("same_body", [True, False])
def test_the_loser_of_a_race_compares_bodies_too(client, world, monkeypatch, same_body):
    """Two requests with one key: the second looked before the first was stored, so its insert fails."""
    token = world["tokens"]["shopper"]
    card = card_body()
    first = api(client, token, json=card, key="race").get_json()["id"]
    real = shopping._card_for_key
    calls = {"n": 0}

    def not_yet_on_first_look(shopper, key):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(shopper, key)

    monkeypatch.setattr(shopping, "_card_for_key", not_yet_on_first_look)
    r = api(client, token, json=card if same_body else card_body(summary="changed"), key="race")
    assert calls["n"] == 2  # the insert failed on the unique key and the branch looked again
    if same_body:
        assert r.status_code == 200 and r.get_json()["id"] == first
    else:
        assert r.status_code == 422 and "different body" in r.get_json()["error"]["message"]
    assert cards() == 1


@pytest.mark.committed
def test_two_parallel_requests_with_one_key_and_two_bodies(app, world, monkeypatch):
    """Both look the key up before either stored its card; one wins (201), the other is told the key was
    used with a different body (422) by the branch that catches the unique key; one card is stored."""
    import threading

    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "SQLite has one writer at a time: the second request waits at its first write (the token's "
            "last use) until the first commits, so it finds the card on its first look (tested above)"
        )

    # a token each: using a token writes its last use, and one row would queue the two requests
    tokens = [world["tokens"]["shopper"], create_token(world["users"]["shopper"], "second")[1]]
    db.session.commit()
    bodies = [card_body(summary="first"), card_body(summary="second")]
    both_looked = threading.Barrier(len(bodies), timeout=20)
    real, seen = shopping._card_for_key, threading.local()
    second_looks = []

    def look_together(shopper, key):
        found = real(shopper, key)
        if getattr(seen, "looked", False):
            second_looks.append(found)
        else:
            seen.looked = True
            both_looked.wait()
        return found

    monkeypatch.setattr(shopping, "_card_for_key", look_together)
    statuses: list[int] = []

    def send(token, body):
        statuses.append(api(app.test_client(), token, json=body, key="parallel").status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(tokens, bodies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    assert sorted(statuses) == [201, 422] and cards() == 1
    assert len(second_looks) == 1 and second_looks[0] is not None  # the loser went through the race branch


def test_a_nul_in_a_pages_query_or_path_is_refused_and_the_bare_page_served(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    assert client.get("/learn").status_code == 200
    for url in ("/learn?q=a%00b", "/learn?a%00=1", "/learn/courses/a%00b"):
        answer = client.get(url)
        assert answer.status_code == 400, url
