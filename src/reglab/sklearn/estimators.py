"""Regularized MLPs with scikit-learn's estimator contract, trained by reglab's engine: a classifier and a
regressor on one shared base.

The penalty convention is reglab's and Keras's, stated once: ``alpha * sum|w|`` (l1) or ``alpha * sum w**2`` (l2)
over the hidden kernels, added to the *mean* loss of each batch. scikit-learn's MLPs add
``0.5 * alpha_sk * sum w**2`` to the batch's mean loss after dividing it by the batch size, so for the classifier
(log-loss in both) ``alpha = alpha_sk / (2 * batch_size)``; scikit-learn's regressor halves its squared error
(reglab's is Keras's mean squared error, no 1/2), so there ``alpha = alpha_sk / batch_size``
(``from_sklearn_alpha``). scikit-learn also penalizes the output layer's kernel; reglab penalizes the hidden ones
(Keras's habit in the lecture). ``max_iter`` counts epochs; with ``early_stopping=False`` every epoch runs
(scikit-learn's stop on a training loss that no longer falls by ``tol`` is not made: a path compares models
trained equally long).

``fit(X, y, sample_weight)``: each batch's loss (and every figure) is the weighted mean ``sum(w * loss) / sum(w)``,
as in scikit-learn (Keras divides by the batch size instead); scikit-learn also divides its penalty by the batch's
weight sum rather than its size, so ``from_sklearn_alpha`` holds for weights that average 1.
"""

import numbers
from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import data as datasets
from ..vocabulary import kinds
from ..vocabulary.config import ModelConfig
from ..vocabulary.errors import plain

PENALTIES = kinds.PENALTIES  # the kinds that are a penalty on the hidden kernels; their aliases are taken too
ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "logistic": "sigmoid", "identity": "linear", "gelu": "gelu"}


def from_sklearn_alpha(alpha_sklearn: float, batch_size: int, regression: bool = False) -> float:
    """reglab's (Keras's) l2 factor equal to scikit-learn's MLP ``alpha`` at that batch size: for its classifier,
    ``alpha_sk / (2 * batch_size)``; for its regressor (whose loss is half the squared error),
    ``alpha_sk / batch_size``."""
    return alpha_sklearn / ((1.0 if regression else 2.0) * batch_size)


def kernel_regularizer(penalty, alpha, l1_ratio):
    """The hidden kernels' regularizer of a ``penalty`` kind (reglab.vocabulary.kinds) at ``alpha`` (None for none
    or 0)."""
    return kinds.settings(penalty, alpha, l1_ratio).get("kernel_regularizer") if alpha else None


def adaptive_factors(params) -> np.ndarray:
    """The adaptive group lasso's factor of each input (Wang & Leng, 2008, with gamma 1) from an unpenalized
    model's ``params``: 1 / ||W1[i, :]||_2, scaled to mean 1, so that inputs the model leans on cost less to keep."""
    norms = np.linalg.norm(np.asarray(params[0]["kernel"], np.float64), axis=1)
    inverse = 1.0 / np.maximum(norms, 1e-12 * max(norms.max(), 1e-30))
    return inverse / inverse.mean()


def _cut(weights, train, test):
    """(training rows' weights, test rows' weights), or (None, None) without weights."""
    return (None, None) if weights is None else (weights[train], weights[test])


def only(params, support):
    """``params`` with the first kernel's rows of the inputs outside ``support`` [n_features] (a mask) set to 0."""
    first = {**params[0], "kernel": np.asarray(params[0]["kernel"]) * np.asarray(support, bool)[:, None]}
    return [first, *params[1:]]


def _stochastic(estimator) -> bool:
    """``partial_fit`` is there for the stochastic solvers (adam, sgd) only, as in scikit-learn, and not on a
    cross-validated path (which chooses alpha from whole fits)."""
    if hasattr(estimator, "alphas"):
        raise AttributeError("partial_fit: a cross-validated path has none (it chooses alpha from whole fits)")
    if estimator.solver == "lbfgs":
        raise AttributeError("partial_fit: got solver='lbfgs'; allowed: solver 'adam' or 'sgd' (L-BFGS takes all "
                             "rows at once)")
    return True


