"""Parsers against the shapes real model replies take."""

from __future__ import annotations

import pytest

from arcforge.prompts import ParseError, parse_code, parse_direct, parse_grid, parse_reasoning
from arcforge.task.grid import Grid

SOLVER = "def solve(grid):\n    return [row[::-1] for row in grid]\n"


@pytest.mark.parametrize("label", ["python", "py", "Python3", ""])
def test_code_in_labelled_and_unlabelled_fences(label: str) -> None:
    answer = parse_code(f"The rule mirrors each row.\n\n```{label}\n{SOLVER}```\nDone.")
    assert answer.code == SOLVER and answer.entry == "solve"
    assert answer.explanation == "The rule mirrors each row.\n\nDone."


def test_crlf_tilde_fences_and_unterminated_block() -> None:
    answer = parse_code("Explanation\r\n~~~python\r\n" + SOLVER.replace("\n", "\r\n") + "~~~\r\n")
    assert answer.code == SOLVER
    cut = parse_code("Rule: mirror.\n```python\n" + SOLVER)  # cut off by max_tokens before the fence closes
    assert cut.code == SOLVER


def test_several_blocks_take_the_one_defining_the_solver_with_its_helpers() -> None:
    reply = (
        "First a helper:\n```python\ndef mirror(row):\n    return row[::-1]\n```\n"
        "Example use:\n```python\nprint(mirror([1, 2]))\n```\n"
        "```json\n[[1, 2]]\n```\n"
        "Final program:\n```python\ndef transform(grid):\n    return [mirror(r) for r in grid]\n```\n"
        "And a test:\n```\nassert transform([[1, 2]]) == [[2, 1]]\n```\n"
    )
    answer = parse_code(reply)
    assert answer.entry == "transform"
    assert answer.code.startswith("def mirror(row):")
    assert answer.code.rstrip().endswith("return [mirror(r) for r in grid]")
    assert "print(" not in answer.code and "assert" not in answer.code


def test_last_solver_wins_and_solve_task_is_a_solver() -> None:
    reply = "```python\ndef solve(g):\n    return g\n```\nBetter:\n```py\ndef solve_task(input_grid):\n    return [[1]]\n```"
    answer = parse_code(reply)
    assert answer.entry == "solve_task" and "[[1]]" in answer.code


def test_code_with_a_syntax_error_is_still_the_answer_and_unfenced_code_is_found() -> None:
    broken = parse_code("```python\ndef solve(grid):\n    return [row[::-1] for row in grid\n```")
    assert broken.entry == "solve" and "grid\n" in broken.code
    bare = parse_code("Rule: mirror.\n\nimport copy\n\ndef solve(grid):\n    return copy.deepcopy(grid)\n")
    assert bare.code.startswith("import copy") and bare.explanation == "Rule: mirror."


