"""Parsing model replies into explanations, programs and grids; a reply that cannot be parsed is typed.

Replies are first normalised: CRLF becomes LF and ``<think>...</think>`` blocks (reasoning models that
think in the text) are set aside, so a grid or program drafted while thinking is not taken for the
answer. Then:

* :func:`parse_reasoning`: the explanation (the whole reply); empty is a failure.
* :func:`parse_code`: code blocks fenced ```` ```python ````, ```` ```py ````, ``~~~`` or unlabelled (an
  unterminated last fence, as a reply cut by ``max_tokens`` has, counts); of several, the last one that
  defines the solver (``solve``, ``solve_task`` or ``transform``), with helper functions it calls from
  the reply's other blocks put before it; without any fence, the code from the first top-level
  ``import``/``def`` line when the text defines a solver. A block with a syntax error still counts when
  it visibly defines a solver: running it is the sandbox's judgement, not the parser's.
* :func:`parse_grid` / :func:`parse_direct`: grids found by :mod:`arcforge.prompts.grids_in_text`; a
  ``\\boxed{}`` answer wins, otherwise the last grid(s) in the reply.

Every failure raises :class:`ParseError` with a ``kind`` (``empty``, ``no_code``, ``no_solver``,
``no_grid``), so a record says ``status: "parse_failure"`` and why, never a wrong or empty answer.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass

from arcforge.errors import ArcforgeError
from arcforge.prompts.grids_in_text import FoundGrid, find_grids
from arcforge.task.grid import Grid

__all__ = [
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
_PYTHON_LABELS = {"", "python", "py", "python3", "py3", "python2"}
_OPEN_FENCE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<label>[A-Za-z0-9_+.-]*)[^\n`]*$")
_THINK = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.DOTALL | re.IGNORECASE)
_SOLVER_DEF = re.compile(r"^[ \t]*def[ \t]+(solve|solve_task|transform)[ \t]*\(", re.MULTILINE)
_CODE_START = re.compile(r"^(?:import |from [\w.]+ import |def |class |@)", re.MULTILINE)
_BUILTINS = frozenset(dir(builtins))


class ParseError(ArcforgeError):
    """A reply that holds no usable answer; ``kind`` says which (empty, no_code, no_solver, no_grid)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class CodeBlock:
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


@dataclass(frozen=True, slots=True)
class DirectAnswer:
    """A direct agent's answer: one grid per test input (None where the reply gave none)."""

    explanation: str
    grids: tuple[Grid | None, ...]

    @property
    def complete(self) -> bool:
        return all(grid is not None for grid in self.grids)


def normalize_reply(text: str | None) -> str:
    """CRLF to LF, thinking blocks removed, surrounding whitespace stripped."""
    return _THINK.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def parse_reasoning(text: str | None) -> str:
    """The explanation in a reasoning agent's reply; :class:`ParseError` ``empty`` when there is none."""
    explanation = normalize_reply(text)
    if not explanation:
        raise ParseError("empty", "the reply is empty")
    return explanation


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block in ``text`` (```` ``` ```` or ``~~~``), the last one possibly unterminated."""
    blocks: list[CodeBlock] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    index = 0
    while index < len(lines):
        match = _OPEN_FENCE.match(lines[index].rstrip("\n"))
        line_start = offset
        offset += len(lines[index])
        index += 1
        if not match:
            continue
        fence = match["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        closed = False
        while index < len(lines):
            line = lines[index]
            offset += len(line)
            index += 1
            if closing.match(line.rstrip("\n")):
                closed = True
                break
            body.append(line)
        blocks.append(CodeBlock(match["label"].lower(), "".join(body), line_start, offset, closed))
    return blocks


def parse_code(text: str | None) -> CodeAnswer:
    """The program and explanation in a code agent's reply; raises :class:`ParseError`."""
    reply = normalize_reply(text)
    if not reply:
        raise ParseError("empty", "the reply is empty")
    blocks = [block for block in code_blocks(reply) if block.label in _PYTHON_LABELS and block.code.strip()]
    solvers = [(block, entry) for block in blocks if (entry := _solver_entry(block.code))]
    if solvers:
        chosen, entry = solvers[-1]
        code = _with_helpers(chosen, [block for block in blocks if block is not chosen])
        explanation = (reply[: chosen.start] + reply[chosen.end :]).strip()
        return CodeAnswer(explanation=explanation, code=code.strip("\n") + "\n", entry=entry)
    if blocks:
        raise ParseError(
            "no_solver",
            f"{len(blocks)} code block(s) but none defines solve(grid), solve_task(grid) or transform(grid)",
        )
    solver_def = _SOLVER_DEF.search(reply)
    start = _CODE_START.search(reply)
    if not code_blocks(reply) and solver_def and start and start.start() <= solver_def.start():
        code = reply[start.start() :]
        entry = _solver_entry(code) or solver_def.group(1)
        return CodeAnswer(
            explanation=reply[: start.start()].strip(), code=code.strip("\n") + "\n", entry=entry
        )
    raise ParseError("no_code", "the reply holds no Python code block defining solve(grid)")


def parse_grid(text: str | None) -> Grid:
    """The answer grid in a reply: the last ``\\boxed{}`` grid, else the last grid; :class:`ParseError`."""
    reply = normalize_reply(text)
    if not reply:
        raise ParseError("empty", "the reply is empty")
    found = find_grids(reply)
    boxed = [f for f in found if f.form == "boxed"]
    chosen = (boxed or found)[-1:] if found else []
    if not chosen:
        raise ParseError("no_grid", "the reply holds no grid (a JSON list of rows or rows of digits)")
    return chosen[0].grid


def parse_direct(text: str | None, test_count: int) -> DirectAnswer:
    """One output grid per test input: boxed grids if there are enough, else the last ``test_count``.

    With fewer grids than test inputs, the grids fill the first places and the rest are None; with no
    grid at all, :class:`ParseError` ``no_grid``.
    """
    reply = normalize_reply(text)
    if not reply:
        raise ParseError("empty", "the reply is empty")
    found = find_grids(reply)
    if not found:
        raise ParseError("no_grid", "the reply holds no grid (a JSON list of rows or rows of digits)")
    boxed = [f for f in found if f.form == "boxed"]
    pool: list[FoundGrid] = boxed if len(boxed) >= test_count else found
    chosen = pool[-test_count:] if len(pool) >= test_count else pool
    grids: list[Grid | None] = [f.grid for f in chosen]
    grids += [None] * (test_count - len(grids))
    return DirectAnswer(explanation=reply[: chosen[0].start].strip(), grids=tuple(grids))


def _solver_entry(code: str) -> str | None:
    """The solver a block defines (by the syntax tree, or by its text when it does not parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        match = _SOLVER_DEF.search(code)
        return match.group(1) if match else None
    defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for name in SOLVER_NAMES:
        if name in defined:
            return name
    return None


def _with_helpers(chosen: CodeBlock, others: list[CodeBlock]) -> str:
    """The chosen block, preceded by other blocks that define functions it uses but lacks."""
    missing = _undefined_names(chosen.code)
    if not missing:
        return chosen.code
    prefix = []
    for block in others:
        if block.start > chosen.start:
            continue
        try:
            tree = ast.parse(block.code)
        except (SyntaxError, ValueError):
            continue
        provides = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        if provides & missing:
            prefix.append(block.code)
            missing -= provides
    return "\n\n".join([*prefix, chosen.code])


def _undefined_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
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
