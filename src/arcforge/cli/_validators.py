"""The argparse ``type=`` validators the commands share: one definition each.

Each takes the option's text and returns the number, or raises :class:`argparse.ArgumentTypeError`,
which argparse reports as a usage error naming the option (exit status 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

__all__ = ["money", "non_negative_int", "positive_float", "positive_int", "temperature"]

_N = TypeVar("_N", int, float)


def _number(text: str, convert: Callable[[str], _N], error: str) -> _N:
    """``convert(text)``, or the usage error ``error`` when ``text`` is not such a number."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(error) from None


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = _number(text, int, f"not a whole number: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number of 0 or more."""
    value = _number(text, int, f"{text!r} is not a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative; give 0 or more")
    return value


def positive_float(text: str) -> float:
    """A number above 0."""
    return _above_zero(_number(text, float, f"not a number: {text!r}"), text)


def money(text: str) -> float:
    """An amount in USD above 0."""
    return _above_zero(_number(text, float, f"not an amount in USD: {text!r}"), text)


def temperature(text: str) -> float:
    """A sampling temperature, from 0 to 2."""
    value = _number(text, float, f"not a number: {text!r}")
    if not 0.0 <= value <= 2.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2, not {text}")
    return value


def _above_zero(value: float, text: str) -> float:
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value
