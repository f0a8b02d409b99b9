from __future__ import annotations

import pytest
from store_helpers import small_task

from arcforge.store import InvalidInput, NotAuthorized, NotFound, Store, User
from arcforge.task.model import Pair, Task


def _rotated(task: Task) -> Task:
    def rot(grid):  # type: ignore[no-untyped-def]
        from arcforge.task.grid import Grid

        rows = grid.to_list()
        return Grid([list(r) for r in zip(*rows[::-1], strict=True)])

    pairs = lambda ps: tuple(Pair(rot(p.input), rot(p.output)) for p in ps)  # noqa: E731
    return Task(task.id, pairs(task.train), pairs(task.test))


def test_store_and_read_back_a_task(store: Store) -> None:
    task = small_task()
    stored, created = store.add_task_version(task, version=0, signer="gkamradt")
    assert created and stored.version == 0 and stored.signers == ("gkamradt",)
    back = store.get_task("t1", 0)
    assert back == Task(task.id, task.train, task.test, 0, ("gkamradt",), back.source)
    assert back.test[0].output is not None
    assert store.list_task_ids() == ["t1"]


def test_variation_gets_next_version_with_provenance(store: Store, alice: User, bob: User) -> None:
    store.add_task_version(small_task(), version=0)
    rotated = _rotated(small_task())
    v1, created = store.add_task_version(rotated, signer=alice, parent_version=0, transform="rot90")
    assert created and (v1.version, v1.parent_version, v1.transform, v1.signers) == (
        1,
        0,
        "rot90",
        ("alice",),
    )
    same, created_again = store.add_task_version(rotated, signer=bob, parent_version=0, transform="rot90")
    assert not created_again and same.version == 1 and same.signers == ("alice", "bob")
    task = store.get_task("t1", 1)
    assert task.provenance is not None and task.provenance.transform == "rot90"
    assert store.sign_task_version("t1", 1, signer=bob).signers == (
        "alice",
        "bob",
    )  # signing twice: one signature


def test_retire_is_moderator_only_and_numbers_never_change(store: Store, alice: User, mod: User) -> None:
    store.add_task_version(small_task(), version=0)
    rotated = _rotated(small_task())
    store.add_task_version(rotated, signer=alice, parent_version=0, transform="rot90")
    with pytest.raises(NotAuthorized):
        store.retire_task_version("t1", 1, user=alice)
    assert store.retire_task_version("t1", 1, user=mod).retired
    again, created = store.add_task_version(rotated, signer=alice, parent_version=0, transform="rot90")
    assert created and again.version == 2  # a retired number is never reused
    assert [v.version for v in store.list_task_versions("t1", include_retired=False)] == [0, 2]
    assert not store.retire_task_version("t1", 1, user=mod, retired=False).retired


def test_task_rules(store: Store) -> None:
    no_output = Task("t9", small_task().train, (Pair(small_task().test[0].input),))
    with pytest.raises(InvalidInput, match="needs an output"):
        store.add_task_version(no_output)
    stored, _ = store.add_task_version(no_output, require_test_outputs=False)
    assert stored.version == 0
    with pytest.raises(NotFound):
        store.add_task_version(small_task("t9"), parent_version=5, transform="rot90")
    with pytest.raises(InvalidInput):
        store.add_task_version(small_task("t9"), parent_version=0)
    with pytest.raises(NotFound):
        store.get_task("t9", 7)
