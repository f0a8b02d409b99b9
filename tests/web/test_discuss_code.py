"""The discussion page's code box and "save as trace", over real HTTP with the real sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_discuss_api import MODEL, SOLVER, TASK, Discuss, send, serve, start
from web_helpers import ANSWERS, TASKS

from arcforge.testing import reply

LOOP = "def solve(grid):\n    while True:\n        pass\n"


@pytest.fixture
def discuss(tmp_path: Path) -> Iterator[Discuss]:
    yield from serve(tmp_path)


def run(api, code: str, task: str = TASK) -> dict:
    response = api.post(f"/api/discuss/tasks/{task}/versions/0/run", {"code": code})
    assert response.status_code == 200, response.text
    return response.json()


def test_run_judges_train_pairs_and_holds_back_test_outputs_until_the_attempts_are_done(
    discuss: Discuss,
) -> None:
    api = discuss.client("ann")
    data = run(api, SOLVER)
    assert (data["train_passed"], data["train_total"]) == (2, 2)
    train = [p for p in data["pairs"] if p["split"] == "train"]
    assert all(p["status"] == "passed" and p["expected"] == p["output"] for p in train)
    (test,) = [p for p in data["pairs"] if p["split"] == "test"]
    assert test["status"] == "hidden" and test["expected"] is None  # no verdict, no answer: not an oracle
    assert test["output"] == ANSWERS[TASK][0]  # the program's own output is shown
    # two wrong attempts end the input on the testing page; now the run shows the expected output
    for _ in range(2):
        wrong = api.post(f"/api/tasks/{TASK}/versions/0/attempts", {"test_index": 0, "grid": [[1]]})
        assert wrong.status_code == 200 and wrong.json()["correct"] is False
    (test,) = [p for p in run(api, SOLVER)["pairs"] if p["split"] == "test"]
    assert test["status"] == "passed" and test["expected"] == ANSWERS[TASK][0]
    # a wrong program fails the train pairs, with both grids shown
    wrong = run(api, "def solve(grid):\n    return grid\n")
    assert wrong["train_passed"] == 0
    assert all(p["status"] == "failed" and p["expected"] != p["output"] for p in wrong["pairs"][:2])


def test_a_program_that_loops_forever_times_out_and_the_server_keeps_serving(discuss: Discuss) -> None:
    api = discuss.client("ben")
    run(api, SOLVER)  # the sandbox is warm
    result: dict = {}
    worker = threading.Thread(target=lambda: result.update(run(api, LOOP)))
    started = time.monotonic()
    worker.start()
    time.sleep(0.3)
    other = discuss.client()
    latencies = []
    while worker.is_alive() and time.monotonic() - started < 30:
        t0 = time.monotonic()
        assert other.get("/api/health").status_code == 200
        assert other.get(f"/api/tasks/{TASK}").status_code == 200
        latencies.append(time.monotonic() - t0)
        time.sleep(0.1)
    worker.join(30)
    assert latencies and max(latencies) < 1.0  # served while the loop ran
    assert 1.4 < time.monotonic() - started < 15
    assert all(p["status"] == "error" and p["kind"] == "timeout" for p in result["pairs"])
    assert all("time limit" in p["error"] for p in result["pairs"])
    assert run(api, SOLVER)["train_passed"] == 2  # and the sandbox still works


def test_failures_say_what_went_wrong(discuss: Discuss) -> None:
    api = discuss.client("cat")
    syntax = run(api, "def solve(grid)\n    return grid\n")["pairs"][0]
    assert syntax["kind"] == "syntax_error" and syntax["error"].startswith("syntax error")
    raised = run(api, "def solve(grid):\n    raise ValueError('no idea')\n")["pairs"][0]
    assert raised["kind"] == "exception" and "no idea" in raised["error"]
    missing = run(api, "x = 1\n")["pairs"][0]
    assert missing["kind"] == "no_solver"
    anonymous = discuss.client()
    assert anonymous.post(f"/api/discuss/tasks/{TASK}/versions/0/run", {"code": SOLVER}).status_code == 401
    assert api.post(f"/api/discuss/tasks/{TASK}/versions/0/run", {"code": ""}).status_code == 422
    assert api.post("/api/discuss/tasks/nope/versions/0/run", {"code": SOLVER}).status_code == 404


def test_save_as_trace_marks_it_model_assisted_and_adds_passing_code(discuss: Discuss) -> None:
    discuss.model.push(reply("Blue cells become red."))
    api = discuss.client("dot")
    conversation = start(api)
    send(api, conversation, "What changes?")
    saved = api.post(
        f"/api/discuss/tasks/{TASK}/traces",
        {"text": "Every blue cell turns red.", "code": SOLVER, "version": 0, "conversation_id": conversation},
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["code_included"] is True and saved.json()["trace"]["model"] == MODEL
    traces = api.get(f"/api/tasks/{TASK}/traces").json()["traces"]
    (trace,) = traces
    assert trace["assisted"] is True and trace["author"] == "dot" and trace["author_kind"] == "human"
    assert trace["model"] == MODEL and trace["can_edit"] is True
    assert (
        "Every blue cell turns red." in trace["text"]
        and "```python\ndef solve(grid):\n    return" in trace["text"]
    )
    assert "solves all 2 train pairs" in trace["text"]
    # code that fails a train pair is left out, and the answer says so
    left_out = api.post(
        f"/api/discuss/tasks/{TASK}/traces",
        {"text": "Maybe it mirrors?", "code": "def solve(grid):\n    return grid[::-1]\n"},
    ).json()
    assert left_out["code_included"] is False and "solves 0 of 2 train pairs" in left_out["note"]
    texts = [t["text"] for t in api.get(f"/api/tasks/{TASK}/traces").json()["traces"]]
    assert "Maybe it mirrors?" in texts and all("grid[::-1]" not in t for t in texts)
    # an unaided trace from the testing page stays separable
    api.post(f"/api/tasks/{TASK}/traces", {"text": "My own idea."})
    kinds = {t["text"]: t["assisted"] for t in api.get(f"/api/tasks/{TASK}/traces").json()["traces"]}
    assert kinds["My own idea."] is False and kinds["Maybe it mirrors?"] is True
    assert discuss.client().post(f"/api/discuss/tasks/{TASK}/traces", {"text": "x"}).status_code == 401


def test_a_swap_versions_hidden_train_pair_is_no_oracle_in_the_code_box_or_the_models_context(
    discuss: Discuss,
) -> None:
    owner = discuss.client("owner")
    assert owner.post(
        f"/api/tasks/{TASK}/versions/0/attempts", {"test_index": 0, "grid": ANSWERS[TASK][0]}
    ).json()["correct"]
    version = owner.post(f"/api/tasks/{TASK}/versions/0/sign", {"transform": "swap:0,0"}).json()["version"]
    api = discuss.client("learner")
    response = api.post(f"/api/discuss/tasks/{TASK}/versions/{version}/run", {"code": SOLVER})
    data = response.json()
    hidden = data["pairs"][0]
    assert hidden["split"] == "train" and hidden["status"] == "hidden" and hidden["expected"] is None
    assert data["train_passed"] == 1
    assert all(p["expected"] != ANSWERS[TASK][0] for p in data["pairs"])

    # the model's context for this version (as a reply would send it): built from what the viewer may see
    from types import SimpleNamespace

    from arcforge.datasets import load_dataset
    from arcforge.web.catalog import TaskCatalog
    from arcforge.web.discussion.context import build_messages
    from arcforge.web.routes.discuss import _visible

    ctx = SimpleNamespace(store=discuss.store, catalog=TaskCatalog(load_dataset(str(TASKS)), discuss.store))
    learner = discuss.store.get_user("learner")
    full = ctx.catalog.get(TASK, version)
    system = build_messages(_visible(ctx, full, learner), [], encoding="digits")[0]["content"]
    assert "022\n200" not in system and len(_visible(ctx, full, learner).train) == len(full.train) - 1
    # and over HTTP: the model asked in a conversation on this version gets the same context
    discuss.model.push(reply("Looks like recolouring."))
    conversation = api.post(
        f"/api/discuss/tasks/{TASK}/conversations", {"version": version, "model": MODEL}
    ).json()["conversation"]["id"]
    events = send(api, conversation, "What is the rule?", encoding="digits")
    assert events[-1][0] == "done"
    assert discuss.model.chat_requests[-1].json["messages"][0]["content"] == system
    owner_user = discuss.store.get_user("owner")
    assert "022\n200" in build_messages(_visible(ctx, full, owner_user), [], encoding="digits")[0]["content"]
