"""The run engine against real files and real processes (kill -9, SIGINT, SIGTERM)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arcforge.engine import RunDirectory, WorkItem, run_tasks
from arcforge.errors import ModelError, RunError, UsageError

SLOW_RUN = Path(__file__).with_name("slow_run.py")


def _items(count: int) -> list[WorkItem]:
    return [WorkItem(f"t{i:03d}:v0:s0", i) for i in range(count)]


def _keys(path: Path) -> list[str]:
    return [json.loads(line)["key"] for line in (path / "records.jsonl").read_text().splitlines() if line]


async def test_every_item_written_once_with_bounded_concurrency(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={"a": 1})
    in_flight = 0
    peak = 0

    async def worker(item: WorkItem) -> dict:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01 * (item.payload % 3))
        in_flight -= 1
        return {"status": "ok", "usage": {"prompt_tokens": 10, "completion_tokens": 5}, "cost_usd": 0.5}

    summary = await run_tasks(run, _items(20), worker, concurrency=3, progress=False)
    assert peak == 3
    assert sorted(_keys(run.path)) == sorted(item.key for item in _items(20))
    assert summary.completed == 20 and summary.stopped is None
    assert summary.prompt_tokens == 200 and summary.completion_tokens == 100
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert manifest["counts"]["records"] == 20
    assert manifest["cost_usd"] == pytest.approx(10.0)
    assert manifest["tokens"]["prompt_tokens"] == 200
    record = run.records()[0]
    assert record["run_id"] == run.run_id and record["created_at"]
    assert "session start" in (run.path / "run.log").read_text()


async def test_resume_skips_done_keys_and_counts_earlier_cost(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={"a": 1})
    calls: list[str] = []

    async def worker(item: WorkItem) -> dict:
        calls.append(item.key)
        return {"status": "ok", "cost_usd": 1.0}

    await run_tasks(run, _items(4), worker, progress=False)
    resumed = RunDirectory.open(run.path)
    resumed.check_config("test", {"a": 1})
    summary = await run_tasks(resumed, _items(6), worker, progress=False)
    assert calls == [item.key for item in _items(4)] + ["t004:v0:s0", "t005:v0:s0"]
    assert summary.skipped == 4 and summary.completed == 2
    assert summary.cost_usd == pytest.approx(6.0)
    assert len(_keys(run.path)) == 6
    assert len(json.loads((run.path / "manifest.json").read_text())["sessions"]) == 2


async def test_truncated_last_line_is_skipped_then_cut_before_appending(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})
    with (run.path / "records.jsonl").open("w") as handle:
        handle.write(json.dumps({"key": "t000:v0:s0", "status": "ok"}) + "\n")
        handle.write('{"key": "t001:v0:s0", "stat')  # a write cut by kill -9
    assert [r["key"] for r in run.records()] == ["t000:v0:s0"]

    async def worker(item: WorkItem) -> dict:
        return {"status": "ok"}

    await run_tasks(RunDirectory.open(run.path), _items(3), worker, progress=False)
    lines = (run.path / "records.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["t000:v0:s0", "t001:v0:s0", "t002:v0:s0"]


def test_corrupt_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})
    (run.path / "records.jsonl").write_text('{"key": "a"}\nnot json\n{"key": "b"}\n')
    with pytest.raises(RunError, match="line 2 is corrupt"):
        run.records()


async def test_max_cost_stops_taking_new_work(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})

    async def worker(item: WorkItem) -> dict:
        return {"status": "ok", "cost_usd": 0.4}

    summary = await run_tasks(run, _items(10), worker, concurrency=1, max_cost_usd=1.0, progress=False)
    assert summary.stopped == "max_cost"
    assert summary.completed == 3  # 0.4, 0.8, 1.2 >= 1.0
    assert json.loads((run.path / "manifest.json").read_text())["status"] == "stopped_max_cost"
    # resuming with the limit already reached starts nothing
    again = await run_tasks(RunDirectory.open(run.path), _items(10), worker, max_cost_usd=1.0, progress=False)
    assert again.completed == 0 and again.stopped == "max_cost"


async def test_worker_errors_become_error_records_and_the_run_goes_on(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})

    async def worker(item: WorkItem) -> dict:
        if item.payload == 1:
            raise ModelError("HTTP 500 after 3 retries")
        if item.payload == 2:
            raise KeyError("bug")
        return {"status": "ok"}

    summary = await run_tasks(run, _items(4), worker, progress=False)
    by_key = {r["key"]: r for r in run.records()}
    assert by_key["t001:v0:s0"]["status"] == "error" and "HTTP 500" in by_key["t001:v0:s0"]["error"]
    assert by_key["t002:v0:s0"]["status"] == "error" and "KeyError" in by_key["t002:v0:s0"]["error"]
    assert summary.statuses == {"ok": 2, "error": 2}
    assert "Traceback" in (run.path / "run.log").read_text()


async def test_duplicate_keys_and_bad_concurrency_are_usage_errors(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})

    async def worker(item: WorkItem) -> dict:
        return {}

    with pytest.raises(UsageError, match="repeated: a"):
        await run_tasks(run, [WorkItem("a"), WorkItem("a")], worker, progress=False)
    with pytest.raises(UsageError, match="at least 1"):
        await run_tasks(run, [WorkItem("a")], worker, concurrency=0, progress=False)


def test_create_refuses_an_existing_run_and_resume_checks_the_command(tmp_path: Path) -> None:
    RunDirectory.create(
        tmp_path / "run",
        command="generate code",
        config={"model": "a", "samples": 2},
        argv=["generate", "code", "--model", "a"],
    )
    with pytest.raises(
        RunError, match="already holds a run: continue it with `arcforge generate code --resume"
    ):
        RunDirectory.create(tmp_path / "run", command="benchmark direct", config={})
    run = RunDirectory.open(tmp_path / "run")
    with pytest.raises(RunError, match="model: run has 'a', command has 'b'.*generate code --model a"):
        run.check_config("generate code", {"model": "b", "samples": 2})
    with pytest.raises(RunError, match="is a `generate code` run"):
        run.check_config("generate reasoning", {"model": "a", "samples": 2})
    run.check_config("generate code", {"model": "a", "samples": 2})
    with pytest.raises(RunError, match="manifest.json is missing"):
        RunDirectory.open(tmp_path)


def test_two_processes_cannot_append_to_one_run(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})
    run.open_for_append()
    with pytest.raises(RunError, match="in use by another"):
        RunDirectory.open(run.path).open_for_append()
    run.close()
    with RunDirectory.open(run.path) as again:
        again.open_for_append()


def _start(path: Path, count: int, delay: float, concurrency: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(SLOW_RUN), str(path), str(count), str(delay), str(concurrency), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_records(path: Path, at_least: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = path / "records.jsonl"
        if records.exists() and records.read_text().count("\n") >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {at_least} records in {path} after {timeout}s")


def test_kill_9_mid_run_then_resume_has_every_record_exactly_once(tmp_path: Path) -> None:
    path = tmp_path / "run"
    process = _start(path, 40, 0.05, 4)
    _wait_for_records(path, 10)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=10)
    written = len(_keys(path))
    assert 10 <= written < 40
    resumed = _start(path, 40, 0.05, 4, "--resume")
    out, err = resumed.communicate(timeout=60)
    assert resumed.returncode == 0, err
    keys = _keys(path)
    assert sorted(keys) == [f"task{i:04d}:v0:s0" for i in range(40)]  # each once, none lost
    assert f"completed={40 - written}" in out
    assert json.loads((path / "manifest.json").read_text())["status"] == "completed"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_finishes_in_flight_work_then_resume_completes(tmp_path: Path, signum: int) -> None:
    path = tmp_path / "run"
    process = _start(path, 30, 0.3, 3)
    _wait_for_records(path, 3)
    os.kill(process.pid, signum)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "finishing in-flight work" in err
    written = _keys(path)
    assert len(written) == len(set(written)) < 30
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["counts"]["records"] == len(written)
    assert f"completed={len(written)}" in out
    resumed = _start(path, 30, 0.01, 3, "--resume")
    resumed.communicate(timeout=60)
    assert sorted(_keys(path)) == [f"task{i:04d}:v0:s0" for i in range(30)]


def test_second_sigint_stops_at_once_without_partial_records(tmp_path: Path) -> None:
    path = tmp_path / "run"
    process = _start(path, 10, 5.0, 2)  # every item takes 5 s: only a cancellation ends it quickly
    deadline = time.monotonic() + 20
    while not (path / "run.log").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    started = time.monotonic()
    os.kill(process.pid, signal.SIGINT)
    time.sleep(0.2)
    os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert time.monotonic() - started < 4.0
    assert process.returncode == 130, err
    assert _keys(path) == []  # both in-flight items were cancelled, none half-written
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert "cancelling in-flight" in (path / "run.log").read_text()


async def test_progress_bar_shows_done_total_tokens_and_cost(tmp_path: Path, capsys) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})

    async def worker(item: WorkItem) -> dict:
        return {"status": "ok", "usage": {"prompt_tokens": 700, "completion_tokens": 300}, "cost_usd": 0.125}

    await run_tasks(run, _items(12), worker, progress=True, description="generate code")
    err = capsys.readouterr().err
    assert "generate code" in err and "12/12" in err
    assert "12k tok" in err and "$1.5000" in err


def test_start_creates_or_resumes_and_refuses_both_folders(tmp_path: Path) -> None:
    created = RunDirectory.start(
        out=None, resume=None, command="c", config={"a": 1}, default_path=tmp_path / "default", argv=["c"]
    )
    assert created.path == tmp_path / "default" and created.manifest["argv"] == ["c"]
    resumed = RunDirectory.start(
        out=None, resume=created.path, command="c", config={"a": 1}, default_path="x"
    )
    assert resumed.run_id == created.run_id
    with pytest.raises(RunError, match="differs"):
        RunDirectory.start(out=None, resume=created.path, command="c", config={"a": 2}, default_path="x")
    with pytest.raises(UsageError, match="give only --resume"):
        RunDirectory.start(
            out=tmp_path / "other", resume=created.path, command="c", config={}, default_path="x"
        )


async def test_a_record_that_is_not_json_becomes_an_error_record(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})

    async def worker(item: WorkItem) -> dict:
        return {"status": "ok", "value": object() if item.payload == 1 else 1}

    summary = await run_tasks(run, _items(3), worker, progress=False)
    by_key = {r["key"]: r for r in run.records()}
    assert len(by_key) == 3 and by_key["t001:v0:s0"]["status"] == "error"
    assert "could not be written as JSON" in by_key["t001:v0:s0"]["error"]
    assert summary.stopped is None


async def test_a_failing_disk_stops_the_run_with_a_run_error_and_the_manifest_says_so(tmp_path: Path) -> None:
    run = RunDirectory.create(tmp_path / "run", command="test", config={})
    real_append = run.append

    def append(record: dict) -> None:
        if record["key"] == "t002:v0:s0":
            raise OSError(28, "No space left on device")
        real_append(record)

    run.append = append  # type: ignore[method-assign]  # a disk that fills up at the third record

    async def worker(item: WorkItem) -> dict:
        return {"status": "ok"}

    with pytest.raises(RunError, match="internal error.*No space left"):
        await run_tasks(run, _items(4), worker, concurrency=1, progress=False)
    manifest = json.loads((run.path / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["counts"]["records"] == 2


def test_default_run_paths_of_the_same_second_do_not_collide(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from arcforge.engine import default_run_path

    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = default_run_path("benchmark-direct", "openrouter:a/b", root=tmp_path, now=now)
    assert first == tmp_path / "benchmark-direct-openrouter_a_b-20260102T030405Z"
    RunDirectory.create(first, command="benchmark direct", config={})
    second = default_run_path("benchmark-direct", "openrouter:a/b", root=tmp_path, now=now)
    assert second == tmp_path / "benchmark-direct-openrouter_a_b-20260102T030405Z-2"
    RunDirectory.create(second, command="benchmark direct", config={})
    assert default_run_path("benchmark-direct", "openrouter:a/b", root=tmp_path, now=now).name.endswith("Z-3")
