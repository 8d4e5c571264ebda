"""The regularizer kinds: the one place a kind is declared. Every face reads this table: the grid (``reglab sweep
--regularizers``, a spec's ``[sweep]``, ``reglab.sweep``), the page (``/api/controls``), the scikit-learn
estimators' ``penalty``, the report's claims.

A kind turns one strength, and the elastic net's ``l1_ratio``, into ModelConfig settings. Strengths use Keras's
scaling: ``l1(x)`` adds ``x * sum|w|``, ``l2(x)`` adds ``x * sum(w**2)`` (no 1/2); elastic net at strength s is
``l1 = l1_ratio * s, l2 = (1 - l1_ratio) * s`` (scikit-learn's ElasticNet convention) in every face. Penalties act
on the hidden kernels, as one ``kernel_regularizer`` does; activity penalties on the hidden layers' outputs.

Each kind's strength lies on one of four scales (``AXES``): a penalty factor lambda, a dropout rate, a max-norm
bound, early stopping's patience in epochs. A scale knows the grid's default values and the page's path of
strengths around a chosen one.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import ReglabError
from .regularizers import Regularizer


@dataclass(frozen=True)
class Axis:
    """A scale of strengths: ``name`` is the grid's list (``[sweep] lambdas = [...]``); ``default``: the grid's
    values when none are given; ``log``: whether a path around a strength steps by factors (else by ``step``
    within [``low``, ``high``], or by factors of sqrt 2 rounded for a whole number); ``whole``: whole numbers."""

    name: str
    default: tuple
    log: bool = True
    step: float = 0.0
    low: float = 0.0
    high: float = float("inf")
    whole: bool = False

    @property
    def word(self) -> str:
        """What one strength of this scale is called: λ, rate, norm, patience."""
        return "λ" if self.name == "lambdas" else self.name.removesuffix("s")

    @property
    def drawn_log(self) -> bool:
        """Whether a path over this scale is drawn on a log axis: penalty factors and norms, not rates (steps of a
        fixed size) or patiences (whole numbers)."""
        return self.log and not self.whole

    def around(self, strength: float, points: int) -> list[float]:
        """``points`` strengths centred on ``strength`` (fewer where they collide): log-spaced over a factor of
        10^1.5 either side; a rate in steps of ``step``; a whole number in steps of sqrt 2, rounded."""
        steps = np.arange(points) - points // 2
        if self.whole:
            return sorted({float(max(self.low, round(strength * 2 ** (k / 2)))) for k in steps})
        if not self.log:
            return sorted({round(float(r), 4) for r in np.clip(strength + self.step * steps, self.low, self.high)})
        return [float(f"{strength * 10 ** (k / 4):.4g}") for k in steps]


AXES = {axis.name: axis for axis in (
    Axis("lambdas", tuple(float(v) for v in np.geomspace(1e-5, 1e-1, 16))),
    Axis("rates", (0.1, 0.2, 0.3, 0.4, 0.5), log=False, step=0.05, high=0.9),
    Axis("norms", (0.5, 1.0, 2.0, 4.0)),
    Axis("patiences", (5.0, 10.0, 20.0, 50.0, 100.0), whole=True),
)}


@dataclass(frozen=True)
class Kind:
    """One regularizer kind. ``settings(strength, l1_ratio)``: the ModelConfig settings it makes; ``sets``: the
    ModelConfig field they go in; ``axis``: the name of its scale in AXES (None: no strength); ``default``: the
    page's strength when the kind is picked; ``penalty``: scikit-learn's ``penalty`` takes it (a penalty on the
    hidden kernels), and ``alpha_max`` names how a path finds its largest alpha (``"l1"``, ``"group_inputs"``,
    ``"group_units"``, ``"l2"``); ``ratio``: its settings read ``l1_ratio``; ``watches``: it needs validation data;
    ``aliases``: other names a user may write for it."""

    name: str
    label: str
    help: str
    sets: str
    axis: str | None
    default: float
    settings: Callable[[float, float], dict]
    penalty: bool = False
    alpha_max: str = ""
    ratio: bool = False
    watches: bool = False
    aliases: tuple = ()


def _kernel(**regularizer):
    return lambda s, ratio: {"kernel_regularizer": Regularizer(**{k: v(s, ratio) if callable(v) else v
                                                                    for k, v in regularizer.items()})}


_S = lambda s, ratio: s  # noqa: E731  (the strength itself)

KINDS = {kind.name: kind for kind in (
    Kind("none", "none", "no regularization", "", None, 0.0, lambda s, ratio: {}, penalty=True, alpha_max="l2"),
    Kind("l1", "L1", "l1(λ): λ·Σ|w| on the hidden kernels, its subgradient in the gradient (Keras's way)",
         "kernel_regularizer", "lambdas", 0.001, _kernel(l1=_S), penalty=True, alpha_max="l1"),
    Kind("l1_proximal", "L1, proximal", "l1(λ) through proximal steps, which set weights exactly to zero",
         "kernel_regularizer", "lambdas", 0.001, _kernel(l1=_S, method="proximal"), penalty=True, alpha_max="l1"),
    Kind("l2", "L2", "l2(λ): λ·Σw² on the hidden kernels (Keras's l2, no ½)", "kernel_regularizer", "lambdas",
         0.001, _kernel(l2=_S), penalty=True, alpha_max="l2"),
    Kind("elastic_net", "elastic net", "l1_l2(l1=r·λ, l2=(1−r)·λ) with r = l1_ratio (scikit-learn's ElasticNet)",
         "kernel_regularizer", "lambdas", 0.001, _kernel(l1=lambda s, r: r * s, l2=lambda s, r: (1 - r) * s),
         penalty=True, alpha_max="l1", ratio=True, aliases=("l1_l2", "elasticnet")),
    Kind("group_lasso_units", "group lasso, units", "λ·Σ‖w_g‖₂ over each hidden unit's incoming weights: "
         "whole units switch off", "kernel_regularizer", "lambdas", 0.001, _kernel(group=_S, groups="units"),
         penalty=True, alpha_max="group_units", aliases=("group_lasso",)),
    Kind("group_lasso_inputs", "group lasso, inputs", "λ·Σ‖w_g‖₂ over each input's outgoing weights: whole "
         "inputs (features, on the first layer) switch off", "kernel_regularizer", "lambdas", 0.001,
         _kernel(group=_S, groups="inputs"), penalty=True, alpha_max="group_inputs"),
    Kind("activity_l1", "activity L1", "l1(λ) on every hidden layer's outputs: λ·Σ|h| over the batch, divided "
         "by its size", "activity_regularizer", "lambdas", 0.001, lambda s, r: {
             "activity_regularizer": Regularizer(l1=s)}),
    Kind("activity_l2", "activity L2", "l2(λ) on every hidden layer's outputs: λ·Σh² over the batch, divided "
         "by its size", "activity_regularizer", "lambdas", 0.001, lambda s, r: {
             "activity_regularizer": Regularizer(l2=s)}),
    Kind("dropout", "dropout", "dropout at this rate after every hidden layer (training only)", "dropout", "rates",
         0.2, lambda s, r: {"dropout": s}),
    Kind("weight_decay", "weight decay", "decoupled decay w ← w − learning_rate·λ·w before each step (AdamW)",
         "weight_decay", "lambdas", 0.001, lambda s, r: {"weight_decay": s}),
    Kind("max_norm", "max-norm", "Keras's MaxNorm(c): each hidden unit's incoming weights scaled to norm ≤ c "
         "after each step", "max_norm", "norms", 3.0, lambda s, r: {"max_norm": s}),
    Kind("early_stopping", "early stopping", "stop after this many epochs (patience) without a better "
         "validation data loss", "early_stopping", "patiences", 20.0,
         lambda s, r: {"early_stopping": {"monitor": "val_data_loss", "patience": int(s)}}, watches=True),
)}
ALIASES = {alias: kind.name for kind in KINDS.values() for alias in kind.aliases}
PENALTIES = tuple(name for name, kind in KINDS.items() if kind.penalty)


def names(penalties_only: bool = False) -> tuple[str, ...]:
    """The kinds' names, in the table's order; ``penalties_only``: those scikit-learn's ``penalty`` takes."""
    return PENALTIES if penalties_only else tuple(KINDS)


