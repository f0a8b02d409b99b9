"""Pairs and tasks: the ARC domain objects every layer shares.

A :class:`Task` is what a dataset yields and what prompts, the sandbox, scoring and the web app take.
It is a frozen value: transforms and signing make new tasks, recording where they came from in
:class:`Provenance`. :meth:`Task.from_dict` reads the JSON shape of ARC task files and collects every
problem it finds before raising one :class:`InvalidTaskError` that names the file, the place and the
problem, so ``arcforge data validate`` can print them all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from arcforge.errors import InvalidTaskError
from arcforge.task.grid import Grid, grid_problems

__all__ = ["Pair", "Provenance", "Task", "task_problems"]


@dataclass(frozen=True, slots=True)
class Pair:
    """One demonstration or test: an input grid and, where known, its output."""

    input: Grid
    output: Grid | None = None

    def to_dict(self, *, include_output: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"input": self.input.to_list()}
        if include_output and self.output is not None:
            data["output"] = self.output.to_list()
        return data


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a derived task came from: its parent and the transform (by text name) applied to it."""

    parent_id: str
    parent_version: int
    transform: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "parent_id": self.parent_id,
            "parent_version": self.parent_version,
            "transform": self.transform,
        }


@dataclass(frozen=True, slots=True)
class Task:
    """An ARC task: train pairs (with outputs) and test pairs (outputs may be absent).

    ``version`` 0 is the original; signed variations get higher versions. ``signers`` are the
    accounts (or people) who signed this version; ``source`` names the dataset or file it came from.
    """

    id: str
    train: tuple[Pair, ...]
    test: tuple[Pair, ...]
    version: int = 0
    signers: tuple[str, ...] = ()
    source: str = ""
    provenance: Provenance | None = field(default=None, compare=False)

    @property
    def test_inputs(self) -> tuple[Grid, ...]:
        return tuple(pair.input for pair in self.test)

    @property
    def has_test_outputs(self) -> bool:
        return all(pair.output is not None for pair in self.test)

    def to_dict(self, *, include_test_outputs: bool = True) -> dict[str, Any]:
        """The ARC JSON shape ``{"train": [...], "test": [...]}``."""
        return {
            "train": [pair.to_dict() for pair in self.train],
            "test": [pair.to_dict(include_output=include_test_outputs) for pair in self.test],
        }

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the pairs (id, version and signers excluded)."""
        canonical = json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def without_test_outputs(self) -> Task:
        """The same task with every test output removed: what a model or a browser may see."""
        return Task(
            id=self.id,
            train=self.train,
            test=tuple(Pair(pair.input) for pair in self.test),
            version=self.version,
            signers=self.signers,
            source=self.source,
            provenance=self.provenance,
        )

    @classmethod
    def from_dict(
        cls,
        data: Any,
        *,
        task_id: str,
        source: str = "",
        version: int = 0,
        signers: tuple[str, ...] | list[str] = (),
        require_train_outputs: bool = True,
    ) -> Task:
        """A task from the ARC JSON shape; raises :class:`InvalidTaskError` listing every problem.

        Problems read ``"SOURCE: PLACE: PROBLEM"`` (``"a.json: train[2].output row 4: ..."``).
        """
        try:
            train = tuple(_pair(p, require_output=require_train_outputs) for p in data["train"])
            test = tuple(_pair(p, require_output=False) for p in data["test"])
            if not train or not test:
                raise ValueError
        except (InvalidTaskError, TypeError, KeyError, ValueError, AttributeError):
            problems = task_problems(data, require_train_outputs=require_train_outputs)
            prefix = f"{source}: " if source else f"task {task_id}: "
            raise InvalidTaskError([prefix + p for p in problems] or [prefix + "invalid task"]) from None
        return cls(id=task_id, train=train, test=test, version=version, signers=tuple(signers), source=source)


def _pair(data: Any, *, require_output: bool) -> Pair:
    grid_in = Grid(data["input"])
    raw_out = data.get("output")
    if raw_out is None:
        if require_output:
            raise ValueError
        return Pair(grid_in)
    return Pair(grid_in, Grid(raw_out))


def task_problems(data: Any, *, require_train_outputs: bool = True) -> list[str]:
    """Every problem in task data, each ``"PLACE: PROBLEM"``; empty when the data is a valid task."""
    if not isinstance(data, dict):
        return [f"task: expected an object with 'train' and 'test', found {type(data).__name__}"]
    problems: list[str] = []
    for split in ("train", "test"):
        pairs = data.get(split)
        if split not in data:
            problems.append(f"{split}: missing (a task needs '{split}' pairs)")
            continue
        if not isinstance(pairs, list):
            problems.append(f"{split}: expected a list of pairs, found {type(pairs).__name__}")
            continue
        if not pairs:
            problems.append(f"{split}: has no pairs")
        for i, pair in enumerate(pairs):
            place = f"{split}[{i}]"
            if not isinstance(pair, dict):
                problems.append(f"{place}: expected an object with 'input' and 'output'")
                continue
            if "input" not in pair:
                problems.append(f"{place}: missing 'input'")
            else:
                problems.extend(grid_problems(pair["input"], f"{place}.input"))
            if pair.get("output") is None:
                if split == "train" and require_train_outputs:
                    problems.append(f"{place}: missing 'output'")
            else:
                problems.extend(grid_problems(pair["output"], f"{place}.output"))
    return problems
