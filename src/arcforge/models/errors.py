"""The model errors: each a :class:`~arcforge.errors.ModelError` whose message says what to do next.

::

    ModelError
    ├── UnknownModelError     no registry entry and not PROVIDER:MODEL (also a UsageError: exit 2)
    ├── MissingKeyError       the environment variable holding the API key is not set
    ├── ProviderError         the provider answered with an error (HTTP status, or an error in a 200 body)
    ├── ResponseFormatError   the answer was truncated, not JSON, or not the expected shape
    ├── ModelTimeoutError     connect/read/total timeout
    ├── ModelNetworkError     the connection failed or dropped
    └── LocalModelError       the bundled model could not be installed or started
"""

from __future__ import annotations

from arcforge.errors import ModelError, UsageError

__all__ = [
    "LocalModelError",
    "MissingKeyError",
    "ModelError",
    "ModelNetworkError",
    "ModelTimeoutError",
    "ProviderError",
    "ResponseFormatError",
    "UnknownModelError",
]


class UnknownModelError(ModelError, UsageError):
    """A model identifier that is neither in the registry nor ``PROVIDER:MODEL_NAME``."""


class MissingKeyError(ModelError):
    """The API key's environment variable is unset; ``variable`` names it."""

    def __init__(self, variable: str, model: str) -> None:
        self.variable = variable
        super().__init__(
            f"{variable} is not set: add {variable}=... to .env or the environment to use model {model}"
        )


class ProviderError(ModelError):
    """The provider refused or failed the request: ``status`` (HTTP or the code in a 200 body), its message."""

    def __init__(
        self, status: int, message: str, *, retry_after: float | None = None, in_body: bool = False
    ) -> None:
        self.status = status
        self.provider_message = message
        self.retry_after = retry_after
        self.in_body = in_body
        where = "error in a 200 response" if in_body else f"HTTP {status}"
        super().__init__(f"{where}: {message}")

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status == 408 or self.status >= 500


class ResponseFormatError(ModelError):
    """The answer was truncated, not JSON, or lacked the fields every answer has."""


class ModelTimeoutError(ModelError):
    """A connect, read or total timeout."""


class ModelNetworkError(ModelError):
    """The connection could not be made or was dropped."""


class LocalModelError(ModelError):
    """The bundled model could not be installed or started."""
