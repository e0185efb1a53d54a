"""Every kind of notice: who gets it, whether its email can be switched off, and how it reads.

A notice stores plain parameters; its text is written here, at the moment it is shown or mailed, in
the language of the person reading it (the page's locale, or ``force_locale`` for an email).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from app.coaching.services import REASONS as ACTION_REASONS
from app.core.i18n import gettext as _
from app.core.i18n import lazy_gettext as _l
from app.core.i18n import ngettext
from app.core.permissions import Role
from app.templating import local_date, pct


@dataclass
class Message:
    """A notice in words: a title (also the email subject), paragraphs, optional rows, the link's label."""

    title: str
    lines: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)
    action: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy string, for the preferences page
    mandatory: bool  # its email cannot be switched off
    roles: tuple[Role, ...]  # who can receive it; empty: anyone
    render: Callable[[dict], Message]


def _day(value: str | None) -> str:
    # "3 November 2026" / "3 ноября 2026": a long date without the trailing "г." that would end a sentence twice
    return local_date(date.fromisoformat(value), "d MMMM y") if value else "—"


def _percent(value) -> str:
    return pct(value)  # one decimal, as every page shows a result: 79.6% is not 80%


def _mark(value) -> str:
    return "—" if value is None else f"{value:g}%"  # a pass mark as the trainer wrote it: 80%, 66.67%


def _answer(value: str | None) -> str:
    return {"yes": _("Yes"), "no": _("No"), "na": _("N/A")}.get(value or "", "—")


# ---------------------------------------------------------------- learners
def _assignment_lines(p: dict) -> list[str]:
    lines = [_("Due by %(date)s.", date=_day(p["due"])) if p.get("due") else _("No due date.")]
    if p.get("reopened"):
        lines.append(_("You completed this course before; it is open again, so take it once more."))
    if p.get("reason") == "shop":
        if p.get("shop_item"):
            lines.append(
                _(
                    "Why: a mystery shop on %(day)s found a point to work on: “%(item)s”.",
                    day=_day(p.get("shop_day")),
                    item=p["shop_item"],
                )
            )
        else:
            lines.append(_("Why: a mystery shop found a point to work on."))
    if p.get("note") and p.get("reason") != "shop":
        lines.append(_("Note: %(note)s", note=p["note"]))
    if p.get("repeat_months"):
        n = p["repeat_months"]
        lines.append(ngettext("This course repeats every month.", "This course repeats every %(num)d months.", n))
    return lines


def assignment(p: dict) -> Message:
    return Message(
        _("New course assigned: %(course)s", course=p["course"]), _assignment_lines(p), action=_("Open the course")
    )


def assignment_withdrawn(p: dict) -> Message:
    if p.get("withdrawn") == "cancelled":
        lines = [_("You no longer need to take this course: the assignment was cancelled.")]
    else:
        lines = [
            _(
                "You no longer need to take this course: it was assigned after a mystery-shop item that has since "
                "been overturned."
            )
        ]
    if p.get("shop_item"):
        lines.append(_("Item: %(item)s", item=p["shop_item"]))
    return Message(_("Course withdrawn: %(course)s", course=p["course"]), lines, action=_("Open the course"))


def reopened(p: dict) -> Message:
    lines = [_("A new round of this recurring course has started; finish it again to stay up to date.")]
    return Message(
        _("Time to refresh: %(course)s", course=p["course"]), lines + _assignment_lines(p), action=_("Open the course")
    )


def due_soon(p: dict) -> Message:
    return Message(
        _("Due on %(date)s: %(course)s", date=_day(p["due"]), course=p["course"]),
        [_("Finish the course “%(course)s” by %(date)s.", course=p["course"], date=_day(p["due"]))],
        action=_("Open the course"),
    )


def overdue(p: dict) -> Message:
    return Message(
        _("Overdue: %(course)s", course=p["course"]),
        [
            _(
                "The course “%(course)s” was due on %(date)s and is not finished yet.",
                course=p["course"],
                date=_day(p["due"]),
            ),
            _("This reminder comes at most once a week until the course is finished."),
        ],
        action=_("Open the course"),
    )


def quiz_result(p: dict) -> Message:
    if p.get("passed"):
        title = _("You passed “%(quiz)s”: %(result)s", quiz=p["quiz"], result=_percent(p.get("percent")))
        lines = [_("Well done. The result counts towards your courses.")]
    else:
        title = _("“%(quiz)s”: %(result)s, not passed yet", quiz=p["quiz"], result=_percent(p.get("percent")))
        lines = [_("You need %(result)s to pass. Read the case again and try once more.", result=_mark(p.get("pass")))]
    return Message(title, lines, action=_("See the result"))


# ---------------------------------------------------------------- shoppers
def visit_new(p: dict) -> Message:
    lines = [_("Visit window: %(start)s – %(end)s.", start=_day(p["start"]), end=_day(p["end"]))]
    if p.get("scenario"):
        lines.append(_("Scenario: %(scenario)s", scenario=p["scenario"]))
    return Message(_("New visit: %(department)s", department=p["department"]), lines, action=_("Open my visits"))


def visit_due(p: dict) -> Message:
    return Message(
        _("Visit due by %(date)s: %(department)s", date=_day(p["end"]), department=p["department"]),
        [_("The window for this visit closes on %(date)s. Submit the card soon after the visit.", date=_day(p["end"]))],
        action=_("Open the card"),
    )


