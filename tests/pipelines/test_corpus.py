"""External corpora in: `arcforge verify PROGRAMS --dataset SPEC` on folders and JSONL files of solvers
written against a two-module library, through the real sandbox; every skipped program named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main
from arcforge.datasets import load_dataset
from arcforge.pipelines.corpus import read_corpus

TASK = "00576224"  # tile the 2x2 input 3x3, the middle band of tiles mirrored left-right
DATASET = "arc-agi-2/training"
HELPERS = "def repeat(row, n):\n    return list(row) * n\n"
DSL = (
    "from helpers import repeat\n\n\n"
    "def tile(grid):\n"
    "    top = [repeat(row, 3) for row in grid]\n"
    "    middle = [repeat(row[::-1], 3) for row in grid]\n"
    "    return top + middle + top\n"
)
RIGHT = "from dsl import *\n\n\ndef solve(grid):\n    return tile(grid)\n"
RIGHT_AGAIN = "import dsl\n\n\ndef solve(grid):\n    return dsl.tile(grid)\n"
WRONG = "def solve(grid):\n    return grid\n"
# replaces the library's function for everyone after it, were the library shared between programs
MONKEY = "import dsl\n\ndsl.tile = lambda grid: [[0]]\n\n\ndef solve(grid):\n    return dsl.tile(grid)\n"


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "helpers.py").write_text(HELPERS)
    (folder / "dsl.py").write_text(DSL)
    return folder


def _verify(*args: str, capsys) -> tuple[int, dict]:
    code = main(["verify", *args, "--json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if code == 0 else {})


def test_a_folder_corpus_verifies_with_a_two_module_library(tmp_path: Path, library: Path, capsys) -> None:
    corpus = tmp_path / "solvers"
    (corpus / TASK).mkdir(parents=True)
    (corpus / f"{TASK}.py").write_text(RIGHT)
    (corpus / TASK / "copy.py").write_text(RIGHT + "\n")  # the same program: kept once
    (corpus / TASK / "monkey.py").write_text(MONKEY)
    (corpus / TASK / "wrong.py").write_text(WRONG)
    (corpus / TASK / "z_after_monkey.py").write_text(RIGHT_AGAIN)
    (corpus / "not_a_task.py").write_text(RIGHT)
    (corpus / "007bbfb7.py").write_bytes(b"def solve(grid):\n    return '\xff'\n")  # not UTF-8
    (corpus / "README.md").write_text("solvers")
    run = tmp_path / "run"
    code, result = _verify(
        str(corpus), "--dataset", DATASET, "--out", str(run), "--library", str(library), capsys=capsys
    )
    assert code == 0
    intake = result["corpus"]
    assert intake["programs"] == 4 and intake["tasks"] == 1
    assert intake["unknown_task_ids"] == {"not_a_task": ["not_a_task.py"]}
    assert intake["unreadable"] == ["007bbfb7.py: UnicodeDecodeError"]
    assert intake["duplicates"] == [f"{TASK}.py (same as {TASK}/copy.py)"]  # folders sort first
    assert intake["ignored"] == ["README.md"]
    verification = [json.loads(line) for line in (run / "verification.jsonl").read_text().splitlines()]
    origins = {}
    for record in (json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()):
        origins[record["key"]] = record["origin"]["path"]
    verified = {origins[entry["key"]]: entry["verified"] for entry in verification}
    # the monkey-patch did not reach the program after it: every program gets a fresh child
    assert verified == {
        f"{TASK}/copy.py": True,
        f"{TASK}/monkey.py": False,
        f"{TASK}/wrong.py": False,
        f"{TASK}/z_after_monkey.py": True,
    }
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["command"] == "verify corpus" and manifest["corpus"]["programs"] == 4
    names = {entry["name"]: entry["sha256"] for entry in manifest["config"]["libraries"]}
    assert len(names) == 1 and all(len(sha) == 64 for sha in names.values())
    # the run exports like a generated one
    assert main(["export", str(run), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["records"] == 2


def test_a_jsonl_corpus_verifies_and_names_what_it_skipped(tmp_path: Path, library: Path, capsys) -> None:
    lines = [
        json.dumps({"task_id": TASK, "code": RIGHT, "source": "dsl-solvers@abc123"}),
        "{not json",
        json.dumps({"task_id": TASK}),
        json.dumps({"task_id": "nope", "code": RIGHT}),
        json.dumps({"task_id": TASK, "code": RIGHT}),  # a duplicate of line 1
        "",
        json.dumps({"task_id": TASK, "code": WRONG}),
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(lines) + "\n")
    run = tmp_path / "run"
    code, result = _verify(
        str(corpus), "--dataset", DATASET, "--out", str(run), "--library", str(library), capsys=capsys
    )
    assert code == 0
    intake = result["corpus"]
    assert intake["programs"] == 2
    assert len(intake["unreadable"]) == 2 and intake["unreadable"][0].startswith("line 2: not JSON")
    assert intake["unreadable"][-1] == 'line 3: no "code" string'
    assert intake["unknown_task_ids"] == {"nope": ["line 4"]}
    assert intake["duplicates"] == ["line 5 (same as line 1)"]
    assert result["verified"] == 1
    first = json.loads((run / "records.jsonl").read_text().splitlines()[0])
    assert first["origin"] == {"corpus": str(corpus), "line": 1, "source": "dsl-solvers@abc123"}
    assert first["prompt_messages"][-1]["role"] == "user" and first["status"] == "ok"


def test_a_library_that_fails_to_import_is_one_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\nraise ValueError('this library is broken')\n")
    corpus = tmp_path / "solvers"
    corpus.mkdir()
    (corpus / f"{TASK}.py").write_text("from broken import x\n\ndef solve(grid):\n    return grid\n")
    argv = [
        "verify",
        str(corpus),
        "--dataset",
        DATASET,
        "--out",
        str(tmp_path / "run"),
        "--library",
        str(broken),
    ]
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", *argv], capture_output=True, text=True, timeout=120
    )  # a real process: a failed sandbox start must not leave workers behind it either
    assert done.returncode != 0 and "broken.py" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_usage_errors_say_what_to_do(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "solvers"
    corpus.mkdir()
    (corpus / f"{TASK}.py").write_text(RIGHT)
    assert main(["verify", str(corpus)]) == 2
    assert "add --dataset SPEC" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "missing"), "--dataset", DATASET]) == 2
    assert "no such folder or file" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("x")
    assert main(["verify", str(empty), "--dataset", DATASET]) == 2
    assert "no program to verify" in capsys.readouterr().err


def test_reading_a_corpus_counts_without_running_anything(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    (corpus / TASK).mkdir(parents=True)
    for index in range(3):
        (corpus / TASK / f"p{index}.py").write_text(f"def solve(grid):\n    return grid  # {index}\n")
    (corpus / TASK / "deeper").mkdir()
    intake = read_corpus(corpus, load_dataset(DATASET))
    assert [p.where for p in intake.programs] == [f"{TASK}/p0.py", f"{TASK}/p1.py", f"{TASK}/p2.py"]
    assert intake.ignored == [f"{TASK}/deeper"]
    assert intake.describe()[0].endswith("3 program(s) for 1 task(s)")


SLOW = "import time\n\n\ndef solve(grid):\n    time.sleep(0.4)\n    return grid\n"


def test_a_slow_program_is_named_and_wall_s_gives_it_time(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "solvers"
    (corpus / TASK).mkdir(parents=True)
    (corpus / TASK / "slow.py").write_text(SLOW)
    (corpus / TASK / "quick.py").write_text(WRONG)
    run = tmp_path / "run"
    # 0.4 s on each of the task's 3 grids: past a 1 s wall limit, which cuts this program alone
    argv = ["verify", str(corpus), "--dataset", DATASET, "--out", str(run), "--wall-s", "1"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"timed out (1): {TASK}:v0:s" in text and f"({TASK}/slow.py)" in text
    assert "--wall-s" in text and "quick.py" not in text.split("timed out")[1]
    outcomes = [json.loads(line)["outcome"] for line in (run / "verification.jsonl").read_text().splitlines()]
    assert sorted(outcomes) == ["timeout", "wrong_output"]
    # the same corpus with more time (and --timeout, the older spelling, still accepted): nothing times out
    again = tmp_path / "again"
    code, result = _verify(
        str(corpus), "--dataset", DATASET, "--out", str(again), "--timeout", "5", capsys=capsys
    )
    assert code == 0 and result["timed_out"] == [] and result["by_outcome"] == {"wrong_output": 2}
