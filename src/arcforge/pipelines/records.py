"""The one record builder of generate and benchmark, and the sampling options both share.

:class:`SamplingOptions` is the base of :class:`~arcforge.pipelines.generate.GenerateOptions` and
:class:`~arcforge.pipelines.benchmark.BenchmarkOptions`: the model, its parameters, the prompt, and how
the cache and prices are used. :func:`complete_record` asks the model for one sample and returns its
:class:`~arcforge.engine.RunRecord` (:func:`build_record`): a reply (``ok``), a reply that could not be
parsed (``parse_failure``) or no reply (``error``, with the :class:`~arcforge.engine.ErrorKind` that
``--resume`` reads and the client's real retry count).

A reasoning record made with a template that asks for the test outputs (``reasoning-v2`` and later)
holds ``predictions``: one grid per test input, the labelled ``Test N output`` grids of the reply;
``arcforge verify`` checks them against the test outputs.
"""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from arcforge.engine import ErrorKind, RunRecord, Status, sample_key
from arcforge.errors import ModelError, UsageError
from arcforge.prompts import ParseError, PromptTemplate, parse_code, parse_direct, parse_reasoning
from arcforge.task.encoding import DEFAULT_ENCODING, get_encoding
from arcforge.task.model import Task

if TYPE_CHECKING:
    from arcforge.models import Completion, ModelClient
    from arcforge.settings import Settings

__all__ = [
    "RunClientOptions",
    "SamplingOptions",
    "asks_for_predictions",
    "build_record",
    "complete_record",
    "error_kind",
    "mark_parse_failure",
    "model_params",
    "run_client",
]

ATTEMPT_STRIDE = 1_000_000  # a retried sample's cache key: sample_index + stride * attempt

