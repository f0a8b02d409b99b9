"""``arcforge generate`` and ``arcforge verify`` end to end against a scripted OpenAI-compatible server."""

from __future__ import annotations

import json
from pathlib import Path

from generation_replies import (
    CORRECT,
    ERROR_400,
    OTHER_TASKS,
    TILE_TASK,
    generate_code_args,
    responder_for,
    standard_answers,
    training,
)

from arcforge.cli import main
from arcforge.testing import ScriptedServer

IDS = [TILE_TASK, *OTHER_TASKS]


def _records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]


def _generate(server: ScriptedServer, out: Path, *extra: str) -> int:
    return main(generate_code_args(server.base_url, "--task-ids", json.dumps(IDS), "--out", str(out), *extra))


def test_generate_code_then_verify_marks_only_the_correct_solver(tmp_path: Path, capsys) -> None:
    tasks = [training().get(task_id) for task_id in IDS]
    marker = Path("/tmp/arcforge-hostile-was-here")
    marker.unlink(missing_ok=True)
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, standard_answers())) as server:
        assert _generate(server, run, "--samples", "2", "--concurrency", "3") == 0
        assert server.max_in_flight <= 3
        assert len(server.requests) == 8
    printed = capsys.readouterr().out
    assert "8 record(s) written" in printed and f"arcforge verify {run}" in printed

    records = {r["key"]: r for r in _records(run)}
    assert sorted(records) == sorted(f"{t}:v0:s{k}" for t in IDS for k in range(2))
    correct = records[f"{TILE_TASK}:v0:s0"]
    assert correct["status"] == "ok" and correct["python_code"].startswith("def solve(grid):")
    assert correct["reasoning"] == correct["explanation"] and "mirrored" in correct["explanation"]
    assert correct["task_data"] == training().get(TILE_TASK).to_dict()
    assert correct["prompt_messages"][-1]["role"] == "user" and correct["model"] == "openai:any"
    assert correct["usage"]["prompt_tokens"] == 1000 and correct["cost_usd"] == 0.01
    garbage = records[f"{OTHER_TASKS[2]}:v0:s1"]
    assert garbage["status"] == "parse_failure" and garbage["parse_error"]["kind"] == "no_code"
    assert garbage["python_code"] is None

    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["command"] == "generate code" and manifest["status"] == "completed"
    config = manifest["config"]
    assert config["dataset"] == "arc-agi-2/training" and len(config["dataset_hash"]) == 64
    assert config["task_selection"] == [f"{t}:v0" for t in IDS]
    assert config["template"] == "code-v1" and len(config["template_hash"]) == 64
    assert config["encoding"] == "json-rows@1" and config["samples"] == 2
    assert manifest["counts"]["by_status"] == {"ok": 6, "parse_failure": 2}
    assert manifest["cost_usd"] == 0.08 and manifest["tokens"]["prompt_tokens"] == 8000
    assert manifest["arcforge_version"] and manifest["started_at"] and manifest["ended_at"]

    assert main(["verify", str(run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 8 and summary["verified"] == 2
    assert summary["by_outcome"] == {"verified": 2, "wrong_output": 2, "timeout": 2, "parse_failure": 2}
    assert summary["failures"] == {"wrong_output": 2, "timeout": 2, "parse_failure": 2}
    assert summary["tasks"] == 4 and summary["tasks_verified"] == 1
    assert not marker.exists(), "a hostile program reached the host's /tmp"

    entries = {e["key"]: e for e in map(json.loads, (run / "verification.jsonl").read_text().splitlines())}
    good = entries[f"{TILE_TASK}:v0:s0"]
    assert good["verified"] and [p["split"] for p in good["pairs"]] == ["train", "train", "test"]
    assert all(p["status"] == "passed" for p in good["pairs"])
    wrong = entries[f"{OTHER_TASKS[0]}:v0:s0"]
    assert not wrong["verified"] and wrong["pairs"][0]["status"] == "failed" and wrong["pairs"][0]["output"]
    assert entries[f"{OTHER_TASKS[1]}:v0:s0"]["pairs"][0]["status"] == "timeout"

    assert main(["verify", str(run)]) == 0
    table = capsys.readouterr().out
    assert "verified: 2 of 8 sample(s); 1 of 4 task(s)" in table and "timeout" in table


def test_model_errors_are_recorded_and_resume_asks_nothing_twice(tmp_path: Path, capsys) -> None:
    tasks = [training().get(task_id) for task_id in IDS]
    answers = {
        TILE_TASK: CORRECT,
        OTHER_TASKS[0]: ERROR_400,
        OTHER_TASKS[1]: CORRECT,
        OTHER_TASKS[2]: CORRECT,
    }
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, answers)) as server:
        assert _generate(server, run, "--json") == 0
        result = json.loads(capsys.readouterr().out)
        assert result["by_status"] == {"ok": 3, "error": 1} and result["written"] == 4
        error_record = next(r for r in _records(run) if r["task_id"] == OTHER_TASKS[0])
        assert error_record["status"] == "error" and "400" in error_record["error"]
        asked = len(server.requests)
        # --resume alone takes the run's options from its manifest; nothing is asked again
        assert main(["generate", "code", "--resume", str(run), "--no-cache", "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["skipped"] == 4 and again["written"] == 0 and len(server.requests) == asked
    assert len(_records(run)) == 4


def test_resume_with_a_different_command_is_refused(tmp_path: Path, capsys) -> None:
    tasks = [training().get(task_id) for task_id in IDS]
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, standard_answers())) as server:
        assert _generate(server, run, "--max-tasks", "1") == 0
        capsys.readouterr()
        code = main(
            [
                "generate",
                "code",
                "--resume",
                str(run),
                "--model",
                "openai:other",
                "--base-url",
                server.base_url,
            ]
        )
    assert code == 1
    err = capsys.readouterr().err
    assert "the command differs from the run" in err and "openai:other" in err
    assert main(["generate", "reasoning", "--resume", str(run), "--model", "x"]) == 1
    assert "is a `generate code` run" in capsys.readouterr().err
    assert main(["generate", "code", "--resume", str(tmp_path / "nowhere")]) == 1
    assert "not a run directory" in capsys.readouterr().err


def test_generate_reasoning_predicts_the_test_outputs_and_verify_checks_them(tmp_path: Path, capsys) -> None:
    task = training().get(TILE_TASK)
    right = json.dumps(task.test[0].output.to_list())
    wrong = json.dumps(task.test[0].input.to_list())
    texts = {
        0: "The 2x2 input is tiled 3x3; the middle band is mirrored.\n\nRule: tile and mirror.\n\n"
        f"Test 1 output:\n```json\n{right}\n```",
        1: f"Rule: tile.\n\nTest 1 output:\n```json\n{wrong}\n```",
    }
    calls = iter(range(2))

    def responder(request: dict) -> object:
        from arcforge.testing import reply

        return reply(texts[next(calls)], cost=0.01, prompt_tokens=100, completion_tokens=50)

    run = tmp_path / "run"
    base = ["generate", "reasoning", "--model", "openai:any", "--dataset", "arc-agi-2/training",
            "--task_ids", json.dumps([TILE_TASK]), "--no-cache", "--concurrency", "1"]  # fmt: skip
    with ScriptedServer(responder=responder) as server:
        assert main([*base, "--base-url", server.base_url, "--samples", "2", "--out", str(run)]) == 0
        prompt = server.requests[0].json["messages"][-1]["content"]
    assert "Test 1" in prompt and "Example 2" in prompt and right not in prompt
    first, second = sorted(_records(run), key=lambda r: r["sample_index"])
    assert first["kind"] == "reasoning" and first["reasoning"] == texts[0] and first["python_code"] is None
    assert first["predictions"] == [task.test[0].output.to_list()] and first["template"] == "reasoning-v2"
    assert second["predictions"] == [task.test[0].input.to_list()]
    capsys.readouterr()
    assert main(["verify", str(run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["by_outcome"] == {"verified": 1, "wrong_output": 1} and summary["tasks_verified"] == 1
    assert summary["cost_usd"] == 0.02 and summary["cost_per_verified_usd"] == 0.02
    assert summary["tokens_per_verified"] == 300

    # the first reasoning template asks for no grid: its traces are not verifiable, and say so
    old = tmp_path / "v1"
    with ScriptedServer(responder=lambda request: "Rule: tile and mirror.") as server:
        assert (
            main([*base, "--base-url", server.base_url, "--template", "reasoning-v1", "--out", str(old)]) == 0
        )
    (record,) = _records(old)
    assert record["predictions"] is None and record["status"] == "ok"
    capsys.readouterr()
    assert main(["verify", str(old), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_outcome"] == {"no_prediction": 1}


def test_usage_mistakes_exit_2(tmp_path: Path, capsys) -> None:
    base = ["generate", "code", "--model", "openai:any", "--base-url", "http://127.0.0.1:9/v1"]
    for extra, message in (
        (["--samples", "0"], "must be at least 1"),
        (["--max-cost", "-1"], "must be above 0"),
        (["--encoding", "hex"], "unknown grid encoding"),
        (["--task-ids", "nope-not-a-task", "--dataset", "arc-agi-2/training"], "not in dataset"),
    ):
        try:
            code = main([*base, *extra, "--out", str(tmp_path / "run")])
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code
        assert code == 2, extra
        assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_max_cost_stops_the_run_and_resume_continues(tmp_path: Path, capsys) -> None:
    tasks = [training().get(task_id) for task_id in IDS]
    answers = dict.fromkeys(IDS, CORRECT)  # each reply costs 0.01
    run = tmp_path / "run"
    with ScriptedServer(responder=responder_for(tasks, answers)) as server:
        assert _generate(server, run, "--concurrency", "1", "--max-cost", "0.02") == 0
        out = capsys.readouterr().out
        assert "stopped at --max-cost" in out and len(_records(run)) == 2
        assert json.loads((run / "manifest.json").read_text())["status"] == "stopped_max_cost"
        assert main(["generate", "code", "--resume", str(run), "--no-cache", "--max-cost", "1"]) == 0
    assert sorted(r["task_id"] for r in _records(run)) == sorted(IDS)
    assert json.loads((run / "manifest.json").read_text())["status"] == "completed"


def test_main_job_picks_the_tasks_with_the_shortest_prompts() -> None:
    from arcforge.pipelines.main_job import shortest_prompt_tasks
    from arcforge.prompts import build_messages

    tasks = list(training().tasks[:40])
    chosen = shortest_prompt_tasks(tasks, 3)
    size = {t.id: sum(len(m["content"]) for m in build_messages("code", t)) for t in tasks}
    assert len(chosen) == 3
    assert max(size[t.id] for t in chosen) <= min(size[t.id] for t in tasks if t not in chosen)
