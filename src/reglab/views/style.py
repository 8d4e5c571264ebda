"""Shared figure helpers: a grid of axes on a pyplot-free Figure, and PNG bytes."""

import io
import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

TRAIN_COLOR, VAL_COLOR, PENALTY_COLOR = "#1f77b4", "#ff7f0e", "#555555"

# The report shows each figure in a column 1200 CSS px wide (views/report.py). Drawn at DPI, a figure of at most
# REPORT_WIDTH inches is shown at its own size, a PNG pixel to a CSS px (1/96 inch), so type set at F pt reads as
# F * DPI / 96 pt; a wider figure would be shrunk, and its type with it. So grid() wraps its panels to stay within
# the column, and no text is set below SMALLEST pt.
REPORT_WIDTH, DPI, SMALLEST = 12.0, 100, 8


# Room around and between panels, in inches: y tick labels and a y label on the left, x tick labels and an x label
# below, a one-line title above. A fixed layout rather than matplotlib's constrained one, which measures every
# artist before it draws and so made each figure take about 1.5x as long (the demo draws eight).
MARGINS = {"left": 0.75, "right": 0.2, "bottom": 0.55, "top": 0.35, "wspace": 0.7, "hspace": 0.8}


def columns(n, panel_width, ncols=None) -> int:
    """How many of n panels ``panel_width`` inches wide go in a row: ``ncols`` (default: all), at most as many as
    fit in REPORT_WIDTH."""
    return max(1, min(ncols or n, n, int(REPORT_WIDTH // panel_width)))


def grid(n, ncols=None, panel=(3.6, 3.2), sharex=False, sharey=False, **margins):
    """A Figure with n panels of ``panel`` inches each in rows of ``ncols`` (see ``columns``); returns (fig, flat
    list of the n axes used). ``margins`` (inches) override MARGINS; shared y-axes need no room for inner tick
    labels."""
    ncols = columns(n, panel[0], ncols)
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


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
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


class _DecadesOr125(LogLocator):
    """Ticks at decades; where the axis spans less than two decades (one tick or none), at 1, 2 and 5 of each."""

    def tick_values(self, vmin, vmax):
        narrow = 0 < min(vmin, vmax) and max(vmin, vmax) / min(vmin, vmax) < 100
        self.set_params(subs=(1.0, 2.0, 5.0) if narrow else (1.0,))
        return super().tick_values(vmin, vmax)


def _plain_log_ticks(axis, numticks):
    axis.set_major_locator(_DecadesOr125(numticks=numticks))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(PLAIN)
