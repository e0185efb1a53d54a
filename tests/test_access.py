"""Who may use what: every route's declared rule against the expected matrix, real requests for a
sample of each kind of rule, and other people's objects.

The matrix is checked as a table over the URL map: a route without a declared rule, or without an
expected entry here, fails. The rule is enforced in one place (a ``before_request`` hook reading the
view's ``access_rule``), so a few real requests per kind of rule, from every role, show that it is.
"""

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from app import create_app
from app.api.auth import create_token
from app.config import TestingConfig
from app.content import services as content
from app.content.models import ContentItem
from app.extensions import db
from app.learning import services as learning
from app.notify.models import Notice
from app.people import services as people
from app.shopping import services as shopping
from app.shopping.evidence import add_evidence
from app.shopping.models import Visit
from tests.conftest import csrf_from

SAMPLES = Path(__file__).parent / "samples"
ANON = "anonymous"
ROLES = [ANON, "employee", "trainer", "shopper", "manager", "hr", "admin"]
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
MANAGERS = frozenset({"hr", "admin"})

# endpoint -> who may use it. Add a line here for every new route.
EXPECTED = {
    "main.index": EVERYONE,
    "main.healthz": EVERYONE,
    "main.favicon": EVERYONE,
    "auth.login": EVERYONE,
    "auth.reset": EVERYONE,
    "auth.language": EVERYONE,
    "auth.logout": SIGNED_IN,
    "auth.password": SIGNED_IN,
    "main.dashboard": SIGNED_IN,
    "main.role_dashboard": SIGNED_IN,
    "people.departments": MANAGERS,
    "people.department_new": MANAGERS,
    "people.department_edit": MANAGERS,
    "people.department_archive": MANAGERS,
    "people.people": MANAGERS,
    "people.person_new": MANAGERS,
    "people.person_edit": MANAGERS,
    "people.person_toggle_active": MANAGERS,
    "people.person_reset_link": MANAGERS,
    "people.person_sign_out": MANAGERS,
    "people.people_import": MANAGERS,
    "people.people_import_confirm": MANAGERS,
    "people.people_export": MANAGERS,
    "audit.log": MANAGERS,
    "learning.catalogue": SIGNED_IN,
    "learning.course": SIGNED_IN,
    "learning.case": SIGNED_IN,
    "learning.case_read": SIGNED_IN,
    "learning.quiz": SIGNED_IN,
    "learning.quiz_start": SIGNED_IN,
    "learning.attempt": SIGNED_IN,
    "learning.attempt_answer": SIGNED_IN,
    "learning.result": SIGNED_IN,
    "learning.my_learning": SIGNED_IN,
    "learning.assignments": {"trainer", "hr", "admin"},
    "learning.edit_assignment": {"trainer", "hr", "admin"},
    "learning.cancel_assignment": {"trainer", "hr", "admin"},
    "learning.quiz_stats": {"trainer", "hr", "admin"},
    "practice.practice_page": SIGNED_IN,
    "practice.practice_answer": SIGNED_IN,
    "practice.practice_overview": {"trainer", "hr", "admin"},
    "auth.tokens": SIGNED_IN,
    "shopping.my_visits": {"shopper"},
    "shopping.claim": {"shopper"},
    "shopping.card_form": {"shopper"},
    "shopping.autosave": {"shopper"},
    "shopping.visit_autosave": {"shopper"},
    "shopping.visit_evidence": {"shopper"},
    "shopping.upload_evidence": {"shopper"},
    "shopping.evidence_file": {"shopper", "hr", "admin"},
    "shopping.remove_evidence": {"shopper"},
    "shopping.visits": MANAGERS,
    "shopping.review_queue": MANAGERS,
    "shopping.review": MANAGERS,
    "shopping.disputes": MANAGERS,
    "shopping.settle": MANAGERS,
    "shopping.my_results": SIGNED_IN,
    "shopping.my_result": SIGNED_IN,
    "shopping.acknowledge": SIGNED_IN,
    # The API answers 401 without a bearer token (a browser session never counts there).
    "calibration.index": MANAGERS,
    "calibration.new": MANAGERS,
    "calibration.results_page": MANAGERS,
    "calibration.results_json": MANAGERS,
    "calibration.mine": {"shopper"},
    "calibration.score": {"shopper"},
    "calibration.autosave": {"shopper"},
    "calibration.my_result": {"shopper"},
    "coaching.team": {"manager"},
    "coaching.card": {"manager"},
    "coaching.action": {"manager", "hr", "admin"},
    "coaching.overview": MANAGERS,
    "api.create_calibration": MANAGERS,
    "api.answer_calibration": {"shopper"},
    "api.get_calibration": {"shopper", "hr", "admin"},
    "api.submit_scorecard": {"shopper", "hr", "admin"},
    "api.review_scorecard": MANAGERS,
    "api.get_scorecard": SIGNED_IN,
    "api.report_departments": MANAGERS,
    "api.report_employee": SIGNED_IN,
    "api.report_effect": MANAGERS,
    "api.xapi_statements": MANAGERS,
    "api.openapi": EVERYONE,
    "reports.departments": MANAGERS,
    "reports.department": MANAGERS,
    "reports.effect": MANAGERS,
    "reports.employee": MANAGERS,
    "authoring.index": {"trainer", "admin"},
    "authoring.new": {"trainer", "admin"},
    "authoring.gift_upload": {"trainer", "admin"},
    "authoring.edit": {"trainer", "admin"},
    "authoring.check": {"trainer", "admin"},
    "authoring.history": {"trainer", "admin"},
    "authoring.restore": {"trainer", "admin"},
    "authoring.export_zip": {"trainer", "admin"},
    "notify.index": SIGNED_IN,
    "notify.read": SIGNED_IN,
    "notify.read_all": SIGNED_IN,
    "notify.preferences": SIGNED_IN,
    "notify.outbox": {"admin"},
    "notify.outbox_message": {"admin"},
}
PER_KIND = 3  # real requests per kind of rule (and per role): up to two pages and one form


