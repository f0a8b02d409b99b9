"""`arcforge sandbox run` on a real ARC-AGI-2 training task (00576224: tile the 2x2 input 3x3, the
middle row of tiles mirrored left-right), through the real sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main

TASK = ["--task", "00576224", "--dataset", "arc-agi-2/training"]
CORRECT = """
def solve(grid):
    tiled = [row * 3 for row in grid]
    mirrored = [row[::-1] * 3 for row in grid]
    return tiled + mirrored + tiled
"""
# Right on the train pairs, one cell wrong on the test pair (input [[3, 2], [7, 8]]).
WRONG_ON_TEST = CORRECT.replace(
    "    return tiled + mirrored + tiled",
    "    out = tiled + mirrored + tiled\n    if grid == [[3, 2], [7, 8]]:\n        out[2][1] = 0\n    return out",
)


@pytest.fixture()
def solver(tmp_path: Path):
    def write(code: str) -> str:
        path = tmp_path / "solver.py"
        path.write_text(code)
        return str(path)

    return write


def test_correct_solver_passes_every_pair(solver, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sandbox", "run", solver(CORRECT), *TASK])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "train[0]: passed" in out and "train[1]: passed" in out and "test[0]: passed" in out
    assert "3 of 3 pair(s) with a known output passed" in out


def test_wrong_solver_exits_1_and_shows_where(solver, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sandbox", "run", solver(WRONG_ON_TEST), *TASK])
    out = capsys.readouterr().out
    assert code == 1
    assert "train[0]: passed" in out and "test[0]: FAILED" in out
    assert "1 of 36 cells differ" in out
    assert "2 of 3 pair(s)" in out


def test_json_output(solver, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sandbox", "run", solver(WRONG_ON_TEST), *TASK, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["passed"] is False
    assert [(p["split"], p["index"], p["status"]) for p in data["pairs"]] == [
        ("train", 0, "passed"), ("train", 1, "passed"), ("test", 0, "failed"),
    ]  # fmt: skip
    assert data["pairs"][2]["output"][2][1] == 0 and data["pairs"][2]["error"] is None


def test_a_failing_program_is_reported(solver, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sandbox", "run", solver("def solve(grid):\n    return grid[5]\n"), *TASK, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {p["status"] for p in data["pairs"]} == {"error"}
    assert "IndexError" in data["pairs"][0]["error"]
    code = main(["sandbox", "run", solver("def solve(grid)\n"), *TASK])
    out = capsys.readouterr().out
    assert code == 1 and "ERROR (syntax error)" in out


def test_usage_errors_exit_2(solver, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "run", str(tmp_path / "absent.py"), *TASK]) == 2
    assert "no such file" in capsys.readouterr().err
    assert (
        main(["sandbox", "run", solver(CORRECT), "--task", "not-a-task", "--dataset", "arc-agi-2/training"])
        == 2
    )
    assert "not-a-task" in capsys.readouterr().err


def test_the_command_line_entry_point(solver) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "sandbox", "run", solver(CORRECT), *TASK, "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["passed"] is True
