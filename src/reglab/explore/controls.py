"""The page's controls: one table of names, defaults and what each allows, checked in one place; and what a set of
controls trains: the data, a path of models around the chosen strength, and the work it would take.

A request is a JSON object of control values (any left out take the defaults: the lecture's study, an l1 path
around 0.001). Every bad value is a ReglabError naming the control, the value and what is allowed.
"""

from dataclasses import dataclass

import numpy as np

from .. import checks
from ..config import MAX_EPOCHS, ModelConfig
from ..errors import ReglabError
from ..regularizers import group_lasso, l1, l1_l2, l2

GENERATED = ("moons", "circles", "xor", "gauss", "spiral", "blobs")
BUNDLED = ("iris", "wine", "breast_cancer", "digits")
REGULARIZERS = ("none", "l1", "l1_proximal", "l2", "elastic_net", "group_lasso", "dropout", "weight_decay",
                "max_norm", "early_stopping")

# name: (default, kind, what it allows). Kinds: "choice" (allowed: the names), "int" (allowed: (low, high)),
# "float" (allowed: (low, high), the low end open where marked "(").
CONTROLS = {
    "data": ("moons", "choice", GENERATED + BUNDLED + ("csv",)),
    "noise": (0.25, "float", ("[", 0.0, 3.0)),
    "n": (100, "int", (8, 5000)),
    "validation_split": (0.2, "float", ("[", 0.0, 0.9)),
    "standardize": ("auto", "choice", ("auto", "on", "off")),  # auto: on for the bundled sets and CSV files
    "layers": (2, "int", (0, 6)),
    "width": (128, "int", (1, 512)),
    "activation": ("relu", "choice", ("relu", "tanh", "sigmoid", "gelu", "linear")),
    "optimizer": ("adam", "choice", ("adam", "sgd")),
    "learning_rate": (0.01, "float", ("(", 0.0, 10.0)),
    "batch_size": (32, "int", (1, 100_000)),
    "epochs": (2000, "int", (1, MAX_EPOCHS)),  # reglab's one limit; the budget of work caps the rest
    "regularizer": ("l1", "choice", REGULARIZERS),
    "strength": (0.001, "float", ("(", 0.0, 1e4)),
    "seeds": (1, "int", (1, 5)),
}

# The work a request may ask for, in model-epoch-sample-weight units (epochs x models x training rows x weights):
# 8 times the lecture's path (2000 epochs x 13 models x 80 rows x 17,025 weights = 3.5e10), about 30 s on 2 cores.
BUDGET = 2.9e11
PATH_POINTS = 13  # strengths on a path: the chosen one in the middle, six either side
CSV_BYTES, CSV_ROWS = 2_000_000, 20_000


def default_noise() -> dict:
    """Each generated data set's own default noise (its generator's), which the page offers when it is picked."""
    import inspect

    from ..data.loaders import GENERATORS

    return {name: inspect.signature(GENERATORS[name]).parameters["noise"].default for name in GENERATED}


def check(values: dict) -> dict:
    """Every control's value, defaults filled in, each checked against CONTROLS."""
    if not isinstance(values, dict):
        raise ReglabError("request", type(values).__name__, "a JSON object of controls")
    unknown = sorted(set(values) - set(CONTROLS))
    if unknown:
        raise ReglabError(unknown[0], values[unknown[0]], "a control: " + ", ".join(CONTROLS))
    out = {}
    for name, (default, kind, allowed) in CONTROLS.items():
        value = values.get(name, default)
        if kind == "choice":
            out[name] = checks.choice(name, value, allowed)
        elif kind == "int":
            low, high = allowed
            out[name] = checks.integer(name, value, low=low, high=high)
        else:
            opening, low, high = allowed
            out[name] = checks.number(name, value, low=low, high=high, low_open=opening == "(")
    if out["regularizer"] == "dropout" and not out["strength"] < 0.95:
        raise ReglabError("strength", out["strength"], "a dropout rate in (0, 0.95)")
    if out["regularizer"] == "early_stopping" and out["strength"] != int(out["strength"]):
        raise ReglabError("strength", out["strength"], "a whole number of epochs (early stopping's patience)")
    return out


