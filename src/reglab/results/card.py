"""How runs show themselves in a notebook, with NumPy alone: a run as a card (its network as Keras's summary, its
final figures, its loss curves as a small SVG), several runs as a table with a curve each, a sweep as its explorer
page; and as one plain line."""

from functools import cache
from html import escape
from pathlib import Path

import numpy as np

FIGURES = (("data_loss", "data loss", "{:.3g}"), ("val_data_loss", "val data loss", "{:.3g}"),
           ("accuracy", "accuracy", "{:.3f}"), ("val_accuracy", "val accuracy", "{:.3f}"),
           ("penalty", "penalty", "{:.3g}"))
TRAIN, VAL = "#1f77b4", "#ff7f0e"  # the figures' colours (views/style.py)


def line(run) -> str:
    """``Run('l1(0.001)', 2000 epochs, data loss 0.0474, val data loss 0.281, accuracy 0.962, zeros 0.0%)``."""
    shown = ", ".join(f"{label} {fmt.format(run.final[key])}" for key, label, fmt in FIGURES[:3]
                      if key in run.final and np.isfinite(run.final[key]))
    return f"Run({run.name!r}, {run.final_epoch} epochs, {shown}, zeros {run.kernel_fractions()['zeros']:.1%})"


def curves(run, width=220, height=70) -> str:
    """The training (blue) and validation (orange) data loss against epochs, log-scaled, as an inline SVG."""
    lines = [(run.history[key], colour) for key, colour in (("data_loss", TRAIN), ("val_data_loss", VAL))
             if key in run.history and np.isfinite(run.history[key]).any()]
    values = np.concatenate([v[np.isfinite(v) & (v > 0)] for v, _ in lines] or [np.ones(1)])
    low, high = np.log10(values.min()), np.log10(values.max())
    span = high - low or 1.0
    paths = []
    for v, colour in lines:
        keep = np.flatnonzero(np.isfinite(v) & (v > 0))
        keep = keep[np.linspace(0, len(keep) - 1, min(len(keep), width)).astype(int)]  # a point per pixel at most
        x = 2 + (width - 4) * keep / max(len(v) - 1, 1)
        y = 2 + (height - 4) * (high - np.log10(v[keep])) / span
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
        paths.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.3" points="{points}"/>')
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="data loss against epochs (log scale)"><rect width="{width}" height="{height}" '
            f'fill="#fafafa" stroke="#ddd"/>{"".join(paths)}</svg>')


def card(run) -> str:
    """A run as a notebook shows it: its name and recipe, its final figures, its loss curves and its network."""
    rows = "".join(f"<tr><td>{label}</td><td style='text-align:right'>{fmt.format(run.final[key])}</td></tr>"
                   for key, label, fmt in FIGURES if key in run.final and np.isfinite(run.final[key]))
    zeros = run.kernel_fractions()["zeros"]
    rows += f"<tr><td>kernel weights at 0</td><td style='text-align:right'>{zeros:.1%}</td></tr>"
    c = run.config
    recipe = f"{c.optimizer}({c.learning_rate:g}), batch {c.batch_size}, {run.final_epoch} epochs"
    said = (("kernel", c.kernel_regularizer), ("activity", c.activity_regularizer), ("dropout", c.dropout or None),
            ("weight decay", c.weight_decay or None), ("max-norm", c.max_norm),
            ("early stopping, patience", c.early_stopping and c.early_stopping.patience))
    regularized = ", ".join(f"{what} {value}" for what, value in said if value is not None)
    return (f"<div class='reglab-run' style='display:inline-block;border:1px solid #ccc;border-radius:6px;"
            f"padding:8px 12px;font-family:sans-serif;font-size:13px'>"
            f"<div><b>{escape(run.name)}</b> · {escape(recipe)}{' · ' + escape(regularized) if regularized else ''}"
            f"</div><div style='display:flex;gap:14px;align-items:flex-start;margin-top:6px'>"
            f"<table>{rows}</table><div>{curves(run)}<div style='font-size:11px;color:#666'>data loss, "
            f"<span style='color:{TRAIN}'>training</span> and <span style='color:{VAL}'>validation</span>, "
            f"log scale</div></div></div>"
            f"<pre style='font-size:11px;margin:6px 0 0'>{escape(run.model_summary())}</pre></div>")


def table(runs) -> str:
    """Runs as one table: a row each with its final figures and its loss curves."""
    head = "".join(f"<th>{label}</th>" for _, label, _ in FIGURES) + "<th>zeros</th><th>data loss</th>"
    body = ""
    for run in runs:
        cells = "".join(f"<td>{fmt.format(run.final[key]) if key in run.final else ''}</td>"
                        for key, _, fmt in FIGURES)
        body += (f"<tr><td><b>{escape(run.name)}</b></td>{cells}<td>{run.kernel_fractions()['zeros']:.1%}</td>"
                 f"<td>{curves(run, 160, 48)}</td></tr>")
    return f"<table class='reglab-runs'><thead><tr><th>model</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(path) -> str:
    """A self-contained page reglab wrote (a sweep's ``explorer.html``) inline: an iframe holding its text, so
    nothing is fetched."""
    return (f'<iframe srcdoc="{escape(Path(path).read_text(), quote=True)}" style="width:100%;height:760px;'
            f'border:1px solid #ccc" title="{escape(str(path))}"></iframe>')


@cache
def sweep_frame():
    """The class of what ``reglab.load_sweep`` returns (pandas is imported when a sweep is read, not before)."""
    import pandas as pd

    class SweepFrame(pd.DataFrame):
        """A sweep's per-model table that a notebook shows below the sweep's explorer page (``explorer.html``,
        where its report wrote one); what is made from it (a selection, a sum) is a plain DataFrame."""

        _metadata = ["folder"]

        @property
        def _constructor(self):
            return pd.DataFrame

        def _repr_html_(self):
            explorer = Path(self.folder) / "explorer.html"
            return (page(explorer) if explorer.is_file() else "") + (super()._repr_html_() or "")

    return SweepFrame


class Runs(list):
    """A list of Runs (what ``reglab.compare`` returns) that a notebook shows as a table, and ``repr`` as a line
    each."""

    def __repr__(self) -> str:
        return "[" + ",\n ".join(map(repr, self)) + "]"

    def _repr_html_(self) -> str:
        return table(self)
