"""Parsing model replies into explanations and programs; a reply that cannot be parsed is typed.

Replies are first normalised (:func:`~arcforge.prompts.reply.normalize_reply`): CRLF becomes LF and
``<think>...</think>`` blocks (reasoning models that think in the text) are set aside, so a grid or program
drafted while thinking is not taken for the answer. Then:

* :func:`parse_reasoning`: the explanation (the whole reply); empty is a failure.
* :func:`parse_code`: code blocks fenced ```` ```python ````, ```` ```py ````, ``~~~`` or unlabelled (an
  unterminated last fence, as a reply cut by ``max_tokens`` has, counts); of several, the last one that
  defines the solver (``solve``, ``solve_task`` or ``transform``), with helper functions it calls from
  the reply's other blocks put before it; without a Python block, the code from the first top-level
  ``import``/``def`` line outside any fence when the text defines a solver (up to the next fence). A block with a syntax error still counts when
  it visibly defines a solver: running it is the sandbox's judgement, not the parser's. The explanation
  is the reply without the chosen block and its fence lines.
* :func:`parse_grid` / :func:`parse_direct` (in :mod:`arcforge.prompts.direct`): grids found by
  :mod:`arcforge.prompts.grids_in_text`, labelled ``Test N output`` answers first.

Every failure raises :class:`ParseError` with a ``kind`` (``empty``, ``no_code``, ``no_solver``,
``no_grid``, ``too_deep``), so a record says ``status: "parse_failure"`` and why, never a wrong or empty
answer.

Bounded work. A reply is read up to :data:`~arcforge.prompts.reply.MAX_REPLY_CHARS` characters (both
ends of a longer one); fence lines are found by one forward regex scan with possessive quantifiers (no
backtracking; at most :data:`MAX_FENCE_LINES` of them); the syntax tree is built for at most :data:`MAX_AST_BLOCKS` blocks of at most
:data:`MAX_AST_CHARS` characters each (a larger block is judged by its text). So a parse costs time
linear in at most 256 KiB and never blocks an event loop for long: the pipelines call the parsers
directly (``tests/prompts/test_parsing_adversarial.py`` holds every parser to 100 ms on 1 MB hostile
replies).
"""

from __future__ import annotations

import ast
import builtins
import itertools
import re
from dataclasses import dataclass
from typing import NamedTuple

from arcforge.prompts.direct import DirectAnswer, parse_direct, parse_grid
from arcforge.prompts.reply import (
    MAX_REPLY_CHARS,
    ParseError,
    guarded,
    normalize_reply,
    read_window,
    strip_fence_lines,
)

__all__ = [
    "MAX_AST_BLOCKS",
    "MAX_AST_CHARS",
    "MAX_FENCE_LINES",
    "MAX_REPLY_CHARS",
    "SOLVER_NAMES",
    "CodeAnswer",
    "CodeBlock",
    "DirectAnswer",
    "ParseError",
    "code_blocks",
    "normalize_reply",
    "parse_code",
    "parse_direct",
    "parse_grid",
    "parse_reasoning",
]

SOLVER_NAMES = ("solve", "solve_task", "transform")
MAX_AST_CHARS = 65_536  # a block larger than this is judged by its text, not by its syntax tree
MAX_AST_BLOCKS = 64  # at most this many blocks are parsed into a syntax tree per reply
MAX_FENCE_LINES = 4_096  # fence lines read per reply (2,048 code blocks)
_PYTHON_LABELS = {"", "python", "py", "python3", "py3", "python2"}
# A fence line: its marker, the label after it, anything else on the line; the match ends past its newline.
_FENCE = re.compile(r"^[ \t]*+(`{3,}+|~{3,}+)[ \t]*+([A-Za-z0-9_+.-]*+)([^\n]*+)\n?", re.MULTILINE)
_SOLVER_DEF = re.compile(r"^[ \t]*+def[ \t]++(solve|solve_task|transform)[ \t]*+\(", re.MULTILINE)
_CODE_START = re.compile(r"^(?:import |from [\w.]++ import |def |class |@)", re.MULTILINE)
_BUILTINS = frozenset(dir(builtins))


class CodeBlock(NamedTuple):
    """A fenced block: its label (lower case), its text, where it starts and ends, whether it closed."""

    label: str
    code: str
    start: int
    end: int
    closed: bool


@dataclass(frozen=True, slots=True)
class CodeAnswer:
    """A code agent's answer: the explanation, the program, and the solver it defines."""

    explanation: str
    code: str
    entry: str


