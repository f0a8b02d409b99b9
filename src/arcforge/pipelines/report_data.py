"""Reading benchmark run directories into plain values that the report writers lay out.

A benchmark run directory holds what the run engine wrote (``manifest.json``, ``records.jsonl``) and
what the benchmark added when it finished (``submission.json``, ``score.json``). This module reads
them once into a :class:`BenchmarkRun`: scores and intervals from ``score.json``, the submitted attempts
from ``submission.json``, and usage, cost, latency, parse failures and errors recomputed from the
records themselves (so a report never trusts a summary that a crash left stale). The ground truth for
pictures of expected outputs is loaded from the dataset named in ``score.json``; when that dataset
cannot be found (a temporary folder that is gone) the report still shows inputs and attempts.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from arcforge.engine.records import Status
from arcforge.errors import ArcforgeError, RunError
from arcforge.pipelines.submission import Submission, load_submission
from arcforge.task.model import Task

__all__ = ["BenchmarkRun", "Failure", "ProgramRun", "TaskStats", "cost_text", "load_benchmark_run"]

SCORE_FILE = "score.json"
SUBMISSION_FILE = "submission.json"


@dataclass(frozen=True)
class Failure:
    """A sample that gave no answer: an error, or a reply that could not be parsed."""

    sample_index: int
    status: str
    message: str
    reply: str | None = None


@dataclass(frozen=True)
class ProgramRun:
    """How one sampled program did in code mode: train pairs passed and its status on each test input."""

    sample_index: int
    train_passed: int
    train_total: int
    test_status: tuple[str, ...]


@dataclass
class TaskStats:
    """Usage of one task's samples, summed from the records."""

    samples: int = 0
    cost_usd: float = 0.0  # the known part
    cost_unknown: int = 0  # replies whose cost nobody knows (no price, none reported by the server)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latencies: list[float] = field(default_factory=list)
    parse_failures: int = 0
    errors: int = 0
    failures: list[Failure] = field(default_factory=list)
    programs: list[ProgramRun] = field(default_factory=list)

    @property
    def cost_text(self) -> str:
        return cost_text(self.cost_usd, self.cost_unknown)


@dataclass(frozen=True)
class BenchmarkRun:
    """Everything a report shows about one benchmark run."""

    path: Path
    run_id: str
    model: str
    mode: str
    dataset: str
    status: str
    score: dict[str, Any]
    submission: Submission | None
    tasks: dict[str, Task | None]
    task_stats: dict[str, TaskStats]
    oracle: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.model} ({self.mode})"

    @property
    def task_ids(self) -> list[str]:
        return list(self.score.get("per_task", {}))

    def task_score(self, task_id: str) -> float:
        return float(self.score.get("per_task", {}).get(task_id, {}).get("score", 0.0))

    @property
    def cost_usd(self) -> float:
        """The known part of the cost; :attr:`cost_unknown` counts the replies whose cost is unknown."""
        return sum(s.cost_usd for s in self.task_stats.values())

    @property
    def cost_unknown(self) -> int:
        return sum(s.cost_unknown for s in self.task_stats.values())

    @property
    def cost_per_task(self) -> float | None:
        """None when any reply's cost is unknown: a per-task figure from the known part would be too low."""
        if self.cost_unknown:
            return None
        return self.cost_usd / len(self.task_ids) if self.task_ids else 0.0

    @property
    def cost_text(self) -> str:
        return cost_text(self.cost_usd, self.cost_unknown)

    @property
    def cost_per_task_text(self) -> str:
        value = self.cost_per_task
        return "unknown" if value is None else f"${value:.4f}"

    @property
    def samples(self) -> int:
        return sum(s.samples for s in self.task_stats.values())

    @property
    def prompt_tokens(self) -> int:
        return sum(s.prompt_tokens for s in self.task_stats.values())

    @property
    def completion_tokens(self) -> int:
        return sum(s.completion_tokens for s in self.task_stats.values())

    @property
    def parse_failures(self) -> int:
        return sum(s.parse_failures for s in self.task_stats.values())

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.task_stats.values())

    @property
    def parse_failure_rate(self) -> float:
        return self.parse_failures / self.samples if self.samples else 0.0

    @property
    def latencies(self) -> list[float]:
        return [x for s in self.task_stats.values() for x in s.latencies]

    @property
    def median_latency_s(self) -> float | None:
        values = self.latencies
        return statistics.median(values) if values else None

    def attempts_for(self, task_id: str) -> Sequence[tuple[Any, ...]]:
        if self.submission is None:
            return ()
        return self.submission.entries.get(task_id, ())


