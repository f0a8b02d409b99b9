from __future__ import annotations

from datetime import timedelta

import pytest

from arcforge.store import Conflict, InvalidInput, NotFound, Store


def test_create_and_authenticate(store: Store) -> None:
    user = store.create_user("Alice", "correct horse")
    assert user.role == "contributor" and not user.is_moderator
    assert user.created_at.tzinfo is not None
    assert store.authenticate("alice", "correct horse") == user  # names are case-insensitive
    assert store.authenticate("alice", "wrong horse!") is None
    assert store.authenticate("nobody", "correct horse") is None


def test_password_is_hashed_with_argon2(store: Store) -> None:
    store.create_user("carol", "a secret password")
    from sqlalchemy import select

    from arcforge.store import schema

    with store.database.read() as conn:
        stored = conn.execute(select(schema.users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "a secret password" not in stored


def test_names_are_unique_case_insensitively(store: Store) -> None:
    store.create_user("alice", "password-1")
    with pytest.raises(Conflict, match="taken"):
        store.create_user("ALICE", "password-2")


@pytest.mark.parametrize("name", ["", "a b", "-lead", "x" * 41, "<script>", "ümlaut"])
def test_bad_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InvalidInput, match="invalid user name"):
        store.create_user(name, "password-1")


def test_short_password_and_bad_role_are_refused(store: Store) -> None:
    with pytest.raises(InvalidInput, match="password"):
        store.create_user("dave", "short")
    with pytest.raises(InvalidInput, match="role"):
        store.create_user("dave", "long enough", role="admin")
    assert store.count_users() == 0


def test_roles_and_lookup(store: Store) -> None:
    store.create_user("erin", "password-1")
    assert store.set_role("erin", "moderator").is_moderator
    assert store.get_user("ERIN").is_moderator
    assert store.count_users(role="moderator") == 1
    with pytest.raises(NotFound):
        store.get_user("frank")
    assert [u.name for u in store.list_users()] == ["erin"]


def test_sessions(store: Store) -> None:
    user = store.create_user("gina", "password-1")
    token = store.create_session(user.id)
    assert store.user_for_session(token) == user
    assert store.user_for_session(token + "x") is None
    store.end_session(token)
    assert store.user_for_session(token) is None
    expired = store.create_session(user.id, ttl=timedelta(seconds=-1))
    assert store.user_for_session(expired) is None


def test_set_password_ends_sessions(store: Store) -> None:
    user = store.create_user("hank", "password-1")
    token = store.create_session(user.id)
    store.set_password("hank", "password-2")
    assert store.user_for_session(token) is None
    assert store.authenticate("hank", "password-1") is None
    assert store.authenticate("hank", "password-2") == user
