"""Hostile sizes: people CSV lengths and depth, a department tree too deep to walk by recursion, oversized
GIFT files, evidence quotas and formula fragments in exports. Each gets a clear message, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from app.extensions import db
from app.people.models import Department, User

DEEP = 1100


@pytest.fixture
def lclient(app):
    return app.test_client()


@pytest.fixture
def hr(app, make_user_in):
    return make_user_in("hr", email="hr@example.com")


@pytest.fixture
def make_user_in(app):
    from app.people import services

    def factory(*roles, email, department=None, name="Тест Пользователь"):
        user = services.create_user(None, email, name, department, roles or ["employee"], password="secret-password-1")
        db.session.commit()
        return user

    return factory


def _login(client, email="hr@example.com"):
    from tests.conftest import AuthActions

    AuthActions(client).login(email)


def _deep_chain(depth: int) -> int:
    """A chain of ``depth`` departments written straight into the table, past every service check (the
    tree and paths then filled from parent_id, as for a bulk load); returns the deepest one's id."""
    from app.people.services import rebuild_tree

    parent = None
    for level in range(depth):
        parent = db.session.execute(
            insert(Department).values(name=f"L{level}", parent_id=parent).returning(Department.id)
        ).scalar_one()
    rebuild_tree()
    db.session.commit()
    return parent


# ---------------------------------------------------------------- a tree too deep for recursion
def test_pages_answer_over_a_tree_deeper_than_python_recursion(lclient, hr, make_user_in):
    deepest = _deep_chain(DEEP)
    person = make_user_in("employee", email="deep@example.com", department=db.session.get(Department, deepest))
    _login(lclient)
    for url in (
        "/people",
        f"/people?department={deepest}",
        "/departments",
        "/departments?archived=1",
        "/departments/new",
        f"/departments/{deepest}/edit",
        "/people/new",
        f"/people/{person.id}/edit",
        "/people/export.csv",
        "/reports/",
        "/reports/?format=csv",
        f"/reports/departments/{deepest}",
        f"/reports/employees/{person.id}",
    ):
        response = lclient.get(url)
        assert response.status_code == 200, url
    # Archiving the top walks the whole chain; adding below the bottom is refused with the rule.
    from tests.conftest import post_form

    top = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).one()
    assert post_form(lclient, f"/departments/{top.id}/archive", {}, "/departments").status_code == 302
    assert _count(Department) == _count_archived() == DEEP
    for dept in db.session.scalars(select(Department)):  # restored again, directly
        dept.archived_at = None
    db.session.commit()
    r = post_form(lclient, "/departments/new", {"name": "Below", "parent": deepest})
    assert r.status_code == 200 and "Departments can be at most 12 levels deep." in r.get_data(as_text=True)


def _count_archived() -> int:
    return db.session.scalar(select(func.count()).select_from(Department).where(Department.archived_at.is_not(None)))


def test_an_import_preview_over_a_deep_tree_answers(lclient, hr):
    _deep_chain(DEEP)
    _login(lclient)
    text = "email,name,department,roles\nnew@example.com,New Person,L0/L1,employee\n"
    response = _preview(lclient, text)
    assert response.status_code == 200 and "1 to create" in response.get_data(as_text=True)


# ---------------------------------------------------------------- people CSV: lengths and depth
HEADER = "email,name,department,roles\n"
LONG_NAME = "Я" * 201
LONG_PART = "Отдел" * 41  # 205 characters
TOO_DEEP = "/".join(f"Level{n}" for n in range(13))
HOSTILE_ROWS = [
    (f"long-name@example.com,{LONG_NAME},A,employee\n", "The name is 201 characters long; 200 at most."),
    (f"{'a' * 250}@example.com,Long Email,A,employee\n", "The email is 262 characters long; 254 at most."),
    (f"part@example.com,Long Part,A/{LONG_PART},employee\n", "205 characters long; 200 at most."),
    (f"deep@example.com,Deep Path,{TOO_DEEP},employee\n", "The department path has 13 levels; 12 at most."),
    ("gap@example.com,Gap,A//B,employee\n", "has an empty level"),
]


def _preview(client, text: str):
    from io import BytesIO

    from tests.conftest import csrf_from

    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    return client.post(
        "/people/import",
        data={"csrf_token": token, "file": (BytesIO(text.encode()), "people.csv")},
        content_type="multipart/form-data",
    )


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("row", "message"), HOSTILE_ROWS)
def test_cli_import_names_the_line_and_the_rule(app, tmp_path, row, message):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "ok@example.com,Fine Person,A,employee\n" + row, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: " in result.output and message in result.output
    assert f"{path}:2:" not in result.output
    assert _count(User) == 0 and _count(Department) == 0


