"""Calibration of shoppers: Krippendorff's alpha and agreement against independent computations, the API
contract, the blind scoring form, and the hold on new visits for a shopper below the threshold."""

import random
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from itertools import permutations
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api.auth import create_token
from app.calibration.alpha import nominal_alpha
from app.content.models import ContentItem
from app.core.errors import DomainError
from app.extensions import db
from app.people import services as people
from app.shopping import services as shopping
from app.shopping.models import Visit
from tests.conftest import csrf_from, post_form

SAMPLES = Path(__file__).parent / "samples"
ITEMS = ["greet-30s", "introduced", "polite", "open-questions", "paraphrased"]
CATEGORIES = ("yes", "no", "na")


# ---------------------------------------------------------------- an independent alpha
def reference_alpha(data: list[list]) -> float | None:
    """Krippendorff's alpha (nominal) from a coders x units table (None = missing), by the coincidence
    matrix written out from his definition: o_ck = sum_u (number of c-k pairs in u) / (m_u - 1)."""
    units = list(zip(*data, strict=True)) if data else []
    values = sorted({v for row in data for v in row if v is not None}, key=str)
    o = {(c, k): Fraction(0) for c in values for k in values}
    for unit in units:
        present = [v for v in unit if v is not None]
        m = len(present)
        if m < 2:
            continue
        for i, j in permutations(range(m), 2):
            o[(present[i], present[j])] += Fraction(1, m - 1)
    n_c = {c: sum(o[(c, k)] for k in values) for c in values}
    n = sum(n_c.values())
    if n <= 1:
        return None
    d_o = sum(o[(c, k)] for c in values for k in values if c != k) / n
    d_e = sum(n_c[c] * n_c[k] for c in values for k in values if c != k) / (n * (n - 1))
    if d_e == 0:
        return None
    return float(1 - d_o / d_e)


def test_alpha_matches_krippendorffs_worked_example_with_missing_data():
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability': 4 observers, 12 units, nominal: 0.743."""
    table = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    units = [[v for v in unit if v is not None] for unit in zip(*table, strict=True)]
    assert round(float(nominal_alpha(units)), 3) == 0.743
    assert round(reference_alpha(table), 3) == 0.743


def test_alpha_of_textbook_cases():
    assert nominal_alpha([["yes", "yes"], ["no", "no"]]) == 1  # perfect agreement
    assert nominal_alpha([["yes", "yes"], ["yes", "yes"]]) is None  # no variation
    assert nominal_alpha([["yes"], ["no"], []]) is None  # nothing pairable
    assert nominal_alpha([["yes", "no"], ["no", "yes"]]) == Fraction(-1, 2)  # systematic disagreement


@pytest.mark.parametrize("seed", range(40))
def test_alpha_matches_the_independent_computation_on_random_tables(seed):
    rng = random.Random(seed)
    coders, units = rng.randint(1, 6), rng.randint(1, 12)
    missing = rng.choice([0, 0.2, 0.5, 0.9])
    table = [
        [None if rng.random() < missing else rng.choice(CATEGORIES) for _u in range(units)] for _c in range(coders)
    ]
    ours = nominal_alpha([[v for v in unit if v is not None] for unit in zip(*table, strict=True)])
    theirs = reference_alpha(table)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert abs(float(ours) - theirs) < 1e-12


# ---------------------------------------------------------------- the API
@pytest.fixture
def world(runner, make_user):
    runner.invoke(args=["content", "import", str(SAMPLES / "valid")])
    branch = people.create_department(None, "Тверская", None)
    db.session.commit()
    hr = make_user("hr", email="hr@example.com")
    shoppers = [make_user("shopper", email=f"s{n}@example.com") for n in range(6)]
    employee = make_user("employee", email="anna@example.com", department=branch)
    tokens = {u.email: create_token(u, "t")[1] for u in (hr, employee, *shoppers)}
    db.session.commit()
    return {"tokens": tokens, "branch": branch, "hr": hr, "shoppers": shoppers}


def call(client, world, email, method, path, body=None):
    headers = {"Authorization": f"Bearer {world['tokens'][email]}"}
    return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def create(client, world, reference, **over):
    body = {
        "checklist": "branch-visit",
        "title": "Звонок",
        "scenario": "# Визит\n\nКлиент вошёл.",
        "reference": reference,
    }
    body.update(over)
    return call(client, world, "hr@example.com", "POST", "/calibrations", body)


def answer(client, world, shopper, cid, answers):
    return call(client, world, f"s{shopper}@example.com", "POST", f"/calibrations/{cid}/answers", {"answers": answers})


