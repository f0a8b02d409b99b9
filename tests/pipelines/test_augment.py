"""Augmented programs: the written-out transforms equal arcforge.task.transforms on every grid."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from arcforge.errors import UsageError
from arcforge.pipelines.augment import augmentations, compose_program, rewrite_explanation, transform_source
from arcforge.pipelines.augment_text import _TOKEN, COLOUR_WORDS, MAX_EXPLANATION_CHARS
from arcforge.task.grid import Grid
from arcforge.task.transforms import (
    D8,
    ColorPermutation,
    Symmetry,
    compose,
    parse_transform,
    random_color_permutation,
)

TRANSFORMS = [
    *D8,
    random_color_permutation(7),
    compose(parse_transform("rot90"), random_color_permutation(3)),
]


def _run(source: str, name: str, grid: Grid) -> Grid:
    namespace: dict = {}
    exec(compile(source, "<augment>", "exec"), namespace)  # our own generated code, not a model's
    return Grid(namespace[name](grid.to_list()))


@pytest.mark.parametrize("transform", TRANSFORMS, ids=lambda t: t.name)
def test_transform_source_matches_the_core_transform(transform) -> None:
    rng = random.Random(transform.name)
    for _ in range(20):
        height, width = rng.randint(1, 7), rng.randint(1, 7)
        grid = Grid([[rng.randint(0, 9) for _ in range(width)] for _ in range(height)])
        assert _run(transform_source(transform, "f"), "f", grid) == transform.apply_grid(grid)
        assert _run(transform_source(transform.inverse(), "g"), "g", transform.apply_grid(grid)) == grid


def test_composed_program_solves_the_transformed_pair() -> None:
    code = "def transform(grid):\n    return [row * 2 for row in grid]\n"
    grid = Grid([[1, 2, 3], [4, 5, 6]])
    for transform in TRANSFORMS:
        program = compose_program(code, "transform", transform)
        expected = transform.apply_grid(Grid([row * 2 for row in grid.to_list()]))
        assert _run(program, "solve", transform.apply_grid(grid)) == expected


def test_augmentations_reads_the_option() -> None:
    names = [t.name for t in augmentations("d8,colors", seed="k1")]
    assert len(names) == 8 and "identity" not in names and "rot90" in names
    assert names[-1].startswith("colors:0")  # the background stays black
    assert augmentations("colors", seed="k1")[0] == augmentations("colors", seed="k1")[0]
    assert [t.name for t in augmentations("rot90, rot90,identity", seed="x")] == ["rot90"]
    with pytest.raises(UsageError, match="grid transforms"):
        augmentations("order:1,0", seed="x")
    with pytest.raises(UsageError):
        augmentations("spin", seed="x")


# --- explanations made true of the augmented task ---------------------------------------------------

SWAP_RED_BLUE = ColorPermutation((0, 2, 1, 3, 4, 5, 6, 7, 8, 9))
NAMES = ("black", "blue", "red", "green", "yellow", "grey", "magenta", "orange", "light blue", "maroon")


def _real_explanations(shared_fixtures: Path) -> list[str]:
    store = json.loads((shared_fixtures / "traces_store.json").read_text())
    return [trace["text"] for traces in store.values() for trace in traces]


def test_a_colour_swap_is_one_pass_never_a_chain() -> None:
    assert rewrite_explanation("red becomes blue, blue becomes red", SWAP_RED_BLUE) == (
        "blue becomes red, red becomes blue"
    )
    assert rewrite_explanation("the '1' cells turn into '2'", SWAP_RED_BLUE) == "the '2' cells turn into '1'"


def test_the_issues_example_names_the_new_colours() -> None:
    permutation = parse_transform("colors:0123456789->0123475689")  # 5->7, 6->5, 7->6
    assert rewrite_explanation("orange (7) becomes grey (5)", permutation) == "magenta (6) becomes orange (7)"


def _sentence(name: str) -> str:
    return name[0].upper() + name[1:]


@pytest.mark.parametrize(
    ("case", "expected_case"), [(str.lower, str.lower), (str.upper, str.upper), (str.title, _sentence)]
)
def test_all_ten_colour_names_in_any_case(case, expected_case) -> None:
    shift = ColorPermutation(tuple((c + 1) % 10 for c in range(10)))
    text = ", ".join(case(name) for name in NAMES)
    expected = ", ".join(expected_case(NAMES[(c + 1) % 10]) for c in range(10))
    assert rewrite_explanation(text, shift) == expected  # "Light Blue" (two words) -> "Maroon"
    synonyms = rewrite_explanation("Gray, teal, azure, pink, brown, light-blue", shift)
    assert synonyms == "Magenta, maroon, maroon, orange, black, maroon"


def test_digits_that_name_colours_change_and_counts_do_not() -> None:
    text = (
        "Example 2: the 2s (red) become 1. Each 3x3 block of 2 cells holds value 1; rows 1-2 stay.\n1. fill"
    )
    assert rewrite_explanation(text, SWAP_RED_BLUE) == (
        "Example 2: the 1s (blue) become 2. Each 3x3 block of 2 cells holds value 2; rows 1-2 stay.\n1. fill"
    )
    grid = rewrite_explanation("The output is [[1, 2], [2, 0]].", SWAP_RED_BLUE)
    assert grid == "The output is [[2, 1], [1, 0]]."


@pytest.mark.parametrize(
    "text",
    ["replace 2 with 3", "the purple shape", "a light grey frame", "position (2, 3) turns 1"],
)
def test_no_faithful_colour_rewrite_drops_the_explanation(text: str) -> None:
    assert rewrite_explanation(text, parse_transform("colors:0123456789->0321456789")) is None


def test_symmetries_rewrite_directions_axes_turns_and_diagonals() -> None:
    text = (
        "The shape moves left until it touches the wall on the left; other cells are left unchanged. "
        "It turns clockwise about the main diagonal. A 3x5 grid has 3 rows; the top row is the first row. "
        "The object above the line is wider than it is tall, up to 4 cells."
    )
    assert rewrite_explanation(text, Symmetry("flip_lr")) == (
        "The shape moves right until it touches the wall on the right; other cells are left unchanged. "
        "It turns anticlockwise about the anti-diagonal. A 3x5 grid has 3 rows; the top row is the first row. "
        "The object above the line is wider than it is tall, up to 4 cells."
    )
    turned = rewrite_explanation("the top row is the first row; it is tall", Symmetry("rot90"))
    assert turned == "the right column is the last column; it is wide"
    assert rewrite_explanation("along the main diagonal", Symmetry("transpose")) == "along the main diagonal"
    assert rewrite_explanation("the upper-left corner", Symmetry("flip_ud")) == "the lower-left corner"


@pytest.mark.parametrize(
    ("text", "symmetry"),
    [
        ("row 2 is red", "flip_ud"),  # counted from the other end: depends on the height
        ("the second column", "flip_lr"),
        ("the row above", "rot90"),  # "above" without an object has no sideways word
        ("the cell at (1, 2)", "rot180"),
        ("The output is [[1, 2]]", "rot90"),
    ],
)
def test_no_faithful_symmetry_rewrite_drops_the_explanation(text: str, symmetry: str) -> None:
    assert rewrite_explanation(text, Symmetry(symmetry)) is None


def test_an_empty_explanation_stays_empty() -> None:
    assert rewrite_explanation("", Symmetry("rot90")) == ""


def test_real_explanations_under_a_colour_permutation(shared_fixtures: Path) -> None:
    """Token by token, every colour word of a rewritten real explanation names the permuted colour."""
    permutation = parse_transform("colors:0123456789->0987654321")
    texts = _real_explanations(shared_fixtures)
    rewritten = 0
    for text in texts:
        new = rewrite_explanation(text, permutation)
        if new is None:
            continue
        rewritten += 1
        old_tokens, new_tokens = list(_TOKEN.finditer(text)), list(_TOKEN.finditer(new))
        assert [t.lastgroup for t in old_tokens] == [t.lastgroup for t in new_tokens]
        for old, now in zip(old_tokens, new_tokens, strict=True):
            if old.lastgroup == "colour":
                assert (
                    COLOUR_WORDS[now.group().lower()]
                    == permutation.mapping[COLOUR_WORDS[old.group().lower()]]
                )
            elif old.lastgroup not in ("digit", "cells"):
                assert now.group() == old.group()
        # and the permutation undone gives the text back, up to colour synonyms
        assert rewrite_explanation(new, permutation.inverse()) is not None
    assert rewritten >= len(texts) // 3, f"only {rewritten} of {len(texts)} real explanations kept"


@pytest.mark.parametrize("name", ["flip_lr", "flip_ud", "rot180"])
def test_real_explanations_under_a_self_inverse_symmetry_come_back_whole(shared_fixtures: Path, name) -> None:
    symmetry = Symmetry(name)
    texts = _real_explanations(shared_fixtures)
    kept = [(text, new) for text in texts if (new := rewrite_explanation(text, symmetry)) is not None]
    assert len(kept) >= len(texts) // 2
    changed = 0
    for text, new in kept:
        assert rewrite_explanation(new, symmetry) == text  # applied twice: the original, word for word
        changed += new != text
    assert changed >= len(kept) // 3  # real explanations do talk about directions


def test_real_explanations_under_quarter_turns_swap_rows_and_columns(shared_fixtures: Path) -> None:
    for text in _real_explanations(shared_fixtures):
        new = rewrite_explanation(text, Symmetry("rot90"))
        if new is None:
            continue
        assert _count(new, "rows") == _count(text, "columns|cols")
        assert _count(new, "columns") == _count(text, "rows")
        assert _count(new, "horizontal") == _count(text, "vertical")


def _count(text: str, words: str) -> int:
    return len(re.findall(rf"\b(?:{words})\b", text, re.IGNORECASE))


def test_export_writes_rewritten_explanations_and_counts_the_dropped(tmp_path: Path, capsys) -> None:
    """Through generate, verify and export --augment: each augmented row's explanation is true of its task."""
    from generation_replies import CORRECT, TILE_TASK, generate_code_args, responder_for, training

    from arcforge.cli import main
    from arcforge.testing import ScriptedServer

    explanation = (
        "The 2x2 input is tiled 3x3; row 1 of the tiles is mirrored left to right. Every red cell stays red."
    )
    answer = explanation + "\n\n" + CORRECT.split("\n\n", 1)[1]
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for([training().get(TILE_TASK)], {TILE_TASK: answer})) as server:
        assert main(generate_code_args(server.base_url, "--task-ids", TILE_TASK, "--out", str(run))) == 0
    assert main(["verify", str(run), "--json"]) == 0
    capsys.readouterr()
    spec = "flip_lr,rot90,colors:0123456789->0213456789"
    assert main(["export", str(run), "--augment", spec, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["augmented"] == 3 and summary["explanations_dropped"] == 1
    rows = [json.loads(line) for line in (run / "export.chat.jsonl").read_text().splitlines()]
    answers = {row["metadata"]["transform"]: row["messages"][-1]["content"] for row in rows}
    assert answers[None].startswith(explanation)
    assert answers["flip_lr"].startswith(
        "The 2x2 input is tiled 3x3; row 1 of the tiles is mirrored right to left."
    )
    assert answers["colors:0123456789->0213456789"].startswith(
        "The 2x2 input is tiled 3x3; row 1 of the tiles is mirrored left to right. Every blue cell stays blue."
    )
    assert answers["rot90"].startswith("```python")  # "row 1" counted from the other end: no true rewrite
    assert main(["export", str(run), "--augment", spec, "--out", str(tmp_path / "again.jsonl")]) == 0
    assert "augmented rows written without their explanation: 1" in capsys.readouterr().out


@pytest.mark.parametrize("unit", ["first, ", "row 1-", "7 ", "[1, ", "left ", "(1) ", "to the ", "moves up "])
def test_hostile_explanations_are_rewritten_in_linear_time(unit: str) -> None:
    """An explanation is model text: repeated tokens at the length cap take well under a second (about
    50 ms on a quiet machine; 2 s allows for a loaded one), and a longer one is dropped unread."""
    text = (unit * (MAX_EXPLANATION_CHARS // len(unit) + 1))[:MAX_EXPLANATION_CHARS]
    for transform in (Symmetry("rot90"), SWAP_RED_BLUE):
        best = min(_timed(text, transform) for _ in range(3))
        assert best < 2.0, f"{best:.2f} s for {unit!r} under {transform.name}"
    assert rewrite_explanation(text + "x", Symmetry("flip_lr")) is None


def _timed(text: str, transform) -> float:
    started = time.perf_counter()
    rewrite_explanation(text, transform)
    return time.perf_counter() - started
