"""Datasets of ARC tasks: the catalog of embedded, hash-pinned datasets, loaders for every format the
project reads (a folder of task files, the original system's ``dataset.json``, Kaggle), task selection,
and the tools over whole datasets (merge, overlap, export, statistics).

Nothing here touches the disk until a function is called.
"""

from arcforge.datasets.catalog import CATALOG, DEFAULT_DATASET, EmbeddedDataset
from arcforge.datasets.dataset import Dataset
from arcforge.datasets.export import EXPORT_FORMATS, dataset_entry, export_tasks
from arcforge.datasets.loaders import FORMATS, dataset_problems, detect_format, load_dataset
from arcforge.datasets.merge import merge_dataset_entries, merge_dataset_files
from arcforge.datasets.overlap import Overlap, content_key, dataset_overlap
from arcforge.datasets.selection import parse_task_ids, parse_task_slice, select_tasks
from arcforge.datasets.stats import task_stats

__all__ = [
    "CATALOG",
    "DEFAULT_DATASET",
    "EXPORT_FORMATS",
    "FORMATS",
    "Dataset",
    "EmbeddedDataset",
    "Overlap",
    "content_key",
    "dataset_entry",
    "dataset_overlap",
    "dataset_problems",
    "detect_format",
    "export_tasks",
    "load_dataset",
    "merge_dataset_entries",
    "merge_dataset_files",
    "parse_task_ids",
    "parse_task_slice",
    "select_tasks",
    "task_stats",
]
