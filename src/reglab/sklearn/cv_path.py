"""The cross-validated regularization path of the classifier and the regressor: every alpha x fold model trained
at once, through one runner call (folds of unequal size padded with masks, so models of one network share one
compiled program)."""

import numbers
import time
from dataclasses import replace

import numpy as np
from sklearn.base import _fit_context, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..vocabulary import kinds
from ..vocabulary.errors import plain
from ..vocabulary.executors import CHOICES
from .estimators import _MLP, MLPClassifier, MLPRegressor, adaptive_factors, only

# the single estimator's settings a path does not take: its own alphas; quiet, fresh fits at one step size
SINGLE_ONLY = ("alpha", "verbose", "warm_start", "learning_rate", "power_t", "max_fun")
EPS = 1e-4  # an int of alphas spans alpha_max down to EPS * alpha_max, log-spaced (glmnet's habit)


def alpha_max(penalty, params, grads, factors=None, l1_ratio=0.5) -> float:
    """The strength at which the hidden kernels' zero is where the data's pull at initialization stops (``params``
    and ``grads``: the initial weights and the mean data loss's gradient there, per Dense layer), by the kind's rule
    (reglab.vocabulary.kinds): for the sparse penalties the smallest one at which every weight (l1, l1_proximal;
    elastic_net through its L1 share ``l1_ratio``) or every group of weights (group lasso: an input's outgoing row, a
    unit's incoming column; with ``factors``, the first layer's input groups weighed by them) would stay at zero; for l2
    (and none), the one whose pull 2 * alpha * ||W|| equals the data's ||grad W||."""
    kind = kinds.get(penalty, "penalty", penalties_only=True)
    share = l1_ratio if kind.ratio else 1.0  # the L1 part's share of alpha
    hidden = [np.asarray(g["kernel"], np.float64) for g in grads[:-1]] or [np.asarray(grads[0]["kernel"])]
    if kind.alpha_max == "l1" and share > 0:
        return float(max(np.abs(g).max() for g in hidden)) / share
    if kind.alpha_max.startswith("group"):
        axis = 1 if kind.alpha_max == "group_inputs" else 0
        pulls = [np.linalg.norm(g, axis=axis) for g in hidden]
        if factors is not None:  # a group of factor 0 is never held at zero: it sets no bound
            f = np.asarray(factors, np.float64)
            pulls[0] = np.where(f > 0, pulls[0] / np.where(f > 0, f, 1.0), 0.0)
        return float(max(pull.max() for pull in pulls))
    weights = [np.asarray(p["kernel"], np.float64) for p in params[:len(hidden)]]
    return float(np.sqrt(sum((g * g).sum() for g in hidden)) / (2 * np.sqrt(sum((w * w).sum() for w in weights))))


