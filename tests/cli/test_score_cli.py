"""Golden tests of the ARC Prize rule through `arcforge score`, on a small dataset folder written here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main

A = [[1, 2], [3, 4]]
B = [[5, 5], [5, 5]]
C = [[7]]
WRONG = [[0, 0], [0, 0]]


def _task(tests: list[list[list[int]]]) -> dict:
    return {
        "train": [{"input": [[1]], "output": [[2]]}],
        "test": [{"input": [[9]], "output": output} for output in tests],
    }


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "truth"
    folder.mkdir()
    tasks = {
        "t_second": _task([A]),
        "t_three": _task([A, B, C]),
        "t_absent": _task([A]),
        "t_width": _task([A]),
    }
    for task_id, data in tasks.items():
        (folder / f"{task_id}.json").write_text(json.dumps(data))
    return folder


def _score(tmp_path: Path, dataset: Path, submission: object, capsys, *extra: str) -> tuple[int, dict, str]:
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(submission))
    code = main(["score", str(path), "--dataset", str(dataset), "--json", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {}), err


def test_second_attempt_right_solves_the_output(tmp_path, dataset, capsys):
    code, result, _ = _score(
        tmp_path,
        dataset,
        {"t_second": [{"attempt_1": WRONG, "attempt_2": A}]},
        capsys,
        "--task-ids",
        "t_second",
    )
    assert code == 0
    assert result["score"] == 1.0
    assert result["per_task"]["t_second"]["attempt_correct"] == [[False, True]]


def test_three_test_inputs_two_solved_scores_two_thirds(tmp_path, dataset, capsys):
    entries = [
        {"attempt_1": A, "attempt_2": WRONG},
        {"attempt_1": WRONG, "attempt_2": WRONG},
        {"attempt_1": C},
    ]
    code, result, _ = _score(tmp_path, dataset, {"t_three": entries}, capsys, "--task-ids", "t_three")
    assert code == 0
    assert result["score"] == pytest.approx(2 / 3)
    assert result["per_task"]["t_three"]["solved"] == [True, False, True]
    assert result["score_per_output"] == pytest.approx(2 / 3)


def test_absent_task_scores_zero_and_stays_in_the_denominator(tmp_path, dataset, capsys):
    code, result, _ = _score(
        tmp_path,
        dataset,
        {"t_second": [{"attempt_1": A, "attempt_2": A}]},
        capsys,
        "--task-ids",
        '["t_second", "t_absent"]',
    )
    assert code == 0
    assert result["score"] == 0.5
    assert result["per_task"]["t_absent"] == {
        "score": 0.0,
        "solved": [False],
        "submitted": False,
        "attempt_correct": [],
    }
    assert result["missing_tasks"] == ["t_absent"]


def test_right_cells_at_the_wrong_width_are_wrong(tmp_path, dataset, capsys):
    flat = [[1, 2, 3, 4]]
    tall = [[1], [2], [3], [4]]
    code, result, _ = _score(
        tmp_path,
        dataset,
        {"t_width": [{"attempt_1": flat, "attempt_2": tall}]},
        capsys,
        "--task-ids",
        "t_width",
    )
    assert code == 0
    assert result["score"] == 0.0
    assert result["per_task"]["t_width"]["attempt_correct"] == [[False, False]]


def test_extra_unknown_task_is_ignored_with_a_warning(tmp_path, dataset, capsys):
    submission = {"t_second": [{"attempt_1": A, "attempt_2": None}], "not_a_task": [{"attempt_1": A}]}
    code, result, err = _score(tmp_path, dataset, submission, capsys, "--task-ids", "t_second")
    assert code == 0
    assert result["score"] == 1.0
    assert result["unknown_tasks"] == ["not_a_task"]
    assert "warning" in err and "not_a_task" in err and "ignored" in err


def test_whole_dataset_both_averages_and_intervals(tmp_path, dataset, capsys):
    submission = {
        "t_second": [{"attempt_1": WRONG, "attempt_2": A}],
        "t_three": [
            {"attempt_1": A, "attempt_2": WRONG},
            {"attempt_1": WRONG},
            {"attempt_1": C, "attempt_2": C},
        ],
        "t_width": [{"attempt_1": [[1, 2, 3, 4]], "attempt_2": []}],
        "extra": [{"attempt_1": A}],
    }
    code, result, _ = _score(tmp_path, dataset, submission, capsys)
    assert code == 0
    assert result["tasks"] == 4
    assert result["score"] == pytest.approx((1 + 2 / 3 + 0 + 0) / 4)
    assert result["score_per_output"] == pytest.approx(3 / 6)
    low, high = result["score_ci95"]
    assert 0 < low < result["score"] < high < 1
    low, high = result["score_per_output_ci95"]
    assert 0 < low < 0.5 < high < 1


def test_text_output_for_people(tmp_path, dataset, capsys):
    path = tmp_path / "submission.json"
    path.write_text(json.dumps({"t_second": [{"attempt_1": A, "attempt_2": A}]}))
    assert main(["score", str(path), "--dataset", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert "score (per task, official):  0.2500" in out
    assert "per output, Kaggle" in out and "95% CI" in out
    assert "missing from the submission (scored 0): 3 task(s)" in out


@pytest.mark.parametrize(
    ("submission", "named"),
    [
        (
            {"t_second": [{"attempt_1": [[1, 2], [3]]}]},
            "task 't_second' entry 0 attempt_1 row 1: has 1 columns",
        ),
        (
            {"t_three": [{"attempt_1": A}, {"attempt_2": [[1, 12]]}]},
            "entry 1 attempt_2 row 0: column 1 is 12",
        ),
        ({"t_second": [{"attempt_1": A, "attempt_3": A}]}, "entry 0: unknown key 'attempt_3'"),
        ({"t_second": {"attempt_1": A}}, "task 't_second': expected a list"),
        ({"t_second": [A]}, "task 't_second' entry 0: expected an object"),
        ([1, 2], "expected an object mapping task ids"),
        (
            {"t_second": [{"attempt_1": A}, {"attempt_1": A}]},
            "task 't_second' has 2 entries but 1 test input",
        ),
    ],
)
def test_strict_refuses_a_malformed_submission_in_one_clear_line_naming_the_entry(
    tmp_path, dataset, submission, named
):
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(submission))
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "score", str(path), "--dataset", str(dataset), "--strict"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert named in lines[0]
    assert "Traceback" not in done.stderr


def test_a_top_level_that_is_not_an_object_fails_even_without_strict(tmp_path, dataset, capsys):
    path = tmp_path / "submission.json"
    path.write_text("[1, 2]")
    assert main(["score", str(path), "--dataset", str(dataset)]) == 1
    assert "expected an object mapping task ids" in capsys.readouterr().err
    path.write_text("[" * 100_000)
    assert main(["score", str(path), "--dataset", str(dataset)]) == 1
    assert "nested too deeply" in capsys.readouterr().err


def test_not_json_and_missing_file(tmp_path, dataset, capsys):
    path = tmp_path / "broken.json"
    path.write_text('{"t_second": [')
    assert main(["score", str(path), "--dataset", str(dataset)]) == 1
    assert "not valid JSON at line 1" in capsys.readouterr().err
    assert main(["score", str(tmp_path / "nope.json"), "--dataset", str(dataset)]) == 1
    assert "no such file" in capsys.readouterr().err


def test_a_submission_for_another_dataset_warns_to_check_the_dataset(tmp_path, dataset, capsys):
    code, result, err = _score(tmp_path, dataset, {"elsewhere": [{"attempt_1": A}]}, capsys)
    assert code == 0 and result["score"] == 0.0
    assert "none of the submission's tasks" in err and "--dataset" in err
    _code, _result, err = _score(
        tmp_path, dataset, {"t_second": [{"attempt_1": A}], "elsewhere": [{"attempt_1": A}]}, capsys
    )
    assert "elsewhere" in err and "none of the submission's tasks" not in err


# --- every readable submission scores: each malformed kind is one warning and scores by the rule ------

ROWS_31 = [[0]] * 31
# task id -> (the JSON text of its entries, solved?, the words its one warning must hold); "" = no warning
MALFORMED = {
    "m_empty_row": (
        f'[{{"attempt_1": [[]], "attempt_2": {json.dumps(A)}}}]',
        True,
        "entry 0 attempt_1 row 0",
    ),
    "m_ragged": ('[{"attempt_1": [[1, 2], [3]]}]', False, "entry 0 attempt_1 row 1: has 1 columns"),
    "m_string": ('[{"attempt_1": "[[1, 2], [3, 4]]"}]', False, "entry 0 attempt_1: expected a list of rows"),
    "m_floats": ('[{"attempt_1": [[1.0, 2.0], [3.0, 4.0]]}]', False, "column 0 is 1.0, not an integer"),
    "m_rows_31": (f'[{{"attempt_1": {json.dumps(ROWS_31)}, "attempt_2": {json.dumps(A)}}}]', True, "31 rows"),
    "m_cols_31": (f'[{{"attempt_1": {json.dumps([[0] * 31])}}}]', False, "31 columns"),
    "m_range": ('[{"attempt_1": [[1, 2], [3, 10]]}]', False, "column 1 is 10, outside 0-9"),
    "m_attempt_3": (
        f'[{{"attempt_1": {json.dumps(WRONG)}, "attempt_2": {json.dumps(WRONG)}, "attempt_3": {json.dumps(A)}}}]',
        False,
        "entry 0: unknown key 'attempt_3'",
    ),
    "m_extra_entry": (
        f'[{{"attempt_1": {json.dumps(A)}}}, {{"attempt_1": {json.dumps(A)}}}]',
        True,
        "2 entries",
    ),
    "m_dup_attempt": (
        f'[{{"attempt_1": {json.dumps(A)}, "attempt_1": {json.dumps(WRONG)}}}]',
        False,
        "entry 0: key 'attempt_1' appears 2 times; the last one is used",
    ),
    "m_no_attempt": ('[{"attempt_1": [], "attempt_2": null}]', False, ""),
    "m_clean": (f'[{{"attempt_1": {json.dumps(A)}}}]', True, ""),
}


@pytest.fixture()
def malformed_dataset(tmp_path: Path) -> Path:
    folder = tmp_path / "malformed_truth"
    folder.mkdir()
    for task_id in [*MALFORMED, "m_dup_task"]:
        (folder / f"{task_id}.json").write_text(json.dumps(_task([A])))
    return folder


def _malformed_text() -> str:
    parts = [f'"{task_id}": {entries}' for task_id, (entries, _, _) in MALFORMED.items()]
    # the same task twice: right first, wrong last; the last one wins
    parts += [
        f'"m_dup_task": [{{"attempt_1": {json.dumps(A)}}}]',
        f'"m_dup_task": [{{"attempt_1": {json.dumps(WRONG)}}}]',
    ]
    return "{" + ", ".join(parts) + "}"


def test_every_malformed_kind_scores_by_the_rule_with_one_warning_each(tmp_path, malformed_dataset, capsys):
    path = tmp_path / "submission.json"
    path.write_text(_malformed_text())
    assert main(["score", str(path), "--dataset", str(malformed_dataset), "--json"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    solved = [task_id for task_id, (_, right, _) in MALFORMED.items() if right]
    assert result["tasks"] == len(MALFORMED) + 1
    assert result["score"] == pytest.approx(len(solved) / (len(MALFORMED) + 1))
    assert sorted(t for t, entry in result["per_task"].items() if entry["score"] == 1.0) == sorted(solved)
    warnings = result["warnings"]
    expected = {task_id: words for task_id, (_, _, words) in MALFORMED.items() if words}
    expected["m_dup_task"] = "key 'm_dup_task' appears 2 times; the last one is used"
    assert len(warnings) == len(expected), warnings
    for task_id, words in expected.items():
        mine = [w for w in warnings if f"'{task_id}'" in w]
        assert len(mine) == 1 and words in mine[0], (task_id, mine)
    assert "counted as a wrong attempt" in next(w for w in warnings if "'m_ragged'" in w)
    assert "only two attempts ever count" in next(w for w in warnings if "'m_attempt_3'" in w)
    assert "entries 1-1 ignored" in next(w for w in warnings if "'m_extra_entry'" in w)
    assert err.count("arcforge: warning:") == len(expected)
    # the per-attempt verdicts: a malformed attempt is a wrong one, the valid one beside it still counts
    assert result["per_task"]["m_empty_row"]["attempt_correct"] == [[False, True]]


def test_strict_refuses_what_the_default_forgives(tmp_path, malformed_dataset, capsys):
    path = tmp_path / "submission.json"
    path.write_text(_malformed_text())
    assert main(["score", str(path), "--dataset", str(malformed_dataset), "--strict"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "arcforge: error:" in err and "m_" in err
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps({"m_clean": [{"attempt_1": A}]}))
    assert main(["score", str(clean), "--dataset", str(malformed_dataset), "--strict", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def test_text_output_shows_twenty_warnings_then_a_count(tmp_path, dataset, capsys):
    entries = [{"attempt_1": [[1, 2], [3]], "attempt_9": A} for _ in range(15)]
    path = tmp_path / "submission.json"
    path.write_text(json.dumps({"t_second": entries}))
    assert main(["score", str(path), "--dataset", str(dataset), "--task-ids", "t_second"]) == 0
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 20 and lines[-1].endswith("more (see --json)")
    assert "score (per task, official):  0.0000" in out
