"""New ARC tasks from programs: generator programs a model writes for seed tasks (``arcforge generate
tasks``), and hindsight tasks from the failing programs of a code run (``arcforge export --format tasks
--hindsight``). Every task is made and checked in the sandbox; the contract, the checks and the
provenance are in ``docs/data-formats.md`` (New tasks).
"""

from arcforge.synthesis.checks import REASONS, CopyIndex, canonical_task_key, trivial_rule
from arcforge.synthesis.hindsight import HindsightOutcome, hindsight_tasks
from arcforge.synthesis.making import Made, make_task
from arcforge.synthesis.run import SynthesisOptions, SynthesisOutcome, finish_synthesis, synthesize

__all__ = [
    "REASONS",
    "CopyIndex",
    "HindsightOutcome",
    "Made",
    "SynthesisOptions",
    "SynthesisOutcome",
    "canonical_task_key",
    "finish_synthesis",
    "hindsight_tasks",
    "make_task",
    "synthesize",
    "trivial_rule",
]