def test_thinking_is_set_aside() -> None:
    reply = (
        "<think>maybe ```python\ndef solve(g): return None\n``` no</think>Answer:\n```python\n"
        + SOLVER
        + "```"
    )
    assert parse_code(reply).code == SOLVER


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("", "empty"),
        ("   \r\n  ", "empty"),
        ("I cannot solve this puzzle.", "no_code"),
        ("```python\ndef helper(x):\n    return x\n```", "no_solver"),
        ('```json\n{"a": 1}\n```', "no_code"),
    ],
)
def test_unparseable_code_replies_are_typed_failures(reply: str, kind: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_code(reply)
    assert caught.value.kind == kind


def test_reasoning() -> None:
    assert parse_reasoning("  The rule: tile.\r\n") == "The rule: tile."
    with pytest.raises(ParseError, match="empty"):
        parse_reasoning("<think>hmm</think>")


@pytest.mark.parametrize(
    "reply",
    [
        "The output is [[1, 2], [3, 4]].",
        "Output:\n```json\n[[1,2],\n [3,4]]\n```",
        "Rows:\n12\n34\n",
        "Rows:\r\n1 2\r\n3 4\r\n",
        "Rows:\n1,2\n3,4\n",
        "So the answer is $\\boxed{\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}}$",
        "Example [[9, 9], [9, 9]] becomes ... final: \\boxed{[[1,2],[3,4]]} (check: [[0]])",
        "Draft [[0, 0]] then the final grid [[1, 2], [3, 4]]",
    ],
)
def test_grids_in_every_common_shape(reply: str) -> None:
    assert parse_grid(reply) == Grid([[1, 2], [3, 4]])


def test_single_row_grid_in_a_fence_and_invalid_grids_are_ignored() -> None:
    assert parse_grid("```\n3\n```") == Grid([[3]])
    assert parse_grid("Bad [[1, 12], [3, 4]] and ragged [[1], [2, 3]], good [[5]]") == Grid([[5]])
    for reply in ("The year 2024 was long.", "1. step one\n2. step two", "[[true, false]]", "no grid here"):
        with pytest.raises(ParseError) as caught:
            parse_grid(reply)
        assert caught.value.kind == "no_grid"


def test_direct_answers_one_grid_per_test_input() -> None:
    reply = (
        "Example 1 output was [[9]].\nTest 1 output:\n```json\n[[1,2]]\n```\n"
        "Test 2 output:\n```json\n[[3],[4]]\n```\n"
    )
    answer = parse_direct(reply, 2)
    assert answer.grids == (Grid([[1, 2]]), Grid([[3], [4]])) and answer.complete
    assert answer.explanation.startswith("Example 1")
    partial = parse_direct("Test 1 output: [[1]]", 2)
    assert partial.grids == (Grid([[1]]), None) and not partial.complete
    with pytest.raises(ParseError) as caught:
        parse_direct("I do not know.", 1)
    assert caught.value.kind == "no_grid"


def test_direct_takes_the_labelled_grid_not_the_last_one() -> None:
    reply = (
        "The rule recolours blue to red.\n\n**Test 1 output:**\n```json\n[[2, 2], [0, 2]]\n```\n"
        "This matches the second example, whose output was [[5, 5]]."
    )
    answer = parse_direct(reply, 1)
    assert answer.grids == (Grid([[2, 2], [0, 2]]),) and answer.outcome == "labelled"
    assert answer.explanation == "The rule recolours blue to red."


def test_direct_labels_sort_out_test_inputs_and_order() -> None:
    reply = (
        "Test 2 input: [[7]]\nTest 2 output: [[8]]\n"
        "Test 1 input:\n```\n1 1\n1 1\n```\nTest 1 output:\n```json\n[[3, 3], [3, 3]]\n```"
    )
    answer = parse_direct(reply, 2)
    assert answer.grids == (Grid([[3, 3], [3, 3]]), Grid([[8]])) and answer.outcome == "labelled"
    assert answer.explanation == "Test 2 input: [[7]]"  # the text before the first answer
    only_one = parse_direct("Test 2 output: [[4]]", 2)
    assert only_one.grids == (None, Grid([[4]])) and not only_one.complete


@pytest.mark.parametrize(
    "reply",
    [
        "Test 1 output: first I thought [[1]] but it is [[2]]",  # prose between label and grids
        "Test 1 output: [[1]]\nOn reflection:\nTest 1 output: [[2]]",  # the label twice, two grids
        "Maybe [[1]], maybe [[2]].",  # no label, two grids for one place
    ],
)
def test_direct_ambiguous_replies_are_recorded_as_such(reply: str) -> None:
    answer = parse_direct(reply, 1)
    assert answer.outcome == "ambiguous" and answer.grids == (Grid([[2]]),)


def test_direct_outcomes_without_labels() -> None:
    assert parse_direct("The answer: \\boxed{[[1]]} (from [[0]])", 1).outcome == "boxed"
    single = parse_direct("The answer is\n```json\n[[1]]\n```", 1)
    assert single.outcome == "unlabelled" and single.explanation == "The answer is"


def test_explanations_never_keep_a_fence_line() -> None:
    fenced = parse_direct("Rule: fill.\nTest 1 output:\n```json\n[[1]]\n```", 1)
    assert fenced.explanation == "Rule: fill."
    inline = parse_code(f"Here is the code: ```python\n{SOLVER}```")
    assert inline.explanation == "Here is the code:" and inline.code == SOLVER
    unfenced = parse_code(f"Mirror it. ~~~\n{SOLVER}~~~\n")
    assert unfenced.explanation == "Mirror it." and unfenced.code == SOLVER
