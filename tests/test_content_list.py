"""The trainer's content list: a page at a time, by kind and id, filtered by kind or by words of an id or a
title, with drafts of new items among the rest and "used in" from what is published now."""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.authoring import services as authoring
from app.content.models import ContentLink
from app.extensions import db
from tests.conftest import post_form

SAMPLES = Path(__file__).parent / "samples" / "valid"


def write_content(target: Path, cases: int, course_cases: list[str] | None = None) -> Path:
    """The valid samples plus ``cases`` more cases, each naming a quiz of its own id, and the course
    holding ``course_cases`` (by default the sample's one case)."""
    shutil.copytree(SAMPLES, target)
    case = (SAMPLES / "cases" / "courier.md").read_text(encoding="utf-8")
    quiz = (SAMPLES / "quizzes" / "courier.md").read_text(encoding="utf-8")
    for n in range(cases):
        slug = f"extra-{n:03d}"
        title = f"Extra case number {n}" if n % 2 else f"Дополнительный случай {n}"
        text = case.replace("id: courier-no-call", f"id: {slug}").replace("quiz: courier-no-call", f"quiz: {slug}")
        text = re.sub(r"^title: .*$", f"title: {title}", text, count=1, flags=re.M)
        (target / "cases" / f"{slug}.md").write_text(text, encoding="utf-8")
        (target / "quizzes" / f"{slug}.md").write_text(quiz.replace("id: courier-no-call", f"id: {slug}"), "utf-8")
    if course_cases is not None:
        course = (target / "courses" / "complaints.md").read_text(encoding="utf-8")
        course = course.replace("cases: [courier-no-call]", f"cases: [{', '.join(course_cases)}]")
        (target / "courses" / "complaints.md").write_text(course, encoding="utf-8")
    return target


def listed(client, query: str = "") -> list[tuple[str, str]]:
    """(kind label, id) of each row of the list, in order."""
    page = html_lib.unescape(client.get(f"/authoring/{query}").get_data(as_text=True))
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>\s*<td>([^<]+)</td>.*?<small><code>([^<]+)</code>", body, flags=re.S)


@pytest.fixture
def trainer(client, auth, make_user):
    make_user("trainer", email="t@example.com")
    auth.login("t@example.com")


def test_the_list_pages_through_every_item_once_by_kind_and_id(app, client, runner, trainer, tmp_path):
    result = runner.invoke(args=["content", "import", str(write_content(tmp_path / "c", 30))])
    assert result.exit_code == 0, result.output
    app.config["PER_PAGE"] = 25
    first, second, third = listed(client), listed(client, "?page=2"), listed(client, "?page=3")
    # 1 course, 31 cases, 31 quizzes, 1 checklist, the skills: 65 rows in three pages
    assert (len(first), len(second), len(third)) == (25, 25, 15)
    rows = first + second + third
    assert len(set(rows)) == 65
    assert [slug for _label, slug in rows[:3]] == ["courier-no-call", "extra-000", "extra-001"]
    assert [label for label, _slug in rows] == ["Case"] * 31 + ["Checklist"] + ["Course"] + ["Quiz"] * 31 + ["Skills"]
    assert client.get("/authoring/?page=4").status_code == 404
    page = client.get("/authoring/").get_data(as_text=True)
    assert "65 in all" in page and 'href="/authoring/?page=2"' in page


def test_the_list_filters_by_kind_and_by_words_of_an_id_or_a_title(app, client, runner, trainer, tmp_path):
    runner.invoke(args=["content", "import", str(write_content(tmp_path / "c", 12))])
    quizzes = listed(client, "?kind=quiz")
    assert len(quizzes) == 13 and {label for label, _slug in quizzes} == {"Quiz"}
    # words of the id, of a title in either script, in any case; a kind with them
    assert {slug for _l, slug in listed(client, "?q=EXTRA-01")} == {"extra-010", "extra-011"}
    assert 'value="EXTRA-01"' in client.get("/authoring/?q=+EXTRA-01+").get_data(as_text=True)  # as typed
    assert listed(client, "?q=number+11") == [("Case", "extra-011")]
    assert listed(client, "?q=" + quote("ДОПОЛНИТЕЛЬНЫЙ случай 1")) == [("Case", "extra-010")]
    assert listed(client, "?kind=quiz&q=extra-003") == [("Quiz", "extra-003")]
    # a percent sign or an underscore is a letter to look for, not a wildcard
    assert listed(client, "?q=%25") == [] and listed(client, "?q=_") == []
    page = html_lib.unescape(client.get("/authoring/?q=nothing-like-this").get_data(as_text=True))
    assert "Nothing matches this filter." in page and 'href="/authoring/"' in page
    # the filter is kept when paging
    app.config["PER_PAGE"] = 5
    page = client.get("/authoring/?kind=case").get_data(as_text=True)
    assert 'href="/authoring/?page=2&amp;kind=case"' in page
    assert listed(client, "?kind=case&page=3") == [("Case", "extra-009"), ("Case", "extra-010"), ("Case", "extra-011")]
    # a search longer than any id or title is refused with the reason, not a database error
    refused = client.get("/authoring/?q=" + "я" * 30_000)
    assert refused.status_code == 400 and "A search is at most 300 characters long." in refused.get_data(as_text=True)
    assert listed(client, "?q=" + quote("я" * 300)) == []
    # an unknown kind is no filter
    assert len(listed(client, "?kind=nonsense")) == 5


