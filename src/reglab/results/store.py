"""A sweep on disk: many models in finished chunks, readable with NumPy and pandas alone (no JAX).

Layout of a sweep folder::

    sweep.json                 what was asked: data, split, base config, grid, every model's point and chunk
    chunks/00000/models.json   per model of the chunk: index, point, config, final figures, diverged, layer stats
    chunks/00000/history.npz   each history key -> [models, epochs] float32
    chunks/00000/params.npz    layer{i}.kernel -> [models, fan_in, fan_out], layer{i}.bias -> [models, fan_out]

A chunk folder is written under a temporary name and renamed when complete, so a killed sweep leaves only whole
chunks; a rerun with the same ``sweep.json`` skips them.
"""

import json
import shutil
from pathlib import Path

import numpy as np

from ..output.folders import atomic_folder, leftovers, write_atomic
from ..vocabulary.config import ModelConfig
from ..vocabulary.errors import ReglabError
from ..vocabulary.history import with_totals
from . import card
from .metrics import kernel_fractions
from .run import Run

POINT_COLUMNS = ("index", "regularizer", "strength", "learning_rate", "seed")


class SweepStore:
    """Read and write one sweep folder."""

    def __init__(self, folder):
        self.folder = Path(folder)

    @property
    def chunks_dir(self) -> Path:
        return self.folder / "chunks"

    def start(self, manifest: dict) -> None:
        """Create the folder for ``manifest``, or check that an existing one holds the same sweep and drop the
        chunks a killed run left half-written (they are trained again; the caller holds the folder's claim, so no
        live process is writing them)."""
        path = self.folder / "sweep.json"
        if path.exists():
            if json.loads(path.read_text()) != json.loads(json.dumps(manifest)):
                raise ReglabError("out", str(self.folder), "an empty folder, or one holding this same sweep "
                                  "(it holds another sweep: choose another --out or remove it)")
            for partial in leftovers(self.chunks_dir):
                shutil.rmtree(partial, ignore_errors=True)
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            raise ReglabError("out", str(self.folder), "an empty folder, or one holding this same sweep")
        self.chunks_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(manifest, indent=1))

    def manifest(self) -> dict:
        path = self.folder / "sweep.json"
        if not path.is_file():
            raise ReglabError("sweep folder", str(self.folder), "a folder written by reglab sweep (with sweep.json)")
        return json.loads(path.read_text())

    def finished(self) -> set[int]:
        if not self.chunks_dir.is_dir():
            return set()
        return {int(p.name) for p in self.chunks_dir.iterdir() if p.is_dir() and p.name.isdigit()}

    def write_chunk(self, chunk_id: int, models: list[dict], histories: list[dict], params: list[list]) -> None:
        """Write one finished chunk atomically: ``models`` rows, per-model histories and params, in model order."""
        with atomic_folder(self.chunks_dir / f"{chunk_id:05d}") as tmp:
            (tmp / "models.json").write_text(json.dumps(models, indent=1))
            np.savez(tmp / "history.npz", **{k: np.stack([h[k] for h in histories]) for k in histories[0]})
            np.savez(tmp / "params.npz", **{f"layer{i}.{name}": np.stack([p[i][name] for p in params])
                                            for i in range(len(params[0])) for name in ("kernel", "bias")})

    def models(self) -> list[dict]:
        """Every finished model's row (from models.json), by index."""
        rows = []
        for chunk in sorted(self.finished()):
            rows += json.loads((self.chunks_dir / f"{chunk:05d}" / "models.json").read_text())
        return sorted(rows, key=lambda r: r["index"])

    def run(self, index: int) -> Run:
        """One finished model as a Run (for decision regions and weight figures)."""
        manifest = self.manifest()
        folder = self.chunks_dir / f"{manifest['models'][index]['chunk']:05d}"  # sweep.json says where it lives
        rows = json.loads((folder / "models.json").read_text())
        j = next(j for j, row in enumerate(rows) if row["index"] == index)
        with np.load(folder / "history.npz") as h, np.load(folder / "params.npz") as p:
            recorded = {k: h[k][j] for k in h.files}
            params = [{"kernel": p[f"layer{i}.kernel"][j], "bias": p[f"layer{i}.bias"][j]}
                      for i in range(len(p.files) // 2)]
        row = rows[j]
        return Run(row["name"], ModelConfig(**row["config"]), recorded, params, tuple(manifest["classes"]), 0.0,
                   row["train_seconds"], row.get("info", {}))

    def frame(self, per: str = "model"):
        """A pandas DataFrame: ``per='model'`` one row per finished model (its point, ``family`` = the path line it
        belongs to, final figures, sparsity, diverged flag); ``per='epoch'`` one row per model and epoch (its point
        and the history keys)."""
        import pandas as pd

        if per == "model":
            return frame_from_rows(self.models(), len(self.manifest()["grid"]["learning_rates"]) > 1)
        if per != "epoch":
            raise ReglabError("per", per, "'model' or 'epoch'")
        frames = []
        for chunk in sorted(self.finished()):
            folder = self.chunks_dir / f"{chunk:05d}"
            chunk_rows = json.loads((folder / "models.json").read_text())
            with np.load(folder / "history.npz") as h:
                epochs = np.arange(1, h["data_loss"].shape[1] + 1)
                for j, row in enumerate(chunk_rows):
                    point = {**{k: row["point"][k] for k in POINT_COLUMNS}, **_axes(row["point"])}
                    frames.append(pd.DataFrame({**point, "diverged": row["diverged"], "epoch": epochs,
                                                **{k: h[k][j] for k in h.files}}))
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if len(table):
            table = table.assign(**with_totals(table)).sort_values(["index", "epoch"], ignore_index=True)
        return table


def model_row(point, run, chunk) -> dict:
    """What a sweep keeps of one model (a row of ``models.json``); a diverged model's final figures are NaN."""
    diverged, layers = run.diverged, run.layer_stats()
    return {"index": point.index, "name": run.name, "chunk": chunk, "point": point.to_dict(),
            "config": run.config.to_dict(), "diverged": diverged,
            "final": {k: (float("nan") if diverged else v) for k, v in run.final.items()},
            "kernel_fractions": kernel_fractions(layers), "layers": layers,
            "train_seconds": run.train_seconds, "compile_seconds": run.compile_seconds, "info": run.extra}


def frame_from_rows(rows, several_lrs=False):
    """The per-model DataFrame from ``models.json`` rows (see ``SweepStore.frame``): a column per further axis of
    the grid, after the point's own (a list value such as a width, [16, 16], as a tuple)."""
    import pandas as pd

    return pd.DataFrame([{**{k: r["point"][k] for k in POINT_COLUMNS}, **_axes(r["point"]),
                          "family": _family(r["point"], several_lrs), "name": r["name"], "diverged": r["diverged"],
                          **r["final"], **r["kernel_fractions"], **r.get("info", {}),
                          "train_seconds": r["train_seconds"], "chunk": r["chunk"]} for r in rows])


def _axes(point) -> dict:
    """A point's further axes, lists as tuples (a table's cells must be hashable to group by)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in point.get("axes", {}).items()}


def first_corner(frame, names):
    """The rows at the first value of every further axis ``names`` (the grid's order): the plain λ path of the
    sweep's first data and network."""
    for name in names:
        first = frame[name].iloc[0] if len(frame) else None
        frame = frame[frame[name].map(lambda v, first=first: v == first)]
    return frame


def _family(point, several_lrs) -> str:
    """What one path line is drawn over: the regularizer, and the learning rate where the grid has several."""
    return f"{point['regularizer']}, lr {point['learning_rate']:g}" if several_lrs else point["regularizer"]


def load_sweep(path, per: str = "model"):
    """``reglab.load_sweep(path)``: a sweep folder as a pandas DataFrame (see ``SweepStore.frame``); needs no JAX.
    Per model, a notebook shows it below the sweep's explorer page (``card.sweep_frame``)."""
    frame = SweepStore(path).frame(per)
    if per != "model":
        return frame
    shown = card.sweep_frame()(frame)
    shown.folder = str(path)
    return shown


def load(path, per: str = "model"):
    """``reglab.load(path)``: what reglab wrote there, read without JAX: a sweep folder (``sweep.json``) as its
    DataFrame (``load_sweep``), a run folder (``run.json``) as its Run."""
    folder = Path(path)
    if (folder / "sweep.json").is_file():
        return load_sweep(folder, per)
    if (folder / "run.json").is_file():
        return Run.load(folder)
    raise ReglabError("path", str(path), "a folder reglab wrote: a sweep (with sweep.json) or a run (with run.json)")
