"""The page's controls: one table of names, defaults and what each allows, checked in one place; and what a set of
controls trains: the data, a path of models around the chosen strength, and the work it would take.

A request is a JSON object of control values (any left out take the defaults: the lecture's study, an l1 path
around 0.001). Every bad value is a ReglabError naming the control, the value and what is allowed.
"""

from dataclasses import dataclass

from ..data.loaders import BUNDLED, GENERATORS
from ..vocabulary import checks, kinds
from ..vocabulary.config import ACTIVATIONS, MAX_EPOCHS, OPTIMIZERS, ModelConfig
from ..vocabulary.errors import ReglabError

GENERATED = tuple(GENERATORS)

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
    "activation": ("relu", "choice", ACTIVATIONS),
    "optimizer": ("adam", "choice", OPTIMIZERS),
    "learning_rate": (0.01, "float", ("(", 0.0, 10.0)),
    "batch_size": (32, "int", (1, 100_000)),
    "epochs": (2000, "int", (1, MAX_EPOCHS)),  # reglab's one limit; the budget of work caps the rest
    "regularizer": ("l1", "choice", kinds.names()),
    "strength": (0.001, "float", ("(", 0.0, 1e4)),
    "l1_ratio": (0.5, "float", ("[", 0.0, 1.0)),  # elastic net's share of L1
    "seeds": (1, "int", (1, 5)),
}

# The work a request may ask for, in model-epoch-sample-weight units (epochs x models x training rows x weights):
# 8 times the lecture's path (2000 epochs x 13 models x 80 rows x 17,025 weights = 3.5e10), about 30 s on 2 cores.
BUDGET = 2.9e11
PATH_POINTS = 13  # strengths on a path: the chosen one in the middle, six either side
CSV_BYTES, CSV_ROWS = 2_000_000, 20_000


def default_noise() -> dict:
    """Each generated data set's own default noise (its generator's), which the page offers when it is picked; the
    sets without a noise setting (``classification``) are not in it."""
    import inspect

    parameters = {name: inspect.signature(make).parameters for name, make in GENERATORS.items()}
    return {name: given["noise"].default for name, given in parameters.items() if "noise" in given}


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
    kind = kinds.get(out["regularizer"])
    axis = kinds.AXES.get(kind.axis)
    if axis and out["strength"] > axis.high:
        raise ReglabError("strength", out["strength"], f"a {kind.label} strength in (0, {axis.high:g}]")
    if axis and axis.whole and out["strength"] != int(out["strength"]):
        raise ReglabError("strength", out["strength"], f"a whole number ({kind.label}'s {axis.name})")
    return out


def described() -> dict:
    """What the page builds its controls from (``/api/controls``): each control's default, kind and what it
    allows, the regularizer kinds, the generated data sets and their noise, the budget."""
    return {"controls": {name: {"default": d, "kind": k, "allowed": a} for name, (d, k, a) in CONTROLS.items()},
            "regularizers": regularizers(), "generated": GENERATED, "noise": default_noise(), "budget": BUDGET}


def regularizers() -> dict:
    """What the page shows of each kind: its label, its help, the strength it starts at, its scale (a strength is
    kept when the page switches to a kind of the same scale), whether its path is drawn on a log axis and whether
    it reads the l1_ratio control."""
    return {name: {"label": k.label, "help": k.help, "default": k.default, "scale": k.axis, "log": log_scale(name),
                   "ratio": k.ratio} for name, k in kinds.KINDS.items()}


def log_scale(regularizer: str) -> bool:
    """Whether the page draws a path of this kind on a log axis (penalty factors, norms; not rates, patiences)."""
    axis = kinds.AXES.get(kinds.get(regularizer).axis)
    return bool(axis) and axis.drawn_log


def standardized(controls: dict) -> bool:
    """Whether the features are standardized on the training rows: as asked, or (auto) where they come on scales
    of their own (the bundled sets, a CSV file), not the generated planes, which the page draws as they are."""
    return controls["standardize"] == "on" or controls["standardize"] == "auto" and controls["data"] not in GENERATED


def path(regularizer: str, strength: float) -> list[float]:
    """The strengths a path trains: PATH_POINTS around ``strength`` on the kind's scale
    (``reglab.vocabulary.kinds.Axis.around``); none: one."""
    axis = kinds.get(regularizer).axis
    return kinds.AXES[axis].around(strength, PATH_POINTS) if axis else [0.0]


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
    if kinds.get(c["regularizer"]).watches and not len(split.y_val):
        raise ReglabError("regularizer", c["regularizer"], "another regularizer, or a validation_split above 0 "
                          f"({kinds.get(c['regularizer']).label} watches the validation loss)")
    base = {"hidden": (c["width"],) * c["layers"], "activation": c["activation"], "optimizer": c["optimizer"],
            "learning_rate": c["learning_rate"], "batch_size": c["batch_size"], "epochs": c["epochs"]}
    strengths = path(c["regularizer"], c["strength"])
    middle = len(strengths) // 2  # the chosen strength first, then outwards: the page shows it soonest
    order = sorted(range(len(strengths)), key=lambda k: (abs(k - middle), k))
    models = [(f"{c['regularizer']} {strengths[k]:g} seed {seed}", strengths[k], seed,
               ModelConfig(**base, **kinds.settings(c["regularizer"], strengths[k], c["l1_ratio"]), seed=seed))
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