def cost_text(known_usd: float, unknown: int) -> str:
    """A cost as reports show it: ``$0.0123``; ``unknown`` when some reply's cost is unknown and nothing
    is known; ``≥ $0.0123 (5 records of unknown cost)`` when only some are. Never $0 for an unknown."""
    if not unknown:
        return f"${known_usd:.4f}"
    if not known_usd:
        return "unknown"
    plural = "record" if unknown == 1 else "records"
    return f"≥ ${known_usd:.4f} ({unknown} {plural} of unknown cost)"


def load_benchmark_run(path: str | Path) -> BenchmarkRun:
    """Read a finished benchmark run; :class:`RunError` when it is not one (the message says why)."""
    from arcforge.engine.run_directory import RunDirectory

    folder = Path(path)
    run = RunDirectory.open(folder)
    score_path = folder / SCORE_FILE
    if not score_path.is_file():
        command = str(run.manifest.get("command") or "")
        if not command.startswith("benchmark"):
            raise RunError(
                f"{folder} is a `{command or 'non-benchmark'}` run: reports are made of benchmark runs "
                "(`arcforge benchmark direct|code`)"
            )
        raise RunError(
            f"{folder} has no {SCORE_FILE}: it is not a finished benchmark run "
            f"(finish it with `arcforge {command} --resume {folder}`)"
        )
    try:
        score = json.loads(score_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise RunError(f"{score_path} is not valid JSON ({exc}); re-run the benchmark with --resume") from exc
    submission = load_submission(folder / SUBMISSION_FILE) if (folder / SUBMISSION_FILE).is_file() else None
    stats = _task_stats(run.iter_records())
    task_ids = list(score.get("per_task", {}))
    return BenchmarkRun(
        path=folder,
        run_id=run.run_id,
        model=str(score.get("model") or run.config.get("model") or "?"),
        mode=str(score.get("mode") or "?"),
        dataset=str(score.get("dataset") or "?"),
        status=str(run.manifest.get("status") or "?"),
        score=score,
        submission=submission,
        tasks=_ground_truth(
            score.get("dataset_spec") or score.get("dataset"), task_ids, score.get("dataset_hash")
        ),
        task_stats={task_id: stats.get(task_id, TaskStats()) for task_id in task_ids},
        oracle=score.get("oracle"),
    )


def _task_stats(records: Any) -> dict[str, TaskStats]:
    stats: dict[str, TaskStats] = {}
    for record in records:
        task = stats.setdefault(str(record.get("task_id")), TaskStats())
        task.samples += 1
        if "cost_usd" in record and record["cost_usd"] is None and record.get("status") != Status.ERROR:
            task.cost_unknown += 1  # a reply whose cost nobody knows (as the engine counts it)
        else:
            task.cost_usd += float(record.get("cost_usd") or 0.0)
        usage = record.get("usage") or {}
        task.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        task.completion_tokens += int(usage.get("completion_tokens") or 0)
        if record.get("latency_s") is not None:
            task.latencies.append(float(record["latency_s"]))
        status = record.get("status")
        run = record.get("benchmark")
        if isinstance(run, dict):
            task.programs.append(
                ProgramRun(
                    int(record.get("sample_index") or 0),
                    int(run.get("train_passed") or 0),
                    int(run.get("train_total") or 0),
                    tuple(str(s) for s in run.get("test_status") or ()),
                )
            )
        if status == Status.PARSE_FAILURE:
            task.parse_failures += 1
            message = str(record.get("error") or "the reply could not be parsed").removeprefix(
                "parse failure "
            )
        elif status == Status.ERROR:
            task.errors += 1
            message = str(record.get("error") or "error")
        else:
            continue
        reply = record.get("completion")
        task.failures.append(
            Failure(int(record.get("sample_index") or 0), str(status), message, str(reply) if reply else None)
        )
    return stats


def _ground_truth(spec: Any, task_ids: list[str], content_hash: Any = None) -> dict[str, Task | None]:
    """The tasks with their test outputs, or None for each when the dataset cannot be loaded or is no
    longer the one the run was scored against (its content hash changed)."""
    if not spec:
        return dict.fromkeys(task_ids)
    try:
        from arcforge.datasets import load_dataset

        dataset = load_dataset(str(spec))
    except ArcforgeError:
        return dict.fromkeys(task_ids)
    if content_hash and dataset.content_hash != content_hash:
        return dict.fromkeys(task_ids)
    found: dict[str, Task | None] = {}
    for key in task_ids:
        task_id, _, version = key.partition(":v")
        try:
            found[key] = dataset.get(task_id, int(version or 0))
        except (ArcforgeError, ValueError):
            found[key] = None
    return found
