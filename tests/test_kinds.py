"""One vocabulary: every regularizer kind of ``reglab.vocabulary.kinds`` trains through every face that offers it,
and each face makes the same ModelConfig of a kind and strength: a sweep from the command line, a spec file, the page's
``/api/train``, scikit-learn's ``penalty``; and the page's Python, TOML and Keras exports read back to the model they
export."""

import ast
import json
import math
import os
import re
import subprocess
import sys
import urllib.request

import numpy as np
import pytest

from reglab import data
from reglab.explore import controls
from reglab.results.store import SweepStore
from reglab.studies import spec
from reglab.studies.sweep_grid import Grid
from reglab.studies.sweeps import run_grid
from reglab.vocabulary import kinds
from reglab.vocabulary.config import ModelConfig

TINY = {"hidden": (4,), "epochs": 3, "learning_rate": 0.01}
RATIO = 0.25  # elastic net's l1_ratio: not the default, so a face that ignores it shows
STRENGTHS = {"lambdas": (0.001, 0.01), "rates": (0.1, 0.2), "norms": (1.0, 2.0), "patiences": (2.0, 3.0)}
SPEC = f"""name = "kinds"
[data]
name = "moons"
n = 60
[defaults]
hidden = [4]
epochs = 3
learning_rate = 0.01
[sweep]
regularizers = {json.dumps(list(kinds.names()))}
seeds = [0]
l1_ratio = {RATIO}
{chr(10).join(f"{name} = {list(values)}" for name, values in STRENGTHS.items())}
"""


def expected(kind, strength, **base) -> ModelConfig:
    """The model a face should make of ``kind`` at ``strength``: the registry's settings on the face's base."""
    return ModelConfig(**{**TINY, **base}, **kinds.settings(kind, strength, RATIO))


def strengths(kind) -> tuple:
    axis = kinds.get(kind).axis
    return STRENGTHS[axis] if axis else (0.0,)


def trained_kinds(folder) -> dict:
    """{(kind, strength): ModelConfig} of a sweep's folder, each model checked finite."""
    store, out = SweepStore(folder), {}
    for row in store.models():
        run = store.run(row["index"])
        assert np.isfinite(run.final["data_loss"]), row
        out[(row["point"]["regularizer"], row["point"]["strength"])] = run.config
    return out


def test_the_registry_declares_each_kind_once_with_a_scale_and_settings_it_can_make():
    assert len(set(kinds.names())) == len(kinds.names())
    assert not set(kinds.ALIASES) & set(kinds.names())
    for kind in kinds.KINDS.values():
        assert kind.axis is None or kind.axis in kinds.AXES
        made = expected(kind.name, strengths(kind.name)[1] if kind.axis else 0.0)
        assert kinds.kind_of(made) == kind.name, kind.name  # the claims read a model's kind back
        assert kind.label and kind.help


def test_elastic_net_is_one_model_in_the_sweep_the_page_and_scikit_learn():
    from reglab.sklearn import MLPClassifier

    strength = 0.004
    point = Grid.build(["l1_l2"], lambdas=[strength], seeds=1, l1_ratio=RATIO).points(ModelConfig(**TINY))[0][1]
    checked = controls.check({"regularizer": "elastic_net", "strength": strength, "l1_ratio": RATIO, "epochs": 3})
    page = next(c for _, s, _, c in controls.plan(checked, data.split(data.moons())).models if s == strength)
    X, y = data.moons().X, data.moons().y
    fitted = MLPClassifier((4,), penalty="elasticnet", alpha=strength, l1_ratio=RATIO, max_iter=2).fit(X, y)
    made = {point.kernel_regularizer, page.kernel_regularizer, fitted.run_.config.kernel_regularizer}
    assert made == {kinds.settings("elastic_net", strength, RATIO)["kernel_regularizer"]}
    (regularizer,) = made
    assert (regularizer.l1, regularizer.l2) == pytest.approx((RATIO * strength, (1 - RATIO) * strength))


@pytest.mark.slow
def test_every_kind_trains_from_a_spec_file_as_the_registry_says(tmp_path):
    (tmp_path / "kinds.toml").write_text(SPEC)
    study = spec.read(tmp_path / "kinds.toml")
    result = run_grid(study.load_split(), study.base, study.grid, out=tmp_path / "sweep", progress=False, report=False)
    made = trained_kinds(result.out)
    assert set(made) == {(k, s) for k in kinds.names() for s in strengths(k)}
    for (kind, strength), config in made.items():
        assert config == expected(kind, strength), (kind, strength)


@pytest.mark.slow
@pytest.mark.parametrize("scale", [*kinds.AXES, None])
def test_every_kind_trains_from_the_command_line(scale, tmp_path):
    chosen = [k for k in kinds.names() if kinds.get(k).axis == scale]
    (tmp_path / "kinds.toml").write_text(SPEC)
    args = [sys.executable, "-m", "reglab", "sweep", str(tmp_path / "kinds.toml"), "--out", str(tmp_path / "out"),
            "--regularizers", ",".join(chosen)]
    if scale:  # the strengths given on the command line, on this scale
        args += ["--lambdas", ",".join(f"{v:g}" for v in STRENGTHS[scale])]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    made = trained_kinds(tmp_path / "out")
    assert set(made) == {(k, s) for k in chosen for s in strengths(k)}
    for (kind, strength), config in made.items():
        assert config == expected(kind, strength), (kind, strength)


def page_base(c) -> dict:
    return {"hidden": (c["width"],) * c["layers"], "activation": c["activation"], "optimizer": c["optimizer"],
            "learning_rate": c["learning_rate"], "batch_size": c["batch_size"], "epochs": c["epochs"]}


