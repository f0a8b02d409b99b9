"""``arcforge generate`` in a real process: Ctrl-C and kill -9 in the middle, then ``--resume``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from generation_replies import CORRECT, generate_code_args

from arcforge.testing import ScriptedServer, reply

TASKS = 12


def _start(server: ScriptedServer, run: Path, *, resume: bool = False) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "arcforge",
        *generate_code_args(server.base_url, "--max-tasks", str(TASKS), "--concurrency", "2"),
        "--resume" if resume else "--out",
        str(run),
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _keys(run: Path) -> list[str]:
    path = run / "records.jsonl"
    if not path.exists():
        return []
    return [json.loads(line)["key"] for line in path.read_text().splitlines() if line.endswith("}")]


def _wait_for(run: Path, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(_keys(run)) < count:
        assert time.monotonic() < deadline, f"fewer than {count} records after {timeout}s"
        time.sleep(0.05)


def _slow_server() -> ScriptedServer:
    return ScriptedServer(responder=lambda request: reply(CORRECT, delay_s=0.4, cost=0.001))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_run_resumes_with_each_sample_once(tmp_path: Path, signum: int) -> None:
    run = tmp_path / "run"
    with _slow_server() as server:
        process = _start(server, run)
        _wait_for(run, 3)
        os.kill(process.pid, signum)
        out, err = process.communicate(timeout=30)
        if signum == signal.SIGINT:
            assert process.returncode == 130, err
            assert "finishing in-flight work" in err and f"--resume {run}" in out
            manifest = json.loads((run / "manifest.json").read_text())
            assert manifest["status"] == "interrupted"
        else:
            assert process.returncode == -signal.SIGKILL
        written = _keys(run)
        assert 3 <= len(written) < TASKS and len(set(written)) == len(written)
        asked = len(server.requests)

        resumed = _start(server, run, resume=True)
        out, err = resumed.communicate(timeout=120)
        assert resumed.returncode == 0, err
        counts = Counter(_keys(run))
        assert len(counts) == TASKS and set(counts.values()) == {1}, counts
        # only what was not written is asked again (an in-flight request cut by kill -9 is asked twice)
        assert len(server.requests) - asked <= TASKS - len(written) + 2
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["counts"]["records"] == TASKS
