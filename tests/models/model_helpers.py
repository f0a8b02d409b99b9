"""Constants and small helpers shared by the model tests."""

from __future__ import annotations

from arcforge.models import ClientOptions

KEY = "sk-test-7f3a9c1e5b2d4680abcdef"
FAST = ClientOptions(backoff_base_s=0.01, backoff_max_s=0.05)


def user(text: str = "hi") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]
