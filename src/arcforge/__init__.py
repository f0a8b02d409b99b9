"""arcforge: ARC-AGI research, from human data collection to verified synthetic data and exact benchmarks.

Importing arcforge touches no disk and no network; build what you need from :mod:`arcforge.settings`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("arcforge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
