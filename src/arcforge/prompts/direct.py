"""Reading answer grids from a reply: :func:`parse_grid` (one grid) and :func:`parse_direct` (one per test).

The direct prompt asks for a line ``Test N output:`` before each answer grid, so a labelled answer is
taken first: the grid in the text that follows the last ``Test N output`` label holding a grid, up to the
next ``Test M output`` or ``Test M input`` label (a ``\\boxed{}`` grid there wins, else the grid right
after the label, else the section's last grid).
Without labels, ``\\boxed{}`` grids are taken when there are enough of them, else the last grids of the
reply. How the grids were chosen is the answer's :attr:`DirectAnswer.outcome`:

* ``labelled``: every grid came from its label: a ``\boxed{}`` grid in its section, or the grid that
  directly follows the label (after punctuation, markup or a fence line), or the only grid of its section;
* ``boxed``: exactly one ``\\boxed{}`` grid per test input, no labels;
* ``unlabelled``: no labels and no more grids than test inputs (they fill the first places);
* ``ambiguous``: more candidate grids than places and nothing that decides (a labelled section holding
  different grids, none right after its label; a label given twice with different grids; or more
  unlabelled grids than test inputs): the grid chosen is the one the rules above name, and the record
  says it was a guess.

The explanation is the reply before the first answer (its label, else its grid), without a trailing
fence line. A reply is read up to :data:`~arcforge.prompts.reply.MAX_REPLY_CHARS` characters and every scan
is linear (see :mod:`arcforge.prompts.grids_in_text`).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from arcforge.prompts.grids_in_text import FoundGrid, find_grids
from arcforge.prompts.reply import ParseError, guarded, normalize_reply, read_window, strip_fence_lines
from arcforge.task.grid import Grid

__all__ = ["DIRECT_OUTCOMES", "DirectAnswer", "parse_direct", "parse_grid"]

DIRECT_OUTCOMES = ("labelled", "boxed", "unlabelled", "ambiguous")
_GAP_MARKUP = re.compile(r"[`~]{3,}+[A-Za-z]*+|\bis\b|\bgrid\b", re.IGNORECASE)
_LABEL = re.compile(r"\btest[ \t]*+#?[ \t]*+([0-9]{1,3})[ \t]*+(output|input)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DirectAnswer:
    """A direct agent's answer: one grid per test input (None where the reply gave none)."""

    explanation: str
    grids: tuple[Grid | None, ...]
    outcome: str = "unlabelled"  # one of DIRECT_OUTCOMES

    @property
    def complete(self) -> bool:
        return all(grid is not None for grid in self.grids)


@guarded
def parse_grid(text: str | None) -> Grid:
    """The answer grid in a reply: the last ``\\boxed{}`` grid, else the last grid; :class:`ParseError`."""
    reply = normalize_reply(read_window(text))
    if not reply:
        raise ParseError("empty", "the reply is empty")
    found = find_grids(reply)
    boxed = [f for f in found if f.form == "boxed"]
    chosen = (boxed or found)[-1:] if found else []
    if not chosen:
        raise ParseError("no_grid", "the reply holds no grid (a JSON list of rows or rows of digits)")
    return chosen[0].grid


@guarded
def parse_direct(text: str | None, test_count: int) -> DirectAnswer:
    """One output grid per test input (labelled answers first; see the module's rules).

    With fewer grids than test inputs, the grids fill the first places and the rest are None; with no
    grid at all, :class:`ParseError` ``no_grid``.
    """
    reply = normalize_reply(read_window(text))
    if not reply:
        raise ParseError("empty", "the reply is empty")
    found = find_grids(reply)
    if not found:
        raise ParseError("no_grid", "the reply holds no grid (a JSON list of rows or rows of digits)")
    labelled = _labelled(reply, found, test_count)
    if labelled is not None:
        return labelled
    boxed = [f for f in found if f.form == "boxed"]
    pool: list[FoundGrid] = boxed if len(boxed) >= test_count else found
    chosen = pool[-test_count:] if len(pool) >= test_count else pool
    if len(pool) > test_count:
        outcome = "ambiguous"
    else:
        outcome = "boxed" if pool is boxed else "unlabelled"
    grids: list[Grid | None] = [f.grid for f in chosen]
    grids += [None] * (test_count - len(grids))
    return DirectAnswer(_explanation(reply, chosen[0].start), tuple(grids), outcome)


def _labelled(reply: str, found: list[FoundGrid], test_count: int) -> DirectAnswer | None:
    """The answer read from ``Test N output`` labels, or None when the reply has none for 1..test_count."""
    labels = list(_LABEL.finditer(reply))
    if not any(m.group(2).lower() == "output" and 1 <= int(m.group(1)) <= test_count for m in labels):
        return None
    starts = [f.start for f in found]
    label_starts = [label.start() for label in labels]
    picks: dict[int, tuple[int, FoundGrid]] = {}  # test number -> (label start, grid), the last label wins
    ambiguous = False
    first = max(0, bisect.bisect_right(label_starts, starts[0]) - 1)  # sections before it hold no grid
    for index in range(first, len(labels)):
        label = labels[index]
        section_end = label_starts[index + 1] if index + 1 < len(labels) else len(reply)
        number = int(label.group(1))
        if label.group(2).lower() != "output" or not 1 <= number <= test_count:
            continue
        section = found[bisect.bisect_left(starts, label.end()) : bisect.bisect_left(starts, section_end)]
        if not section:
            continue
        boxed = [f for f in section if f.form == "boxed"]
        if boxed:
            grid = boxed[-1]
        elif _follows(reply[label.end() : section[0].start]):
            grid = section[0]
        else:  # prose between the label and its grids: the last one, and more than one is a guess
            grid = section[-1]
            ambiguous |= len({f.grid for f in section}) > 1
        if number in picks and picks[number][1].grid != grid.grid:
            ambiguous = True
        picks[number] = (label.start(), grid)
    if not picks:
        return None
    grids = tuple(picks[n][1].grid if n in picks else None for n in range(1, test_count + 1))
    first = min(start for start, _ in picks.values())
    return DirectAnswer(_explanation(reply, first), grids, "ambiguous" if ambiguous else "labelled")


def _follows(gap: str) -> bool:
    """Whether a grid after this ``gap`` follows its label directly (punctuation, markup, a fence line)."""
    if len(gap) > 200:
        return False
    return not _GAP_MARKUP.sub("", gap).strip(" \t\n:*_#->.")


def _explanation(reply: str, end: int) -> str:
    """The reply before ``end``, without a fence line left open before the answer (nor the markup
    before a label, as in ``**Test 1 output:**``)."""
    line_start = reply.rfind("\n", 0, end) + 1
    if not reply[line_start:end].strip(" \t*#>_-"):
        end = line_start
    return strip_fence_lines(reply[:end])
