"""A refined benchmark killed with ``kill -9`` in the middle of round 1, then ``--resume``d.

Six tasks, two initial programs each (both wrong), width 1: round 0 makes 12 calls, round 1 revises
each task's older program (right), round 2 its other one (right, and distinct, so the two agree and
the search ends): 24 calls in all. The kill lands while round 1 is being written; the resume rebuilds
the population from ``records.jsonl``, plans the same revisions, asks only what was not written, and
ends with every key once and every task solved.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from refine_replies import RefineModel, write_tasks

from arcforge.testing import ScriptedServer

TASKS = 6
CALLS = TASKS * 2 + TASKS + TASKS


def _start(
    server: ScriptedServer, dataset: Path, run: Path, *, resume: bool = False
) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "arcforge", "benchmark", "code", "--no-progress"]
    if resume:  # the options, the refinement's included, come back from the manifest
        command += ["--resume", str(run)]
    else:
        command += [
            "--model", "openai:scripted", "--base-url", server.base_url, "--no-cache", "--dataset",
            str(dataset), "--samples", "2", "--refine", "2", "--refine-width", "1", "--concurrency", "2",
            "--out", str(run),
        ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _records(run: Path) -> list[dict]:
    path = run / "records.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def test_a_refined_run_killed_mid_round_resumes_without_repeating_a_call(tmp_path: Path) -> None:
    dataset = write_tasks(tmp_path / "tasks", TASKS)
    run = tmp_path / "run"
    model = RefineModel(TASKS, delay_s=0.25)
    with ScriptedServer(responder=model) as server:
        process = _start(server, dataset, run)
        deadline = time.monotonic() + 90
        while sum(r.get("round") == 1 for r in _records(run)) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "round 1 never started"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        written = _records(run)
        in_round_1 = sum(r["round"] == 1 for r in written)
        assert 2 <= in_round_1 < TASKS and not any(r["round"] == 2 for r in written)
        asked = len(server.requests)
        assert server.max_in_flight == 2  # --concurrency 2 across the tasks, round 0 and round 1 alike

        resumed = _start(server, dataset, run, resume=True)
        out, err = resumed.communicate(timeout=180)
        assert resumed.returncode == 0, err
        # only what was not written is asked (a request cut by kill -9 may be asked twice: 2 lanes)
        assert len(server.requests) - asked <= CALLS - len(written) + 2
        # round 0 was all written before the kill: the resume asks revisions only
        assert all(len(request.json["messages"]) > 2 for request in server.requests[asked:])

    records = _records(run)
    counts = Counter(r["key"] for r in records)
    assert len(counts) == CALLS and set(counts.values()) == {1}, counts
    by_key = {r["key"]: r for r in records}
    for n in range(TASKS):
        assert by_key[f"recolor{n}:v0:s2"]["parent"] == f"recolor{n}:v0:s0"
        assert by_key[f"recolor{n}:v0:s3"]["parent"] == f"recolor{n}:v0:s1"
        assert by_key[f"recolor{n}:v0:s3"]["round"] == 2
    score = json.loads((run / "score.json").read_text())
    assert score["score"] == 1.0 and score["complete"]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["counts"]["records"] == CALLS
    ended = json.loads((run / "refine.json").read_text())["tasks"]
    assert all("agree on every test input" in ended[f"recolor{n}:v0"]["reason"] for n in range(TASKS))
