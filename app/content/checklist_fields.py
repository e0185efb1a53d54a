"""The form fields of a checklist's items, built from the parsed checklist: one yes / no / n.a. answer and
one comment per item. The shopper's card and a calibration exercise are scored with the same fields
(templates/shopping/_card_items.html shows them)."""

from wtforms import RadioField, TextAreaField
from wtforms.validators import Optional

from app.content.model import Checklist
from app.core.i18n import lazy_gettext as _l


def answer_choices():
    return [("yes", _l("Yes")), ("no", _l("No")), ("na", _l("N/A"))]


def add_item_fields(form_class, checklist: Checklist) -> None:
    """``answer-<item>`` and ``comment-<item>`` for every item of the checklist."""
    for item in checklist.items():
        setattr(
            form_class,
            f"answer-{item.id}",
            RadioField(choices=answer_choices(), validators=[Optional()], validate_choice=False),
        )
        setattr(form_class, f"comment-{item.id}", TextAreaField(validators=[Optional()]))
