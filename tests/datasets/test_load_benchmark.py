"""The dataset-loading benchmark runs and reports both timings (the numbers themselves depend on the machine)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "load_datasets.py"


def test_benchmark_reports_plain_and_arcforge_times() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "tasks            1120" in result.stdout
    assert re.search(r"plain json\.load +\d+\.\d ms", result.stdout)
    assert re.search(r"arcforge +\d+\.\d ms", result.stdout)
    assert re.search(r"ratio +\d+\.\d\dx", result.stdout)
