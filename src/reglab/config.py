"""A model's whole recipe as a frozen, validated value. Every face (API, TOML spec, CLI) builds one of these,
so every scalar a user can set is checked here and only here.

Defaults are Keras's: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7), batch_size=32,
epochs=1, Glorot-uniform kernels, zero biases. The hidden layers default to the lecture's 128 -> 128.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

from . import checks, regularizers
from .errors import ReglabError
from .regularizers import Regularizer

ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
MONITORS = ("val_data_loss", "val_loss", "val_accuracy", "data_loss", "loss", "accuracy")
OPTIMIZERS = ("adam", "sgd")


@dataclass(frozen=True)
class EarlyStopping:
    """Keras's ``EarlyStopping`` inside the compiled run. After each epoch from ``start_from_epoch`` on, the
    monitored figure improves when it beats the best by more than ``min_delta`` (lower for losses, higher for
    accuracies); training stops once ``patience`` epochs have passed without improvement (epoch > 0); with
    ``restore_best_weights`` the best epoch's weights are kept at the end. Default monitor: the validation data
    loss (Keras's default ``val_loss`` includes the penalty, which would reward shrinking weights)."""

    monitor: str = "val_data_loss"
    patience: int = 0
    min_delta: float = 0.0
    restore_best_weights: bool = False
    start_from_epoch: int = 0

    def __post_init__(self):
        checks.choice("early_stopping.monitor", self.monitor, MONITORS)
        object.__setattr__(self, "patience", checks.integer("early_stopping.patience", self.patience, low=0))
        object.__setattr__(self, "min_delta", checks.number("early_stopping.min_delta", self.min_delta, low=0.0))
        if not isinstance(self.restore_best_weights, bool):
            raise ReglabError("early_stopping.restore_best_weights", self.restore_best_weights, "true or false")
        object.__setattr__(self, "start_from_epoch",
                           checks.integer("early_stopping.start_from_epoch", self.start_from_epoch, low=0))

    @property
    def maximize(self) -> bool:
        return self.monitor.endswith("accuracy")


@dataclass(frozen=True)
class ModelConfig:
    """An MLP and how to train it.

    ``kernel_regularizer`` / ``bias_regularizer``: one regularizer applies to every *hidden* Dense layer (as in the
    lecture, where the output layer carries none); a list gives one per Dense layer, output layer last.
    ``dropout``: one rate after every hidden layer, or a list with one rate per hidden layer (inverted dropout,
    training only). ``momentum`` is used by ``optimizer='sgd'`` only; the betas and epsilon by Adam only.
    ``weight_decay``: decoupled decay as Keras's optimizers apply it, ``w <- w - learning_rate * weight_decay * w``
    on every weight before each step (AdamW with ``optimizer='adam'``), apart from any penalty in the loss.
    ``max_norm``: Keras's ``MaxNorm`` kernel constraint, each unit's incoming weights scaled to norm <= c after
    each step; one value for the hidden layers or a list per Dense layer (null for none).
    ``early_stopping``: an EarlyStopping, or a dict of its fields.
    ``activity_regularizer``: Keras's, on a hidden layer's outputs (after its activation, before dropout): an l1
    and/or l2 factor times the sum over the batch of |h| or h², divided by the batch size; one for every hidden
    layer or a list with one per hidden layer. Its value counts in ``penalty`` (on validation data in
    ``val_penalty``).
    """

    hidden: tuple[int, ...] = (128, 128)
    activation: str = "relu"
    kernel_regularizer: Regularizer | tuple | None = None
    bias_regularizer: Regularizer | tuple | None = None
    activity_regularizer: Regularizer | tuple | None = None
    dropout: float | tuple = 0.0
    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.0
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    weight_decay: float = 0.0
    max_norm: float | tuple | None = None
    early_stopping: EarlyStopping | dict | None = None
    epochs: int = 1
    batch_size: int = 32
    seed: int = 0

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen dataclass)
        hidden = self.hidden if isinstance(self.hidden, (list, tuple)) else (self.hidden,)
        put("hidden", tuple(checks.integer(f"hidden[{i}]", h) for i, h in enumerate(hidden)))
        checks.choice("activation", self.activation, ACTIVATIONS)
        for name in ("kernel_regularizer", "bias_regularizer"):
            put(name, self._per_layer_regularizer(name, getattr(self, name)))
        put("activity_regularizer", self._activity(self.activity_regularizer))
        put("dropout", self._dropout(self.dropout))
        checks.choice("optimizer", self.optimizer, OPTIMIZERS)
        put("learning_rate", checks.number("learning_rate", self.learning_rate, low=0.0, low_open=True))
        put("momentum", checks.number("momentum", self.momentum, low=0.0, high=1.0, high_open=True))
        put("beta_1", checks.number("beta_1", self.beta_1, low=0.0, high=1.0, high_open=True))
        put("beta_2", checks.number("beta_2", self.beta_2, low=0.0, high=1.0, high_open=True))
        put("epsilon", checks.number("epsilon", self.epsilon, low=0.0))
        put("weight_decay", checks.number("weight_decay", self.weight_decay, low=0.0))
        put("max_norm", self._max_norm(self.max_norm))
        put("early_stopping", self._early_stopping(self.early_stopping))
        put("epochs", checks.integer("epochs", self.epochs))
        put("batch_size", checks.integer("batch_size", self.batch_size))
        put("seed", checks.integer("seed", self.seed, low=0))
        if self.seed >= 2**32:
            raise ReglabError("seed", self.seed, "an integer in [0, 2**32)")

    def _per_layer_regularizer(self, name, value):
        if isinstance(value, (list, tuple)):
            n_dense = len(self.hidden) + 1
            if len(value) != n_dense:
                raise ReglabError(name, value, f"one regularizer, or a list of {n_dense} (one per Dense layer)")
            return tuple(regularizers.get(v, f"{name}[{i}]") for i, v in enumerate(value))
        return regularizers.get(value, name)

    def _activity(self, value):
        listed = isinstance(value, (list, tuple))
        if listed and len(value) != len(self.hidden):
            raise ReglabError("activity_regularizer", value, f"one regularizer, or a list of {len(self.hidden)} "
                              "(one per hidden layer)")
        name = "activity_regularizer{}".format
        regs = [regularizers.get(v, name(f"[{i}]" if listed else "")) for i, v in enumerate(value if listed else [value])]
        if any(r is not None and (r.proximal or r.group) for r in regs):
            raise ReglabError("activity_regularizer", value, "l1, l2 or l1_l2 with the subgradient method, as Keras's")
        return tuple(regs) if listed else regs[0]

    def _dropout(self, value):
        if isinstance(value, (list, tuple)):
            if len(value) != len(self.hidden):
                raise ReglabError("dropout", value, f"one rate, or a list of {len(self.hidden)} (one per hidden layer)")
            return tuple(checks.number(f"dropout[{i}]", r, low=0.0, high=1.0, high_open=True) for i, r in enumerate(value))
        return checks.number("dropout", value, low=0.0, high=1.0, high_open=True)

    def _max_norm(self, value):
        if isinstance(value, (list, tuple)):
            n_dense = len(self.hidden) + 1
            if len(value) != n_dense:
                raise ReglabError("max_norm", value, f"one limit, or a list of {n_dense} (one per Dense layer)")
            return tuple(None if v is None else checks.number(f"max_norm[{i}]", v, low=0.0, low_open=True)
                         for i, v in enumerate(value))
        return None if value is None else checks.number("max_norm", value, low=0.0, low_open=True)

    def _early_stopping(self, value):
        if value is None or isinstance(value, EarlyStopping):
            return value
        if isinstance(value, dict):
            fields_ = {f.name for f in fields(EarlyStopping)}
            for key in value:
                if key not in fields_:
                    raise ReglabError(f"early_stopping.{key}", value[key], "a known key: " + ", ".join(sorted(fields_)))
            return EarlyStopping(**value)
        raise ReglabError("early_stopping", value, "null, or a table of monitor, patience, min_delta, "
                          "restore_best_weights, start_from_epoch")

    def max_norms(self) -> tuple:
        """One limit (or None) per Dense layer."""
        return self._expand(self.max_norm)

    # Per-layer views the engine reads: one entry per Dense layer (hidden layers, then the output layer).
    def kernel_regularizers(self) -> tuple[Regularizer | None, ...]:
        return self._expand(self.kernel_regularizer)

    def bias_regularizers(self) -> tuple[Regularizer | None, ...]:
        return self._expand(self.bias_regularizer)

    def activity_regularizers(self) -> tuple[Regularizer | None, ...]:
        """One per hidden layer."""
        a = self.activity_regularizer
        return a if isinstance(a, tuple) else (a,) * len(self.hidden)

    def dropout_rates(self) -> tuple[float, ...]:
        """One rate per hidden layer."""
        return self.dropout if isinstance(self.dropout, tuple) else (self.dropout,) * len(self.hidden)

    def _expand(self, value):
        return value if isinstance(value, tuple) else (value,) * len(self.hidden) + (None,)

    def replace(self, **changes) -> "ModelConfig":
        return ModelConfig(**{**self.to_dict(), **changes})

    def to_dict(self) -> dict:
        """Plain JSON-ready data; ``ModelConfig(**d)`` rebuilds the same config."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["hidden"] = list(self.hidden)
        for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            value = out[name]
            if isinstance(value, tuple):
                out[name] = [None if r is None else r.to_dict() for r in value]
            elif value is not None:
                out[name] = value.to_dict()
        for name in ("dropout", "max_norm"):
            if isinstance(out[name], tuple):
                out[name] = list(out[name])
        if self.early_stopping is not None:
            out["early_stopping"] = {f.name: getattr(self.early_stopping, f.name) for f in fields(EarlyStopping)}
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


def config_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ModelConfig))


__all__ = ["ModelConfig", "EarlyStopping", "MONITORS", "ACTIVATIONS", "OPTIMIZERS", "config_fields"]
