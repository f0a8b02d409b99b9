"""The runs viewer's JSON API over real HTTP: listing, one run, its tasks, one task, live records, paths
confined to the configured folders, the moderator rule off loopback, and a 100,000-record run."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from runs_helpers import (
    SYNTHETIC_ID,
    handmade_direct_run,
    handmade_refined_run,
    small_dataset,
    synthetic_run,
    tasks_run,
)
from web_helpers import free_port

from arcforge.errors import UsageError
from arcforge.viewer import RunCatalog
from arcforge.viewer.jsonl import iter_lines
from arcforge.viewer.summary import run_summary, task_rows
from arcforge.web.routes.runs import create_viewer_app, install_runs_viewer, is_loopback


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    """``runs/`` holding a refined benchmark run and a small verified generate run; ``outside/`` a run
    that is not under any configured folder."""
    runs = tmp_path / "runs"
    runs.mkdir()
    handmade_refined_run(runs / "refined", small_dataset(tmp_path / "data"))
    synthetic_run(runs / "generate", 40, tasks=4)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret-run"
    secret.mkdir()
    (secret / "manifest.json").write_text(json.dumps({"run_id": "SECRET-RUN", "command": "generate code"}))
    (secret / "records.jsonl").write_text(
        json.dumps({"key": "s:v0:s0", "task_id": "secret", "status": "ok"}) + "\n"
    )
    return {"runs": runs, "outside": outside}


def _serve(app: Any) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the viewer did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def viewer(roots: dict[str, Path], tmp_path: Path) -> Iterator[httpx.Client]:
    """``arcforge view``'s app over ``runs/``, on loopback."""
    app = create_viewer_app([roots["runs"]], cache_dir=tmp_path / "cache")
    for url in _serve(app):
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


def _ids(client: httpx.Client) -> dict[str, dict[str, Any]]:
    response = client.get("/api/runs")
    assert response.status_code == 200, response.text
    return {run["folder"]: run for run in response.json()["runs"]}


def test_list_runs_with_kind_model_samples_and_outcome(viewer: httpx.Client) -> None:
    runs = _ids(viewer)
    assert set(runs) == {"refined", "generate"}
    generate = runs["generate"]
    assert generate["id"] == SYNTHETIC_ID and generate["kind"] == "generate code"
    assert generate["model"] == "openai:synthetic" and generate["samples"] == 40 and generate["tasks"] == 4
    assert generate["verified"] == len([n for n in range(40) if n % 7 == 0]) and generate["score"] is None
    assert generate["cost_usd"] == pytest.approx(0.04) and generate["tokens"]["total"] == 40 * 580
    refined = runs["refined"]
    assert refined["kind"] == "benchmark code" and refined["refined"] is True
    assert refined["samples"] == 6 and refined["score"] == pytest.approx(1.0) and refined["verified"] is None
    assert refined["status"] == "completed" and refined["model"] == "openai:scripted-refine"
    assert viewer.get("/runs").status_code == 200 and viewer.get("/").headers["location"] == "/runs"


def test_one_run_summary_and_paged_task_table(viewer: httpx.Client) -> None:
    summary = viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()
    assert summary["by_status"] == {"ok": 36, "parse_failure": 4}
    assert summary["verified"] == 6 and summary["yield"] == pytest.approx(6 / 40)
    assert summary["cost_per_verified"] == pytest.approx(0.04 / 6)
    assert summary["outcomes"] == {"verified": 6, "wrong_output": 34}
    assert summary["latency"]["median_s"] is not None and summary["rounds"] == []
    page = viewer.get(
        f"/api/runs/{SYNTHETIC_ID}/tasks", params={"sort": "verified", "desc": "true", "limit": 3}
    ).json()
    assert page["total"] == 4 and len(page["rows"]) == 3
    counts = [row["verified"] for row in page["rows"]]
    assert counts == sorted(counts, reverse=True) and sum(r["samples"] for r in page["rows"]) == 30
    rest = viewer.get(
        f"/api/runs/{SYNTHETIC_ID}/tasks", params={"sort": "verified", "desc": "true", "offset": 3}
    ).json()
    assert len(rest["rows"]) == 1 and rest["rows"][0]["task"] not in {r["task"] for r in page["rows"]}
    refined = _ids(viewer)["refined"]["id"]
    summary = viewer.get(f"/api/runs/{refined}").json()
    assert (
        summary["benchmark"]["score"] == pytest.approx(1.0) and len(summary["benchmark"]["score_ci95"]) == 2
    )
    assert [r["round"] for r in summary["rounds"]] == [0, 1, 2] and summary["solved_tasks"] == 2
    assert summary["cost_per_solved_task"] == pytest.approx(0.03 / 2)


