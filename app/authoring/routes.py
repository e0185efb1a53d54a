import io
import zipfile

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from app.authoring import bp, listing, services
from app.content import gift
from app.content import services as content
from app.core.downloads import download
from app.core.errors import DomainError
from app.core.i18n import get_locale
from app.core.i18n import gettext as _
from app.core.inputs import page_number, search_words
from app.core.permissions import Role, allow
from app.errors import json_object
from app.extensions import db

AUTHORS = (Role.TRAINER, Role.ADMIN)


class EditorForm(FlaskForm):
    source = TextAreaField(validators=[DataRequired()])
    regrade = HiddenField(validators=[Optional()])
    save = SubmitField()
    check = SubmitField()
    publish = SubmitField()
    discard = SubmitField()


class NewForm(FlaskForm):
    kind = SelectField(choices=[("case", "case"), ("quiz", "quiz"), ("course", "course"), ("checklist", "checklist")])
    slug = StringField(validators=[DataRequired()])
    submit = SubmitField()


class GiftForm(FlaskForm):
    file = FileField(validators=[FileRequired()])
    slug = StringField(validators=[DataRequired()])
    submit = SubmitField()


class RestoreForm(FlaskForm):
    submit = SubmitField()


def _kind_or_404(kind: str) -> str:
    if kind not in services.KINDS:
        abort(404)
    return kind


@bp.route("/")
@allow(*AUTHORS)
def index():
    listed = listing.content_list(
        request.args.get("kind"), search_words(), page_number(), current_app.config["PER_PAGE"]
    )
    return render_template(
        "authoring/index.html",
        page=listed.page,
        usage=listed.usage,
        kind=listed.kind or "",
        q=listed.words,
        new_form=NewForm(),
        gift_form=GiftForm(),
    )


@bp.route("/new", methods=["POST"])
@allow(*AUTHORS)
def new():
    form = NewForm()
    if form.validate_on_submit():
        try:
            services.new_item(current_user, form.kind.data, form.slug.data.strip())
        except DomainError as err:
            flash(err.message, "error")
            return redirect(url_for("authoring.index"))
        db.session.commit()
        return redirect(url_for("authoring.edit", kind=form.kind.data, slug=form.slug.data.strip()))
    flash(_("Choose a kind and an id."), "error")
    return redirect(url_for("authoring.index"))


