"""Rewriting an explanation so it is true of the augmented task, or saying that no faithful rewrite exists.

An augmented row pairs the transformed task with the program ``T ∘ solve ∘ T⁻¹``; its explanation must
describe the transformed task too. :func:`rewrite_explanation` rewrites it in **one pass** of one
regular expression over the text, each token mapped once from the original (so red->blue and blue->red
at once is a swap, never a chain):

* **Colour permutations**: the ten colour names as the prompts use them (black, blue, red, green,
  yellow, grey, magenta, orange, light blue, maroon) and their common synonyms (gray, pink, fuchsia,
  azure, teal, cyan, sky blue, dark blue, brown), in any case, become the name of the new colour (case
  kept); a digit that names a colour (``'5'``, ``(5)`` beside a colour name, ``colour 5``, ``value 5``,
  ``5s``) becomes the new digit, as does every digit of a grid written in the text.
* **Symmetries** (the D8 transforms): left/right, top/bottom, up/down, upper/lower, above/below,
  leftmost/topmost..., north/south/east/west, leftward/upward... follow the symmetry's action on
  directions; rows/columns, horizontal/vertical, width/height, wide/tall, x-axis/y-axis and sizes
  (``3x5``) swap when it exchanges the axes; clockwise/anticlockwise swap under reflections; the main
  diagonal and the anti-diagonal swap when the symmetry exchanges them; ``row 2``, ``first column``
  stay when their axis is not reversed, and first/last swap when it is.

Where a token has no faithful rewrite, the whole explanation is dropped (the function returns None)
rather than written false: a colour word with no ARC colour (purple, white...), a digit that may or may
not be a colour (``with 2 and 3``), an index along a reversed axis (``row 2`` after ``flip_ud``,
``second column`` after ``flip_lr``), ``above``/``below`` used without an object under a symmetry
that turns them sideways, or a grid drawn in the text under a symmetry. Phrases where left/right/up/
down are not directions (``left unchanged``, ``up to``, ``right angle``) are left as they are. An
explanation longer than :data:`MAX_EXPLANATION_CHARS` is dropped unread; the pass is linear in the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from arcforge.prompts.grids_in_text import find_grids
from arcforge.task.transforms import ColorPermutation, Composite, Symmetry, Transform

__all__ = ["COLOUR_WORDS", "MAX_EXPLANATION_CHARS", "rewrite_explanation"]

MAX_EXPLANATION_CHARS = 32_768  # the longest explanation rewritten; a longer one is dropped

_CANONICAL = ("black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "light blue", "maroon")
#: every colour word read, with the colour it names
COLOUR_WORDS: dict[str, int] = {name: colour for colour, name in enumerate(_CANONICAL)} | {
    "gray": 5,
    "pink": 6,
    "fuchsia": 6,
    "azure": 8,
    "teal": 8,
    "cyan": 8,
    "light-blue": 8,
    "lightblue": 8,
    "sky blue": 8,
    "sky-blue": 8,
    "dark blue": 1,
    "dark-blue": 1,
    "brown": 9,
}
_UNMAPPABLE_COLOURS = (
    "purple|violet|white|navy|lime|olive|silver|golden|gold|crimson|turquoise|beige|indigo|"
    "(?:dark|light|bright|pale)[- ](?:red|green|yellow|grey|gray|orange|pink|brown|magenta)"
)
_IDIOMS = (
    "up to|set up|make up|made up|end up|ends up|look up|pick up|break down|breaks down|broken down|"
    "narrow down|write down|boils? down|right angles?|right-angled?|right away|right now|all right|"
    "right answer|right order|left over|leftover"
)
# direction words by family: (up, down, left, right)
_FAMILIES: dict[str, tuple[str, str, str, str]] = {
    "place": ("top", "bottom", "left", "right"),
    "most": ("topmost", "bottommost", "leftmost", "rightmost"),
    "ward": ("upward", "downward", "leftward", "rightward"),
    "wards": ("upwards", "downwards", "leftwards", "rightwards"),
    "compass": ("north", "south", "west", "east"),
    "motion": ("up", "down", "left", "right"),
    "side": ("upper", "lower", "left", "right"),
    "prep": ("above", "below", "to the left of", "to the right of"),
    "toward": ("upward", "downward", "to the left", "to the right"),
    "hand": ("top", "bottom", "left-hand", "right-hand"),
    "on": ("at the top", "at the bottom", "on the left", "on the right"),
}
_WORD_FAMILY: dict[str, tuple[str, int]] = {}
for _family, _words in _FAMILIES.items():
    for _index, _word in enumerate(_words):
        _WORD_FAMILY.setdefault(_word, (_family, _index))
_WORD_FAMILY |= {"uppermost": ("most", 0), "lowermost": ("most", 1), "beneath": ("prep", 1)}
_DIRECTION_VECTORS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # up, down, left, right as (row, column)
_AXIS_PAIRS = {
    "row": "column", "rows": "columns", "column": "row", "columns": "rows", "col": "row", "cols": "rows",
    "horizontal": "vertical", "vertical": "horizontal", "horizontally": "vertically",
    "vertically": "horizontally", "width": "height", "height": "width", "widths": "heights",
    "heights": "widths", "wide": "tall", "tall": "wide", "x-axis": "y-axis", "y-axis": "x-axis",
}  # fmt: skip
# the word before a direction that makes it a way to go ("moves left", "one cell up")
_MOTION = frozenset((
    "move", "moves", "moved", "moving", "shift", "shifts", "shifted", "shifting", "slide", "slides",
    "slid", "extend", "extends", "extended", "go", "goes", "went", "grow", "grows", "fall", "falls",
    "fell", "push", "pushed", "pushes", "spread", "spreads", "expand", "expands", "point", "points",
    "pointing", "travel", "travels", "propagate", "propagates", "stretch", "stretches", "flow", "flows",
    "one", "cell", "cells", "step", "steps", "left",
))  # fmt: skip
# the word before "left" that makes it the verb ("is left unchanged")
_LEFT_AS_VERB_BEFORE = frozenset((
    "is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "remain", "remains", "stay",
    "stays",
))  # fmt: skip
_LEFT_AS_VERB_AFTER = re.compile(
    r"^\s*(?:unchanged|untouched|as is|alone|intact|empty|blank|over|behind|uncolou?red)\b", re.I
)
_OBJECT_AFTER = re.compile(
    r"^\s*(?:the|a|an|it|them|each|every|its|their|this|that|these|those|all|any)\b", re.I
)
_COLOUR_BEFORE = re.compile(
    r"(?:colou?rs?|values?|valued|digits?|numbers?|pixels? of|cells? of)\s*[:=]?\s*"
    r"(?:['\"`]?[0-9]['\"`]?\s*(?:,|and|or|&)\s*)*+['\"`]?$",
    re.I,
)
# what a colour becomes: "becomes 4", "replaced by 2", "Triangle -> 7"
_BECOMES_BEFORE = re.compile(
    r"(?:becomes?|became|turns? into|turned into|changes? to|changed to|replaced (?:by|with)|"
    r"recolou?red (?:to|as|with)|fill(?:s|ed)? with|maps? to|mapped to|->|→)\s*(?:a |an )?['\"`]?$",
    re.I,
)
_ORDINALS = "first|second|third|fourth|fifth|last|final|[0-9]{1,2}(?:st|nd|rd|th)"
_ORDINAL_WORD = re.compile(rf"\b(?:{_ORDINALS})\b", re.IGNORECASE)
_AXIS_AT_START = re.compile(r"rows?|columns?|cols?", re.IGNORECASE)
_AXIS_AT_END = re.compile(r"(?:rows?|columns?|cols?)$", re.IGNORECASE)
_SIZE = re.compile(r"([0-9]+)(\s*(?:x|×|by)\s*)([0-9]+)", re.IGNORECASE)
# a digit that counts or numbers something rather than naming a colour
_NOT_COLOUR_BEFORE = re.compile(
    r"\b(?:examples?|tests?|pairs?|steps?|rules?|cases?|inputs?|outputs?|stages?|phases?|parts?|objects?|"
    r"shapes?|groups?|lines?|sizes?|length|count|index|positions?|levels?|iterations?|rounds?|options?|"
    r"grids?|matri(?:x|ces)|tiles?|sections?|components?|quadrants?|blocks?|items?|first|every|each|only|"
    r"exactly|all|than|least|most|to|into|by|per)\s*(?:[0-9]{1,2}\s*(?:,|&|and|or|-|–|to)\s*)*+\W*$",
    re.IGNORECASE,
)
_NOT_COLOUR_AFTER = re.compile(
    r"^\W{0,2}(?:rows?|columns?|cols?|cells?|times|steps?|pixels?|squares?|blocks?|objects?|shapes?|units?|"
    r"positions?|neighbou?rs?|examples?|pairs?|items?|lines?|parts?|more|less|fewer|copies|layers?|sides?|"
    r"corners?|directions?|distinct|different|other|degrees|colou?rs|regions?|groups?|segments?|%)\b",
    re.IGNORECASE,
)
_ENUMERATOR = re.compile(r"(?:^|\n)[ \t>*#-]*\(?$")

_COLOUR_ALTERNATIVES = "|".join(sorted((re.escape(w) for w in COLOUR_WORDS), key=len, reverse=True))
# One pass, linear: every token starts where no word character (or ".") precedes it, so a position inside
# a word fails once instead of once per alternative; lists inside a token are bounded.
_TOKEN = re.compile(
    r"(?<![\w.])(?:"
    rf"(?P<idiom>\b(?:{_IDIOMS})\b)"
    rf"|(?P<size>\b[0-9]{{1,2}}\s*(?:x|×|by)\s*[0-9]{{1,2}}\b)"
    rf"|(?P<ordinal>\b(?:{_ORDINALS})(?:\s*+(?:,|and|or|to|&)\s*+(?:{_ORDINALS})){{0,8}}+\s++(?:rows?|columns?|cols?)\b)"
    r"|(?P<index>\b(?:rows?|columns?|cols?)\s+#?[0-9]{1,2}(?:\s*+(?:-|–|to|and|or|,|&)\s*+[0-9]{1,2}\b){0,8}+)"
    r"|(?P<coordinates>\(\s*[0-9]{1,2}\s*,\s*[0-9]{1,2}\s*\))"
    r"|(?P<cells>\[\s*+[0-9](?:\s*+,\s*+[0-9]){0,29}+\s*+\])"
    r"|(?P<every>\b0\s*-\s*9\b)"
    r"|(?P<unmappable>\b(?:" + _UNMAPPABLE_COLOURS + r")\b)"
    rf"|(?P<colour>\b(?:{_COLOUR_ALTERNATIVES})\b)"
    r"|(?P<diagonal>\b(?:(?:main|principal|leading) diagonal|anti[- ]?diagonal|(?:secondary|other) diagonal)\b)"
    r"|(?P<turn>\b(?:(?:counter|anti)[- ]?clockwise|clockwise)\b)"
    r"|(?P<prep>\bto the (?:left|right) of\b)|(?P<toward>\bto the (?:left|right)\b)|(?P<on>\bon the (?:left|right)\b)"
    r"|(?P<hand>\b(?:left|right)-hand\b)"
    r"|(?P<direction>\b(?:" + "|".join(sorted(_WORD_FAMILY, key=len, reverse=True)) + r")\b)"
    r"|(?P<axis>\b(?:x-axis|y-axis|rows?|columns?|cols?|horizontal(?:ly)?|vertical(?:ly)?|widths?|heights?|wide|tall)\b)"
    r"|(?P<digit>[0-9](?:'?s)?(?![\w]))"
    r")",
    re.IGNORECASE,
)


_HANDLERS = {group: "_direction" for group in ("prep", "toward", "on", "hand")} | {
    "unmappable": "_unmappable_colour"
}


class _NoRewrite(Exception):
    """A token with no faithful rewrite: the explanation is dropped."""


def rewrite_explanation(text: str | None, transform: Transform) -> str | None:
    """``text`` made true of the task transformed by ``transform``; None when no faithful rewrite exists.
    See the module's rules. An empty text stays empty (there is nothing to drop)."""
    if not text or not text.strip():
        return text or ""
    if len(text) > MAX_EXPLANATION_CHARS:
        return None  # no explanation is this long; a hostile one is not worth reading
    parts = transform.parts if isinstance(transform, Composite) else (transform,)
    symmetry = next((p for p in parts if isinstance(p, Symmetry)), None)
    colours = next((p for p in parts if isinstance(p, ColorPermutation)), None)
    if any(not isinstance(p, Symmetry | ColorPermutation) for p in parts):
        return None
    grids = find_grids(text)
    if grids and symmetry is not None and symmetry.name != "identity":
        return None  # a grid drawn in the text would have to be redrawn
    spans = [(g.start, g.end) for g in grids]
    rewriter = _Rewriter(text, symmetry.matrix if symmetry else (1, 0, 0, 1), colours, spans)
    try:
        return _TOKEN.sub(rewriter, text)
    except _NoRewrite:
        return None


