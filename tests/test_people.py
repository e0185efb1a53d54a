from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.extensions import db
from app.people import services
from app.people.models import Department, User
from tests.conftest import post_form


def _login_hr(auth, make_user, *roles):
    user = make_user(*(roles or ("hr",)), email="hr@example.com")
    auth.login("hr@example.com")
    return user


def test_department_tree_create_rename_move_archive(client, auth, make_user):
    _login_hr(auth, make_user)
    r = post_form(client, "/departments/new", {"name": "Москва", "parent": 0})
    assert r.status_code == 302
    moscow = db.session.scalars(select(Department).where(Department.name == "Москва")).one()
    post_form(client, "/departments/new", {"name": "Тверская", "parent": moscow.id})
    post_form(client, "/departments/new", {"name": "Питер", "parent": 0})
    tverskaya = db.session.scalars(select(Department).where(Department.name == "Тверская")).one()
    post_form(client, "/departments/new", {"name": "Касса", "parent": tverskaya.id})
    kassa = db.session.scalars(select(Department).where(Department.name == "Касса")).one()
    assert kassa.path == "Москва/Тверская/Касса"

    # rename and move Тверская under Питер
    piter = db.session.scalars(select(Department).where(Department.name == "Питер")).one()
    r = post_form(client, f"/departments/{tverskaya.id}/edit", {"name": "Невский", "parent": piter.id})
    assert r.status_code == 302
    db.session.refresh(kassa)
    assert kassa.path == "Питер/Невский/Касса"

    # archive keeps the rows and hides them from the tree
    r = post_form(client, f"/departments/{piter.id}/archive", {}, page_url="/departments")
    assert r.status_code == 302
    db.session.refresh(kassa)
    assert kassa.archived and db.session.get(Department, piter.id).archived
    page = client.get("/departments").get_data(as_text=True)
    assert "Невский" not in page and "Москва" in page
    assert "Невский" in client.get("/departments?archived=1").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "department")).all()
    assert {"department.create", "department.update", "department.archive"} <= set(actions)


def test_department_cannot_move_under_itself(client, auth, make_user):
    hr = _login_hr(auth, make_user)
    a = services.create_department(hr, "A", None)
    b = services.create_department(hr, "B", a)
    db.session.commit()
    r = post_form(client, f"/departments/{a.id}/edit", {"name": "A", "parent": b.id})
    assert "cannot be moved under itself" in r.get_data(as_text=True)
    db.session.refresh(a)
    assert a.parent_id is None


def test_a_department_path_ends_even_on_a_cycle_written_past_the_services(app):
    a = services.create_department(None, "A", None)
    b = services.create_department(None, "B", a)
    c = services.create_department(None, "C", b)
    db.session.commit()
    a_id, c_id = a.id, c.id
    db.session.execute(db.update(Department).where(Department.id == a_id).values(parent_id=c_id))
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(Department, c_id).path == "A/B/C"


def test_the_tree_follows_every_change_made_through_the_services(app):
    a = services.create_department(None, "A", None)
    db.session.commit()
    assert services.subtree_ids(a.id) == {a.id}
    b = services.create_department(None, "B", a)  # not committed yet: seen in the same transaction
    assert services.subtree_ids(a.id) == {a.id, b.id}
    c = services.create_department(None, "C", None)
    db.session.commit()
    assert services.subtree_ids(a.id) == {a.id, b.id}
    services.update_department(None, c, "C", b)  # a move: C is now below A and B
    assert services.subtree_ids(a.id) == {a.id, b.id, c.id} and c.path == "A/B/C"
    db.session.rollback()
    assert services.subtree_ids(a.id) == {a.id, b.id}
    assert services.ancestor_ids(c.id) == [c.id] and db.session.get(Department, c.id).path == "C"


def test_duplicate_sibling_department_is_refused(client, auth, make_user):
    _login_hr(auth, make_user)
    post_form(client, "/departments/new", {"name": "Москва", "parent": 0})
    r = post_form(client, "/departments/new", {"name": "москва", "parent": 0})
    assert "already a department with this name" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Department.id))) == 1


def test_department_name_with_slash_is_refused(client, auth, make_user):
    _login_hr(auth, make_user)
    r = post_form(client, "/departments/new", {"name": "A/B", "parent": 0})
    assert r.status_code == 200
    assert db.session.scalar(select(func.count(Department.id))) == 0


