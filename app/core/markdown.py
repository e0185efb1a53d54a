"""Markdown to safe HTML: every rendering goes through the sanitiser."""

from __future__ import annotations

import re
import threading

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "code": {"class"},
}
EXTENSIONS = ["extra", "sane_lists"]


def sanitise(html: str) -> str:
    """Strip anything that could run in a browser (scripts, event handlers, javascript: links, styles)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


_local = threading.local()


def _converter() -> md.Markdown:
    """One Markdown instance per thread, reset between documents: building one costs more than converting."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = md.Markdown(extensions=EXTENSIONS, output_format="html")
    return converter


# One line with none of Markdown's syntax renders as itself in a paragraph; options and feedback mostly are.
_MARKUP = re.compile(r"[\\`*_\[\]<>&!#|~{}\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_START = re.compile(r"\d+[.)]|[-+>=:]")


def _plain_paragraph(text: str) -> str | None:
    if not text or text != text.strip() or _MARKUP.search(text) or _BLOCK_START.match(text):
        return None
    return f"<p>{text}</p>"


def render_markdown(text: str) -> str:
    """Markdown to sanitised HTML."""
    if not text:
        return ""
    plain = _plain_paragraph(text)
    if plain is not None:
        # no <, > or & in it, so the sanitiser has nothing to change unless it spells a no-break space
        return sanitise(plain) if "\u00a0" in plain else plain
    converter = _converter()
    try:
        return sanitise(converter.convert(text))
    finally:
        converter.reset()  # footnotes, abbreviations and the like never leak into the next document


def render_inline(text: str) -> str:
    """One line of Markdown (an option, a heading) to sanitised HTML without the surrounding <p>."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
