"""Imports every model module so the metadata (and Alembic) sees all tables."""

from app.authoring.models import ContentDraft  # noqa: F401
from app.calibration.models import (  # noqa: F401
    Calibration,
    CalibrationAnswer,
    CalibrationReference,
    CalibrationResponse,
)
from app.coaching.models import Action  # noqa: F401
from app.content.models import ContentItem, ContentVersion, QuestionSkill  # noqa: F401
from app.core.audit import AuditEntry  # noqa: F401
from app.learning.models import Assignment, AttemptAnswer, CaseRead, CourseCompletion, QuizAttempt  # noqa: F401
from app.notify.models import EmailOptOut, Notice, OutboxMessage  # noqa: F401
from app.people.models import Department, User, UserRole  # noqa: F401
from app.rollups import (  # noqa: F401,E402
    CourseStatus,
    EffectMonthly,
    EffectPerson,
    ItemMonthly,
    ItemTotal,
    QuizDaily,
    QuizMonthly,
    ShopDaily,
    ShopMonthly,
    SkillDaily,
    SkillMonthly,
    SkillTotal,
)
from app.shopping.models import (  # noqa: F401
    ApiToken,
    CardAcknowledgement,
    Dispute,
    Evidence,
    Scorecard,
    ScorecardAnswer,
    ScorecardSection,
    Visit,
)