@pytest.mark.parametrize(("row", "message"), HOSTILE_ROWS)
def test_browser_import_refuses_at_preview_and_confirm(lclient, hr, row, message):
    from tests.conftest import csrf_from

    _login(lclient)
    text = HEADER + row
    preview = _preview(lclient, text)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1 with errors" in html and message in html
    assert "/people/import/confirm" not in html  # no button to confirm
    # Posted straight to the confirmation, the same rule refuses it: a clear page, nothing written.
    token = csrf_from(html)
    confirm = lclient.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    assert confirm.status_code == 200 and message in confirm.get_data(as_text=True)
    assert _count(User) == 1 and _count(Department) == 0


def test_a_nul_character_is_refused_with_its_line(lclient, hr, tmp_path, app):
    from tests.conftest import csrf_from

    text = HEADER + "ok@example.com,Fine,A,employee\nnul@example.com,Bad\x00Name,A,employee\n"
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["people", "import", str(path)])
    assert result.exit_code == 1 and f"{path}:3: This line contains a NUL character." in result.output
    _login(lclient)
    preview = _preview(lclient, text)  # a file's bytes, not a form field: the import's own check
    assert preview.status_code == 200 and "This line contains a NUL character." in preview.get_data(as_text=True)
    token = csrf_from(preview.get_data(as_text=True))
    confirm = lclient.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    assert confirm.status_code == 400 and "NUL" in confirm.get_data(as_text=True)  # every form field's rule
    assert _count(User) == 1


