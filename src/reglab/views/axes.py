"""A sweep over further axes (a width, a sample count, ...): the λ path faceted by them, and the best λ against
each, from a sweep's per-model table (``reglab.load``: one column per axis)."""

import json

import numpy as np

from .lambda_paths import _x_axis, best_rows, strength_word
from .style import grid, log_x, log_y

LINE_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
               "#17becf")


def label(name, value) -> str:
    """An axis value as a legend or tick shows it: ``hidden 16x16``, ``data.n 50``."""
    if isinstance(value, (list, tuple)):
        return f"{name} " + "x".join(str(v) for v in value)
    return f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"


def _values(frame, name) -> list:
    """The axis' values in the grid's order (first seen)."""
    return list(dict.fromkeys(frame[name]))


def _numeric(values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def combos(frame, names):
    """(combination of values, its rows) for every combination of ``names``' values, in the grid's order."""
    if not names:
        return [((), frame)]
    keys = list(dict.fromkeys(map(tuple, frame[list(names)].itertuples(index=False, name=None))))
    return [(key, frame[np.logical_and.reduce([frame[n].map(lambda v, k=k: v == k) for n, k in zip(names, key)])])
            for key in keys]


def plot_axes_path(frame, names):
    """Validation data loss against strength: a panel per regularizer and value of the first axis (``names[0]``),
    a line (mean over seeds) per combination of the other axes' values, each path's best strength as a dot.
    Returns a Figure."""
    first, rest = names[0], list(names[1:])
    families, values = list(dict.fromkeys(frame["family"])), _values(frame, first)
    fig, axes = grid(len(families) * len(values), ncols=len(values), panel=(3.9, 3.1), sharey=True, top=0.55,
                     left=0.95)
    for i, family in enumerate(families):
        for j, value in enumerate(values):
            ax = axes[i * len(values) + j]
            part = frame[(frame["family"] == family) & frame[first].map(lambda v: v == value) & ~frame["diverged"]]
            for c, (combo, rows) in enumerate(combos(part, rest)):
                mean = rows.groupby("strength")["val_data_loss"].mean()
                if mean.empty:
                    continue
                color = LINE_COLORS[c % len(LINE_COLORS)]
                name = ", ".join(label(n, v) for n, v in zip(rest, combo)) or "mean over seeds"
                ax.plot(mean.index, mean.values, color=color, lw=1.4, marker="o", ms=2.5, label=name)
                ax.plot([mean.idxmin()], [mean.min()], "o", color=color, ms=7, mfc="none", mew=1.5)
            _x_axis(ax, str(part["regularizer"].iloc[0]) if len(part) else family,
                    np.asarray(sorted(part["strength"].unique())))
            log_y(ax)
            ax.set_title(f"{family}, {label(first, value)}", fontsize=10)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("validation data loss")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8, loc="best")
    return fig


def plot_best_by_axis(frame, names):
    """The best strength (lowest mean validation data loss over seeds) against each axis' values: a panel per
    axis and regularizer, a line per combination of the other axes' values. Returns a Figure."""
    best = best_rows(frame, by=names)
    families = list(dict.fromkeys(frame["family"]))
    fig, axes = grid(len(names) * len(families), ncols=len(families) if len(names) > 1 else None,
                     panel=(4.4, 3.1), top=0.55, left=0.95)
    for a, name in enumerate(names):
        values, others = _values(frame, name), [n for n in names if n != name]
        numeric = _numeric(values)
        for f, family in enumerate(families):
            ax = axes[a * len(families) + f]
            rows = [r for r in best if r["family"] == family and r["seeds"]]
            groups = {}
            for r in rows:
                groups.setdefault(tuple(json.dumps(r[n]) for n in others), []).append(r)
            for c, (key, members) in enumerate(groups.items()):
                at = {json.dumps(r[name]): r["strength"] for r in members}
                xs = [v if numeric else k for k, v in enumerate(values) if json.dumps(v) in at]
                ys = [at[json.dumps(v)] for v in values if json.dumps(v) in at]
                combo = ", ".join(label(n, json.loads(k)) for n, k in zip(others, key)) or family
                ax.plot(xs, ys, marker="o", color=LINE_COLORS[c % len(LINE_COLORS)], lw=1.4, label=combo)
            if numeric and all(v > 0 for v in values) and max(values) / min(values) >= 10:
                log_x(ax)
            if not numeric:
                ax.set_xticks(range(len(values)), [label("", v).strip() for v in values])
            log_y(ax)
            ax.set_xlabel(name)
            ax.set_ylabel(f"best {strength_word(frame[frame['family'] == family]['regularizer'].iloc[0])}")
            ax.set_title(f"{family}: best strength against {name}", fontsize=10)
            ax.grid(alpha=0.3)
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8, loc="best")
    return fig