def card_returned(p: dict) -> Message:
    return Message(
        _("Your card for %(department)s was returned", department=p["department"]),
        [_("Reviewer's note: %(note)s", note=p.get("note") or "—"), _("Correct the card and submit it again.")],
        action=_("Open the card"),
    )


# ---------------------------------------------------------------- employees
def card_approved(p: dict) -> Message:
    days = p.get("dispute_days") or 0
    lines = [
        _(
            "A mystery shopper visited %(department)s on %(day)s; the card about your service is approved.",
            department=p["department"],
            day=_day(p.get("day")),
        ),
        _("Result: %(result)s.", result=_percent(p.get("percent"))),
    ]
    if days:
        lines.append(
            ngettext(
                "If an answer is wrong, you can dispute it within %(num)d day.",
                "If an answer is wrong, you can dispute it within %(num)d days.",
                days,
            )
        )
    return Message(
        _("Mystery-shop result: %(result)s", result=_percent(p.get("percent"))), lines, action=_("See the card")
    )


def dispute_settled(p: dict) -> Message:
    lines = [_("Item: %(item)s", item=p.get("item") or "—")]
    if p.get("accepted"):
        title = _("Your dispute was accepted")
        lines.append(_("The answer is now “%(answer)s” and the card is scored again.", answer=_answer(p.get("answer"))))
    else:
        title = _("Your dispute was rejected")
    if p.get("note"):
        lines.append(_("HR's note: %(note)s", note=p["note"]))
    return Message(title, lines, action=_("See the card"))


# ---------------------------------------------------------------- managers
def action_opened(p: dict) -> Message:
    why = ACTION_REASONS.get(p.get("reason"), "")  # defined with the actions (app/coaching/services.py)
    lines = [
        _("A mystery shop of %(department)s needs your action: %(why)s.", department=p.get("department"), why=why),
        _("Record a coaching conversation or a fix and sign it off by %(day)s.", day=_day(p.get("due"))),
    ]
    return Message(
        _("An action for %(department)s", department=p.get("department")), lines, action=_("Open the action")
    )


def action_overdue(p: dict) -> Message:
    lines = [
        _("The action for %(department)s was due on %(day)s.", department=p.get("department"), day=_day(p.get("due")))
    ]
    return Message(
        _("An action is overdue: %(department)s", department=p.get("department")), lines, action=_("Open the action")
    )


# ---------------------------------------------------------------- HR
def digest(p: dict) -> Message:
    overdue_total = sum(n for _path, n in p.get("overdue", []))
    lines = [
        _("Cards waiting for review: %(n)d.", n=p.get("to_review", 0)),
        _("Open disputes: %(n)d.", n=p.get("disputes", 0)),
        _("Cards submitted late in the last 7 days: %(n)d.", n=p.get("late_cards", 0)),
        _("Visits past their window without a card: %(n)d.", n=p.get("late_visits", 0)),
    ]
    if overdue_total:
        lines.append(_("Overdue courses by department (people × courses):"))
    else:
        lines.append(_("Nobody is overdue with a course."))
    rows = [(path, str(n)) for path, n in p.get("overdue", [])]
    if p.get("more_departments"):
        rows.append((_("%(n)d more departments", n=p["more_departments"]), ""))
    return Message(
        _(
            "Weekly summary: %(overdue)d overdue, %(review)d cards to review",
            overdue=overdue_total,
            review=p.get("to_review", 0),
        ),
        lines,
        rows,
        action=_("Open the reports"),
    )


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("assignment", _l("A course is assigned to me"), True, (), assignment),
        Kind("assignment_withdrawn", _l("A course assigned to me is withdrawn"), True, (), assignment_withdrawn),
        Kind("reopened", _l("A recurring course starts a new round"), True, (), reopened),
        Kind("overdue", _l("A course of mine is overdue (at most weekly)"), True, (), overdue),
        Kind("due_soon", _l("A course of mine is due in three days"), False, (), due_soon),
        Kind("quiz_result", _l("My quiz results"), False, (), quiz_result),
        Kind("visit_new", _l("A visit is given to me"), False, (Role.SHOPPER,), visit_new),
        Kind("visit_due", _l("A visit of mine is due tomorrow"), False, (Role.SHOPPER,), visit_due),
        Kind("card_returned", _l("A card of mine is returned with a note"), False, (Role.SHOPPER,), card_returned),
        Kind("card_approved", _l("A mystery-shop card about me is approved"), False, (), card_approved),
        Kind("dispute_settled", _l("My dispute is settled"), False, (), dispute_settled),
        Kind("digest", _l("The weekly HR summary"), False, (Role.HR, Role.ADMIN), digest),
        Kind("action_opened", _l("An action is opened for my team"), True, (Role.MANAGER,), action_opened),
        Kind(
            "action_overdue",
            _l("An action of my team is overdue (at most weekly)"),
            True,
            (Role.MANAGER,),
            action_overdue,
        ),
    )
}


def render(kind: str, params: dict) -> Message:
    """The notice in words, in the current locale."""
    return KINDS[kind].render(params or {})


def kinds_for(user) -> list[Kind]:
    """The kinds this person can receive, in the order the preferences page lists them."""
    return [k for k in KINDS.values() if not k.roles or user.has_role(*k.roles)]