def test_create_edit_person_and_roles_are_audited(client, auth, make_user):
    hr = _login_hr(auth, make_user)
    dept = services.create_department(hr, "Касса", None)
    db.session.commit()
    r = post_form(
        client,
        "/people/new",
        {"name": "Мария Петрова", "email": "Maria@Example.com", "department": dept.id, "roles": ["employee"]},
    )
    assert r.status_code == 302
    maria = db.session.scalars(select(User).where(User.email == "maria@example.com")).one()
    assert maria.department_id == dept.id and maria.role_names == {"employee"}
    r = post_form(
        client,
        f"/people/{maria.id}/edit",
        {
            "name": "Мария Петрова",
            "email": "maria@example.com",
            "department": dept.id,
            "roles": ["employee", "shopper"],
        },
    )
    assert r.status_code == 302
    db.session.refresh(maria)
    assert maria.role_names == {"employee", "shopper"}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.roles")).one()
    assert entry.actor_id == hr.id
    assert entry.before == {"roles": ["employee"]} and entry.after == {"roles": ["employee", "shopper"]}
    assert "user.roles" in client.get("/audit").get_data(as_text=True)


def test_duplicate_email_is_refused_and_double_submit_creates_one(client, auth, make_user):
    _login_hr(auth, make_user)
    data = {"name": "Иван Иванов", "email": "ivan@example.com", "department": 0, "roles": ["employee"]}
    assert post_form(client, "/people/new", data).status_code == 302
    again = post_form(client, "/people/new", data)
    assert "already exists" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "ivan@example.com")) == 1


def test_an_over_long_email_is_refused_for_its_length_alone(client, auth, make_user):
    _login_hr(auth, make_user)
    data = {"name": "Иван Иванов", "email": "x" * 200_000 + "@example.com", "department": 0, "roles": ["employee"]}
    page = post_form(client, "/people/new", data).get_data(as_text=True)
    assert "254" in page  # the length is what is wrong with it, and the one thing said about it
    assert "Invalid email address" not in page
    assert db.session.scalar(select(func.count(User.id)).where(User.email.like("xxx%"))) == 0


def test_hr_cannot_grant_admin_but_admin_can(client, auth, make_user):
    _login_hr(auth, make_user)
    person = make_user("employee", email="p@example.com")
    data = {"name": person.name, "email": person.email, "department": 0, "roles": ["employee", "admin"]}
    r = post_form(client, f"/people/{person.id}/edit", data)
    assert "Only an administrator" in r.get_data(as_text=True)
    db.session.refresh(person)
    assert person.role_names == {"employee"}
    auth.logout()
    make_user("admin", email="boss@example.com")
    auth.login("boss@example.com")
    assert post_form(client, f"/people/{person.id}/edit", data).status_code == 302
    db.session.refresh(person)
    assert "admin" in person.role_names


def test_deactivate_blocks_sign_in_and_keeps_the_person(client, auth, make_user):
    _login_hr(auth, make_user)
    person = make_user("employee", email="p@example.com")
    r = post_form(client, f"/people/{person.id}/active", {}, page_url=f"/people/{person.id}/edit")
    assert r.status_code == 302
    db.session.refresh(person)
    assert person.active is False
    auth.logout()
    assert auth.login("p@example.com").status_code == 200
    assert db.session.get(User, person.id) is not None


def test_cannot_deactivate_oneself(client, auth, make_user):
    hr = _login_hr(auth, make_user)
    post_form(client, f"/people/{hr.id}/active", {}, page_url=f"/people/{hr.id}/edit")
    db.session.refresh(hr)
    assert hr.active


def test_reset_link_is_issued_from_the_person_page(client, auth, make_user):
    _login_hr(auth, make_user)
    person = make_user("employee", email="p@example.com")
    r = post_form(client, f"/people/{person.id}/reset-link", {}, page_url=f"/people/{person.id}/edit")
    assert r.status_code == 200 and "/reset/" in r.get_data(as_text=True)


