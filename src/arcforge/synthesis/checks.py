"""The checks a new task must pass, each with the reason a refused one is counted under.

The pair checks are pure functions of the grids (:func:`pair_problem`); the sandbox checks (the
generator runs, its inputs are distinct, ``solve`` is deterministic, the program passes its own pairs
after a JSON round trip) live in :mod:`arcforge.synthesis.making`.

**Trivial transformations.** A task is *trivial* when one fixed D8 symmetry followed by one fixed
colour map (either may be the identity) turns every input into its output: the same symmetry and the
same colour map for all pairs, the colour map applied cell by cell (:func:`trivial_rule`). A new task
that is trivial is refused unless its seed task is trivial by the same test on its train pairs, so a
seed whose rule *is* a flip or a recolouring may yield tasks of its kind, and no other seed may.

**Copies.** :class:`CopyIndex` holds, for the seed and every task of the dataset, each pair's key under
the 8 symmetries (the same symmetry applied to input and output) and each grid's key under the 8
symmetries. A new task is a copy when one of its pairs is a pair of a known task (under a symmetry),
or when one of its inputs is a grid of its seed (under a symmetry): a generator that replays the
seed's grids makes no new task.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from arcforge.task.grid import Grid
from arcforge.task.model import Pair, Task
from arcforge.task.transforms import D8

__all__ = [
    "REASONS",
    "CopyIndex",
    "canonical_pair",
    "canonical_task_key",
    "pair_problem",
    "trivial_rule",
]

# every reason a generator (or a hindsight program) yields no task, in the order they are checked
REASONS = (
    "no_program",  # the reply held no program (parse failure or model error)
    "generator_failed",  # generate_input raised, timed out or returned no valid grid
    "invalid_grid",  # generate_input or solve returned something that is not a grid (1-30, colours 0-9)
    "inputs_not_distinct",  # fewer than N distinct inputs in the attempts allowed
    "solve_failed",  # solve raised or timed out on an input
    "nondeterministic",  # a second run gave other inputs or other outputs
    "identity",  # every output equals its input
    "constant_output",  # every output is one colour
    "outputs_all_equal",  # every pair has the same output
    "trivial_transform",  # a D8 symmetry and/or a colour map, and the seed is not one
    "copy",  # a pair of the seed or of a dataset task, or the seed's grids replayed
    "round_trip_failed",  # the program does not pass its own pairs after a JSON round trip
    "not_clean",  # hindsight: the program failed on one of its task's inputs
    "solves_its_task",  # hindsight: the program solves its task, so it defines nothing new
    "duplicate",  # the same task (under the 8 symmetries) was already made in this run
)


def _grid_key(grid: Grid) -> bytes:
    return bytes((grid.height, grid.width)) + grid.cells


def canonical_pair(pair_input: Grid, pair_output: Grid) -> bytes:
    """The smallest key of (input, output) under the 8 symmetries applied to both."""
    return min(_grid_key(t.apply_grid(pair_input)) + b"|" + _grid_key(t.apply_grid(pair_output)) for t in D8)


def canonical_task_key(task: Task) -> bytes:
    """The task's content under the 8 symmetries (the whole task transformed): dedupes a run."""
    keys = []
    for symmetry in D8:
        pairs = sorted(
            _grid_key(symmetry.apply_grid(p.input)) + b"|" + _grid_key(symmetry.apply_grid(p.output))
            for p in (*task.train, *task.test)
            if p.output is not None
        )
        keys.append(b"#".join(pairs))
    return min(keys)


def trivial_rule(pairs: Sequence[tuple[Grid, Grid]]) -> str | None:
    """The name of a D8 symmetry + colour map turning every input into its output, or None."""
    if not pairs:
        return None
    for symmetry in D8:
        mapping: dict[int, int] = {}
        fits = True
        for grid_in, grid_out in pairs:
            moved = symmetry.apply_grid(grid_in)
            if moved.shape != grid_out.shape:
                fits = False
                break
            for a, b in zip(moved.cells, grid_out.cells, strict=True):
                if mapping.setdefault(a, b) != b:
                    fits = False
                    break
            if not fits:
                break
        if fits:
            changed = {a: b for a, b in sorted(mapping.items()) if a != b}
            colours = ",".join(f"{a}->{b}" for a, b in changed.items())
            return symmetry.name + (f"+colours:{colours}" if colours else "")
    return None


def pair_problem(inputs: Sequence[Grid], outputs: Sequence[Grid], *, seed: Task) -> str | None:
    """The first pair check (identity, constant, all equal, trivial) the grids fail, or None."""
    if all(a == b for a, b in zip(inputs, outputs, strict=True)):
        return "identity"
    if all(len(set(grid.cells)) == 1 for grid in outputs):
        return "constant_output"
    if len(set(outputs)) == 1:
        return "outputs_all_equal"
    rule = trivial_rule(list(zip(inputs, outputs, strict=True)))
    if rule is not None:
        seed_pairs = [(p.input, p.output) for p in seed.train if p.output is not None]
        if trivial_rule(seed_pairs) is None:
            return "trivial_transform"
    return None


class CopyIndex:
    """The pairs and grids of the known tasks, under the 8 symmetries (see the module docstring)."""

    def __init__(self, tasks: Iterable[Task]) -> None:
        self.pairs: set[bytes] = set()
        self.tasks: set[bytes] = set()
        self.grids: dict[tuple[str, int], set[bytes]] = {}
        for task in tasks:
            self.add(task)

    def add(self, task: Task) -> None:
        self.tasks.add(canonical_task_key(task))
        grids: set[bytes] = set()
        for pair in (*task.train, *task.test):
            if pair.output is not None:
                self.pairs.add(canonical_pair(pair.input, pair.output))
            for grid in (pair.input, pair.output):
                if grid is not None:
                    grids.update(_grid_key(t.apply_grid(grid)) for t in D8)
        self.grids[(task.id, task.version)] = grids

    def copied(self, pairs: Sequence[Pair], seed: Task | None = None) -> bool:
        """Whether a pair is a known pair, or an input is one of ``seed``'s grids (under a symmetry)."""
        seed_grids = self.grids.get((seed.id, seed.version), set()) if seed is not None else set()
        for pair in pairs:
            if pair.output is not None and canonical_pair(pair.input, pair.output) in self.pairs:
                return True
            if _grid_key(pair.input) in seed_grids:
                return True
        return False

    def same_task(self, task: Task) -> bool:
        """Whether a known task has exactly this task's pairs (under the 8 symmetries)."""
        return canonical_task_key(task) in self.tasks
