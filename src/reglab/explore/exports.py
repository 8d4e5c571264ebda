"""A model taken away from the page: a reglab Python snippet, a TOML spec for ``reglab run``, and a Keras script
that trains it as the lecture's notebook cell does. Each is text made from the model's ModelConfig, its Dataset
(name and generator arguments, ``Dataset.params``) and the validation split."""

import json
from pathlib import Path

from ..data.loaders import arguments
from ..vocabulary.config import ModelConfig

ALWAYS = ("hidden", "activation", "optimizer", "learning_rate", "batch_size", "epochs", "seed")


def changed(config: ModelConfig) -> dict:
    """The config's settings that differ from the defaults, and the network and training ones always."""
    out, default = config.to_dict(), ModelConfig().to_dict()
    return {k: v for k, v in out.items() if k in ALWAYS or v != default[k]}


def _py(v) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(_py, v)) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_py(x)}" for k, x in v.items()) + "}"
    return repr(v)


def _toml(v) -> str:
    if v is None:
        return '"none"'  # TOML has no null; a list of per-layer settings spells a gap "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(map(_toml, v)) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items() if x is not None) + "}"
    return repr(v)


def _load(data) -> str:
    """The reglab call that loads ``data``."""
    if "path" in data.params:
        return f"reglab.data.read_csv({json.dumps(data.params['path'])}, label={json.dumps(data.params['label'])})"
    args = "".join(f", {k}={_py(v)}" for k, v in arguments(data).items())
    return f"reglab.data.load({json.dumps(data.name)}{args})"


def python(config, data, validation_split, name="model", standardize=False) -> str:
    """A snippet that trains the model with ``reglab.fit`` and prints its final figures."""
    body = "".join(f"    {k}={_py(v)},\n" for k, v in changed(config).items())
    scaled = ", standardize=True" if standardize else ""
    return (f"import reglab\n\n"
            f"data = reglab.data.split({_load(data)}, validation_split={validation_split:g}{scaled})\n"
            f"run = reglab.fit(\n    data,\n    name={json.dumps(name)},\n{body})\n"
            f"print(run.final)\n")


def study_name(data, name) -> str:
    """A study's name from the data and the model's name (``wine_l1_0.001_seed_0``): ``reglab run`` writes each
    exported model to a folder of its own (``reglab-out/<name>``)."""
    from ..output.folders import slug

    source = Path(data.params["path"]).stem if "path" in data.params else data.name
    return slug(f"{source} {name}")


def toml(config, data, validation_split, name="model", standardize=False) -> str:
    """A spec for ``reglab run SPEC.toml``: the data and this one model, named after both."""
    kind = "csv" if "path" in data.params else data.name
    lines = [f"name = {json.dumps(study_name(data, name))}", "", "[data]", f"name = {json.dumps(kind)}"]
    lines += [f"{k} = {_toml(v)}" for k, v in arguments(data).items()]
    lines += [f"validation_split = {validation_split:g}"] + (["standardize = true"] if standardize else [])
    lines += ["", "[[models]]", f"name = {json.dumps(name)}"]
    lines += [f"{k} = {_toml(v)}" for k, v in changed(config).items() if v is not None]
    return "\n".join(lines) + "\n"


GROUP_LASSO_CLASS = '''

class GroupLasso(regularizers.Regularizer):
    """lam * the sum of the L2 norms of the kernel's columns (each unit's incoming weights; axis=1: its rows, each
    input's outgoing weights)."""

    def __init__(self, lam, axis=0):
        self.lam, self.axis = lam, axis

    def __call__(self, w):
        return self.lam * keras.ops.sum(keras.ops.sqrt(keras.ops.sum(w * w, axis=self.axis)))
'''
MONITOR = {"val_data_loss": "val_loss", "data_loss": "loss"}  # Keras's losses include the penalty


def _keras_regularizer(r, notes) -> str | None:
    """Keras's spelling of a reglab Regularizer (None: none); what Keras lacks goes into ``notes``."""
    if r is None:
        return None
    parts = []
    if r.l1 and r.l2:
        parts.append(f"regularizers.L1L2(l1={r.l1:g}, l2={r.l2:g})")
    elif r.l1:
        parts.append(f"regularizers.L1({r.l1:g})")
    elif r.l2:
        parts.append(f"regularizers.L2({r.l2:g})")
    if r.proximal:
        notes.add("# Keras has no proximal L1: its l1 is a subgradient, which makes no exact zeros under Adam.")
    if r.group:
        parts.append(f"GroupLasso({r.group:g}{'' if r.groups == 'units' else ', axis=1'})")
        notes.add("# Keras has no group lasso: GroupLasso adds its value to the loss (a subgradient, no exact "
                  "zeros),\n# where reglab takes a proximal step.")
    if len(parts) > 1:
        notes.add("# Keras takes one regularizer per weight: the second of two is left out here.")
    return parts[0] if parts else None


