"""``arcforge models``: list the registry, check that a model answers, chat with one.

``list`` shows identifiers, providers, model names, prices and whether each key is set; ``check``
sends one small uncached request and reports latency, tokens, cost and retries (or the error);
``chat`` prints the reply to a prompt, streaming it with ``--stream``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from arcforge.cli._help import help_handler
from arcforge.cli._model_options import add_model_options, client_from_args, request_from_args
from arcforge.cli._terminal import printable

__all__ = ["register"]

CHECK_PROMPT = "Reply with the single word: ok"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("models", help="list models, check one answers, chat with one")
    commands = parser.add_subparsers(dest="models_command", metavar="SUBCOMMAND")
    parser.set_defaults(handler=help_handler(parser))

    listing = commands.add_parser("list", help="identifiers, providers, prices and whether each key is set")
    listing.add_argument("--json", action="store_true", help="print the result as JSON")
    listing.set_defaults(handler=run_list)

    check = commands.add_parser(
        "check", help="send one small request: latency, tokens, cost, retries or the error"
    )
    check.add_argument("model", metavar="MODEL", help="a registry id or PROVIDER:MODEL_NAME")
    add_model_options(check, model=False)
    check.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (ok, latency_s, retries, usage, cost, error)",
    )
    check.set_defaults(handler=run_check)

    chat = commands.add_parser("chat", help="print a model's reply to a prompt")
    chat.add_argument("model", metavar="MODEL", help="a registry id or PROVIDER:MODEL_NAME")
    chat.add_argument("prompt", metavar="PROMPT", help="the message ('-' reads it from stdin)")
    chat.add_argument("--system", metavar="TEXT", help="a system message")
    chat.add_argument("--stream", action="store_true", help="print the reply as it arrives")
    chat.add_argument("--show-reasoning", action="store_true", help="also print the reasoning text, if any")
    add_model_options(chat, model=False)
    chat.add_argument("--json", action="store_true", help="print the completion as JSON")
    chat.set_defaults(handler=run_chat)


def run_list(args: argparse.Namespace) -> int:
    from arcforge.models import load_registry
    from arcforge.settings import load_settings

    settings = load_settings()
    registry = load_registry()
    rows: list[dict[str, Any]] = []
    for entry in registry.entries():
        key_set = None if not entry.api_key_env else settings.secret(entry.api_key_env) is not None
        rows.append(
            {
                "id": entry.id,
                "provider": entry.provider,
                "model": entry.model,
                "input_price": entry.input_price,
                "output_price": entry.output_price,
                "key_env": entry.api_key_env or None,
                "key_set": key_set,
                "max_concurrency": entry.max_concurrency,
                "requests_per_minute": entry.requests_per_minute or None,
            }
        )
    if args.json:
        print(
            json.dumps(
                {"models": rows, "providers": sorted(registry.providers), "sources": list(registry.sources)}
            )
        )
        return 0
    header = ("ID", "PROVIDER", "MODEL", "USD/M IN", "USD/M OUT", "KEY")
    table: list[tuple[str, ...]] = [header]
    for row in rows:
        key = (
            "not needed"
            if row["key_env"] is None
            else f"{row['key_env']} {'set' if row['key_set'] else 'NOT SET'}"
        )
        table.append(
            (
                row["id"],
                row["provider"],
                row["model"],
                "unknown" if row["input_price"] is None else f"{row['input_price']:g}",
                "unknown" if row["output_price"] is None else f"{row['output_price']:g}",
                key,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
    print(f"\nAlso PROVIDER:MODEL_NAME with a provider of: {', '.join(sorted(registry.providers))}")
    print(f"Registry files: {', '.join(registry.sources)}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    import asyncio

    from arcforge.errors import UsageError
    from arcforge.models import ModelError

    args.no_cache = True
    if args.max_tokens is None:
        args.max_tokens = 16

    async def check() -> dict[str, Any]:
        async with client_from_args(args) as client:
            completion = await client.complete(
                request_from_args(args, [{"role": "user", "content": CHECK_PROMPT}])
            )
        return {
            "ok": True,
            "model": completion.model,
            "provider_model": completion.provider_model,
            "latency_s": round(completion.latency_s, 3),
            "retries": completion.retries,
            "usage": completion.usage.to_dict(),
            "cost": completion.cost_usd,
            "reply": completion.text,
            "error": None,
        }

    try:
        result = asyncio.run(check())
    except UsageError:
        raise
    except ModelError as exc:
        result = {
            "ok": False,
            "model": args.model,
            "latency_s": None,
            "retries": getattr(exc, "retries", 0),
            "usage": None,
            "cost": None,
            "error": str(exc),
        }
    if args.json:
        print(json.dumps(result))
    elif result["ok"]:
        usage = result["usage"]
        print(
            f"{args.model}: ok in {result['latency_s']:.2f} s, {result['retries']} retries, "
            f"{usage['prompt_tokens']} prompt + {usage['completion_tokens']} completion tokens"
            f" ({usage['reasoning_tokens']} reasoning), "
            f"{'cost unknown' if result['cost'] is None else format(result['cost'], '.6f').join(('$', ''))}; reply: {result['reply'].strip()[:80]!r}"
        )
    else:
        print(f"{args.model}: FAILED: {printable(result['error'])}", file=sys.stderr)
    return 0 if result["ok"] else 1


def run_chat(args: argparse.Namespace) -> int:
    import asyncio

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        from arcforge.errors import UsageError

        raise UsageError("the prompt is empty: give the text to send, or - to read it from standard input")
    messages: list[dict[str, Any]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})

    async def chat() -> dict[str, Any]:
        async with client_from_args(args) as client:
            request = request_from_args(args, messages)
            if not args.stream:
                return (await client.complete(request)).to_dict()
            completion = None
            in_reasoning = False
            async for event in client.stream(request):
                if event.kind == "reasoning" and args.show_reasoning and not args.json:
                    in_reasoning = True
                    print(printable(event.text), end="", file=sys.stderr, flush=True)
                elif event.kind == "text" and not args.json:
                    if in_reasoning:
                        print(file=sys.stderr)
                        in_reasoning = False
                    print(printable(event.text), end="", flush=True)
                elif event.kind == "done":
                    completion = event.completion
            assert completion is not None
            if not args.json:
                print()
            return completion.to_dict()

    result = asyncio.run(chat())
    if args.json:
        print(json.dumps(result))
    elif not args.stream:
        if args.show_reasoning and result.get("reasoning"):
            print(printable(result["reasoning"]), file=sys.stderr)
        print(printable(result["text"]))  # model text: no escape sequence reaches the terminal
    return 0
