"""Nobody acts on a person above their own role: the privilege matrix (actor x target x action).

Each refused action must be refused visibly (403, or an error on the import preview) and leave the
target exactly as it was; each allowed one must take effect.
"""

import pytest
from sqlalchemy import func, select

from app.auth.services import make_reset_token
from app.core.audit import AuditEntry
from app.core.errors import DomainError
from app.extensions import db
from app.people import services
from app.people.models import User
from tests.conftest import csrf_from, post_form

ACTORS = ["hr", "scoped_hr", "admin"]
TARGETS = ["employee", "trainer", "shopper", "hr", "admin"]
ACTIONS = ["edit", "roles", "deactivate", "reactivate", "reset_link", "csv_update"]
HR_MAY_MANAGE = {"employee", "trainer", "shopper"}


def expected_allowed(actor: str, target: str) -> bool:
    return actor == "admin" or target in HR_MAY_MANAGE


def _world(make_user, auth, actor: str, target_role: str, target_active: bool = True):
    region = services.create_department(None, "Region", None)
    shop = services.create_department(None, "Shop", region)
    db.session.commit()
    roles = {"hr": ["hr"], "scoped_hr": ["hr"], "admin": ["admin"]}[actor]
    me = make_user(*roles, email="actor@example.com", department=shop)
    if actor == "scoped_hr":
        services.set_scope(None, me, region)
        db.session.commit()
    target = make_user(target_role, email="target@example.com", department=shop, active=target_active)
    auth.login("actor@example.com")
    return target


def _state(user_id: int) -> dict:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    return {**user.snapshot(), "password_hash": user.password_hash, "scope": user.scope_department_id}


def _reset_links(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "user.reset_link", AuditEntry.object_id == str(user_id)
        )
    )


def _form(target: User, **over) -> dict:
    data = {
        "name": target.name,
        "email": target.email,
        "department": target.department_id or 0,
        "roles": sorted(target.role_names),
    }
    data.update(over)
    return data


