"""The model registry: built-in ``models.toml`` plus the user's own, and ``PROVIDER:MODEL`` ad hoc ids.

Files are read in order and later ones override earlier ones field by field: the built-in file (package
data), ``~/.config/arcforge/models.toml``, then ``./models.toml``. A ``[providers.NAME]`` table says how
to reach an API and may carry defaults for its models; a ``[models.ID]`` table names one model. An id
not in the registry but of the form ``PROVIDER:MODEL_NAME`` (split at the first colon, so
``ollama:qwen2.5:7b`` works) becomes an entry on the fly. Nothing here reads keys: the entry only names
the environment variable, and :func:`api_key` looks it up in :class:`~arcforge.settings.Settings`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

from arcforge.errors import UsageError
from arcforge.models.errors import MissingKeyError, UnknownModelError
from arcforge.settings import Settings

__all__ = ["ModelEntry", "Registry", "api_key", "load_registry", "user_registry_paths"]

_EFFORTS = ("none", "minimal", "low", "medium", "high")


@dataclass(frozen=True)
class ModelEntry:
    """Everything needed to call one model; prices in USD per million tokens."""

    id: str
    provider: str
    model: str
    kind: str = "openai"
    base_url: str | None = None
    api_key_env: str = ""
    reasoning_style: str = "openai"
    bundled: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
    reasoning_effort: str | None = None
    input_price: float | None = None  # None: unknown (the bundled model is free)
    output_price: float | None = None
    max_concurrency: int = 16
    requests_per_minute: float = 0.0
    timeout_s: float = 900.0
    max_retries: int = 6
    context_size: int = 8192
    params: Mapping[str, Any] = field(default_factory=dict)
    base_url_overridden: bool = False
    base_urls: tuple[str, ...] = ()  # every replica when there are several (base_url is the first)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The base URLs requests are spread over (one, unless several replicas were given)."""
        if self.base_urls:
            return self.base_urls
        return (self.base_url,) if self.base_url else ()

    @property
    def identity(self) -> str:
        """What the cache key knows the model by: provider, model name and configured base URL.

        The bundled model's URL changes each run (a free port), so it is left out for ``bundled``.
        """
        where = "" if self.bundled else ",".join(sorted(self.endpoints))
        return f"{self.kind}:{self.provider}:{self.model}@{where}"

    @property
    def priced(self) -> bool:
        """Whether the cost of a reply is known without the provider's figure (a price, or bundled)."""
        return self.bundled or (self.input_price is not None and self.output_price is not None)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """The cost of a reply from the prices; None when the price is unknown."""
        if self.bundled and (self.input_price is None or self.output_price is None):
            return 0.0
        if self.input_price is None or self.output_price is None:
            return None
        return (prompt_tokens * self.input_price + completion_tokens * self.output_price) / 1_000_000


_ENTRY_FIELDS = {f.name for f in fields(ModelEntry)} - {"id", "base_url_overridden", "base_urls"}
_PROVIDER_ONLY = {"kind", "base_url", "api_key_env", "reasoning_style", "bundled"}


def user_registry_paths(*, cwd: Path | None = None, home: Path | None = None) -> list[Path]:
    """The user's registry files, lowest priority first (existing or not)."""
    home = home or Path.home()
    cwd = cwd or Path.cwd()
    return [home / ".config" / "arcforge" / "models.toml", cwd / "models.toml"]


def _read(path_name: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path_name}: not valid TOML ({exc}); fix the file") from exc


def _merge(into: dict[str, dict[str, Any]], tables: Any, where: str) -> None:
    if tables is None:
        return
    if not isinstance(tables, dict):
        raise UsageError(f"{where}: must be a table of tables")
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise UsageError(f"{where}.{name}: must be a table")
        unknown = set(table) - _ENTRY_FIELDS
        if unknown:
            raise UsageError(
                f"{where}.{name}: unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_ENTRY_FIELDS))}"
            )
        into.setdefault(name, {}).update(table)