def _routes(app) -> list:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.endpoint)


def _who(rule) -> frozenset:
    """The roles (and ANON) a declared AccessRule lets in."""
    if rule.public:
        return EVERYONE
    return frozenset(rule.roles) if rule.roles else SIGNED_IN


def test_every_route_has_a_declared_rule_matching_the_matrix(app):
    endpoints = set()
    for rule in _routes(app):
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "access_rule"), f"{rule.endpoint} has no @allow(...) rule"
        assert rule.endpoint in EXPECTED, f"{rule.endpoint} is missing from the access matrix test"
        assert _who(view.access_rule) == frozenset(EXPECTED[rule.endpoint]), f"{rule.endpoint}: rule differs"
        endpoints.add(rule.endpoint)
    assert set(EXPECTED) == endpoints, f"expected routes that do not exist: {set(EXPECTED) - endpoints}"


def test_a_route_without_a_rule_is_refused():
    app = create_app(
        {
            **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
        }
    )

    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    assert app.test_client().get("/forgotten").status_code == 403


def _url(app, rule, role: str) -> str:
    # A role dashboard is only its holder's: ask each person for their own.
    values = {arg: ((role if role != ANON else "employee") if arg == "role" else 1) for arg in rule.arguments}
    values = {
        k: ("tok" if k == "token" else "x" if k == "slug" else "case" if k == "kind" else v) for k, v in values.items()
    }
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def _sample(app, api: bool) -> list:
    """Up to PER_KIND routes for each kind of rule (each distinct set of roles let in)."""
    kinds: dict[frozenset, list] = {}
    for rule in _routes(app):
        if rule.endpoint.startswith("api.") == api:
            kinds.setdefault(_who(app.view_functions[rule.endpoint].access_rule), []).append(rule)
    sample = []
    for rules in kinds.values():
        pages = [r for r in rules if _method(r) == "GET"][: PER_KIND - 1]
        forms = [r for r in rules if _method(r) == "POST"]
        sample += pages + forms[: PER_KIND - len(pages)]
    return sample


@pytest.mark.parametrize("role", ROLES)
def test_a_sample_of_each_kind_of_rule_lets_in_exactly_its_roles(app, client, auth, make_user, role):
    if role != ANON:
        make_user(role, email=f"{role}@example.com")
        auth.login(f"{role}@example.com")
    sample = _sample(app, api=False)
    assert len(sample) >= len({_who(app.view_functions[r.endpoint].access_rule) for r in sample}) >= 7
    for rule in sample:
        url = _url(app, rule, role)
        response = client.open(url, method=_method(rule))
        allowed = role in EXPECTED[rule.endpoint]
        if allowed:
            assert response.status_code not in (401, 403), f"{role} refused at {url}"
            if role == ANON:
                assert "/login?next=" not in response.headers.get("Location", "")
        elif role == ANON:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} at {url}"


