from __future__ import annotations

import json

from store_helpers import small_task

from arcforge.store import Store, User


def test_export_all_holds_everything_but_secrets(store: Store, alice: User, mod: User) -> None:
    store.add_task_version(small_task(), version=0, signer="gkamradt")
    trace = store.add_trace("t1", "idea", user=alice)
    store.vote(trace.id, user=mod, value=1)
    store.import_traces_store(
        {
            "t1": [
                {
                    "trace_id": "old",
                    "username": "artnoage",
                    "text": "old idea",
                    "score": 1,
                    "timestamp": 1.5,
                    "voters": {"mouridis": 1},
                }
            ]
        }
    )
    log = [{"t": 1764090000123, "tool": "edit", "cells": [[0, 0]], "color": 1}]
    store.submit_attempt(small_task(), test_index=1, grid=[[5]], user=alice, action_log=log)
    conv = store.start_conversation(user=alice, task_id="t1", model="local")
    store.add_message(conv.id, user=alice, role="user", content="hi", cost_usd=0.01)
    store.create_session(alice.id)

    dump = store.export_all()
    text = json.dumps(dump)  # JSON-able as it is
    assert "argon2" not in text and "password" not in text and "token" not in text
    assert [u["name"] for u in dump["users"]] == ["alice", "mod"]
    (task,) = dump["tasks"]
    assert (
        task["content"]["test"][0]["output"] == [[1, 2], [3, 4]]
        and task["signatures"][0]["signer"] == "gkamradt"
    )
    votes = {t["public_id"]: t["votes"] for t in dump["traces"]}
    assert votes[trace.public_id] == [
        {**votes[trace.public_id][0], "voter": "mod", "account": True, "value": 1}
    ]
    assert votes["old"][0]["voter"] == "mouridis" and votes["old"][0]["account"] is False
    (attempt,) = dump["attempts"]
    assert attempt["account"] == "alice" and attempt["correct"] and attempt["action_log"] == log
    assert dump["conversations"][0]["messages"][0]["cost_usd"] == 0.01
    assert dump["schema_version"] >= 1 and dump["format"].startswith("arcforge-store-export")