class _MLP(BaseEstimator):
    """A multi-layer perceptron: Glorot-uniform kernels, zero biases, Adam or SGD with Keras's arithmetic, batches
    reshuffled every epoch (or full-batch L-BFGS).

    Parameters use scikit-learn's names and meanings where it has them: ``hidden_layer_sizes``, ``activation``
    (relu, tanh, logistic, identity, gelu), ``solver`` (adam, sgd, lbfgs: ``optax.lbfgs`` on all rows, at most
    ``max_iter`` iterations and ``max_fun`` loss evaluations, stopping where no gradient entry exceeds ``tol``;
    smooth penalties only), ``batch_size`` (an int or "auto" = min(200, n_samples)), ``learning_rate`` (sgd's
    schedule: constant, invscaling with ``power_t``, adaptive: see ``_scheduled``), ``learning_rate_init``,
    ``max_iter`` (epochs), ``shuffle``, ``momentum`` (sgd), ``beta_1``, ``beta_2``, ``epsilon`` (adam; Keras's
    epsilon, 1e-7 on the uncorrected root, where scikit-learn's 1e-8 is added to the bias-corrected one),
    ``early_stopping`` with ``validation_fraction`` (a part held out), ``n_iter_no_change`` and ``tol`` (the best
    epoch's weights are kept), ``verbose`` (scikit-learn's lines, printed once the run is done), ``warm_start``
    (fit goes on from the fitted weights with a new optimizer state, as scikit-learn's), ``random_state``.
    ``partial_fit`` runs one epoch over the rows it is given, its optimizer's state kept between calls. Not made:
    scikit-learn's stop once the training loss stops falling by ``tol`` (every epoch runs: a path compares models
    trained equally long); a schedule with early stopping. reglab's: ``penalty`` (PENALTIES, or an alias such as
    ``elasticnet``), ``alpha`` (see the module's note), ``l1_ratio`` (elastic_net), ``adaptive`` (with
    group_lasso_inputs: the adaptive group lasso, each input's group weighed by ``adaptive_factors`` of an
    unpenalized model trained first on the same rows), ``dropout`` (a rate after every hidden layer), ``weight_decay``
    (decoupled), ``max_norm`` (a cap on each unit's incoming weight norm).

    Learned, as scikit-learn's MLPs learn them: ``n_features_in_``, ``feature_names_in_`` (when X has column
    names), ``coefs_`` and ``intercepts_`` (per layer, [fan_in, fan_out] and [fan_out]), ``n_iter_`` (epochs of the
    last fit or partial_fit; L-BFGS: iterations), ``t_`` (training rows seen, over warm starts), ``loss_`` and
    ``loss_curve_`` (the training loss with its penalty, per epoch; not with lbfgs), ``best_loss_`` (None with
    early stopping), ``validation_scores_`` and ``best_validation_score_`` (with early stopping: accuracy, or R²),
    ``n_layers_``, ``n_outputs_``, ``out_activation_``; reglab's: ``penalty_factors_`` (each input's factor with
    ``adaptive``, else None), ``run_`` (the reglab Run: history, sparsity, figures).
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(numbers.Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"adam", "sgd", "lbfgs"})],
        "penalty": [StrOptions(set(PENALTIES) | {a for a, name in kinds.ALIASES.items() if name in PENALTIES})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "adaptive": ["boolean"],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "max_norm": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "shuffle": ["boolean"],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        # the single estimator's only (a path trains every model from scratch, quietly, at one step size):
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "power_t": [Interval(numbers.Real, 0, None, closed="left")],
        "max_fun": [Interval(numbers.Integral, 1, None, closed="left")],
    }
    _monitor = "val_data_loss"  # early stopping's figure

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", penalty="l2", alpha=1e-4,
                 l1_ratio=0.5, adaptive=False, batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, dropout=0.0, weight_decay=0.0, max_norm=None, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, n_iter_no_change=10, max_fun=15000):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.penalty = penalty
        self.alpha = alpha
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
        self.learning_rate = learning_rate
        self.power_t = power_t
        self.shuffle = shuffle
        self.verbose = verbose
        self.warm_start = warm_start
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_fun = max_fun

    def _config(self, n_samples, seed, alpha, factors=None) -> ModelConfig:
        """The reglab model of these parameters with penalty factor ``alpha`` (and, for the first layer's input
        groups, ``factors``), for ``n_samples`` training rows."""
        hidden = np.atleast_1d(np.asarray(self.hidden_layer_sizes, dtype=int)).tolist()
        es = {"monitor": self._monitor, "patience": self.n_iter_no_change, "min_delta": self.tol,
              "restore_best_weights": True} if self.early_stopping else None
        regularizer = kernel_regularizer(self.penalty, float(alpha), float(self.l1_ratio))
        if regularizer is not None and factors is not None:
            regularizer = [replace(regularizer, factors=tuple(factors)), *[regularizer] * (len(hidden) - 1), None]
        return ModelConfig(
            # L-BFGS is no optimizer of a training program (engine/lbfgs.py reads the network and penalties only)
            hidden=tuple(hidden), activation=ACTIVATIONS[self.activation],
            optimizer="adam" if self.solver == "lbfgs" else self.solver,
            learning_rate=float(self.learning_rate_init), momentum=float(self.momentum if self.solver == "sgd" else 0),
            kernel_regularizer=regularizer,
            dropout=float(self.dropout), weight_decay=float(self.weight_decay),
            max_norm=None if self.max_norm is None else float(self.max_norm), early_stopping=es,
            epochs=int(self.max_iter), batch_size=min(200, n_samples) if self.batch_size == "auto" else
            int(self.batch_size), seed=seed, shuffle=bool(self.shuffle), beta_1=float(self.beta_1),
            beta_2=float(self.beta_2), epsilon=float(self.epsilon))

    def _seed(self) -> int:
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _fitted(self, run, config, factors=None, split=None, more=False):
        """Set the learned attributes, with scikit-learn's meanings, from a trained reglab Run (and the ``factors``
        it was penalized with) on ``split``; with ``more`` (warm_start, partial_fit, a schedule's next epoch) the
        run went on from this estimator's weights: its epochs add to ``n_iter_``, ``t_`` and the curves."""
        self.run_, self.penalty_factors_ = run, factors
        self.coefs_ = [np.asarray(layer["kernel"]) for layer in run.params]
        self.intercepts_ = [np.asarray(layer["bias"]) for layer in run.params]
        epochs = int(run.extra.get("stopped_epoch") or config.epochs)
        recorded = run.recorded
        penalty = recorded["penalty"][:epochs]  # NaN where the run recorded its data loss alone (a path's folds)
        curve = np.asarray(recorded["data_loss"][:epochs] + np.where(np.isnan(penalty), 0, penalty), np.float64)
        scores = self._validation_scores(run, split, epochs) if self.early_stopping and len(split.y_val) else None
        rows = len(split.y_train) if split is not None else 0
        more = more and hasattr(self, "n_iter_")
        if more:  # scikit-learn's curves and samples seen go on; its n_iter_ counts this call's epochs
            curve = np.r_[getattr(self, "loss_curve_", []), curve]
            before = getattr(self, "validation_scores_", None)
            scores = scores if scores is None or before is None else np.r_[before, scores]
        self.n_iter_, self.t_ = epochs, (self.t_ if more else 0) + epochs * rows
        self._epochs = (self._epochs if more else 0) + epochs  # all of them: where a continued run's shuffles go on
        self.loss_curve_, self.loss_ = [float(v) for v in curve], float(curve[-1])
        self.best_loss_ = None if self.early_stopping else float(np.nanmin(curve))  # as scikit-learn: None then
        self.validation_scores_ = None if scores is None else [float(v) for v in scores]
        self.best_validation_score_ = None if scores is None else float(np.nanmax(scores))
        self.n_layers_, self.n_outputs_ = len(self.coefs_) + 1, int(self.coefs_[-1].shape[1])
        self.out_activation_ = self._out_activation()
        if self.solver == "lbfgs":  # as scikit-learn: the curves and best figures are the stochastic solvers'
            for name in ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"):
                self.__dict__.pop(name, None)
        return self

    def _validation_scores(self, run, split, epochs):
        """The score of each epoch on the part held out for early stopping: accuracy (the classifier), R² (the
        regressor: 1 - mean squared error / the targets' variance, pooled over outputs)."""
        if self._monitor == "val_accuracy":
            return np.asarray(run.recorded["val_accuracy"][:epochs], np.float64)
        y = np.asarray(split.y_val, np.float64)
        return 1.0 - np.asarray(run.recorded["val_data_loss"][:epochs], np.float64) / max(float(np.var(y, axis=0)
                                                                                                  .mean()), 1e-12)

    def _say(self):
        """scikit-learn's verbose lines for this call's epochs, numbered from 1 as its are: printed once they have
        run (the whole run is one compiled program)."""
        if not getattr(self, "verbose", False):  # a path's refit has no verbose
            return
        curve = getattr(self, "loss_curve_", None)
        for i in range(self.n_iter_ if curve is not None else 0):
            print(f"Iteration {i + 1}, loss = {curve[len(curve) - self.n_iter_ + i]:.8f}")
            scores = self.validation_scores_
            if scores is not None:
                print(f"Validation score: {scores[len(scores) - self.n_iter_ + i]:f}")

    def _start(self, config):
        """Where a warm-started fit begins: the fitted weights (a new optimizer state, as scikit-learn's fit makes),
        or None (new weights: not warm_start, not fitted, or another network)."""
        if not (getattr(self, "warm_start", False) and hasattr(self, "coefs_")):  # a path has no warm_start
            return None
        n_in = self.coefs_[0].shape[0]
        if [c.shape for c in self.coefs_] != [(a, b) for a, b in zip((n_in, *config.hidden), (*config.hidden,
                                                                                               self.n_outputs_))]:
            return None
        return {"params": [{"kernel": k, "bias": b} for k, b in zip(self.coefs_, self.intercepts_)],
                "epoch": self._epochs}

    def _train(self, config, split, start=None, keep_state=False):
        """One reglab run of ``config`` on ``split`` (continued from ``start``): the Run."""
        from ..studies.training import train

        (_, run), = train([(type(self).__name__, config)], split, start=start, keep_state=keep_state)
        return run

    def _lbfgs(self, config, split, start):
        """Full-batch L-BFGS on all training rows (engine/lbfgs.py): (the Run, its config with the iterations run as
        epochs)."""
        from ..engine.lbfgs import minimize
        from ..results import Run

        if self.early_stopping:
            raise ValueError("early_stopping: got True with solver='lbfgs'; allowed: False (L-BFGS takes all rows at "
                             "once, with no part held out: scikit-learn ignores it there too)")
        params, recorded, n = minimize(config, split, int(self.max_iter), int(self.max_fun), float(self.tol), start)
        config = replace(config, epochs=max(n, 1))
        return Run(type(self).__name__, config, recorded, params, split.dataset.classes), config

    def _scheduled(self, config, split, start):
        """SGD with scikit-learn's step-size schedule: one epoch a run, each from the last one's weights and
        optimizer state. "invscaling": ``learning_rate_init / (t + 1) ** power_t`` after ``t`` samples;
        "adaptive": the step divided by 5 whenever the training loss has not fallen by ``tol`` for more than
        ``n_iter_no_change`` epochs, training stopped once it would fall below 1e-6 (as scikit-learn's)."""
        if self.early_stopping:
            raise ValueError(f"learning_rate: got {self.learning_rate!r} with early_stopping=True; allowed: "
                             "'constant' with early stopping (a schedule trains epoch by epoch, unwatched)")
        rate, state, epoch0 = float(self.learning_rate_init), start, start["epoch"] if start else 0
        best, waited, runs = np.inf, 0, []
        for epoch in range(int(self.max_iter)):
            run = self._train(replace(config, epochs=1, learning_rate=rate), split, state, keep_state=True)
            runs.append(run)
            state = {"params": run.params, "opt_state": run.opt_state, "epoch": epoch0 + epoch + 1}
            loss = float(run.history["loss"][0])
            if self.learning_rate == "invscaling":
                rate = float(self.learning_rate_init) / ((epoch + 1) * len(split.y_train) + 1) ** float(self.power_t)
                continue
            waited = waited + 1 if loss > best - float(self.tol) else 0
            best = min(best, loss)
            if waited > self.n_iter_no_change:
                if rate <= 1e-6:
                    break
                rate, waited = rate / 5.0, 0
        history = {k: np.concatenate([r.recorded[k] for r in runs]) for k in runs[0].recorded}
        return replace(runs[-1], recorded=history, opt_state=None), replace(config, epochs=len(runs))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train on X [n_samples, n_features] and y [n_samples] (the regressor: also [n_samples, n_outputs]), each
        row weighted by ``sample_weight`` [n_samples] (>= 0; see ``reglab.data.Split``) if given; returns self."""
        X, targets, seed = self._data(X, y)
        weights = self._weights(sample_weight, X, targets)
        factors = self._adaptive_factors(X, targets, seed, weights) if self._adapts() else None
        return self._fit_all(X, targets, seed, self.alpha, weights=weights, factors=factors)

    def _adapts(self) -> bool:
        """Whether this fit is the adaptive group lasso (checked: only group_lasso_inputs adapts)."""
        if self.adaptive and self.penalty != "group_lasso_inputs":
            raise ValueError(f"adaptive: got True with penalty={self.penalty!r}; allowed: adaptive=True with "
                             "penalty='group_lasso_inputs'")
        return self.adaptive

    def _adaptive_factors(self, X, targets, seed, weights):
        """``adaptive_factors`` of an unpenalized model trained on all rows."""
        from ..studies.training import train

        config, split = self._whole(X, targets, seed, 0.0, weights=weights)
        (_, dense), = train([("dense", config)], split)
        return adaptive_factors(dense.params)

    def _weights(self, sample_weight, X, targets):
        """Checked sample weights [n_samples] (float64, as scorers take them), or None."""
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)

    def _fit_all(self, X, targets, seed, alpha, support=None, weights=None, factors=None):
        """Train on all rows at penalty ``alpha``, weighted by ``weights``, the input groups by ``factors``; with
        ``support`` (a mask of inputs), on those inputs only (the weights of the others are zero). With
        ``warm_start``, from the fitted weights; with ``solver="lbfgs"`` by L-BFGS on all rows at once; with SGD's
        schedules epoch by epoch."""
        config, split = self._whole(X, targets, seed, alpha, support, weights, factors)
        start = self._start(config) if support is None else None
        if self.solver == "lbfgs":
            run, config = self._lbfgs(config, split, start)
        elif self.solver == "sgd" and getattr(self, "learning_rate", "constant") != "constant":
            run, config = self._scheduled(config, split, start)
        else:
            run = self._train(config, split, start)
        run = run if support is None else replace(run, params=only(run.params, support))
        self._fitted(run, config, factors, split, more=start is not None)
        self._say()
        return self

    def _partial(self, X, y, classes=None):
        """One pass over the rows of X, y from the weights and optimizer state the last call left (new weights on
        the first call): scikit-learn's ``partial_fit`` for the stochastic solvers."""
        first = not hasattr(self, "coefs_")
        X, targets = self._partial_data(X, y, classes, first)
        if first or not hasattr(self, "_opt_state"):  # a fit's optimizer state is not kept: a new one then
            self._partial_seed, self._opt_state = self._seed(), None
        # one pass over every row: no early-stopping part held out, as scikit-learn's partial_fit holds none
        split = datasets.Split(self._whole_dataset(X, targets), X, targets, X[:0], targets[:0], 0.0, "partial_fit")
        config = replace(self._config(len(split.y_train), self._partial_seed, self.alpha), epochs=1,
                         early_stopping=None)
        start = None if first else {"params": [{"kernel": k, "bias": b} for k, b in zip(self.coefs_,
                                                                                          self.intercepts_)],
                                    "opt_state": self._opt_state, "epoch": self._epochs}
        run = self._train(config, split, start, keep_state=True)
        self._opt_state = run.opt_state
        self._fitted(run, config, None, split, more=not first)
        self._say()
        return self

    def _whole(self, X, targets, seed, alpha, support=None, weights=None, factors=None):
        """The (ModelConfig, Split) of training on all rows (see ``_fit_all``)."""
        X = X if support is None else X * support
        split = self._split(self._dataset(X, targets), seed, weights=weights)
        if split.w_val is not None and len(split.w_val) and not split.w_val.sum() > 0:
            raise ValueError(f"sample_weight: got weights of 0 on every row of the early-stopping validation part "
                             f"(validation_fraction={self.validation_fraction}); allowed: some weight there")
        return self._config(len(split.y_train), seed, alpha, factors), split

    def _outputs(self, X):
        """The network's outputs [n_samples, n_out] for checked X."""
        check_is_fitted(self)
        return self.run_.decision_function(validate_data(self, X, reset=False, dtype=np.float32))

    def get_support(self, indices=False):
        """The inputs the network still uses (a path of non-zero weights to the output): a mask, or indices."""
        check_is_fitted(self)
        from ..results import live_units

        mask = live_units(self.run_.params)[0]
        return np.flatnonzero(mask) if indices else mask

    @property
    def feature_importances_(self):
        """Each input's outgoing weight norm ||W1[i, :]||_2 (0 for an input without a live path)."""
        check_is_fitted(self)
        return np.linalg.norm(self.coefs_[0].astype(np.float64), axis=1) * self.get_support()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags


class MLPClassifier(ClassifierMixin, _MLP):
    """A multi-layer perceptron classifier (see ``_MLP`` for the parameters): cross-entropy, a sigmoid output for
    two classes and softmax for more; ``classes_`` holds the labels as given; early stopping watches validation
    accuracy on a stratified part."""

    _monitor = "val_accuracy"

    def _out_activation(self) -> str:
        return "logistic" if self.coefs_[-1].shape[1] == 1 else "softmax"

    @available_if(_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One pass (an epoch) over the rows of X, y, continuing from the weights and optimizer state the last call
        left; ``classes`` (every label y may hold) on the first call, as scikit-learn asks. Returns self."""
        return self._partial(X, y, classes)

    def _partial_data(self, X, y, classes, first):
        """Checked X and the labels of y as codes into ``classes_`` (set from ``classes`` on the first call)."""
        X, y = validate_data(self, X, y, dtype=np.float32, reset=first)
        check_classification_targets(y)
        if first:
            if classes is None:
                raise ValueError("classes: got None on the first call to partial_fit; allowed: every label y may "
                                 "hold, as scikit-learn's partial_fit asks")
            self.classes_ = np.unique(classes)
            if len(self.classes_) < 2:
                raise ValueError(f"classes: got {plain(list(self.classes_))!r}; allowed: at least two classes")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(f"classes: got {plain(list(np.unique(classes)))!r}; allowed: the first call's "
                             f"{plain(list(self.classes_))!r}")
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(f"y: got {plain(unknown[0])!r}; allowed: one of classes_ {plain(list(self.classes_))!r}")
        return X, np.searchsorted(self.classes_, y).astype(np.int32)

    def _whole_dataset(self, X, codes):
        """A data set of every class of ``classes_``, whichever rows hold them (a partial_fit chunk may not)."""
        return datasets.Dataset("X", X, codes, tuple(range(len(self.classes_))),
                                tuple(f"x{i + 1}" for i in range(X.shape[1])), {})

    def _data(self, X, y):
        """Checked X (float32), the labels as codes into ``classes_`` (set here), and this fit's seed."""
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y: got one class ({plain(self.classes_[0])!r}); allowed: labels of at least two classes")
        return X, codes.astype(np.int32), self._seed()

    def _weights(self, sample_weight, X, codes):
        weights = super()._weights(sample_weight, X, codes)
        weighted = np.unique(codes[weights > 0]) if weights is not None else ()
        if weights is not None and len(weighted) < 2:
            raise ValueError(f"sample_weight: got weight on one class only ({plain(self.classes_[weighted[0]])!r}); "
                             "allowed: weights that leave at least two classes")
        return weights

    @staticmethod
    def _dataset(X, codes):
        return datasets.labelled("X", X, codes)

    def _split(self, dataset, seed, train=None, test=None, weights=None):
        """All of ``dataset`` for training, a stratified part held out for early stopping; or one CV fold's rows
        (with their ``weights``, if any)."""
        if train is not None and self.early_stopping:  # the fold's test rows are scored, never watched
            return self._split(replace(dataset, X=dataset.X[train], y=dataset.y[train]), seed,
                               weights=None if weights is None else weights[train])
        X, codes = dataset.X, dataset.y
        if train is not None:
            return datasets.Split(dataset, X[train], codes[train], X[test], codes[test], len(test) / len(X), "cv",
                                  *_cut(weights, train, test))
        fraction = self.validation_fraction if self.early_stopping else 0.0
        return datasets.split(dataset, fraction, "stratified" if fraction else "keras", seed, weights)

    def decision_function(self, X):
        """Logits: [n_samples] for two classes (of the second), [n_samples, n_classes] for more."""
        z = self._outputs(X)
        return z[:, 0] if z.shape[1] == 1 else z

    def predict_proba(self, X):
        """Class probabilities [n_samples, n_classes], columns in the order of ``classes_``."""
        check_is_fitted(self)
        return self.run_.predict_proba(validate_data(self, X, reset=False, dtype=np.float32))

    def predict(self, X):
        """The most probable class of each row, as ``classes_`` names it."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


class MLPRegressor(RegressorMixin, _MLP):
    """A multi-layer perceptron regressor (see ``_MLP`` for the parameters): outputs as they are, Keras's mean
    squared error (no 1/2), one target or several; early stopping watches the validation loss on a random part;
    ``score`` is R²."""

    def _data(self, X, y):
        """Checked X and y (float32), and this fit's seed."""
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=True, y_numeric=True)
        return X, np.asarray(y, np.float32), self._seed()

    def _out_activation(self) -> str:
        return "identity"

    @available_if(_stochastic)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """One pass (an epoch) over the rows of X, y, continuing from the weights and optimizer state the last call
        left. Returns self."""
        return self._partial(X, y)

    def _partial_data(self, X, y, classes, first):
        X, y = validate_data(self, X, y, dtype=np.float32, multi_output=True, y_numeric=True, reset=first)
        return X, np.asarray(y, np.float32)

    def _whole_dataset(self, X, y):
        return self._dataset(X, y)

    @staticmethod
    def _dataset(X, y):
        """A data set without classes: the engine's regression head."""
        return datasets.Dataset("X", X, y, (), tuple(f"x{i + 1}" for i in range(X.shape[1])), {})

    def _split(self, dataset, seed, train=None, test=None, weights=None):
        """All rows for training, a random part held out for early stopping; or one CV fold's rows (with their
        ``weights``, if any)."""
        if train is not None and self.early_stopping:  # the fold's test rows are scored, never watched
            return self._split(replace(dataset, X=dataset.X[train], y=dataset.y[train]), seed,
                               weights=None if weights is None else weights[train])
        X, y = dataset.X, dataset.y
        if train is None:
            n_val = int(round(self.validation_fraction * len(y))) if self.early_stopping else 0
            order = np.random.default_rng(seed).permutation(len(y))
            test, train = np.sort(order[:n_val]), np.sort(order[n_val:])
        return datasets.Split(dataset, X[train], y[train], X[test], y[test], len(test) / len(y), "cv",
                              *_cut(weights, train, test))

    def predict(self, X):
        """Predictions [n_samples] for one target, [n_samples, n_outputs] for several."""
        out = self._outputs(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