def expected(reference: dict, answer_sets: list[dict]) -> dict:
    """The figures computed here from the raw answers, independently of the app."""
    table = [[given.get(i) for i in ITEMS] for given in answer_sets]
    alpha = reference_alpha(table) if len(answer_sets) >= 2 else None
    ref_items = [i for i in ITEMS if i in reference]
    items = {i: sum(g.get(i) == reference[i] for g in answer_sets) / len(answer_sets) for i in ref_items}
    shoppers = [
        (
            sum(g.get(i) == reference[i] for i in ref_items) / len(ref_items),
            [i for i in ref_items if g.get(i) != reference[i]],
        )
        for g in answer_sets
    ]
    return {"alpha": alpha, "items": items, "shoppers": shoppers}


@pytest.mark.parametrize("seed", range(8))
def test_api_figures_equal_an_independent_computation(client, world, seed):
    rng = random.Random(seed)
    reference = {i: rng.choice(CATEGORIES) for i in ITEMS if seed % 3 or rng.random() < 0.8} or {"polite": "yes"}
    created = create(client, world, reference)
    assert created.status_code == 201, created.get_json()
    cid = created.get_json()["id"]
    answer_sets = []
    for shopper in range(rng.randint(2, 6)):
        given = {i: rng.choice(CATEGORIES) for i in ITEMS if rng.random() < 0.8}
        assert answer(client, world, shopper, cid, given).status_code == 201
        answer_sets.append(given)
    got = call(client, world, "hr@example.com", "GET", f"/calibrations/{cid}").get_json()
    want = expected(reference, answer_sets)
    if want["alpha"] is None:
        assert got["alpha"] is None
    else:
        assert round(got["alpha"], 3) == round(want["alpha"], 3) and abs(got["alpha"] - want["alpha"]) < 1e-9
    assert [i["id"] for i in got["items"]] == list(want["items"])
    for item in got["items"]:
        assert abs(item["agreement"] - want["items"][item["id"]]) < 1e-9
    assert [s["email"] for s in got["shoppers"]] == [f"s{n}@example.com" for n in range(len(answer_sets))]
    for row, (agreement, differs) in zip(got["shoppers"], want["shoppers"], strict=True):
        assert abs(row["agreement"] - agreement) < 1e-9 and row["differs_on"] == differs


def test_alpha_is_null_when_undefined(client, world):
    reference = dict.fromkeys(ITEMS, "yes")
    cid = create(client, world, reference).get_json()["id"]
    get = lambda: call(client, world, "hr@example.com", "GET", f"/calibrations/{cid}").get_json()  # noqa: E731
    assert get() == {**get(), "alpha": None, "shoppers": []}
    assert all(i["agreement"] is None for i in get()["items"])  # nobody has submitted yet
    answer(client, world, 0, cid, {"polite": "no"})
    assert get()["alpha"] is None  # one shopper
    answer(client, world, 1, cid, {"introduced": "yes"})
    assert get()["alpha"] is None  # two shoppers, but no item answered by both: nothing pairable
    answer(client, world, 2, cid, {"introduced": "yes"})
    data = get()
    assert data["alpha"] is None  # pairable (introduced), but every pairable value the same: no variation
    polite = next(i for i in data["items"] if i["id"] == "polite")
    assert polite["agreement"] == 0 and polite["low_agreement"] is True
    first = data["shoppers"][0]
    assert first["agreement"] == 0 and first["differs_on"] == ITEMS  # unanswered items do not match
    answer(client, world, 3, cid, {"introduced": "yes", "polite": "no"})
    assert get()["alpha"] == 1.0  # now polite is pairable too (no, no): two categories, perfect agreement


def test_the_worked_example_through_the_api(client, world):
    """Three shoppers on the five items, one item missing: alpha by hand = 1 - 6 * 4 / 16 ... checked here."""
    reference = {"greet-30s": "yes", "introduced": "no", "polite": "yes", "open-questions": "na", "paraphrased": "no"}
    cid = create(client, world, reference).get_json()["id"]
    sets = [
        {"greet-30s": "yes", "introduced": "no", "polite": "yes", "open-questions": "na", "paraphrased": "no"},
        {"greet-30s": "yes", "introduced": "yes", "polite": "yes", "open-questions": "na"},
        {"greet-30s": "no", "introduced": "no", "polite": "yes", "open-questions": "yes", "paraphrased": "no"},
    ]
    for n, given in enumerate(sets):
        answer(client, world, n, cid, given)
    got = call(client, world, "hr@example.com", "GET", f"/calibrations/{cid}").get_json()
    # coincidences: greet yes-yes 1, yes-no 2 (x2 orders); introduced no-no 1, no-yes 2; polite yes-yes 3;
    # open na-na 1, na-yes 2; paraphrased no-no 2 (2 values: weight 1). n = 14 pairable values.
    assert round(got["alpha"], 3) == round(reference_alpha([[g.get(i) for i in ITEMS] for g in sets]), 3)
    assert [s["agreement"] for s in got["shoppers"]] == [1.0, 0.6, 0.6]
    assert got["shoppers"][1]["differs_on"] == ["introduced", "paraphrased"]
    assert {i["id"]: i["agreement"] for i in got["items"]}["polite"] == 1.0


