"""People and department operations: every change goes through here and into the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Text, delete, false, func, insert, literal, or_, select, text, update
from sqlalchemy.orm import aliased

from app.core import audit, signals
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.core.permissions import Role
from app.core.rows import rows
from app.extensions import db
from app.people.models import PATH_SEPARATOR, Department, DepartmentTree, User, UserRole
from app.people.passwords import check_new_password

# The column sizes of users.name, users.email and departments.name: longer values are refused with a
# message before they reach the database (PostgreSQL would refuse them with an error page).
NAME_MAX = 200
EMAIL_MAX = 254
DEPARTMENT_NAME_MAX = 200


# ---------------------------------------------------------------- departments
# The tree is held in one place the database can join on: the closure table department_tree, with a row
# for every department and each department at or above it, and each department's path in its row.
# Both are written here only, on create and move; rebuild_tree() fills them from parent_id.
def subtree_select(dept_id: int):
    """A select of the ids of ``dept_id`` and every department below it, to use as a subquery."""
    return select(DepartmentTree.descendant_id).where(DepartmentTree.ancestor_id == dept_id)


def subtree_ids(dept_id: int, connection=None) -> set[int]:
    """The department and every department below it, in one query (through ``connection`` when given)."""
    return set((connection or db.session).scalars(subtree_select(dept_id)))


def ancestor_ids(dept_id: int | None) -> list[int]:
    """The department and every department above it, nearest first, in one query."""
    if dept_id is None:
        return []
    return list(
        db.session.scalars(
            select(DepartmentTree.ancestor_id)
            .where(DepartmentTree.descendant_id == dept_id)
            .order_by(DepartmentTree.depth)
        )
    )


def subtrees_ids(roots) -> set[int]:
    """The departments in the subtrees of ``roots``, in one query."""
    stmt = select(DepartmentTree.descendant_id).where(DepartmentTree.ancestor_id.in_(sorted(set(roots))))
    return set(db.session.scalars(stmt.distinct()))


def ancestors_of(dept_ids, connection=None) -> dict[int, list[int]]:
    """For each of ``dept_ids`` (None: every department): the department and every department above it,
    nearest first; one query."""
    stmt = select(DepartmentTree.descendant_id, DepartmentTree.ancestor_id)
    out: dict[int, list[int]] = {}
    if dept_ids is not None:
        wanted = sorted({d for d in dept_ids if d is not None})
        out = {d: [] for d in wanted}
        if not wanted:
            return out
        stmt = stmt.where(DepartmentTree.descendant_id.in_(wanted))
    stmt = stmt.order_by(DepartmentTree.descendant_id, DepartmentTree.depth)
    for dept, above in (connection or db.session).execute(stmt):
        out.setdefault(dept, []).append(above)
    return out


def child_ids(dept_id: int | None) -> list[int]:
    """The departments directly below ``dept_id`` (None: the top-level ones), by name."""
    parent = Department.parent_id.is_(None) if dept_id is None else Department.parent_id == dept_id
    return list(db.session.scalars(select(Department.id).where(parent).order_by(Department.name)))


def is_below(dept_id: int, ancestor_id: int) -> bool:
    """True if ``dept_id`` is ``ancestor_id`` or lies in its subtree: one lookup by primary key."""
    link = select(DepartmentTree.depth).where(
        DepartmentTree.ancestor_id == ancestor_id, DepartmentTree.descendant_id == dept_id
    )
    return db.session.scalar(link) is not None


def rebuild_tree(connection=None) -> None:
    """Fill department_tree and every path from departments.parent_id: for departments written in bulk
    (the large demo) or straight into the table. A cycle of parents is not followed."""
    from app.people.tree_sql import FILL_PATHS, FILL_TREE

    conn = connection or db.session
    conn.execute(delete(DepartmentTree))
    conn.execute(text(FILL_TREE))
    conn.execute(text(FILL_PATHS))


def flatten(roots: list, children) -> list[tuple]:
    """Depth-first list of (node, depth), walked with a stack: a tree written past the services, however
    deep, cannot exhaust Python's recursion limit, and a cycle is walked once. ``children`` gives a
    node's children."""
    out: list[tuple] = []
    seen: set[int] = set()
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children(node)))
    return out


