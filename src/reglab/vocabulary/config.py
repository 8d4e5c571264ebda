"""A model's whole recipe as a frozen, validated value. Every face (API, TOML spec, CLI) builds one of these,
so every scalar a user can set is checked here and only here.

Defaults are Keras's: Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7), batch_size=32,
epochs=1, Glorot-uniform kernels, zero biases. The hidden layers default to the lecture's 128 -> 128.
"""

from dataclasses import dataclass, fields

from . import checks, regularizers
from .errors import ReglabError
from .regularizers import Regularizer

ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "linear")
MONITORS = ("val_data_loss", "val_loss", "val_accuracy", "data_loss", "loss", "accuracy")
OPTIMIZERS = ("adam", "sgd")
MAX_EPOCHS = 100_000  # every face's one limit (a typo of 10**9 epochs would hold a machine for days)


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
    shuffle: bool = True  # Keras's fit(shuffle=...): reshuffle the training rows every epoch, or walk them in order

    def __post_init__(self):
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen dataclass)
        hidden = self.hidden if isinstance(self.hidden, (list, tuple)) else (self.hidden,)
        put("hidden", tuple(checks.integer(f"hidden[{i}]", h) for i, h in enumerate(hidden)))
        checks.choice("activation", self.activation, ACTIVATIONS)
        checks.choice("optimizer", self.optimizer, OPTIMIZERS)
        for name, check in _PER_LAYER.items():
            put(name, self._per_layer(name, getattr(self, name), check))
        for name, bounds in _NUMBERS.items():
            put(name, checks.number(name, getattr(self, name), **bounds))
        put("early_stopping", self._early_stopping(self.early_stopping))
        put("epochs", checks.integer("epochs", self.epochs, high=MAX_EPOCHS))
        put("batch_size", checks.integer("batch_size", self.batch_size))
        put("seed", checks.integer("seed", self.seed, low=0))
        if not isinstance(self.shuffle, bool):
            raise ReglabError("shuffle", self.shuffle, "true or false")
        if self.seed >= 2**32:
            raise ReglabError("seed", self.seed, "an integer in [0, 2**32)")

    def _per_layer(self, name, value, check):
        """One value, or a list with one per Dense layer (per hidden layer for activity and dropout)."""
        n, layers = (len(self.hidden), "hidden") if name in _HIDDEN_ONLY else (len(self.hidden) + 1, "Dense")
        if not isinstance(value, (list, tuple)):
            return check(name, value)
        if len(value) != n:
            raise ReglabError(name, value, f"one value, or a list of {n} (one per {layers} layer)")
        return tuple(check(f"{name}[{i}]", v) for i, v in enumerate(value))

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

    def _expand(self, name):
        """``name``'s value per layer: one per Dense layer (hidden layers, then the output layer, which a single
        value leaves alone), or one per hidden layer for activity regularizers and dropout."""
        value = getattr(self, name)
        output = () if name in _HIDDEN_ONLY else (None,)
        return value if isinstance(value, tuple) else (value,) * len(self.hidden) + output

    def kernel_regularizers(self) -> tuple[Regularizer | None, ...]:
        return self._expand("kernel_regularizer")

    def bias_regularizers(self) -> tuple[Regularizer | None, ...]:
        return self._expand("bias_regularizer")

    def activity_regularizers(self) -> tuple[Regularizer | None, ...]:
        return self._expand("activity_regularizer")

    def dropout_rates(self) -> tuple[float, ...]:
        return self._expand("dropout")

    def max_norms(self) -> tuple[float | None, ...]:
        return self._expand("max_norm")

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
        if self.shuffle:  # the default, left out: files written before the setting existed read the same
            del out["shuffle"]
        return out


def _activity(field, value):
    reg = regularizers.get(value, field)
    if reg is not None and (reg.proximal or reg.group):
        raise ReglabError(field, value, "l1, l2 or l1_l2 with the subgradient method, as Keras's")
    return reg


# Validation in one table: the settings given once or per layer, and the numbers' bounds.
_HIDDEN_ONLY = ("activity_regularizer", "dropout")
_PER_LAYER = {
    "kernel_regularizer": lambda field, v: regularizers.get(v, field),
    "bias_regularizer": lambda field, v: regularizers.get(v, field),
    "activity_regularizer": _activity,
    "dropout": lambda field, v: checks.number(field, v, **_FRACTION),
    "max_norm": lambda field, v: None if v is None else checks.number(field, v, low=0.0, low_open=True),
}
_FRACTION = {"low": 0.0, "high": 1.0, "high_open": True}  # [0, 1)
_NUMBERS = {"learning_rate": {"low": 0.0, "low_open": True}, "momentum": _FRACTION, "beta_1": _FRACTION,
            "beta_2": _FRACTION, "epsilon": {"low": 0.0}, "weight_decay": {"low": 0.0}}


def config_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ModelConfig))


__all__ = ["ModelConfig", "EarlyStopping", "MONITORS", "ACTIVATIONS", "OPTIMIZERS", "config_fields"]
