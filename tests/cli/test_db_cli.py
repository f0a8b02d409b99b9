"""`arcforge db backup|migrate|info` as real processes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_traces_cli import SMALL, arcforge

from arcforge.store.migrations import MIGRATIONS


def test_migrate_info_backup(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    migrated = arcforge("db", "migrate", "--db", db, "--json")
    assert migrated.returncode == 0 and json.loads(migrated.stdout) == {"from": 0, "to": len(MIGRATIONS)}
    assert "up to date" in arcforge("db", "migrate", "--db", db).stdout
    arcforge("traces", "import", str(SMALL), "--db", db)
    info = json.loads(arcforge("db", "info", "--db", db, "--json").stdout)
    assert (
        info["schema_version"] == len(MIGRATIONS)
        and info["counts"]["traces"] == 4
        and info["counts"]["votes"] == 4
    )
    assert "traces" in arcforge("db", "info", "--db", db).stdout

    out = tmp_path / "copy.db"
    done = arcforge("db", "backup", str(out), "--db", db, "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["backup"] == str(out), done.stderr
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT count(*) FROM traces").fetchone()[0] == 4
    again = arcforge("db", "backup", str(out), "--db", db)
    assert again.returncode == 1 and "exists" in again.stderr and "Traceback" not in again.stderr


def test_backup_folder_with_keep(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    folder = tmp_path / "backups"
    folder.mkdir()
    for _ in range(3):
        assert arcforge("db", "backup", str(folder), "--keep", "2", "--db", db).returncode == 0
    assert len(list(folder.glob("arcforge-*.db"))) == 2
    bad = arcforge("db", "backup", str(tmp_path / "x.db"), "--keep", "2", "--db", db)
    assert bad.returncode == 2 and "folder" in bad.stderr


def test_default_backup_goes_to_home(tmp_path: Path) -> None:
    env = {"ARCFORGE_HOME": str(tmp_path / "home")}
    done = arcforge("db", "backup", "--json", env=env)
    assert done.returncode == 0, done.stderr
    assert Path(json.loads(done.stdout)["backup"]).parent == tmp_path / "home" / "backups"


def test_data_import(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    small = SMALL.parent / "dataset_small.json"
    done = arcforge("data", "import", str(small), "--db", db, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["added"], report["skipped"], report["signatures"]) == (3, 1, 4)
    assert report["problems"] == [
        "entry 3: ee55ff66 v0: train[0].input row 1: has 1 columns, row 0 has 2 (ragged grid); skipped"
    ]
    again = arcforge("data", "import", str(small), "--db", db)
    assert again.returncode == 0 and "0 added, 3 unchanged" in again.stdout
    missing = arcforge("data", "import", str(tmp_path / "none.json"), "--db", db)
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_info_of_a_store_not_yet_migrated(tmp_path: Path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "fresh.db").close()  # an existing database without arcforge's tables
    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    info = arcforge("db", "info", "--db", db, "--json")
    assert info.returncode == 0 and "Traceback" not in info.stderr, info.stderr
    assert json.loads(info.stdout)["schema_version"] == 0
    assert set(json.loads(info.stdout)["counts"].values()) == {0}
    assert "arcforge db migrate" in arcforge("db", "info", "--db", db).stdout


def test_info_of_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    done = arcforge("db", "info", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(
        "arcforge: error: cannot open the store at postgresql+psycopg://nobody@127.0.0.1:1"
    )
    assert done.stderr.count("\n") == 1


def test_info_on_a_mistyped_sqlite_path_creates_nothing(tmp_path):
    from arcforge.cli import main

    missing = tmp_path / "typo" / "arcforge.db"
    assert main(["db", "info", "--db", f"sqlite:///{missing}"]) == 2
    assert not missing.exists() and not missing.parent.exists()