def _tree_rows(*columns) -> list[tuple]:
    """(row, depth) for every department in tree order (depth first, siblings by name), each row of its
    id, its parent's and ``columns``: plain rows, not ORM objects linked in memory (20 ms on the 500
    departments of a large company)."""
    found = rows(select(Department.id, Department.parent_id, *columns).order_by(Department.name)).all()
    below: dict[int | None, list] = {}
    for row in found:
        below.setdefault(row.parent_id, []).append(row)
    return flatten(below.get(None, []), lambda row: below.get(row.id, []))


def department_choices(include_archived: bool = False) -> list[tuple[int, str]]:
    """(id, full path) pairs for select fields, in tree order (siblings by name)."""
    walked = _tree_rows(Department.path, Department.archived_at)
    return [(row.id, row.path) for row, _depth in walked if include_archived or row.archived_at is None]


@dataclass(frozen=True)
class DepartmentRow:
    """A line of the departments page: a department, how deep it lies and its active people."""

    id: int
    name: str
    depth: int
    archived: bool
    people: int


def name_or_email_contains(words: str):
    """SQL: the person's name or email contains ``words``, in any case (Cyrillic too: SQLite's lower() is
    replaced by Python's, see app/__init__.py). The people list and the assignment form search by it."""
    like = f"%{words.lower()}%"
    return or_(func.lower(User.name).like(like), func.lower(User.email).like(like))


def department_rows(actor, include_archived: bool = False, named: str = "") -> list[DepartmentRow]:
    """The departments ``actor`` sees (their scope's, or all), in tree order, with their active people;
    with ``named``, only those whose name contains it (in any case) and the departments above them."""
    people = dict(
        db.session.execute(
            select(User.department_id, func.count(User.id)).where(User.active.is_(True)).group_by(User.department_id)
        ).all()
    )
    scope = scope_ids(actor)
    rows = [
        DepartmentRow(row.id, row.name, depth, row.archived_at is not None, people.get(row.id, 0))
        for row, depth in _tree_rows(Department.name, Department.archived_at)
        if (include_archived or row.archived_at is None) and (scope is None or row.id in scope)
    ]
    return _named(rows, named.lower()) if named else rows


def _named(rows: list[DepartmentRow], words: str) -> list[DepartmentRow]:
    """The rows whose name contains ``words`` (lower case) and, so that each keeps its place in the tree,
    the rows above them, in tree order."""
    kept: set[int] = set()
    above: list[DepartmentRow] = []  # the current row's chain of rows above it, nearest last
    for row in rows:
        while above and above[-1].depth >= row.depth:
            above.pop()
        if words in row.name.lower():
            kept.update(id(r) for r in above)
            kept.add(id(row))
        above.append(row)
    return [row for row in rows if id(row) in kept]


def max_depth() -> int:
    """How many levels the department tree may have (config ``DEPARTMENT_MAX_DEPTH``)."""
    return current_app.config["DEPARTMENT_MAX_DEPTH"]


def _too_deep() -> DomainError:
    return DomainError(_l("Departments can be at most %(n)d levels deep.", n=max_depth()), field="parent")


def path_problems(path: str) -> list[str]:
    """What is wrong with a department path such as ``Region/Branch/Team``: an empty level, a level name
    too long, more levels than the tree may have. Empty when nothing is."""
    parts = [p.strip() for p in path.split(PATH_SEPARATOR)]
    problems = []
    if any(not p for p in parts):
        problems.append(str(_l("The department path “%(path)s” has an empty level.", path=path[:300])))
    longest = max(len(p) for p in parts)
    if longest > DEPARTMENT_NAME_MAX:
        problems.append(
            str(
                _l(
                    "A department name in the path is %(n)d characters long; %(max)d at most.",
                    n=longest,
                    max=DEPARTMENT_NAME_MAX,
                )
            )
        )
    if len(parts) > max_depth():
        problems.append(
            str(_l("The department path has %(n)d levels; %(max)d at most.", n=len(parts), max=max_depth()))
        )
    return problems


def _depth(dept_id: int) -> int:
    """Levels from the top of the tree down to ``dept_id`` itself (1 for a top-level department)."""
    return db.session.scalar(select(func.count()).where(DepartmentTree.descendant_id == dept_id))