@dataclass(frozen=True)
class Registry:
    providers: Mapping[str, Mapping[str, Any]]
    models: Mapping[str, Mapping[str, Any]]
    sources: tuple[str, ...] = ()

    def ids(self) -> list[str]:
        return list(self.models)

    def entries(self) -> list[ModelEntry]:
        return [self.resolve(model_id) for model_id in self.models]

    def _build(self, model_id: str, provider: str, values: Mapping[str, Any], where: str) -> ModelEntry:
        if provider not in self.providers:
            known = ", ".join(sorted(self.providers))
            raise UnknownModelError(f"{where}: unknown provider {provider!r}; known providers: {known}")
        merged: dict[str, Any] = dict(self.providers[provider])
        merged.update(values)
        merged.pop("provider", None)
        model_name = merged.pop("model", None)
        if not model_name:
            raise UsageError(f'{where}: needs a model name (model = "...")')
        effort = merged.get("reasoning_effort")
        if effort is not None and effort not in _EFFORTS:
            raise UsageError(f"{where}: reasoning_effort must be one of {', '.join(_EFFORTS)}")
        if "params" in merged and not isinstance(merged["params"], dict):
            raise UsageError(f"{where}: params must be a table")
        urls = merged.get("base_url")
        if isinstance(urls, list):
            if not urls or not all(isinstance(url, str) and url for url in urls):
                raise UsageError(f'{where}: base_url must be a URL or a list of URLs (["http://...", ...])')
            merged["base_url"] = urls[0].rstrip("/")
            merged["base_urls"] = tuple(url.rstrip("/") for url in urls) if len(urls) > 1 else ()
        try:
            return ModelEntry(id=model_id, provider=provider, model=str(model_name), **merged)
        except TypeError as exc:
            raise UsageError(f"{where}: {exc}") from exc

    def resolve(self, model: str, *, base_url: str | Sequence[str] | None = None) -> ModelEntry:
        """The entry for a registry id or ``PROVIDER:MODEL_NAME``; ``base_url`` (one URL, or several
        replicas) overrides the provider's."""
        if model in self.models:
            values = self.models[model]
            entry = self._build(
                model, str(values.get("provider", "")), values, f"models.toml [models.{model}]"
            )
        elif ":" in model:
            provider, _, name = model.partition(":")
            if provider not in self.providers:
                known = ", ".join(sorted(self.providers))
                raise UnknownModelError(
                    f"unknown provider {provider!r} in model {model!r}; known providers: {known}"
                )
            if not name:
                raise UnknownModelError(
                    f"model {model!r} lacks a model name after the colon ({provider}:MODEL_NAME)"
                )
            entry = self._build(model, provider, {"model": name}, f"model {model!r}")
        else:
            ids = ", ".join(self.models)
            raise UnknownModelError(
                f"unknown model {model!r}: use one of {ids} (see `arcforge models list`) or PROVIDER:MODEL_NAME"
            )
        urls = [base_url] if isinstance(base_url, str) else list(base_url or ())
        urls = [url.rstrip("/") for url in urls if url]
        if urls:
            several = tuple(dict.fromkeys(urls)) if len(set(urls)) > 1 else ()
            entry = replace(
                entry, base_url=urls[0], base_urls=several, base_url_overridden=True, bundled=False
            )
        elif entry.base_url is None and not entry.bundled:
            raise UsageError(f"model {model!r} has no base_url: set one in models.toml or pass --base-url")
        return entry


def load_registry(paths: Iterable[Path] | None = None, *, builtin: bool = True) -> Registry:
    """The built-in registry overlaid with ``paths`` (default: :func:`user_registry_paths`)."""
    providers: dict[str, dict[str, Any]] = {}
    models: dict[str, dict[str, Any]] = {}
    sources: list[str] = []
    documents: list[tuple[str, str]] = []
    if builtin:
        text = resources.files("arcforge.models").joinpath("models.toml").read_text(encoding="utf-8")
        documents.append(("built-in models.toml", text))
    for path in user_registry_paths() if paths is None else paths:
        if path.is_file():
            documents.append((str(path), path.read_text(encoding="utf-8")))
    for name, text in documents:
        data = _read(name, text)
        unknown = set(data) - {"providers", "models"}
        if unknown:
            raise UsageError(
                f"{name}: unknown table(s) {', '.join(sorted(unknown))}; use [providers.X] and [models.X]"
            )
        _merge(providers, data.get("providers"), f"{name}: providers")
        _merge(models, data.get("models"), f"{name}: models")
        sources.append(name)
    for model_id, values in models.items():
        if "provider" not in values:
            raise UsageError(f'models.toml [models.{model_id}]: needs provider = "..."')
        unknown = _PROVIDER_ONLY & set(values)
        if unknown:
            raise UsageError(
                f"models.toml [models.{model_id}]: {', '.join(sorted(unknown))} belong(s) in [providers.NAME]"
            )
    return Registry(providers=providers, models=models, sources=tuple(sources))


def api_key(entry: ModelEntry, settings: Settings) -> str | None:
    """The entry's key from ``settings`` (its ``.secret(name)``); raises when required and unset.

    A key is required when the entry names a variable, unless ``--base-url`` pointed it elsewhere (local
    servers such as vLLM need none; a key that is set is still sent).
    """
    if not entry.api_key_env:
        return None
    value: str | None = settings.secret(entry.api_key_env)
    if value is None and not entry.base_url_overridden:
        raise MissingKeyError(entry.api_key_env, entry.id)
    return value
