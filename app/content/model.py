"""Plain dataclasses for parsed content; the parser produces them, everything else reads them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("skills", "course", "case", "quiz", "checklist")
FOLDERS = {"courses": "course", "cases": "case", "quizzes": "quiz", "checklists": "checklist"}


def N_(message: str) -> str:  # noqa: N802 - the marker gettext tools look for
    """Mark a message for translation; it is translated where it is shown (the editor), not here."""
    return message


class Message(str):
    """A message that is its English text (printed, compared and stored as such) and can also be shown
    in the reader's language: ``msgid`` marked with N_, filled from ``params``."""

    def __new__(cls, msgid: str, **params: Any) -> Message:
        obj = super().__new__(cls, msgid % params if params else msgid)
        obj.msgid, obj.params = msgid, params
        return obj

    def translated(self) -> str:
        from app.core.i18n import gettext

        return gettext(self.msgid, **self.params) if self.params else gettext(self.msgid)


@dataclass
class Problem:
    """An error that makes a file unusable, at a line. ``message`` is the English text (the command line
    prints it); it is built from ``msgid`` and ``params`` so that the editor can show it translated."""

    path: str
    line: int
    message: str
    params: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.msgid = self.message
        if self.params:
            self.message = self.message % self.params
        # one problem, one line: a value quoted in a message may hold a line break
        self.message = " ".join(self.message.splitlines())

    def translated(self) -> str:
        """The message in the reader's language (needs an application context)."""
        from app.core.i18n import gettext

        text = gettext(self.msgid, **self.params) if self.params else gettext(self.msgid)
        return " ".join(text.splitlines())

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Skill:
    id: str
    title: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    line: int = 1


@dataclass
class ChoiceOption:
    text: str
    best: bool
    feedback: str = ""


@dataclass
class ChoiceBlock:
    prompt: str
    options: list[ChoiceOption]
    line: int = 0


@dataclass
class Option:
    text: str
    correct: bool
    feedback: str = ""


@dataclass
class Question:
    key: str  # stable within a quiz version: q1, q2, ...
    prompt: str  # the heading text
    text: str = ""  # extra prompt Markdown under the heading
    skill: str | None = None
    points: float = 1.0
    type: str = "single"  # single | multiple | order
    scoring: str = "all"  # all | partial
    options: list[Option] = field(default_factory=list)
    explanation: str = ""
    line: int = 0
    skill_line: int = 0

    @property
    def correct_indexes(self) -> list[int]:
        return [i for i, o in enumerate(self.options) if o.correct]


@dataclass
class ChecklistItem:
    id: str
    text: str
    skill: str | None = None
    points: float = 1.0
    critical: bool = False
    line: int = 0


@dataclass
class ChecklistSection:
    title: str
    weight: float = 1.0
    description: str = ""
    items: list[ChecklistItem] = field(default_factory=list)
    line: int = 0


@dataclass
class Document:
    """What every kind shares: the front matter and the Markdown body."""

    kind: str
    id: str
    title: str
    lang: str | None = None
    skills: list[str] = field(default_factory=list)
    body: str = ""
    path: str = ""
    source: str = ""
    meta_lines: dict[str, int] = field(default_factory=dict)
    rel_path: str = ""  # where the file lives under the content directory, kept for export

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("source", "meta_lines", "path", "rel_path"):
            data.pop(key, None)
        return data


@dataclass
class Course(Document):
    cases: list[str] = field(default_factory=list)


@dataclass
class Case(Document):
    minutes: int | None = None
    quiz: str | None = None
    choices: list[ChoiceBlock] = field(default_factory=list)


@dataclass
class Quiz(Document):
    pass_percent: float = 80.0
    max_attempts: int = 0
    shuffle: bool = False
    time_limit_min: float = 0
    intro: str = ""
    questions: list[Question] = field(default_factory=list)

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)


@dataclass
class Checklist(Document):
    channel: str = ""
    pass_percent: float = 80.0
    on_critical: str = "zero"
    brief: str = ""
    sections: list[ChecklistSection] = field(default_factory=list)

    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]


@dataclass
class SkillSet:
    skills: list[Skill] = field(default_factory=list)
    path: str = ""
    source: str = ""
    rel_path: str = "skills.yml"

    def ids(self) -> set[str]:
        return {s.id for s in self.skills}


def from_dict(kind: str, data: dict) -> Document:
    """Rebuild a dataclass tree from ``to_dict()`` output (as stored with each version)."""
    data = dict(data)
    data.pop("kind", None)
    if kind == "quiz":
        data["questions"] = [
            Question(**{**q, "options": [Option(**o) for o in q["options"]]}) for q in data.get("questions", [])
        ]
        return Quiz(kind=kind, **data)
    if kind == "case":
        data["choices"] = [
            ChoiceBlock(**{**c, "options": [ChoiceOption(**o) for o in c["options"]]}) for c in data.get("choices", [])
        ]
        return Case(kind=kind, **data)
    if kind == "checklist":
        data["sections"] = [
            ChecklistSection(**{**s, "items": [ChecklistItem(**i) for i in s["items"]]})
            for s in data.get("sections", [])
        ]
        return Checklist(kind=kind, **data)
    if kind == "course":
        return Course(kind=kind, **data)
    raise ValueError(kind)
