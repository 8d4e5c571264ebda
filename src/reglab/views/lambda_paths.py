"""Regularization paths: figures against lambda (or dropout rate) from a sweep's per-model table (a DataFrame as
``reglab.load_sweep`` returns it), a line for the mean over seeds and a band from the lowest to the highest seed."""

import numpy as np

from ..vocabulary import kinds
from .style import TRAIN_COLOR, VAL_COLOR, grid, log_x, log_y

DIVERGED_COLOR = "#c0392b"


def best_rows(frame, by=()) -> list[dict]:
    """Per path (``family``: the regularizer, and the learning rate where there are several; and each combination
    of the further axes ``by``, whose values the rows carry): the strength with the lowest mean validation data
    loss over seeds, and its figures."""
    rows = []
    for key, part in frame.groupby(["family", *by], sort=False):
        kind, at = key[0], {n: v.item() if isinstance(v, np.generic) else v for n, v in zip(by, key[1:])}
        ok = part[~part["diverged"]]
        if ok.empty:
            rows.append({"family": kind, **at, "strength": float("nan"), "seeds": 0,
                         "diverged": int(part["diverged"].sum())})
            continue
        columns = ["val_data_loss", "val_accuracy", "data_loss", "accuracy", "zeros", "below_1e-3"]
        stats = ok.groupby("strength")[columns]
        mean, std = stats.mean(), stats.std().fillna(0.0)
        best = mean["val_data_loss"].idxmin()
        rows.append({"family": kind, **at, "strength": float(best), "seeds": int((ok["strength"] == best).sum()),
                     "val_data_loss": mean.loc[best, "val_data_loss"],
                     "val_data_loss_sd": std.loc[best, "val_data_loss"],
                     "val_accuracy": mean.loc[best, "val_accuracy"], "data_loss": mean.loc[best, "data_loss"],
                     "accuracy": mean.loc[best, "accuracy"], "zeros": mean.loc[best, "zeros"],
                     "diverged": int(part["diverged"].sum())})
    return rows


def _band(ax, part, column, color, label):
    ok = part[~part["diverged"]]
    stats = ok.groupby("strength")[column].agg(["mean", "min", "max"])
    if stats.empty:
        return
    ax.plot(stats.index, stats["mean"], color=color, lw=1.6, marker="o", ms=3, label=label)
    ax.fill_between(stats.index, stats["min"], stats["max"], color=color, alpha=0.2, lw=0)


def strength_word(kind) -> str:
    """What a kind's strength is called on an axis: λ, or the name of its scale (rate, norm, patience)."""
    axis = kinds.AXES.get(kinds.get(kind).axis)
    return axis.word if axis else "λ"


def _x_axis(ax, kind, strengths):
    kind = kinds.get(kind)
    axis = kinds.AXES.get(kind.axis)
    if axis and not axis.drawn_log:  # rates and patiences: a plain axis
        ax.set_xlabel(f"{kind.label}: {axis.word}")
        return
    positive = strengths[strengths > 0]
    if len(positive) == len(strengths):
        if len(positive) == 1:  # one strength: give the log axis a width (a point has none)
            ax.set_xlim(positive[0] / 3, positive[0] * 3)
        log_x(ax)
    elif len(positive):
        ax.set_xscale("symlog", linthresh=positive.min())
    keras = "λ (Keras scaling: l1(λ)·Σ|w|, l2(λ)·Σw²)"
    ax.set_xlabel("λ (l1 = l1_ratio·λ, l2 = (1 − l1_ratio)·λ)" if kind.ratio else
                  f"{kind.label}: {axis.word}" if axis and axis.name != "lambdas" else keras)


def _mark_diverged(ax, part):
    bad = part[part["diverged"]]
    if len(bad):
        ax.plot(bad["strength"], np.full(len(bad), 0.97), "x", color=DIVERGED_COLOR, transform=ax.get_xaxis_transform(),
                label=f"diverged ({len(bad)})", clip_on=False)


def plot_path(frame, title=""):
    """One row per regularizer, two panels (data loss, accuracy): training and validation figures against
    strength, mean over seeds as a line and the seeds' range as a band, the best strength (lowest mean validation
    data loss) as a dashed line, diverged models as red crosses. Returns a Figure."""
    kinds = list(dict.fromkeys(frame["family"]))
    fig, axes = grid(2 * len(kinds), 2, panel=(4.8, 3.0), wspace=0.95, top=0.7 if title else 0.35)
    best = {row["family"]: row["strength"] for row in best_rows(frame)}
    for j, kind in enumerate(kinds):
        part = frame[frame["family"] == kind]
        seeds = part["seed"].nunique()
        for i, (metric, name) in enumerate((("data_loss", "data loss"), ("accuracy", "accuracy"))):
            ax = axes[2 * j + i]
            _band(ax, part, metric, TRAIN_COLOR, f"train {name}")
            _band(ax, part, f"val_{metric}", VAL_COLOR, f"validation {name}")
            if np.isfinite(best.get(kind, np.nan)):
                ax.axvline(best[kind], color="k", ls="--", lw=1, label=f"best {best[kind]:.3g}")
            _mark_diverged(ax, part)
            _x_axis(ax, part["regularizer"].iloc[0], np.asarray(sorted(part["strength"].unique())))
            if part["diverged"].all():
                ax.text(0.5, 0.5, "every model diverged", ha="center", transform=ax.transAxes, color=DIVERGED_COLOR)
            elif metric == "data_loss":
                log_y(ax)
            ax.set_title(f"{kind}: {name}, {seeds} seed{'s' if seeds != 1 else ''}", fontsize=10)
            ax.set_ylabel(name)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8, loc="best")
    if title:
        fig.suptitle(title)
    return fig


def plot_sparsity_path(frame):
    """Share of kernel weights exactly zero and with |w| < 1e-3 against strength, per regularizer (mean and range
    over seeds). Returns a Figure."""
    kinds = list(dict.fromkeys(frame["family"]))
    fig, axes = grid(len(kinds), panel=(3.9, 3.0), sharey=True)
    for ax, kind in zip(axes, kinds):
        part = frame[frame["family"] == kind]
        _band(ax, part, "zeros", "#2a9d8f", "exactly 0")
        _band(ax, part, "below_1e-3", "#8d6cab", "|w| < 1e-3")
        _x_axis(ax, part["regularizer"].iloc[0], np.asarray(sorted(part["strength"].unique())))
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(kind, fontsize=10)
        ax.grid(alpha=0.3)
        if not part["diverged"].all():
            ax.legend(fontsize=8)
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("share of kernel weights")
    return fig


def plot_boundary_path(frame):
    """The length of the decision boundary (P = 0.5, inside the plotting window) against strength, per regularizer
    (mean and range over seeds): regularization simplifies the boundary where it shortens. Returns a Figure."""
    kinds = list(dict.fromkeys(frame["family"]))
    fig, axes = grid(len(kinds), panel=(3.9, 3.0), sharey=True)
    for ax, kind in zip(axes, kinds):
        part = frame[frame["family"] == kind]
        _band(ax, part, "boundary_length", "#264653", "boundary length")
        _x_axis(ax, part["regularizer"].iloc[0], np.asarray(sorted(part["strength"].unique())))
        ax.set_title(kind, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("boundary length (data units)")
    return fig
