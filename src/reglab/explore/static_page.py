"""The page with its models inside: one self-contained HTML file (no server, nothing fetched) with the λ and epoch
sliders and every view, for a finished sweep (``reglab sweep`` writes ``explorer.html``; ``reglab explore SWEEP
--save PAGE.html``) or for the lecture's path trained now (``reglab explore --save PAGE.html``).

The models travel as the server's messages (``payload``), one scene per regularizer and combination of the
further axes' values, which the page offers as a choice each, with a choice of seed. A sweep keeps its models'
final weights only, so its surfaces and histograms are the last epoch's and the epoch slider moves the loss curves'
marker and the figures read from the history; the path's panels show the means over seeds.
"""

import json
from html import escape
from pathlib import Path

from .. import data as datasets
from ..output.folders import write_atomic
from ..vocabulary.errors import ReglabError
from . import STATIC, controls, exports, payload

MARK = "<!-- reglab explorer: a page reglab wrote; reglab may replace it -->"


def sweep_data(folder, split=None) -> dict:
    """The scenes and models of the sweep in ``folder``: one path per regularizer (``family``) and combination of
    the further axes' values (``axes``: name -> value as the report labels it), every seed's models drawn;
    ``split``: the data of the first value of every axis (else loaded again as its ``sweep.json`` says, as are the
    data of the other values of data axes)."""
    from ..results import SweepStore
    from ..views.axes import combos, label

    store = SweepStore(folder)
    manifest = store.manifest()
    d = manifest["data"]  # with further axes: the data of their first values
    names = list(manifest["grid"].get("axes", {}))
    splits = {}

    def data_of(changes):
        key = json.dumps(changes, sort_keys=True)
        if key not in splits:
            if split is not None and not splits:  # the first combination is the first value of every axis
                splits[key] = split
            else:
                splits[key] = datasets.split(datasets.load(**{"name": d["name"], **d["params"], **changes}),
                                             d["validation_split"], d["split"], standardize=d.get("standardize", False))
        return splits[key]

    paths = []
    for values, rows in combos(store.frame(), names):
        at = dict(zip(names, values))
        here = data_of({n.removeprefix("data."): v for n, v in at.items() if n.startswith("data.")})
        plane = payload.Plane(here)
        for family, part in rows.groupby("family", sort=False):
            part = part[~part["diverged"]].sort_values(["strength", "seed"])
            if part.empty:  # every model of this path diverged: nothing to draw
                continue
            strengths = sorted(float(s) for s in part["strength"].unique())
            models, shown = [], {}
            for _, row in part.iterrows():
                run = store.run(int(row["index"]))
                run.extra.update({k: row[k] for k in ("boundary_length", "boundary_pieces") if k in row})
                shown.setdefault(int(row["seed"]), {})[float(row["strength"])] = run
                models.append(payload.model(int(row["index"]), float(row["strength"]), int(row["seed"]), run,
                                            plane, len(here.y_val)))
            scene = {"type": "scene", **payload.scene(here, plane), "family": family,
                     "controls": {"regularizer": str(part["regularizer"].iloc[0])}, "strengths": strengths,
                     "log": controls.log_scale(str(part["regularizer"].iloc[0])),
                     "seeds": sorted(shown), "models": [{"index": m["index"], "strength": m["strength"],
                                                         "seed": m["seed"]} for m in models],
                     "exports": {str(seed): [exports.all_three(runs[s].config, here.dataset, d["validation_split"],
                                                               runs[s].name, d.get("standardize", False))
                                             if s in runs else None for s in strengths]
                                 for seed, runs in shown.items()}}
            paths.append({"family": family, "axes": {n: label("", v).strip() for n, v in at.items()},
                          "messages": [scene, *models]})
    return {"title": f"reglab sweep: {Path(folder).name}", "axes": names, "families": paths}


def study_data(body=None) -> dict:
    """The page's path for a request (default: the lecture's l1 path), trained now, as one scene and its models."""
    from .server import prepare, trained

    the_plan, split, plane, scene = prepare(body or {})
    messages = [scene, *(message for _, message in trained(the_plan, split, plane))]
    return {"title": "reglab explore: the lecture's study", "families": [{"family": scene["controls"]["regularizer"],
                                                                           "messages": messages}]}


def sweep_page(folder, split=None) -> str:
    """The page of the sweep in ``folder`` (``run_grid``'s ``page``: written beside its report)."""
    return html(sweep_data(folder, split))


def html(page_data: dict) -> str:
    """One HTML file: the page, its style and script inlined, and ``page_data`` for the script to draw."""
    blob = json.dumps(page_data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return _inlined(f"window.REGLAB_STATIC = {blob};", page_data["title"])


def widget_page() -> str:
    """The page as the notebook's widget holds it: its requests go to the kernel (``window.REGLAB_WIDGET``)."""
    return _inlined("window.REGLAB_WIDGET = true;", "reglab explore")


def _inlined(prelude: str, title: str) -> str:
    """The page with its style and script inlined, ``prelude`` run before the script."""
    page = (STATIC / "index.html").read_text()
    style, script = (STATIC / "explore.css").read_text(), (STATIC / "explore.js").read_text()
    page = page.replace('<link rel="stylesheet" href="explore.css">', f"<style>{style}</style>")
    page = page.replace('<script src="explore.js"></script>',
                        f"<script>{prelude}</script>\n<script>{script}</script>")
    page = page.replace("<title>reglab explore</title>", f"<title>{escape(title)}</title>")
    return page.replace("<!doctype html>", f"<!doctype html>\n{MARK}", 1)


def save(path, page_data: dict) -> Path:
    """Write the page to ``path``; a file there that reglab did not write is refused, never replaced."""
    path = Path(path)
    if path.is_dir() or path.exists() and MARK not in path.read_text(errors="replace")[:300]:
        raise ReglabError("save", str(path), "a new file, or a page reglab wrote (this one is not)")
    write_atomic(path, html(page_data))
    return path
