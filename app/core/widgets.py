"""Form widgets for long lists.

WTForms writes each ``<option>`` through its general attribute writer (sorting and cleaning the
attributes of every option): for the 500 departments of a large company that was nearly half of the
visits page's time. :class:`LongSelect` writes a plain option (a value, maybe selected, no other
attributes) directly, and hands any other to WTForms: the HTML is the same, character for character.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import Select


class LongSelect(Select):
    """WTForms' ``Select`` (``multiple`` too), for fields that may offer hundreds of choices."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""  # where WTForms puts it: attributes sorted by name
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')
