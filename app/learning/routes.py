from functools import lru_cache

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.content import services as content
from app.core.audit import utcnow
from app.core.errors import DomainError
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.inputs import page_number
from app.core.permissions import Role, allow
from app.errors import json_object
from app.extensions import db
from app.learning import bp, services, stats
from app.learning.forms import ReadForm, StartForm, make_attempt_form, responses_from_form
from app.learning.models import QuizAttempt
from app.people import services as people_services

CONTENT_STAFF = (Role.TRAINER, Role.HR, Role.ADMIN)


def _published_or_404(kind: str, slug: str):
    version = content.published(kind, slug)
    if version is None:
        abort(404)
    return version


@lru_cache(maxsize=1)
def _attempt_statement():
    # Built once, on first use (loader options need every model mapped): the attempt with its version and
    # item, and its answers, joined in one statement (a second, "selectin" statement took 0.5 ms more);
    # building and keying it anew on every request, as a get with options does, took a third as long again.
    return (
        select(QuizAttempt)
        .where(QuizAttempt.id == bindparam("id"))
        .options(content.version_loaded(QuizAttempt.version), joinedload(QuizAttempt.answers))
    )


def _own_attempt_or_404(attempt_id: int) -> QuizAttempt:
    # With its version, item and answers in one statement; the version's document and HTML from the cache.
    attempt = db.session.execute(_attempt_statement(), {"id": attempt_id}).unique().scalar_one_or_none()
    # Another person's attempt answers 404, so its existence is not revealed.
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    content.with_payloads([attempt.version])
    return attempt


@bp.route("/learn")
@allow()
def catalogue():
    courses = services.reader_first(content.published_index("course"), str(get_locale()))
    progress = services.course_progress(current_user, courses)
    return render_template("learning/catalogue.html", progress=progress)


@bp.route("/learn/courses/<slug>")
@allow()
def course(slug: str):
    version = _published_or_404("course", slug)
    progress = services.course_progress(current_user, [version])[0]
    lead, rest = _split_lead(version.html.get("body") or "")
    following = next((c for c in progress.cases if not c.completed), None)
    return render_template(
        "learning/course.html", version=version, progress=progress, lead=lead, rest=rest, following=following
    )


def _split_lead(body: str) -> tuple[str, str]:
    """A course description as its first paragraph and the rest (shown folded), when there is more."""
    end = body.find("</p>")
    lead, rest = body[: end + 4], body[end + 4 :]
    nested = any(lead.count(f"<{tag}") != lead.count(f"</{tag}>") for tag in _BLOCKS)  # a paragraph in a list
    if end < 0 or nested or not rest.strip():
        return body, ""
    return lead, rest


_BLOCKS = ("ul", "ol", "li", "blockquote", "table", "div", "details", "section", "aside")


@bp.route("/learn/cases/<slug>")
@allow()
def case(slug: str):
    version = _published_or_404("case", slug)
    read = services.has_read(current_user, version.item_id)
    quiz_slug = version.data.get("quiz")
    courses = [v for v in content.published_index("course") if slug in v.data.get("cases", [])]
    return render_template(
        "learning/case.html",
        version=version,
        read=bool(read),
        quiz_slug=quiz_slug,
        form=ReadForm(),
        skills=content.skill_titles(str(get_locale())),
        courses=courses,
    )


@bp.route("/learn/cases/<slug>/read", methods=["POST"])
@allow()
def case_read(slug: str):
    version = _published_or_404("case", slug)
    if ReadForm().validate_on_submit():
        services.mark_read(current_user, version)
        db.session.commit()
        flash(_("Marked as read."), "success")
    quiz_slug = version.data.get("quiz")
    if quiz_slug:
        return redirect(url_for("learning.quiz", slug=quiz_slug))
    return redirect(url_for("learning.case", slug=slug))


@bp.route("/learn/quizzes/<slug>")
@allow()
def quiz(slug: str):
    version = _published_or_404("quiz", slug)
    if services.close_expired_attempts(current_user):
        db.session.commit()  # only then: a commit reloads the signed-in person for the rest of the page
    attempts = services.attempts_for(current_user, version.item_id, objects=False)
    document = content.document(version)
    left = services.attempts_left(current_user, slug, attempts, version)
    return render_template(
        "learning/quiz.html",
        version=version,
        quiz=document,
        attempts=attempts,
        left=left,
        form=StartForm(),
    )


@bp.route("/learn/quizzes/<slug>/start", methods=["POST"])
@allow()
def quiz_start(slug: str):
    version = _published_or_404("quiz", slug)
    if not StartForm().validate_on_submit():
        return redirect(url_for("learning.quiz", slug=slug))
    try:
        attempt = services.start_attempt(current_user, version)
    except DomainError as err:
        db.session.commit()  # expired attempts closed on the way stay closed
        flash(err.message, "error")
        return redirect(url_for("learning.quiz", slug=slug))
    db.session.commit()
    return redirect(url_for("learning.attempt", attempt_id=attempt.id))