def _height(dept_id: int) -> int:
    """Levels in the subtree of ``dept_id``, itself included (1 for a department with nothing below)."""
    return (
        db.session.scalar(select(func.max(DepartmentTree.depth)).where(DepartmentTree.ancestor_id == dept_id)) or 0
    ) + 1


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("A department needs a name."), field="name")
    if PATH_SEPARATOR in name:
        raise DomainError(_l("A department name cannot contain “/”."), field="name")
    if len(name) > DEPARTMENT_NAME_MAX:
        raise DomainError(
            _l("A department name can be at most %(max)d characters long.", max=DEPARTMENT_NAME_MAX), field="name"
        )
    return name


def _check_sibling_unique(name: str, parent_id: int | None, exclude_id: int | None = None) -> None:
    stmt = select(Department.id).where(
        func.lower(Department.name) == name.lower(),
        Department.parent_id.is_(None) if parent_id is None else Department.parent_id == parent_id,
    )
    if exclude_id is not None:
        stmt = stmt.where(Department.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise DomainError(_l("There is already a department with this name here."), field="name")


def create_department(actor, name: str, parent: Department | None) -> Department:
    """Create a department under ``parent``; raises DomainError on a bad or duplicate name."""
    name = _check_name(name)
    if parent is not None and parent.archived:
        raise DomainError(_l("Cannot add a department under an archived one."), field="parent")
    check_department_in_scope(actor, parent, field="parent")
    if parent is not None and _depth(parent.id) >= max_depth():
        raise _too_deep()
    _check_sibling_unique(name, parent.id if parent else None)
    dept = Department(name=name, parent=parent, path=_path_under(parent, name))
    db.session.add(dept)
    db.session.flush()
    _link(dept.id, parent.id if parent is not None else None)
    audit.record(actor, "department.create", "department", dept.id, None, dept.snapshot())
    return dept


def update_department(actor, dept: Department, name: str, parent: Department | None) -> Department:
    """Rename and/or move a department; raises DomainError on a cycle, a duplicate name or a move that
    would make the tree deeper than it may be."""
    name = _check_name(name)
    if not in_scope(actor, dept.id):
        raise NotPermitted(_l("This department is outside your scope."))
    if parent != dept.parent:
        check_department_in_scope(actor, parent, field="parent")
    parent_id = parent.id if parent is not None else None
    if parent is not None:
        if is_below(parent.id, dept.id):
            raise DomainError(_l("A department cannot be moved under itself."), field="parent")
        if parent.id != dept.parent_id and _depth(parent.id) + _height(dept.id) > max_depth():
            raise _too_deep()
    _check_sibling_unique(name, parent_id, exclude_id=dept.id)
    before, old_path = dept.snapshot(), dept.path
    if parent_id != dept.parent_id:  # the closure table first: the flush below recomputes what hangs on it
        _move_subtree(dept.id, parent_id)
    dept.name = name
    dept.parent = parent
    db.session.flush()
    _repath_subtree(dept.id, old_path, _path_under(parent, name))
    b, a = audit.diff(before, dept.snapshot())
    if a:
        audit.record(actor, "department.update", "department", dept.id, b, a)
    return dept


def _path_under(parent: Department | None, name: str) -> str:
    return name if parent is None else f"{parent.path}{PATH_SEPARATOR}{name}"


def _link(dept_id: int, parent_id: int | None) -> None:
    """The closure rows of a new department: itself, and its parent's chain one level further down."""
    rows = select(literal(dept_id), literal(dept_id), literal(0))
    if parent_id is not None:
        above = select(DepartmentTree.ancestor_id, literal(dept_id), DepartmentTree.depth + 1)
        rows = rows.union_all(above.where(DepartmentTree.descendant_id == parent_id))
    db.session.execute(insert(DepartmentTree).from_select(["ancestor_id", "descendant_id", "depth"], rows))


def _move_subtree(dept_id: int, parent_id: int | None) -> None:
    """Move the subtree of ``dept_id`` under ``parent_id`` in the closure table: drop the links from
    outside the subtree into it, then link the new parent's chain to every department of the subtree."""
    inside = select(DepartmentTree.descendant_id).where(DepartmentTree.ancestor_id == dept_id).scalar_subquery()
    db.session.execute(
        delete(DepartmentTree)
        .where(DepartmentTree.descendant_id.in_(inside), DepartmentTree.ancestor_id.not_in(inside))
        .execution_options(synchronize_session=False)
    )
    if parent_id is None:
        return
    above, below = aliased(DepartmentTree), aliased(DepartmentTree)
    links = (
        select(above.ancestor_id, below.descendant_id, above.depth + below.depth + 1)
        .select_from(above)
        .join(below, below.ancestor_id == dept_id)
        .where(above.descendant_id == parent_id)
    )
    db.session.execute(insert(DepartmentTree).from_select(["ancestor_id", "descendant_id", "depth"], links))


def _repath_subtree(dept_id: int, old: str, new: str) -> None:
    """Give the subtree of ``dept_id`` paths starting with ``new`` instead of ``old``, in one statement."""
    if old == new:
        return
    db.session.execute(
        update(Department)
        .where(Department.id.in_(subtree_select(dept_id)))
        .values(path=literal(new, Text) + func.substr(Department.path, len(old) + 1))
        .execution_options(synchronize_session="fetch")
    )


def set_department_archived(actor, dept: Department, archived: bool) -> None:
    """Archive (with its subtree) or restore a department; people and history stay."""
    if not in_scope(actor, dept.id):
        raise NotPermitted(_l("This department is outside your scope."))
    if archived:
        nodes = db.session.scalars(select(Department).where(Department.id.in_(subtree_select(dept.id))))
        for node in nodes:
            if not node.archived:
                node.archived_at = utcnow()
        audit.record(actor, "department.archive", "department", dept.id, {"archived": False}, {"archived": True})
    else:
        if dept.parent is not None and dept.parent.archived:
            raise DomainError(_l("Restore the parent department first."))
        dept.archived_at = None
        audit.record(actor, "department.restore", "department", dept.id, {"archived": True}, {"archived": False})
    db.session.flush()


def ensure_path(actor, path: str, cache: dict[str, Department] | None = None) -> Department:
    """The department at ``Region/Branch/Team``, creating missing levels; raises DomainError if the path
    has an empty level, a name too long or too many levels."""
    problems = path_problems(path)
    if problems:
        raise DomainError(problems[0], field="department")
    parts = [p.strip() for p in path.split(PATH_SEPARATOR)]
    parent: Department | None = None
    key = ""
    for part in parts:
        key = f"{key}{PATH_SEPARATOR}{part.lower()}"
        if cache is not None and key in cache:
            parent = cache[key]
            continue
        stmt = select(Department).where(
            func.lower(Department.name) == part.lower(),
            Department.parent_id.is_(None) if parent is None else Department.parent_id == parent.id,
        )
        found = db.session.scalars(stmt).first()
        if found is None:
            found = create_department(actor, part, parent)
        parent = found
        if cache is not None:
            cache[key] = found
    assert parent is not None
    return parent


# ---------------------------------------------------------------- people
def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_person(email: str, name: str) -> None:
    """Refuse an empty name, or a name or email longer than its column holds."""
    if not (name or "").strip():
        raise DomainError(_l("A person needs a name."), field="name")
    if len(name.strip()) > NAME_MAX:
        raise DomainError(_l("A name can be at most %(max)d characters long.", max=NAME_MAX), field="name")
    if len(email) > EMAIL_MAX:
        raise DomainError(_l("An email address can be at most %(max)d characters long.", max=EMAIL_MAX), field="email")


def email_taken(email: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(User.email == normalise_email(email))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


def grantable_roles(actor) -> set[str]:
    """The roles ``actor`` may give or take away: an admin any, HR the roles below their own."""
    if actor.has_role(Role.ADMIN):
        return {str(r) for r in Role}
    if actor.has_role(Role.HR):
        return {Role.EMPLOYEE.value, Role.TRAINER.value, Role.SHOPPER.value, Role.MANAGER.value}
    return set()


# ---------------------------------------------------------------- HR scope
def scope_root(actor) -> int | None:
    """The department whose subtree ``actor`` sees and acts on: None for the whole company (administrators,
    unscoped HR, the command line and the system), else the HR person's scope department.

    The one place the HR scope is worked out: pages, exports, digests and the API all ask here."""
    if actor is None or not getattr(actor, "is_authenticated", True) or actor.has_role(Role.ADMIN):
        return None
    if not actor.has_role(Role.HR):  # a scope limits HR only (one left from a former HR role does nothing)
        return None
    return getattr(actor, "scope_department_id", None)


def scope_ids(actor) -> set[int] | None:
    """The departments ``actor`` sees (see :func:`scope_root`): None for the whole company."""
    root = scope_root(actor)
    return None if root is None else subtree_ids(root)


def in_scope(actor, department_id: int | None) -> bool:
    """True if a person or item of ``department_id`` is within what ``actor`` sees (none: only unscoped)."""
    root = scope_root(actor)
    return root is None or (department_id is not None and is_below(department_id, root))


def scoped(stmt, column, actor):
    """``stmt`` limited to rows whose department ``column`` is within ``actor``'s scope (a subquery on
    the department tree, however large the subtree)."""
    root = scope_root(actor)
    return stmt if root is None else stmt.where(column.in_(subtree_select(root)))


def check_department_in_scope(actor, department: Department | None, field: str = "department") -> None:
    """Refuse to put someone or something into a department outside ``actor``'s scope."""
    if not in_scope(actor, department.id if department is not None else None):
        raise DomainError(_l("Choose a department within your scope."), field=field)


# ---------------------------------------------------------------- a manager's team
def manager_root(actor) -> int | None:
    """The department whose subtree a manager leads: their scope department if one is set, else their own
    department; None for anyone who is not a manager, or a manager with neither (who then sees nothing)."""
    if actor is None or not getattr(actor, "is_authenticated", True) or not actor.has_role(Role.MANAGER):
        return None
    return getattr(actor, "scope_department_id", None) or getattr(actor, "department_id", None)


def leads(actor, department_id: int | None) -> bool:
    """True if ``actor`` is a manager and ``department_id`` lies in the subtree they lead."""
    root = manager_root(actor)
    return root is not None and department_id is not None and is_below(department_id, root)


def team_select(actor):
    """SQL: the ids of the departments a manager leads (none for anyone else)."""
    root = manager_root(actor)
    return subtree_select(root) if root is not None else select(Department.id).where(false())


def managers_of(department_id: int) -> list[User]:
    """The active managers whose subtree holds the department."""
    managers = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == Role.MANAGER.value, User.active.is_(True))
    ).all()
    return [m for m in managers if leads(m, department_id)]


