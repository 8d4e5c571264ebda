"""Shared figure helpers: a grid of axes on a pyplot-free Figure, and PNG bytes."""

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

TRAIN_COLOR, VAL_COLOR, PENALTY_COLOR = "#1f77b4", "#ff7f0e", "#555555"


# Room around and between panels, in inches: y tick labels and a y label on the left, x tick labels and an x label
# below, a one-line title above. A fixed layout rather than matplotlib's constrained one, which measures every
# artist before it draws and so made each figure take about 1.5x as long (the demo draws eight).
MARGINS = {"left": 0.75, "right": 0.2, "bottom": 0.55, "top": 0.35, "wspace": 0.7, "hspace": 0.8}


def grid(n, ncols=None, panel=(3.6, 3.2), sharex=False, sharey=False, **margins):
    """A Figure with n panels of ``panel`` inches each in rows of ``ncols``; returns (fig, flat list of the n axes
    used). ``margins`` (inches) override MARGINS; shared y-axes need no room for inner tick labels."""
    ncols = ncols or min(n, 5)
    nrows = math.ceil(n / ncols)
    m = {**MARGINS, **({"wspace": 0.2} if sharey else {}), **margins}
    width, height = panel[0] * ncols, panel[1] * nrows
    fig = Figure(figsize=(width, height))
    axes_width = (width - m["left"] - m["right"] - (ncols - 1) * m["wspace"]) / ncols
    axes_height = (height - m["bottom"] - m["top"] - (nrows - 1) * m["hspace"]) / nrows
    fig.subplots_adjust(left=m["left"] / width, right=1 - m["right"] / width, bottom=m["bottom"] / height,
                        top=1 - m["top"] / height, wspace=m["wspace"] / axes_width, hspace=m["hspace"] / axes_height)
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
