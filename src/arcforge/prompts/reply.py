"""What every reply parser shares: the typed failure, normalisation and the cap on what is read.

A model reply is hostile input. Normalisation is a handful of linear passes in C (``str.replace`` and
forward regex searches); every parser then reads at most :data:`MAX_REPLY_CHARS` characters of it: a
longer reply is read as its first and last :data:`MAX_REPLY_CHARS` ``// 2`` characters (cut at line
ends), with a marker line between them saying how much was skipped. The answer of a reply usually comes
last and a reply that ran away usually repeats itself, so both ends are kept.

:func:`guarded` turns a ``RecursionError`` (brackets nested thousands deep reaching a recursive library
parser) into :class:`ParseError` ``too_deep``, so no reply can crash its caller.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from arcforge.errors import ArcforgeError

__all__ = [
    "MAX_REPLY_CHARS",
    "PARSE_ERROR_KINDS",
    "ParseError",
    "guarded",
    "is_fence_line",
    "normalize_reply",
    "read_window",
    "strip_fence_lines",
]

MAX_REPLY_CHARS = 262_144  # 256 KiB of text: about 64,000 tokens, far more than any answer needs
PARSE_ERROR_KINDS = ("empty", "no_code", "no_solver", "no_grid", "too_deep")
_THINK_OPEN = re.compile(r"<think(?:ing)?>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think(?:ing)?>", re.IGNORECASE)
_MAX_STRIPPED = 8
_LABEL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.- \t"
_FENCE_LINE = re.compile(r"[ \t]*+(?:`{3,}+|~{3,}+)[^\n`]*+")

P = ParamSpec("P")
R = TypeVar("R")


class ParseError(ArcforgeError):
    """A reply that holds no usable answer; ``kind`` says which (one of :data:`PARSE_ERROR_KINDS`)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def normalize_reply(text: str | None) -> str:
    """CRLF to LF, thinking blocks removed, surrounding whitespace stripped (linear in the text)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if "<" not in text:
        return text.strip()
    kept: list[str] = []
    position = 0
    while (opening := _THINK_OPEN.search(text, position)) is not None:
        kept.append(text[position : opening.start()])
        closing = _THINK_CLOSE.search(text, opening.end())
        position = closing.end() if closing else len(text)
    kept.append(text[position:])
    return "".join(kept).strip()


def read_window(reply: str | None) -> str:
    """``reply`` itself, or for a reply over :data:`MAX_REPLY_CHARS` its two ends with a marker between.

    It is applied before :func:`normalize_reply`, so a thinking block opened in the first part and closed
    in the last is set aside whole, the marker with it.
    """
    reply = reply or ""
    if len(reply) <= MAX_REPLY_CHARS:
        return reply
    half = MAX_REPLY_CHARS // 2
    head = reply[:half]
    head = head[: head.rfind("\n") + 1] if "\n" in head else head
    tail = reply[-half:]
    tail = tail[tail.find("\n") + 1 :] if "\n" in tail else tail
    skipped = len(reply) - len(head) - len(tail)
    return f"{head}\n[... {skipped} characters of the reply were not read ...]\n\n{tail}"


def is_fence_line(line: str) -> bool:
    """Whether ``line`` (without its newline) opens or closes a code fence."""
    return _FENCE_LINE.fullmatch(line) is not None


def strip_fence_lines(text: str, *, inline: bool = True) -> str:
    """``text`` without the fence markers at its end: fence lines (an opening ```` ```json ```` left
    before an answer; at most :data:`_MAX_STRIPPED` of them, so the work stays linear) and, with
    ``inline``, a marker ending a sentence (``Here it is: ```python``)."""
    text = text.rstrip()
    for _ in range(_MAX_STRIPPED):
        cut = text.rfind("\n") + 1
        if is_fence_line(text[cut:]):
            text = text[:cut].rstrip()
            continue
        if inline:
            # str.rstrip with a set of characters: linear, where a regex anchored at the end is quadratic
            body = text.rstrip(_LABEL_CHARS)
            for mark in "`~":
                marker_start = len(body.rstrip(mark))
                if len(body) - marker_start >= 3:
                    return text[:marker_start].rstrip()
        break
    return text


def guarded(parser: Callable[P, R]) -> Callable[P, R]:
    """``parser`` with ``RecursionError`` turned into :class:`ParseError` ``too_deep``."""

    @functools.wraps(parser)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return parser(*args, **kwargs)
        except RecursionError:
            raise ParseError("too_deep", "the reply nests brackets too deeply to be read") from None

    return wrapper