# ---------------------------------------------------------------- who may manage whom
class NotPermitted(DomainError):
    """A person the actor may not manage: refused with 403 (or 404 when outside their scope)."""


def may_manage(actor, target: User) -> bool:
    """True if ``actor`` may manage ``target`` (see :func:`check_may_manage`)."""
    try:
        check_may_manage(actor, target)
    except DomainError:
        return False
    return True


def check_may_manage(actor, target: User) -> None:
    """Raise DomainError unless ``actor`` may reset, deactivate, edit, sign out or change the roles of
    ``target``: every role the target holds must be one the actor may grant, and a scoped HR person
    may manage only people in their department subtree. The one rule for the web pages, the CSV import
    and the API."""
    if actor is None:  # the command line and the system itself
        return
    if not target.role_names <= grantable_roles(actor):
        raise NotPermitted(_l("You cannot change someone whose role is above what you may grant."))
    if not in_scope(actor, target.department_id):
        raise NotPermitted(_l("This person is outside your scope."))


def active_admin_count() -> int:
    stmt = (
        select(func.count(func.distinct(User.id)))
        .join(User.roles)
        .where(User.active.is_(True), UserRole.role == Role.ADMIN.value)
    )
    return db.session.scalar(stmt) or 0


def _check_not_last_admin(user: User) -> None:
    if user.active and user.has_role(Role.ADMIN) and active_admin_count() <= 1:
        raise DomainError(_l("This is the last active administrator: make someone else an administrator first."))


