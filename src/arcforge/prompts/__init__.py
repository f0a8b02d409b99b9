"""Prompts: templates as package data files, the messages built from them, and reply parsers.

``build_messages("code", task, encoding="json-rows")`` gives the chat messages of an agent (reasoning,
code, direct) for a task; it never includes a test output. ``parse_code``, ``parse_reasoning``,
``parse_grid`` and ``parse_direct`` read replies, raising :class:`ParseError` (with a ``kind``) when a
reply holds no usable answer. Every parser reads at most ``MAX_REPLY_CHARS`` characters of a reply and
runs in time linear in them (``tests/prompts/test_parsing_adversarial.py``).
"""

from arcforge.prompts.direct import DIRECT_OUTCOMES
from arcforge.prompts.parsing import (
    MAX_REPLY_CHARS,
    SOLVER_NAMES,
    CodeAnswer,
    DirectAnswer,
    ParseError,
    normalize_reply,
    parse_code,
    parse_direct,
    parse_grid,
    parse_reasoning,
)
from arcforge.prompts.templates import AGENTS, PromptTemplate, build_messages, list_templates, load_template

__all__ = [
    "AGENTS",
    "DIRECT_OUTCOMES",
    "MAX_REPLY_CHARS",
    "SOLVER_NAMES",
    "CodeAnswer",
    "DirectAnswer",
    "ParseError",
    "PromptTemplate",
    "build_messages",
    "list_templates",
    "load_template",
    "normalize_reply",
    "parse_code",
    "parse_direct",
    "parse_grid",
    "parse_reasoning",
]