STANDARDIZE = """
split_at = int(len(X) * (1 - {vs:g}))  # Keras's validation_split: the last rows validate
mean, scale = X[:split_at].mean(axis=0), X[:split_at].std(axis=0)  # the training rows' (StandardScaler)
X = ((X - mean) / np.where(scale > 0, scale, 1.0)).astype("float32")
"""


def keras(config, data, validation_split, name="model", standardize=False) -> str:
    """The lecture's notebook cell for this model: the data, a Sequential MLP, compile, fit with
    validation_split, for Keras 3 (reglab's defaults are Keras's: the two train the same model up to random
    numbers)."""
    notes, binary = set(), data.n_classes == 2
    if data.name == "moons" and "path" not in data.params:
        p = data.params
        load = (f"from sklearn.datasets import make_moons\n\n"
                f"X, y = make_moons({p['n']}, noise={p['noise']:g}, random_state={p['seed']})")
    else:
        load = f"import reglab  # the page's data\n\nd = {_load(data)}\nX, y = d.X, d.y"
    kernels, biases = config.kernel_regularizers(), config.bias_regularizers()
    activity, rates, norms = config.activity_regularizers(), config.dropout_rates(), config.max_norms()
    dense = []
    for i, units in enumerate([*config.hidden, "1" if binary else "n_classes"]):
        hidden = i < len(config.hidden)
        args = [str(units), f'activation="{config.activation if hidden else ("sigmoid" if binary else "softmax")}"']
        for keyword, r in (("kernel_regularizer", kernels[i]), ("bias_regularizer", biases[i]),
                           ("activity_regularizer", activity[i] if hidden else None)):
            spelled = _keras_regularizer(r, notes)
            if spelled:
                args.append(f"{keyword}={spelled}")
        if norms[i] is not None:
            args.append(f"kernel_constraint=constraints.MaxNorm({norms[i]:g})")
        dense.append(f"    layers.Dense({', '.join(args)}),")
        if hidden and rates[i]:
            dense.append(f"    layers.Dropout({rates[i]:g}),")
    c = config
    opt = [f"{c.learning_rate:g}"]
    if c.optimizer == "adam":
        opt += [f"{k}={getattr(c, k):g}" for k, d in (("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", 1e-7))
                if getattr(c, k) != d]
    elif c.momentum:
        opt.append(f"momentum={c.momentum:g}")
    if c.weight_decay:
        opt.append(f"weight_decay={c.weight_decay:g}")  # decoupled in Keras 3, as in reglab
    callbacks = ""
    if c.early_stopping is not None:
        es = c.early_stopping
        callbacks = (f", callbacks=[callbacks.EarlyStopping(monitor=\"{MONITOR.get(es.monitor, es.monitor)}\", "
                     f"patience={es.patience}, min_delta={es.min_delta:g}, "
                     f"restore_best_weights={es.restore_best_weights}, start_from_epoch={es.start_from_epoch})]")
    text = "\n".join(dense)
    used = sorted({"layers", "optimizers"} | {m for m in ("callbacks", "constraints", "regularizers")
                                              if f"{m}." in text + callbacks or (m == "regularizers" and
                                                                                 "GroupLasso" in text)})
    backend = 'os.environ.setdefault("KERAS_BACKEND", "jax")  # any Keras 3 backend; jax comes with reglab'
    if standardize:
        load = "import numpy as np\n" + load + STANDARDIZE.format(vs=validation_split).rstrip("\n")
    lines = ["import os", "", backend,
             "import keras  # noqa: E402", f"from keras import {', '.join(used)}  # noqa: E402",
             load + (GROUP_LASSO_CLASS if "GroupLasso" in text else "\n"), *sorted(notes)]
    if not binary:
        lines.append("n_classes = len(set(y.tolist()))")
    lines += [f"keras.utils.set_random_seed({c.seed})", "model = keras.Sequential([", "    keras.Input((X.shape[1],)),",
              *dense, "])",
              f'model.compile(loss="{"binary_crossentropy" if binary else "sparse_categorical_crossentropy"}", '
              f'optimizer=optimizers.{"Adam" if c.optimizer == "adam" else "SGD"}({", ".join(opt)}), '
              'metrics=["accuracy"])',
              f"history = model.fit(X, y, epochs={c.epochs}, batch_size={c.batch_size}, "
              f"validation_split={validation_split:g}{callbacks}, verbose=0)",
              'print({k: v[-1] for k, v in history.history.items()})']
    return "\n".join(lines) + "\n"


def all_three(config, data, validation_split, name="model", standardize=False) -> dict:
    return {kind: make(config, data, validation_split, name, standardize) for kind, make in
            (("python", python), ("toml", toml), ("keras", keras))}