def _import(client, text: str):
    token = csrf_from(client.get("/people/import").get_data(as_text=True))
    from io import BytesIO

    preview = client.post(
        "/people/import",
        data={"csrf_token": token, "file": (BytesIO(text.encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    confirm = client.post("/people/import/confirm", data={"csrf_token": token, "text": text})
    return preview, confirm


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("target_role", TARGETS)
@pytest.mark.parametrize("actor", ACTORS)
def test_privilege_matrix(client, auth, make_user, actor, target_role, action):
    target = _world(make_user, auth, actor, target_role, target_active=action != "reactivate")
    before = _state(target.id)
    allowed = expected_allowed(actor, target_role)
    edit_url = f"/people/{target.id}/edit"
    extra = next(r for r in ("shopper", "trainer", "employee") if r not in target.role_names)

    if action == "edit":
        r = post_form(client, edit_url, _form(target, name="Renamed Person", email="renamed@example.com"))
        changed = {"name": "Renamed Person", "email": "renamed@example.com"}
    elif action == "roles":
        r = post_form(client, edit_url, _form(target, roles=sorted(target.role_names | {extra})))
        changed = {"roles": sorted(before["roles"] + [extra])}
    elif action in ("deactivate", "reactivate"):
        r = post_form(client, f"/people/{target.id}/active", {}, page_url=edit_url)
        changed = {"active": action == "reactivate"}
    elif action == "reset_link":
        r = post_form(client, f"/people/{target.id}/reset-link", {}, page_url=edit_url)
        changed = {}
    else:
        text = f"email,name,department,roles\ntarget@example.com,Imported Name,Region/Shop,{target_role}\n"
        preview, r = _import(client, text)
        changed = {"name": "Imported Name"}

    after = _state(target.id)
    if allowed:
        if action == "reset_link":
            assert r.status_code == 200 and "/reset/" in r.get_data(as_text=True)
            assert _reset_links(target.id) == 1
        else:
            assert r.status_code == 302, r.get_data(as_text=True)
            assert {k: after[k] for k in changed} == changed
    else:
        body = r.get_data(as_text=True)
        if action == "csv_update":
            assert "above what you may grant" in preview.get_data(as_text=True)
            assert "/people/import/confirm" not in preview.get_data(as_text=True)  # nothing offered to confirm
            assert "above what you may grant" in body
        else:
            assert r.status_code == 403
            assert "above what you may grant" in body
            assert "/reset/" not in body
        assert after == before
        assert _reset_links(target.id) == 0


@pytest.mark.parametrize("target_role", TARGETS)
def test_person_page_offers_actions_only_on_people_one_may_manage(client, auth, make_user, target_role):
    target = _world(make_user, auth, "hr", target_role)
    page = client.get(f"/people/{target.id}/edit").get_data(as_text=True)
    offered = f"/people/{target.id}/reset-link" in page and f"/people/{target.id}/active" in page
    assert offered == (target_role in HR_MAY_MANAGE)
    assert ('id="submit"' in page) == (target_role in HR_MAY_MANAGE)  # the form's Save button


def test_hr_cannot_sign_in_as_an_admin_through_a_reset_link(client, auth, make_user):
    """The whole attack: HR makes a reset link for an admin, sets the password, signs in as the admin."""
    hr = make_user("hr", email="hr@example.com")
    admin = make_user("admin", email="boss@example.com")
    auth.login("hr@example.com")
    r = post_form(client, f"/people/{admin.id}/reset-link", {}, page_url=f"/people/{admin.id}/edit")
    assert r.status_code == 403 and "/reset/" not in r.get_data(as_text=True)
    with pytest.raises(DomainError):  # the service refuses too, whoever calls it
        make_reset_token(hr, admin)
    db.session.rollback()
    auth.logout()
    assert auth.login("boss@example.com", "hr-chosen-password").status_code == 200  # still refused
    assert _reset_links(admin.id) == 0


def test_hr_cannot_grant_or_remove_hr_and_admin(client, auth, make_user):
    make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    person = make_user("employee", email="p@example.com")
    refusals = {"hr": "only the roles employee, trainer and shopper", "admin": "Only an administrator"}
    for role, message in refusals.items():
        r = post_form(client, f"/people/{person.id}/edit", _form(person, roles=["employee", role]))
        assert r.status_code == 200 and message in r.get_data(as_text=True)
        assert _state(person.id)["roles"] == ["employee"]
    r = post_form(
        client,
        "/people/new",
        {"name": "New Hr", "email": "new@example.com", "department": 0, "roles": ["hr"]},
    )
    assert r.status_code == 200 and db.session.scalar(select(User).where(User.email == "new@example.com")) is None
    preview, _confirm = _import(client, "email,name,department,roles\nq@example.com,Q Q,,hr\n")
    assert "only the roles employee, trainer and shopper" in preview.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "q@example.com")) is None


def test_hr_cannot_change_their_own_account_either(client, auth, make_user):
    hr = make_user("hr", email="hr@example.com")
    auth.login("hr@example.com")
    before = _state(hr.id)
    r = post_form(client, f"/people/{hr.id}/edit", _form(hr, roles=["hr", "admin"]))
    assert r.status_code == 403
    assert _state(hr.id) == before


def test_the_last_active_admin_stays(client, auth, make_user):
    first = make_user("admin", email="first@example.com")
    second = make_user("admin", email="second@example.com")
    make_user("admin", email="gone@example.com", active=False)  # an inactive admin does not count
    auth.login("first@example.com")
    r = post_form(client, f"/people/{second.id}/active", {}, page_url=f"/people/{second.id}/edit")
    assert r.status_code == 302 and _state(second.id)["active"] is False
    # Now ``first`` is the last active admin: neither deactivated nor stripped of the role, by anyone.
    with pytest.raises(DomainError, match="last active administrator"):
        services.set_user_active(None, first, False)
    db.session.rollback()
    with pytest.raises(DomainError, match="last active administrator"):
        services.update_user(None, first, first.email, first.name, None, ["hr"])
    db.session.rollback()
    r = post_form(client, f"/people/{first.id}/edit", _form(first, roles=["hr"]))
    assert _state(first.id)["roles"] == ["admin"] and _state(first.id)["active"] is True
    # With a second active admin again, the role may be taken away from the other one.
    r = post_form(client, f"/people/{second.id}/active", {}, page_url=f"/people/{second.id}/edit")
    assert _state(second.id)["active"] is True
    r = post_form(client, f"/people/{second.id}/edit", _form(db.session.get(User, second.id), roles=["hr"]))
    assert r.status_code == 302 and _state(second.id)["roles"] == ["hr"]


def test_role_changes_are_audited(client, auth, make_user):
    make_user("admin", email="boss@example.com")
    person = make_user("employee", email="p@example.com")
    auth.login("boss@example.com")
    post_form(client, f"/people/{person.id}/edit", _form(person, roles=["employee", "hr"]))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.roles")).one()
    assert entry.before == {"roles": ["employee"]} and entry.after == {"roles": ["employee", "hr"]}


def test_a_link_made_before_a_promotion_no_longer_works(client, auth, make_user):
    """HR makes a link for an employee; an admin then makes that employee an admin: the link is dead."""
    hr = make_user("hr", email="hr@example.com")
    admin = make_user("admin", email="boss@example.com")
    person = make_user("employee", email="p@example.com")
    token = make_reset_token(hr, person)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 200  # works while HR may manage the person
    services.update_user(admin, person, person.email, person.name, None, ["employee", "admin"])
    db.session.commit()
    before = _state(person.id)
    assert client.get(f"/reset/{token}").status_code == 400
    r = post_form(
        client,
        f"/reset/{token}",
        {"new_password": "hr-chosen-password", "confirm": "hr-chosen-password"},
        page_url="/login",
    )
    assert r.status_code == 400 and _state(person.id) == before
    assert auth.login("p@example.com", "hr-chosen-password").status_code == 200  # refused
