"""People, their roles and the department tree."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.audit import utcnow
from app.core.permissions import Role
from app.extensions import db

PATH_SEPARATOR = "/"
SESSION_ID_SEPARATOR = ":"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent", order_by="Department.name")

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def ancestors(self) -> list[Department]:
        """From the root down to the parent: walks the loaded tree, after loading in one query whatever
        part of the chain is not in the session yet (however deep the tree, one statement at most; the
        loaded ancestors are held on their children, as the session itself keeps them only weakly)."""
        self._load_chain()
        chain: list[Department] = []
        node = self.parent
        while node is not None and node is not self and node not in chain:  # a cycle stops the walk
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def _load_chain(self) -> None:
        session = object_session(self)
        if session is None:
            return
        node, seen = self, {self.id}
        while node.parent_id is not None and node.parent_id not in seen:
            held = held_parent(session, node)
            if held is not None:  # in the session already: the walk needs no query for it
                node = held
                seen.add(node.id)
                continue
            chain = select(Department).where(Department.id.in_(chain_ids_select(node.parent_id)))
            found = {d.id: d for d in session.scalars(chain)}
            while node.parent_id is not None and node.parent_id not in seen:
                parent = found.get(node.parent_id)
                set_committed_value(node, "parent", parent)
                if parent is None:
                    return
                seen.add(parent.id)
                node = parent
            return

    @property
    def path(self) -> str:
        from app.people.services import kept_path  # the services build on this module

        kept = kept_path(self)  # from the session's one read of the department rows
        return kept if kept is not None else PATH_SEPARATOR.join([d.name for d in self.ancestors()] + [self.name])

    def snapshot(self) -> dict:
        return {"name": self.name, "parent_id": self.parent_id, "archived": self.archived}

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name!r}>"


def held_parent(session, dept: Department) -> Department | None:
    """``dept``'s parent if the session holds it already (loaded on ``dept`` or in its identity map), else None."""
    return dept.__dict__.get("parent") or session.identity_map.get(identity_key(Department, dept.parent_id))


def chain_ids_select(dept_id: int):
    """A select of the ids of a department and every department above it, reading only that chain
    (a union, so a cycle of parents written past the services ends it too)."""
    up = select(Department.id, Department.parent_id).where(Department.id == dept_id).cte("chain", recursive=True)
    up = up.union(select(Department.id, Department.parent_id).join(up, Department.id == up.c.parent_id))
    return select(up.c.id)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Moved by sign-out, a password change or reset, deactivation and "sign out everywhere": a session
    # signed in at an older version is no longer accepted.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # HR limited to this department's subtree; None: the whole company.
    scope_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    scope_department: Mapped[Department | None] = relationship(foreign_keys=[scope_department_id])
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role)

    # Flask-Login refuses to sign in a user whose is_active is False.
    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        """What a signed-in session (or remember-me cookie) stores: the id and the session version, so that
        moving the version ends every session at once (Flask-Login's "alternative token"; see load_user)."""
        return f"{self.id}{SESSION_ID_SEPARATOR}{self.session_version or 0}"

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role | str) -> bool:
        return bool({str(r) for r in roles} & self.role_names)

    def set_roles(self, roles) -> None:
        wanted = {str(r) for r in roles}
        self.roles[:] = [r for r in self.roles if r.role in wanted]
        for role in sorted(wanted - self.role_names):
            self.roles.append(UserRole(role=role))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def short_name(self) -> str:
        """First name and initial, the only way shoppers see staff."""
        parts = self.name.split()
        if len(parts) < 2:
            return self.name
        return f"{parts[0]} {parts[1][0]}."

    def snapshot(self) -> dict:
        return {
            "email": self.email,
            "name": self.name,
            "department_id": self.department_id,
            "active": self.active,
            "roles": sorted(self.role_names),
        }

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
