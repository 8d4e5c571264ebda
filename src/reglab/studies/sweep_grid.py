"""A sweep's grid: regularizer kinds x strengths x learning rates x seeds, and any further axes (a model setting, or
a data setting as ``data.<name>``: ``{"hidden": [[16, 16], [128, 128]], "data.n": [50, 100, 400]}``), expanded
into ModelConfigs and the data each trains on.

The kinds and what their strengths mean are ``reglab.vocabulary.kinds``'s: each kind takes its strengths from one of the
grid's lists, ``lambdas`` (penalty factors in Keras's scaling, weight decay), ``rates`` (dropout), ``norms``
(max-norm) or ``patiences`` (early stopping); ``l1_ratio`` splits an elastic net's lambda.
"""

import json
from dataclasses import dataclass, field

import numpy as np

from ..vocabulary import checks, kinds
from ..vocabulary.config import ModelConfig, config_fields
from ..vocabulary.errors import ReglabError
from ..vocabulary.kinds import AXES

OWN = ("seed", "learning_rate")  # settings the grid's own axes always set (seeds, learning_rates)
DATA = "data."  # an axis over a data setting: data.n, data.noise, data.name, ... (reglab.data.load's arguments)


@dataclass(frozen=True)
class Point:
    """One model of a sweep: its place in the grid; ``axes`` maps each further axis to this model's value."""

    index: int
    regularizer: str
    strength: float  # on the kind's scale: lambda, rate, norm or patience (reglab.vocabulary.kinds)
    learning_rate: float
    seed: int
    axes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The point as ``sweep.json`` and ``models.json`` keep it (``axes`` only where the grid has some)."""
        out = dict(self.__dict__)
        if not self.axes:
            del out["axes"]
        return out

    @property
    def data(self) -> dict:
        """The data settings this model's data set is made with (``data.n`` -> ``{"n": ...}``)."""
        return {k.removeprefix(DATA): v for k, v in self.axes.items() if k.startswith(DATA)}