def parse_reasoning(text: str | None) -> str:
    """The explanation in a reasoning agent's reply; :class:`ParseError` ``empty`` when there is none.

    As every parser, it reads at most :data:`MAX_REPLY_CHARS` characters (both ends of a longer reply;
    the record keeps the whole reply as ``completion``).
    """
    explanation = normalize_reply(read_window(text))
    if not explanation:
        raise ParseError("empty", "the reply is empty")
    return explanation


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block in ``text`` (```` ``` ```` or ``~~~``), the last one possibly unterminated.

    One forward pass over the fence lines (found by one regex scan): an opening fence is closed by the
    next fence line of the same character, at least as long, with nothing after it. Only the first
    :data:`MAX_FENCE_LINES` fence lines are read (a block open at the last of them runs to the end).
    """
    blocks: list[CodeBlock] = []
    opened = ""  # the marker of the open block, "" when none is open
    label = ""
    start = body = 0
    for fence in itertools.islice(_FENCE.finditer(text), MAX_FENCE_LINES):
        marker, info, rest = fence.group(1, 2, 3)
        if not opened:
            if "`" not in rest:
                opened, label, start, body = marker, info.lower(), fence.start(), fence.end()
        elif not info and not rest and marker[0] == opened[0] and len(marker) >= len(opened):
            blocks.append(CodeBlock(label, text[body : fence.start()], start, fence.end(), True))
            opened = ""
    if opened:
        blocks.append(CodeBlock(label, text[body:], start, len(text), False))
    return blocks


@guarded
def parse_code(text: str | None) -> CodeAnswer:
    """The program and explanation in a code agent's reply; raises :class:`ParseError`."""
    reply = normalize_reply(read_window(text))
    if not reply:
        raise ParseError("empty", "the reply is empty")
    every_block = code_blocks(reply)
    blocks = [block for block in every_block if block.label in _PYTHON_LABELS and block.code.strip()]
    budget = [MAX_AST_BLOCKS]
    for chosen in reversed(blocks):  # the last block that defines a solver
        entry = _solver_entry(chosen.code, budget) if _SOLVER_DEF.search(chosen.code) else None
        if entry:
            code = _with_helpers(chosen, [block for block in blocks if block.start < chosen.start], budget)
            parts = (strip_fence_lines(reply[: chosen.start]), reply[chosen.end :].strip())
            explanation = "\n\n".join(part for part in parts if part)
            return CodeAnswer(explanation=explanation, code=code.strip("\n") + "\n", entry=entry)
    if blocks:
        raise ParseError(
            "no_solver",
            f"{len(blocks)} code block(s) but none defines solve(grid), solve_task(grid) or transform(grid)",
        )
    solver_def = _SOLVER_DEF.search(reply)
    start = _CODE_START.search(reply)
    if solver_def and start and start.start() <= solver_def.start() and _outside(every_block, start.start()):
        after = [block.start for block in every_block if block.start > start.start()]
        code = strip_fence_lines(reply[start.start() : min(after, default=len(reply))], inline=False)
        entry = _solver_entry(code, budget) or solver_def.group(1)
        return CodeAnswer(
            explanation=strip_fence_lines(reply[: start.start()]), code=code.strip("\n") + "\n", entry=entry
        )
    raise ParseError("no_code", "the reply holds no Python code block defining solve(grid)")


def _outside(blocks: list[CodeBlock], position: int) -> bool:
    """Whether ``position`` lies outside every fenced block (unfenced code may not start in a ```json)."""
    return not any(block.start <= position < block.end for block in blocks)


def _tree(code: str, budget: list[int]) -> ast.Module | None:
    """The syntax tree of ``code``, or None (a syntax error, too large, too deep, or the budget spent)."""
    if len(code) > MAX_AST_CHARS or budget[0] <= 0:
        return None
    budget[0] -= 1
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _solver_entry(code: str, budget: list[int]) -> str | None:
    """The solver a block defines (by the syntax tree, or by its text when it has none)."""
    tree = _tree(code, budget)
    if tree is None:
        match = _SOLVER_DEF.search(code)
        return match.group(1) if match else None
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for name in SOLVER_NAMES:
        if name in defined:
            return name
    return None


def _with_helpers(chosen: CodeBlock, earlier: list[CodeBlock], budget: list[int]) -> str:
    """The chosen block, preceded by earlier blocks that define functions it uses but lacks."""
    tree = _tree(chosen.code, budget)
    missing = _undefined_names(tree) if tree is not None else set()
    if not missing:
        return chosen.code
    prefix = []
    for block in earlier:
        if "def " not in block.code and "class " not in block.code:
            continue
        other = _tree(block.code, budget)
        if other is None:
            continue
        provides = {n.name for n in other.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        if provides & missing:
            prefix.append(block.code)
            missing -= provides
    return "\n\n".join([*prefix, chosen.code])


def _undefined_names(tree: ast.Module) -> set[str]:
    defined: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name):
            (defined if isinstance(node.ctx, ast.Store) else used).add(node.id)
        elif isinstance(node, ast.arg):
            defined.add(node.arg)
    return used - defined - _BUILTINS
