"""Verification on a real local Ray cluster (a head and more node processes on this machine).

The cluster is started once for the module with :class:`ray.cluster_utils.Cluster` (real GCS and
raylet processes, all on 127.0.0.1) and stopped at the end. The same run verified locally and on the
cluster must give the same ``verification.jsonl``; losing a node mid-run must redo its batches.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from arcforge.distributed import RaySandbox  # noqa: E402
from arcforge.engine import RunDirectory  # noqa: E402
from arcforge.errors import UsageError  # noqa: E402
from arcforge.pipelines.verify import verify_run  # noqa: E402
from arcforge.sandbox import Limits  # noqa: E402
from arcforge.task import Task  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TASKS = [
    {
        "train": [{"input": [[1, 2], [3, 4]], "output": [[2, 1], [4, 3]]}],
        "test": [{"input": [[5, 6]], "output": [[6, 5]]}],
    },
    {
        "train": [{"input": [[0, 1]], "output": [[0, 1]]}, {"input": [[2]], "output": [[2]]}],
        "test": [{"input": [[7, 7, 1]], "output": [[7, 7, 1]]}],
    },
    {
        "train": [{"input": [[3, 0, 0]], "output": [[3, 3, 3]]}],
        "test": [{"input": [[4, 0]], "output": [[4, 4]]}],
    },
]
PROGRAMS = [
    "def solve(grid):\n    return [row[::-1] for row in grid]\n",  # right on task 0
    "def solve(grid):\n    return [row[:] for row in grid]\n",  # right on task 1
    "def solve(grid):\n    return [[row[0]] * len(row) for row in grid]\n",  # right on task 2
    "def solve(grid):\n    raise ValueError('no idea')\n",
    "def solve(grid)\n    return grid\n",
    "import numpy as np\n\ndef solve(grid):\n    return np.rot90(np.array(grid)).tolist()\n",
    "def solve(grid):\n    while True:\n        pass\n",
]
SLOW = (
    "import time\n\ndef solve(grid):\n    time.sleep(0.05)\n    return [row[::-1] for row in grid]\n# {n}\n"
)


def _build_run(path: Path, samples: int, *, slow: bool = False) -> None:
    run = RunDirectory.create(path, command="generate code", config={"kind": "code"})
    with run:
        for index in range(samples):
            task_data = TASKS[index % len(TASKS)]
            code = SLOW.format(n=index) if slow else PROGRAMS[index % len(PROGRAMS)]
            run.append(
                {
                    "key": f"t{index % len(TASKS)}:v0:s{index}",
                    "kind": "code",
                    "task_id": f"t{index % len(TASKS)}",
                    "task_version": 0,
                    "sample_index": index,
                    "status": "ok",
                    "task_data": task_data,
                    "python_code": code,
                    "entry": "solve",
                }
            )


def _entries(run: Path) -> dict[str, dict]:
    """The run's verification entries by key, without their time stamps, and without the wording of
    a timeout (wall clock or CPU limit, whichever the machine's load let strike first: two local runs
    differ there too)."""
    found = {}
    for line in (run / "verification.jsonl").read_text().splitlines():
        entry = json.loads(line)
        entry.pop("verified_at", None)
        for pair in entry["pairs"]:
            if pair["status"] == "timeout":
                pair["error"] = "timeout"
        found[entry["key"]] = entry
    return found


@pytest.fixture(scope="module")
def cluster():
    """A head node and a second node process, on loopback, with no API key in their environment."""
    from ray.cluster_utils import Cluster

    saved = {name: os.environ.pop(name) for name in list(os.environ) if name.endswith("_API_KEY")}
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # every address on 127.0.0.1
    quick = {
        "health_check_period_ms": 500,
        "health_check_failure_threshold": 3,
        "health_check_initial_delay_ms": 0,
    }
    made = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "include_dashboard": False, "_system_config": quick},
    )
    try:
        made.add_node(num_cpus=1)
        made.wait_for_nodes()
        yield made
    finally:
        made.shutdown()
        os.environ.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
        os.environ.update(saved)


async def test_a_cluster_run_matches_the_local_run_and_sees_no_api_key(
    cluster, tmp_path, monkeypatch
) -> None:
    local, remote = tmp_path / "local", tmp_path / "remote"
    _build_run(local, 84)
    _build_run(remote, 84)
    limits = Limits(wall_s=1.0)
    here = await verify_run(local, workers=1, limits=limits, progress=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-driver-only-0123456789abcdef")
    async with RaySandbox(cluster.address, limits=limits, workers_per_node=1, batch_size=4) as sandbox:
        nodes = await sandbox.describe()
        there = await verify_run(remote, sandbox=sandbox, progress=False)
        stats = sandbox.stats
    assert len(nodes) == 2 and all(node["api_key_variables"] == [] for node in nodes)
    assert _entries(remote) == _entries(local)
    assert (
        there.by_outcome == here.by_outcome and here.verified == 12
    )  # each right program meets its task 4 times
    assert {"timeout", "exception", "syntax_error", "wrong_output"} <= set(here.by_outcome)
    assert len(stats.programs_by_node) == 2 and min(stats.programs_by_node.values()) > 0
    # identical programs on a task run once: 7 programs x 3 tasks
    assert sum(stats.programs_by_node.values()) == 21 and stats.redone == 0


async def test_losing_a_node_mid_run_redoes_its_batches(cluster, tmp_path) -> None:
    local, remote = tmp_path / "local", tmp_path / "remote"
    _build_run(local, 120, slow=True)
    _build_run(remote, 120, slow=True)
    await verify_run(local, workers=1, progress=False)
    doomed = cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    doomed_id = doomed.node_id
    async with RaySandbox(cluster.address, workers_per_node=1, batch_size=4, per_node=2) as sandbox:
        verifying = asyncio.create_task(verify_run(remote, sandbox=sandbox, progress=False))
        for _ in range(600):  # wait until the third node has finished some batches (and holds more)
            if sandbox.stats.programs_by_node.get(doomed_id, 0) >= 8:
                break
            await asyncio.sleep(0.05)
        assert sandbox.stats.programs_by_node.get(doomed_id, 0) >= 8
        await asyncio.to_thread(cluster.remove_node, doomed, False)
        summary = await verifying
        stats = sandbox.stats
    assert stats.nodes_lost == 1 and stats.redone >= 1
    assert summary.samples == 120 and summary.verified == 40  # the task-0 samples
    assert _entries(remote) == _entries(local)


async def test_a_bad_address_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--ray needs an address"):
        RaySandbox("")


def test_node_actor_results_round_trip_exactly() -> None:
    from arcforge.distributed.ray_verify import _pair_from_wire, _pair_to_wire
    from arcforge.sandbox.results import PairResult
    from arcforge.task.grid import Grid

    task = Task.from_dict(TASKS[0], task_id="t0")
    pair = PairResult("test", 0, "failed", Grid([[1]]), None, task.test[0].output, "ok")
    assert _pair_from_wire(_pair_to_wire(pair)) == pair
    error = PairResult("train", 1, "error", None, "ValueError: no", Grid([[2]]), "exception")
    assert _pair_from_wire(_pair_to_wire(error)) == error


def test_cli_resumes_a_half_verified_run_on_the_cluster(cluster, tmp_path) -> None:
    import subprocess
    import sys

    local, remote = tmp_path / "local", tmp_path / "remote"
    _build_run(local, 42)
    _build_run(remote, 42)
    asyncio.run(verify_run(local, workers=1, limits=Limits(wall_s=1.0), progress=False))
    lines = (local / "verification.jsonl").read_text().splitlines(keepends=True)
    (remote / "verification.jsonl").write_text("".join(lines[:20]))  # a verify stopped half-way
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    done = subprocess.run(
        [sys.executable, "-m", "arcforge", "verify", str(remote), "--ray", cluster.address, "--workers", "1"]
        + ["--timeout", "1", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["samples"] == 42 and summary["verified"] == 6
    assert _entries(remote) == _entries(local)
    assert len((remote / "verification.jsonl").read_text().splitlines()) == 42  # appended, not redone
