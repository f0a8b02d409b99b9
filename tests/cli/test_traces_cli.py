"""`arcforge traces import|export|list|merge` on real SQLite files, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main

SMALL = Path(__file__).resolve().parents[1] / "store" / "fixtures" / "traces_store_small.json"


def arcforge(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arcforge", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_import_then_export_gives_the_same_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    done = arcforge("traces", "import", str(SMALL), "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 4
    out = tmp_path / "out" / "traces_store.json"
    done = arcforge("traces", "export", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text()) == json.loads(SMALL.read_text())
    refused = arcforge("traces", "export", str(out), "--db", db)
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr


def test_original_store_round_trip_via_env_db(tmp_path: Path, shared_fixtures: Path) -> None:
    env = {"ARCFORGE_DB": f"sqlite:///{tmp_path / 'env.db'}"}
    source = shared_fixtures / "traces_store.json"
    done = arcforge("traces", "import", str(source), env=env)
    assert done.returncode == 0 and "259 added" in done.stdout, done.stderr
    exported = arcforge("traces", "export", env=env)
    assert json.loads(exported.stdout) == json.loads(source.read_text())
    listed = arcforge("traces", "list", "--task", "00576224", env=env)
    assert listed.returncode == 0 and "[model]" in listed.stdout


def test_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'l.db'}"
    assert main(["traces", "import", str(SMALL), "--db", db]) == 0
    capsys.readouterr()
    assert main(["traces", "list", "--task", "cc33dd44", "--db", db, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["traces"]
    assert [(t["author"], t["author_kind"], t["score"]) for t in listed] == [
        ("Vaios", "human", 5),
        ("gpt-4o", "model", -1),
    ]
    assert main(["traces", "list", "--task", "cc33dd44", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "Vaios [human]" in text and "gpt-4o [model]" in text and "score +5" in text
    assert main(["traces", "list", "--task", "nothing", "--db", db]) == 0
    assert "no traces" in capsys.readouterr().out


def test_merge_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "generate-code"
    run.mkdir(parents=True)
    records = [
        {
            "key": f"t1:v0:s{i}",
            "run_id": "r1",
            "kind": "code",
            "task_id": "t1",
            "task_version": 0,
            "sample_index": i,
            "model": "openai:any",
            "status": "ok",
            "explanation": f"rule {i}",
        }
        for i in range(3)
    ]
    (run / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run / "verification.jsonl").write_text(
        json.dumps({"key": "t1:v0:s2", "verified": True, "pairs": []}) + "\n"
    )
    db = f"sqlite:///{tmp_path / 'm.db'}"
    first = arcforge("traces", "merge", str(run), "--db", db, "--verified-only", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 1
    second = arcforge("traces", "merge", str(run), "--db", db, "--json")
    assert json.loads(second.stdout)["added"] == 2 and json.loads(second.stdout)["unchanged"] == 1
    third = arcforge("traces", "merge", str(run), "--db", db)
    assert third.returncode == 0 and "0 added, 3 unchanged" in third.stdout


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    for args in (
        ["traces", "import", str(tmp_path / "absent.json"), "--db", db],
        ["traces", "merge", str(tmp_path / "absent"), "--db", db],
        ["traces", "merge", str(tmp_path), "--db", db, "--verified-only"],
        ["traces", "list", "--db", "nota://url"],
    ):
        done = arcforge(*args)
        assert done.returncode in (1, 2), args
        assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, (args, done.stderr)


def test_importing_a_file_that_holds_no_trace_fails(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'f.db'}"
    task = tmp_path / "task.json"  # an ARC task, not a traces store
    task.write_text(json.dumps({"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[1]]}]}))
    done = arcforge("traces", "import", str(task), "--db", db)
    assert done.returncode == 1 and "holds no trace" in done.stderr and "Traceback" not in done.stderr


def test_export_to_a_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'g.db'}"
    done = arcforge("traces", "export", str(tmp_path), "--force", "--db", db)
    assert done.returncode == 2 and "is a folder" in done.stderr and ".partial" not in done.stderr