@pytest.mark.parametrize("role", ROLES)
def test_a_sample_of_each_kind_of_api_rule_lets_in_exactly_its_roles(app, client, make_user, role):
    headers = {}
    if role != ANON:
        user = make_user(role, email=f"{role}@example.com")
        headers["Authorization"] = "Bearer " + create_token(user, "t")[1]
        db.session.commit()
    for rule in _sample(app, api=True):
        method = _method(rule)
        url = _url(app, rule, role)
        response = client.open(url, method=method, headers=headers, json={} if method == "POST" else None)
        if role == ANON and ANON not in EXPECTED[rule.endpoint]:
            assert response.status_code == 401, url
        elif role in EXPECTED[rule.endpoint]:
            assert response.status_code not in (401, 403), f"{role} refused at {url}"
        else:
            assert response.status_code == 403, f"{role} got {response.status_code} at {url}"


# ---------------------------------------------------------------- other people's objects
@pytest.fixture
def owned(app, runner, make_user, tmp_path):
    """Anna's quiz attempt, approved card and its notice; shopper Sam's visit, draft card and photo."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    hr = make_user("hr", email="hr@example.com")
    anna = make_user("employee", email="anna@example.com", department=branch)
    boris = make_user("employee", email="boris@example.com", department=branch)
    sam = make_user("shopper", email="sam@example.com")
    make_user("shopper", email="other@example.com")
    attempt = learning.start_attempt(anna, content.published("quiz", "courier-no-call"))
    payload = {
        "checklist": "branch-visit",
        "department": "Тверская",
        "employee": "anna@example.com",
        "visited_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "answers": dict.fromkeys(["greet-30s", "introduced", "polite", "open-questions", "paraphrased"], "yes"),
    }
    card, _created = shopping.submit_from_api(sam, payload)
    shopping.review_card(hr, card, "approve")
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    (visit,) = shopping.schedule_visits(hr, [branch], checklist, date.today(), date.today(), sam)
    draft = shopping.card_for_visit(sam, visit)
    photo = add_evidence(sam, draft, "photo.png", BytesIO(PNG))
    tokens = {u.email: create_token(u, "t")[1] for u in (anna, boris)}
    db.session.commit()
    notice = db.session.scalars(select(Notice).where(Notice.user_id == anna.id)).first()  # "your card's result"
    ids = {"attempt": attempt.id, "card": card.id, "notice": notice.id}
    return {**ids, "sam": sam.id, "visit": visit.id, "draft": draft.id, "photo": photo.id, "tokens": tokens}


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_another_employee_cannot_reach_annas_attempt_card_or_notice(client, auth, owned):
    auth.login("boris@example.com")
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    attempt, card, notice = owned["attempt"], owned["card"], owned["notice"]
    assert client.get(f"/learn/attempts/{attempt}").status_code == 404
    assert client.get(f"/learn/attempts/{attempt}/result").status_code == 404
    answer = client.post(f"/learn/attempts/{attempt}/answer", data={"csrf_token": token, "key": "q1"})
    assert answer.status_code == 404
    assert client.get(f"/shop/results/{card}").status_code == 404
    assert client.post(f"/notifications/{notice}/read", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Notice, notice).read_at is None
    # Anna herself reaches each of them.
    auth.logout()
    auth.login("anna@example.com")
    assert client.get(f"/learn/attempts/{attempt}").status_code == 200
    assert client.get(f"/shop/results/{card}").status_code == 200


def test_the_api_shows_a_card_to_its_employee_only(client, owned):
    def get(email):
        headers = {"Authorization": f"Bearer {owned['tokens'][email]}"}
        return client.get(f"/api/v1/scorecards/{owned['card']}", headers=headers).status_code

    assert get("boris@example.com") == 404
    assert get("anna@example.com") == 200


def test_another_shopper_cannot_reach_sams_visit_card_or_photo(client, auth, owned):
    auth.login("other@example.com")
    page = client.get("/shop/")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    visit, draft, photo = owned["visit"], owned["draft"], owned["photo"]
    assert client.get(f"/shop/visits/{visit}/card").status_code == 404
    claim = client.post(f"/shop/visits/{visit}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "Someone has already taken this visit." in claim.get_data(as_text=True)
    assert db.session.get(Visit, visit).shopper_id == owned["sam"]
    autosave = client.post(f"/shop/cards/{draft}/autosave", data={"csrf_token": token, "summary": "mine"})
    assert autosave.status_code == 404
    upload = client.post(
        f"/shop/cards/{draft}/evidence",
        data={"csrf_token": token, "file": (BytesIO(PNG), "x.png")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 404
    assert client.get(f"/shop/evidence/{photo}").status_code == 404
    assert client.post(f"/shop/evidence/{photo}/remove", data={"csrf_token": token}).status_code == 404
    # Sam, whose they are, still reaches them.
    auth.logout()
    auth.login("sam@example.com")
    assert client.get(f"/shop/visits/{visit}/card").status_code == 200
    assert client.get(f"/shop/evidence/{photo}").status_code == 200
