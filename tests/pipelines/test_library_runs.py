"""``--library`` and ``--library-doc`` on ``generate code`` and ``benchmark code``: real sandbox processes,
the scripted OpenAI-compatible server, a two-module solver library (``dsl`` imports ``base``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from generation_replies import TILE_TASK, generate_code_args, reply

from arcforge.cli import main
from arcforge.testing import ScriptedServer

BASE = '''"""Grid helpers the DSL is built on."""


def tile3(grid):
    """Each row repeated three times side by side."""
    body_marker_base = "BODY-OF-TILE3"
    return [list(row) * 3 for row in grid]
'''

DSL = '''"""A tiny DSL over base."""
from base import tile3


def mirror_rows(grid: list[list[int]], *, times: int = 1) -> list[list[int]]:
    """Each row reversed, `times` times (costs $0)."""
    body_marker_dsl = "BODY-OF-MIRROR"
    for _ in range(times):
        grid = [list(row)[::-1] for row in grid]
    return grid


def _hidden_helper():
    return "PRIVATE-HELPER"
'''

PROGRAM = """The output is the input tiled, with the middle band mirrored.

```python
from dsl import *

def solve(grid):
    top = tile3(grid)
    middle = tile3(mirror_rows(grid))
    return top + middle + top
```
"""


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "dsl_lib"
    folder.mkdir()
    (folder / "base.py").write_text(BASE)
    (folder / "dsl.py").write_text(DSL)
    return folder


def _answer(request: dict) -> object:
    return reply(PROGRAM, prompt_tokens=100, completion_tokens=50, cost=0.001)


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]


def _folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in ("base.py", "dsl.py"):
        digest.update(name.encode() + b"\0" + hashlib.sha256((folder / name).read_bytes()).digest())
    return digest.hexdigest()


def test_generate_code_with_a_library_records_it_and_its_programs_verify(
    library: Path, tmp_path: Path, capsys
) -> None:
    run = tmp_path / "run"
    args = generate_code_args
    with ScriptedServer(responder=_answer) as server:
        code = main(
            args(
                server.base_url,
                "--task-ids",
                json.dumps([TILE_TASK]),
                "--out",
                str(run),
                "--library",
                str(library),
            )
        )
        assert code == 0, capsys.readouterr().err
        assert len(server.requests) == 1
    manifest = json.loads((run / "manifest.json").read_text())
    [entry] = manifest["config"]["libraries"]
    assert entry["name"] == "dsl_lib" and entry["sha256"] == _folder_hash(library)
    assert entry["modules"] == ["base", "dsl"]
    assert manifest["options"]["libraries"] == [str(library)]
    capsys.readouterr()
    # verify takes the library the run recorded, and --library names it explicitly
    assert main(["verify", str(run), "--json", "--fresh"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] == 1
    assert main(["verify", str(run), "--json", "--fresh", "--library", str(library)]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] == 1

    # --resume keeps the library (from the manifest's options) and the config still matches
    with ScriptedServer(responder=_answer) as server:
        assert main(["generate", "code", "--resume", str(run), "--no-cache", "--json", "--samples", "1"]) == 0
        assert len(server.requests) == 0  # nothing left to ask
    assert json.loads((run / "manifest.json").read_text())["config"]["libraries"] == [entry]


def test_verify_refuses_a_recorded_library_that_changed(library: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=_answer) as server:
        argv = generate_code_args(server.base_url, "--task-ids", json.dumps([TILE_TASK]), "--out", str(run))
        assert main([*argv, "--library", str(library)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    (library / "dsl.py").write_text(DSL.replace("[::-1]", ""))  # not the DSL the run ran on any more
    assert main(["verify", str(run), "--json"]) == 2
    err = capsys.readouterr().err
    assert "has changed since the run" in err and "--library" in err and "Traceback" not in err
    assert not (run / "verification.jsonl").exists() or not (run / "verification.jsonl").read_text()
    # naming a library explicitly is the user's choice: it runs (and the changed DSL fails the task)
    assert main(["verify", str(run), "--json", "--library", str(library)]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] == 0


def test_benchmark_code_scores_programs_with_the_library(library: Path, tmp_path: Path, capsys) -> None:
    run = tmp_path / "bench"
    with ScriptedServer(responder=_answer) as server:
        code = main(
            [
                "benchmark", "code", "--model", "openai:any", "--base-url", server.base_url,
                "--dataset", "arc-agi-2/training", "--task-ids", json.dumps([TILE_TASK]), "--no-cache",
                "--samples", "1", "--out", str(run), "--library", str(library), "--no-progress", "--json",
            ]
        )  # fmt: skip
        assert code == 0, capsys.readouterr().err
    [record] = _records(run)
    assert record["benchmark"]["train_passed"] == record["benchmark"]["train_total"] == 2
    assert json.loads((run / "score.json").read_text())["score"] == 1.0
    assert json.loads((run / "manifest.json").read_text())["config"]["libraries"][0]["name"] == "dsl_lib"


def test_a_library_that_raises_on_import_fails_before_any_model_call(
    library: Path, tmp_path: Path, capsys
) -> None:
    (library / "base.py").write_text(BASE + "\n\nraise RuntimeError('base is broken')\n")
    with ScriptedServer(responder=_answer) as server:
        code = main(
            generate_code_args(
                server.base_url, "--task-ids", json.dumps([TILE_TASK]), "--out", str(tmp_path / "run"),
                "--library", str(library),
            )
        )  # fmt: skip
        assert code == 2
        assert server.requests == []
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    line = len(BASE.splitlines()) + 3  # two blank lines, then the raise
    assert "base.py" in err and f"line {line}" in err and "base is broken" in err


def test_library_doc_sends_signatures_and_docstrings_but_not_bodies(
    library: Path, tmp_path: Path, capsys
) -> None:
    with ScriptedServer(responder=_answer) as server:
        extra = ("--out", str(tmp_path / "run"), "--library", str(library), "--library-doc")
        assert main(generate_code_args(server.base_url, "--task-ids", json.dumps([TILE_TASK]), *extra)) == 0
        [request] = server.requests
    text = "\n".join(message["content"] for message in request.json["messages"])
    assert "def mirror_rows(grid: list[list[int]], *, times: int=1) -> list[list[int]]:" in text
    assert "Each row reversed, `times` times (costs $0)." in text
    assert "def tile3(grid):" in text and "Each row repeated three times" in text
    for body in ("BODY-OF-TILE3", "BODY-OF-MIRROR", "PRIVATE-HELPER", "_hidden_helper"):
        assert body not in text
    config = json.loads((tmp_path / "run" / "manifest.json").read_text())["config"]
    assert config["library_doc"] is True
    capsys.readouterr()
    # export --augment runs the transformed programs with the run's library and asks the transformed
    # task with the same interface in the prompt as the model saw
    run = tmp_path / "run"
    assert main(["verify", str(run), "--json"]) == 0 and json.loads(capsys.readouterr().out)["verified"] == 1
    assert main(["export", str(run), "--augment", "rot90,flip_lr", "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["augmented"] == 2 and not exported["rejected"], exported
    rows = [json.loads(line) for line in (run / "export.chat.jsonl").read_text().splitlines()]
    assert len(rows) == 3
    for row in rows:
        prompt = "\n".join(m["content"] for m in row["messages"] if m["role"] != "assistant")
        assert "def tile3(grid):" in prompt and "BODY-OF-TILE3" not in prompt
    # --show-prompt prints the same interface, without a model
    shown = ["generate", "code", "--dataset", "arc-agi-2/training", "--task-ids", json.dumps([TILE_TASK])]
    assert main([*shown, "--library", str(library), "--library-doc", "--show-prompt"]) == 0
    out = capsys.readouterr().out
    assert "def tile3(grid):" in out and "BODY-OF-TILE3" not in out
    assert main([*shown, "--library-doc", "--show-prompt"]) == 2
    assert "--library PATH" in capsys.readouterr().err


def test_generate_code_refine_runs_its_programs_with_the_library(
    library: Path, tmp_path: Path, capsys
) -> None:
    run = tmp_path / "refined"
    with ScriptedServer(responder=_answer) as server:
        extra = ("--out", str(run), "--library", str(library), "--refine", "1", "--no-progress")
        code = main(generate_code_args(server.base_url, "--task-ids", json.dumps([TILE_TASK]), *extra))
        assert code == 0, capsys.readouterr().err
        assert len(server.requests) == 1  # the first program solves the train pairs: nothing to revise
    [record] = _records(run)
    assert record["benchmark"]["train_passed"] == record["benchmark"]["train_total"] == 2
