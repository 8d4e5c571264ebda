"""A sweep's report files: path figures, the best strength per regularizer, thumbnails, the grid, and the
self-contained ``report.html``."""

import html
import json

import numpy as np

from ..results.store import first_corner
from .axes import label, plot_axes_path, plot_best_by_axis
from .lambda_paths import best_rows, plot_boundary_path, plot_path, plot_sparsity_path
from .regions import plot_decision_regions
from .report import html_figure, html_table, page, versions
from .style import png_bytes

BEST_COLUMNS = [("family", "regularizer", "{}"), ("strength", "best λ / rate", "{:.3g}"), ("seeds", "seeds", "{:d}"),
                ("val_data_loss", "val data loss (mean)", "{:.4g}"), ("val_data_loss_sd", "± sd", "{:.2g}"),
                ("val_accuracy", "val acc", "{:.3f}"), ("data_loss", "train data loss", "{:.4g}"),
                ("accuracy", "train acc", "{:.3f}"), ("zeros", "exact zeros", "{:.1%}"),
                ("diverged", "diverged", "{:d}")]


def sweep_files(store, split, frame, rerun, seconds, title="Regularization path") -> dict[str, bytes]:
    """``report.html``, ``path.png``, ``sparsity.png`` and ``thumbnails.png`` of the sweep in ``store``; with
    further axes, also ``axes_path.png`` and ``best_by_axis.png``, and the other figures at the first value of
    every axis (``split``: that corner's data)."""
    names = list(store.manifest()["grid"].get("axes", {}))
    corner = first_corner(frame, names)
    at = "" if not names else " At " + ", ".join(label(n, corner[n].iloc[0]) for n in names) + "."
    figures = []
    if names:
        rest = ", ".join(names[1:]) or "regularizer"
        figures += [("axes_path.png", f"Validation data loss against strength, per regularizer and {names[0]}: a "
                     f"line per {rest} (mean over seeds), its lowest point circled.",
                     png_bytes(plot_axes_path(frame, names))),
                    ("best_by_axis.png", "How the best strength (lowest mean validation data loss over seeds) moves "
                     "with each axis: a line per value of the other axes.",
                     png_bytes(plot_best_by_axis(frame, names)))]
    figures += [("path.png", "Data loss and accuracy against strength: the line is the mean over seeds, the band the "
                 "range from the lowest to the highest seed; the dashed line marks the lowest mean validation data "
                 "loss." + at, png_bytes(plot_path(corner))),
                ("sparsity.png", "Share of kernel weights exactly zero and below 1e-3 against strength." + at,
                 png_bytes(plot_sparsity_path(corner)))]
    if "boundary_length" in corner:
        figures.append(("boundary.png", "Length of the decision boundary (P = 0.5, inside the plotting window) "
                        "against strength: mean over seeds and the seeds' range." + at,
                        png_bytes(plot_boundary_path(corner))))
    picks = _thumbnail_indices(corner) if split.X_train.shape[1] == 2 else []
    if picks:
        ncols = max(corner.loc[corner["index"].isin(picks)].groupby("family").size())
        shown = corner.set_index("index").loc[picks]
        fig = plot_thumbnails([store.run(i) for i in picks], split, int(ncols),
                              [f"{kind} {strength:.3g}" for kind, strength in zip(shown["family"], shown["strength"])])
        figures.append(("thumbnails.png", "Decision regions of the first seed from the smallest strength to the "
                        "largest (overfit to underfit), per regularizer; circles train, triangles validate." + at,
                        png_bytes(fig)))
    d = split.dataset
    summary = (f"{d.name} {d.params}: {len(split.y_train)} train / {len(split.y_val)} validation "
               f"({split.method} split, validation_split={split.validation_split:g})")
    html_text = render_sweep(title, summary, frame, figures, store.manifest(), versions(), rerun, seconds)
    return {**{name: png for name, _, png in figures}, "report.html": html_text.encode()}


def plot_thumbnails(runs, split, ncols, names=None):
    """Small decision-region panels, ``ncols`` (at most 6) to a row, titled by ``names``: a row of strengths per
    regularizer."""
    return plot_decision_regions(runs, split, ncols=ncols, panel=(2.0, 2.0), resolution=100, compact=True,
                                 names=names)


def _thumbnail_indices(frame, per_kind=6):
    """Up to ``per_kind`` models per regularizer, first seed, strengths spread from smallest to largest."""
    picks = []
    seed = frame["seed"].min()
    for _, part in frame[(frame["seed"] == seed) & ~frame["diverged"]].groupby("family", sort=False):
        part = part.sort_values("strength")
        take = np.unique(np.linspace(0, len(part) - 1, min(per_kind, len(part))).round().astype(int))
        picks += part.iloc[take]["index"].tolist()
    return picks


def render_sweep(title, data_summary, frame, figures, manifest, versions, rerun, seconds) -> str:
    """``frame``: the per-model table; ``figures``: (file name, caption, PNG bytes)."""
    names = list(manifest["grid"].get("axes", {}))
    rows = [{**r, **{n: label("", r[n]).strip() for n in names}} for r in best_rows(frame, names) if r["seeds"]]
    diverged = frame[frame["diverged"]]
    columns = BEST_COLUMNS[:1] + [(n, n, "{}") for n in names] + BEST_COLUMNS[1:]
    each = " and each combination of " + ", ".join(names) if names else ""
    parts = [f"<h2>Best strength per regularizer{each}</h2><p>The lowest mean validation data loss over seeds "
             "(cross-entropy alone, penalty excluded).</p>", html_table(rows, columns)]
    parts += [html_figure(*figure) for figure in figures]
    if len(diverged):
        parts.append("<h2>Diverged models</h2><p>" + ", ".join(html.escape(n) for n in diverged["name"]) + "</p>")
    grid = {k: manifest[k] for k in ("grid", "base", "chunk_size")}
    parts += ["<h2>Grid and base model</h2>", f"<pre>{html.escape(json.dumps(grid, indent=1))}</pre>",
              "<p>Every model's config, history and weights are in <code>chunks/</code>; "
              "<code>reglab.load_sweep(folder)</code> reads them as a pandas DataFrame.</p>"]
    subtitle = f"{len(frame)} models in {seconds:.1f} s of training and writing; {len(diverged)} diverged."
    return page(title, subtitle, data_summary, parts, rerun, versions)
