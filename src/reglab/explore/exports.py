"""The page's model, taken away: a reglab Python snippet, a TOML spec for ``reglab run``, and a Keras script that
trains it as the lecture's notebook cell does. Each is text made from the checked controls, one strength and one
seed; ``data`` is the Dataset (its name and its generator's arguments, ``Dataset.params``)."""

import json

SPEC_REGULARIZER = {"l1": "l1({s:g})", "l1_proximal": "l1({s:g}, method=proximal)", "l2": "l2({s:g})",
                    "elastic_net": "l1_l2(l1={s:g}, l2={s:g})", "group_lasso": "group_lasso({s:g}, groups=units)"}
PYTHON_REGULARIZER = {"l1": "reglab.l1({s:g})", "l1_proximal": 'reglab.l1({s:g}, method="proximal")',
                      "l2": "reglab.l2({s:g})", "elastic_net": "reglab.l1_l2(l1={s:g}, l2={s:g})",
                      "group_lasso": 'reglab.group_lasso({s:g}, groups="units")'}


def _setting(controls, strength) -> tuple[str, str] | None:
    """(ModelConfig field, value) of the regularizer, in a reglab spelling for Python ({} in place of the value)."""
    kind = controls["regularizer"]
    if kind in PYTHON_REGULARIZER:
        return "kernel_regularizer", PYTHON_REGULARIZER[kind].format(s=strength)
    if kind == "early_stopping":
        return "early_stopping", f'{{"monitor": "val_data_loss", "patience": {int(strength)}}}'
    if kind != "none":
        return kind, f"{strength:g}"
    return None


def _model_lines(controls, seed):
    c = controls
    return [("hidden", repr((c["width"],) * c["layers"])), ("activation", json.dumps(c["activation"])),
            ("optimizer", json.dumps(c["optimizer"])), ("learning_rate", f"{c['learning_rate']:g}"),
            ("batch_size", str(c["batch_size"])), ("epochs", str(c["epochs"])), ("seed", str(seed))]


def _load(data) -> str:
    """The reglab call that loads ``data``."""
    if "path" in data.params:
        return f"reglab.data.read_csv({json.dumps(data.params['path'])}, label={json.dumps(data.params['label'])})"
    args = "".join(f", {k}={json.dumps(v)}" for k, v in data.params.items())
    return f"reglab.data.load({json.dumps(data.name)}{args})"


def python(controls, data, strength, seed) -> str:
    """A snippet that trains the model with ``reglab.fit`` and prints its final figures."""
    load = _load(data)
    settings = _model_lines(controls, seed) + [s for s in [_setting(controls, strength)] if s]
    body = ",\n    ".join(f"{k}={v}" for k, v in settings)
    return (f"import reglab\n\n"
            f"data = reglab.data.split({load}, validation_split={controls['validation_split']:g})\n"
            f"run = reglab.fit(\n    data,\n    {body},\n)\n"
            f"print(run.final)\n")


def toml(controls, data, strength, seed) -> str:
    """A spec for ``reglab run SPEC.toml``: the data, the network and this one model."""
    c = controls
    name = "csv" if "path" in data.params else data.name
    lines = ['name = "explore"', "", "[data]", f"name = {json.dumps(name)}"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in data.params.items()]
    lines += [f"validation_split = {c['validation_split']:g}", "", "[defaults]"]
    lines += [f"{k} = {v}" for k, v in _model_lines(c, seed)
              if k != "hidden"] + [f"hidden = {json.dumps([c['width']] * c['layers'])}"]
    lines += ["", "[[models]]", f"name = {json.dumps(_label(c, strength))}"]
    kind = c["regularizer"]
    if kind in SPEC_REGULARIZER:
        lines.append(f"kernel_regularizer = {json.dumps(SPEC_REGULARIZER[kind].format(s=strength))}")
    elif kind == "early_stopping":
        lines.append(f'early_stopping = {{monitor = "val_data_loss", patience = {int(strength)}}}')
    elif kind != "none":
        lines.append(f"{kind} = {strength:g}")
    return "\n".join(lines) + "\n"


def _label(controls, strength):
    return "none" if controls["regularizer"] == "none" else f"{controls['regularizer']} {strength:g}"


