"""One trained model as plain data: its config, per-epoch history, final parameters and timings.

On disk a run is a folder (readable with NumPy alone, no JAX):
  ``run.json``     name, config (``ModelConfig.to_dict``), class names, timings, per-layer stats
  ``history.csv``  one row per epoch: ``epoch`` and the recorded figures, named in the header
  ``params.npz``   ``layer{i}.kernel`` [fan_in, fan_out] and ``layer{i}.bias`` [fan_out] for each Dense layer
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..vocabulary.config import ModelConfig
from ..vocabulary.errors import ReglabError
from ..vocabulary.history import with_totals
from . import card
from .metrics import effective_architecture, kernel_fractions, layer_stats
from .summary import layer_rows, summary_text


def _expit(x):
    """1 / (1 + exp(-x)) without overflow (scipy.special.expit, whose import alone costs about 0.2 s)."""
    return np.exp(-np.logaddexp(0, -x))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _gelu(x):
    from scipy.special import erf  # only gelu models need it

    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


_ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0), "tanh": np.tanh, "sigmoid": _expit, "gelu": _gelu,
                "linear": lambda x: x}


@dataclass
class Run:
    """A trained model. ``history`` maps each key to a [epochs] array and adds the Keras-comparable totals
    ``loss`` (= data_loss + penalty) and ``val_loss`` (= val_data_loss + val_penalty)."""

    name: str
    config: ModelConfig
    recorded: dict  # what the engine recorded, by name (engine/history.py): [epochs] arrays
    params: list  # [{"kernel": [fan_in, fan_out], "bias": [fan_out]}, ...] as NumPy
    classes: tuple = (0, 1)
    compile_seconds: float = 0.0
    train_seconds: float = 0.0
    extra: dict = field(default_factory=dict)
    snapshots: list | None = field(default=None, repr=False)  # in memory only: engine.runner.Trained.snapshots
    opt_state: list | None = field(default=None, repr=False)  # in memory only: engine.runner.Trained.opt_state

    @property
    def history(self) -> dict:
        return with_totals(self.recorded)

    def __repr__(self) -> str:
        return card.line(self)

    def _repr_html_(self) -> str:
        """In a notebook: a card with the network, the final figures and the loss curves (results/card.py)."""
        return card.card(self)

    @property
    def final_epoch(self) -> int:
        """The 1-based epoch whose weights the run ends with: the last one trained, or with early stopping's
        ``restore_best_weights`` the best one (``extra`` holds ``stopped_epoch`` and ``best_epoch``)."""
        epoch = self.extra.get("stopped_epoch") or len(self.recorded["data_loss"])
        es = self.config.early_stopping
        if es is not None and es.restore_best_weights and self.extra.get("best_epoch"):
            epoch = self.extra["best_epoch"]
        return epoch

    @property
    def final(self) -> dict:
        """The figures of ``final_epoch``, as floats."""
        return {k: float(v[self.final_epoch - 1]) for k, v in self.history.items()}

    @property
    def diverged(self) -> bool:
        """Some loss or weight became NaN or infinite (epochs after an early stop are NaN by design, and so is a
        regression's accuracy)."""
        ran = slice(0, self.extra.get("stopped_epoch") or None)
        return not (all(np.all(np.isfinite(v[ran])) for k, v in self.recorded.items() if "accuracy" not in k)
                    and all(np.all(np.isfinite(w)) for layer in self.params for w in layer.values()))

    def effective_architecture(self) -> list[int]:
        return effective_architecture(self.params)

    def layer_stats(self) -> list[dict]:
        return layer_stats(self.params)

    def kernel_fractions(self) -> dict:
        return kernel_fractions(self.layer_stats())

    def layers(self) -> list[dict]:
        """Keras's ``model.summary()`` rows: layer name and type, output shape, parameters (results/summary.py)."""
        return layer_rows(self.config, self.params[0]["kernel"].shape[0], self.params[-1]["kernel"].shape[1])

    def model_summary(self) -> str:
        """The network as Keras's ``model.summary()`` prints it."""
        return summary_text(self.layers())

    def decision_function(self, X, dtype=np.float64) -> np.ndarray:
        """Logits [n, n_out] for X [n, n_in] (NumPy; float64 unless ``dtype`` says otherwise)."""
        act = _ACTIVATIONS[self.config.activation]
        n_in = self.params[0]["kernel"].shape[0]
        try:
            h = np.asarray(X, dtype)
        except (TypeError, ValueError):
            raise ReglabError("X", f"an array of {np.asarray(X).dtype}", "numbers") from None
        if h.ndim != 2 or h.shape[1] != n_in:
            raise ReglabError("X", f"an array of shape {h.shape}", f"shape [n, {n_in}] (this model's inputs)")
        for layer in self.params[:-1]:
            h = act(h @ layer["kernel"].astype(dtype) + layer["bias"].astype(dtype))
        return h @ self.params[-1]["kernel"].astype(dtype) + self.params[-1]["bias"].astype(dtype)

    def predict_proba(self, X, dtype=np.float64) -> np.ndarray:
        """Class probabilities [n, n_classes], scikit-learn style (two columns for a binary model)."""
        z = self.decision_function(X, dtype)
        if z.shape[1] == 1:
            p = _expit(z[:, 0])
            return np.c_[1 - p, p]
        return _softmax(z)

    def predict(self, X) -> np.ndarray:
        """The predicted class of each row [n], as the data named it (``classes``: words or numbers)."""
        return np.asarray(self.classes)[np.argmax(self.predict_proba(X), axis=1)]

    def summary(self) -> dict:
        """What metrics.json holds for this model."""
        layers = self.layer_stats()
        return {"name": self.name, "config": self.config.to_dict(), "final": self.final,
                "compile_seconds": self.compile_seconds, "train_seconds": self.train_seconds,
                "kernel_fractions": kernel_fractions(layers), "effective_architecture": self.effective_architecture(),
                "keras_layers": self.layers(), "final_epoch": self.final_epoch, "layers": layers, **self.extra}

    def save(self, folder) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"name": self.name, "config": self.config.to_dict(), "classes": list(self.classes),
                "compile_seconds": self.compile_seconds, "train_seconds": self.train_seconds,
                "layers": self.layer_stats(), "extra": self.extra}
        (folder / "run.json").write_text(json.dumps(meta, indent=1))
        keys, epochs = list(self.recorded), len(self.recorded["data_loss"])
        table = np.column_stack([np.arange(1, epochs + 1)] + [self.recorded[k] for k in keys])
        np.savetxt(folder / "history.csv", table, delimiter=",", header=",".join(["epoch"] + keys), comments="",
                   fmt=["%d"] + ["%.9g"] * len(keys))
        np.savez(folder / "params.npz", **{f"layer{i}.{k}": v for i, layer in enumerate(self.params)
                                            for k, v in layer.items()})
        return folder

    @classmethod
    def load(cls, folder) -> "Run":
        folder = Path(folder)
        if not (folder / "run.json").is_file():
            raise ReglabError("run folder", str(folder), "a folder written by Run.save (with run.json)")
        meta = json.loads((folder / "run.json").read_text())
        with open(folder / "history.csv") as f:
            keys = f.readline().strip().split(",")[1:]
            table = np.loadtxt(f, delimiter=",", ndmin=2)
        recorded = {k: table[:, i + 1].astype(np.float32) for i, k in enumerate(keys)}
        with np.load(folder / "params.npz") as npz:
            n = len(npz.files) // 2
            params = [{"kernel": npz[f"layer{i}.kernel"], "bias": npz[f"layer{i}.bias"]} for i in range(n)]
        return cls(meta["name"], ModelConfig(**meta["config"]), recorded, params, tuple(meta["classes"]),
                   meta["compile_seconds"], meta["train_seconds"], meta.get("extra", {}))
