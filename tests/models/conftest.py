"""Fixtures for the model tests: settings with a known fake key and a private home and cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from model_helpers import KEY

from arcforge.models.limits import LimitRegistry
from arcforge.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"ARCFORGE_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": KEY, "ANTHROPIC_API_KEY": KEY},
        dotenv_path=None,
    )


@pytest.fixture
def limits() -> LimitRegistry:
    """Limits private to the test, so tests never share slots through the process-wide registry."""
    return LimitRegistry()
