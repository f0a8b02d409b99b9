"""How the scripted server words one reply in the OpenAI, Ollama and Anthropic wire formats.

Plain answers are one JSON document; streams are lists of events (SSE ``data:`` lines for OpenAI and
Anthropic, newline-delimited JSON for Ollama), with the text and reasoning cut into a few pieces so
clients really assemble them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arcforge.testing.steps import Reply

__all__ = ["render_reply", "render_stream"]


def _pieces(text: str, size: int = 8) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _completion_tokens(reply: Reply) -> int:
    if reply.completion_tokens is not None:
        return reply.completion_tokens
    return max(1, len(reply.text.split())) + reply.reasoning_tokens


def _openai_usage(reply: Reply) -> dict[str, Any]:
    completion = _completion_tokens(reply)
    usage: dict[str, Any] = {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
        "completion_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
    }
    if reply.cost is not None:
        usage["cost"] = reply.cost
    return usage


def render_reply(dialect: str, reply: Reply) -> str:
    if dialect == "ollama":
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if reply.reasoning is not None:
            message["thinking"] = reply.reasoning
        return json.dumps(
            {
                "model": reply.model,
                "message": message,
                "done": True,
                "done_reason": reply.finish_reason,
                "prompt_eval_count": reply.prompt_tokens,
                "eval_count": _completion_tokens(reply),
            }
        )
    if dialect == "anthropic":
        content: list[dict[str, Any]] = []
        if reply.reasoning is not None:
            content.append({"type": "thinking", "thinking": reply.reasoning, "signature": "scripted"})
        content.append({"type": "text", "text": reply.text})
        return json.dumps(
            {
                "id": "msg_scripted",
                "type": "message",
                "role": "assistant",
                "model": reply.model,
                "content": content,
                "stop_reason": "end_turn" if reply.finish_reason == "stop" else reply.finish_reason,
                "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": _completion_tokens(reply)},
            }
        )
    message = {"role": "assistant", "content": reply.text}
    if reply.reasoning is not None:
        message[reply.reasoning_field] = reply.reasoning
    return json.dumps(
        {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": 0,
            "model": reply.model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
            "usage": _openai_usage(reply),
        }
    )


def _sse(data: dict[str, Any] | str, event: str | None = None) -> str:
    body = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {body}\n\n"


def render_stream(dialect: str, reply: Reply) -> list[str]:
    reasoning = _pieces(reply.reasoning or "")
    text = _pieces(reply.text)
    if dialect == "ollama":
        events = [
            {
                "model": reply.model,
                "message": {"role": "assistant", "content": "", "thinking": p},
                "done": False,
            }
            for p in reasoning
        ]
        events += [
            {"model": reply.model, "message": {"role": "assistant", "content": p}, "done": False}
            for p in text
        ]
        final = json.loads(render_reply("ollama", reply))
        final["message"] = {"role": "assistant", "content": ""}
        events.append(final)
        return [json.dumps(e) + "\n" for e in events]
    if dialect == "anthropic":
        out = [
            _sse(
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_scripted",
                        "model": reply.model,
                        "usage": {"input_tokens": reply.prompt_tokens, "output_tokens": 0},
                    },
                },
                "message_start",
            )
        ]
        index = 0
        for kind, parts in (("thinking", reasoning), ("text", text)):
            if not parts:
                continue
            out.append(
                _sse(
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": kind, kind: ""},
                    },
                    "content_block_start",
                )
            )
            for part in parts:
                delta = {"type": f"{kind}_delta", kind: part}
                out.append(
                    _sse(
                        {"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta"
                    )
                )
            out.append(_sse({"type": "content_block_stop", "index": index}, "content_block_stop"))
            index += 1
        out.append(
            _sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn"},
                    "usage": {"output_tokens": _completion_tokens(reply)},
                },
                "message_delta",
            )
        )
        out.append(_sse({"type": "message_stop"}, "message_stop"))
        return out

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "model": reply.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    out = [_sse(chunk({"role": "assistant", "content": ""}))]
    out += [_sse(chunk({reply.reasoning_field: p})) for p in reasoning]
    out += [_sse(chunk({"content": p})) for p in text]
    out.append(_sse(chunk({}, reply.finish_reason)))
    final = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "model": reply.model,
        "choices": [],
        "usage": _openai_usage(reply),
    }
    if reply.stream_usage:
        out.append(_sse(final))
    out.append(_sse("[DONE]"))
    return out
