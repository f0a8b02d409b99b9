"""The shape of a run's records: the :class:`Status` and :class:`ErrorKind` enums, :class:`RunRecord`,
the one function that builds a sample key, and the rule that says which records are current.

A record is one JSON line of ``records.jsonl``. Producers (generate, benchmark, the engine itself) build
it as a :class:`RunRecord`; readers (verify, export, benchmark results, reports, traces merge) read the
same keys. ``status`` is one of :class:`Status` (a ``str`` enum, so it is written and compared as the
plain string); ``error_kind`` says whether an ``error`` record is worth asking again on ``--resume``.

Records are only ever appended. When ``--resume`` asks a sample again (its last record was a
transport or server error, or a parse failure with ``--retry-parse-failures``), the new record carries
``supersedes``: how many earlier records of its key it replaces. Those earlier records stay in the file
for the log and are *superseded*: :func:`current_records` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import Any, TypedDict, TypeVar

__all__ = [
    "RETRYABLE_ERROR_KINDS",
    "ErrorKind",
    "RunRecord",
    "Status",
    "Usage",
    "current_records",
    "is_retryable",
    "replaced_counts",
    "sample_key",
]


class Status(StrEnum):
    """How one sample went: a reply (``ok``), a reply that could not be read, or no reply."""

    OK = "ok"
    PARSE_FAILURE = "parse_failure"
    ERROR = "error"


class ErrorKind(StrEnum):
    """Why an ``error`` record has no reply; ``transport`` and ``server`` are asked again on resume."""

    TRANSPORT = "transport"  # network failure, timeout
    SERVER = "server"  # 5xx, 429, a malformed answer, after the client's retries
    REQUEST = "request"  # the provider refused the request (4xx): asking again gives the same answer
    INTERNAL = "internal"  # a bug in a worker or a record that could not be written


RecordT = TypeVar("RecordT", bound=Mapping[str, Any])

RETRYABLE_ERROR_KINDS = frozenset({ErrorKind.TRANSPORT, ErrorKind.SERVER})


class Usage(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int


class RunRecord(TypedDict, total=False):
    """One line of ``records.jsonl`` (see ``docs/data-formats.md`` for each field)."""

    key: str
    run_id: str
    created_at: str
    kind: str
    task_id: str
    task_version: int
    sample_index: int
    model: str
    status: str  # a Status value
    task_data: dict[str, Any]
    prompt_messages: list[dict[str, Any]]
    template: str
    completion: str | None
    thinking: str | None
    reasoning: str | None
    explanation: str | None
    python_code: str | None
    entry: str | None
    predictions: list[list[list[int]] | None] | None
    attempts: Any
    parse_error: dict[str, str] | None
    usage: Usage
    cost_usd: float | None  # None: unknown (no price and the server reported none)
    latency_s: float | None
    retries: int
    cached: str | None  # None (asked the model), "same-run" or "reused" (another run's reply)
    provider_model: str | None
    endpoint: str | None  # the base URL that answered, on a reply (several replicas: --base-url twice)
    finish_reason: str | None
    error: str | None
    error_kind: str | None  # an ErrorKind value, for status "error"
    supersedes: int  # on a record that replaces earlier records of its key on resume
    # benchmark code mode
    train_results: Any
    test_outputs: Any


def sample_key(task_id: str, version: int, sample_index: int) -> str:
    """The unique key of one sample: ``"{task_id}:v{version}:s{sample}"`` (the only place it is spelled)."""
    return f"{task_id}:v{version}:s{sample_index}"


def is_retryable(record: Mapping[str, Any], *, parse_failures: bool = False) -> bool:
    """Whether ``--resume`` asks this record's sample again: a transport or server error (and, with
    ``parse_failures``, a reply that could not be parsed)."""
    status = record.get("status")
    if status == Status.ERROR:
        return record.get("error_kind") in RETRYABLE_ERROR_KINDS
    return parse_failures and status == Status.PARSE_FAILURE


def replaced_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Keys that were asked again, each with how many earlier records it replaced (one pass)."""
    replaced: dict[str, int] = {}
    for record in records:
        count = record.get("supersedes")
        if count:
            key = str(record.get("key"))
            replaced[key] = max(replaced.get(key, 0), int(count))
    return replaced


def current_records(
    records: Iterable[RecordT], replaced: Mapping[str, int] | None = None
) -> Iterator[RecordT]:
    """``records`` without the superseded ones, in file order.

    ``replaced`` is :func:`replaced_counts` of the same records (a first pass over a file); without it
    ``records`` is read into memory first. Memory beyond that holds only the keys asked again.
    """
    if replaced is None:
        records = list(records)
        replaced = replaced_counts(records)
    if not replaced:
        yield from records
        return
    seen: dict[str, int] = {}
    for record in records:
        key = str(record.get("key"))
        if key in replaced:
            index = seen.get(key, 0)
            seen[key] = index + 1
            if index != replaced[key]:
                continue
        yield record
