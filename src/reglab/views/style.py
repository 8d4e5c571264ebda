"""Shared figure helpers: a grid of axes on a pyplot-free Figure, and PNG bytes."""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

TRAIN_COLOR, VAL_COLOR, PENALTY_COLOR = "#1f77b4", "#ff7f0e", "#555555"


def grid(n, ncols=None, panel=(3.6, 3.2), sharex=False, sharey=False):
    """A Figure with n panels in rows of ``ncols``; returns (fig, flat list of the n axes used)."""
    ncols = ncols or min(n, 5)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=sharex, sharey=sharey, squeeze=False)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, list(axes[:n])


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


PLAIN = FuncFormatter(lambda value, _: f"{value:g}")  # "0.01", "1e-05": no mathtext, which is slow to lay out


def log_y(ax, numticks=5):
    """A log y-axis with a few major ticks in plain text and no minor ones (matplotlib's default log ticks, minor
    ones and mathtext labels, make a figure of a dozen panels take seconds to lay out)."""
    ax.set_yscale("log")
    _plain_log_ticks(ax.yaxis, numticks)


def log_x(ax, numticks=6):
    """The same for the x-axis."""
    ax.set_xscale("log")
    _plain_log_ticks(ax.xaxis, numticks)


def _plain_log_ticks(axis, numticks):
    axis.set_major_locator(LogLocator(numticks=numticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(PLAIN)
