"""Every package's ``__all__`` is complete and sorted, as httpx checks its own.

Complete: every public class or function a package defines in its own modules and binds in its namespace is
listed (a name a user can reach but the package does not admit to is an accident waiting to be relied on).
Sorted: the isort style ruff's RUF022 uses (CONSTANTS, then Classes, then functions, each alphabetical), and
every listed name exists.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

import arcforge


def _packages() -> list[str]:
    return ["arcforge"] + [m.name for m in pkgutil.walk_packages(arcforge.__path__, "arcforge.") if m.ispkg]


def _isort_key(name: str) -> tuple[int, str]:
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("package", _packages())
def test_all_is_complete_and_sorted(package: str) -> None:
    module = importlib.import_module(package)
    own = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and isinstance(value, type | types.FunctionType)
        and getattr(value, "__module__", "").startswith(package)
    }
    listed = getattr(module, "__all__", None)
    if listed is None:
        assert not own, f"{package} defines {sorted(own)} but has no __all__"
        return
    assert list(listed) == sorted(listed, key=_isort_key), f"{package}.__all__ is not sorted"
    assert not own - set(listed), f"{package}.__all__ misses {sorted(own - set(listed))}"
    assert not [n for n in listed if not hasattr(module, n)], f"{package}.__all__ names what it lacks"