def test_twelve_levels_and_names_of_two_hundred_characters_are_imported(app, tmp_path):
    path = tmp_path / "people.csv"
    twelve = "/".join(f"{n:02d}" + "Ж" * 198 for n in range(12))
    path.write_text(HEADER + f"edge@example.com,{'Ю' * 200},{twelve},employee\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output
    person = db.session.scalars(select(User)).one()
    assert len(person.name) == 200 and person.department.path == twelve


def test_department_forms_refuse_a_long_name_and_a_tree_too_deep(lclient, hr):
    from app.people import services
    from tests.conftest import post_form

    _login(lclient)
    parent = None
    for n in range(12):
        parent = services.create_department(None, f"D{n}", parent)
    top = db.session.scalars(select(Department).where(Department.parent_id.is_(None))).one()
    db.session.commit()
    r = post_form(lclient, "/departments/new", {"name": "D12", "parent": parent.id})
    assert r.status_code == 200 and "Departments can be at most 12 levels deep." in r.get_data(as_text=True)
    r = post_form(lclient, "/departments/new", {"name": "Ы" * 201, "parent": 0})
    assert r.status_code == 200 and "200" in r.get_data(as_text=True)
    # A second tree of two levels moved under the eleventh level would make thirteen.
    other = services.create_department(None, "Other", None)
    services.create_department(None, "Below other", other)
    eleventh = parent.parent
    db.session.commit()
    r = post_form(
        lclient,
        f"/departments/{other.id}/edit",
        {"name": "Other", "parent": eleventh.id},
        f"/departments/{other.id}/edit",
    )
    assert r.status_code == 200 and "Departments can be at most 12 levels deep." in r.get_data(as_text=True)
    assert db.session.get(Department, other.id).parent_id is None
    # One level fits: under the tenth level, the two levels end at the twelfth.
    r = post_form(lclient, f"/departments/{other.id}/edit", {"name": "Other", "parent": eleventh.parent_id})
    assert r.status_code == 302
    assert _count(Department) == 14 and top.parent_id is None


def test_the_services_refuse_what_the_columns_cannot_hold(app):
    from app.core.errors import DomainError
    from app.people import services

    with pytest.raises(DomainError):
        services.create_user(None, "x@example.com", "Н" * 201, None, ["employee"])
    with pytest.raises(DomainError):
        services.create_user(None, "x" * 250 + "@example.com", "Name", None, ["employee"])
    with pytest.raises(DomainError):
        services.ensure_path(None, "/".join("P" * 5 for _ in range(13)))
    with pytest.raises(DomainError):
        services.ensure_path(None, "A/" + "Б" * 201)
    db.session.rollback()
    assert _count(User) == 0 and _count(Department) == 0


# ---------------------------------------------------------------- formula fragments in exports
@pytest.mark.parametrize(
    "value",
    [
        'Ivanov;=HYPERLINK("http://x","y")',
        "Ivanov, +7 999",
        "Ivanov\t@SUM(A1)",
        "Ivanov\n-1+2",
        "Ivanov; =1+1",
        "=1+1",
        "\tx",
        "'=already quoted",
    ],
)
def test_formula_fragments_are_neutralised_and_come_back(value):
    from app.core.spreadsheet import neutralise, unneutralise

    assert neutralise(value).startswith("'")
    assert unneutralise(neutralise(value)) == value


@pytest.mark.parametrize(
    "value", ["Санкт-Петербург", "a@example.com", "employee;trainer", "Ivanov, Petr", "", "'quote"]
)
def test_plain_values_are_left_alone(value):
    from app.core.spreadsheet import neutralise, unneutralise

    assert neutralise(value) == value and unneutralise(value) == value


def test_people_export_neutralises_fragments_and_round_trips(app, tmp_path):
    runner = app.test_cli_runner()
    src = tmp_path / "people.csv"
    src.write_text(
        HEADER + 'frag@example.com,"Ivanov;=HYPERLINK(""http://evil"")",Отдел;@SUM(1),employee\n', encoding="utf-8"
    )
    assert runner.invoke(args=["people", "import", str(src)]).exit_code == 0
    out = tmp_path / "export.csv"
    assert runner.invoke(args=["people", "export", str(out)]).exit_code == 0
    exported = out.read_text(encoding="utf-8-sig")
    assert '"\'Ivanov;=HYPERLINK(""http://evil"")"' in exported and "'Отдел;@SUM(1)" in exported
    again = runner.invoke(args=["people", "import", str(out)])
    assert again.exit_code == 0 and "Nothing to change" in again.output
    person = db.session.scalars(select(User)).one()
    assert person.name == 'Ivanov;=HYPERLINK("http://evil")' and person.department.path == "Отдел;@SUM(1)"


def test_report_exports_neutralise_fragments_in_csv_and_xlsx(lclient, hr):
    import io

    from openpyxl import load_workbook

    from app.people import services

    services.create_department(None, "Касса;=HYPERLINK(1)", None)
    db.session.commit()
    _login(lclient)
    body = lclient.get("/reports/?format=csv").data.decode("utf-8-sig")
    assert "'Касса;=HYPERLINK(1)" in body
    book = load_workbook(io.BytesIO(lclient.get("/reports/?format=xlsx").data))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'Касса;=HYPERLINK(1)" in values and "Касса;=HYPERLINK(1)" not in values


# ---------------------------------------------------------------- uploads
def test_a_gift_file_over_the_limit_is_refused_not_cut(lclient, make_user_in):
    from io import BytesIO

    from app.authoring.models import ContentDraft
    from tests.conftest import csrf_from

    make_user_in("trainer", email="trainer@example.com")
    _login(lclient, "trainer@example.com")
    question = "::q1:: 2+2? {=4 ~5}\n\n"
    # A valid bank whose end lies past the limit: cut there, it would still import its first questions.
    body = (question * (lclient.application.config["GIFT_MAX_BYTES"] // len(question) + 10)).encode()
    token = csrf_from(lclient.get("/authoring/").get_data(as_text=True))
    r = lclient.post(
        "/authoring/gift",
        data={"csrf_token": token, "slug": "big-bank", "file": (BytesIO(body), "bank.gift")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert r.status_code == 200 and "larger than 2 MB; nothing was imported" in r.get_data(as_text=True)
    assert _count(ContentDraft) == 0
    small = lclient.post(
        "/authoring/gift",
        data={"csrf_token": token, "slug": "small-bank", "file": (BytesIO(question.encode()), "bank.gift")},
        content_type="multipart/form-data",
    )
    assert small.status_code == 200 and _count(ContentDraft) == 1


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def draft_card(app, make_user_in, tmp_path):
    """A shopper (signed in on the returned client) with a draft card."""
    from datetime import date, timedelta
    from pathlib import Path

    from app.people import services as people
    from app.shopping import services as shopping
    from app.shopping.models import Visit

    app.config.update(EVIDENCE_DIR=str(tmp_path / "evidence"))
    samples = Path(__file__).parent / "samples" / "valid"
    app.test_cli_runner().invoke(args=["content", "import", str(samples)])
    branch = people.create_department(None, "Тверская", None)
    hr_user = make_user_in("hr", email="hr@example.com")
    shopper = make_user_in("shopper", email="shop@example.com")
    from app.content.models import ContentItem

    checklist = db.session.scalars(select(ContentItem).where(ContentItem.slug == "branch-visit")).one()
    shopping.schedule_visits(
        hr_user, [branch], checklist, date.today(), date.today() + timedelta(days=7), shopper, "Scenario"
    )
    visit = db.session.scalars(select(Visit)).one()
    card = shopping.card_for_visit(shopper, visit)
    db.session.commit()
    client = app.test_client()
    _login(client, "shop@example.com")
    return client, card


def _upload(client, card, data: bytes, name: str = "photo.png", item: str = ""):
    from io import BytesIO

    from tests.conftest import csrf_from

    token = csrf_from(client.get(f"/shop/visits/{card.visit_id}/card").get_data(as_text=True))
    return client.post(
        f"/shop/cards/{card.id}/evidence",
        data={"csrf_token": token, "file": (BytesIO(data), name), "item": item},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_evidence_count_quota_per_card(draft_card):
    from pathlib import Path

    from app.shopping.models import Evidence

    client, card = draft_card
    client.application.config.update(EVIDENCE_MAX_FILES_PER_CARD=3)
    for n in range(3):
        assert "File attached." in _upload(client, card, PNG + bytes([n])).get_data(as_text=True)
    r = _upload(client, card, PNG + b"another")
    assert r.status_code == 200 and "A card can have at most 3 files." in r.get_data(as_text=True)
    assert _count(Evidence) == 3
    stored = list(Path(client.application.config["EVIDENCE_DIR"]).iterdir())
    assert len(stored) == 3  # nothing written for the refused file


def test_the_same_file_twice_is_refused_and_a_different_one_of_the_same_size_is_not(draft_card):
    from app.shopping.models import Evidence

    client, card = draft_card
    assert "File attached." in _upload(client, card, PNG + b"a", "IMG_1.png").get_data(as_text=True)
    r = _upload(client, card, PNG + b"a", "IMG_1 (copy).png")
    assert "This file is already attached to the card." in r.get_data(as_text=True)
    assert "File attached." in _upload(client, card, PNG + b"b", "IMG_2.png").get_data(as_text=True)
    assert _count(Evidence) == 2
    page = client.get(f"/shop/visits/{card.visit_id}/card").get_data(as_text=True)
    assert page.count('class="thumb"') == 2  # a photo shows as a thumbnail where it is listed


def test_a_photo_for_one_item_shows_where_the_item_is(draft_card):
    import re

    from app.shopping.models import Evidence

    client, card = draft_card
    r = _upload(client, card, PNG + b"polite", "rude.png", item="polite")
    assert "File attached." in r.get_data(as_text=True)
    assert db.session.scalars(select(Evidence)).one().item_id == "polite"
    page = client.get(f"/shop/visits/{card.visit_id}/card").get_data(as_text=True)
    polite = re.search(r'id="item-polite".*?</div>\s*</div>', page, flags=re.S).group(0)
    assert 'alt="rude.png"' in polite and 'class="thumb"' in polite
    introduced = re.search(r'id="item-introduced".*?</div>\s*</div>', page, flags=re.S).group(0)
    assert "rude.png" not in introduced
    # each item's photo goes through a form of its own, carrying the item
    assert re.search(r'<form id="photo-polite"[^>]*>.*?name="item" value="polite"', page, flags=re.S)
    r = _upload(client, card, PNG + b"other", "x.png", item="no-such-item")
    assert "The checklist of this card has no such item." in r.get_data(as_text=True)
    assert _count(Evidence) == 1


def test_evidence_size_quota_per_card(draft_card):
    from app.shopping.models import Evidence

    client, card = draft_card
    client.application.config.update(EVIDENCE_MAX_BYTES_PER_CARD=2 * 1024 * 1024)
    big = PNG + b"\x00" * (900 * 1024)
    assert "File attached." in _upload(client, card, big + b"1").get_data(as_text=True)
    assert "File attached." in _upload(client, card, big + b"2").get_data(as_text=True)
    r = _upload(client, card, big + b"3")
    assert "may take 2 MB together" in r.get_data(as_text=True)
    assert _count(Evidence) == 2


def test_removing_evidence_frees_the_quota_and_only_on_an_editable_card(draft_card):
    from pathlib import Path

    from app.shopping.models import Evidence
    from tests.conftest import csrf_from

    client, card = draft_card
    client.application.config.update(EVIDENCE_MAX_FILES_PER_CARD=1)
    _upload(client, card, PNG)
    item = db.session.scalars(select(Evidence)).one()
    stored = Path(client.application.config["EVIDENCE_DIR"]) / item.stored_name
    assert stored.exists()
    page = client.get(f"/shop/visits/{card.visit_id}/card").get_data(as_text=True)
    assert f"/shop/evidence/{item.id}/remove" in page
    r = client.post(f"/shop/evidence/{item.id}/remove", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "File removed." in r.get_data(as_text=True)
    assert _count(Evidence) == 0 and not stored.exists()
    assert "File attached." in _upload(client, card, PNG).get_data(as_text=True)
    # Once submitted, the file stays.
    item = db.session.scalars(select(Evidence)).one()
    db.session.get(type(card), card.id).status = "submitted"
    db.session.commit()
    r = client.post(f"/shop/evidence/{item.id}/remove", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "can no longer be removed" in r.get_data(as_text=True) and _count(Evidence) == 1
