"""The department tree as a closure table: it always matches a walk of departments.parent_id."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.extensions import db
from app.people import csvio, services
from app.people.models import Department, DepartmentTree


def _walked() -> tuple[set[tuple[int, int, int]], dict[int, str]]:
    """(ancestor, descendant, depth) links and paths worked out by walking parent_id in Python."""
    rows = {d.id: (d.name, d.parent_id) for d in db.session.scalars(select(Department))}
    links, paths = set(), {}
    for dept in rows:
        node, depth, names = dept, 0, []
        while node is not None:
            links.add((node, dept, depth))
            names.append(rows[node][0])
            node, depth = rows[node][1], depth + 1
        paths[dept] = "/".join(reversed(names))
    return links, paths


def _stored() -> tuple[set[tuple[int, int, int]], dict[int, str]]:
    links = set(
        db.session.execute(select(DepartmentTree.ancestor_id, DepartmentTree.descendant_id, DepartmentTree.depth))
    )
    return {tuple(r) for r in links}, dict(db.session.execute(select(Department.id, Department.path)).all())


def _assert_matches_parent_ids() -> None:
    db.session.expire_all()
    assert _stored() == _walked()


def _tree():
    a = services.create_department(None, "A", None)
    b = services.create_department(None, "B", a)
    c = services.create_department(None, "C", b)
    d = services.create_department(None, "D", c)
    e = services.create_department(None, "E", a)
    f = services.create_department(None, "F", None)
    db.session.commit()
    return a, b, c, d, e, f


def test_create_writes_a_row_for_each_department_above(app):
    a, b, c, d, e, f = _tree()
    _assert_matches_parent_ids()
    assert services.ancestor_ids(d.id) == [d.id, c.id, b.id, a.id]
    assert services.subtree_ids(b.id) == {b.id, c.id, d.id}
    assert d.path == "A/B/C/D"


def test_moving_a_subtree_relinks_and_repaths_every_department_below(app):
    a, b, c, d, e, f = _tree()
    services.update_department(None, b, "B2", f)  # B, C and D move from A to F, and B is renamed
    db.session.commit()
    _assert_matches_parent_ids()
    assert services.subtree_ids(a.id) == {a.id, e.id}
    assert services.subtree_ids(f.id) == {f.id, b.id, c.id, d.id}
    assert [db.session.get(Department, x.id).path for x in (b, c, d)] == ["F/B2", "F/B2/C", "F/B2/C/D"]
    services.update_department(None, c, "C", None)  # to the top level
    db.session.commit()
    _assert_matches_parent_ids()
    assert services.ancestor_ids(d.id) == [d.id, c.id] and db.session.get(Department, d.id).path == "C/D"


def test_a_move_under_its_own_subtree_or_too_deep_is_refused(app):
    app.config["DEPARTMENT_MAX_DEPTH"] = 4
    a, b, c, d, e, f = _tree()
    with pytest.raises(DomainError, match="under itself"):
        services.update_department(None, b, "B", d)
    with pytest.raises(DomainError, match="at most 4 levels"):
        services.update_department(None, b, "B", e)  # E is at level 2, B's subtree 3 levels high
    with pytest.raises(DomainError, match="at most 4 levels"):
        services.create_department(None, "Below D", d)
    db.session.rollback()
    _assert_matches_parent_ids()


def test_archiving_leaves_the_tree_as_it_is(app):
    a, b, c, d, e, f = _tree()
    before = _stored()
    services.set_department_archived(None, b, True)
    db.session.commit()
    assert all(db.session.get(Department, x.id).archived for x in (b, c, d))
    assert not db.session.get(Department, a.id).archived
    assert _stored() == before


def test_an_import_creates_the_departments_of_its_paths_in_the_tree(app):
    text = (
        "email,name,department,roles\nx@example.com,X,North/City/Office,employee\ny@example.com,Y,North/Town,employee\n"
    )
    plan = csvio.plan_import(text, None)
    csvio.apply_import(plan, None)
    db.session.commit()
    _assert_matches_parent_ids()
    paths = set(db.session.scalars(select(Department.path)))
    assert paths == {"North", "North/City", "North/City/Office", "North/Town"}


def test_a_deep_tree_and_a_rebuild_from_parent_ids_agree(app):
    app.config["DEPARTMENT_MAX_DEPTH"] = 40
    parent = None
    for level in range(40):
        parent = services.create_department(None, f"L{level}", parent)
    db.session.commit()
    _assert_matches_parent_ids()
    written = _stored()
    services.rebuild_tree()
    db.session.commit()
    assert _stored() == written
    assert len(services.ancestor_ids(parent.id)) == 40


def test_scoped_lists_join_on_the_subtree(app, make_user):
    a, b, c, d, e, f = _tree()
    hr = make_user("hr", email="hr@example.com")
    services.set_scope(None, hr, b)
    inside = make_user("employee", email="in@example.com", department=d)
    outside = make_user("employee", email="out@example.com", department=e)
    db.session.commit()
    from app.people.models import User

    listed = set(db.session.scalars(services.scoped(select(User.id), User.department_id, hr)))
    assert inside.id in listed and outside.id not in listed and hr.id not in listed
    assert services.in_scope(hr, d.id) and not services.in_scope(hr, e.id) and not services.in_scope(hr, None)


def test_a_scoped_hr_persons_pages_cost_the_same_however_large_the_subtree(client, auth, make_user):
    from tests.test_queries import statements_for

    region = services.create_department(None, "Регион", None)
    hr = make_user("hr", email="hr@example.com")
    services.set_scope(None, hr, region)
    db.session.commit()

    def grow(first: int, extra: int) -> None:
        parent = region
        for n in range(first, first + extra):  # a chain, so the subtree grows deeper as well as larger
            parent = services.create_department(None, f"Отдел {n}", parent if n % 2 else region)
            make_user("employee", department=parent, email=f"p{n}@example.com")
        db.session.commit()

    grow(0, 2)
    auth.login("hr@example.com")
    pages = ("/people", "/departments", "/reports/", "/shop/review", f"/reports/departments/{region.id}")
    few = {path: statements_for(client, path) for path in pages}
    grow(2, 10)
    assert {path: statements_for(client, path) for path in pages} == few
    assert "Регион/Отдел 10/Отдел 11" in client.get("/people").get_data(as_text=True)


def test_department_choices_list_the_tree_depth_first_siblings_by_name_archived_on_request(app):
    north = services.create_department(None, "Север", None)
    moscow = services.create_department(None, "Москва", None)
    services.create_department(None, "Тверская", moscow)
    arbat = services.create_department(None, "Арбат", moscow)
    services.create_department(None, "Касса", arbat)
    services.create_department(None, "Мурманск", north)
    db.session.commit()
    services.set_department_archived(None, arbat, True)
    db.session.commit()
    every = [path for _id, path in services.department_choices(include_archived=True)]
    assert every == ["Москва", "Москва/Арбат", "Москва/Арбат/Касса", "Москва/Тверская", "Север", "Север/Мурманск"]
    # an archived department leaves the choices, and so does what lies below it (archived with it)
    assert [path for _id, path in services.department_choices()] == [
        "Москва",
        "Москва/Тверская",
        "Север",
        "Север/Мурманск",
    ]


def test_the_departments_page_renders_with_csrf_protection_off(make_app, make_user):
    """Each row's archive form carries the token rendered once for the page; with CSRF protection switched
    off (as the statement-count benchmark runs the app) there is no token, and the page still renders."""
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        region = services.create_department(None, "Регион", None)
        db.session.commit()
        services.create_department(None, "Филиал", region)
        db.session.commit()
        make_user("admin", email="root@example.com")
        client = app.test_client()
        assert (
            client.post("/login", data={"email": "root@example.com", "password": "secret-password-1"}).status_code
            == 302
        )
        page = client.get("/departments")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert "Филиал" in body and len(re.findall(r'action="/departments/\d+/archive"', body)) == 2