# ModelError.kind (the client's failure kinds) -> what --resume does with the record
_ERROR_KINDS: dict[str, ErrorKind] = {
    "rate_limit": ErrorKind.SERVER,
    "server": ErrorKind.SERVER,
    "malformed": ErrorKind.SERVER,
    "quota": ErrorKind.SERVER,
    "timeout": ErrorKind.TRANSPORT,
    "network": ErrorKind.TRANSPORT,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SamplingOptions:
    """What every model-sampling run asks: the model and its parameters, the prompt, cache and price."""

    model: str
    samples: int = 1
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    encoding: str | None = DEFAULT_ENCODING
    template: str | None = None  # a template name; default: the agent's latest
    base_url: str | None = None
    use_cache: bool = True
    reuse_cache: bool = False  # serve other runs' cached replies (marked "reused")
    price: tuple[float, float] | None = None  # USD per million input, output tokens

    def check(self) -> None:
        if self.samples < 1:
            raise UsageError(f"--samples must be at least 1 (got {self.samples})")
        get_encoding(self.encoding or DEFAULT_ENCODING)


class RunClientOptions(Protocol):
    """The options a run's model client is opened with (generate, benchmark and task-synthesis runs)."""

    @property
    def model(self) -> str: ...
    @property
    def base_url(self) -> str | None: ...
    @property
    def use_cache(self) -> bool: ...
    @property
    def reuse_cache(self) -> bool: ...
    @property
    def price(self) -> tuple[float, float] | None: ...


def run_client(
    options: RunClientOptions, *, settings: Settings, run_id: str
) -> AbstractAsyncContextManager[ModelClient]:
    """The run's model client: its cache serves this run's retries and resumes (``cache_scope``), other
    runs' replies only with ``--reuse-cache``, so a new run always asks for new samples."""
    from arcforge.models import open_client

    return open_client(
        options.model,
        settings=settings,
        base_url=options.base_url,
        use_cache=options.use_cache,
        price=options.price,
        cache_scope=run_id,
        reuse_cache=options.reuse_cache,
    )


def model_params(options: SamplingOptions) -> dict[str, Any]:
    """The parameters of the model calls, as a run's config records them."""
    return {
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
        "reasoning_effort": options.reasoning_effort,
    }


def asks_for_predictions(template: PromptTemplate) -> bool:
    """Whether a reasoning template asks for the test outputs (v2 on); code and direct never need it."""
    return template.agent == "reasoning" and template.version >= 2


def error_kind(exc: BaseException) -> ErrorKind:
    """The :class:`ErrorKind` of a failed request (transport and server errors are asked again)."""
    if isinstance(exc, ModelError):
        return _ERROR_KINDS.get(str(getattr(exc, "kind", "other")), ErrorKind.REQUEST)
    return ErrorKind.INTERNAL


async def complete_record(
    client: ModelClient,
    kind: str,
    task: Task,
    sample_index: int,
    *,
    messages: list[dict[str, Any]],
    options: SamplingOptions,
    template: PromptTemplate,
    attempt: int = 0,
) -> RunRecord:
    """Ask ``client`` for sample ``sample_index`` of ``task`` and return its :func:`build_record`; a
    :class:`ModelError` (after the client's retries) gives an ``error`` record with the time it took.

    ``attempt`` > 0 (the item is asked again on resume) makes the request's cache key new, so a retried
    parse failure gets a new reply rather than the cached one it could not parse."""
    from arcforge.models import ChatRequest

    request = ChatRequest(
        messages=messages,
        temperature=options.temperature,
        max_tokens=options.max_tokens,
        reasoning_effort=options.reasoning_effort,
        sample_index=sample_index + ATTEMPT_STRIDE * attempt,  # only the cache key sees it
    )
    started = time.monotonic()
    try:
        completion = await client.complete(request)
    except ModelError as exc:
        record = build_record(
            kind,
            task,
            sample_index,
            messages=messages,
            model=options.model,
            template=template,
            error=f"{type(exc).__name__}: {exc}",
            latency_s=time.monotonic() - started,
        )
        record["retries"] = int(getattr(exc, "retries", 0) or 0)
        record["error_kind"] = error_kind(exc).value
        return record
    return build_record(
        kind,
        task,
        sample_index,
        messages=messages,
        model=options.model,
        template=template,
        completion=completion,
    )


def build_record(
    kind: str,
    task: Task,
    sample_index: int,
    *,
    messages: list[dict[str, Any]],
    model: str,
    template: PromptTemplate,
    completion: Completion | None = None,
    error: str | None = None,
    latency_s: float | None = None,
) -> RunRecord:
    """One record of ``records.jsonl`` for a reply (``completion``) or a failed request (``error``)."""
    record: RunRecord = {
        "key": sample_key(task.id, task.version, sample_index),
        "kind": kind,
        "task_id": task.id,
        "task_version": task.version,
        "sample_index": sample_index,
        "model": model,
        "status": Status.ERROR.value,
        "task_data": task.to_dict(),
        "prompt_messages": messages,
        "template": template.name,
        "completion": None,
        "thinking": None,
        "reasoning": None,
        "explanation": None,
        "python_code": None,
        "entry": None,
        "predictions": None,
        "attempts": None,
        "parse_error": None,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0},
        "cost_usd": 0.0,  # a request that got no reply is not billed
        "latency_s": round(latency_s, 3) if latency_s is not None else None,
        "retries": 0,
        "cached": None,
        "provider_model": None,
        "finish_reason": None,
        "error": error,
        "error_kind": ErrorKind.INTERNAL.value if completion is None else None,
    }
    if completion is None:
        return record
    usage = completion.usage
    record["completion"] = completion.text
    record["thinking"] = completion.reasoning
    record["usage"] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
    }
    record["cost_usd"] = completion.cost_usd
    record["latency_s"] = round(completion.latency_s, 3)
    record["retries"] = completion.retries
    record["cached"] = (completion.cache_source or "reused") if completion.cached else None
    record["provider_model"] = completion.provider_model
    record["endpoint"] = completion.endpoint
    record["finish_reason"] = completion.finish_reason
    record["status"] = Status.OK.value
    try:
        if kind == "code":
            answer = parse_code(completion.text)
            record["explanation"] = answer.explanation
            record["python_code"] = answer.code
            record["entry"] = answer.entry
        else:
            record["explanation"] = parse_reasoning(completion.text)
            if kind == "reasoning" and asks_for_predictions(template):
                grids = parse_direct(completion.text, len(task.test)).grids
                record["predictions"] = [grid.to_list() if grid is not None else None for grid in grids]
    except ParseError as exc:
        mark_parse_failure(record, exc)
    record["reasoning"] = record.get("explanation")  # the original system's name for the trace
    return record


def mark_parse_failure(record: RunRecord, exc: ParseError) -> RunRecord:
    """``record`` (changed in place) as a ``parse_failure``, with the parser's kind and message."""
    record["status"] = Status.PARSE_FAILURE.value
    record["parse_error"] = {"kind": exc.kind, "message": str(exc)}
    record["error"] = f"parse failure ({exc.kind}): {exc}"
    return record
