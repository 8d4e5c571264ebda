"""``reglab demo tabular``: choosing λ on tabular data, reglab's cross-validated path beside scikit-learn's
``GridSearchCV`` over its own ``MLPClassifier``/``MLPRegressor``, on the same folds, with the same network, batch
size, learning rate and epochs (scikit-learn with ``tol=0`` and no early stop, so both run every epoch), inputs
standardized in a ``Pipeline``. Per data set: the cross-validated score (accuracy, or R² for diabetes), the chosen
alpha in scikit-learn's units, the inputs the chosen model still uses, and the wall time."""

import json
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..output.folders import check_output, marked_folder, written
from ..output.locks import claim
from ..vocabulary.errors import ReglabError

DATASETS = ("breast_cancer", "wine", "digits", "diabetes")  # diabetes is the regression
COLUMNS = [("data", "data", "{}"), ("method", "method", "{}"), ("score", "CV score", "{:.4f}"),
           ("alpha_sklearn", "alpha", "{:.3g}"), ("features", "inputs used", "{}"), ("seconds", "seconds", "{:.1f}")]


@dataclass
class TabularResult:
    rows: list  # one dict per data set and method (COLUMNS' keys, and the per-alpha mean scores)
    out: Path
    seconds: float


def _data(name):
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, f"load_{name}")()
    return bunch.data.astype(np.float64), bunch.target, name == "diabetes"


def compare(names=DATASETS, alphas=8, folds=5, epochs=100, hidden=(64, 64), batch_size=32, learning_rate=0.001,
            penalty="l2", progress=None):
    """Rows of the comparison for each data set in ``names``: scikit-learn's grid and reglab's path over the same
    ``alphas`` (that many, log-spaced from 1e-5 to 10 in scikit-learn's units) and folds."""
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise ReglabError("data", unknown[0], "one of " + ", ".join(DATASETS))
    grid = np.geomspace(1e-5, 10, alphas)
    common = {"hidden_layer_sizes": tuple(hidden), "batch_size": batch_size, "learning_rate_init": learning_rate,
              "max_iter": epochs, "random_state": 0}
    rows = []
    for name in names:
        rows += [grid_search(name, grid, folds, common), path(name, grid, folds, common, penalty)]
        if progress:
            progress(rows[-2:])
    return rows, grid


def grid_search(name, grid, folds, common) -> dict:
    """scikit-learn's side: ``GridSearchCV(n_jobs=2)`` over its own MLP's ``alpha`` in ``grid`` (``common``: the
    MLP's settings), inputs standardized in a Pipeline; its row of the comparison."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, regression = _data(name)
    theirs = (MLPRegressor if regression else MLPClassifier)(**common, tol=0.0, n_iter_no_change=10**9)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(make_pipeline(StandardScaler(), theirs), {theirs.__class__.__name__.lower()
                              + "__alpha": grid}, cv=_folds(folds, regression), n_jobs=2).fit(X, y)
    return {"data": name, "method": "scikit-learn grid", "score": float(search.best_score_),
            "alpha_sklearn": float(grid[search.best_index_]), "features": f"{X.shape[1]} of {X.shape[1]}",
            "seconds": time.perf_counter() - start, "curve": search.cv_results_["mean_test_score"].tolist()}


def path(name, grid, folds, common, penalty="l2") -> dict:
    """reglab's side: one ``MLPClassifierCV`` (``MLPRegressorCV``) over the same alphas, converted to reglab's
    convention, and folds; its row of the comparison."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..engine import runner  # noqa: F401  (JAX's import, about 1 s, is no more a fit's than scikit-learn's is)
    from . import MLPClassifierCV, MLPRegressorCV, from_sklearn_alpha

    X, y, regression = _data(name)
    batch = common["batch_size"]
    ours = (MLPRegressorCV if regression else MLPClassifierCV)(
        **common, penalty=penalty, cv=_folds(folds, regression),
        alphas=[from_sklearn_alpha(a, batch, regression) for a in grid])
    start = time.perf_counter()
    fitted = make_pipeline(StandardScaler(), ours).fit(X, y)[-1]
    seconds = time.perf_counter() - start
    return {"data": name, "method": f"reglab path ({penalty})", "score": float(fitted.scores_.mean(axis=1)[
            fitted.best_index_]), "alpha_sklearn": float(grid[fitted.best_index_]),
            "features": f"{int(fitted.get_support().sum())} of {X.shape[1]}", "seconds": seconds,
            "curve": fitted.scores_.mean(axis=1).tolist()}


def _folds(k, regression):
    from sklearn.model_selection import KFold, StratifiedKFold

    return (KFold if regression else StratifiedKFold)(k)


def run(out=None, progress=None, **settings) -> TabularResult:
    """Compare on every data set and write ``report.html`` and ``metrics.json`` into ``out`` (a new folder, or one
    reglab wrote)."""
    from ..views.report import html_figure, html_table, page, versions
    from ..views.style import png_bytes
    from ..views.versus_gridsearch import plot_curves

    start = time.perf_counter()
    out = Path(out or "reglab-out/tabular")
    with claim(out):
        with written(out):
            check_output(out)
        rows, grid = compare(progress=progress, **settings)
        figure = plot_curves(rows, grid)
        table = [{k: v for k, v in row.items() if k != "curve"} for row in rows]
        libraries = versions()
        intro = (f"reglab's cross-validated path beside scikit-learn's GridSearchCV on the same folds: {settings}. "
                 "alpha in scikit-learn's units (reglab trains alpha / (2 * batch) for a classifier, alpha / batch "
                 "for the regressor: the same penalty).")
        html = page("Choosing λ on tabular data", intro, ", ".join(DATASETS), [
            html_table(table, COLUMNS), html_figure("curves.png", "Mean cross-validated score against alpha "
                                                    "(scikit-learn's units), per data set.", png_bytes(figure))],
                    "reglab demo tabular", libraries)
        with marked_folder(out) as folder:
            (folder / "report.html").write_text(html)
            (folder / "metrics.json").write_text(json.dumps({"rows": rows, "alphas_sklearn": grid.tolist(),
                                                             "settings": settings, "versions": libraries}, indent=1))
    return TabularResult(rows, out, time.perf_counter() - start)