class _Path:
    """An MLP with ``alpha`` chosen by cross-validation over ``alphas`` (an int: that many log-spaced from
    ``alpha_max`` of the data down to EPS times it, see ``alpha_max``; or the values), on ``cv`` folds
    (scikit-learn's: an int is stratified k-fold for the classifier, k-fold for the regressor), scored by
    ``scoring`` (default: the estimator's score, accuracy or R²).
    ``selection="best"`` takes the best mean score, ``"1se"`` the largest alpha within one standard error of it.
    With ``relax`` (Meinshausen's relaxed lasso; glmnet's ``relax=TRUE`` with gamma 0), each alpha x fold is scored
    by a second model trained without the penalty on the inputs the first one kept: a sparse penalty's scores then
    judge its choice of inputs, not the shrinkage that comes with it (which makes plain scores favour small alphas
    that keep noise inputs). With ``adaptive`` (group_lasso_inputs), each fold's models weigh its inputs by
    ``adaptive_factors`` of an unpenalized model trained first on the fold's rows (one more model per fold, and one
    on all rows for the refit and ``alpha_max``): inputs that matter only with others, which the data's pull at
    initialization cannot see, are then priced by what a trained network makes of them. With ``refit``, the chosen
    alpha is trained on all the data (with ``relax``: then again, unpenalized, on the inputs it kept; the weights of
    the others are zero). ``executor``: where the path's models train (``reglab.vocabulary.executors``: threads,
    vectorized, ray; auto picks threads on a CPU), as a sweep's do.

    Learned, in scikit-learn's shapes: ``alphas_`` [n_alphas], ``scores_`` and ``train_scores_`` [n_alphas,
    n_folds], ``alpha_``, ``best_index_``, ``alpha_max_`` (for an int of alphas), ``n_features_selected_``
    [n_alphas] (mean over folds of the inputs still in use), ``fit_time_`` (seconds training the path), and with
    ``refit`` what the single estimator learns.
    """

    _parameter_constraints = {
        **{k: v for k, v in _MLP._parameter_constraints.items() if k not in SINGLE_ONLY},
        "solver": [StrOptions({"adam", "sgd"})],
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "cv": ["cv_object"],
        "scoring": [None, str, callable, HasMethods("__call__")],
        "refit": ["boolean"],
        "relax": ["boolean"],
        "selection": [StrOptions({"best", "1se"})],
        "executor": [StrOptions(set(CHOICES))],
    }

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, alphas=16, cv=5, scoring=None, refit=True,
                 relax=False, selection="best", solver="adam", penalty="l2", l1_ratio=0.5, adaptive=False,
                 batch_size="auto",
                 learning_rate_init=0.001, max_iter=200, momentum=0.9, dropout=0.0, weight_decay=0.0, max_norm=None,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10, tol=1e-4, random_state=None,
                 shuffle=True, beta_1=0.9, beta_2=0.999, epsilon=1e-7, executor="auto"):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.alphas = alphas
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.relax = relax
        self.selection = selection
        self.solver = solver
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.adaptive = adaptive
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.momentum = momentum
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.max_norm = max_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.shuffle = shuffle
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.executor = executor

    def _alpha_grid(self, dataset, seed, rows, weights, factors) -> np.ndarray:
        if isinstance(self.alphas, numbers.Integral):
            from ..engine.runner import initial_gradient

            params, grads = initial_gradient(self._config(rows, seed, 0.0), self._split(dataset, seed,
                                                                                      weights=weights))
            top = alpha_max(self.penalty, params, grads, factors, self.l1_ratio)
            self.alpha_max_ = top
            return np.geomspace(top, top * EPS, self.alphas)
        self.alpha_max_ = None  # given, not measured
        alphas = np.asarray(self.alphas, dtype=np.float64).ravel()
        if not len(alphas) or not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(f"alphas: got {plain(self.alphas)!r}; allowed: an int, or finite numbers >= 0")
        return alphas

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Cross-validate every alpha, then (with ``refit``) train the chosen one on all of X, y; returns self.
        With ``sample_weight``, each fold trains on its rows' weights and is scored with its test rows' weights (as
        ``LogisticRegressionCV`` does). The path's models train on ``executor`` (a Ray cluster: the one this process
        joined with ``ray.init``, else a local runtime for the fit); the refit here."""
        from ..engine.runner import connected

        with connected(self.executor):
            return self._fit_path(X, y, sample_weight)

    def _fit_path(self, X, y, sample_weight):
        from ..engine.runner import Job

        X, targets, seed = self._data(X, y)
        weights = self._weights(sample_weight, X, targets)
        truth = self.classes_[targets] if is_classifier(self) else targets  # what the scorer compares against
        folds = list(check_cv(self.cv, targets, classifier=is_classifier(self)).split(X, targets))
        # batch_size="auto" is min(200, rows): taken at the largest fold, every fold's epoch is one batch below 200
        # rows and batches of 200 above, as each would alone, and all share one program
        rows, dataset = max(len(train) for train, _ in folds), self._dataset(X, targets)
        splits = [self._split(dataset, seed, train, test, weights) for train, test in folds]
        factors, whole = self._dense_factors(X, targets, seed, weights, splits, rows) if self._adapts() else \
            ([None] * len(folds), None)
        alphas = self._alpha_grid(dataset, seed, rows, weights, whole)
        jobs = [Job(self._config(rows, seed, alpha, factors[k]), splits[k], (i, k), figures=False)
                for i, alpha in enumerate(alphas) for k in range(len(folds))]
        scorer = check_scoring(self, self.scoring)
        scores, train_scores = np.zeros((len(alphas), len(folds))), np.zeros((len(alphas), len(folds)))
        support = np.ones((len(alphas), len(folds), X.shape[1]), bool)
        # the refit's programs (all rows: another batch count) compile while the path trains
        ahead = [Job(*self._whole(X, targets, seed, a, weights=weights, factors=whole)) for a in (alphas.max(), 0.0)]
        ahead = ahead if self.refit else []
        start = time.perf_counter()
        models = dict(self._fold_models(jobs, dataset, alphas, ahead=ahead))
        for (i, k), model in models.items():
            support[i, k] = model.get_support()
        if self.relax:
            jobs = [Job(self._config(rows, seed, 0.0), self._split(replace(dataset, X=dataset.X * support[i, k]), seed,
                                                                  *folds[k], weights), (i, k), figures=False)
                    for i in range(len(alphas)) for k in range(len(folds))]
            models = dict(self._fold_models(jobs, dataset, np.zeros_like(alphas), support))
        weighed = lambda rows: {} if weights is None else {"sample_weight": weights[rows]}  # noqa: E731
        for (i, k), model in models.items():
            train, test = folds[k]
            scores[i, k] = scorer(model, X[test], truth[test], **weighed(test))
            train_scores[i, k] = scorer(model, X[train], truth[train], **weighed(train))
        self.fit_time_ = time.perf_counter() - start
        self.alphas_, self.scores_, self.train_scores_ = alphas, scores, train_scores
        self.n_features_selected_ = support.sum(axis=2).mean(axis=1)
        mean = scores.mean(axis=1)
        best = int(np.argmax(mean))
        if self.selection == "1se":
            se = scores[best].std(ddof=1) / np.sqrt(len(folds)) if len(folds) > 1 else 0.0
            within = np.flatnonzero(mean >= mean[best] - se)
            best = int(within[np.argmax(alphas[within])])  # the strongest alpha within one standard error
        self.best_index_, self.alpha_ = best, float(alphas[best])
        if self.refit:
            self._fit_all(X, targets, seed, self.alpha_, weights=weights, factors=whole)
            if self.relax:
                self._fit_all(X, targets, seed, 0.0, self.get_support(), weights)
        return self

    def _dense_factors(self, X, targets, seed, weights, splits, rows):
        """``adaptive_factors`` of unpenalized models, one per fold (each on the fold's ``splits``) and one on all
        rows, trained through one runner call: (per-fold factors, all rows' factors)."""
        from ..engine.runner import Job, run

        jobs = [Job(self._config(rows, seed, 0.0), split, k, figures=False) for k, split in enumerate(splits)]
        jobs.append(Job(*self._whole(X, targets, seed, 0.0, weights=weights), "all"))
        found = {job.tag: adaptive_factors(trained.params) for job, trained in run(jobs, self.executor)}
        return [found[k] for k in range(len(splits))], found["all"]

    def _fold_models(self, jobs, dataset, alphas, support=None, ahead=()):
        """Train ``jobs`` (tagged (alpha index, fold)) through one runner call (compiling the programs of ``ahead``
        meanwhile); yields each tag and its model as a fitted single estimator (with ``support`` [n_alphas, n_folds,
        n_features]: the weights of the inputs it leaves out set to zero)."""
        from ..engine.runner import run
        from ..results import Run

        shared = {name: getattr(self, name) for name in _MLP._parameter_constraints if name not in SINGLE_ONLY}
        for job, trained in run(jobs, self.executor, ahead=ahead):
            i, k = job.tag
            model = self._single(**shared, alpha=alphas[i])
            model.n_features_in_ = self.n_features_in_
            if is_classifier(self):
                model.classes_ = self.classes_
            params = trained.params if support is None else only(trained.params, support[i, k])
            model._fitted(Run("fold", job.config, trained.history, params, dataset.classes, 0.0,
                              trained.train_seconds, trained.info), job.config, split=job.data)
            yield job.tag, model

    def validation_curve(self):
        """scikit-learn's ValidationCurveDisplay of the stored scores (no refitting); call ``.plot()`` on it."""
        from sklearn.model_selection import ValidationCurveDisplay

        default = "accuracy" if is_classifier(self) else "R²"
        return ValidationCurveDisplay(param_name="alpha", param_range=self.alphas_, train_scores=self.train_scores_,
                                      test_scores=self.scores_, score_name=str(self.scoring or default))


class MLPClassifierCV(_Path, MLPClassifier):
    __doc__ = "``MLPClassifier`` on a cross-validated path. " + _Path.__doc__
    _single = MLPClassifier


class MLPRegressorCV(_Path, MLPRegressor):
    __doc__ = "``MLPRegressor`` on a cross-validated path. " + _Path.__doc__
    _single = MLPRegressor
