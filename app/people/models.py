"""People, their roles and the department tree."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.audit import utcnow
from app.core.permissions import Role
from app.extensions import db

PATH_SEPARATOR = "/"
SESSION_ID_SEPARATOR = ":"


def _own_name(context) -> str:
    return context.get_current_parameters().get("name") or ""


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # "Region/Branch/Team": kept by the people services on every create, rename and move, so a page
    # listing departments reads their paths with the rows themselves.
    path: Mapped[str] = mapped_column(Text, default=_own_name, server_default="")

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent", order_by="Department.name")

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def snapshot(self) -> dict:
        return {"name": self.name, "parent_id": self.parent_id, "archived": self.archived}

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name!r}>"


class DepartmentTree(db.Model):
    """The department tree as a closure table: one row for every department and each department at or
    above it (``depth`` 0 for itself, 1 for its parent, ...). Written only by the people services, so a
    subtree or a chain of parents is one indexed read the database can join on."""

    __tablename__ = "department_tree"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True, index=True)
    depth: Mapped[int] = mapped_column(Integer)


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("email"),
        # active too: a report's headcount per department is read from the index alone
        Index("ix_users_department_active", "department_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
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
        known = self.__dict__.get("_known_roles")  # read with the person at sign-in (see keep_role_names)
        return set(known) if known is not None else {r.role for r in self.roles}

    def keep_role_names(self, names) -> None:
        """The person's role names as read in the same statement as the person (the signed-in person on
        every page), so that checking them loads no role rows; :meth:`set_roles` forgets them."""
        self.__dict__["_known_roles"] = frozenset(names)

    def has_role(self, *roles: Role | str) -> bool:
        return bool({str(r) for r in roles} & self.role_names)

    def set_roles(self, roles) -> None:
        self.__dict__.pop("_known_roles", None)
        wanted = {str(r) for r in roles}
        self.roles[:] = [r for r in self.roles if r.role in wanted]
        for role in sorted(wanted - self.role_names):
            self.roles.append(UserRole(role=role))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

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
            "locale": self.locale,
        }

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


def password_hash_method() -> str:
    """The configured method for new password hashes (full-cost scrypt unless a test run lowers it)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
