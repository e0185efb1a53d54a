"""Imports every model module so the metadata (and Alembic) sees all tables."""

from app.content.models import ContentItem, ContentVersion  # noqa: F401
from app.core.audit import AuditEntry  # noqa: F401
from app.learning.models import Assignment, AttemptAnswer, CaseRead, CourseCompletion, QuizAttempt  # noqa: F401
from app.people.models import Department, User, UserRole  # noqa: F401
from app.shopping.models import ApiToken, Dispute, Evidence, Scorecard, ScorecardAnswer, ScorecardSection, Visit  # noqa: F401