KERAS_REGULARIZER = {"l1": "regularizers.l1({s:g})", "l2": "regularizers.l2({s:g})",
                     "elastic_net": "regularizers.l1_l2(l1={s:g}, l2={s:g})",
                     "l1_proximal": "regularizers.l1({s:g})", "group_lasso": "GroupLasso({s:g})"}
KERAS_NOTES = {
    "l1_proximal": "# Keras has no proximal L1: this is its l1 (a subgradient), which makes no exact zeros under Adam.",
    "group_lasso": "# Keras has no group lasso: this regularizer adds its value to the loss (a subgradient, no exact "
                   "zeros),\n# where reglab takes a proximal step.",
}
GROUP_LASSO_CLASS = '''

class GroupLasso(regularizers.Regularizer):
    """lam * sum over units of the L2 norm of the unit's incoming weights (a kernel column)."""

    def __init__(self, lam):
        self.lam = lam

    def __call__(self, w):
        return self.lam * keras.ops.sum(keras.ops.sqrt(keras.ops.sum(w * w, axis=0)))
'''


def keras(controls, data, strength, seed) -> str:
    """The lecture's notebook cell for this model: the data, a Sequential MLP, compile, fit with
    validation_split, as Keras 3 runs it (reglab's defaults are Keras's, so the two train the same model up to
    random numbers)."""
    c, kind, binary = controls, controls["regularizer"], data.n_classes == 2
    if data.name == "moons":
        p = data.params
        load = (f"from sklearn.datasets import make_moons\n\n"
                f"X, y = make_moons({p['n']}, noise={p['noise']:g}, random_state={p['seed']})")
    else:
        load = f"import reglab  # the page's data\n\nd = {_load(data)}\nX, y = d.X, d.y"
    layer_args = f'activation="{c["activation"]}"'
    if kind in KERAS_REGULARIZER:
        layer_args += f", kernel_regularizer={KERAS_REGULARIZER[kind].format(s=strength)}"
    if kind == "max_norm":
        layer_args += f", kernel_constraint=constraints.MaxNorm({strength:g})"
    layers = []
    for _ in range(c["layers"]):
        layers.append(f"    layers.Dense({c['width']}, {layer_args}),")
        if kind == "dropout":
            layers.append(f"    layers.Dropout({strength:g}),")
    out_units, out_act, loss = (1, "sigmoid", "binary_crossentropy") if binary else \
        ("n_classes", "softmax", "sparse_categorical_crossentropy")
    if kind == "weight_decay":
        opt = f"optimizers.AdamW({c['learning_rate']:g}, weight_decay={strength:g})" if c["optimizer"] == "adam" \
            else f"optimizers.SGD({c['learning_rate']:g}, weight_decay={strength:g})"
    else:
        opt = f"optimizers.{'Adam' if c['optimizer'] == 'adam' else 'SGD'}({c['learning_rate']:g})"
    callbacks = (f", callbacks=[callbacks.EarlyStopping(monitor=\"val_loss\", patience={int(strength)})]"
                 if kind == "early_stopping" else "")
    used = ["layers", "optimizers"] + [m for m, needed in (("callbacks", kind == "early_stopping"),
                                                            ("constraints", kind == "max_norm"),
                                                            ("regularizers", kind in KERAS_REGULARIZER)) if needed]
    lines = ["import keras", f"from keras import {', '.join(sorted(used))}", load + "\n"]
    if kind == "group_lasso":
        lines[-1] = load + GROUP_LASSO_CLASS
    if kind in KERAS_NOTES:
        lines.append(KERAS_NOTES[kind])
    if not binary:
        lines.append("n_classes = len(set(y.tolist()))")
    lines += [f"keras.utils.set_random_seed({seed})", "model = keras.Sequential([",
              f"    keras.Input(({'X.shape[1]'},)),", *layers,
              f"    layers.Dense({out_units}, activation=\"{out_act}\"),", "])",
              f'model.compile(loss="{loss}", optimizer={opt}, metrics=["accuracy"])',
              f"history = model.fit(X, y, epochs={c['epochs']}, batch_size={c['batch_size']}, "
              f"validation_split={c['validation_split']:g}{callbacks}, verbose=0)",
              'print({k: v[-1] for k, v in history.history.items()})']
    return "\n".join(lines) + "\n"
