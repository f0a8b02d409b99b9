"""Refinement search: programs revised from their own execution feedback, with lineage and budgets.

``--refine R`` on ``generate code`` and ``benchmark code``. Round 0 is the K initial samples of every
task; each is run in the sandbox on the task's train and test inputs (``benchmark`` block of the
record, with each train pair's output). Then, for up to R rounds, every task whose search is not over
gets revisions: the ``--refine-width`` W programs chosen by :func:`choose_parents` are each sent back
to the model as a conversation (the original request, the program's reply, and a ``refine-v1`` turn
showing each failing train pair's input, the program's output or error and the expected output, with a
cell mask), and the revised program is run again. A task's search ends early when two distinct
train-perfect programs agree on every test input, when no program is left to revise, or when its
budget (``--max-calls-per-task``, ``--max-cost-per-task``) is spent; the run ends when R rounds are
done or the run engine stops (``--max-cost``, a signal).

Each round is one pass of the run engine over every work item so far (done keys are skipped), so a
round waits for the previous one across all tasks; within a round the engine's lanes keep the model
busy (``--concurrency``) and the programs queue for the sandbox pool. A round's items are planned from
the records of the earlier rounds only, so after ``kill -9`` a ``--resume`` rebuilds the same
population from ``records.jsonl``, plans the same items and asks only for what was not written.

Every record carries ``round`` and ``parent`` (the sample key of the program it revises, None for
round 0); a revision also carries ``feedback_hash`` (the feedback text is in
``RUN_DIR/feedback/<hash>.txt``) and ``refine_template``. Its ``prompt_messages`` is the whole
conversation, so an export can emit it as one multi-turn row. ``refine.json`` says per task why its
search ended; in a benchmark, ``selection.json`` says why each attempt was chosen.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from arcforge.engine import RunDirectory, RunSummary, WorkItem, run_tasks, write_json_atomic
from arcforge.engine.records import Status
from arcforge.errors import UsageError
from arcforge.pipelines.refine_feedback import (
    REFINE_TEMPLATE,
    evaluate_program,
    feedback_hash,
    feedback_text,
    refine_template,
    revision_request,
)
from arcforge.pipelines.refine_selection import (
    agreeing_pair,
    choose_parents,
    latest_records,
    programs_of,
    select_with_reasons,
)

if TYPE_CHECKING:
    from arcforge.models import ModelClient
    from arcforge.pipelines.benchmark_results import TaskSlot
    from arcforge.pipelines.generate import SamplingOptions
    from arcforge.prompts import PromptTemplate
    from arcforge.sandbox import Sandbox
    from arcforge.task.grid import Grid
    from arcforge.task.model import Task

__all__ = ["RefineOptions", "most_calls_per_task", "refine_tasks", "refined_entries", "sample_key_of"]

DEFAULT_WIDTH = 4


@dataclass(frozen=True)
class RefineOptions:
    """A refinement search's settings (part of the run's identity, so ``--resume`` keeps them)."""

    rounds: int = 0
    width: int = DEFAULT_WIDTH
    max_calls_per_task: int | None = None
    max_cost_per_task: float | None = None
    template: str = REFINE_TEMPLATE

    def __post_init__(self) -> None:
        if self.rounds < 0:
            raise UsageError(f"--refine must be 0 or more rounds (got {self.rounds})")
        if self.width < 1:
            raise UsageError(f"--refine-width must be at least 1 (got {self.width})")
        if self.max_calls_per_task is not None and self.max_calls_per_task < 1:
            raise UsageError(f"--max-calls-per-task must be at least 1 (got {self.max_calls_per_task})")
        if self.max_cost_per_task is not None and self.max_cost_per_task <= 0:
            raise UsageError(f"--max-cost-per-task must be above 0 (got {self.max_cost_per_task})")

    @property
    def active(self) -> bool:
        return self.rounds > 0

    def check_samples(self, samples: int) -> None:
        if self.max_calls_per_task is not None and self.max_calls_per_task < samples:
            raise UsageError(
                f"--max-calls-per-task {self.max_calls_per_task} is below --samples {samples}: "
                "the initial samples alone would exceed it"
            )

    def to_config(self) -> dict[str, Any]:
        template = refine_template(self.template)
        return {
            "rounds": self.rounds,
            "width": self.width,
            "max_calls_per_task": self.max_calls_per_task,
            "max_cost_per_task": self.max_cost_per_task,
            "template": template.name,
            "template_hash": template.sha256,
        }


@dataclass(frozen=True)
class _Job:
    task: Task
    sample_index: int
    round: int
    parent: Mapping[str, Any] | None = None


def sample_key_of(task: Task, sample_index: int) -> str:
    """The sample key (the same spelling as :func:`arcforge.pipelines.generate.sample_key`)."""
    from arcforge.pipelines.generate import sample_key

    return sample_key(task, sample_index)


async def refine_tasks(
    run: RunDirectory,
    tasks: Sequence[Task],
    *,
    client: ModelClient,
    options: SamplingOptions,
    samples: int,
    template: PromptTemplate,
    encoding: str,
    refine: RefineOptions,
    sandbox: Sandbox | None = None,
    description: str = "refine",
    **engine: Any,
) -> RunSummary:
    """The K initial samples and up to ``refine.rounds`` revision rounds of every task, into ``run``.

    ``engine`` is passed on to :func:`arcforge.engine.run_tasks` for every round (``concurrency``,
    ``max_cost_usd``, ``progress`` and the rest); ``description`` gains the round and the standing.
    """
    from arcforge.sandbox import Sandbox

    refine.check_samples(samples)
    if sandbox is None:
        async with Sandbox() as own:
            return await refine_tasks(
                run, tasks, client=client, options=options, samples=samples, template=template,
                encoding=encoding, refine=refine, sandbox=own, description=description, **engine,
            )  # fmt: skip
    search = _Search(run, tasks, client, options, samples, template, encoding, refine, sandbox)
    return await search.run(label=description, engine=engine)


class _Search:
    def __init__(
        self,
        run: RunDirectory,
        tasks: Sequence[Task],
        client: ModelClient,
        options: SamplingOptions,
        samples: int,
        template: PromptTemplate,
        encoding: str,
        refine: RefineOptions,
        sandbox: Sandbox,
    ) -> None:
        from arcforge.prompts import build_messages

        self.run_dir, self.tasks, self.client, self.options = run, list(tasks), client, options
        self.samples, self.template, self.encoding, self.refine = samples, template, encoding, refine
        self.sandbox = sandbox
        self.revise = refine_template(refine.template)
        self.prompts = {
            (t.id, t.version): build_messages("code", t, encoding=encoding, template=template) for t in tasks
        }
        self.ended: dict[str, dict[str, Any]] = {}
        self.best: dict[tuple[str, int], float] = {}  # best train accuracy per task so far

    async def run(self, *, label: str, engine: Mapping[str, Any]) -> RunSummary:
        started = time.monotonic()
        items = [
            WorkItem(sample_key_of(task, k), _Job(task, k, 0))
            for task in self.tasks
            for k in range(self.samples)
        ]
        summaries: list[RunSummary] = []
        for round_number in range(self.refine.rounds + 1):
            records = latest_records(self.run_dir.records())
            if round_number > 0:
                planned = self.plan(records, round_number)
                if not planned:
                    break
                items += planned
            self.track(records)
            text = _LiveLabel(f"{label} round {round_number}/{self.refine.rounds}", self.standing)
            summary = await run_tasks(self.run_dir, items, self.worker, description=text, **engine)
            summaries.append(summary)
            if summary.stopped is not None:
                break
        else:
            self.plan(latest_records(self.run_dir.records()), self.refine.rounds + 1)  # why each task ended
        for task in self.tasks:
            self.ended.setdefault(
                f"{task.id}:v{task.version}", {"reason": f"the run stopped ({summaries[-1].stopped})"}
            )
        write_json_atomic(
            self.run_dir.path / "refine.json", {"rounds": self.refine.rounds, "tasks": self.ended}
        )
        return _combined(summaries, elapsed=time.monotonic() - started)

    def track(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Set the best train accuracy of every task from ``records`` (the worker keeps it up to date)."""
        for key, items in _by_task(records).items():
            self.best[key] = max((p.train_accuracy for p in programs_of(items)), default=0.0)

    def standing(self) -> str:
        """`` · best train 0.67 · 2/5 train-perfect``: the progress bar's live view of the search."""
        if not self.best:
            return ""
        best = [self.best.get((task.id, task.version), 0.0) for task in self.tasks]
        perfect = sum(value == 1.0 for value in best)
        mean = sum(best) / len(best) if best else 0.0
        return f" · best train {mean:.2f} · {perfect}/{len(best)} train-perfect"

    def plan(self, records: Sequence[Mapping[str, Any]], round_number: int) -> list[WorkItem]:
        """The revisions of round ``round_number``, from the records of the rounds before it only."""
        items = []
        grouped = _by_task(records)
        for task in self.tasks:
            own = [
                r for r in grouped.get((task.id, task.version), []) if int(r.get("round") or 0) < round_number
            ]
            programs = programs_of(own)
            reason = self._ended(task, own, programs)
            if reason is None:
                revised = {str(r.get("parent")) for r in own if r.get("parent")}
                room = self.refine.max_calls_per_task - len(own) if self.refine.max_calls_per_task else None
                width = self.refine.width if room is None else min(self.refine.width, room)
                parents = choose_parents(programs, revised, width)
                by_key = {str(r.get("key")): r for r in own}
                for offset, parent in enumerate(parents):
                    index = self.samples + (round_number - 1) * self.refine.width + offset
                    job = _Job(task, index, round_number, by_key[parent.key])
                    items.append(WorkItem(sample_key_of(task, index), job))
                if not parents:
                    reason = "nothing left to revise"
            if reason is not None or round_number > self.refine.rounds:
                self.ended[f"{task.id}:v{task.version}"] = {
                    "reason": reason or f"all {self.refine.rounds} round(s) done",
                    "calls": len(own),
                    "cost_usd": round(sum(float(r.get("cost_usd") or 0.0) for r in own), 6),
                    "best_train_accuracy": max((p.train_accuracy for p in programs), default=0.0),
                }
        return [item for item in items if round_number <= self.refine.rounds]

    def _ended(self, task: Task, own: Sequence[Mapping[str, Any]], programs: Sequence[Any]) -> str | None:
        pair = agreeing_pair(programs, len(task.test))
        if pair is not None:
            return f"two distinct train-perfect programs agree on every test input ({pair[0].key}, {pair[1].key})"
        if self.refine.max_calls_per_task is not None and len(own) >= self.refine.max_calls_per_task:
            return f"--max-calls-per-task {self.refine.max_calls_per_task} reached"
        spent = sum(float(r.get("cost_usd") or 0.0) for r in own)
        if self.refine.max_cost_per_task is not None and spent >= self.refine.max_cost_per_task:
            return f"--max-cost-per-task {self.refine.max_cost_per_task} reached ({spent:.4f} USD)"
        return None

    async def worker(self, item: WorkItem) -> dict[str, Any]:
        from arcforge.pipelines.generate import complete_record

        job: _Job = item.payload
        extra: dict[str, Any] = {"round": job.round, "parent": None}
        messages = self.prompts[(job.task.id, job.task.version)]
        if job.parent is not None:
            messages, text = self.revision_messages(job)
            extra.update(
                parent=str(job.parent["key"]),
                feedback_hash=self.store_feedback(text),
                refine_template=self.revise.name,
            )
        reply = await complete_record(
            self.client, "code", job.task, job.sample_index,
            messages=messages, options=self.options, template=self.template,
        )  # fmt: skip
        record: dict[str, Any] = {**reply, **extra}
        code = record.get("python_code")
        if record.get("status") == Status.OK and isinstance(code, str) and code:
            run = await evaluate_program(self.sandbox, code, job.task)
            record["benchmark"] = run
            key = (job.task.id, job.task.version)
            accuracy = run["train_passed"] / run["train_total"] if run["train_total"] else 0.0
            self.best[key] = max(self.best.get(key, 0.0), accuracy)
        return record

    def revision_messages(self, job: _Job) -> tuple[list[dict[str, Any]], str]:
        """The parent's conversation, its reply, and the revision request; and the feedback shown."""
        assert job.parent is not None
        parent = job.parent
        feedback = feedback_text(job.task, parent["benchmark"], encoding=self.encoding)
        request = revision_request(
            self.revise, program=str(parent["python_code"]), feedback=feedback,
            task=job.task, run=parent["benchmark"], encoding=self.encoding,
        )  # fmt: skip
        messages = [
            *parent["prompt_messages"],
            {"role": "assistant", "content": str(parent.get("completion") or "")},
            {"role": "user", "content": request},
        ]
        return messages, request

    def store_feedback(self, text: str) -> str:
        name = feedback_hash(text)
        folder = self.run_dir.path / "feedback"
        target = folder / f"{name}.txt"
        if not target.exists():
            folder.mkdir(exist_ok=True)
            temporary = folder / f".{name}.{os.getpid()}.tmp"
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, target)
        return name


