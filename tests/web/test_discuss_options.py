"""The discussion page's options from settings, the models it offers, and what a model is told."""

from __future__ import annotations

import pytest

from arcforge.errors import UsageError
from arcforge.settings import load_settings
from arcforge.task.model import Task
from arcforge.web.discussion.context import build_messages, redact, secret_values
from arcforge.web.discussion.options import describe_models, discuss_options


def settings(**environ: str):
    return load_settings({"ARCFORGE_HOME": "/tmp/arcforge-options-test", **environ}, dotenv_path=None)


def test_defaults_and_bounds() -> None:
    options = discuss_options(settings())
    assert options.models == ("local",) and options.base_url is None and options.daily_spend_usd == 1.0
    assert options.max_tokens == 4096 and options.run_wall_s == 2.0 and options.sandbox_workers == 1
    tuned = discuss_options(
        settings(
            ARCFORGE_DISCUSS_MAX_TOKENS="512",
            ARCFORGE_DISCUSS_RUN_SECONDS="0.5",
            ARCFORGE_DISCUSS_BASE_URL="http://127.0.0.1:9/v1",
        )
    )
    assert (tuned.max_tokens, tuned.run_wall_s, tuned.base_url) == (512, 0.5, "http://127.0.0.1:9/v1")
    with pytest.raises(UsageError, match="ARCFORGE_DISCUSS_MAX_TOKENS='lots' is not a number"):
        discuss_options(settings(ARCFORGE_DISCUSS_MAX_TOKENS="lots"))
    with pytest.raises(UsageError, match="out of range"):
        discuss_options(settings(ARCFORGE_DISCUSS_RUN_SECONDS="0"))
    with pytest.raises(UsageError, match="must start with http"):
        discuss_options(settings(ARCFORGE_DISCUSS_BASE_URL="ftp://x"))


def test_a_model_without_its_key_is_offered_as_unavailable_and_the_key_never_shows() -> None:
    keyless = settings(ARCFORGE_DISCUSS_MODELS="GPT,openai:gpt-4o-mini,nonsense")
    found = {m.id: m for m in describe_models(discuss_options(keyless), keyless)}
    assert not found["GPT"].available and found["GPT"].reason == "the server has no API key for it"
    assert not found["nonsense"].available and "unknown model" in (found["nonsense"].reason or "")
    keyed = settings(ARCFORGE_DISCUSS_MODELS="GPT", OPENROUTER_API_KEY="sk-or-secret-value-123")
    (gpt,) = describe_models(discuss_options(keyed), keyed)
    assert gpt.available and "sk-or" not in str(gpt.to_dict())


def test_the_context_holds_no_test_output_and_each_message_once() -> None:
    task = Task.from_dict(
        {"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3, 1]], "output": [[9, 8, 7]]}]},
        task_id="t1",
    )

    class Stored:
        def __init__(self, role: str, content: str, usage: dict | None = None) -> None:
            self.role, self.content, self.usage = role, content, usage

    history = [
        Stored("user", "Q1"),
        Stored("assistant", "A1"),
        Stored("user", "Q2"),
        Stored("assistant", "broken", {"outcome": "error"}),
        Stored("assistant", "", {"cleared": True}),
    ]
    for encoding in ("json-rows", "digits", "spaced", "color-names"):
        messages = build_messages(task, history, encoding=encoding)
        system = messages[0]["content"]
        assert (
            "9,8,7" not in system
            and "987" not in system
            and "9 8 7" not in system
            and "maroon" not in system.split("The task:")[1]
        )
        assert [(m["role"], m["content"]) for m in messages[1:]] == [
            ("user", "Q1"),
            ("assistant", "A1"),
            ("user", "Q2"),
        ]
    secrets = secret_values(
        {"OPENAI_API_KEY": "sk-abcdefgh123", "ARCFORGE_HOME": "/home/x", "SHORT_KEY": "abc"}
    )
    assert secrets == ("sk-abcdefgh123",)
    assert redact("failed with sk-abcdefgh123", secrets) == "failed with [redacted]"
