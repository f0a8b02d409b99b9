"""`arcforge benchmark direct` against the scripted OpenAI-compatible server, on real ARC-AGI-2 tasks.

The responder recognises each task by the first row of its first example in the prompt. It solves
13e47133 (two test inputs; its first reply is wrong, its second right, so attempt 2 must count),
answers 136b0064 with a wrong grid and 142ca369 with prose (parse failures). Score: 1/3.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from arcforge.cli import main
from arcforge.datasets import load_dataset
from arcforge.testing import ScriptedServer, reply

SOLVED, WRONG, GARBAGE = "13e47133", "136b0064", "142ca369"
TASK_IDS = json.dumps([SOLVED, WRONG, GARBAGE])


def _first_row(task) -> str:
    return json.dumps(list(task.train[0].input.rows[0]), separators=(",", ":"))


def _fenced(grids) -> str:
    return "\n".join(
        f"Test {i + 1} output:\n```json\n{json.dumps(g.to_list())}\n```" for i, g in enumerate(grids)
    )


@pytest.fixture(scope="module")
def tasks():
    dataset = load_dataset("arc-agi-2/evaluation")
    return {task_id: dataset.get(task_id) for task_id in (SOLVED, WRONG, GARBAGE)}


@pytest.fixture()
def server(tasks):
    calls: dict[str, int] = {}
    lock = threading.Lock()

    def responder(body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        found = [task for task in tasks.values() if _first_row(task) in prompt]
        assert len(found) == 1, "the responder could not tell the task"
        task = found[0]
        for pair in task.test:  # no test output may ever reach the model
            assert json.dumps(pair.output.to_list(), separators=(",", ":")) not in prompt.replace(
                " ", ""
            ).replace("\n", "")
        with lock:
            calls[task.id] = calls.get(task.id, 0) + 1
            number = calls[task.id]
        if task.id == SOLVED:
            grids = [p.output for p in task.test] if number == 2 else [p.input for p in task.test]
            return "The rule fills each region.\n" + _fenced(grids)
        if task.id == WRONG:
            return "I think the answer is:\n```json\n[[1, 2], [3, 4]]\n```"
        return "I cannot see a pattern here, sorry."

    with ScriptedServer(responder=responder) as running:
        yield running


def test_direct_benchmark_scores_one_of_three_and_the_submission_agrees(server, tasks, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "benchmark",
            "direct",
            "--model",
            "openai:scripted",
            "--base-url",
            server.base_url,
            "--no-cache",
            "--dataset",
            "arc-agi-2/evaluation",
            "--task-ids",
            TASK_IDS,
            "--attempts",
            "2",
            "--concurrency",
            "3",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["score"] == pytest.approx(1 / 3)
    assert result["per_task"][SOLVED]["solved"] == [True, True]
    assert result["per_task"][SOLVED]["attempt_correct"] in (
        [[False, True], [False, True]],
        [[True, False], [True, False]],
    )
    assert result["per_task"][WRONG]["solved"] == [False]
    assert result["outputs"] == 5 and result["outputs_solved"] == 2
    assert result["score_per_output"] == pytest.approx(2 / 5)
    assert result["parse_failures"] == 2 and result["errors"] == 0  # GARBAGE's two samples
    assert result["samples"] == 6 and len(server.requests) == 6

    # every test input of every task has an entry in the Kaggle file
    submission = json.loads((out / "submission.json").read_text())
    assert {k: len(v) for k, v in submission.items()} == {SOLVED: 2, WRONG: 1, GARBAGE: 2}
    assert submission[GARBAGE] == [{"attempt_1": None, "attempt_2": None}] * 2
    assert submission[WRONG] == [{"attempt_1": [[1, 2], [3, 4]], "attempt_2": None}]  # duplicates dropped

    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert sorted(r["key"] for r in records) == sorted(
        f"{t}:v0:s{s}" for t in (SOLVED, WRONG, GARBAGE) for s in (0, 1)
    )
    failures = [r for r in records if r["status"] == "parse_failure"]
    assert {r["task_id"] for r in failures} == {GARBAGE} and all("no_grid" in r["error"] for r in failures)
    outcomes = {(r["task_id"], r.get("parse_outcome")) for r in records if r["status"] == "ok"}
    assert outcomes == {(SOLVED, "labelled"), (WRONG, "unlabelled")}  # how each reply's grids were read
    assert {r["explanation"] for r in records if r["task_id"] == SOLVED} == {"The rule fills each region."}
    assert all("output" not in pair for r in records for pair in r["task_data"]["test"])

    # `arcforge score` on the submission gives the same score
    assert (
        main(
            [
                "score",
                str(out / "submission.json"),
                "--dataset",
                "arc-agi-2/evaluation",
                "--task-ids",
                TASK_IDS,
                "--json",
            ]
        )
        == 0
    )
    scored = json.loads(capsys.readouterr().out)
    assert scored["score"] == pytest.approx(1 / 3)
    assert scored["score_per_output"] == pytest.approx(result["score_per_output"])

    # and the report of the run shows it
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    html = (out / "report.html").read_text()
    assert "33.3%" in html and SOLVED in html and "parse failure" in html


def test_resume_of_a_finished_run_asks_nothing_again(server, tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "benchmark",
        "direct",
        "--model",
        "openai:scripted",
        "--base-url",
        server.base_url,
        "--no-cache",
        "--task-ids",
        TASK_IDS,
        "--concurrency",
        "2",
    ]
    assert main([*argv, "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert "score (per task, official):  0.3333" in first
    assert "report: arcforge report" in first
    asked = len(server.requests)
    assert (
        main(["benchmark", "direct", "--resume", str(out), "--base-url", server.base_url, "--no-cache"]) == 0
    )
    capsys.readouterr()
    assert len(server.requests) == asked
    lines = (out / "records.jsonl").read_text().splitlines()
    assert len(lines) == 6 == len({json.loads(line)["key"] for line in lines})
    # a resume with a different model is refused, in one line
    assert (
        main(
            [
                "benchmark",
                "direct",
                "--resume",
                str(out),
                "--model",
                "openai:other",
                "--base-url",
                server.base_url,
            ]
        )
        == 1
    )
    assert "differs" in capsys.readouterr().err
    # a direct run holds grids, not programs: verify refuses it instead of reporting "0 of 0 verified"
    assert main(["verify", str(out)]) == 1
    assert "holds no programs" in capsys.readouterr().err
    assert not (out / "verification.jsonl").exists()


def test_attempts_above_two_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "direct", "--model", "openai:x", "--attempts", "3"])
    assert exit_info.value.code == 2
    assert "at most 2 attempts" in capsys.readouterr().err


def test_max_cost_stops_the_run_scores_what_is_done_and_resume_finishes(tasks, tmp_path, capsys):
    def responder(body: dict):
        return reply("```json\n[[0]]\n```", cost=0.01)

    out = tmp_path / "run"
    with ScriptedServer(responder=responder) as server:
        argv = ["--base-url", server.base_url, "--no-cache"]
        assert (
            main(
                [
                    "benchmark",
                    "direct",
                    "--model",
                    "openai:scripted",
                    *argv,
                    "--task-ids",
                    TASK_IDS,
                    "--concurrency",
                    "1",
                    "--max-cost",
                    "0.015",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
        text = capsys.readouterr().out
        assert "run stopped (max_cost)" in text and f"--resume {out}" in text
        score = json.loads((out / "score.json").read_text())
        assert score["complete"] is False and score["samples"] == 2
        assert json.loads((out / "manifest.json").read_text())["status"] == "stopped_max_cost"
        assert len(json.loads((out / "submission.json").read_text())) == 3  # every task has its entries

        assert main(["benchmark", "direct", "--resume", str(out), *argv, "--max-cost", "1"]) == 0
        capsys.readouterr()
        assert len(server.requests) == 6
    score = json.loads((out / "score.json").read_text())
    assert score["complete"] is True and score["samples"] == 6 and score["cost_usd"] == pytest.approx(0.06)


def test_sigint_mid_run_keeps_what_is_done_scores_it_and_resume_finishes(tmp_path, capsys):
    out = tmp_path / "run"
    with ScriptedServer(responder=lambda body: reply("```json\n[[0]]\n```", delay_s=0.4)) as server:
        argv = ["--model", "openai:scripted", "--base-url", server.base_url, "--no-cache"]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "arcforge",
                "benchmark",
                "direct",
                *argv,
                "--task-ids",
                TASK_IDS,
                "--concurrency",
                "1",
                "--out",
                str(out),
                "--no-progress",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        records = out / "records.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (records.exists() and records.read_text().count("\n") >= 1):
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr
        assert "run stopped (interrupted)" in stdout
        done = records.read_text().splitlines()
        assert 1 <= len(done) < 6
        score = json.loads((out / "score.json").read_text())
        assert score["complete"] is False and score["samples"] == len(done)
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"

        assert main(["benchmark", "direct", "--resume", str(out), *argv[2:]]) == 0
        capsys.readouterr()
    keys = [json.loads(line)["key"] for line in records.read_text().splitlines()]
    assert len(keys) == 6 == len(set(keys))
    assert json.loads((out / "score.json").read_text())["complete"] is True
