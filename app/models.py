"""Imports every model module so the metadata (and Alembic) sees all tables."""

from app.core.audit import AuditEntry  # noqa: F401
from app.people.models import Department, User, UserRole  # noqa: F401
