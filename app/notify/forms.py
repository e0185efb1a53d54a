from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SubmitField
from wtforms.validators import Optional

from app.core.i18n import lazy_gettext as _l


class MarkReadForm(FlaskForm):
    page = IntegerField(validators=[Optional()])
    submit = SubmitField(_l("Mark read"))


class MarkAllReadForm(FlaskForm):
    submit = SubmitField(_l("Mark all read"))


def make_preferences_form(kinds):
    """One checkbox per optional kind the person can receive (named after the kind)."""

    class PreferencesForm(FlaskForm):
        submit = SubmitField(_l("Save"))

    for kind in kinds:
        if not kind.mandatory:
            setattr(PreferencesForm, f"email_{kind.name}", BooleanField(kind.label))
    return PreferencesForm