def test_a_draft_of_a_new_item_is_listed_in_its_place_with_its_errors(app, client, runner, trainer, tmp_path):
    runner.invoke(args=["content", "import", str(write_content(tmp_path / "c", 2))])
    assert (
        post_form(client, "/authoring/new", {"kind": "case", "slug": "brand-new"}, page_url="/authoring/").status_code
        == 302
    )
    authoring.save_draft(None, "case", "extra-000", "---\nid: extra-000\n---\nno title, no decision\n")
    db.session.commit()
    rows = listed(client, "?kind=case")
    assert [slug for _label, slug in rows] == ["brand-new", "courier-no-call", "extra-000", "extra-001"]
    page = html_lib.unescape(client.get("/authoring/?kind=case").get_data(as_text=True))
    new_row = page.split("<code>brand-new</code>", 1)[1].split("</tr>", 1)[0]
    assert "—" in new_row and "draft" in new_row and "history" not in new_row
    broken_row = page.split("<code>extra-000</code>", 1)[1].split("</tr>", 1)[0]
    assert "version 1" in broken_row and re.search(r"\d+ error\(s\)", broken_row)


def test_used_in_is_what_the_published_versions_name_now(app, client, runner, trainer, tmp_path):
    runner.invoke(args=["content", "import", str(write_content(tmp_path / "a", 3, ["extra-000", "extra-001"]))])

    def used(kind: str, slug: str) -> str:
        page = html_lib.unescape(client.get(f"/authoring/?kind={kind}&q={slug}").get_data(as_text=True))
        return page.split(f"<code>{slug}</code>", 1)[1].split("</tr>", 1)[0]

    assert 'Course <a href="/authoring/course/complaint-handling">' in used("case", "extra-001")
    assert "complaint-handling" not in used("case", "extra-002")
    assert 'Case <a href="/authoring/case/extra-002"><code>extra-002</code></a>' in used("quiz", "extra-002")
    # a new version of the course without the case: the case is no longer used; the old version's links stay
    runner.invoke(args=["content", "import", str(write_content(tmp_path / "b", 3, ["extra-000", "extra-002"]))])
    assert "complaint-handling" not in used("case", "extra-001")
    assert 'href="/authoring/course/complaint-handling"' in used("case", "extra-002")
    assert db.session.scalar(select(ContentLink.id).where(ContentLink.slug == "extra-001", ContentLink.kind == "case"))
    # the quiz editor names the cases checking the quiz from the same links
    assert [(k, s) for k, s, _exists in authoring.linked_items("quiz", "extra-002", None)] == [("case", "extra-002")]


def test_the_migration_gives_stored_versions_the_links_a_new_version_gets(tmp_path):
    """Versions stored before content_links existed get their links from their data: the same rows as
    storing them writes now (downgraded past the table and upgraded again, on a database of its own)."""
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.content.models import ContentLink
    from tests.conftest import _config

    app = create_app(_config(f"sqlite:///{tmp_path / 'migrated.db'}"))
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(
            args=["content", "import", str(write_content(tmp_path / "c", 3, ["extra-000", "extra-002"]))]
        )
        assert result.exit_code == 0, result.output
        links = select(ContentLink.version_id, ContentLink.kind, ContentLink.slug).order_by(ContentLink.id)
        written = db.session.execute(links).all()
        assert ("case", "extra-002") in {(k, s) for _v, k, s in written} and len(written) == 2 + 4
        db.session.remove()
        downgrade(revision="4a313178967d")
        upgrade()
        assert sorted(db.session.execute(links).all()) == sorted(written)
        db.session.remove()
        db.engine.dispose()
