"""The sweep's self-contained HTML report: path figures, the best strength per regularizer, thumbnails, the grid."""

from __future__ import annotations

import html
import json

from .paths import best_rows
from .report import CSS, html_figure, html_table

BEST_COLUMNS = [("family", "regularizer", "{}"), ("strength", "best λ / rate", "{:.3g}"), ("seeds", "seeds", "{}"),
                ("val_data_loss", "val data loss (mean)", "{:.4g}"), ("val_data_loss_sd", "± sd", "{:.2g}"),
                ("val_accuracy", "val acc", "{:.3f}"), ("data_loss", "train data loss", "{:.4g}"),
                ("accuracy", "train acc", "{:.3f}"), ("zeros", "exact zeros", "{:.1%}"), ("diverged", "diverged", "{}")]


def render_sweep(title, data_summary, frame, figures, manifest, versions, rerun, seconds) -> str:
    """``frame``: the per-model table; ``figures``: (file name, caption, PNG bytes)."""
    rows = [r for r in best_rows(frame) if r["seeds"]]
    diverged = frame[frame["diverged"]]
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='sub'>{len(frame)} models in {seconds:.1f} s of training and writing; "
        f"{len(diverged)} diverged.</p>",
        f"<p><b>Data</b>: {html.escape(data_summary)}</p>",
        "<h2>Best strength per regularizer</h2><p>The lowest mean validation data loss over seeds "
        "(cross-entropy alone, penalty excluded).</p>",
        html_table(rows, BEST_COLUMNS),
    ]
    parts += [html_figure(*figure) for figure in figures]
    if len(diverged):
        parts.append("<h2>Diverged models</h2><p>" + ", ".join(html.escape(n) for n in diverged["name"]) + "</p>")
    grid = {k: manifest[k] for k in ("grid", "base", "chunk_size")}
    parts += [
        "<h2>Grid and base model</h2>", f"<pre>{html.escape(json.dumps(grid, indent=1))}</pre>",
        "<h2>Reproduce</h2>", f"<pre>{html.escape(rerun)}</pre>",
        "<p>Every model's config, history and weights are in <code>chunks/</code>; "
        "<code>reglab.load(folder)</code> reads them as a pandas DataFrame.</p>",
        "<p>Library versions: " + ", ".join(f"{html.escape(k)} {html.escape(v)}" for k, v in versions.items()) + "</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