def test_validation_errors(client, world):
    assert create(client, world, {"polite": "yes", "nonsense": "no"}).get_json()["error"]["fields"] == {
        "reference.nonsense": "unknown item"
    }
    r = create(client, world, {"polite": "maybe"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"reference.polite": "must be yes, no or na"}
    assert create(client, world, {"polite": "yes"}, checklist="nope").get_json()["error"]["fields"] == {
        "checklist": "unknown checklist"
    }
    assert create(client, world, {"polite": "yes"}, checklist=1).status_code == 422  # ids are text, as for cards
    assert create(client, world, {}).get_json()["error"]["fields"] == {"reference": "answer at least one item"}
    assert create(client, world, {"polite": "yes"}, extra=1).get_json()["error"]["fields"] == {"extra": "unknown field"}
    headers = {"Authorization": f"Bearer {world['tokens']['hr@example.com']}", "Content-Type": "application/json"}
    assert client.post("/api/v1/calibrations", data="{", headers=headers).status_code == 400
    assert call(client, world, "hr@example.com", "POST", "/calibrations", [1]).status_code == 400
    cid = create(client, world, {"polite": "yes"}).get_json()["id"]
    r = answer(client, world, 0, cid, {"polite": "yes", "ghost": "no"})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"answers.ghost": "unknown item"}
    assert answer(client, world, 0, cid, {"polite": "si"}).status_code == 422
    assert answer(client, world, 0, cid, {"polite": "yes"}).status_code == 201
    again = answer(client, world, 0, cid, {"polite": "no"})
    assert again.status_code == 409 and again.get_json()["status"] == "submitted"
    assert answer(client, world, 0, 999999, {"polite": "no"}).status_code == 404


def test_roles_and_a_shopper_reads_only_their_own_row(client, world):
    assert call(client, world, "s0@example.com", "POST", "/calibrations", {}).status_code == 403
    cid = create(client, world, {"polite": "yes", "introduced": "no"}).get_json()["id"]
    assert (
        call(client, world, "hr@example.com", "POST", f"/calibrations/{cid}/answers", {"answers": {}}).status_code
        == 403
    )
    assert call(client, world, "anna@example.com", "GET", f"/calibrations/{cid}").status_code == 403
    answer(client, world, 0, cid, {"polite": "yes", "introduced": "yes"})
    answer(client, world, 1, cid, {"polite": "no", "introduced": "no"})
    # s2 has not submitted: nothing to read (blind until they do)
    assert call(client, world, "s2@example.com", "GET", f"/calibrations/{cid}").status_code == 404
    own = call(client, world, "s0@example.com", "GET", f"/calibrations/{cid}").get_json()
    assert [s["email"] for s in own["shoppers"]] == ["s0@example.com"] and own["shoppers"][0]["differs_on"] == [
        "introduced"
    ]
    assert len(call(client, world, "hr@example.com", "GET", f"/calibrations/{cid}").get_json()["shoppers"]) == 2


# ---------------------------------------------------------------- the hold on new visits
def _scorecard(world):
    return {
        "checklist": "branch-visit",
        "department": "Тверская",
        "visited_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "answers": dict.fromkeys(ITEMS, "yes"),
    }


