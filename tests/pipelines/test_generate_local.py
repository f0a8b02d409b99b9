"""``arcforge generate code`` with the bundled model: proves the pipeline runs offline (the model is tiny)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arcforge.cli import main


@pytest.mark.local_model
@pytest.mark.slow
def test_generate_code_with_the_bundled_model_then_verify(tmp_path: Path, capsys) -> None:
    run = tmp_path / "run"
    code = main(
        [
            "generate",
            "code",
            "--model",
            "local",
            "--task-ids",
            "e8686506",
            "--max-tokens",
            "12",
            "--out",
            str(run),
            "--json",
        ]
    )
    assert code == 0, capsys.readouterr().err
    (record,) = [json.loads(line) for line in (run / "records.jsonl").read_text().splitlines()]
    assert record["status"] in {"ok", "parse_failure"}, record["error"]
    assert record["completion"] and 0 < record["usage"]["completion_tokens"] <= 12
    assert record["usage"]["prompt_tokens"] > 500 and record["model"] == "local"
    capsys.readouterr()
    assert main(["verify", str(run), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["samples"] == 1 and summary["verified"] == 0