def get(name, field: str = "regularizer", penalties_only: bool = False) -> Kind:
    """The kind called ``name`` (or one of its aliases); a ReglabError naming ``field`` otherwise."""
    allowed = names(penalties_only)
    kind = KINDS.get(ALIASES.get(name, name)) if isinstance(name, str) else None
    if kind is None or kind.name not in allowed:
        raise ReglabError(field, name, ", ".join(allowed))
    return kind


def settings(name: str, strength: float, l1_ratio: float = 0.5) -> dict:
    """The ModelConfig settings of kind ``name`` at ``strength`` (see the module's note for its scale)."""
    return get(name).settings(float(strength), float(l1_ratio))


def kind_of(config) -> str:
    """The kind of a ModelConfig's regularization, ``"none"`` without any, ``"other"`` where no one kind says it
    (two at once, different ones per layer, a penalty on the output layer or the biases)."""
    kernels = set(config.kernel_regularizers()[:-1]) - {None}
    activity = set(config.activity_regularizers()) - {None}
    used = [field for field, on in (("kernel_regularizer", kernels), ("activity_regularizer", activity),
                                    ("dropout", any(config.dropout_rates())), ("weight_decay", config.weight_decay),
                                    ("max_norm", config.max_norm is not None),
                                    ("early_stopping", config.early_stopping is not None)) if on]
    if config.kernel_regularizers()[-1] is not None or set(config.bias_regularizers()) - {None}:
        return "other"
    if len(used) > 1 or len(kernels) > 1 or len(activity) > 1:
        return "other"
    if not used:
        return "none"
    if kernels:
        (r,) = kernels
        return _kernel_kind(r)
    if activity:
        (r,) = activity
        return "activity_l1" if r.l1 and not r.l2 else "activity_l2" if r.l2 and not r.l1 else "other"
    return next(kind.name for kind in KINDS.values() if kind.sets == used[0])


def _kernel_kind(r) -> str:
    if r.group:
        return "other" if r.l1 or r.l2 else f"group_lasso_{r.groups}"
    if r.l1 and r.l2:
        return "other" if r.proximal else "elastic_net"
    if r.l1:
        return "l1_proximal" if r.proximal else "l1"
    return "l2" if r.l2 else "other"
