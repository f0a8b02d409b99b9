"""`arcforge users add|list` as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from test_traces_cli import arcforge

from arcforge.store import open_store


def test_add_moderator_and_list(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    done = arcforge(
        "users", "add", "boss", "--moderator", "--password-stdin", "--db", db, stdin="s3cret-pass\n"
    )
    assert done.returncode == 0 and "created moderator boss" in done.stdout, done.stderr
    done = arcforge("users", "add", "helper", "--password_stdin", "--db", db, stdin="helper-pass\n")
    assert done.returncode == 0, done.stderr
    listed = json.loads(arcforge("users", "list", "--db", db, "--json").stdout)
    assert [(u["name"], u["role"]) for u in listed] == [("boss", "moderator"), ("helper", "contributor")]
    with open_store(db) as store:
        assert store.authenticate("boss", "s3cret-pass") is not None
    promoted = arcforge("users", "role", "helper", "moderator", "--db", db)
    assert promoted.returncode == 0 and "helper is now a moderator" in promoted.stdout
    missing = arcforge("users", "role", "ghost", "moderator", "--db", db)
    assert missing.returncode == 1 and "no user 'ghost'" in missing.stderr


def test_refusals(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    arcforge("users", "add", "boss", "--password-stdin", "--db", db, stdin="s3cret-pass\n")
    taken = arcforge("users", "add", "BOSS", "--password-stdin", "--db", db, stdin="other-pass\n")
    assert taken.returncode == 1 and "taken" in taken.stderr
    short = arcforge("users", "add", "kid", "--password-stdin", "--db", db, stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    no_tty = arcforge("users", "add", "kid", "--db", db, stdin="")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    bad = arcforge("users", "add", "no spaces", "--password-stdin", "--db", db, stdin="long-enough\n")
    assert bad.returncode == 2 and "invalid user name" in bad.stderr
    for done in (taken, short, no_tty, bad):
        assert "Traceback" not in done.stderr
