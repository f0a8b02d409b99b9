"""Prompt templates: named, versioned files; messages never carry a test output."""

from __future__ import annotations

import json

import pytest

from arcforge.datasets import load_dataset
from arcforge.errors import UsageError
from arcforge.prompts import AGENTS, build_messages, list_templates, load_template
from arcforge.task.encoding import ENCODINGS, encode_grid
from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task


def _task_with_sentinels() -> tuple[Task, list[Grid]]:
    """A real task whose test outputs are replaced by unique grids found nowhere else in it."""
    task = load_dataset("arc-agi-2/training").get("00576224")
    sentinels = [
        Grid([[5, 1, 5, 1, 5, 1, 5], [0, 9, 0, 9, 0, 9, 1]]),
        Grid([[2, 8, 2], [8, 8, 2], [6, 6, 6]]),
    ]
    test = (Pair(task.test[0].input, sentinels[0]), Pair(Grid([[1, 2], [3, 4]]), sentinels[1]))
    return Task(id=task.id, train=task.train, test=test), sentinels


def _sentinel_texts(grid: Grid) -> list[str]:
    rows = grid.to_list()
    texts = [json.dumps(rows), json.dumps(rows, separators=(",", ":"))]
    texts += ["\n".join("".join(str(c) for c in row) for row in rows)]
    texts += ["\n".join(" ".join(str(c) for c in row) for row in rows)]
    texts += [",".join(str(c) for c in rows[0]) + "]", "".join(str(c) for c in rows[0])]
    return texts


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("agent", AGENTS)
def test_no_test_output_ever_enters_a_prompt(agent: str, encoding: str) -> None:
    task, sentinels = _task_with_sentinels()
    messages = build_messages(agent, task, encoding=encoding)
    text = "\n".join(message["content"] for message in messages)
    from arcforge.task.encoding import encode_grid

    for sentinel in sentinels:
        assert encode_grid(sentinel, encoding) not in text
        for form in _sentinel_texts(sentinel):
            assert form not in text, f"{agent}/{encoding} prompt holds a test output ({form!r})"
    # the train outputs are there (the prompt is not trivially empty)
    assert encode_grid(task.train[0].output, encoding) in text  # type: ignore[arg-type]


def test_code_and_direct_prompts_show_test_inputs_and_reasoning_shows_only_train_pairs() -> None:
    task, _ = _task_with_sentinels()
    for agent in ("code", "direct"):
        text = build_messages(agent, task)[-1]["content"]
        assert "Test 1" in text and "Test 2" in text and "[[1,2],\n [3,4]]" in text
    reasoning = build_messages("reasoning", task, template="reasoning-v1")[-1]["content"]
    assert "Example 2" in reasoning and "Test 1" not in reasoning
    predicting = build_messages("reasoning", task)[-1]["content"]  # v2 asks for the test outputs
    assert "Test 1" in predicting and '"Test N output:"' in predicting
    assert not any(encode_grid(sentinel) in predicting for sentinel in _task_with_sentinels()[1])
    assert "2 test input(s)" in build_messages("direct", task)[-1]["content"]


def test_templates_have_name_version_and_hash() -> None:
    assert {"code-v1", "direct-v1", "reasoning-v1"} <= set(list_templates())
    template = load_template("code")
    assert (template.name, template.agent, template.version) == ("code-v1", "code", 1)
    assert len(template.sha256) == 64
    assert load_template("code-v1") == template
    messages = build_messages("code", _task_with_sentinels()[0], template=template)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "solve(grid)" in messages[1]["content"]


def test_unknown_names_are_usage_errors() -> None:
    task, _ = _task_with_sentinels()
    with pytest.raises(UsageError, match="choose one of .*code-v1"):
        load_template("code-v9")
    with pytest.raises(UsageError, match="unknown agent"):
        build_messages("poet", task)
    with pytest.raises(UsageError, match="is for the direct agent"):
        build_messages("code", task, template="direct-v1")
    with pytest.raises(UsageError, match="unknown grid encoding"):
        build_messages("code", task, encoding="hex")
