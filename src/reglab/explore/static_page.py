"""The page with its models inside: one self-contained HTML file (no server, nothing fetched) with the λ and epoch
sliders and every view, for a finished sweep (``reglab sweep`` writes ``explorer.html``; ``reglab explore SWEEP
--save PAGE.html``) or for the lecture's path trained now (``reglab explore --save PAGE.html``).

The models travel as the server's messages (``payload``), one scene per regularizer. A sweep keeps its models'
final weights only, so its surfaces and histograms are the last epoch's and the epoch slider moves the loss curves'
marker and the figures read from the history; the first seed of each strength is drawn, the others count in the
path's means.
"""

import json
from html import escape
from pathlib import Path

from .. import data as datasets
from ..errors import ReglabError
from ..files import write_atomic
from . import STATIC, exports, payload

MARK = "<!-- reglab explorer: a page reglab wrote; reglab may replace it -->"


def sweep_data(folder, split=None) -> dict:
    """The scenes and models of the sweep in ``folder``, one scene per path (``family``); ``split``: its data (else
    loaded again as its ``sweep.json`` says)."""
    from ..results import SweepStore, first_corner

    store = SweepStore(folder)
    manifest = store.manifest()
    d = manifest["data"]  # with further axes: the data of their first values, where the page's models come from
    if split is None:
        split = datasets.split(datasets.load(d["name"], **d["params"]), d["validation_split"], d["split"])
    dataset = split.dataset
    plane = payload.Plane(split)
    frame = first_corner(store.frame(), list(manifest["grid"].get("axes", {})))
    families = []
    for family, part in frame.groupby("family", sort=False):
        part = part[~part["diverged"]].sort_values(["strength", "seed"])
        if part.empty:  # every model of this path diverged: nothing to draw
            continue
        strengths = sorted(float(s) for s in part["strength"].unique())
        first_seed = int(part["seed"].min())
        models, shown = [], {}
        for _, row in part.iterrows():
            if row["seed"] == first_seed:
                run = store.run(int(row["index"]))
                run.extra.update({k: row[k] for k in ("boundary_length", "boundary_pieces") if k in row})
                shown[float(row["strength"])] = run
                models.append(payload.model(int(row["index"]), float(row["strength"]), first_seed, run, plane,
                                            len(split.y_val)))
            else:  # the path's means need only the final figures
                models.append({"type": "model", "index": int(row["index"]), "strength": float(row["strength"]),
                               "seed": int(row["seed"]), "final": _final(row)})
        scene = {"type": "scene", **payload.scene(split, plane), "family": family, "first_seed": first_seed,
                 "controls": {"regularizer": str(part["regularizer"].iloc[0])}, "strengths": strengths,
                 "models": [{"index": m["index"], "strength": m["strength"], "seed": m["seed"]} for m in models],
                 "exports": [exports.all_three(shown[s].config, dataset, d["validation_split"], shown[s].name)
                             for s in strengths]}
        families.append({"family": family, "messages": [scene, *models]})
    return {"title": f"reglab sweep: {Path(folder).name}", "families": families}


def _final(row) -> dict:
    keys = ("data_loss", "val_data_loss", "accuracy", "val_accuracy", "zeros", "boundary_length")
    return {k: payload._num(row[k]) for k in keys if k in row}


def study_data(body=None) -> dict:
    """The page's path for a request (default: the lecture's l1 path), trained now, as one scene and its models."""
    from .server import prepare, trained

    the_plan, split, plane, scene = prepare(body or {})
    messages = [scene, *trained(the_plan, split, plane)]
    return {"title": "reglab explore: the lecture's study", "families": [{"family": scene["controls"]["regularizer"],
                                                                           "messages": messages}]}


def html(page_data: dict) -> str:
    """One HTML file: the page, its style and script inlined, and ``page_data`` for the script to draw."""
    page = (STATIC / "index.html").read_text()
    style, script = (STATIC / "explore.css").read_text(), (STATIC / "explore.js").read_text()
    blob = json.dumps(page_data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    page = page.replace('<link rel="stylesheet" href="explore.css">', f"<style>{style}</style>")
    page = page.replace('<script src="explore.js"></script>',
                        f"<script>window.REGLAB_STATIC = {blob};</script>\n<script>{script}</script>")
    page = page.replace("<title>reglab explore</title>", f"<title>{escape(page_data['title'])}</title>")
    return page.replace("<!doctype html>", f"<!doctype html>\n{MARK}", 1)


def save(path, page_data: dict) -> Path:
    """Write the page to ``path``; a file there that reglab did not write is refused, never replaced."""
    path = Path(path)
    if path.is_dir() or path.exists() and MARK not in path.read_text(errors="replace")[:300]:
        raise ReglabError("save", str(path), "a new file, or a page reglab wrote (this one is not)")
    write_atomic(path, html(page_data))
    return path
