from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from arcforge.errors import StoreError
from arcforge.store import Store, User, open_store, prune_backups


def test_backup_is_a_complete_store(store: Store, alice: User, tmp_path: Path) -> None:
    store.add_trace("t1", "kept", user=alice)
    target = store.backup(tmp_path / "copy" / "backup.db")
    with open_store(f"sqlite:///{target}") as copy:
        assert [t.text for t in copy.list_traces("t1")] == ["kept"]
        assert copy.authenticate("alice", "alice-password") is not None
    with pytest.raises(StoreError, match="exists"):
        store.backup(target)
    assert not list(target.parent.glob("*.partial"))


def test_backup_while_another_connection_writes(
    store: Store, alice: User, db_url: str, tmp_path: Path
) -> None:
    other = open_store(db_url)
    for i in range(50):
        other.add_trace("t1", f"trace {i}", user=alice)
    raw = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    raw.execute("BEGIN")
    raw.execute("SELECT count(*) FROM traces").fetchone()  # an open reader does not block the backup
    target = store.backup(tmp_path / "b.db")
    raw.rollback()
    raw.close()
    other.close()
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM traces").fetchone()[0] == 50
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_rotating_backups_are_pruned(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    made = [store.backup_rotating(folder, keep=3) for _ in range(5)]
    assert sorted(folder.glob("arcforge-*.db")) == made[-3:]
    (folder / "notes.txt").write_text("not a backup")
    assert prune_backups(folder, keep=1) == made[-3:-1]
    assert (folder / "notes.txt").exists()
    with pytest.raises(StoreError):
        prune_backups(folder, keep=0)
