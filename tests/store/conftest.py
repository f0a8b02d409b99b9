"""Stores on real SQLite files in a temporary folder, and a few accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import light_hasher

from arcforge.store import Store, User, open_store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture()
def store(db_url: str) -> Iterator[Store]:
    with open_store(db_url, password_hasher=light_hasher()) as opened:
        yield opened


@pytest.fixture()
def alice(store: Store) -> User:
    return store.create_user("alice", "alice-password")


@pytest.fixture()
def bob(store: Store) -> User:
    return store.create_user("bob", "bob-password")


@pytest.fixture()
def mod(store: Store) -> User:
    return store.create_user("mod", "moderator-password", role="moderator")