@dataclass(frozen=True)
class Grid:
    """The validated grid. ``lambdas``: a list, or ``{start, stop, num}`` for log-spaced values (both ends kept);
    ``rates``, ``norms``, ``patiences`` likewise; each defaults to its scale's values in
    ``reglab.vocabulary.kinds.AXES``."""

    regularizers: tuple = ("l1", "l2")
    lambdas: tuple = AXES["lambdas"].default
    rates: tuple = AXES["rates"].default
    norms: tuple = AXES["norms"].default
    patiences: tuple = AXES["patiences"].default
    seeds: tuple = (0, 1, 2, 3)
    learning_rates: tuple = ()  # empty: the base config's learning rate
    l1_ratio: float = 0.5
    axes: tuple = ()  # ((name, (value, ...)), ...): further axes, outermost first

    @classmethod
    def build(cls, regularizers=("l1", "l2"), lambdas=None, rates=None, seeds=4, learning_rates=None, l1_ratio=0.5,
              axes=None, norms=None, patiences=None):
        """Check and normalize what a user wrote (API, TOML ``[sweep]`` table or CLI flags: ``"l1,l2"``, a list of
        strengths as ``"START:STOP:NUM"`` or ``"0.001,0.01"``; ``axes`` as a mapping of a setting to its
        values). A kind's alias (``l1_l2``, ``elasticnet``) becomes its name."""
        regs = tuple(r.strip() for r in regularizers.split(",")) if isinstance(regularizers, str) else \
            tuple(regularizers or ())
        if not regs:
            raise ReglabError("sweep.regularizers", list(regs), "a non-empty list of " + ", ".join(kinds.names()))
        regs = tuple(dict.fromkeys(kinds.get(kind, f"sweep.regularizers[{i}]").name for i, kind in enumerate(regs)))
        bounds = {"lambdas": {}, "rates": {"high": 1.0, "high_open": True}, "norms": {"low_open": True},
                  "patiences": {}}
        lists = {}
        for name, value in {"lambdas": lambdas, "rates": rates, "norms": norms, "patiences": patiences}.items():
            values = AXES[name].default if value is None else _log_range(f"sweep.{name}", value, **bounds[name])
            for i, v in enumerate(values if AXES[name].whole else ()):
                if not v.is_integer():
                    raise ReglabError(f"sweep.{name}[{i}]", v, "a whole number of epochs")
            lists[name] = values
        if isinstance(seeds, int) and not isinstance(seeds, bool):
            seeds = tuple(range(checks.integer("sweep.seeds", seeds)))
        seed_list = tuple(checks.integer(f"sweep.seeds[{i}]", s, low=0)
                          for i, s in enumerate(_listed("sweep.seeds", seeds)))
        lrs = () if learning_rates is None else _values("sweep.learning_rates", learning_rates, low=0.0, low_open=True)
        ratio = checks.number("sweep.l1_ratio", l1_ratio, low=0.0, high=1.0)
        return cls(regs, lists["lambdas"], lists["rates"], lists["norms"], lists["patiences"], seed_list, lrs, ratio,
                   _axes(axes, regs))

    @property
    def names(self) -> tuple[str, ...]:
        """The further axes' names, outermost first."""
        return tuple(name for name, _ in self.axes)

    @staticmethod
    def check_split(split):
        """A λ path chooses its best λ by validation data loss: refuse a split without validation data."""
        if not len(split.y_val):
            raise ReglabError("validation_split", split.validation_split, "a fraction > 0 for a λ path (it chooses "
                              "the best λ by validation data loss)")

    def points(self, base: ModelConfig) -> list[tuple[Point, ModelConfig]]:
        """Every model of the grid, in a fixed order (further axes, regularizer, strength, learning rate, seed)."""
        out = []
        for values in _product([values for _, values in self.axes]):
            at = dict(zip(self.names, values))
            settings = {k: v for k, v in at.items() if not k.startswith(DATA)}
            try:
                model = base.replace(**settings)
            except ReglabError as err:
                raise ReglabError(f"sweep.axes.{err.field}", err.value, err.allowed) from None
            for kind in self.regularizers:
                for strength in self.strengths(kind):
                    for lr in self.learning_rates or (base.learning_rate,):
                        for seed in self.seeds:
                            config = model.replace(learning_rate=lr, seed=seed,
                                                   **kinds.settings(kind, strength, self.l1_ratio))
                            out.append((Point(len(out), kind, float(strength), float(lr), int(seed), at), config))
        return out

    def data_variants(self) -> list[dict]:
        """Each distinct combination of the data axes' values (``[{}]`` without data axes), as data settings."""
        data = [(name.removeprefix(DATA), values) for name, values in self.axes if name.startswith(DATA)]
        return [dict(zip([k for k, _ in data], values)) for values in _product([v for _, v in data])]

    def strengths(self, kind: str) -> tuple:
        """The strengths ``kind`` takes in this grid: its scale's list (one 0 for ``none``)."""
        axis = kinds.get(kind).axis
        return getattr(self, axis) if axis else (0.0,)

    def to_dict(self) -> dict:
        out = {"regularizers": list(self.regularizers), "lambdas": list(self.lambdas), "rates": list(self.rates),
               "seeds": list(self.seeds), "learning_rates": list(self.learning_rates), "l1_ratio": self.l1_ratio}
        used = {kinds.get(kind).axis for kind in self.regularizers}  # new lists only where used: older sweeps resume
        out.update({name: list(getattr(self, name)) for name in ("norms", "patiences") if name in used})
        if self.axes:
            out["axes"] = {name: list(values) for name, values in self.axes}
        return out


def point_name(point, learning_rates) -> str:
    """A model's name in a sweep: ``l1(0.001) seed 2``, with its learning rate where the grid has several and its
    place on the further axes (``hidden [16, 16], data.n 50``)."""
    lr = f", lr {point.learning_rate:g}" if len(learning_rates) > 1 else ""
    axes = "".join(f", {name} {json.dumps(value)}" for name, value in point.axes.items())
    return f"{point.regularizer}({point.strength:.3g}){lr}{axes} seed {point.seed}"


