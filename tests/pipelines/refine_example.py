"""The worked example of ``docs/benchmark.md`` (Refinement): a refined benchmark against the scripted model
of :mod:`refine_replies`, then its report. Run: ``.venv/bin/python tests/pipelines/refine_example.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from refine_replies import RefineModel, write_tasks  # noqa: E402

from arcforge.cli import main  # noqa: E402
from arcforge.testing import ScriptedServer  # noqa: E402


def run_example(out: Path, tasks: int = 3) -> int:
    dataset = write_tasks(out / "tasks", tasks)
    with ScriptedServer(responder=RefineModel(tasks)) as server:
        code = main(
            [
                "benchmark", "code", "--model", "openai:scripted", "--base-url", server.base_url,
                "--no-cache", "--dataset", str(dataset), "--samples", "2", "--refine", "2",
                "--refine-width", "1", "--out", str(out / "run"), "--no-progress",
            ]
        )  # fmt: skip
        print(f"model calls: {len(server.requests)}")
    return code or main(["report", str(out / "run")])


if __name__ == "__main__":
    raise SystemExit(run_example(Path(sys.argv[1])))