def test_one_task_samples_with_code_status_pairs_and_lineage(viewer: httpx.Client) -> None:
    refined = _ids(viewer)["refined"]["id"]
    task = viewer.get(f"/api/runs/{refined}/tasks/recolor").json()
    assert task["lineage_truncated"] is False
    (submitted,) = task["submitted"]  # the benchmark's attempts for the one test input, checked
    assert submitted["expected"] == [[0, 2, 2], [2, 2, 2]]
    assert [a["correct"] for a in submitted["attempts"] if a["grid"] is not None][0] is True
    assert task["total"] == 5 and [s["sample_index"] for s in task["samples"]] == [0, 1, 2, 3, 4]
    assert task["pairs"]["test"][0]["output"] == [[0, 2, 2], [2, 2, 2]]  # from the dataset: records lack it
    first, fixed = task["samples"][0], task["samples"][2]
    assert first["code"].startswith("def solve") and first["status"] == "ok"
    assert [p["status"] for p in first["pairs"]] == ["failed", "failed", "failed"]
    assert first["pairs"][0]["output"] == [[1, 0], [0, 1]] and first["pairs"][0]["expected"] == [
        [2, 0],
        [0, 2],
    ]
    assert [p["status"] for p in fixed["pairs"]] == ["passed", "passed", "passed"]
    assert (
        fixed["parent"] == "recolor:v0:s0"
        and fixed["round"] == 1
        and "revising recolor:v0:s0" in fixed["feedback"]
    )
    tree = {node["key"]: node for node in task["lineage"]}
    assert tree["recolor:v0:s4"]["parent"] == "recolor:v0:s3" and tree["recolor:v0:s4"]["train_passed"] == 2
    paged = viewer.get(f"/api/runs/{refined}/tasks/recolor", params={"offset": 4, "limit": 2}).json()
    assert [s["key"] for s in paged["samples"]] == ["recolor:v0:s4"] and len(paged["lineage"]) == 5
    generate = viewer.get(f"/api/runs/{SYNTHETIC_ID}/tasks/t00001").json()
    assert generate["total"] == 10 and generate["samples"][0]["verified"] is False
    assert generate["pairs"]["test"][0]["output"] == [[5]]
    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}/tasks/nope").status_code == 404
    assert viewer.get("/api/runs/NO-SUCH-RUN").status_code == 404


def test_new_records_of_a_running_run_show_up_and_a_rewrite_is_reindexed(
    viewer: httpx.Client, roots: dict[str, Path]
) -> None:
    records = roots["runs"] / "generate" / "records.jsonl"
    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()["samples"] == 40
    line = json.dumps({"key": "new:v0:s0", "task_id": "new", "status": "error", "cost_usd": 1.0})
    with records.open("a") as handle:
        handle.write("{not json\n")  # a damaged line is skipped, not counted
        handle.write(line[:20])  # a record still being written is not shown half-read
        handle.flush()
        assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()["samples"] == 40
        handle.write(line[20:] + "\n")
    summary = viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()
    assert summary["samples"] == 41 and summary["by_status"]["error"] == 1 and summary["tasks"] == 5
    again = {"key": "new:v0:s0", "task_id": "new", "status": "ok", "cost_usd": 1.0, "supersedes": 1}
    with records.open("a") as handle:  # --resume asked the failed sample again: the new record replaces it
        handle.write(json.dumps(again) + "\n")
    summary = viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()
    assert (
        summary["samples"] == 41
        and "error" not in summary["by_status"]
        and summary["cost_usd"] == pytest.approx(1.04)
    )
    assert [s["status"] for s in viewer.get(f"/api/runs/{SYNTHETIC_ID}/tasks/new").json()["samples"]] == [
        "ok"
    ]
    records.write_text(line + "\n")  # rewritten (shorter): indexed again from the start
    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()["samples"] == 1


