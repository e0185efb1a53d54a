from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired

from app.core.i18n import lazy_gettext as _l


class SignOffForm(FlaskForm):
    outcome = RadioField(
        _l("What did you do?"),
        choices=[("coaching", _l("A coaching conversation")), ("fix", _l("A fix in the branch"))],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("What was said or changed, and how it went"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign off"))