def standardized(controls: dict) -> bool:
    """Whether the features are standardized on the training rows: as asked, or (auto) where they come on scales
    of their own (the bundled sets, a CSV file), not the generated planes, which the page draws as they are."""
    return controls["standardize"] == "on" or controls["standardize"] == "auto" and controls["data"] not in GENERATED


def path(regularizer: str, strength: float) -> list[float]:
    """The strengths a path trains: PATH_POINTS around ``strength`` (log-spaced over a factor of 10^1.5 either
    side; dropout rates in steps of 0.05 within [0, 0.95); early stopping's patience in steps of sqrt(2)); none: one."""
    half = PATH_POINTS // 2
    steps = np.arange(-half, half + 1)
    if regularizer == "none":
        return [0.0]
    if regularizer == "dropout":
        return sorted({round(float(r), 4) for r in np.clip(strength + 0.05 * steps, 0.0, 0.9)})
    if regularizer == "early_stopping":
        return sorted({float(max(0, round(strength * 2 ** (k / 2)))) for k in steps})
    return [float(f"{strength * 10 ** (k / 4):.4g}") for k in steps]


def settings(regularizer: str, strength: float) -> dict:
    """The ModelConfig settings of one model on a path."""
    return {
        "none": {},
        "l1": {"kernel_regularizer": l1(strength)},
        "l1_proximal": {"kernel_regularizer": l1(strength, method="proximal")},
        "l2": {"kernel_regularizer": l2(strength)},
        "elastic_net": {"kernel_regularizer": l1_l2(l1=strength, l2=strength)},
        "group_lasso": {"kernel_regularizer": group_lasso(strength, groups="units")},
        "dropout": {"dropout": strength},
        "weight_decay": {"weight_decay": strength},
        "max_norm": {"max_norm": strength},
        "early_stopping": {"early_stopping": {"monitor": "val_data_loss", "patience": int(strength)}},
    }[regularizer]


@dataclass(frozen=True)
class Plan:
    """What a request trains on its split: ``models`` as (name, strength, seed, ModelConfig) along ``strengths``
    (the chosen strength first, then outwards, seed by seed);
    ``work``: epochs x training rows x weights summed over the models, the unit of BUDGET."""

    controls: dict
    strengths: list
    models: list
    work: float


def plan(controls: dict, split) -> Plan:
    """The models of a checked request on ``split``; refuses a request over BUDGET, naming it."""
    c = controls
    if c["regularizer"] == "early_stopping" and not len(split.y_val):
        raise ReglabError("regularizer", "early_stopping", "another regularizer, or a validation_split above 0 "
                          "(early stopping watches the validation loss)")
    base = {"hidden": (c["width"],) * c["layers"], "activation": c["activation"], "optimizer": c["optimizer"],
            "learning_rate": c["learning_rate"], "batch_size": c["batch_size"], "epochs": c["epochs"]}
    strengths = path(c["regularizer"], c["strength"])
    middle = len(strengths) // 2  # the chosen strength first, then outwards: the page shows it soonest
    order = sorted(range(len(strengths)), key=lambda k: (abs(k - middle), k))
    models = [(f"{c['regularizer']} {strengths[k]:g} seed {seed}", strengths[k], seed,
               ModelConfig(**base, **settings(c["regularizer"], strengths[k]), seed=seed))
              for seed in range(c["seeds"]) for k in order]
    n_out = 1 if split.dataset.n_classes == 2 else split.dataset.n_classes
    sizes = (split.X_train.shape[1], *base["hidden"], n_out)
    weights = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    work = float(len(models) * c["epochs"] * len(split.y_train) * weights)
    if work > BUDGET:
        raise ReglabError("request", f"{work:.2g} model-epoch-sample-weights",
                          f"at most {BUDGET:.2g} (epochs x models x training rows x weights: fewer epochs, seeds, "
                          "samples or a narrower network)")
    return Plan(c, strengths, models, work)