def test_people_list_is_paginated_and_searchable(client, auth, make_user):
    _login_hr(auth, make_user)
    for i in range(30):
        services.create_user(None, f"p{i:02d}@example.com", f"Сотрудник {i:02d}", None, ["employee"])
    db.session.commit()
    first = client.get("/people").get_data(as_text=True)
    assert "p00@example.com" in first and "p29@example.com" not in first
    assert 'rel="next"' in first
    second = client.get("/people?page=2").get_data(as_text=True)
    assert "p29@example.com" in second
    found = client.get("/people?q=P07").get_data(as_text=True)
    assert "p07@example.com" in found and "p08@example.com" not in found
    # a search longer than any name or email is refused with the reason, not a database error
    refused = client.get("/people?q=" + "я" * 30_000)
    assert refused.status_code == 400 and "A search is at most 300 characters long." in refused.get_data(as_text=True)
    assert client.get("/people?q=" + "я" * 300).status_code == 200


def test_employee_is_refused_people_pages(client, auth, make_user):
    make_user("employee", email="e@example.com")
    auth.login("e@example.com")
    assert client.get("/people").status_code == 403
    assert client.get("/people/export.csv").status_code == 403
    assert client.get("/audit").status_code == 403


def test_department_paths_come_from_one_read_and_follow_every_change(app):
    from sqlalchemy import event

    region = services.create_department(None, "Регион", None)
    branch = services.create_department(None, "Филиал", region)
    teams = [services.create_department(None, f"Команда {n}", branch) for n in range(5)]
    db.session.commit()
    ids = [t.id for t in teams]
    db.session.expunge_all()
    teams = [db.session.get(Department, i) for i in ids]
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert [t.path for t in teams] == [f"Регион/Филиал/Команда {n}" for n in range(5)]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []  # each path is read with its department's row
    parent = db.session.get(Department, teams[0].parent_id)
    services.update_department(None, parent, "Отделение", parent.parent)  # a rename: every path below follows
    assert [t.path for t in teams] == [f"Регион/Отделение/Команда {n}" for n in range(5)]
    db.session.commit()
    db.session.expunge_all()
    assert db.session.get(Department, ids[1]).path == "Регион/Отделение/Команда 1"


def _tree_names(html: str) -> list[str]:
    import re

    return re.findall(r'<td class="depth-\d">([^<]+?)(?: <small>|</td>)', html)


def test_departments_are_found_by_part_of_a_name_with_the_departments_above(client, auth, make_user):
    """A search keeps each department found in its place: the departments above it are listed too, in
    tree order, and nothing else; in any case, Cyrillic too, for a scoped HR person within their scope."""
    hr = _login_hr(auth, make_user)
    moscow = services.create_department(hr, "Москва", None)
    tverskaya = services.create_department(hr, "Тверская", moscow)
    services.create_department(hr, "Касса", tverskaya)
    services.create_department(hr, "Зал", tverskaya)
    arbat = services.create_department(hr, "Арбат", moscow)
    services.create_department(hr, "Касса у входа", arbat)
    piter = services.create_department(hr, "Питер", None)
    services.create_department(hr, "Невский", piter)
    db.session.commit()
    assert _tree_names(client.get("/departments").get_data(as_text=True)) == [
        "Москва",
        "Арбат",
        "Касса у входа",
        "Тверская",
        "Зал",
        "Касса",
        "Питер",
        "Невский",
    ]
    found = client.get("/departments?q=КАСС").get_data(as_text=True)
    assert _tree_names(found) == ["Москва", "Арбат", "Касса у входа", "Тверская", "Касса"]
    assert 'value="КАСС"' in found and "Clear the filter" in found
    assert _tree_names(client.get("/departments?q=невск").get_data(as_text=True)) == ["Питер", "Невский"]
    nothing = client.get("/departments?q=Казань").get_data(as_text=True)
    assert _tree_names(nothing) == [] and "No department’s name contains this." in nothing

    scoped = make_user("hr", email="scoped@example.com", department=tverskaya)
    services.set_scope(make_user("admin"), scoped, tverskaya)
    db.session.commit()
    auth.logout()
    auth.login("scoped@example.com")
    assert _tree_names(client.get("/departments?q=касс").get_data(as_text=True)) == ["Тверская", "Касса"]
    assert _tree_names(client.get("/departments?q=ЗАЛ").get_data(as_text=True)) == ["Тверская", "Зал"]
