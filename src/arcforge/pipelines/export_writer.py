"""Writing exported rows as they come: chat JSON lines or Parquet row groups, to a temporary file that is
renamed into place when complete (a reader never sees half an export; a failed export leaves none)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from arcforge.errors import RunError

__all__ = ["ROW_GROUP", "RowWriter", "write_rows"]

ROW_GROUP = 1000  # Parquet rows per group: what is held before it is written
_TEXT_COLUMNS = (
    "run_id",
    "dataset",
    "dataset_hash",
    "template",
    "template_hash",
    "encoding",
    "key",
    "task_id",
)


class RowWriter:
    """``with RowWriter(target, format) as out: out.write(row)``; the file appears on a clean exit."""

    def __init__(self, target: Path, format: str) -> None:
        self.target = target
        self.format = format
        self.count = 0
        self._temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self._text: TextIO | None = None
        self._parquet: Any = None
        self._batch: list[dict[str, Any]] = []
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if format == "chat-jsonl":
                self._text = self._temporary.open("w", encoding="utf-8")
            else:
                import pyarrow.parquet as pq  # type: ignore[import-untyped]

                self._parquet = pq.ParquetWriter(self._temporary, _schema())
        except OSError as exc:
            raise RunError(f"cannot write {target}: {exc.strerror or exc}") from exc

    def write(self, row: Mapping[str, Any]) -> None:
        self.count += 1
        if self._text is not None:
            self._text.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        self._batch.append({"messages": row["messages"], **row["metadata"]})
        if len(self._batch) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pylist(self._batch, schema=_schema()))
            self._batch = []

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._text is not None:
                self._text.close()
            if self._parquet is not None:
                if exc_type is None:
                    self._flush()
                self._parquet.close()
            if exc_type is None:
                os.replace(self._temporary, self.target)
        except OSError as error:
            raise RunError(f"cannot write {self.target}: {error.strerror or error}") from error
        finally:
            self._temporary.unlink(missing_ok=True)


def write_rows(target: Path, rows: Iterable[Mapping[str, Any]], format: str) -> int:
    """Write ``rows`` (streamed) to ``target``; the number written."""
    with RowWriter(target, format) as out:
        for row in rows:
            out.write(row)
    return out.count


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
            *[(name, pa.string()) for name in _TEXT_COLUMNS],
            ("task_version", pa.int64()),
            ("sample_index", pa.int64()),
            ("model", pa.string()),
            ("transform", pa.string()),
            ("verified", pa.bool_()),
        ]
    )
