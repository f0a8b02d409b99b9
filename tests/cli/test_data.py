"""``arcforge data ...`` in-process through ``main`` and, for exit codes and stderr, as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from arcforge.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "datasets" / "fixtures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["data", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def process(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arcforge", "data", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_stats_of_the_two_evaluation_sets(capsys) -> None:
    agi2 = run_json(capsys, "stats", "--dataset", "arc-agi-2/evaluation")
    assert (agi2["tasks"], agi2["test_inputs"], agi2["test_outputs"]) == (120, 167, 167)
    assert agi2["train_pairs"] > agi2["tasks"] * 2
    assert agi2["grid_height"]["max"] == 30
    agi1 = run_json(capsys, "stats", "--dataset", "arc-agi-1/evaluation")
    assert (agi1["tasks"], agi1["test_inputs"]) == (400, 419)
    code, out, _ = run(capsys, "stats")
    assert code == 0 and "arc-agi-2/evaluation" in out and "167" in out


def test_stats_follow_the_selection_options(capsys) -> None:
    stats = run_json(capsys, "stats", "--dataset", str(FIXTURES / "dataset.json"), "--version", "all")
    assert (stats["tasks"], stats["task_ids"]) == (4, 3)
    stats = run_json(capsys, "stats", "--task_ids", '["0934a4d8","135a2760"]', "--max_tasks", "1")
    assert stats["tasks"] == 1


def test_list_catalog_and_tasks(capsys) -> None:
    catalog = run_json(capsys, "list")
    assert [row["name"] for row in catalog] == [
        "arc-agi-1/training",
        "arc-agi-1/evaluation",
        "arc-agi-2/training",
        "arc-agi-2/evaluation",
    ]
    assert [row["name"] for row in catalog if row["default"]] == ["arc-agi-2/evaluation"]
    listed = run_json(capsys, "list", "--dataset", str(FIXTURES / "dataset.json"), "--version", "all")
    assert [(t["id"], t["version"], t["signed_by"]) for t in listed["tasks"]][-2:] == [
        ("d631b094", 0, ["bob"]),
        ("d631b094", 1, ["carol"]),
    ]
    code, out, _ = run(capsys, "list", "--dataset", "arc-agi-2/evaluation", "--tasks", "[0:2]")
    assert code == 0 and "2 task(s) of arc-agi-2/evaluation" in out


def test_show_plain_coloured_transformed_and_json(capsys) -> None:
    spec = str(FIXTURES / "tasks")
    code, out, _ = run(capsys, "show", "6150a2bd", "--dataset", spec, "--color", "never")
    assert code == 0
    assert "train[0] input 3x3" in out and "3 3 8" in out and "\x1b[" not in out
    code, coloured, _ = run(capsys, "show", "6150a2bd", "--dataset", spec, "--color", "always")
    assert "\x1b[48;2;" in coloured
    shown = run_json(capsys, "show", "6150a2bd", "--dataset", spec, "--transform", "rot90")
    original = json.loads((FIXTURES / "tasks" / "6150a2bd.json").read_text())
    assert shown["train"][0]["input"] == [
        list(row) for row in zip(*original["train"][0]["input"][::-1], strict=True)
    ]
    assert shown["transform"] == "rot90"


def test_show_writes_a_png(capsys, tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "task.png"
    code, out, _ = run(capsys, "show", "6150a2bd", "--dataset", str(FIXTURES / "tasks"), "--png", str(png))
    assert code == 0 and f"wrote {png}" in out
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 50 and image.height > 50


def test_show_unknown_task_and_version(capsys) -> None:
    code, _, err = run(capsys, "show", "nope", "--dataset", str(FIXTURES / "tasks"))
    assert code == 2 and "nope" in err
    code, _, err = run(
        capsys, "show", "d631b094", "--dataset", str(FIXTURES / "dataset.json"), "--version", "3"
    )
    assert code == 2 and "d631b094 v3" in err and "v1" in err


def test_invalid_task_ids_json_exits_2_with_one_line() -> None:
    result = process("stats", "--task_ids", '["007bbfb7", 00d62c1b]')
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "--task-ids is not valid JSON" in result.stderr


def test_unknown_ids_exit_2_listing_them() -> None:
    result = process("list", "--task-ids", "zzz1,0934a4d8,zzz2")
    assert result.returncode == 2
    assert "zzz1, zzz2" in result.stderr and "0934a4d8" not in result.stderr


def test_validate_names_all_four_problems_and_exits_1(tmp_path: Path) -> None:
    bad = {"train": [{"input": [[1, 2], [3]], "output": [[12]]}, {"input": [[0] * 31], "output": [[1]]}]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = process("validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    for needle in ("ragged", "is 12, outside 0-9", "31 columns", "test: missing"):
        assert sum(needle in line for line in lines) == 1, needle


def test_validate_valid_and_unreadable(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "validate", str(FIXTURES / "dataset.json"))
    assert code == 0 and "valid dataset-json dataset, 4 task(s)" in out
    (tmp_path / "broken.json").write_text('[{"task_id": ')
    report = json.loads(process("validate", str(tmp_path / "broken.json"), "--json").stdout)
    assert report["valid"] is False and "not valid JSON" in report["problems"][0]


def test_kaggle_round_trip_via_export(capsys, tmp_path: Path) -> None:
    out = tmp_path / "kaggle"
    result = run_json(capsys, "export", "--format", "kaggle", str(out), "--tasks", "[0:7]")
    challenges, solutions = (Path(p) for p in result["files"])
    assert challenges.name == "arc_agi_2_evaluation_challenges.json" and solutions.is_file()
    again = run_json(capsys, "stats", "--dataset", str(challenges))
    original = run_json(capsys, "stats", "--tasks", "[0:7]")
    assert again["content_hash"] == again["tasks_hash"] == original["tasks_hash"]
    assert original["content_hash"] != original["tasks_hash"]  # the whole dataset vs the selection
    assert again == {**original, "dataset": str(challenges), "content_hash": original["tasks_hash"]}
    assert again["test_outputs"] == again["test_inputs"]
    # the folder the export wrote loads too (as its challenges file, with the solutions)
    folder = run_json(capsys, "stats", "--dataset", str(out))
    assert folder["tasks"] == 7 and folder["test_outputs"] == folder["test_inputs"]
    assert run(capsys, "validate", str(out))[0] == 0


def test_export_dir_and_dataset_json(capsys, tmp_path: Path) -> None:
    spec = str(FIXTURES / "dataset.json")
    run_json(capsys, "export", "--format", "dir", str(tmp_path / "d"), "--dataset", spec)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "5582e5ca.json",
        "6150a2bd.json",
        "d631b094.json",
    ]
    run_json(
        capsys,
        "export",
        "--format",
        "dataset-json",
        str(tmp_path / "all.json"),
        "--dataset",
        spec,
        "--version",
        "all",
    )
    assert (
        run_json(capsys, "stats", "--dataset", str(tmp_path / "all.json"), "--version", "all")["tasks"] == 4
    )
    code, _, err = run(
        capsys, "export", "--format", "dir", str(tmp_path / "e"), "--dataset", spec, "--version", "all"
    )
    assert code == 2 and "one version per task" in err
    # a folder where a file goes, or a file where a folder goes: one line naming the right kind
    code, _, err = run(capsys, "export", "--format", "dataset-json", str(tmp_path), "--max-tasks", "1")
    assert code == 2 and "is a folder" in err and ".tmp" not in err
    code, _, err = run(capsys, "export", "--format", "dir", str(tmp_path / "all.json"), "--max-tasks", "1")
    assert code == 2 and "is a file" in err


def test_overlap_json(capsys) -> None:
    result = run_json(capsys, "overlap", "arc-agi-1/evaluation", "arc-agi-2/training")
    assert (len(result["shared_ids"]), len(result["same_content"])) == (376, 353)
    code, out, _ = run(capsys, "overlap", "arc-agi-2/evaluation", "arc-agi-2/training")
    assert code == 0 and out.startswith("0 of arc-agi-2/evaluation's 120 task ids")


def test_merge_writes_sorted_entries_and_warns_on_conflicts(capsys, tmp_path: Path) -> None:
    entries = json.loads((FIXTURES / "dataset.json").read_text())
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.json").write_text(json.dumps(entries[2:] + entries[:1]))
    changed = {**entries[0], "signed_by": ["mallory"], "test": entries[1]["test"]}
    (inputs / "b.json").write_text(json.dumps([changed, {**entries[3], "signed_by": ["dan"]}]))
    output = inputs / "merged.json"
    code, out, err = run(capsys, "merge", str(inputs), str(output))
    assert code == 0 and "wrote 3 entries" in out and "1 conflict(s)" in out
    assert err.count("warning") == 1 and "b.json: entry [0]: 6150a2bd v0 differs" in err
    merged = json.loads(output.read_text())
    assert [(e["task_id"], e["version"], e["signed_by"]) for e in merged] == [
        ("5582e5ca", 0, ["dan"]),
        ("6150a2bd", 0, ["alice"]),
        ("d631b094", 1, ["carol"]),
    ]
    assert merged[1]["test"] == entries[0]["test"]  # the first content was kept
    code, _, _ = run(capsys, "merge", str(inputs), str(output))  # the output in the input folder is skipped
    assert code == 0 and len(json.loads(output.read_text())) == 3


def test_bad_dataset_path_is_one_line(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "stats", "--dataset", str(tmp_path / "missing"))
    assert code == 1 and err.count("\n") == 1 and "not a file or folder" in err


def test_task_options_take_the_original_spellings() -> None:
    import argparse

    from arcforge.cli._task_options import add_task_options, tasks_from_args

    parser = argparse.ArgumentParser()
    add_task_options(parser)
    args = parser.parse_args(["--task_ids", '["135a2760","0934a4d8"]', "--max_tasks", "5"])
    dataset, tasks = tasks_from_args(args)
    assert dataset.name == "arc-agi-2/evaluation"
    assert [t.id for t in tasks] == ["135a2760", "0934a4d8"]
    args = parser.parse_args(["--dataset", str(FIXTURES / "dataset.json"), "--version", "1"])
    assert [(t.id, t.version) for t in tasks_from_args(args)[1]] == [("d631b094", 1)]
    assert parser.parse_args(["--version", "all"]).version is None


def test_negative_max_tasks_is_a_usage_error() -> None:
    result = process("stats", "--max-tasks", "-3")
    assert result.returncode == 2 and "negative" in result.stderr and "Traceback" not in result.stderr


def test_an_unwritable_output_path_is_one_line_without_traceback(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x.png"
    code, _out, err = run(capsys, "show", "20270e3b", "--png", str(missing))
    assert code == 1
    assert err.strip().splitlines() == [f"arcforge: error: No such file or directory: {missing}"]


def test_an_unknown_option_points_at_the_subcommands_help(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["data", "stats", "--bogus"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "arcforge data stats: error: unrecognized arguments: --bogus (see `arcforge data stats --help`)"
    )


def test_stats_of_an_empty_selection_is_a_usage_error(capsys) -> None:
    code, out, err = run(capsys, "stats", "--version", "3")
    assert code == 2 and out == ""
    assert "no task of arc-agi-2/evaluation matches the selection" in err and "None" not in err
