"""Trace text to safe HTML: Markdown through markdown-it-py, then cleaned by nh3.

markdown-it runs with raw HTML disabled (``<script>`` becomes visible text), and its output still goes
through nh3's allow-list of tags and attributes (no event handlers, no ``style``, links limited to
http, https and mailto and marked ``rel="noopener noreferrer nofollow"``). The page inserts only this
cleaned HTML, and its Content Security Policy forbids inline scripts as a third line of defence.
Plain-text traces are escaped and wrapped in ``<pre>``.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

__all__ = ["TraceRenderer"]

_TAGS = {
    "p",
    "br",
    "hr",
    "em",
    "strong",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "s",
}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


class TraceRenderer:
    """Renders trace text; build one per app (the Markdown parser is reusable)."""

    def __init__(self) -> None:
        self._markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

    def render(self, text: str, *, fmt: str = "markdown") -> str:
        """Sanitised HTML for ``text``; ``fmt`` is ``"markdown"`` or ``"text"``."""
        if fmt == "text":
            return f'<pre class="plain">{html.escape(text)}</pre>'
        raw = self._markdown.render(text)
        return nh3.clean(
            raw,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
