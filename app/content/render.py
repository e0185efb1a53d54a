"""Render a parsed document to the HTML pieces the pages show; stored with each version as a cache."""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
from concurrent.futures import ProcessPoolExecutor

from app.content.blocks import FENCE_RE, closing_line
from app.content.model import Case, Checklist, ChoiceBlock, Course, Document, Quiz
from app.core.markdown import render_inline, render_markdown


def _case_segments(case: Case) -> list[dict]:
    """The body of a case as HTML pieces with its decision points between them.

    Fences are read as the parser reads them (:mod:`app.content.blocks`), so the n-th ``choice``
    block here is the n-th decision point the parser found."""
    lines = case.body.split("\n")
    # Each rendering marks the decision points with a word of its own that no author can have typed.
    marker = f"RAPPORTCHOICE{secrets.token_hex(8)}N"
    out_lines: list[str] = []
    n = 0
    i = 0
    while i < len(lines):
        match = FENCE_RE.match(lines[i])
        if not match:
            out_lines.append(lines[i])
            i += 1
            continue
        end = closing_line(lines, i + 1, match.group(2))
        if match.group(3) == "choice":
            out_lines += ["", f"{marker}{n}", ""]
            n += 1
        else:  # another code block: copy it whole so its content is never taken for a choice
            out_lines += lines[i : end + 1]
        i = end + 1
    html = render_markdown("\n".join(out_lines))
    segments: list[dict] = []
    pos = 0
    for match in re.finditer(rf"<p>{marker}(\d+)</p>", html):
        if match.start() > pos:
            segments.append({"type": "html", "html": html[pos : match.start()]})
        segments.append(_choice_segment(case.choices[int(match.group(1))]))
        pos = match.end()
    if pos < len(html):
        segments.append({"type": "html", "html": html[pos:]})
    return segments


def _choice_segment(block: ChoiceBlock) -> dict:
    return {
        "type": "choice",
        "prompt": render_markdown(block.prompt),
        "options": [
            {"html": render_inline(o.text), "best": o.best, "feedback": render_markdown(o.feedback)}
            for o in block.options
        ],
    }


def render_document(doc: Document) -> dict:
    """The HTML pieces of a document, keyed for its templates."""
    if isinstance(doc, Case):
        return {"segments": _case_segments(doc)}
    if isinstance(doc, Course):
        return {"body": render_markdown(doc.body)}
    if isinstance(doc, Quiz):
        return {
            "intro": render_markdown(doc.intro),
            "questions": {
                q.key: {
                    "prompt": render_inline(q.prompt),
                    "text": render_markdown(q.text),
                    "options": [
                        {"html": render_inline(o.text), "feedback": render_markdown(o.feedback)} for o in q.options
                    ],
                    "explanation": render_markdown(q.explanation),
                }
                for q in doc.questions
            },
        }
    if isinstance(doc, Checklist):
        return {
            "brief": render_markdown(doc.brief),
            "sections": [
                {
                    "title": render_inline(s.title),
                    "description": render_markdown(s.description),
                    "items": {i.id: render_inline(i.text) for i in s.items},
                }
                for s in doc.sections
            ],
        }
    return {}


PARALLEL_FROM = 200  # documents: below this, starting processes costs more than it saves


def render_all(docs: list[Document]) -> list[dict]:
    """:func:`render_document` for many documents, on every core when there are enough of them.

    Workers are spawned, not forked, so they share nothing with the caller (its database
    connections included); each renders whole documents, which are plain picklable dataclasses.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(docs) < PARALLEL_FROM or workers < 2:
        return [render_document(doc) for doc in docs]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(render_document, docs, chunksize=max(1, len(docs) // (workers * 4))))
