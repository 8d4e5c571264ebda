"""Exact sparsity, group lasso, decoupled weight decay, max-norm and early stopping, against closed forms and
against runs that must agree with them."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import reglab
from reglab import ReglabError, data
from reglab.engine import penalties, sparse
from reglab.engine.runner import train_one
from reglab.vocabulary import regularizers
from reglab.vocabulary.config import ModelConfig

SEED_RUN = {"learning_rate": 0.01, "epochs": 2000}


@pytest.fixture(scope="module")
def split():
    return data.split(data.moons())


def _sgd_orthant_step(w, g, lr, lam):
    p = sparse.pseudo_gradient(g, w, lam)
    return sparse.orthant_project(w - lr * p, w, p, lam)


def test_orthant_step_is_the_soft_threshold_wherever_the_plain_step_keeps_its_sign():
    rng = np.random.default_rng(0)
    w = rng.normal(size=500).astype(np.float32) * (rng.random(500) > 0.2)  # a fifth exactly zero
    g = rng.normal(size=500).astype(np.float32)
    lr, lam = 0.1, 2.0
    got = np.asarray(_sgd_orthant_step(jnp.asarray(w), jnp.asarray(g), lr, lam))
    plain = w - lr * g
    soft = np.sign(plain) * np.maximum(np.abs(plain) - lr * lam, 0.0)  # prox of lr*lam*|.| at the plain step
    same_side = (w == 0) | (np.sign(plain) == np.sign(w))
    np.testing.assert_allclose(got[same_side], soft[same_side], rtol=1e-6, atol=1e-7)
    assert np.all(got[~same_side] == 0)  # a weight is never carried across zero in one step
    assert same_side.sum() > 400 and (got[w != 0] == 0).sum() > 50  # the case exercises the threshold


def test_a_zero_weight_comes_back_when_the_data_pull_beats_the_penalty():
    w = jnp.zeros(3)
    g = jnp.array([0.3, -0.7, 2.0])
    stepped = np.asarray(_sgd_orthant_step(w, g, 0.1, 0.5))
    np.testing.assert_allclose(stepped, [0.0, 0.1 * 0.2, -0.1 * 1.5], rtol=1e-6)


def test_orthant_step_leaves_weights_without_proximal_l1_alone():
    w, g = jnp.array([0.01, -0.02]), jnp.array([1.0, -1.0])
    np.testing.assert_array_equal(_sgd_orthant_step(w, g, 0.1, 0.0), w - 0.1 * g)


def _objective(run, split, lam):
    """Full-pass mean training cross-entropy + lam * sum|W| over the hidden kernels."""
    p = np.clip(run.predict_proba(split.X_train)[:, 1], 1e-300, 1 - 1e-16)
    y = split.y_train
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    return bce + lam * sum(np.abs(layer["kernel"]).sum() for layer in run.params[:2])


@pytest.mark.parametrize("seed", [0, 1])
def test_proximal_l1_makes_exact_zeros_where_the_subgradient_makes_none(split, seed):
    sub, prox = reglab.compare(split, {"sub": {"kernel_regularizer": reglab.l1(0.001)},
                                       "prox": {"kernel_regularizer": reglab.l1(0.001, method="proximal")}},
                               seed=seed, **SEED_RUN)
    hidden = lambda run: run.layer_stats()[:2]  # noqa: E731
    assert sum(s["zeros"] for s in hidden(sub)) == 0
    assert sum(s["zeros"] for s in hidden(prox)) >= 0.5 * 16640
    assert abs(prox.final["val_accuracy"] - sub.final["val_accuracy"]) <= 0.05
    assert _objective(prox, split, 0.001) <= _objective(sub, split, 0.001)
    by_hand = 0.001 * sum(np.abs(layer["kernel"]).sum() for layer in prox.params[:2])
    assert prox.final["penalty"] == pytest.approx(by_hand, rel=0.2)


def test_the_group_step_lands_on_the_proximal_point_in_the_optimizers_metric():
    """group_prox against the optimality conditions of argmin_u sum (u - z)^2 / (2 eta) + lam ||u||, in float64:
    a zero group has ||z / eta|| <= lam; a non-zero one (u - z) / eta + lam u / ||u|| = 0; equal step sizes give
    the block soft-threshold z (1 - lam eta / ||z||)+."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=(30, 200))  # 200 groups (columns) of 30 weights
    eta = np.exp(rng.uniform(-4, 4, size=z.shape))  # Adam's step sizes spread over decades
    z *= rng.uniform(0.5, 2.0, size=200) / np.linalg.norm(z / eta, axis=0)  # ||z / eta|| / lam from 0.5 to 2
    z, eta, lam = z.astype(np.float32), eta.astype(np.float32), 1.0
    u = np.asarray(jax.jit(sparse.group_prox, static_argnums=3)(z, eta, np.float32(lam), 0), np.float64)
    z, eta = z.astype(np.float64), eta.astype(np.float64)
    zeros = 0
    for uj, zj, ej in zip(u.T, z.T, eta.T):
        if not uj.any():
            zeros += 1
            assert np.linalg.norm(zj / ej) <= lam * (1 + 1e-5)
        else:
            assert np.linalg.norm(zj / ej) > lam
            np.testing.assert_allclose((uj - zj) / ej + lam * uj / np.linalg.norm(uj), 0, atol=1e-3 * lam)
    assert 40 < zeros < 160  # both cases were met
    z = rng.normal(size=(5, 4)).astype(np.float32)
    u = np.asarray(sparse.group_prox(z, np.full_like(z, 0.1), np.float32(3.0), axis=1))
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    np.testing.assert_allclose(u, z * np.maximum(0, 1 - 0.3 / norms), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(sparse.group_prox(z, np.full_like(z, 0.1), np.float32(0.0), axis=1), z)


def test_a_factor_per_group_is_each_groups_own_proximal_step_and_penalty():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(6, 5)).astype(np.float32)
    eta = np.exp(rng.uniform(-2, 2, size=z.shape)).astype(np.float32)
    for axis, n in ((0, 5), (1, 6)):  # one factor per column, or per row; 0 leaves a group alone
        lam = rng.uniform(0, 3, n).astype(np.float32)
        lam[1] = 0.0
        u = np.asarray(sparse.group_prox(z, eta, lam, axis))
        for g in range(n):
            pick = (slice(None), slice(g, g + 1)) if axis == 0 else (slice(g, g + 1), slice(None))
            one = np.asarray(sparse.group_prox(z[pick], eta[pick], lam[g], axis))
            np.testing.assert_allclose(u[pick], one, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(np.take(u, 1, axis=1 - axis), np.take(z, 1, axis=1 - axis))  # factor 0
    kernel = np.array([[3.0, 4.0], [0.0, 1.0]], np.float32)  # column norms 3, sqrt(17); row norms 5, 1
    params = [{"kernel": kernel, "bias": np.zeros(2, np.float32)}]
    value = penalties.groups(params, [(np.array([0.5, 2.0]), np.array([1.0, 0.0]))])
    assert float(value) == pytest.approx(0.5 * 3 + 2.0 * np.sqrt(17) + 1.0 * 5, rel=1e-6)


def test_group_factors_weigh_each_input_and_equal_factors_scale_the_penalty():
    split = data.split(data.load("classification", n=2000, n_features=20, n_informative=3, seed=1))
    settings = dict(hidden=(32,), optimizer="sgd", learning_rate=0.1, batch_size=1600, epochs=300)
    doubled = reglab.fit(split, **settings,
                         kernel_regularizer=[reglab.group_lasso(0.025, groups="inputs", factors=[2.0] * 20), None])
    plain = reglab.fit(split, **settings, kernel_regularizer=[reglab.group_lasso(0.05, groups="inputs"), None])
    for a, b in zip(doubled.params, plain.params):  # 0.025 * 2 is 0.05 exactly
        np.testing.assert_array_equal(a["kernel"], b["kernel"])
    factors = [1.0] * 20
    factors[0], factors[5] = 100.0, 0.0  # an informative input priced out; a noise input let free
    weighed = reglab.fit(split, **settings,
                         kernel_regularizer=[reglab.group_lasso(0.05, groups="inputs", factors=factors), None])
    kept = np.flatnonzero(reglab.results.live_units(weighed.params)[0]).tolist()
    assert 0 not in kept and 5 in kept and {1, 2} <= set(kept)
    with pytest.raises(ReglabError, match=r"^kernel_regularizer\[0\].factors: got \[1.0, 1.0, 1.0\]; allowed: 20 "
                                          "factors, one per input of Dense layer 1$"):
        reglab.fit(split, **settings, kernel_regularizer=[reglab.group_lasso(0.05, "inputs", [1, 1, 1]), None])


def test_group_lasso_switches_off_whole_units(split):
    run = reglab.fit(split, kernel_regularizer=reglab.group_lasso(0.001), **SEED_RUN)
    arch = run.effective_architecture()
    assert arch[0] == 2 and arch[-1] == 1 and arch[1] < 100 and arch[2] < 100
    inputs_alive = np.ones(2, bool)
    for layer in run.params[:2]:  # zeros come in whole columns: a unit is off, or on for every live input
        columns = np.asarray(layer["kernel"])
        off = np.all(columns == 0, axis=0)
        assert off.any() and not np.any(columns[np.ix_(inputs_alive, ~off)] == 0)
        inputs_alive = ~off
    assert run.final["val_accuracy"] >= 0.85


def test_group_lasso_on_inputs_selects_the_informative_features():
    split = data.split(data.load("classification", n=2000, n_features=20, n_informative=3, seed=1))
    run = reglab.fit(split, hidden=(32,), optimizer="sgd", learning_rate=0.1, batch_size=1600, epochs=1000,
                     kernel_regularizer=[reglab.group_lasso(0.05, groups="inputs"), None])
    assert np.flatnonzero(reglab.results.live_units(run.params)[0]).tolist() == [0, 1, 2]
    assert run.final["val_accuracy"] > 0.85


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_decoupled_decay_differs_from_l2_under_adam_and_equals_it_under_sgd(split):
    wd = 0.01
    everywhere = [reglab.l2(wd / 2)] * 3  # d/dw of (wd/2) w^2 is wd * w: Keras's decay step under SGD
    common = {"learning_rate": 0.05, "epochs": 30, "hidden": (16, 16)}
    for optimizer, equal in (("sgd", True), ("adam", False)):
        decayed = train_one(ModelConfig(optimizer=optimizer, weight_decay=wd, **common), split)
        penalized = train_one(ModelConfig(optimizer=optimizer, kernel_regularizer=everywhere,
                                          bias_regularizer=everywhere, **common), split)
        close = all(np.allclose(a[k], b[k], rtol=1e-4, atol=1e-6)
                    for a, b in zip(decayed.params, penalized.params) for k in a)
        assert close == equal, optimizer


def test_max_norm_bounds_every_units_incoming_weights(split):
    run = reglab.fit(split, max_norm=0.5, learning_rate=0.01, epochs=100)
    for layer, limited in zip(run.params, (True, True, False)):
        norms = np.linalg.norm(layer["kernel"], axis=0)
        if limited:
            assert norms.max() <= 0.5 * (1 + 1e-5) and norms.max() > 0.45
        else:
            assert norms.max() > 0.5  # the output layer is free, as with one regularizer


def test_early_stopping_restores_the_best_epochs_weights(split):
    config = ModelConfig(learning_rate=0.01, epochs=300,
                         early_stopping={"patience": 15, "restore_best_weights": True})
    stopped = train_one(config, split)
    best, stop = stopped.info["best_epoch"], stopped.info["stopped_epoch"]
    val = stopped.history["val_data_loss"]
    assert 0 < best < stop < 300 and stop == best + 15
    assert np.all(np.isnan(val[stop:])) and not np.any(np.isnan(val[:stop]))
    assert np.argmin(val[:stop]) == best - 1
    replay = train_one(config.replace(epochs=best, early_stopping=None), split)
    for a, b in zip(stopped.params, replay.params):
        np.testing.assert_array_equal(a["kernel"], b["kernel"])
    run = reglab.fit(split, learning_rate=0.01, epochs=300,
                     early_stopping={"patience": 15, "restore_best_weights": True})
    assert run.final_epoch == best and run.final["val_data_loss"] == pytest.approx(val[best - 1])


def test_early_stopping_without_restore_keeps_the_last_weights_and_accuracy_maximizes(split):
    config = ModelConfig(learning_rate=0.01, epochs=200, early_stopping={"monitor": "val_accuracy", "patience": 3})
    t = train_one(config, split)
    stop = t.info["stopped_epoch"]
    acc = t.history["val_accuracy"][:stop]
    assert stop > 0 and acc[t.info["best_epoch"] - 1] == acc.max()
    replay = train_one(config.replace(epochs=stop, early_stopping=None), split)
    np.testing.assert_array_equal(t.params[1]["kernel"], replay.params[1]["kernel"])


@pytest.mark.parametrize("settings, field", [
    ({"kernel_regularizer": "l1(0.01, method=lasso)"}, "kernel_regularizer.method"),
    ({"kernel_regularizer": {"l1": 0.01, "method": "exact"}}, "kernel_regularizer.method"),
    ({"kernel_regularizer": "l1(-0.01, method=proximal)"}, "kernel_regularizer.l1"),
    ({"kernel_regularizer": "group_lasso(-1)"}, "kernel_regularizer.group"),
    ({"kernel_regularizer": "group_lasso(0.1, groups=layers)"}, "kernel_regularizer.groups"),
    ({"kernel_regularizer": "group_lasso(0.1, groups=inputs, factors=[1, -1])"}, "kernel_regularizer.factors[1]"),
    ({"kernel_regularizer": {"l1": 0.1, "factors": [1.0]}}, "kernel_regularizer.factors"),
    ({"early_stopping": {"patience": -1}}, "early_stopping.patience"),
    ({"early_stopping": {"monitor": "val_auc"}}, "early_stopping.monitor"),
    ({"early_stopping": {"patiance": 3}}, "early_stopping.patiance"),
    ({"weight_decay": -0.1}, "weight_decay"),
    ({"max_norm": 0}, "max_norm"),
])
def test_bad_sparse_settings_give_one_line(settings, field):
    with pytest.raises(ReglabError) as err:
        ModelConfig(**settings)
    assert str(err.value).startswith(field + ":") and "\n" not in str(err.value)


def test_sparse_regularizers_parse_from_text():
    assert regularizers.get("l1(0.001, method=proximal)") == reglab.l1(0.001, method="proximal")
    assert regularizers.get("group_lasso(0.01, groups=inputs)") == reglab.group_lasso(0.01, "inputs")
    config = ModelConfig(kernel_regularizer="l1_l2(l1=0.01, l2=0.001, method=proximal)")
    assert ModelConfig(**config.to_dict()) == config
    weighed = regularizers.get("group_lasso(0.01, groups=inputs, factors=[0.5, 2])")
    assert weighed == reglab.group_lasso(0.01, "inputs", (0.5, 2.0)) and weighed.factors == (0.5, 2.0)
    config = ModelConfig(kernel_regularizer=[weighed, None, None])
    assert ModelConfig(**config.to_dict()) == config
