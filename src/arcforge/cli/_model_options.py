"""The model options every command that calls a model shares.

``add_model_options(parser)`` adds ``--model`` (alias ``--model_identifier``, the original system's
spelling), ``--base-url``, ``--no-cache``, ``--reuse-cache``, ``--price``, ``--temperature``,
``--max-tokens`` and ``--reasoning-effort``; ``client_from_args(args, settings)`` opens the client they describe (an async
context manager), ``request_from_args(args, messages)`` builds a request with the chosen parameters, and
``require_model(args)`` is the model named, or the usage error every command gives when there is none.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from arcforge.cli._validators import positive_int, temperature

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from arcforge.models import ChatRequest, ModelClient
    from arcforge.settings import Settings

__all__ = ["add_model_options", "client_from_args", "price", "request_from_args", "require_model"]

_EFFORTS = ("none", "minimal", "low", "medium", "high")


def add_model_options(
    parser: argparse.ArgumentParser,
    *,
    default: str | None = None,
    required: bool = False,
    model: bool = True,
    run: bool = False,
) -> None:
    """Add the model options to ``parser`` (``--model`` defaults to ``default``; ``model=False`` leaves
    ``--model`` out for commands that take the model as an argument; ``run=True`` adds ``--reuse-cache``
    for commands that make run directories)."""
    group = parser.add_argument_group("model")
    if model:
        group.add_argument(
            "--model",
            "--model_identifier",
            dest="model",
            default=default,
            required=required and default is None,
            metavar="ID",
            help="a registry id (see `arcforge models list`) or PROVIDER:MODEL_NAME"
            + (f" (default: {default})" if default else ""),
        )
    group.add_argument(
        "--base-url",
        "--base_url",
        dest="base_url",
        action="append",
        metavar="URL",
        help="send requests to this OpenAI-compatible (or the provider's) API root instead, e.g. "
        "http://127.0.0.1:8000/v1; repeat it for replicas of one model (requests go to the least busy)",
    )
    group.add_argument(
        "--no-cache", dest="no_cache", action="store_true", help="never answer from the response cache"
    )
    if run:
        group.add_argument(
            "--reuse-cache",
            dest="reuse_cache",
            action="store_true",
            help="a run may take other runs' cached replies for the same prompt (marked cached: reused); "
            "by default a new run asks the model for new samples",
        )
    group.add_argument(
        "--price",
        type=price,
        metavar="IN:OUT",
        help="the model's price in USD per million input and output tokens, e.g. 3:15 (overrides models.toml)",
    )
    group.add_argument("--temperature", type=temperature, metavar="T", help="sampling temperature (0-2)")
    group.add_argument(
        "--max-tokens",
        "--max_tokens",
        dest="max_tokens",
        type=positive_int,
        metavar="N",
        help="most tokens to generate",
    )
    group.add_argument(
        "--reasoning-effort",
        "--reasoning_effort",
        dest="reasoning_effort",
        choices=_EFFORTS,
        help="how hard a reasoning model thinks",
    )


def price(text: str) -> tuple[float, float]:
    """``IN:OUT``, USD per million input and output tokens (each 0 or more)."""
    parts = text.split(":")
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 2 or any(value < 0 or value != value for value in values):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not IN:OUT, two prices in USD per million input and output tokens (e.g. 3:15)"
        )
    return values[0], values[1]


def client_from_args(
    args: argparse.Namespace, settings: Settings | None = None
) -> AbstractAsyncContextManager[ModelClient]:
    """``open_client`` for the model the options name (``settings`` default: :func:`load_settings`)."""
    from arcforge.models import open_client
    from arcforge.settings import load_settings

    return open_client(
        require_model(args),
        settings=settings or load_settings(),
        base_url=getattr(args, "base_url", None),
        use_cache=not getattr(args, "no_cache", False),
        price=getattr(args, "price", None),
    )


def require_model(args: argparse.Namespace) -> str:
    """The model the options name; :class:`~arcforge.errors.UsageError` when none is given."""
    model: str | None = getattr(args, "model", None)
    if not model:
        from arcforge.errors import UsageError

        raise UsageError("no model given: pass --model ID (see `arcforge models list`)")
    return model


def request_from_args(
    args: argparse.Namespace, messages: list[dict[str, Any]], *, sample_index: int = 0
) -> ChatRequest:
    """A request with the options' temperature, max tokens and reasoning effort."""
    from arcforge.models import ChatRequest

    return ChatRequest(
        messages=messages,
        temperature=getattr(args, "temperature", None),
        max_tokens=getattr(args, "max_tokens", None),
        reasoning_effort=getattr(args, "reasoning_effort", None),
        sample_index=sample_index,
    )