@bp.route("/learn/attempts/<int:attempt_id>", methods=["GET", "POST"])
@allow()
def attempt(attempt_id: int):
    attempt = _own_attempt_or_404(attempt_id)
    now = utcnow()
    if attempt.is_open and attempt.expired(now):
        services.expire_attempt(attempt, now)
        db.session.commit()
        flash(_("The time was up; the attempt was closed with the answers saved before the deadline."), "info")
    if not attempt.is_open:
        return redirect(url_for("learning.result", attempt_id=attempt.id))
    shown = services.presentation(attempt)
    saved = {a.question_key: a.response for a in attempt.answers}
    form = make_attempt_form(shown, saved)()
    problems: dict[str, str] = {}
    unanswered = []  # asked to finish with these unanswered: the page asks to confirm first
    if form.validate_on_submit():
        responses, problems = responses_from_form(form, shown)
        try:
            for key, response in responses.items():
                services.save_answer(attempt, key, response, now)
            if (form.finish.data or form.finish_anyway.data) and not problems:
                unanswered = [] if form.finish_anyway.data else services.unanswered(attempt, shown)
                if not unanswered:
                    services.finish_attempt(attempt, now)
        except DomainError as err:
            db.session.commit()
            flash(err.message, "error")
            return redirect(url_for("learning.attempt", attempt_id=attempt.id))
        db.session.commit()
        if not attempt.is_open:
            return redirect(url_for("learning.result", attempt_id=attempt.id))
        if not problems and not unanswered:
            flash(_("Your answers are saved."), "success")
            return redirect(url_for("learning.attempt", attempt_id=attempt.id))
    version = attempt.version
    saved = {a.question_key: a.response for a in attempt.answers}  # with what this request saved
    return render_template(
        "learning/attempt.html",
        attempt=attempt,
        shown=shown,
        form=form,
        problems=problems,
        unanswered=unanswered,
        numbers={sq.question.key: sq.number for sq in shown},
        html=version.html["questions"],
        quiz=services.attempt_quiz(attempt),
        saved=saved,
        version=version,
    )


@bp.route("/learn/attempts/<int:attempt_id>/answer", methods=["POST"])
@allow()
def attempt_answer(attempt_id: int):
    """Autosave one answer (JSON): the page calls this on every change."""
    attempt = _own_attempt_or_404(attempt_id)
    payload = json_object()
    key, response = payload.get("question"), payload.get("response")
    if not isinstance(key, str) or not isinstance(response, list):
        return jsonify(error={"code": 400, "message": _("This answer is not valid.")}), 400
    try:
        services.save_answer(attempt, key, response)
    except DomainError as err:
        db.session.commit()
        return jsonify(error={"code": 409, "message": err.message, "open": attempt.is_open}), 409
    db.session.commit()
    return jsonify(saved=True, question=key)


@bp.route("/learn/attempts/<int:attempt_id>/result")
@allow()
def result(attempt_id: int):
    attempt = _own_attempt_or_404(attempt_id)
    if attempt.is_open:
        return redirect(url_for("learning.attempt", attempt_id=attempt.id))
    quiz = services.attempt_quiz(attempt)
    answers = {a.question_key: a for a in attempt.answers}
    slug = attempt.version.item.slug
    return render_template(
        "learning/result.html",
        attempt=attempt,
        quiz=quiz,
        shown=services.presentation(attempt),  # numbered as the attempt showed them
        answers=answers,
        may_retry=not attempt.passed and services.attempts_left(current_user, slug) != 0,
        start_form=StartForm(),
        case=next((v for v in content.published_index("case") if v.data.get("quiz") == slug), None),
        html=attempt.version.html["questions"],
        skills=content.skill_titles(str(get_locale())),
    )


@bp.route("/learn/my")
@allow()
def my_learning():
    if services.close_expired_attempts(current_user):
        db.session.commit()  # only then: a commit reloads the signed-in person for the rest of the page
    rows = services.assigned_courses(current_user, objects=False)
    attempts = services.attempts_page(current_user, page_number())
    return render_template("learning/my.html", rows=rows, attempts=attempts)


# ---------------------------------------------------------------- trainer and HR (the assignments: assignment_routes)
@bp.route("/quizzes/<slug>/stats")
@allow(*CONTENT_STAFF)
def quiz_stats(slug: str):
    version = _published_or_404("quiz", slug)
    report = stats.item_statistics(version, people_services.scope_ids(current_user))
    return render_template("learning/stats.html", version=version, report=report, quiz=content.document(version))
