"""Prompts: templates as package data files, the messages built from them, and reply parsers.

``build_messages("code", task, encoding="json-rows")`` gives the chat messages of an agent (reasoning,
code, direct) for a task; it never includes a test output. ``parse_code``, ``parse_reasoning``,
``parse_grid`` and ``parse_direct`` read replies, raising :class:`ParseError` (with a ``kind``) when a
reply holds no usable answer.
"""

from arcforge.prompts.parsing import (
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