@pytest.mark.slow
@pytest.mark.parametrize("kind", kinds.names())
def test_every_kind_trains_on_the_page_and_its_exports_read_back_to_its_models(kind, explore_url, tmp_path):
    asked = {"regularizer": kind, "strength": kinds.get(kind).default or 0.001, "l1_ratio": RATIO, "epochs": 3,
             "layers": 1, "width": 4, "seeds": 1}
    request = urllib.request.Request(explore_url + "api/train", data=json.dumps({"controls": asked}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        messages = [json.loads(line) for line in response.read().decode().splitlines()]
    scene, models = messages[0], [m for m in messages if m.get("type") == "model"]
    assert scene["type"] == "scene" and len(models) == len(scene["strengths"]) >= (2 if kinds.get(kind).axis else 1)
    assert all(m["final"]["data_loss"] is not None and math.isfinite(m["final"]["data_loss"]) for m in models)
    base = page_base(scene["controls"])
    for strength, exported in zip(scene["strengths"], scene["exports"]["0"]):
        want = ModelConfig(**base, **kinds.settings(kind, strength, RATIO))
        (tmp_path / "model.toml").write_text(exported["toml"])
        assert spec.read(tmp_path / "model.toml").models[0][1] == want, (kind, strength, "toml")
        assert from_python(exported["python"]) == want, (kind, strength, "python")
        assert same(expanded(from_keras(exported["keras"])), expanded(want, keras=True)), (kind, strength, "keras")


@pytest.mark.parametrize("penalty", kinds.PENALTIES)
def test_every_penalty_kind_is_a_scikit_learn_penalty(penalty):
    from reglab.sklearn import MLPClassifier

    X, y = data.moons().X, data.moons().y
    for alpha in STRENGTHS["lambdas"]:
        fitted = MLPClassifier((4,), penalty=penalty, alpha=alpha, l1_ratio=RATIO, max_iter=2).fit(X, y)
        assert fitted.run_.config.kernel_regularizer == kinds.settings(penalty, alpha, RATIO).get("kernel_regularizer")
        assert np.isfinite(fitted.loss_)


def from_python(text) -> ModelConfig:
    """The ModelConfig of a Python export: the literal keywords of its ``reglab.fit`` call."""
    call = next(node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)
                and ast.unparse(node.func) == "reglab.fit")
    return ModelConfig(**{k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg != "name"})


def from_keras(text) -> ModelConfig:
    """The ModelConfig of a Keras export, read from the Keras model its script builds (Keras 3, JAX backend) and
    the callbacks its ``fit`` is given (the fit itself is not run)."""
    os.environ.setdefault("KERAS_BACKEND", "jax")  # as the script says, before Keras is first imported
    import keras

    head, fit = text.split("history = model.fit(")
    scope = {}
    exec(head, scope)
    given = re.search(r"callbacks=(\[.*\])", fit)
    if given:
        exec(f"given = {given.group(1)}", scope)
    model, dense, rates = scope["model"], [], []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            dense.append(layer)
            rates.append(0.0)
        elif isinstance(layer, keras.layers.Dropout):
            rates[-1] = float(layer.rate)

    def regularizer(r):
        if r is None:
            return None
        if hasattr(r, "lam"):  # the export's GroupLasso
            return {"group": float(r.lam), "groups": "units" if r.axis == 0 else "inputs"}
        return {"l1": float(getattr(r, "l1", 0.0)), "l2": float(getattr(r, "l2", 0.0))}

    es = None
    if given:
        (stop,) = scope["given"]
        es = {"monitor": {"val_loss": "val_data_loss", "loss": "data_loss"}.get(stop.monitor, stop.monitor),
              "patience": stop.patience}
    optimizer = model.optimizer
    return ModelConfig(
        hidden=tuple(layer.units for layer in dense[:-1]), activation=dense[0].activation.__name__,
        kernel_regularizer=[regularizer(layer.kernel_regularizer) for layer in dense],
        activity_regularizer=[regularizer(layer.activity_regularizer) for layer in dense[:-1]],
        dropout=rates[:-1], max_norm=[None if layer.kernel_constraint is None else
                                      float(layer.kernel_constraint.max_value) for layer in dense],
        learning_rate=float(np.asarray(optimizer.learning_rate)), weight_decay=float(optimizer.weight_decay or 0.0),
        optimizer=type(optimizer).__name__.lower(), early_stopping=es)


def expanded(config, keras=False) -> dict:
    """What a model is, layer by layer; ``keras``: as Keras can say it (its L1 has no proximal method)."""
    def plain(r):
        return r if r is None else {k: v for k, v in r.to_dict().items() if not (keras and k == "method")}

    return {"hidden": config.hidden, "activation": config.activation, "optimizer": config.optimizer,
            "learning_rate": config.learning_rate, "weight_decay": config.weight_decay,
            "kernels": [plain(r) for r in config.kernel_regularizers()],
            "activity": [plain(r) for r in config.activity_regularizers()],
            "dropout": list(config.dropout_rates()), "max_norm": list(config.max_norms()),
            "early_stopping": None if config.early_stopping is None else
            (config.early_stopping.monitor, config.early_stopping.patience)}


def same(a, b) -> bool:
    """Equal, numbers to the 6 significant digits an export writes (and float32 keeps)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-5)
    return a == b


def test_the_runner_implements_every_executor_the_faces_offer():
    from reglab.engine import runner
    from reglab.vocabulary.executors import CHOICES, EXECUTORS

    assert set(runner.EXECUTORS) == set(EXECUTORS) and CHOICES == ("auto", *EXECUTORS)
