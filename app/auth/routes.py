from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, ResetPasswordForm
from app.core.errors import DomainError
from app.core.i18n import gettext as _
from app.core.permissions import allow
from app.extensions import db, limiter
from app.people.services import change_password, normalise_email


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after sign-in or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _account_address_key() -> str:
    email = normalise_email(request.form.get("email"))[:254]
    return f"{email}|{get_remote_address()}"


def _login_failed(response) -> bool:
    # A successful sign-in redirects; only failed attempts count against the limits.
    return response.status_code != 302


# Slow down, never lock out: failed sign-ins are limited per address and per (account, address) pair, never
# per account alone, so someone hammering an account from one address does not keep its owner out elsewhere.
@bp.route("/login", methods=["GET", "POST"])
@allow(public=True)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"],
    methods=["POST"],
    key_func=_account_address_key,
    deduct_when=_login_failed,
    scope="login-account-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr, _browser_language())
        if user is not None:
            session.clear()
            # Stores the session version read with the password: a password change or sign-out that
            # commits meanwhile ends this session too.
            login_user(user)
            if user.locale:
                session["lang"] = user.locale
        db.session.commit()  # the attempt is audited, whether it succeeded or not
        if user is not None:
            return redirect(safe_next(form.next.data, url_for("main.dashboard")))
        form.password.errors.append(_("Wrong email or password, or the account is deactivated."))
    return render_template("auth/login.html", form=form)


def _browser_language() -> str | None:
    """The language chosen on the sign-in page, else the browser's best match (None: no match)."""
    languages = current_app.config["LANGUAGES"]
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages)


@bp.route("/logout", methods=["POST"])
@allow()
def logout():
    services.sign_out(current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow()
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data, form.new_password.data, form.keep_tokens.data)
        except DomainError as err:
            _field_error(form, err)
        else:
            login_user(user)  # every other session has ended; this one goes on at the new version
            db.session.commit()
            flash(_("Your password has been changed. You are signed out everywhere else."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@allow(public=True)
def reset(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.new_password.data)
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=user)


def _field_error(form, err: DomainError) -> None:
    field = getattr(form, err.field or "", None) or form.new_password
    field.errors = list(field.errors) + [err.message]


@bp.route("/language", methods=["POST"])
@allow(public=True)
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("main.index")))


@bp.route("/account/tokens", methods=["GET", "POST"])
@allow()
def tokens():
    """The signed-in person's API tokens: create (shown once), list, revoke."""
    from sqlalchemy import select

    from app.api.auth import create_token, revoke_token
    from app.auth.forms import TokenForm
    from app.shopping.models import ApiToken

    form = TokenForm()
    plain = None
    if form.validate_on_submit():
        if form.revoke.data:
            token = db.session.get(ApiToken, form.token_id.data or 0)
            if token is None or token.user_id != current_user.id:
                abort(404)
            revoke_token(current_user, token)
            db.session.commit()
            flash(_("The token is revoked."), "success")
            return redirect(url_for("auth.tokens"))
        _token, plain = create_token(current_user, form.name.data)
        db.session.commit()
    mine = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/tokens.html", form=form, tokens=mine, plain=plain)
