from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.i18n import lazy_gettext as _l
from app.core.permissions import ALL_ROLES, ROLE_LABELS
from app.core.widgets import LongSelect

NO_DEPARTMENT = 0


def role_choices():
    return [(r.value, ROLE_LABELS[r]) for r in ALL_ROLES]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LengthFirst(Length):
    """``Length`` that ends a field's checks when it fails: the email check takes time growing with the
    square of the text (0.2 s for 200,000 characters), so a text that is too long is not checked further."""

    def __call__(self, form, field):
        try:
            super().__call__(form, field)
        except ValidationError as error:
            raise StopValidation(str(error)) from None


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Part of"), coerce=int, widget=LongSelect())
    submit = SubmitField(_l("Save"))


class PersonForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), LengthFirst(max=254), Email()])
    department = SelectField(_l("Department"), coerce=int, widget=LongSelect())
    roles = MultiCheckboxField(_l("Roles"), validators=[DataRequired(message=_l("Choose at least one role."))])
    # Shown to administrators only (the route removes it for anyone else); it matters for HR people.
    scope = SelectField(_l("HR scope"), coerce=int, default=NO_DEPARTMENT, widget=LongSelect())
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = role_choices()


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Check the file"))


class ImportConfirmForm(FlaskForm):
    text = TextAreaField(validators=[DataRequired()])
    submit = SubmitField(_l("Import"))


class ActionForm(FlaskForm):
    """An empty form: a CSRF-protected button for POST actions."""

    submit = SubmitField(_l("Confirm"))
