"""``--refine R`` against a scripted model that only fixes a program after seeing its wrong outputs.

The model's first program for ``recolor0`` turns the ones into the wrong colour; it answers with the
right program only when the request shows that program's wrong output for every train pair. One-shot
scores 0; ``--refine 2`` solves the task, the revision names its parent and round, and no request the
server received holds a digit row of the test output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from refine_replies import RefineModel, digit_rows, hidden_rows, write_tasks

from arcforge.cli import main
from arcforge.testing import ScriptedServer


def _benchmark(server: ScriptedServer, dataset: Path, out: Path, *extra: str) -> list[str]:
    return [
        "benchmark", "code", "--model", "openai:scripted", "--base-url", server.base_url, "--no-cache",
        "--dataset", str(dataset), "--samples", "1", "--out", str(out), "--json", "--no-progress", *extra,
    ]  # fmt: skip


def _records(run: Path) -> dict[str, dict]:
    return {r["key"]: r for r in map(json.loads, (run / "records.jsonl").read_text().splitlines())}


def _all_text(server: ScriptedServer) -> str:
    return "\n".join(m["content"] for request in server.requests for m in request.json["messages"])


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    return write_tasks(tmp_path / "tasks", 1)


def test_one_shot_fails_and_refinement_solves_without_showing_a_test_output(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = RefineModel(1)
    with ScriptedServer(responder=model) as server:
        assert main(_benchmark(server, dataset, tmp_path / "once")) == 0
        assert json.loads(capsys.readouterr().out)["score"] == 0.0
        assert len(server.requests) == 1

        assert main(_benchmark(server, dataset, tmp_path / "refined", "--refine", "2")) == 0
        result = json.loads(capsys.readouterr().out)
        assert result["score"] == 1.0
        assert result["oracle"]["k"] == 2  # the oracle covers every program of the search
        # round 0: one wrong program; round 1: its revision (right); round 2: nothing left to revise
        assert len(server.requests) == 3 and model.right_answers == 1
        leaked = hidden_rows(1)
        assert leaked and not leaked & digit_rows(_all_text(server))

    run = tmp_path / "refined"
    records = _records(run)
    first, revision = records["recolor0:v0:s0"], records["recolor0:v0:s1"]
    assert first["round"] == 0 and first["parent"] is None
    assert first["benchmark"]["train_passed"] == 0
    assert revision["round"] == 1 and revision["parent"] == "recolor0:v0:s0"
    assert revision["benchmark"]["train_passed"] == revision["benchmark"]["train_total"] == 2
    feedback = (run / "feedback" / f"{revision['feedback_hash']}.txt").read_text()
    assert "Expected output (2x3)" in feedback and "cells differ" in feedback
    assert revision["prompt_messages"][-1]["content"].count(feedback.strip()[:40]) == 1
    assert [m["role"] for m in revision["prompt_messages"]][-3:] == ["user", "assistant", "user"]

    selection = json.loads((run / "selection.json").read_text())
    attempt = selection["recolor0"][0]["attempt_1"]
    assert attempt["train_perfect"] and attempt["programs"] == ["recolor0:v0:s1"]
    assert "train-perfect" in attempt["reason"]
    assert (
        "nothing left to revise"
        in json.loads((run / "refine.json").read_text())["tasks"]["recolor0:v0"]["reason"]
    )
    assert main(["report", str(run)]) == 0
    report = (run / "report.md").read_text()
    assert "### Refinement" in report and "| 1 | 0.0% |" in report and "| 2 | 100.0% |" in report
    assert "  - `recolor0:v0:s1` (round 1, train 2/2)" in report
    assert "Lineage of <code>recolor0</code>" in (run / "report.html").read_text()
    manifest = json.loads((run / "manifest.json").read_text())
    assert (
        manifest["config"]["refine"]["rounds"] == 2
        and manifest["config"]["refine"]["template"] == "refine-v1"
    )


def test_generate_code_refines_and_keeps_the_lineage(dataset: Path, tmp_path: Path) -> None:
    model = RefineModel(1)
    run = tmp_path / "gen"
    with ScriptedServer(responder=model) as server:
        code = main(
            [
                "generate", "code", "--model", "openai:scripted", "--base-url", server.base_url,
                "--no-cache", "--dataset", str(dataset), "--samples", "2", "--refine", "1",
                "--refine-width", "1", "--out", str(run), "--no-progress",
            ]
        )  # fmt: skip
        assert code == 0
        # two initial programs (both wrong), width 1: one revision in round 1
        assert len(server.requests) == 3
    records = _records(run)
    assert records["recolor0:v0:s2"]["parent"] == "recolor0:v0:s0"  # ties: the older program first
    assert records["recolor0:v0:s2"]["benchmark"]["train_passed"] == 2

    assert main(["verify", str(run)]) == 0
    assert main(["export", str(run), "--out", str(tmp_path / "final.jsonl")]) == 0
    assert main(["export", str(run), "--conversations", "--out", str(tmp_path / "talk.jsonl")]) == 0
    [final] = [json.loads(line) for line in (tmp_path / "final.jsonl").read_text().splitlines()]
    [talk] = [json.loads(line) for line in (tmp_path / "talk.jsonl").read_text().splitlines()]
    assert final["metadata"]["key"] == talk["metadata"]["key"] == "recolor0:v0:s2"  # the verified revision
    roles = [m["role"] for m in talk["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant"]
    assert "Expected output" in talk["messages"][3]["content"]
    assert [m["role"] for m in final["messages"]] == ["system", "user", "assistant"]
    assert final["messages"][-1] == talk["messages"][-1] and final["messages"][:2] == talk["messages"][:2]


def test_per_task_call_budget_stops_the_search(dataset: Path, tmp_path: Path) -> None:
    model = RefineModel(1)
    run = tmp_path / "budget"
    with ScriptedServer(responder=model) as server:
        args = _benchmark(
            server, dataset, run, "--samples", "2", "--refine", "3", "--max-calls-per-task", "2"
        )
        assert main(args) == 0
        assert len(server.requests) == 2  # the budget is spent by the initial samples
    reason = json.loads((run / "refine.json").read_text())["tasks"]["recolor0:v0"]["reason"]
    assert "--max-calls-per-task 2" in reason


def test_show_prompt_prints_the_revision_template_without_a_model(dataset: Path, capsys) -> None:
    code = main(["benchmark", "code", "--dataset", str(dataset), "--refine", "1", "--show-prompt"])
    assert code == 0
    out = capsys.readouterr().out
    assert "template refine-v1" in out and "$feedback" in out and "Example 1" in out


def test_per_task_cost_budget_is_checked_before_each_round(dataset: Path, tmp_path: Path) -> None:
    run = tmp_path / "cost"
    with ScriptedServer(responder=RefineModel(1)) as server:
        assert main(_benchmark(server, dataset, run, "--refine", "3", "--max-cost-per-task", "0.0015")) == 0
        assert len(server.requests) == 2  # 0.001 spent before round 1 (under), 0.002 before round 2 (over)
    ended = json.loads((run / "refine.json").read_text())["tasks"]["recolor0:v0"]
    assert "--max-cost-per-task 0.0015 reached" in ended["reason"] and ended["calls"] == 2


def test_the_progress_label_is_read_again_at_each_redraw() -> None:
    from arcforge.pipelines.refine import _LiveLabel

    state = {"best": 0.0}
    label = _LiveLabel("benchmark code round 1/2", lambda: f" · best train {state['best']:.2f}")
    assert "{task.description}".format(task=type("T", (), {"description": label})) == (
        "benchmark code round 1/2 · best train 0.00"
    )
    state["best"] = 0.5
    assert f"{label}" == "benchmark code round 1/2 · best train 0.50" and isinstance(label, str)
