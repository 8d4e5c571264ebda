"""Small validators shared by every face (API, spec, CLI); each raises ReglabError with one line."""

import math
import numbers

from .errors import ReglabError


def number(field: str, value, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """A finite real number in [low, high] (ends open where asked)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "-inf" if low is None else f"{low}"
        hi = "inf" if high is None else f"{high}"
        opening, closing = "(" if low_open or low is None else "[", ")" if high_open or high is None else "]"
        interval = f"{opening}{lo}, {hi}{closing}"
        raise ReglabError(field, value, f"a finite number in {interval}")
    return float(value)


def integer(field: str, value, *, low: int = 1, high: int | None = None) -> int:
    """An integer >= low (and <= high, where given; bools are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low or \
            high is not None and value > high:
        raise ReglabError(field, value, f"an integer >= {low}" if high is None else f"an integer in [{low}, {high:,}]")
    return int(value)


def choice(field: str, value, allowed) -> str:
    """One of a fixed set of names."""
    if value not in allowed:
        raise ReglabError(field, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value