@bp.route("/gift", methods=["POST"])
@allow(*AUTHORS)
def gift_upload():
    form = GiftForm()
    if not form.validate_on_submit():
        flash(_("Choose a GIFT file and an id for the quiz."), "error")
        return redirect(url_for("authoring.index"))
    slug = form.slug.data.strip()
    limit = current_app.config["GIFT_MAX_BYTES"]
    raw = form.file.data.read(limit + 1)
    if len(raw) > limit:  # refused whole: a file cut at the limit would import some of its questions
        flash(_("The file is larger than %(mb)d MB; nothing was imported.", mb=limit // (1024 * 1024)), "error")
        return redirect(url_for("authoring.index"))
    try:
        text = gift.read_gift_text(raw)
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text."), "error")
        return redirect(url_for("authoring.index"))
    result = gift.gift_to_quiz(text, slug)
    if not result.converted:
        return render_template("authoring/gift_report.html", result=result, slug=None)
    try:
        draft = services.new_item(current_user, "quiz", slug)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for("authoring.index"))
    draft.source = result.markdown
    db.session.commit()
    return render_template("authoring/gift_report.html", result=result, slug=slug)


@bp.route("/<kind>/<slug>", methods=["GET", "POST"])
@allow(*AUTHORS)
def edit(kind: str, slug: str):
    kind = _kind_or_404(kind)
    source, draft, version = services.current_source(kind, slug)
    if source is None:
        abort(404)
    form = EditorForm()
    if request.method == "GET":
        form.source.data = source
    plan, plan_version = None, None
    if form.validate_on_submit():
        text = services.with_line_endings_of(form.source.data, source)
        if form.discard.data:
            services.discard_draft(kind, slug)
            db.session.commit()
            flash(_("Draft discarded."), "info")
            return redirect(url_for("authoring.edit", kind=kind, slug=slug))
        if form.save.data:
            services.save_draft(current_user, kind, slug, text)
            db.session.commit()
            flash(_("Draft saved. Others still see the published version."), "success")
            return redirect(url_for("authoring.edit", kind=kind, slug=slug))
        if form.publish.data:
            result = services.check_source(kind, slug, text)
            if result.ok and kind == "quiz" and not form.regrade.data:
                plan, plan_version = services.publish_plan(slug, result.document, text)
            if result.ok and not (plan and plan.changed):
                try:
                    new_version, status, done = services.publish(
                        current_user, kind, slug, text, regrade=form.regrade.data == "yes"
                    )
                except DomainError as err:
                    flash(err.message, "error")
                else:
                    db.session.commit()
                    _flash_published(new_version, status, done, form.regrade.data == "yes")
                    return redirect(url_for("authoring.edit", kind=kind, slug=slug))
            elif not result.ok:
                services.save_draft(current_user, kind, slug, text)
                db.session.commit()
                flash(
                    _("Not published: fix the errors shown next to the lines. Your text is kept as a draft."), "error"
                )
    if plan is None and kind == "quiz" and version is not None:  # a regrade the published version still offers
        plan, plan_version = services.pending_regrade(version), version
    result = services.check_source(kind, slug, form.source.data or "")
    preview = _preview(kind, result)
    return render_template(
        "authoring/edit.html",
        kind=kind,
        slug=slug,
        form=form,
        version=version,
        draft=draft,
        problems=result.problems,
        warnings=_warnings(result),
        preview=preview,
        plan=plan,
        plan_version=plan_version,
        skills=sorted(content.skill_titles(str(get_locale())).items()),
        linked=services.linked_items(kind, slug, result.document),
    )


def _flash_published(version, status: str, plan, regraded: bool) -> None:
    if status != "unchanged":
        flash(_("Published as version %(n)d.", n=version.number), "success")
    elif not (plan and plan.changed):
        flash(_("Nothing changed; the published version stays."), "success")
    if plan and plan.changed:
        flash(
            _("%(n)d finished attempts regraded to version %(v)d.", n=plan.changed, v=version.number)
            if regraded
            else _("Past results kept on the versions they were taken on."),
            "success",
        )


def _preview(kind: str, result) -> str:
    if result.document is None or kind == "skills":
        return ""
    from app.content.render import render_document

    try:
        html = render_document(result.document)
    except Exception:  # a half-typed text must never break the editor
        return ""
    return render_template(
        "authoring/_preview.html",
        kind=kind,
        html=html,
        doc=result.document,
        skill_names=content.skill_titles(str(get_locale())),
    )


@bp.route("/<kind>/<slug>/check", methods=["POST"])
@allow(*AUTHORS)
def check(kind: str, slug: str):
    """Live validation and preview while typing (JSON)."""
    kind = _kind_or_404(kind)
    payload = json_object()
    source = payload.get("source")
    if not isinstance(source, str):
        return jsonify(error={"code": 400, "message": "source is required", "fields": {}}), 400
    result = services.check_source(kind, slug, source)
    return jsonify(
        problems=[
            {"line": p.line, "where": _("line %(n)d", n=p.line), "message": p.translated()} for p in result.problems
        ],
        warnings=_warnings(result),
        preview=_preview(kind, result),
    )


def _warnings(result) -> list[dict]:
    """The author's warnings, in the reader's language."""
    return [{"line": w.line, "where": _("line %(n)d", n=w.line), "message": w.translated()} for w in result.warnings]


@bp.route("/<kind>/<slug>/history")
@allow(*AUTHORS)
def history(kind: str, slug: str):
    kind = _kind_or_404(kind)
    versions = services.history(kind, slug)
    if not versions:
        abort(404)
    by_number = {v.number: v for v in versions}
    a, b = request.args.get("a", type=int), request.args.get("b", type=int)
    hunks = None
    if a in by_number and b in by_number:
        hunks = services.diff(by_number[a], by_number[b])
    return render_template(
        "authoring/history.html", kind=kind, slug=slug, versions=versions, hunks=hunks, a=a, b=b, form=RestoreForm()
    )


@bp.route("/<kind>/<slug>/restore/<int:number>", methods=["POST"])
@allow(*AUTHORS)
def restore(kind: str, slug: str, number: int):
    kind = _kind_or_404(kind)
    version = next((v for v in services.history(kind, slug) if v.number == number), None)
    if version is None or not RestoreForm().validate_on_submit():
        abort(404)
    services.restore(current_user, version)
    db.session.commit()
    flash(_("Version %(n)d is now your draft. Publish it to make it current.", n=number), "success")
    return redirect(url_for("authoring.edit", kind=kind, slug=slug))


@bp.route("/export.zip")
@allow(*AUTHORS)
def export_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, text in content.export_files():
            archive.writestr(f"content/{rel}", text.encode("utf-8"))
    response = download(current_user, "content", "zip", buffer.getvalue(), "application/zip")
    db.session.commit()
    return response
