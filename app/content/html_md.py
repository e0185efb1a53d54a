"""HTML as it comes from Moodle (GIFT ``[html]`` text) to the Markdown of our content files.

Links and images keep their address as Markdown links (``[text](url)``, ``![alt](src)``), bold and
italics become ``**`` and ``*``, paragraphs, line breaks and list items become lines; every other tag
is dropped and its text kept. The text itself is escaped so that Markdown shows it as written.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]])")
BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "tr", "ul", "ol", "pre"}
SKIPPED = {"script", "style", "head", "title"}
EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}


def escape_markdown(text: str) -> str:
    """Plain text that Markdown shows as written: its emphasis and link characters escaped, and a '<'
    that would open a tag written as an entity."""
    text = MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def _url(value: str) -> str:
    return value.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str, int]] = []  # (href, where its text starts in out)
        self.emphasis: list[tuple[str, int]] = []  # (marker, where it stands in out)
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in BLOCKS:
            self.out.append("\n\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in EMPHASIS:
            self.emphasis.append((EMPHASIS[tag], len(self.out)))
            self.out.append(EMPHASIS[tag])
        elif tag == "a":
            self.links.append((values.get("href", ""), len(self.out)))
        elif tag == "img" and values.get("src"):
            alt = escape_markdown(" ".join(values.get("alt", "").split()))
            self.out.append(f"![{alt}]({_url(values['src'])})")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED:
            self.skipping -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in BLOCKS:
            self.out.append("\n\n")
        elif tag in EMPHASIS and self.emphasis and self.emphasis[-1][0] == EMPHASIS[tag]:
            self._close_emphasis()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            del self.out[start:]
            if href:
                self.out.append(f"[{text or escape_markdown(href)}]({_url(href)})")
            else:
                self.out.append(text)

    def _close_emphasis(self) -> None:
        """'**text**' with the spaces inside moved out (Markdown needs the markers next to the text);
        nothing at all for emphasis around nothing."""
        marker, start = self.emphasis.pop()
        text = "".join(self.out[start + 1 :])
        del self.out[start:]
        if text.strip() and "\n" not in text:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
            self.out.append(f"{lead}{marker}{text.strip()}{marker}{trail}")
        else:
            self.out.append(text)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(escape_markdown(re.sub(r"\s+", " ", data)))


def html_to_markdown(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    while converter.emphasis:  # a <b> or <i> never closed
        converter._close_emphasis()
    while converter.links:  # an <a> never closed: its text stays
        converter.handle_endtag("a")
    text = "".join(converter.out)
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()
