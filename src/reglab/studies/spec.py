"""Experiment specs in TOML: a data set, a split, a list of models and a sweep grid, validated into a Study. The
schema is in docs/spec.md; unknown keys, bad values and missing fields are one line naming the field."""

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .. import data
from ..vocabulary import checks
from ..vocabulary.config import ModelConfig, config_fields
from ..vocabulary.errors import ReglabError
from .sweep_grid import Grid

TOP_KEYS = ("name", "title", "description", "data", "defaults", "models", "plot", "sweep")
SWEEP_KEYS = ("regularizers", "lambdas", "rates", "norms", "patiences", "seeds", "learning_rates", "l1_ratio", "axes",
              "chunk_size")
SPLIT_KEYS = ("validation_split", "split", "split_seed", "standardize")
PLOT_KEYS = ("xlim", "ylim")


@dataclass(frozen=True)
class Study:
    """A validated experiment: where the data come from, how they are split, and the models to train."""

    name: str
    title: str
    description: str
    data: dict  # reglab.data.load arguments, "name" included
    validation_split: float
    split: str
    split_seed: int
    models: tuple  # ((name, ModelConfig), ...); empty for a sweep-only spec
    window: tuple | None = None  # ((x0, x1), (y0, y1)) for decision regions
    base: ModelConfig = ModelConfig()  # the [defaults] model, which a sweep varies
    grid: Grid | None = None
    chunk_size: int | None = None
    overrides: tuple = ()  # ((setting, value), ...) that with_overrides replaced in every model
    standardize: bool = False  # features standardized on the training rows (data.split's standardize)

    def load_split(self, changes=None) -> data.Split:
        """The study's split; ``changes``: data settings replacing the [data] table's (a sweep's data axes)."""
        dataset = data.load(**{**self.data, **(changes or {})})
        return data.split(dataset, self.validation_split, self.split, self.split_seed, standardize=self.standardize)

    def with_overrides(self, seed=None, epochs=None) -> "Study":
        """The same study with every model's seed and/or epochs replaced (CLI --seed / --epochs); a seed also
        replaces the seeds of the [sweep] grid."""
        changes = {k: v for k, v in (("seed", seed), ("epochs", epochs)) if v is not None}
        if not changes:
            return self
        grid = self.grid if seed is None or self.grid is None else replace(self.grid, seeds=(seed,))
        return replace(self, models=tuple((n, c.replace(**changes)) for n, c in self.models),
                       base=self.base.replace(**changes), grid=grid, overrides=tuple(changes.items()))


def read(path) -> Study:
    """Parse and validate a TOML spec file."""
    path = Path(path)
    if not path.is_file() and builtin(str(path)).is_file():
        path = builtin(str(path))
    if not path.is_file():
        raise ReglabError("spec", str(path), "an existing TOML file, or a built-in spec: " + ", ".join(BUILTIN))
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise ReglabError(f"spec {path.name}", str(err), "valid TOML") from None
    return parse(doc, default_name=path.stem, base=path.parent)


def parse(doc: dict, default_name: str = "study", base: Path | None = None) -> Study:
    """Validate a spec already read into a dict (see the module docstring for the schema)."""
    _known("spec", doc, TOP_KEYS)
    data_doc = dict(_table(doc, "data"))
    split_args = {k: data_doc.pop(k) for k in SPLIT_KEYS if k in data_doc}
    data_doc.setdefault("name", "moons")
    checks.choice("data.name", data_doc["name"], data.NAMES)
    if data_doc["name"] == "csv" and base is not None and "path" in data_doc:
        data_doc["path"] = str((base / data_doc["path"]).resolve())
    validation_split = checks.number("data.validation_split", split_args.get("validation_split", 0.2),
                                     low=0.0, high=1.0, high_open=True)
    split = checks.choice("data.split", split_args.get("split", "keras"), data.SPLITS)
    split_seed = checks.integer("data.split_seed", split_args.get("split_seed", 0), low=0)
    standardize = split_args.get("standardize", False)
    if not isinstance(standardize, bool):
        raise ReglabError("data.standardize", standardize, "true or false (features scaled on the training rows)")

    defaults = _table(doc, "defaults")
    _known("defaults", defaults, config_fields())
    base = _model("defaults", defaults)
    sweep = _table(doc, "sweep")
    _known("sweep", sweep, SWEEP_KEYS)
    grid = Grid.build(**{k: v for k, v in sweep.items() if k != "chunk_size"}) if sweep else None
    chunk_size = checks.integer("sweep.chunk_size", sweep["chunk_size"]) if "chunk_size" in sweep else None
    models_doc = doc.get("models", [] if sweep else None)
    if not isinstance(models_doc, list) or not (models_doc or sweep):
        raise ReglabError("models", models_doc, "a non-empty array of tables ([[models]] with a name), or a "
                          "[sweep] table")
    models, names = [], set()
    for i, entry in enumerate(models_doc):
        where = f"models[{i}]"
        if not isinstance(entry, dict):
            raise ReglabError(where, entry, "a table with a name and model settings")
        _known(where, entry, ("name",) + config_fields())
        name = entry.get("name", f"model {i + 1}")
        if not isinstance(name, str) or not name.strip() or name in names:
            raise ReglabError(f"{where}.name", name, "a non-empty name, unique within the spec")
        names.add(name)
        models.append((name, _model(where, {**defaults, **{k: v for k, v in entry.items() if k != "name"}})))

    plot = _table(doc, "plot")
    _known("plot", plot, PLOT_KEYS)
    window = None
    if plot:
        window = tuple(_pair(f"plot.{k}", plot.get(k)) for k in PLOT_KEYS)
    name = doc.get("name", default_name)
    if not isinstance(name, str) or not name or "/" in name:
        raise ReglabError("name", name, "a non-empty name without '/'")
    return Study(name, str(doc.get("title", name)), str(doc.get("description", "")), data_doc,
                 validation_split, split, split_seed, tuple(models), window, base, grid, chunk_size,
                 standardize=standardize)


def _model(where, settings) -> ModelConfig:
    try:
        return ModelConfig(**settings)
    except ReglabError as err:
        raise ReglabError(f"{where}.{err.field}", err.value, err.allowed) from None


def _table(doc, key):
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ReglabError(key, value, "a table")
    return value


def _known(where, table, allowed):
    for key in table:
        if key not in allowed:
            raise ReglabError(f"{where}.{key}", table[key], "a known key: " + ", ".join(allowed))


def _pair(field, value):
    if not (isinstance(value, list) and len(value) == 2):
        raise ReglabError(field, value, "two numbers [low, high]")
    low, high = (checks.number(field, v) for v in value)
    if low >= high:
        raise ReglabError(field, value, "two numbers [low, high] with low < high")
    return low, high


BUILTIN = ("seed", "features", "sweep")  # the specs of reglab demo, reglab demo features and reglab sweep


def builtin(name: str) -> Path:
    """The path of a spec that ships with reglab (``seed`` is the lecture's study, run by ``reglab demo``)."""
    return Path(__file__).parent / "specs" / f"{name}.toml"