class _LiveLabel(str):
    """The progress bar's description: a fixed head and a live tail, read each time the bar is drawn
    (the bar formats ``{task.description}``, which calls ``__format__``)."""

    tail: Callable[[], str]

    def __new__(cls, head: str, tail: Callable[[], str]) -> _LiveLabel:
        label = super().__new__(cls, head)
        label.tail = tail
        return label

    def __format__(self, spec: str) -> str:
        return format(str.__str__(self) + self.tail(), spec)


def _by_task(records: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], list[Mapping[str, Any]]]:
    grouped: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for record in records:
        key = (str(record.get("task_id")), int(record.get("task_version") or 0))
        grouped.setdefault(key, []).append(record)
    return grouped


def _combined(summaries: Sequence[RunSummary], *, elapsed: float) -> RunSummary:
    """One summary for the rounds of a session: the last round's totals, every round's writes."""
    last = summaries[-1]
    statuses: dict[str, int] = {}
    for summary in summaries:
        for status, count in summary.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    return dataclasses.replace(
        last,
        skipped=summaries[0].skipped,
        completed=sum(s.completed for s in summaries),
        statuses=statuses,
        elapsed_s=round(elapsed, 3),
    )


def most_calls_per_task(records: Sequence[Mapping[str, Any]]) -> int:
    """The most model calls any task of a refined run made (the K of its oracle pass@K)."""
    return max((len(items) for items in _by_task(latest_records(records)).values()), default=0)


def refined_entries(
    run_path: Path, records: Sequence[Mapping[str, Any]], slots: Sequence[TaskSlot]
) -> dict[str, list[tuple[Grid | None, ...]]]:
    """The submission of a refined benchmark (attempts by :func:`select_with_reasons`), writing
    ``selection.json``: per task key and test input, each attempt's reason and programs."""
    grouped = _by_task(records)
    entries: dict[str, list[tuple[Grid | None, ...]]] = {}
    reasons: dict[str, Any] = {}
    for slot in slots:
        programs = programs_of(grouped.get((slot.task_id, slot.version), []))
        chosen = select_with_reasons(programs, test_count=slot.test_count)
        entries[slot.key] = [tuple(choice.output for choice in choices) for choices in chosen]
        reasons[slot.key] = [
            {f"attempt_{n}": choice.to_dict() for n, choice in enumerate(choices, start=1)}
            for choices in chosen
        ]
    write_json_atomic(run_path / "selection.json", reasons)
    return entries