class _Rewriter:
    """The per-token replacement of one pass (a callable for ``re.sub``)."""

    def __init__(
        self,
        text: str,
        matrix: tuple[int, int, int, int],
        colours: ColorPermutation | None,
        grid_spans: list[tuple[int, int]],
    ) -> None:
        self.text = text
        a, b, c, d = matrix
        self.swap = a == 0
        self.reflection = a * d - b * c == -1
        # where each direction (up, down, left, right) goes
        self.directions = [
            _DIRECTION_VECTORS.index((a * r + b * k, c * r + d * k)) for r, k in _DIRECTION_VECTORS
        ]
        # whether the old row / column index runs backwards in the new grid
        self.row_reversed = (c == -1) if self.swap else (a == -1)
        self.column_reversed = (b == -1) if self.swap else (d == -1)
        # the main diagonal runs along (1, 1); it stays main when that vector goes to +-(1, 1)
        self.diagonals_swap = a + b != c + d
        self.mapping = colours.mapping if colours else tuple(range(10))
        self.grid_spans = grid_spans

    def __call__(self, match: re.Match[str]) -> str:
        group = match.lastgroup or "idiom"
        if group in ("idiom", "every"):  # not directions; 0-9 is every colour
            return match.group()
        handler: Callable[[re.Match[str]], str] = getattr(self, _HANDLERS.get(group, f"_{group}"))
        return handler(match)

    # tokens -------------------------------------------------------------------------------------------
    def _size(self, match: re.Match[str]) -> str:
        if not self.swap:
            return match.group()
        size = _SIZE.fullmatch(match.group())
        assert size is not None
        return f"{size[3]}{size[2]}{size[1]}"

    def _axis_word(self, word: str) -> str:
        return _cased(word, _AXIS_PAIRS[word.lower()]) if self.swap else word

    def _ordinal(self, match: re.Match[str]) -> str:
        text = match.group()
        axis = _AXIS_AT_END.search(text)
        assert axis is not None
        reversed_axis = self.row_reversed if axis.group().lower().startswith("row") else self.column_reversed

        def ordinal(word: re.Match[str]) -> str:
            if not reversed_axis:
                return word.group()
            swapped = {"first": "last", "last": "first", "final": "first"}.get(word.group().lower())
            if swapped is None:
                raise _NoRewrite  # "second row" counted from the other end has no fixed name
            return _cased(word.group(), swapped)

        head = _ORDINAL_WORD.sub(ordinal, text[: axis.start()])
        return head + self._axis_word(axis.group())

    def _index(self, match: re.Match[str]) -> str:
        word = _AXIS_AT_START.match(match.group())
        assert word is not None
        if self.row_reversed if word.group().lower().startswith("row") else self.column_reversed:
            raise _NoRewrite
        return self._axis_word(word.group()) + match.group()[word.end() :]

    def _coordinates(self, match: re.Match[str]) -> str:
        if self.directions != [0, 1, 2, 3]:
            raise _NoRewrite  # (row, column) of a cell moves with the grid's size, which the text lacks
        return match.group()

    def _cells(self, match: re.Match[str]) -> str:
        """A row of cells written as a list: every digit a colour; its order follows no symmetry."""
        if self.directions != [0, 1, 2, 3]:
            raise _NoRewrite
        return re.sub(r"[0-9]", lambda d: str(self.mapping[int(d.group())]), match.group())

    def _unmappable_colour(self, match: re.Match[str]) -> str:
        if self.mapping == tuple(range(10)):
            return match.group()
        raise _NoRewrite

    def _colour(self, match: re.Match[str]) -> str:
        word = match.group()
        colour = COLOUR_WORDS[word.lower()]
        new = self.mapping[colour]
        return word if new == colour else _cased(word, _CANONICAL[new])

    def _diagonal(self, match: re.Match[str]) -> str:
        word = match.group()
        if not self.diagonals_swap:
            return word
        is_main = word.lower().split()[0] in ("main", "principal", "leading")
        return _cased(word, "anti-diagonal" if is_main else "main diagonal")

    def _turn(self, match: re.Match[str]) -> str:
        word = match.group()
        if not self.reflection:
            return word
        return _cased(word, "anticlockwise" if word.lower() == "clockwise" else "clockwise")

    def _direction(self, match: re.Match[str]) -> str:
        word = match.group()
        family, index = _WORD_FAMILY[word.lower()]
        before = self.text[max(0, match.start() - 40) : match.start()]
        after = self.text[match.end() : match.end() + 40]
        if word.lower() == "left" and (
            _last_word(before) in _LEFT_AS_VERB_BEFORE or _LEFT_AS_VERB_AFTER.match(after)
        ):
            return word  # "left unchanged": the verb, not the direction
        new_index = self.directions[index]
        if new_index == index:
            return word
        if (index < 2) != (new_index < 2):  # the word turns sideways: pick the family's equivalent
            family = self._sideways_family(family, index, before, after)
        return _cased(word, _FAMILIES[family][new_index])

    def _sideways_family(self, family: str, index: int, before: str, after: str) -> str:
        if family == "prep" and not _OBJECT_AFTER.match(after):
            raise _NoRewrite  # "the row above" has no sideways word that keeps the sentence
        if family in ("place", "motion", "side") and index >= 2:  # left/right: where, or which way
            return "motion" if _last_word(before) in _MOTION else "place"
        if family == "motion" and index < 2:
            return "toward" if _last_word(before) in _MOTION else "place"
        return family

    def _axis(self, match: re.Match[str]) -> str:
        return self._axis_word(match.group())

    def _digit(self, match: re.Match[str]) -> str:
        token = match.group()
        if self.mapping == tuple(range(10)):
            return token
        colour = int(token[0])
        if self.mapping[colour] == colour and not self._inside_grid(match.start()):
            return token  # a fixed colour (the black background) needs no decision
        if self._inside_grid(match.start()) or self._names_a_colour(match):
            return str(self.mapping[colour]) + token[1:]
        if self._counts(match):
            return token
        if _BECOMES_BEFORE.search(self.text[max(0, match.start() - 30) : match.start()]):
            return str(self.mapping[colour]) + token[1:]
        raise _NoRewrite

    # context ------------------------------------------------------------------------------------------
    def _inside_grid(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.grid_spans)

    def _counts(self, match: re.Match[str]) -> bool:
        """Whether the digit numbers or counts something (Example 2, 3 cells, a list item "1.")."""
        before = self.text[max(0, match.start() - 30) : match.start()]
        after = self.text[match.end() : match.end() + 30]
        if _ENUMERATOR.search(before) and after[:1] in (".", ")"):
            return True
        if re.match(rf"^\s+(?:{_COLOUR_ALTERNATIVES})\b", after, re.IGNORECASE):
            return True  # "2 red cells": a count of red cells
        return bool(_NOT_COLOUR_BEFORE.search(before) or _NOT_COLOUR_AFTER.match(after))

    def _names_a_colour(self, match: re.Match[str]) -> bool:
        text, start, end = self.text, match.start(), match.end()
        before = text[max(0, start - 30) : start]
        after = text[end : end + 30]
        if match.group().lower().endswith("s"):
            return True  # "the 5s"
        if before.endswith(("'", '"', "`")) and after.startswith(before[-1]):
            return True  # '5'
        if before.endswith("(") and after.startswith(")") and not _ENUMERATOR.search(before):
            return True  # cells (5), green (3)
        if _COLOUR_BEFORE.search(before):
            return True  # colour 5, value 5
        colour_next = re.match(rf"^\s*[(:=-]\s*['\"]?(?:{_COLOUR_ALTERNATIVES})\b", after, re.I)
        colour_before = re.search(rf"\b(?:{_COLOUR_ALTERNATIVES})\s*(?:\(|:|=|-)\s*['\"]?$", before, re.I)
        return bool(colour_next or colour_before)


def _last_word(text: str) -> str:
    """The last word of ``text`` in lower case (punctuation after it ignored); string methods, no regex."""
    words = text.rstrip(" \t\n,.;:!?()'\"*-").rsplit(None, 1)
    return words[-1].lower() if words else ""


def _cased(original: str, new: str) -> str:
    """``new`` written in the case of ``original`` (UPPER, Title Words, Capitalised or lower)."""
    if len(original) > 1 and original.isupper():
        return new.upper()
    if original.istitle() and len(re.split(r"[\s-]+", original)) > 1:
        return new.title()  # Light Blue -> Dark Blue, but Above -> To the left of
    if original[:1].isupper():
        return new[:1].upper() + new[1:]
    return new