def _product(lists):
    """Every combination of one value from each list, the first list outermost (``[()]`` for no lists)."""
    combos = [()]
    for values in lists:
        combos = [c + (v,) for c in combos for v in values]
    return combos


def _axes(axes, regularizers) -> tuple:
    """Checked further axes: a mapping (TOML's ``data.n = [...]`` arrives as ``{"data": {"n": [...]}}``) of a model
    setting the grid does not set itself (seeds, learning rates, and what its ``regularizers`` set: a dropout
    rate can be an axis of an l2 path), or a data setting, to a non-empty list of distinct values."""
    if axes is None:
        return ()
    if not isinstance(axes, dict):
        raise ReglabError("sweep.axes", axes, "a table of setting -> list of values, e.g. {hidden = [[16], [64]]}")
    flat = {}
    for name, values in axes.items():
        if name == "data" and isinstance(values, dict):
            flat.update({f"{DATA}{k}": v for k, v in values.items()})
        else:
            flat[name] = values
    own = OWN + tuple(kinds.get(kind).sets for kind in regularizers if kinds.get(kind).sets)
    out = []
    for name, values in flat.items():
        where = f"sweep.axes.{name}"
        if name in own:
            raise ReglabError(where, values, "a setting this grid does not set itself (its seeds, learning rates and "
                              "regularizer kinds set " + ", ".join(dict.fromkeys(own)) + ")")
        if not (name.startswith(DATA) and len(name) > len(DATA)) and name not in config_fields():
            raise ReglabError(where, values, "a model setting (" + ", ".join(f for f in config_fields() if f not in
                                                                            own) + ") or data.<setting>")
        values = tuple(_listed(where, values))
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise ReglabError(where, list(values), "distinct values")
        out.append((name, tuple(_plain(v) for v in values)))
    return tuple(out)


def _plain(value):
    """A value as JSON keeps it (tuples as lists), so a grid compares equal after a round trip through a file."""
    return json.loads(json.dumps(value))


def _listed(field, value):
    if not isinstance(value, (list, tuple)) or not value:
        raise ReglabError(field, value, "a non-empty list")
    return value


def _values(field, value, **bounds):
    return tuple(checks.number(f"{field}[{i}]", v, **bounds) for i, v in enumerate(_listed(field, value)))


def _log_range(field, value, **bounds):
    """A list of strengths >= 0 (and within ``bounds``), or {start, stop, num}: num log-spaced values from start to
    stop (both > 0)."""
    if isinstance(value, str):
        value = _from_text(field, value)
    if isinstance(value, dict):
        unknown = set(value) - {"start", "stop", "num"}
        if unknown:
            raise ReglabError(f"{field}.{sorted(unknown)[0]}", value[sorted(unknown)[0]], "start, stop, num")
        start = checks.number(f"{field}.start", value.get("start"), low=0.0, low_open=True)
        stop = checks.number(f"{field}.stop", value.get("stop"), low=0.0, low_open=True)
        num = checks.integer(f"{field}.num", value.get("num"))
        if stop < start:
            raise ReglabError(f"{field}.stop", stop, f"a number >= start ({start:g})")
        value = [float(v) for v in np.geomspace(start, stop, num)]
    return _values(field, value, low=0.0, **bounds)


def _from_text(field, text):
    """The command line's ``START:STOP:NUM`` or comma-separated list of strengths."""
    parts = text.split(":")
    try:
        if len(parts) == 3:
            return {"start": float(parts[0]), "stop": float(parts[1]), "num": int(parts[2])}
        return [float(p) for p in text.split(",")]
    except ValueError:
        raise ReglabError(field, text, "START:STOP:NUM or a comma-separated list of numbers") from None
