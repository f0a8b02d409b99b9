"""Solver libraries: imported once per worker, importable by name, unchangeable by programs, hashed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main
from arcforge.errors import UsageError
from arcforge.sandbox import Limits, Sandbox

GRID = [[1, 2, 3], [4, 5, 6]]
HELPERS = '''"""Grid helpers."""
def flip(grid):
    return [row[::-1] for row in grid]

def explode(grid):
    return grid[99]
'''
DSL = '''"""A tiny DSL on top of its helpers (a module importing another module of the library)."""
from helpers import flip, explode

IMPORTED_ONCE = object()

def mirror(grid):
    return flip(grid)

def crash(grid):
    return explode(grid)
'''


@pytest.fixture()
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "dsl_lib"
    folder.mkdir()
    (folder / "helpers.py").write_text(HELPERS)
    (folder / "dsl.py").write_text(DSL)
    (folder / "notes.txt").write_text("not a module")
    return folder


async def test_a_program_imports_a_two_module_library_at_no_cost(library: Path) -> None:
    code = (
        "import sys\nPRELOADED = 'dsl' in sys.modules and 'helpers' in sys.modules\n"
        "from dsl import *\n"
        "def solve(grid):\n    assert PRELOADED, 'the library was not imported in the server'\n"
        "    return mirror(grid)\n"
    )
    async with Sandbox(workers=1, libraries=[library]) as box:
        [result] = await box.run(code, [GRID])
        assert result.ok and result.output is not None, result.error
        assert result.output.to_list() == [[3, 2, 1], [6, 5, 4]]
        [manifest] = box.libraries
        assert manifest["name"] == "dsl_lib" and manifest["modules"] == ["dsl", "helpers"]
        assert len(manifest["sha256"]) == 64
        [crashed] = await box.run("from dsl import crash\ndef solve(grid):\n    return crash(grid)\n", [GRID])
        assert crashed.status == "exception" and crashed.error is not None
        assert "helpers.py" in crashed.error and "return grid[99]" in crashed.error, crashed.error


async def test_a_file_library_hash_is_its_sha256_and_changes_with_it(tmp_path: Path) -> None:
    path = tmp_path / "dsl.py"
    path.write_text("def f():\n    return 1\n")
    first = Sandbox(workers=1, libraries=[path]).libraries[0]["sha256"]
    assert first == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_text("def f():\n    return 2\n")
    assert Sandbox(workers=1, libraries=[path]).libraries[0]["sha256"] != first


async def test_a_program_cannot_change_a_library_for_the_next(library: Path) -> None:
    patcher = (
        "import dsl, helpers, sys\n"
        "def solve(grid):\n"
        "    dsl.mirror = lambda g: [[9]]\n    helpers.flip = lambda g: [[8]]\n"
        "    sys.modules['dsl'].IMPORTED_ONCE = None\n"
        "    for path in (dsl.__file__, helpers.__file__):\n"
        "        try:\n            open(path, 'w').write('def mirror(g):\\n    return [[7]]\\n')\n"
        "        except OSError:\n            pass\n"
        "    return dsl.mirror(grid)\n"
    )
    async with Sandbox(workers=1, libraries=[library]) as box:
        [patched] = await box.run(patcher, [GRID])
        assert patched.output is not None and patched.output.to_list() == [[9]]
        [after] = await box.run("import dsl\ndef solve(grid):\n    assert dsl.IMPORTED_ONCE is not None\n"
                                "    return dsl.mirror(grid)\n", [GRID])  # fmt: skip
        assert after.output is not None and after.output.to_list() == [[3, 2, 1], [6, 5, 4]], after.error
    assert (library / "dsl.py").read_text() == DSL


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [("X = 1\nraise RuntimeError('broken at import')\n", 2, "RuntimeError: broken at import"),
     ("def f(:\n    pass\n", 1, "SyntaxError")],
)  # fmt: skip
async def test_a_library_that_fails_to_import_is_a_clear_error_before_any_program(
    tmp_path: Path, source: str, line: int, words: str
) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(source)
    with pytest.raises(UsageError) as caught:
        async with Sandbox(workers=1, libraries=[bad]):
            pass
    message = str(caught.value)
    assert f"{bad} line {line}" in message and words in message, message


def test_library_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        Sandbox(libraries=[tmp_path / "absent.py"])
    (tmp_path / "json.py").write_text("")
    with pytest.raises(UsageError, match="taken by the standard library"):
        Sandbox(libraries=[tmp_path / "json.py"])
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "same.py").write_text("")
    (tmp_path / "b" / "same.py").write_text("")
    with pytest.raises(UsageError, match="in both"):
        Sandbox(libraries=[tmp_path / "a", tmp_path / "b"])


def test_sandbox_run_with_a_library_and_a_wall_limit(
    library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    solver = tmp_path / "solver.py"
    solver.write_text(
        "from dsl import flip\n"
        "def solve(grid):\n    tiled = [row * 3 for row in grid]\n"
        "    return tiled + [row * 3 for row in flip(grid)] + tiled\n"
    )
    argv = ["sandbox", "run", str(solver), "--task", "00576224", "--dataset", "arc-agi-2/training"]
    assert main([*argv, "--library", str(library), "--wall-s", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True
    assert main([*argv, "--library", str(tmp_path / "nope")]) == 2
    assert "--library" in capsys.readouterr().err
    assert main([*argv, "--library", str(library), "--wall-s", "0"]) == 2
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "dsl.py").write_text("import nowhere_to_be_found\n")
    done = subprocess.run([sys.executable, "-m", "arcforge", *argv, "--library", str(bad)],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{bad / 'dsl.py'} line 1" in done.stderr and "ModuleNotFoundError" in done.stderr, done.stderr


async def test_libraries_take_no_time_per_program(library: Path) -> None:
    """The module objects are the server's: a program reuses them instead of compiling the source."""
    source = "\n".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(3000))
    (library / "big_dsl.py").write_text(source)
    code = (
        "import time\nT = time.perf_counter()\nfrom big_dsl import *\nE = time.perf_counter() - T\n"
        f"SOURCE = {source!r}\n"
        "def solve(grid):\n    t = time.perf_counter()\n    exec(compile(SOURCE, 'again', 'exec'), {})\n"
        "    own = time.perf_counter() - t\n    print(E, own)\n    return [[int(E * 5 < own)]]\n"
    )
    async with Sandbox(workers=1, libraries=[library], limits=Limits(wall_s=5)) as box:
        [result] = await box.run(code, [GRID])
        assert result.output is not None and result.output.to_list() == [[1]], (result.error, result.stdout)
