from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from app.core.errors import DomainError
from app.core.i18n import lazy_gettext as _l
from app.people.passwords import check_new_password
from app.templating import language_choices


def password_policy(form, field) -> None:
    """The one password rule (app/people/passwords.py) as a form validator."""
    try:
        check_new_password(field.data)
    except DomainError as err:
        raise ValidationError(err.message) from None


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), password_policy],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    keep_tokens = BooleanField(
        _l("Keep my API tokens"),
        description=_l("Otherwise every API token you hold is revoked, as after a password reset."),
    )
    submit = SubmitField(_l("Change password"))


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), password_policy],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"))
    next = HiddenField()
    submit = SubmitField(_l("Switch"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lang.choices = language_choices(current_app.config["LANGUAGES"])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[Optional(), Length(max=100)])
    token_id = IntegerField(validators=[Optional()])
    create = SubmitField(_l("Create a token"))
    revoke = SubmitField(_l("Revoke"))
