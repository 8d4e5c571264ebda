"""Weight penalties with Keras's names, formulas and defaults, and sparse variants that make exact zeros.

Convention (Keras, no 1/2): ``l1(x)`` adds ``x * sum(|w|)``, ``l2(x)`` adds ``x * sum(w**2)`` to the per-batch
mean data loss. The lecture's ``lambda/2 * sum(w**2)`` is therefore ``l2(lambda / 2)``.

``method="subgradient"`` (Keras's way) puts the L1 term's subgradient ``x * sign(w)`` into the gradient: under Adam
the weights hover near zero and almost never reach it. ``method="proximal"`` takes the L1 term out of the gradient
and applies it through orthant-wise steps (engine/sparse.py) that set weights exactly to zero, and let them come
back when the data loss pulls hard enough. ``group_lasso(x)`` adds ``x * sum_g ||w_g||_2`` over groups of a
kernel (each unit's incoming weights, or each input's outgoing weights) and switches whole groups off with a
block soft-threshold; ``factors`` weigh each group's term (``x * sum_g f_g ||w_g||_2``, glmnet's
``penalty.factor``; the adaptive group lasso takes them from a first, unpenalized fit).
"""

import ast
from dataclasses import dataclass

from . import checks
from .errors import ReglabError

METHODS = ("subgradient", "proximal")
GROUPS = ("units", "inputs")


@dataclass(frozen=True)
class Regularizer:
    """``l1 * sum(|w|) + l2 * sum(w**2) + group * sum_g ||w_g||_2`` on one weight array; factors finite, >= 0.

    ``groups``: ``"units"`` = each output unit's incoming weights (a kernel column), ``"inputs"`` = each input's
    outgoing weights (a kernel row; on the first layer, a feature). ``factors``: one multiplier >= 0 per group
    (``group * f_g * ||w_g||_2``; None: 1 for every group), as many as the array it regularizes has groups.
    """

    l1: float = 0.0
    l2: float = 0.0
    method: str = "subgradient"
    group: float = 0.0
    groups: str = "units"
    factors: tuple | None = None

    def __post_init__(self):
        for name in ("l1", "l2", "group"):
            object.__setattr__(self, name, checks.number(name, getattr(self, name), low=0.0))
        checks.choice("method", self.method, METHODS)
        checks.choice("groups", self.groups, GROUPS)
        if self.factors is not None:
            if isinstance(self.factors, (str, bytes)) or not hasattr(self.factors, "__len__") or not self.group:
                raise ReglabError("factors", self.factors, "a list of numbers >= 0, one per group, with a group "
                                  "factor > 0")
            object.__setattr__(self, "factors", tuple(checks.number(f"factors[{i}]", f, low=0.0)
                                                      for i, f in enumerate(self.factors)))

    @property
    def proximal(self) -> bool:
        return self.method == "proximal"

    def __str__(self) -> str:
        parts = []
        if self.l1 and self.l2:
            parts.append(f"l1_l2(l1={self.l1:g}, l2={self.l2:g}{', proximal' if self.proximal else ''})")
        elif self.l2:
            parts.append(f"l2({self.l2:g})")
        elif self.l1:
            parts.append(f"l1({self.l1:g}{', proximal' if self.proximal else ''})")
        if self.group:
            weighed = "" if self.factors is None else f", factors of {len(self.factors)} groups"
            parts.append(f"group_lasso({self.group:g}, {self.groups}{weighed})")
        return " + ".join(parts) or "l1(0)"

    def to_dict(self) -> dict:
        """``{"l1", "l2"}`` and, where they differ from the defaults, ``method``, ``group``, ``groups``,
        ``factors``."""
        out = {"l1": self.l1, "l2": self.l2}
        if self.proximal:
            out["method"] = self.method
        if self.group:
            out.update(group=self.group, groups=self.groups)
        if self.factors is not None:
            out["factors"] = list(self.factors)
        return out


def l1(l1: float = 0.01, method: str = "subgradient") -> Regularizer:
    """Keras ``l1``: ``l1 * sum(|w|)``; default 0.01. ``method="proximal"`` for exact zeros."""
    return Regularizer(l1=l1, method=method)


def l2(l2: float = 0.01) -> Regularizer:
    """Keras ``l2``: ``l2 * sum(w**2)`` (no 1/2); default 0.01."""
    return Regularizer(l2=l2)


def l1_l2(l1: float = 0.01, l2: float = 0.01, method: str = "subgradient") -> Regularizer:
    """Keras ``l1_l2`` as the string ``'l1_l2'`` gives it: both factors default to 0.01 (elastic net)."""
    return Regularizer(l1=l1, l2=l2, method=method)


def group_lasso(group: float = 0.01, groups: str = "units", factors=None) -> Regularizer:
    """``group * sum_g f_g ||w_g||_2`` (``factors`` f_g, default 1) with a proximal step: whole units or inputs
    switch off."""
    return Regularizer(group=group, groups=groups, factors=factors)


_FACTORIES = {"l1": l1, "l2": l2, "l1_l2": l1_l2, "group_lasso": group_lasso}
_ALLOWED = ("'none', 'l1', 'l2', 'l1_l2', 'group_lasso', a call such as 'l1(0.001)', 'l1(0.001, method=proximal)', "
            "'l1_l2(l1=0.01, l2=0.001)' or 'group_lasso(0.01, groups=inputs)', or {l1=..., l2=..., method=...}")
_KEYS = {"l1", "l2", "method", "group", "groups", "factors"}


def get(value, field: str = "regularizer") -> Regularizer | None:
    """A Regularizer from what a user may write: None (or "none"), a Regularizer, a name, a call string or a
    mapping."""
    if value is None or isinstance(value, Regularizer):
        return value
    if isinstance(value, str) and value.strip().lower() in ("none", "null", ""):  # TOML has no null
        return None
    try:
        if isinstance(value, dict) and not set(value) - _KEYS:
            return Regularizer(**value)
        if isinstance(value, str):
            name, args, kwargs = _call(value)
            return _FACTORIES[name](*args, **kwargs)
    except ReglabError as err:  # name the user's field, not the inner one
        raise ReglabError(f"{field}.{err.field}", err.value, err.allowed) from None
    except (AttributeError, KeyError, SyntaxError, TypeError, ValueError):
        pass
    raise ReglabError(field, value, _ALLOWED)


def _call(text):
    """(name, positional, keyword) from ``name`` or ``name(args)``; an argument is a number, a string or a bare word
    (``l1(0.001, method=proximal)``)."""
    node = ast.parse(text.strip(), mode="eval").body
    if isinstance(node, ast.Name):
        return node.id, [], {}
    value = lambda a: a.id if isinstance(a, ast.Name) else ast.literal_eval(a)  # noqa: E731
    return node.func.id, [value(a) for a in node.args], {k.arg: value(k.value) for k in node.keywords}
