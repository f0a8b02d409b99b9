"""The discussion page's code box with solver libraries (``ARCFORGE_DISCUSS_LIBRARIES``, ``serve
--library``), over real HTTP with the real sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_discuss_api import TASK, Discuss, serve
from web_helpers import free_port

from arcforge.cli import main
from arcforge.errors import UsageError
from arcforge.settings import load_settings
from arcforge.web.discussion.options import discuss_options

PROGRAM = "from dsl import *\n\ndef solve(grid):\n    return recolor(grid, 1, 2)\n"


def _library(folder: Path) -> Path:
    folder.mkdir()
    (folder / "cells.py").write_text("def swap(v, a, b):\n    return b if v == a else v\n")
    (folder / "dsl.py").write_text(
        "from cells import swap\n\n\ndef recolor(grid, a, b):\n    return [[swap(v, a, b) for v in row] for row in grid]\n"
    )
    return folder


@pytest.fixture
def discuss(tmp_path: Path) -> Iterator[Discuss]:
    yield from serve(tmp_path, {"ARCFORGE_DISCUSS_LIBRARIES": str(_library(tmp_path / "lib"))})


def _run(discuss: Discuss, code: str) -> dict:
    api = discuss.client(f"user{len(discuss.clients)}")
    response = api.post(f"/api/discuss/tasks/{TASK}/versions/0/run", {"code": code})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_code_box_imports_the_configured_library(discuss: Discuss) -> None:
    data = _run(discuss, PROGRAM)
    assert (data["train_passed"], data["train_total"]) == (2, 2)
    # a program that patches the library changes nothing for the next run (a fresh child each time)
    patched = "import dsl\ndsl.recolor = lambda grid, a, b: grid\n\ndef solve(grid):\n    return dsl.recolor(grid, 1, 2)\n"
    assert _run(discuss, patched)["train_passed"] == 0
    assert _run(discuss, PROGRAM)["train_passed"] == 2


def test_without_the_setting_the_library_is_not_importable(tmp_path: Path) -> None:
    for harness in serve(tmp_path):
        pair = _run(harness, PROGRAM)["pairs"][0]
        assert pair["status"] == "error" and "dsl" in pair["error"]


def test_a_missing_library_is_a_setting_error(tmp_path: Path) -> None:
    settings = load_settings(
        {"ARCFORGE_HOME": str(tmp_path), "ARCFORGE_DISCUSS_LIBRARIES": str(tmp_path / "nowhere")},
        dotenv_path=None,
    )
    with pytest.raises(
        UsageError, match="ARCFORGE_DISCUSS_LIBRARIES: solver library .*nowhere does not exist"
    ):
        discuss_options(settings)


def test_serve_refuses_a_library_that_fails_to_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("ARCFORGE_HOME", str(tmp_path / "home"))
    broken = tmp_path / "dsl.py"
    broken.write_text("x = 1\nimport no_such_module_here\n")
    code = main(["serve", "--port", str(free_port()), "--dataset", "none", "--library", str(broken)])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "dsl.py" in err and "line 2" in err
    assert not (tmp_path / "home" / "arcforge.db").exists()  # stopped before the store was opened
