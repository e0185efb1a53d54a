"""Load a content directory: parse every file, then check ids and references across files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.content import parser
from app.content.advice import Advice, advise
from app.content.model import FOLDERS, N_, Document, Problem, SkillSet

PATH_MAX = 300  # a version keeps the path it came from
# the id line of a front matter block that YAML could not read (the lines before it not closing the block)
WRITTEN_ID = re.compile(
    r"\A---[ \t]*\n(?:(?!---|\.\.\.).*\n)*?id:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)[\"']?[ \t]*(?:#.*)?$", re.MULTILINE
)


@dataclass
class ContentSet:
    skills: SkillSet | None = None
    documents: dict[str, dict[str, Document]] = field(
        default_factory=lambda: {"course": {}, "case": {}, "quiz": {}, "checklist": {}}
    )
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Advice] = field(default_factory=list)  # advice to authors: never blocks an import
    unreadable: dict[str, set[str]] = field(
        default_factory=lambda: {"course": set(), "case": set(), "quiz": set(), "checklist": set()}
    )

    @property
    def ok(self) -> bool:
        return not self.problems

    def all_documents(self) -> list[Document]:
        return [doc for kind in ("course", "case", "quiz", "checklist") for doc in self.documents[kind].values()]


def _files(root: Path, folder: str) -> list[Path]:
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*.md") if p.is_file())


def _display(given: str, root: Path, path: Path) -> str:
    """The path as the user would write it: the directory as given on the command line, then the rest."""
    return os.path.join(given, str(path.relative_to(root)))


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """The file's text exactly as written (BOM and line endings kept, so export is byte-identical)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.append(Problem(shown, line, N_("the file is not UTF-8 text; save it as UTF-8")))
        return None


def load_directory(directory: str, warnings: bool = True) -> ContentSet:
    """Parse and validate everything under ``directory``; every problem is collected, and (unless
    ``warnings`` is False: an import, which shows none) the author's warnings."""
    root = Path(directory)
    content = ContentSet()
    if not root.is_dir():
        content.problems.append(Problem(directory, 1, N_("no such directory")))
        return content
    skills_path = root / "skills.yml"
    if not skills_path.exists() and (root / "skills.yaml").exists():
        skills_path = root / "skills.yaml"
    if skills_path.exists():
        shown = _display(directory, root, skills_path)
        text = read_text(skills_path, shown, content.problems)
        if text is not None:
            content.skills = parser.parse_skills(parser.normalise_text(text), shown, content.problems)
            content.skills.source = text
            content.skills.rel_path = skills_path.name
    uses: dict[tuple[str, str], list[tuple[str, int]]] = {}  # (kind, id) -> (path, 'id:' line) of each file
    for folder, kind in FOLDERS.items():
        for path in _files(root, folder):
            shown = _display(directory, root, path)
            text = read_text(path, shown, content.problems)
            if text is None:
                continue
            normalised = parser.normalise_text(text)
            doc = parser.parse_document(kind, normalised, shown, content.problems)
            if doc is None:
                # reported already; its id, if one can be read, is not reported missing by other files too
                written = WRITTEN_ID.search(normalised)
                if written:
                    content.unreadable[kind].add(written.group(1))
                continue
            if not doc.id:
                continue
            doc.source = text
            doc.rel_path = str(path.relative_to(root))
            if len(doc.rel_path) > PATH_MAX:
                content.problems.append(
                    Problem(
                        shown,
                        1,
                        N_("the path is %(length)d characters long; at most %(max)d: shorten it"),
                        {"length": len(doc.rel_path), "max": PATH_MAX},
                    )
                )
                continue
            uses.setdefault((kind, doc.id), []).append((shown, doc.meta_lines.get("id", 1)))
            content.documents[kind].setdefault(doc.id, doc)  # the first file keeps the id for references
    _report_duplicates(uses, content.problems)
    check_references(content)
    content.problems.sort(key=lambda p: (p.path, p.line))
    if warnings:
        content.warnings = advise(content.documents)
    return content


DUPLICATE = {
    "course": N_("duplicate course id '%(id)s' (also in %(others)s)"),
    "case": N_("duplicate case id '%(id)s' (also in %(others)s)"),
    "quiz": N_("duplicate quiz id '%(id)s' (also in %(others)s)"),
    "checklist": N_("duplicate checklist id '%(id)s' (also in %(others)s)"),
}


def _report_duplicates(uses: dict[tuple[str, str], list[tuple[str, int]]], problems: list[Problem]) -> None:
    """An id used by several files of a kind: reported in every one of them, at its 'id:' line, naming the others."""
    for (kind, doc_id), files in uses.items():
        if len(files) < 2:
            continue
        for path, line in files:
            others = ", ".join(other for other, _line in files if other != path) or path
            problems.append(Problem(path, line, DUPLICATE[kind], {"id": doc_id, "others": others}))


def check_references(content: ContentSet, known: dict[str, set[str]] | None = None) -> None:
    """Report references to missing cases, quizzes and skills.

    ``known`` adds ids that exist elsewhere (the database, for the browser editor).
    """
    known = known or {}
    skills = (content.skills.ids() if content.skills else set()) | known.get("skills", set())
    cases = set(content.documents["case"]) | known.get("case", set()) | content.unreadable["case"]
    quizzes = set(content.documents["quiz"]) | known.get("quiz", set()) | content.unreadable["quiz"]
    problems = content.problems
    has_skills_file = content.skills is not None or "skills" in known

    def skill_ref(doc: Document, skill: str | None, line: int) -> None:
        if skill and skill not in skills:
            message = (
                N_("unknown skill '%(id)s'")
                if has_skills_file
                else N_("unknown skill '%(id)s' (there is no skills.yml)")
            )
            problems.append(Problem(doc.path, line, message, {"id": skill}))

    for doc in content.all_documents():
        for skill in doc.skills:
            skill_ref(doc, skill, doc.meta_lines.get("skills", 1))
    for course in content.documents["course"].values():
        for case_id in course.cases:
            if case_id not in cases:
                problems.append(
                    Problem(
                        course.path,
                        course.meta_lines.get("cases", 1),
                        N_("course names a missing case '%(id)s'"),
                        {"id": case_id},
                    )
                )
    for case in content.documents["case"].values():
        if case.quiz and case.quiz not in quizzes:
            problems.append(
                Problem(
                    case.path,
                    case.meta_lines.get("quiz", 1),
                    N_("case names a missing quiz '%(id)s'"),
                    {"id": case.quiz},
                )
            )
    for quiz in content.documents["quiz"].values():
        for q in quiz.questions:
            skill_ref(quiz, q.skill, q.skill_line or q.line)
    for checklist in content.documents["checklist"].values():
        for item in checklist.items():
            skill_ref(checklist, item.skill, item.line)
