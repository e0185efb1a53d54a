"""Reading YAML as the content format needs it: safe, with line numbers, ids and titles as written.

Used by the front matter of every Markdown file and by ``skills.yml``. Every failure is a
``yaml.YAMLError``; the helpers turn its mark into a line of the file and its text into one line.
"""

from __future__ import annotations

from typing import Any

import yaml


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader whose value errors (``!!int x``, a date like 2024-02-30) are YAML errors with a line."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            shown = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value '{str(shown)[:60]}' ({exc})", node.start_mark
            ) from exc


NULL_TAG = "tag:yaml.org,2002:null"
# Keys whose values are text (or lists and mappings of text): read as written, not as YAML 1.1 would
# type them, so an id 001 stays '001' (not 1), a title Yes or 12:30 stays text (not True or 750) and
# lang: no is Norwegian.
WRITTEN_KEYS = frozenset({"id", "title", "lang", "quiz", "channel", "on_critical", "skills", "cases", "description"})


def as_written(node, seen: dict | None = None) -> Any:
    """The text of a YAML node as the author wrote it: every scalar is its source text (None when
    empty, ~ or null), lists and mappings of them likewise. A node met again through an alias is the
    same object, as YAML builds it, so an alias bomb costs its nodes, not its exponential expansion."""
    seen = {} if seen is None else seen
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == NULL_TAG else node.value
    if id(node) in seen:
        return seen[id(node)]
    if isinstance(node, yaml.SequenceNode):
        items: list = []
        seen[id(node)] = items
        items.extend(as_written(item, seen) for item in node.value)
        return items
    if isinstance(node, yaml.MappingNode):
        mapping: dict = {}
        seen[id(node)] = mapping
        for key, value in node.value:
            written = as_written(key, seen)
            mapping[written if isinstance(written, str | None) else repr(written)] = as_written(value, seen)
        return mapping
    return None


def text_as_written(node, data: dict) -> None:
    """Replace the values of :data:`WRITTEN_KEYS` in ``data`` (read from mapping ``node``) by their text."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value in WRITTEN_KEYS and key_node.value in data:
                data[key_node.value] = as_written(value_node)


def load_yaml(text: str) -> tuple[Any, Any]:
    """(node, data) of one YAML document; every failure is a ``yaml.YAMLError``."""
    loader = None
    try:
        loader = _SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except RecursionError:
        raise yaml.YAMLError("it is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    return node, data


def line_of(mark, text: str) -> int:
    """0-based line of a YAML mark counted in '\\n' only, as the file's lines are (PyYAML also breaks at NEL, LS, PS)."""
    return text.count("\n", 0, mark.index)


def reader_line(exc: yaml.YAMLError, text: str) -> int:
    """0-based line of a ReaderError (a character YAML does not accept), else 0."""
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) if isinstance(position, int) else 0


def reason(exc: yaml.YAMLError) -> str:
    """The reason without PyYAML's '  in "<unicode string>", position N' line."""
    return (str(exc).splitlines() or ["unreadable"])[0]
