"""The tabular comparison's figure: mean cross-validated score against alpha, reglab's path beside scikit-learn's
grid, one panel per data set."""

from .style import grid, log_x


def plot_curves(rows, alphas):
    """``rows``: the comparison's rows (``data``, ``method``, ``curve`` = mean score per alpha); ``alphas``: the
    alphas in scikit-learn's units. Returns a Figure."""
    names = list(dict.fromkeys(row["data"] for row in rows))
    fig, axes = grid(len(names), panel=(3.9, 3.0), left=1.0, wspace=0.9, bottom=0.95)  # R² ticks like 0.4835
    for ax, name in zip(axes, names):
        for i, row in enumerate(r for r in rows if r["data"] == name):
            ax.plot(alphas, row["curve"], marker="o", ms=3, color=f"C{i}", label=row["method"])
        log_x(ax)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("alpha (scikit-learn's units)")
        ax.grid(alpha=0.3)
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("mean CV score")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncols=2, fontsize=9, frameon=False)
    return fig
