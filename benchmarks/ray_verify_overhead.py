"""What verifying through Ray costs against verifying locally, on the same machine and the same cores.

Builds the run of ``benchmarks/verify_throughput.py`` (real ARC-AGI-2 training tasks, a mix of right,
wrong, raising and broken programs), verifies it locally with ``--workers`` sandbox processes, then
starts a one-node Ray cluster on 127.0.0.1 and verifies a copy through :class:`RaySandbox` with the
same number of sandbox processes on that node. The difference is Ray's overhead: batches pickled and
sent to the node's actor, results sent back. The two runs' ``verification.jsonl`` are compared (they
must hold the same results). Rounds alternate local and Ray; medians are printed. Cluster start-up is
reported apart (a real cluster is started once, not per run).

Usage: ``python benchmarks/ray_verify_overhead.py [--samples 2000] [--workers 2] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # keep every Ray address on 127.0.0.1

from verify_throughput import build_run  # noqa: E402

from arcforge.distributed import RaySandbox  # noqa: E402
from arcforge.pipelines.verify import verify_run  # noqa: E402


def _entries(run: Path) -> dict[str, dict]:
    found = {}
    for line in (run / "verification.jsonl").read_text().splitlines():
        entry = json.loads(line)
        entry.pop("verified_at", None)
        found[entry["key"]] = entry
    return found


async def _measure(args: argparse.Namespace, folder: Path, address: str) -> None:
    template = folder / "template"
    build_run(template, args.samples)
    local_s: list[float] = []
    ray_s: list[float] = []
    same = True
    async with RaySandbox(address, workers_per_node=args.workers, batch_size=args.batch) as sandbox:
        for round_ in range(args.rounds):
            local, remote = folder / f"local{round_}", folder / f"ray{round_}"
            shutil.copytree(template, local)
            shutil.copytree(template, remote)
            started = time.perf_counter()
            await verify_run(local, workers=args.workers, progress=False)
            local_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            await verify_run(remote, sandbox=sandbox, progress=False)  # type: ignore[arg-type]
            ray_s.append(time.perf_counter() - started)
            same = same and _entries(local) == _entries(remote)
        stats = sandbox.stats
    local_med, ray_med = statistics.median(local_s), statistics.median(ray_s)
    print(f"samples: {args.samples}; sandbox workers: {args.workers}; rounds: {args.rounds}")
    print(
        f"local verify: median {local_med:.2f} s = {args.samples / local_med:.0f} samples/s (pool start-up included)"
    )
    print(
        f"Ray verify:   median {ray_med:.2f} s = {args.samples / ray_med:.0f} samples/s "
        f"({stats.batches} batches of up to {args.batch}; actor already started)"
    )
    print(f"Ray / local time: {ray_med / local_med:.2f}x; identical results: {same}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()
    from ray.cluster_utils import Cluster

    started = time.perf_counter()
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": args.workers, "include_dashboard": False}
    )
    print(f"one-node Ray cluster started in {time.perf_counter() - started:.1f} s")
    try:
        with tempfile.TemporaryDirectory(prefix="arcforge-ray-bench-") as folder:
            asyncio.run(_measure(args, Path(folder), cluster.address))
    finally:
        cluster.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