def _raw_status(base: str, path: str) -> int:
    """GET ``path`` exactly as written (no client-side normalisation of ``..`` or ``%2e``)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


def test_paths_are_confined_to_the_configured_folders(viewer: httpx.Client, roots: dict[str, Path]) -> None:
    runs, outside = roots["runs"], roots["outside"]
    (runs / "escape").symlink_to(outside / "secret-run", target_is_directory=True)  # a run folder leading out
    (runs / "generate" / "verification.jsonl").unlink()
    (runs / "generate" / "verification.jsonl").symlink_to(outside / "secret-run" / "records.jsonl")
    refined = _ids(viewer)["refined"]["id"]
    assert set(_ids(viewer)) == {"refined", "generate"}  # the symlinked run is not listed
    base = str(viewer.base_url).rstrip("/")
    attempts = [
        "/api/runs/SECRET-RUN",
        "/api/runs/../../outside/secret-run",
        "/api/runs/..%2F..%2Foutside%2Fsecret-run",
        "/api/runs/%2e%2e%2f%2e%2e%2foutside",
        "/api/runs/%2Fetc%2Fpasswd",
        "/api/runs//etc/passwd",
        f"/api/runs/{refined}/tasks/..%2F..%2F..%2Foutside%2Fsecret-run%2Frecords.jsonl",
        f"/api/runs/{refined}/tasks/%2Fetc%2Fpasswd",
        "/api/runs/compare?a=SECRET-RUN&b=" + refined,
        "/api/runs/compare?a=..%2Foutside&b=" + refined,
    ]
    for path in attempts:
        status = _raw_status(base, path)
        assert status in (404, 422), (path, status)
        text = viewer.get(path).text
        assert "secret" not in text.lower() or "no run" in text, path
    # the symlinked verification file leads outside the root: it is not read (the run counts as unverified)
    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").json()["verified"] is None


def test_moderator_sign_in_is_needed_off_loopback(make_harness: Any, roots: dict[str, Path]) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("::")
    public = make_harness()
    install_runs_viewer(public.app, [roots["runs"]], host="0.0.0.0")
    anonymous = public.client()
    assert anonymous.get("/api/runs").status_code == 401
    assert anonymous.get(f"/api/runs/{SYNTHETIC_ID}/tasks/t00001").status_code == 401
    contributor = public.client()
    contributor.signup("someone")
    assert contributor.get("/api/runs").status_code == 403
    moderator = public.moderator()
    listed = moderator.get("/api/runs")
    assert listed.status_code == 200 and listed.json()["testing_page"] is True
    assert moderator.get(f"/api/runs/{SYNTHETIC_ID}/tasks/t00001").status_code == 200
    assert anonymous.get("/runs").status_code == 200  # the page itself holds no run data
    local = make_harness()
    install_runs_viewer(local.app, [roots["runs"]], host="127.0.0.1")
    assert local.client().get("/api/runs").status_code == 200
    with pytest.raises(UsageError, match="serve --runs"):
        create_viewer_app([roots["runs"]], host="0.0.0.0")


def test_a_run_of_100000_records_opens_in_under_a_second_after_indexing(tmp_path: Path) -> None:
    run = synthetic_run(tmp_path / "runs" / "big", 100_000, tasks=1000)
    started = time.perf_counter()
    first = RunCatalog([tmp_path / "runs"])
    folder = first.get(SYNTHETIC_ID)
    assert folder is not None
    assert run_summary(folder, first.index(folder))["samples"] == 100_000
    indexing = time.perf_counter() - started
    first.close()
    timings = []
    for _ in range(3):  # a fresh catalog each time: what a newly started server pays
        started = time.perf_counter()
        catalog = RunCatalog([tmp_path / "runs"])
        folder = catalog.get(SYNTHETIC_ID)
        assert folder is not None
        index = catalog.index(folder)
        summary = run_summary(folder, index)
        page = task_rows(folder, index, sort="verified", descending=True, limit=50)
        timings.append(time.perf_counter() - started)
        catalog.close()
    assert summary["samples"] == 100_000 and summary["verified"] == len(range(0, 100_000, 7))
    assert page["total"] == 1000 and len(page["rows"]) == 50
    started = time.perf_counter()  # the baseline: what every open would cost without an index
    assert sum(1 for _ in iter_lines(run / "records.jsonl")) == 100_000
    plain = time.perf_counter() - started
    print(
        f"\n100,000 records: first open (indexing) {indexing:.2f} s; later opens median "
        f"{statistics.median(timings):.3f} s; one plain parse of records.jsonl {plain:.2f} s "
        f"({plain / statistics.median(timings):.1f}x a later open)"
    )
    assert statistics.median(timings) < 1.0, timings
    assert (run / ".viewer-index.sqlite").is_file() and os.path.getsize(run / ".viewer-index.sqlite") > 0


def test_command_line_mistakes_are_one_line_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from arcforge.cli import main

    port = str(free_port())
    assert main(["serve", "--runs", str(tmp_path / "missing"), "--dataset", "none", "--port", port]) == 2
    assert "--runs" in capsys.readouterr().err
    assert main(["view", str(tmp_path / "missing"), "--no-browser", "--port", port]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert main(["view", str(tmp_path), "--host", "0.0.0.0", "--no-browser", "--port", port]) == 2
    assert "serve --runs" in capsys.readouterr().err


def test_a_direct_benchmark_run_shows_each_attempt_against_the_expected_output(tmp_path: Path) -> None:
    handmade_direct_run(tmp_path / "runs" / "direct", small_dataset(tmp_path / "data"))
    for url in _serve(create_viewer_app([tmp_path / "runs"])):
        with httpx.Client(base_url=url, timeout=30) as client:
            (run,) = client.get("/api/runs").json()["runs"]
            assert (
                run["kind"] == "benchmark direct"
                and run["score"] == pytest.approx(0.5)
                and run["samples"] == 4
            )
            flip = client.get(f"/api/runs/{run['id']}/tasks/flip").json()
            first, second = (sample["pairs"] for sample in flip["samples"])
            assert [(p["split"], p["attempt"], p["status"]) for p in first] == [("test", 1, "passed")]
            assert second[0]["status"] == "failed" and second[0]["expected"] == [[1, 1], [0, 3], [3, 0]]
            assert flip["benchmark"]["score"] == 1.0 and flip["lineage"] == []
            recolor = client.get(f"/api/runs/{run['id']}/tasks/recolor").json()
            assert recolor["samples"][1]["status"] == "parse_failure" and recolor["samples"][1]["pairs"] == []
            assert "no_grid" in recolor["samples"][1]["error"]
            table = client.get(
                f"/api/runs/{run['id']}/tasks", params={"sort": "solved", "desc": "true"}
            ).json()
            assert [(r["task"], r["solved"], r["parse_failures"]) for r in table["rows"]] == [
                ("flip", 1.0, 0),
                ("recolor", 0.0, 1),
            ]


def test_a_generate_tasks_run_shows_the_tasks_made_and_the_refusals(tmp_path: Path) -> None:
    tasks_run(tmp_path / "runs" / "tasks", small_dataset(tmp_path / "data"))
    for url in _serve(create_viewer_app([tmp_path / "runs"])):
        with httpx.Client(base_url=url, timeout=30) as client:
            (run,) = client.get("/api/runs").json()["runs"]
            assert run["kind"] == "generate tasks" and run["accepted"] == 1 and run["samples"] == 2
            summary = client.get(f"/api/runs/{run['id']}").json()
            assert summary["synthesis"] == {"accepted": 1, "identity": 1}
            flip = client.get(f"/api/runs/{run['id']}/tasks/flip").json()["samples"][0]
            made = flip["synthesis"]
            assert (
                made["status"] == "accepted"
                and len(made["task"]["train"]) == 3
                and "def generate_input" in flip["code"]
            )
            pair = made["task"]["train"][0]
            assert pair["output"] == [row[::-1] for row in pair["input"][::-1]]
            refused = client.get(f"/api/runs/{run['id']}/tasks/recolor").json()["samples"][0]["synthesis"]
            assert (
                refused["status"] == "refused" and refused["reason"] == "identity" and refused["task"] is None
            )
            table = client.get(
                f"/api/runs/{run['id']}/tasks", params={"sort": "accepted", "desc": "true"}
            ).json()
            assert [(r["task"], r["accepted"]) for r in table["rows"]] == [("flip", 1), ("recolor", 0)]
    from arcforge.cli import main

    assert main(["report", str(tmp_path / "runs" / "tasks")]) == 0  # arcforge report of a generate tasks run
    report = (tmp_path / "runs" / "tasks" / "report.md").read_text()
    assert "Tasks made: 1 of 2 generator(s) (accepted 1, identity 1)." in report
    assert "def generate_input(rng):" not in report  # nothing is verified: no program is shown as verified


def test_serve_shows_runs_by_default_when_there_is_a_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arcforge.cli.serve import _runs_folders

    monkeypatch.chdir(tmp_path)
    assert _runs_folders(None) == []
    (tmp_path / "runs").mkdir()
    assert _runs_folders(None) == [str(tmp_path / "runs")]
    assert _runs_folders(["runs", str(tmp_path)]) == [str(tmp_path / "runs"), str(tmp_path)]


def test_a_run_removed_while_served_is_gone_not_an_error(
    viewer: httpx.Client, roots: dict[str, Path]
) -> None:
    import shutil

    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").status_code == 200
    shutil.rmtree(roots["runs"] / "generate")
    assert viewer.get(f"/api/runs/{SYNTHETIC_ID}").status_code == 404
    assert set(_ids(viewer)) == {"refined"}