def end_sessions(user: User) -> None:
    """End every signed-in session of ``user`` at once: each session carries the version it was signed in
    at, and a session of an older version is refused on its next request."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def sign_out_everywhere(actor, person: User) -> None:
    """End every session of ``person`` (an administrator's "sign out everywhere"); raises DomainError
    unless ``actor`` may manage them."""
    check_may_manage(actor, person)
    end_sessions(person)
    audit.record(actor, "user.sessions_ended", "user", person.id)


def check_role_grant(actor, old: set[str], new: set[str]) -> None:
    """Every role given or taken away must be one ``actor`` may grant (HR: employee, trainer, shopper)."""
    if actor is None:
        return
    changed = set(old) ^ set(new)
    if Role.ADMIN in changed and not actor.has_role(Role.ADMIN):
        raise DomainError(_l("Only an administrator can grant or remove the admin role."), field="roles")
    if changed - grantable_roles(actor):
        raise DomainError(_l("You may grant or remove only the roles employee, trainer and shopper."), field="roles")


def create_user(
    actor,
    email: str,
    name: str,
    department: Department | None,
    roles,
    password: str | None = None,
    language: str | None = None,
) -> User:
    """Create a person; raises DomainError if the email is taken, a value is too long or a role may not
    be granted."""
    email = normalise_email(email)
    _check_person(email, name)
    if email_taken(email):
        raise DomainError(_l("Someone with this email already exists."), field="email")
    roles = {str(r) for r in roles} or {Role.EMPLOYEE.value}
    check_role_grant(actor, set(), roles)
    check_department_in_scope(actor, department)
    if password:
        check_new_password(password, field="password")
    user = User(email=email, name=name.strip(), department=department, active=True, locale=language)
    user.set_roles(roles)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id, None, user.snapshot())
    return user


def update_user(
    actor, user: User, email: str, name: str, department: Department | None, roles, language: str | None = None
) -> User:
    """Edit a person's details and roles (and their language, when one is given); raises DomainError on a
    taken email, a value too long or a forbidden role change."""
    check_may_manage(actor, user)
    email = normalise_email(email)
    _check_person(email, name)
    if email_taken(email, exclude_id=user.id):
        raise DomainError(_l("Someone with this email already exists."), field="email")
    roles = {str(r) for r in roles}
    if not roles:
        raise DomainError(_l("A person needs at least one role."), field="roles")
    check_role_grant(actor, user.role_names, roles)
    if department != user.department:
        check_department_in_scope(actor, department)
    if actor is not None and actor.id == user.id and Role.ADMIN in user.role_names and Role.ADMIN not in roles:
        raise DomainError(_l("You cannot remove your own admin role."), field="roles")
    if Role.ADMIN in user.role_names and Role.ADMIN not in roles:
        _check_not_last_admin(user)
    before = user.snapshot()
    user.email = email
    user.name = name.strip()
    user.department = department
    user.set_roles(roles)
    if language:
        user.locale = language
    db.session.flush()
    b, a = audit.diff(before, user.snapshot())
    if a:
        action = "user.roles" if set(a) == {"roles"} else "user.update"
        audit.record(actor, action, "user", user.id, b, a)
    return user


def revoke_api_tokens(actor, user: User) -> None:
    """Revoke every API token ``user`` holds: the API package, which builds on this one, does it on the signal."""
    signals.access_revoked.send(user, actor=actor)


def set_user_active(actor, user: User, active: bool) -> None:
    """Deactivate (sign-in blocked, every session ended, API tokens revoked, history kept) or reactivate
    a person; reactivation brings no old session or token back."""
    if actor is not None and actor.id == user.id and not active:
        raise DomainError(_l("You cannot deactivate yourself."))
    check_may_manage(actor, user)
    if user.active == active:
        return
    if not active:
        _check_not_last_admin(user)
    user.active = active
    if not active:
        end_sessions(user)
        revoke_api_tokens(actor, user)
    db.session.flush()
    audit.record(
        actor,
        "user.activate" if active else "user.deactivate",
        "user",
        user.id,
        {"active": not active},
        {"active": active},
    )


def change_password(user: User, current: str, new: str, keep_tokens: bool = False) -> None:
    """Change one's own password, ending every session of ``user`` and, unless ``keep_tokens``, revoking
    their API tokens; raises DomainError if the current password is wrong or the new one not allowed."""
    if not user.check_password(current):
        raise DomainError(_l("The current password is not right."), field="current_password")
    check_new_password(new, field="new_password")
    user.set_password(new)
    end_sessions(user)
    if not keep_tokens:
        revoke_api_tokens(user, user)
    db.session.flush()
    audit.record(user, "user.password", "user", user.id)


def set_scope(actor, user: User, department: Department | None) -> None:
    """Limit an HR person to ``department``'s subtree (None: the whole company); only an administrator may."""
    if user.scope_department_id == (department.id if department is not None else None):
        return
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise NotPermitted(_l("Only an administrator can set an HR person's scope."))
    if department is not None and not user.has_role(Role.HR):
        raise DomainError(_l("Only HR people can be limited to a department."), field="scope")
    old = user.scope_department_id
    user.scope_department = department
    user.scope_department_id = department.id if department is not None else None
    db.session.flush()
    audit.record(
        actor,
        "user.scope",
        "user",
        user.id,
        {"scope_department_id": old},
        {"scope_department_id": user.scope_department_id},
    )