def test_a_shopper_below_the_threshold_is_refused_new_visits_until_they_pass(client, auth, world):
    reference = dict.fromkeys(ITEMS, "yes")
    first = create(client, world, reference).get_json()["id"]
    answer(client, world, 0, first, {"greet-30s": "yes", "introduced": "yes", "polite": "yes", "open-questions": "no"})
    # 3 of 5 = 60 % < 80 %: no new card by API
    refused = call(client, world, "s0@example.com", "POST", "/scorecards", _scorecard(world))
    assert refused.status_code == 403 and "needs calibration" in refused.get_json()["error"]["message"]
    # nor an open visit on the web: not offered, and a claim is refused with the reason
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    (visit,) = shopping.schedule_visits(world["hr"], [world["branch"]], checklist, date.today(), date.today())
    db.session.commit()
    auth.login("s0@example.com")
    page = client.get("/shop/").get_data(as_text=True)
    assert "You need calibration" in page and f"/shop/visits/{visit.id}/claim" not in page
    claim = client.post(f"/shop/visits/{visit.id}/claim", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "You need calibration" in claim.get_data(as_text=True)
    assert db.session.get(Visit, visit.id).shopper_id is None
    auth.logout()
    auth.login("hr@example.com")  # HR sees who needs calibration, and may not name them for a visit
    index = client.get("/calibration/").get_data(as_text=True)
    assert "s0@example.com" in index and "<td>1</td>" in index  # held; one shopper has submitted the exercise
    with pytest.raises(DomainError, match="needs calibration"):
        shopping.schedule_visits(
            world["hr"], [world["branch"]], checklist, date.today(), date.today(), world["shoppers"][0]
        )
    auth.logout()
    auth.login("s0@example.com")
    # another shopper who passed is unaffected
    answer(client, world, 1, first, reference)
    assert call(client, world, "s1@example.com", "POST", "/scorecards", _scorecard(world)).status_code == 201
    # a later exercise passed lifts the hold
    second = create(client, world, {"polite": "yes", "introduced": "no"}).get_json()["id"]
    assert answer(client, world, 0, second, {"polite": "yes", "introduced": "no"}).status_code == 201
    assert call(client, world, "s0@example.com", "POST", "/scorecards", _scorecard(world)).status_code == 201
    page = client.get("/shop/").get_data(as_text=True)
    assert "You need calibration" not in page and f"/shop/visits/{visit.id}/claim" in page


def test_the_threshold_is_configurable(app, client, world):
    app.config["CALIBRATION_THRESHOLD"] = 0.5
    cid = create(client, world, dict.fromkeys(ITEMS, "yes")).get_json()["id"]
    answer(client, world, 0, cid, {"greet-30s": "yes", "introduced": "yes", "polite": "yes"})  # 60 %
    assert call(client, world, "s0@example.com", "POST", "/scorecards", _scorecard(world)).status_code == 201
    app.config["CALIBRATION_THRESHOLD"] = 0.8
    assert call(client, world, "s0@example.com", "POST", "/scorecards", _scorecard(world)).status_code == 403


def test_an_assigned_visit_is_not_started_while_held(client, auth, world):
    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    (visit,) = shopping.schedule_visits(
        world["hr"], [world["branch"]], checklist, date.today(), date.today(), world["shoppers"][0]
    )
    db.session.commit()
    cid = create(client, world, dict.fromkeys(ITEMS, "yes")).get_json()["id"]
    answer(client, world, 0, cid, {"polite": "no"})
    auth.login("s0@example.com")
    opened = client.get(f"/shop/visits/{visit.id}/card", follow_redirects=True)
    assert "You need calibration" in opened.get_data(as_text=True)
    assert db.session.get(Visit, visit.id).card is None


# ---------------------------------------------------------------- the pages
def test_hr_creates_an_exercise_shoppers_score_it_blind_and_read_their_result(client, auth, world):
    auth.login("hr@example.com")
    assert "branch-visit" in client.get("/calibration/new").get_data(as_text=True)
    data = {"title": "Визит в отделение", "scenario": "**Клиент** ждал <script>alert(1)</script> пять минут."}
    data |= {f"reference-{i}": "yes" for i in ITEMS} | {"reference-polite": "no", "reasoning-polite": "Грубый ответ."}
    created = post_form(client, "/calibration/new?checklist=branch-visit", data, follow_redirects=True)
    assert created.status_code == 200 and "Визит в отделение" in created.get_data(as_text=True)
    cid = _latest_calibration_id()
    auth.logout()

    auth.login("s0@example.com")
    form = client.get(f"/calibration/{cid}/score").get_data(as_text=True)
    assert "<strong>Клиент</strong>" in form and "<script>alert" not in form  # sanitised Markdown
    assert "Грубый ответ" not in form and 'class="card-form"' in form  # blind; the card's form
    assert client.get(f"/calibration/{cid}/result").status_code == 404  # nothing to see before submitting
    token = csrf_from(form)
    saved = client.post(
        f"/calibration/{cid}/autosave", json={"name": "answer-polite", "value": "yes"}, headers={"X-CSRFToken": token}
    )
    assert saved.get_json() == {"saved": True}
    assert 'value="yes" checked' in client.get(f"/calibration/{cid}/score").get_data(as_text=True)
    answers = {f"answer-{i}": "yes" for i in ITEMS} | {"submit": "1"}
    done = post_form(client, f"/calibration/{cid}/score", answers, follow_redirects=True).get_data(as_text=True)
    assert "80.0%" in done and "Грубый ответ." in done  # 4 of 5, and the reasoning of the item read differently
    auth.logout()

    auth.login("s1@example.com")  # another shopper cannot read s0's result
    assert client.get(f"/calibration/{cid}/result").status_code == 404
    auth.logout()

    auth.login("hr@example.com")
    page = client.get(f"/calibration/{cid}").get_data(as_text=True)
    assert '<svg class="chart"' in page and "s0@example.com" in page and "reword" in page
    assert client.get(f"/calibration/{cid}/results.json").get_json()["shoppers"][0]["agreement"] == 0.8


def _latest_calibration_id():
    from app.calibration.models import Calibration

    return db.session.scalars(select(Calibration.id).order_by(Calibration.id.desc())).first()
