"""The long-list select widget writes the very HTML WTForms' own Select writes, for any choices."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms import Form, SelectField, SelectMultipleField
from wtforms.widgets import Select

from app.core.widgets import LongSelect

TEXT = st.text(alphabet=st.sampled_from(list("aбZ09 <>&\"'=-/Ё")), max_size=12)
VALUES = st.one_of(st.integers(-5, 600), TEXT, st.booleans())
CHOICES = st.lists(
    st.tuples(VALUES, TEXT, st.one_of(st.none(), st.just({"disabled": True}), st.just({"data-x": "<y>"}))),
    max_size=30,
)


def _field(multiple: bool, choices, picked, widget):
    kind = SelectMultipleField if multiple else SelectField

    class F(Form):
        field = kind(choices=choices, coerce=str, validate_choice=False, widget=widget)

    form = F(data={"field": picked})
    return form.field


@settings(max_examples=300, deadline=None)
@given(multiple=st.booleans(), options=CHOICES, picks=st.lists(st.integers(0, 29), max_size=4), attrs=st.booleans())
def test_long_select_writes_what_wtforms_writes(multiple, options, picks, attrs):
    choices = [(value, label, kw) if kw else (value, label) for value, label, kw in options]
    picked_values = [str(options[i][0]) for i in picks if i < len(options)]
    picked = picked_values if multiple else (picked_values[0] if picked_values else None)
    extra = {"class_": "wide", "required": True} if attrs else {}
    ours = _field(multiple, choices, picked, LongSelect(multiple=multiple))(**extra)
    theirs = _field(multiple, choices, picked, Select(multiple=multiple))(**extra)
    assert str(ours) == str(theirs)


def test_a_chosen_department_is_written_selected_and_escaped():
    field = _field(False, [(1, "Север"), (2, 'Юг <"центр">')], "2", LongSelect())
    assert str(field()) == (
        '<select id="field" name="field"><option value="1">Север</option>'
        '<option selected value="2">Юг &lt;&#34;центр&#34;&gt;</option></select>'
    )
