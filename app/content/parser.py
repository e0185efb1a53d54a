"""The one parser for every content file: front matter, bodies, validation with line numbers.

Each ``parse_*`` function takes the text of one file and returns the parsed
dataclass (or None when the file is unusable) and appends every problem it
finds to ``problems``; it never stops at the first one. Cross-file checks
(references, duplicate ids) live in :mod:`app.content.loader`.

The work is done by one module per part of the format, and this module is the
door the rest of the app uses (``parser.parse_document``, ``parser.ID_RE``, ...):

- :mod:`app.content.common`: the text of a file, its problems, ids;
- :mod:`app.content.yaml_reader` and :mod:`app.content.frontmatter`: YAML and the '---' block;
- :mod:`app.content.blocks`: code fences, '## ' sections and the line patterns kinds share;
- :mod:`app.content.skills`, :mod:`~app.content.courses`, :mod:`~app.content.cases`,
  :mod:`~app.content.quizzes`, :mod:`~app.content.checklists`: one per kind of file.
"""

from __future__ import annotations

from app.content.blocks import (
    BARE_BULLET_RE,
    FEEDBACK_RE,
    FENCE_RE,
    HEADING2_RE,
    SETTING_RE,
    code_fence_mask,
    split_sections,
)
from app.content.cases import parse_case, parse_choice
from app.content.checklists import ATTRS_RE, CHANNELS, ITEM_ATTRS, checklist_item, parse_checklist, parse_item_attrs
from app.content.common import ID_RE, TRANSLIT, FileProblems, join_md, normalise_text, slugify
from app.content.courses import parse_course
from app.content.frontmatter import (
    COMMON_KEYS,
    KIND_KEYS,
    LANG_RE,
    PLAIN_KEY_RE,
    REQUIRED_KEYS,
    TITLE_MAX,
    YAML_RESERVED,
    Meta,
    parse_yaml_block,
    read_front_matter,
    split_front_matter,
)
from app.content.model import Problem
from app.content.quizzes import EXPLANATION_RE, OPTION_RE, ORDER_ITEM_RE, QUESTION_KEYS, parse_question, parse_quiz
from app.content.skills import parse_skills
from app.content.yaml_reader import NULL_TAG, WRITTEN_KEYS, as_written, load_yaml

__all__ = [
    "ATTRS_RE",
    "BARE_BULLET_RE",
    "CHANNELS",
    "COMMON_KEYS",
    "EXPLANATION_RE",
    "FEEDBACK_RE",
    "FENCE_RE",
    "HEADING2_RE",
    "ID_RE",
    "ITEM_ATTRS",
    "KIND_KEYS",
    "LANG_RE",
    "NULL_TAG",
    "OPTION_RE",
    "ORDER_ITEM_RE",
    "PARSERS",
    "PLAIN_KEY_RE",
    "QUESTION_KEYS",
    "REQUIRED_KEYS",
    "SETTING_RE",
    "TITLE_MAX",
    "TRANSLIT",
    "WRITTEN_KEYS",
    "YAML_RESERVED",
    "FileProblems",
    "Meta",
    "as_written",
    "checklist_item",
    "code_fence_mask",
    "join_md",
    "load_yaml",
    "normalise_text",
    "parse_case",
    "parse_checklist",
    "parse_choice",
    "parse_course",
    "parse_document",
    "parse_item_attrs",
    "parse_question",
    "parse_quiz",
    "parse_skills",
    "parse_yaml_block",
    "read_front_matter",
    "slugify",
    "split_front_matter",
    "split_sections",
]

PARSERS = {"course": parse_course, "case": parse_case, "quiz": parse_quiz, "checklist": parse_checklist}


def parse_document(kind: str, text: str, path: str, problems: list[Problem]):
    """Parse one file of a kind; problems are appended to ``problems``."""
    return PARSERS[kind](text, path, problems)
