"""Honest runs (issue 13): new samples per run, resume re-asks failures, budgets need prices, options kept."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from generation_replies import CORRECT, TILE_TASK, responder_for, training

from arcforge.cli import main
from arcforge.testing import ScriptedServer, error, reply

OTHER = "007bbfb7"


def _records(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]


def _manifest(run: Path) -> dict[str, Any]:
    return json.loads((run / "manifest.json").read_text())


def _args(model: str, base_url: str, run: Path, *extra: str) -> list[str]:
    return [
        "generate", "code", "--model", model, "--base-url", base_url, "--dataset", "arc-agi-2/training",
        "--task-ids", f"{TILE_TASK},{OTHER}", "--out", str(run), *extra,
    ]  # fmt: skip


@pytest.fixture
def no_retries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A project models.toml with a model that is not retried by the client (fast failing tests)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models.toml").write_text(
        '[models.flaky]\nprovider = "vllm"\nmodel = "m"\nmax_retries = 0\n'
        '[models.flaky1]\nprovider = "vllm"\nmodel = "m"\nmax_retries = 1\n',
        encoding="utf-8",
    )
    return "flaky"


def test_two_runs_with_the_same_prompts_ask_twice_and_reuse_is_marked(tmp_path: Path) -> None:
    tasks = [training().get(TILE_TASK), training().get(OTHER)]
    with ScriptedServer(responder=responder_for(tasks, dict.fromkeys([TILE_TASK, OTHER], CORRECT))) as server:
        assert main(_args("openai:any", server.base_url, tmp_path / "a", "--samples", "2")) == 0
        assert len(server.requests) == 4
        assert main(_args("openai:any", server.base_url, tmp_path / "b", "--samples", "2")) == 0
        assert len(server.requests) == 8  # a new run asks for new samples: no silent duplicates
        assert {r["cached"] for r in _records(tmp_path / "b")} == {None}
        assert (
            main(_args("openai:any", server.base_url, tmp_path / "c", "--samples", "2", "--reuse-cache")) == 0
        )
        assert len(server.requests) == 8  # asked for: other runs' replies, marked as reused
    reused = _records(tmp_path / "c")
    assert {r["cached"] for r in reused} == {"reused"} and all(r["cost_usd"] == 0.0 for r in reused)


def test_a_run_whose_server_failed_every_request_resumes_and_verifies(
    tmp_path: Path, no_retries: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [training().get(TILE_TASK), training().get(OTHER)]
    down = threading.Event()
    down.set()
    good = responder_for(tasks, dict.fromkeys([TILE_TASK, OTHER], CORRECT))

    def responder(request: dict[str, Any]) -> Any:
        return error(503, "overloaded") if down.is_set() else good(request)

    run = tmp_path / "run"
    with ScriptedServer(responder=responder) as server:
        assert main(_args(no_retries, server.base_url, run, "--json")) == 0
        first = json.loads(capsys.readouterr().out)
        assert first["by_status"] == {"error": 2}
        assert {(r["status"], r["error_kind"], r["retries"]) for r in _records(run)} == {
            ("error", "server", 0)
        }
        down.clear()
        assert main(["generate", "code", "--resume", str(run), "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["retried"] == 2 and again["by_status"] == {"ok": 2} and again["stopped"] is None
        assert main(["generate", "code", "--resume", str(run), "--json"]) == 0  # nothing left to ask
        assert json.loads(capsys.readouterr().out)["written"] == 0 and len(server.requests) == 4
    records = _records(run)
    assert len(records) == 4 and [r.get("supersedes") for r in records[2:]] == [1, 1]  # failures kept
    assert _manifest(run)["status"] == "completed" and _manifest(run)["counts"]["records"] == 4
    assert main(["verify", str(run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 2 and summary["by_outcome"].get("verified") == 1  # the tile task's


def test_parse_failures_are_final_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks = [training().get(TILE_TASK), training().get(OTHER)]
    answers = {TILE_TASK: CORRECT, OTHER: "no idea"}
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, answers)) as server:
        assert main(_args("openai:any", server.base_url, run)) == 0
        capsys.readouterr()
        assert main(["generate", "code", "--resume", str(run), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["written"] == 0 and len(server.requests) == 2
        assert main(["generate", "code", "--resume", str(run), "--retry-parse-failures", "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["retried"] == 1 and result["by_status"] == {"parse_failure": 1}
        assert len(server.requests) == 3


def test_two_resumes_started_together_write_each_key_once(tmp_path: Path, no_retries: str) -> None:
    down = threading.Event()
    down.set()

    def responder(request: dict[str, Any]) -> Any:
        if down.is_set():
            return error(503)
        return reply(CORRECT, delay_s=0.3, cost=0.01)

    run = tmp_path / "run"
    with ScriptedServer(responder=responder) as server:
        assert main(_args(no_retries, server.base_url, run, "--samples", "3")) == 0
        down.clear()
        command = [
            sys.executable,
            "-m",
            "arcforge",
            "generate",
            "code",
            "--resume",
            str(run),
            "--concurrency",
            "1",
        ]
        both = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]  # fmt: skip
        outcomes = [process.communicate(timeout=120) for process in both]
        codes = [process.returncode for process in both]
    assert 0 in codes, outcomes
    written = [r["key"] for r in _records(run) if r.get("supersedes")]
    assert sorted(written) == sorted(set(written)) and len(written) == 6  # each key asked again once
    loser = [out for out, code in zip(outcomes, codes, strict=True) if code != 0]
    assert all("in use by another arcforge process" in err for _, err in loser)


def test_max_cost_needs_a_price(tmp_path: Path, no_retries: str, capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=lambda request: reply(CORRECT)) as server:  # no cost in the reply
        code = main(_args(no_retries, server.base_url, run, "--samples", "3", "--max-cost", "0.000001"))
        err = capsys.readouterr().err
        assert code == 2 and "--price IN:OUT" in err and "models.toml" in err
        assert len(server.requests) == 1  # the first reply alone: it said nothing of its cost
        (record,) = _records(run)
        assert record["status"] == "ok" and record["cost_usd"] is None
        manifest = _manifest(run)
        assert manifest["cost_usd"] is None and manifest["status"] == "stopped_cost_unknown"
        assert manifest["counts"]["cost_unknown_records"] == 1
        # with a price the budget is kept; the price is remembered for the next resume
        assert main(["generate", "code", "--resume", str(run), "--price", "1000:1000", "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
    assert result["stopped"] == "max_cost" and result["cost_usd"] is None  # the first reply stays unknown
    assert _manifest(run)["options"]["price"] == [1000.0, 1000.0]
    priced = [r for r in _records(run) if r["cost_usd"] is not None]
    assert priced and all(r["cost_usd"] > 0 for r in priced)


def test_resume_keeps_every_option_and_an_explicit_default_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tasks = [training().get(TILE_TASK), training().get(OTHER)]
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, dict.fromkeys([TILE_TASK, OTHER], CORRECT))) as server:
        args = _args(
            "openai:any", server.base_url, run, "--samples", "3", "--concurrency", "2", "--max-cost", "0.02"
        )
        assert main(args) == 0
        assert _manifest(run)["status"] == "stopped_max_cost"
        assert main(["generate", "code", "--resume", str(run), "--max-cost", "0.04"]) == 0
        options = _manifest(run)["options"]
        assert options["max_cost"] == 0.04 and options["concurrency"] == 2  # raised budget saved; rest kept
        assert main(["generate", "code", "--resume", str(run), "--concurrency", "4"]) == 0  # = the default
        options = _manifest(run)["options"]
        assert options["concurrency"] == 4 and options["max_cost"] == 0.04
    keys = [r["key"] for r in _records(run)]
    assert len(keys) == len(set(keys)) >= 4  # 0.01 a reply: the kept budget of 0.04 stopped it (+ in flight)
    capsys.readouterr()


def test_error_records_say_how_many_retries_were_made(tmp_path: Path, no_retries: str) -> None:
    run = tmp_path / "run"
    with ScriptedServer(responder=lambda request: error(503, "overloaded")) as server:
        assert main(_args("flaky1", server.base_url, run)) == 0
        assert len(server.requests) == 4  # 2 samples, each asked twice
    for record in _records(run):
        assert record["retries"] == 1 and "after 1 retry" in record["error"]
        assert record["error_kind"] == "server"
