"""Shared test setup: an isolated arcforge home, and skips for parts a machine may lack.

Every test session gets its own ``ARCFORGE_HOME`` (stores, caches and the assembled local model live
there), so the suite never touches a user's real data. Browser tests skip with a reason when Debian's
Chromium is missing, and local-model tests when ``llama_cpp`` is not installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="arcforge-test-home-"))
os.environ["ARCFORGE_HOME"] = str(_HOME)
os.environ.pop("ARCFORGE_DB", None)
os.environ.pop("ARCFORGE_CACHE", None)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    no_browser = pytest.mark.skip(
        reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    )
    no_llama = pytest.mark.skip(reason="llama-cpp-python is not installed (pip install -e '.[local]')")
    has_browser = os.path.exists(CHROMIUM)
    has_llama = importlib.util.find_spec("llama_cpp") is not None
    for item in items:
        if "browser" in item.keywords and not has_browser:
            item.add_marker(no_browser)
        if "local_model" in item.keywords and not has_llama:
            item.add_marker(no_llama)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """``../shared/fixtures/original``; skips when the workspace's shared folder is absent."""
    path = SHARED / "fixtures" / "original"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: the original system's fixtures live only in the workspace")
    return path
