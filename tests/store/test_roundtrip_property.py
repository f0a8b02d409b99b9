"""Property: any well-formed traces_store.json survives import then export unchanged."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import light_hasher

from arcforge.store import open_store
from arcforge.store.traces import text_hash

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
usernames = st.one_of(names, st.sampled_from(["anthropic/claude-3.7-sonnet", "gpt-4o", "artnoage"]))
texts = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() != "")
entry = st.fixed_dictionaries(
    {
        "username": usernames,
        "text": texts,
        "score": st.integers(-5, 5),
        "timestamp": st.one_of(st.floats(0, 2e9, allow_nan=False), st.integers(0, 2_000_000_000)),
        "voters": st.dictionaries(names, st.sampled_from([1, -1]), max_size=4),
    },
    optional={"tags": st.lists(names, max_size=2)},
)


def _unique_texts(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for e in entries:
        if text_hash(e["text"]) not in seen:
            seen.add(text_hash(e["text"]))
            kept.append(e)
    return kept


stores = st.dictionaries(
    st.from_regex(r"[0-9a-f]{8}", fullmatch=True), st.lists(entry, min_size=1, max_size=4), max_size=4
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stores)
def test_import_then_export_is_identity(raw: dict[str, list[dict[str, Any]]]) -> None:
    data: dict[str, list[dict[str, Any]]] = {}
    for task_id, entries in raw.items():
        kept = _unique_texts(entries)
        data[task_id] = [{"trace_id": f"{task_id}_{i}", "task_id": task_id, **e} for i, e in enumerate(kept)]
    with open_store("sqlite://", password_hasher=light_hasher()) as store:
        report = store.import_traces_store(data)
        assert report.problems == ()
        assert store.export_traces_store() == data
