"""Weight penalties with Keras's names, formulas and defaults.

Convention (Keras, no 1/2): ``l1(x)`` adds ``x * sum(|w|)``, ``l2(x)`` adds ``x * sum(w**2)`` to the per-batch
mean data loss. The lecture's ``lambda/2 * sum(w**2)`` is therefore ``l2(lambda / 2)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import checks
from .errors import ReglabError


@dataclass(frozen=True)
class Regularizer:
    """``l1 * sum(|w|) + l2 * sum(w**2)`` on one weight array. Both factors are finite and >= 0."""

    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "l1", checks.number("l1", self.l1, low=0.0))
        object.__setattr__(self, "l2", checks.number("l2", self.l2, low=0.0))

    def __str__(self) -> str:
        if self.l1 and self.l2:
            return f"l1_l2(l1={self.l1:g}, l2={self.l2:g})"
        if self.l2:
            return f"l2({self.l2:g})"
        return f"l1({self.l1:g})"

    def to_dict(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


def l1(l1: float = 0.01) -> Regularizer:
    """Keras ``l1``: ``l1 * sum(|w|)``; default 0.01."""
    return Regularizer(l1=l1)


def l2(l2: float = 0.01) -> Regularizer:
    """Keras ``l2``: ``l2 * sum(w**2)`` (no 1/2); default 0.01."""
    return Regularizer(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> Regularizer:
    """Keras ``l1_l2`` as the string ``'l1_l2'`` gives it: both factors default to 0.01."""
    return Regularizer(l1=l1, l2=l2)


_FACTORIES = {"l1": l1, "l2": l2, "l1_l2": l1_l2}
_CALL = re.compile(r"^\s*(\w+)\s*(?:\((.*)\))?\s*$")
_ALLOWED = "null, 'l1', 'l2', 'l1_l2', a call such as 'l1(0.001)' or 'l1_l2(l1=0.01, l2=0.001)', or {l1=..., l2=...}"


def get(value, field: str = "regularizer") -> Regularizer | None:
    """A Regularizer from what a user may write: None, a Regularizer, a name, a call string or a mapping."""
    if value is None or isinstance(value, Regularizer):
        return value
    if isinstance(value, dict):
        unknown = set(value) - {"l1", "l2"}
        if unknown:
            raise ReglabError(field, value, _ALLOWED)
        return _build(field, value, lambda: Regularizer(**value))
    if isinstance(value, str):
        match = _CALL.match(value)
        if not match or match.group(1) not in _FACTORIES:
            raise ReglabError(field, value, _ALLOWED)
        factory = _FACTORIES[match.group(1)]
        positional, named = _parse_args(field, value, match.group(2) or "")
        return _build(field, value, lambda: factory(*positional, **named))
    raise ReglabError(field, value, _ALLOWED)


def _build(field, value, make):
    try:
        return make()
    except ReglabError as err:  # name the user's field, not the inner one
        raise ReglabError(f"{field}.{err.field}", err.value, err.allowed) from None
    except TypeError:
        raise ReglabError(field, value, _ALLOWED) from None


def _parse_args(field, value, text):
    positional, named = [], {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, raw = part.rpartition("=")
        try:
            number = float(raw)
        except ValueError:
            raise ReglabError(field, value, _ALLOWED) from None
        if key:
            named[key.strip()] = number
        else:
            positional.append(number)
    return positional, named
