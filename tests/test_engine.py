"""The engine against independent expectations: hand-computed penalties, finite differences, Keras's update
rules and a NumPy rendering of Keras's training loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import reglab
from reglab import data
from reglab.engine import chain, mlp, penalties, program
from reglab.engine.runner import Job, train_one
from reglab.vocabulary.config import ModelConfig
from reglab.vocabulary.regularizers import l1, l1_l2, l2

from . import reference


def _factors(kernel, bias=None):
    """A factor tree like the params: one (kernel, bias) factor per layer; bias None: no bias term."""
    return [{"kernel": jnp.float32(k), "bias": None if bias is None else jnp.float32(b)}
            for k, b in zip(kernel, bias or kernel)]


def test_penalty_matches_hand_computation():
    params = [{"kernel": jnp.array([[1.0, -2.0], [0.5, 0.0]]), "bias": jnp.array([3.0, -1.0])},
              {"kernel": jnp.array([[-4.0], [2.0]]), "bias": jnp.array([10.0])}]
    l1, l2 = _factors([0.1, 0.01], [0.0, 0.0]), _factors([0.0, 0.5], [0.2, 0.0])
    # layer 1: 0.1 * (1 + 2 + 0.5 + 0) + 0.2 * (9 + 1); layer 2: 0.01 * (4 + 2) + 0.5 * (16 + 4)
    expected = 0.1 * 3.5 + 0.2 * 10 + 0.01 * 6 + 0.5 * 20
    assert float(penalties.weights(params, l1, l2)) == pytest.approx(expected, rel=1e-6)
    # a program whose models penalize no bias leaves the bias terms out (0.2 * 10 was layer 1's biases)
    assert float(penalties.weights(params, _factors([0.1, 0.01]), _factors([0.0, 0.5]))) == pytest.approx(
        expected - 0.2 * 10, rel=1e-6)
    assert float(penalties.weights(params, _factors([0.0, 1.0]))) == pytest.approx(6.0, rel=1e-6)  # l1 alone
    # group lasso: column norms of layer 1 are sqrt(1.25) and 2, row norms sqrt(5) and 0.5
    groups = [jnp.array([0.5, 0.0]), jnp.array([0.0, 0.0])]
    assert float(penalties.groups(params, groups)) == pytest.approx(0.5 * (np.sqrt(1.25) + 2.0), rel=1e-6)
    groups = [jnp.array([0.0, 0.1]), jnp.array([0.0, 0.0])]
    assert float(penalties.groups(params, groups)) == pytest.approx(0.1 * (np.sqrt(5) + 0.5), rel=1e-6)


def test_activity_penalty_is_keras_formula_over_the_batch_size():
    h1, h2 = jnp.array([[1.0, -2.0], [0.0, 3.0], [4.0, 0.5]]), jnp.array([[2.0], [-1.0], [0.0]])
    # Keras: activity_regularizer(output) / batch size, per layer: (l1 * sum|h| + l2 * sum h^2) / 3
    expected = (0.1 * 10.5 + 0.2 * 30.25) / 3 + (0.0 * 3 + 0.5 * 5) / 3
    value = penalties.activity([h1, h2], jnp.array([0.1, 0.0]), jnp.array([0.2, 0.5]))
    assert float(value) == pytest.approx(expected, rel=1e-6)
    # padding rows (weight 0) count for nothing: the first two rows alone
    padded = penalties.activity([h1, h2], jnp.array([0.1, 0.0]), jnp.array([0.2, 0.5]), jnp.array([1.0, 1.0, 0.0]))
    assert float(padded) == pytest.approx((0.1 * 6 + 0.2 * 14) / 2 + 0.5 * 5 / 2, rel=1e-6)


def test_l1_gradient_is_the_sign_and_zero_at_zero():
    g = jax.grad(penalties.abs_sum)(jnp.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(g, [-1.0, 0.0, 1.0])


def test_gradients_match_finite_differences():
    with jax.enable_x64(True):
        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, 7)
        params = [{"kernel": jnp.asarray(rng.normal(size=(3, 5))), "bias": jnp.asarray(rng.normal(size=5))},
                  {"kernel": jnp.asarray(rng.normal(size=(5, 1))), "bias": jnp.asarray(rng.normal(size=1))}]
        l1 = [{"kernel": 0.01, "bias": 0.0}, {"kernel": 0.02, "bias": 0.0}]
        l2 = [{"kernel": 0.03, "bias": 0.0}, {"kernel": 0.0, "bias": 0.05}]

        def objective(p):
            logits, hidden = mlp.forward(p, X, "tanh", hidden=True)
            activity = penalties.activity(hidden, jnp.array([0.01]), jnp.array([0.02]))
            return jnp.mean(mlp.per_sample_loss(logits, y)) + penalties.weights(p, l1, l2) + activity

        grads = jax.grad(objective)(params)
        h = 1e-6
        for li, layer in enumerate(params):
            for name, w in layer.items():
                flat = np.asarray(w).ravel()
                for j in range(flat.size):
                    def at(delta):
                        moved = flat.copy()
                        moved[j] += delta
                        p = [dict(l) for l in params]
                        p[li][name] = jnp.asarray(moved.reshape(w.shape))
                        return float(objective(p))
                    numeric = (at(h) - at(-h)) / (2 * h)
                    assert float(np.asarray(grads[li][name]).ravel()[j]) == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_adam_steps_match_keras_update_rule():
    rng = np.random.default_rng(1)
    w = rng.normal(size=(4, 3)).astype(np.float32)
    opt = chain.keras_adam(0.01, 0.9, 0.999, 1e-7)
    state, params, ref = opt.init(jnp.asarray(w)), jnp.asarray(w), reference.KerasAdam(0.01)
    expected = w.astype(np.float64)
    for _ in range(5):
        g = rng.normal(size=w.shape).astype(np.float32)
        updates, state = opt.update(jnp.asarray(g), state)
        params = params + updates
        expected = ref.step(expected, g.astype(np.float64))
    np.testing.assert_allclose(params, expected, rtol=1e-5, atol=1e-6)


def test_adam_epsilon_is_added_to_the_uncorrected_root():
    # One step with a tiny gradient: Keras's rule gives lr*sqrt(1-b2)/(1-b1) * m/(sqrt(v)+eps), not optax's.
    g = jnp.array([1e-6])
    updates, _ = chain.keras_adam(1.0, 0.9, 0.999, 1e-7).update(g, chain.keras_adam(1.0).init(g))
    m, v = 0.1 * 1e-6, 0.001 * 1e-12
    keras = -np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    optax_rule = -(m / 0.1) / (np.sqrt(v / 0.001) + 1e-7)
    assert float(updates[0]) == pytest.approx(keras, rel=1e-5)
    assert abs(float(updates[0]) - optax_rule) > 0.1 * abs(optax_rule)


def test_sgd_momentum_matches_keras_update_rule():
    opt = chain.keras_sgd(0.1, 0.9)
    w, state, ref, expected = jnp.array([1.0, -1.0]), None, reference.KerasSGD(0.1, 0.9), np.array([1.0, -1.0])
    state = opt.init(w)
    for g in ([0.5, 1.0], [0.25, -1.0], [0.0, 2.0]):
        updates, state = opt.update(jnp.array(g), state)
        w = w + updates
        expected = ref.step(expected, np.array(g))
    np.testing.assert_allclose(w, expected, rtol=1e-6)


def test_cross_entropy_comes_from_logits_not_clipped_probabilities():
    loss = mlp.per_sample_loss(jnp.array([[50.0], [-50.0]]), jnp.array([0, 0]))
    assert float(loss[0]) == pytest.approx(50.0, rel=1e-6)  # Keras on JAX would clip this to 15.94
    assert float(loss[1]) < 1e-20
    multi = mlp.per_sample_loss(jnp.array([[0.0, 0.0, 30.0]]), jnp.array([0]))
    assert float(multi[0]) == pytest.approx(30.0, rel=1e-5)


def test_glorot_uniform_kernels_and_zero_biases():
    params = mlp.init(jax.random.key(0), (2, 128, 128, 1))
    for layer, (fan_in, fan_out) in zip(params, [(2, 128), (128, 128), (128, 1)]):
        limit = np.sqrt(6 / (fan_in + fan_out))
        w = np.asarray(layer["kernel"])
        assert w.shape == (fan_in, fan_out) and np.abs(w).max() <= limit
        assert np.abs(w).max() > 0.9 * limit
        assert w.std() == pytest.approx(limit / np.sqrt(3), rel=0.1)  # the std of U(-a, a)
        assert not np.any(np.asarray(layer["bias"]))


@pytest.mark.parametrize("optimizer, make_opt, activity", [("sgd", lambda: reference.KerasSGD(0.05, 0.9), (0, 0)),
                                                           ("adam", lambda: reference.KerasAdam(0.01), (0, 0)),
                                                           ("adam", lambda: reference.KerasAdam(0.01), (0.01, 0.02))])
def test_training_matches_a_numpy_rendering_of_keras_fit(seed_split, optimizer, make_opt, activity):
    lr = 0.05 if optimizer == "sgd" else 0.01
    reg = l1_l2(l1=0.001, l2=0.002)
    config = ModelConfig(hidden=(16,), activation="tanh", optimizer=optimizer, learning_rate=lr, momentum=0.9,
                         kernel_regularizer=[reg, reg], epochs=4, seed=7,
                         activity_regularizer=l1_l2(*activity) if any(activity) else None)
    trained = train_one(config, seed_split)

    init_key, shuffle_key, _ = program.run_keys(np.uint32(7))
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(init_key, (2, 16, 1))]
    orders = [np.asarray(program.epoch_order(shuffle_key, e, 80)) for e in range(4)]
    assert all(sorted(o) == list(range(80)) for o in orders) and not np.array_equal(orders[0], orders[1])
    s = seed_split
    params, history = reference.train(init, orders, s.X_train.astype(np.float64), s.y_train, s.X_val.astype(np.float64),
                                      s.y_val, make_opt, batch_size=32, l1=0.001, l2=0.002, a1=activity[0],
                                      a2=activity[1])
    for key, expected in history.items():
        np.testing.assert_allclose(trained.history[key], expected, rtol=2e-4, atol=1e-6, err_msg=key)
    for got, want in zip(trained.params, params):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-3, atol=1e-5)


def shuffled(n_train, epochs):
    """The orders in which a run of seed 7 walks ``n_train`` training rows, an epoch each (Keras's shuffle)."""
    key = program.run_keys(np.uint32(7))[1]
    return [np.asarray(program.epoch_order(key, e, n_train)) for e in range(epochs)]


def assert_matches_keras(trained, s, orders, batch_size=32):
    """``trained`` (a 2-16-1 tanh network from seed 7, Adam(0.01), l2(0.002) on both kernels) against the NumPy
    rendering of Keras's fit on split ``s``, walking the training rows in ``orders`` (one per epoch): its history
    and its final weights."""
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(program.run_keys(np.uint32(7))[0],
                                                                                 (2, 16, 1))]
    params, history = reference.train(init, orders, s.X_train.astype(np.float64), s.y_train, s.X_val.astype(np.float64),
                                      s.y_val, lambda: reference.KerasAdam(0.01), batch_size=batch_size, l2=0.002)
    for key, expected in history.items():
        np.testing.assert_allclose(trained.history[key], expected, rtol=2e-4, atol=1e-6, err_msg=key)
    for got, want in zip(trained.params, params):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-3, atol=1e-5)


def test_without_shuffling_every_epoch_walks_the_rows_in_order_as_kerass_fit_shuffle_false(seed_split):
    config = ModelConfig(hidden=(16,), activation="tanh", learning_rate=0.01, kernel_regularizer=[l2(0.002)] * 2,
                         epochs=3, seed=7, shuffle=False)
    assert_matches_keras(train_one(config, seed_split), seed_split, [np.arange(80)] * 3)


@pytest.mark.parametrize("settings", [{}, {"dropout": 0.2}, {"optimizer": "sgd", "momentum": 0.9}])
def test_a_run_continued_from_another_s_weights_and_optimizer_state_is_the_whole_run_bit_for_bit(seed_split, settings):
    from reglab.engine.runner import Job, run

    config = ModelConfig(hidden=(16,), learning_rate=0.01, kernel_regularizer=l2(0.002), epochs=7, seed=3, **settings)
    whole = train_one(config, seed_split)
    (_, first), = run([Job(config.replace(epochs=3), seed_split, keep_state=True)])
    (_, rest), = run([Job(config.replace(epochs=4), seed_split, start={"params": first.params, "epoch": 3,
                                                                       "opt_state": first.opt_state})])
    for got, want in zip(rest.params, whole.params):
        np.testing.assert_array_equal(got["kernel"], want["kernel"])
    for key in whole.history:
        np.testing.assert_array_equal(np.r_[first.history[key], rest.history[key]], whole.history[key])


def test_lbfgs_stops_where_no_gradient_entry_exceeds_tol_and_reaches_a_minimum_of_the_penalized_loss(seed_split):
    from reglab.engine.lbfgs import minimize

    config = ModelConfig(hidden=(8,), activation="tanh", kernel_regularizer=[l2(0.01), l2(0.01)], seed=1)
    params, recorded, n = minimize(config, seed_split, 500, 15000, 1e-4)
    assert 0 < n < 500 and np.all(np.diff(recorded["data_loss"] + recorded["penalty"]) <= 1e-6)  # a descent
    ours = [{k: np.asarray(v, np.float64) for k, v in layer.items()} for layer in params]
    *_, grads = reference.loss_and_grads(ours, seed_split.X_train.astype(np.float64), seed_split.y_train, 0.0, 0.01)
    assert max(np.abs(g).max() for layer in grads for g in layer.values()) < 2e-4  # gtol 1e-4, in float32
    few, _, m = minimize(config, seed_split, 3, 15000, 0.0)
    assert m == 3


def test_one_batch_larger_than_the_data_is_all_of_it_in_one_program_for_every_size_up_to_256_rows(seed_split):
    """A batch larger than the data is all of it: 72 rows (of make_moons(90)) train in one batch, in a program whose
    step takes 256 rows (the padding weighing 0), as the lecture's 80 and any other count up to 256 do: Keras's
    numbers."""
    from reglab.engine.runner import _tasks

    config = ModelConfig(hidden=(16,), activation="tanh", learning_rate=0.01, kernel_regularizer=[l2(0.002)] * 2,
                         epochs=4, batch_size=100, seed=7)
    s = data.split(data.moons(n=90))
    [task] = _tasks([Job(config, s)])
    assert (task.program.batch_size, task.program.rows, task.program.val_rows) == (256, 4096, 4096)
    assert _tasks([Job(config.replace(batch_size=1000), data.split(data.moons(n=300)))])[0].program == task.program
    assert_matches_keras(train_one(config, s), s, shuffled(72, 4), batch_size=72)


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_the_lectures_network_at_48_epoch_counts_sizes_and_splits_compiles_at_most_two_programs_and_matches_keras(
        fresh_programs):
    """The lecture's network (2-128-128-1, relu, Adam(0.01), l1(0.001), batches of 32) at epochs {100, 700, 2000,
    5000} x make_moons n {60, 100, 400, 1000} x validation_split {0, 0.2, 0.3}: one process compiles at most two
    programs for the 48 runs. Each run's history has its own length (no val_* figures without validation data), and
    its first two epochs (up to 63 steps) are the NumPy rendering of Keras's loop on its rows, in float64 (later
    epochs part from it by float32's rounding, as this network's training is chaotic)."""
    from reglab.engine import runner

    config = ModelConfig(learning_rate=0.01, kernel_regularizer=l1(0.001), seed=5)
    splits = {(n, v): data.split(data.moons(n=n), validation_split=v) for n in (60, 100, 400, 1000)
              for v in (0.0, 0.2, 0.3)}
    jobs = [Job(config.replace(epochs=e), s, tag=(e, n, v)) for (n, v), s in splits.items()
            for e in (100, 700, 2000, 5000)]
    before = runner._COMPILED.compiles
    results = {job.tag: trained for job, trained in runner.run(jobs)}
    assert runner._COMPILED.compiles - before <= 2 and len(results) == 48
    init_key, shuffle_key, _ = program.run_keys(np.uint32(5))
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(init_key, (2, 128, 128, 1))]
    for (n, v), s in splits.items():
        orders = [np.asarray(program.epoch_order(shuffle_key, e, len(s.y_train))) for e in range(2)]
        _, expected = reference.train(init, orders, s.X_train.astype(np.float64), s.y_train,
                                      s.X_val.astype(np.float64), s.y_val, lambda: reference.KerasAdam(0.01),
                                      l1=[0.001, 0.001, 0.0], act="relu")  # a single regularizer: hidden kernels
        for epochs in (100, 700, 2000, 5000):
            history = results[epochs, n, v].history
            assert sorted(history) == sorted(expected) and all(len(h) == epochs for h in history.values())
            for key, want in expected.items():
                np.testing.assert_allclose(history[key][:2], want, rtol=2e-4, atol=1e-6, err_msg=f"{key} {n} {v}")


def test_sample_weighted_training_matches_the_numpy_rendering_with_weighted_means(seed_split):
    """Minibatches of 32 with sample weights in [0, 3): every batch's loss, gradient and figures are weighted
    means (scikit-learn's convention), and so are the epoch's and the validation's."""
    from dataclasses import replace

    rng = np.random.default_rng(4)
    w, wv = rng.uniform(0, 3, 80).astype(np.float32), rng.uniform(0, 3, 20).astype(np.float32)
    config = ModelConfig(hidden=(16,), activation="tanh", learning_rate=0.01, kernel_regularizer=[l2(0.002)] * 2,
                         activity_regularizer=l1_l2(0.01, 0.02), epochs=4, seed=7)
    trained = train_one(config, replace(seed_split, w_train=w, w_val=wv))
    init_key, shuffle_key, _ = program.run_keys(np.uint32(7))
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(init_key, (2, 16, 1))]
    orders = [np.asarray(program.epoch_order(shuffle_key, e, 80)) for e in range(4)]
    s = seed_split
    params, history = reference.train(init, orders, s.X_train.astype(np.float64), s.y_train, s.X_val.astype(np.float64),
                                      s.y_val, lambda: reference.KerasAdam(0.01), l2=0.002, a1=0.01, a2=0.02, w=w,
                                      wv=wv)
    for key, expected in history.items():
        np.testing.assert_allclose(trained.history[key], expected, rtol=2e-4, atol=1e-6, err_msg=key)
    for got, want in zip(trained.params, params):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-3, atol=1e-5)


def test_a_regression_head_matches_the_numpy_rendering_of_keras_fit_with_mean_squared_error(seed_split):
    """Float targets (a data set without classes): Keras's loss="mse", the same loop; accuracy has no meaning."""
    from reglab.data import Dataset, Split

    s = seed_split
    target = lambda X: np.sin(2 * X[:, 0]) + 0.5 * X[:, 1]  # noqa: E731
    dataset = Dataset("wave", s.dataset.X, target(s.dataset.X).astype(np.float32), (), ("x1", "x2"), {})
    split = Split(dataset, s.X_train, target(s.X_train).astype(np.float32), s.X_val,
                  target(s.X_val).astype(np.float32), 0.2, "keras")
    config = ModelConfig(hidden=(16,), activation="tanh", learning_rate=0.01, kernel_regularizer=[l2(0.001)] * 2,
                         epochs=4, seed=5)
    trained = train_one(config, split)
    init_key, shuffle_key, _ = program.run_keys(np.uint32(5))
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(init_key, (2, 16, 1))]
    orders = [np.asarray(program.epoch_order(shuffle_key, e, 80)) for e in range(4)]
    params, history = reference.train(init, orders, s.X_train.astype(np.float64), split.y_train.astype(np.float64),
                                      s.X_val.astype(np.float64), split.y_val.astype(np.float64),
                                      lambda: reference.KerasAdam(0.01), l2=0.001, loss="mse")
    for key, expected in history.items():
        np.testing.assert_allclose(trained.history[key], expected, rtol=2e-4, atol=1e-6, err_msg=key)
    assert np.all(np.isnan(trained.history["accuracy"]))
    for got, want in zip(trained.params, params):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-3, atol=1e-5)


def test_same_seed_same_numbers_and_another_seed_other_numbers(seed_split):
    config = ModelConfig(hidden=(16,), activation="tanh", epochs=3, dropout=0.3, seed=3)
    a, b = train_one(config, seed_split), train_one(config, seed_split)
    c = train_one(config.replace(seed=4), seed_split)
    np.testing.assert_array_equal(a.params[0]["kernel"], b.params[0]["kernel"])
    np.testing.assert_array_equal(a.history["data_loss"], b.history["data_loss"])
    assert not np.array_equal(a.params[0]["kernel"], c.params[0]["kernel"])


def test_dropout_masks_are_inverted_and_keep_one_minus_rate():
    rates = jnp.array([0.2, 0.0])
    m1, m0 = mlp.dropout_masks(jax.random.key(0), rates, 1000, (64, 8))
    values = np.unique(np.asarray(m1))
    np.testing.assert_allclose(values, [0.0, 1 / 0.8], rtol=1e-6)
    kept = float((np.asarray(m1) > 0).mean())
    assert abs(kept - 0.8) < 4 * np.sqrt(0.8 * 0.2 / m1.size)
    assert np.all(np.asarray(m0) == 1.0)


def test_dropout_acts_in_training_only(seed_split):
    base = ModelConfig(hidden=(16,), activation="tanh", epochs=3, seed=1)
    with_dropout = train_one(base.replace(dropout=0.5), seed_split)
    without = train_one(base, seed_split)
    assert not np.array_equal(with_dropout.history["data_loss"], without.history["data_loss"])
    # validation figures use every unit, unscaled: they equal a plain forward pass of the final weights
    run = reglab.Run("d", base, with_dropout.history, with_dropout.params)
    z = run.decision_function(seed_split.X_val)[:, 0]
    np.testing.assert_allclose(with_dropout.history["val_data_loss"][-1],
                               reference.bce_from_logits(z, seed_split.y_val).mean(), rtol=1e-5)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "gelu", "linear"])
def test_numpy_predictions_match_the_engine(activation):
    params = mlp.init(jax.random.key(1), (3, 6, 5, 4))
    X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    run = reglab.Run("x", ModelConfig(hidden=(6, 5), activation=activation), {}, [
        {k: np.asarray(v) for k, v in layer.items()} for layer in params])
    np.testing.assert_allclose(run.decision_function(X), mlp.forward(params, jnp.asarray(X), activation),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("n_out", [1, 3])
def test_numpy_probabilities_match_scipy_even_for_extreme_logits(n_out):
    from scipy.special import expit, softmax

    scale = np.array([1e-3, 1.0, 40.0, 800.0])[:, None, None]  # up to logits far past exp's float64 range
    X = (scale * np.random.default_rng(0).normal(size=(1, 6, 2))).reshape(-1, 2)
    run = reglab.Run("x", ModelConfig(hidden=(), activation="linear"), {},
                     [{"kernel": np.eye(2, n_out, dtype=np.float32), "bias": np.zeros(n_out, np.float32)}],
                     classes=tuple(range(max(n_out, 2))))
    z = X @ np.eye(2, n_out)
    expected = np.c_[1 - expit(z[:, 0]), expit(z[:, 0])] if n_out == 1 else softmax(z, axis=1)
    proba = run.predict_proba(X)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba, expected, rtol=1e-12, atol=1e-15)  # 1 - p: one ulp of 1


def test_multiclass_training_runs_softmax():
    from sklearn.linear_model import LogisticRegression

    split = data.split(data.blobs(n=90, centers=3, seed=0))
    runs = [reglab.fit(split, hidden=(16,), learning_rate=0.01, epochs=30, seed=seed) for seed in range(4)]
    assert runs[0].params[-1]["kernel"].shape == (16, 3)
    proba = runs[0].predict_proba(split.X_val)
    assert proba.shape == (len(split.y_val), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    baseline = LogisticRegression().fit(split.X_train, split.y_train).score(split.X_val, split.y_val)
    # 18 validation rows: one seed's 30 epochs may miss by a row or two, the mean over four does not
    assert np.mean([run.final["val_accuracy"] for run in runs]) >= baseline - 0.05


def test_seed_study_overfits_without_penalty_and_l2_keeps_validation_loss_lower(seed_split):
    plain, ridge = reglab.compare(seed_split, {"none": {}, "l2": {"kernel_regularizer": l2(0.01)}},
                                  learning_rate=0.01, epochs=2000)
    assert plain.final["accuracy"] == 1.0
    assert plain.final["data_loss"] < 1e-3
    assert plain.final["val_data_loss"] > ridge.final["val_data_loss"]
    # penalties are kernel-only and hidden-only by default: the output layer grows freely under l2
    assert ridge.final["penalty"] > 0 and plain.final["penalty"] == 0
    assert l1(0.001).l1 == 0.001


def test_bias_penalty_counts_only_where_a_model_asks_for_it(seed_split):
    # programs compile bias terms only when some model penalizes a bias; the reported figures must follow
    plain = train_one(ModelConfig(epochs=3, kernel_regularizer=l2(0.01)), seed_split)
    both = train_one(ModelConfig(epochs=3, kernel_regularizer=l2(0.01), bias_regularizer=l1(0.5)), seed_split)
    for run, bias_factor in ((plain, 0.0), (both, 0.5)):
        hidden = run.params[:-1]  # one regularizer applies to the hidden layers
        expected = sum(0.01 * (p["kernel"] ** 2).sum() + bias_factor * np.abs(p["bias"]).sum() for p in hidden)
        assert run.history["val_penalty"][-1] == pytest.approx(expected, rel=1e-5)
    assert any(np.abs(p["bias"]).sum() > 0 for p in both.params[:-1])  # the bias term was not trivially 0


def test_models_of_several_programs_train_as_each_would_alone_and_report_compiling_once(seed_split, fresh_programs):
    from reglab.engine.runner import Job, run

    configs = [ModelConfig(hidden=(8,), epochs=7, seed=s, kernel_regularizer=reg)
               for reg in (None, l1(0.01, method="proximal"), l2(0.01)) for s in (0, 1)]
    done = {job.tag: trained for job, trained in run([Job(c, seed_split, i) for i, c in enumerate(configs)],
                                                     executor="threads", workers=2)}
    many = [done[i] for i in range(len(configs))]
    firsts = [0, 2]  # the first model of the plain program and of the orthant-wise one
    assert [t.compile_seconds > 0 for t in many] == [i in firsts for i in range(len(configs))]
    for config, trained in zip(configs, many):
        alone = train_one(config, seed_split)
        assert alone.compile_seconds == 0  # compiled once, by the run above
        for key in alone.history:
            np.testing.assert_array_equal(trained.history[key], alone.history[key])


def test_a_new_process_reuses_the_traced_program_and_gets_the_same_numbers(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from reglab import data\n"
        "from reglab.vocabulary.config import ModelConfig\n"
        "from reglab.engine import runner\n"
        "if sys.argv[1] == 'no-tracing':\n"
        "    runner._COMPILED._jitted['one'] = None  # tracing would fail: the program must come from the cache\n"
        "config = ModelConfig(hidden=(8,), epochs=5, kernel_regularizer='l1(0.01)')\n"
        "trained = runner.train_one(config, data.split(data.moons()))\n"
        "np.save(sys.argv[2], trained.history['data_loss'])\n")
    env = {**os.environ, "REGLAB_CACHE_DIR": str(tmp_path / "cache")}

    def run(mode, name):
        done = subprocess.run([sys.executable, "-c", code, mode, str(tmp_path / name)], env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
        return np.load(tmp_path / f"{name}.npy")

    first = run("trace", "first")
    [saved] = (tmp_path / "cache" / "programs").glob("*.jaxexport")
    np.testing.assert_array_equal(run("no-tracing", "second"), first)
    saved.write_bytes(b"damaged")  # a damaged file is traced anew and replaced
    np.testing.assert_array_equal(run("trace", "third"), first)
    np.testing.assert_array_equal(run("no-tracing", "fourth"), first)


def test_an_edited_engine_does_not_reuse_programs_traced_before(monkeypatch, seed_split, tmp_path):
    import shutil

    from reglab.engine import exported

    prog, hparams = program.plan(ModelConfig(hidden=(8,), epochs=5), seed_split)
    s = seed_split
    args = (hparams, {"X_train": s.X_train, "y_train": s.y_train, "X_val": s.X_val, "y_val": s.y_val})
    paths = {}
    for copy in ("shipped", "copied", "edited"):  # the engine's own files, one copy edited as a developer would
        shutil.copytree(exported.ENGINE, tmp_path / copy, ignore=shutil.ignore_patterns("__pycache__"))
        if copy == "edited":
            source = tmp_path / copy / "chain.py"
            source.write_text(source.read_text().replace("return", "return  ", 1))
        monkeypatch.setattr(exported, "ENGINE", tmp_path / copy)
        paths[copy] = exported._path("one", prog, args)
    assert paths["shipped"] == paths["copied"]  # the same source, wherever it lies: the same program
    assert paths["edited"] != paths["shipped"]
    assert exported._path("vectorized", prog, args) != paths["edited"]


def test_a_batch_larger_than_the_training_set_is_one_batch_of_all_of_it(seed_split):
    config = ModelConfig(hidden=(16,), activation="tanh", learning_rate=0.01, batch_size=81, epochs=3, seed=2)
    trained = train_one(config, seed_split)  # 80 training samples: Keras trains one batch of 80 per epoch
    init_key, shuffle_key, _ = program.run_keys(np.uint32(2))
    init = [{k: np.asarray(v) for k, v in layer.items()} for layer in mlp.init(init_key, (2, 16, 1))]
    orders = [np.asarray(program.epoch_order(shuffle_key, e, 80)) for e in range(3)]
    s = seed_split
    _, history = reference.train(init, orders, s.X_train.astype(np.float64), s.y_train, s.X_val.astype(np.float64),
                                 s.y_val, lambda: reference.KerasAdam(0.01), batch_size=81)
    for key, expected in history.items():
        np.testing.assert_allclose(trained.history[key], expected, rtol=2e-4, atol=1e-6, err_msg=key)


def test_a_run_whose_history_cannot_fit_in_memory_is_refused_before_compiling(seed_split, monkeypatch):
    with pytest.raises(reglab.ReglabError, match=r"^epochs: got 1000000000000; allowed: an integer in \[1, 100,000\]$"):
        ModelConfig(hidden=(8,), epochs=10**12)  # every face's one limit
    from reglab.engine import runner

    machine = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 1024}  # 4 MiB: a history of 100,000 epochs takes 3.2 MB
    monkeypatch.setattr(runner.os, "sysconf", lambda name: machine[name])
    with pytest.raises(reglab.ReglabError, match=r"^epochs: got 100000; allowed: fewer: the histories of 1 model"
                                                 r"\(s\) would take .* GiB") as err:
        train_one(ModelConfig(hidden=(8,), epochs=100_000), seed_split)
    assert "\n" not in str(err.value)


def test_without_validation_data_the_history_has_no_val_figures(seed_split):
    split = data.split(seed_split.dataset, validation_split=0)
    assert len(split.y_train) == 100 and len(split.y_val) == 0
    run = reglab.fit(split, hidden=(8,), epochs=3, kernel_regularizer=l2(0.01))
    assert set(run.history) == {"data_loss", "penalty", "accuracy", "loss"}
    with pytest.raises(reglab.ReglabError, match="^early_stopping.monitor: got 'val_data_loss'"):
        reglab.fit(split, hidden=(8,), epochs=3, early_stopping={"patience": 1})
    stopped = reglab.fit(split, hidden=(8,), epochs=30, early_stopping={"monitor": "loss", "patience": 1})
    assert set(stopped.history) == {"data_loss", "penalty", "accuracy", "loss"}


def test_uniform_sample_weights_change_nothing_and_the_figures_are_weighted_means(seed_split):
    from dataclasses import replace

    config = ModelConfig(hidden=(16, 16), epochs=5, learning_rate=0.01, kernel_regularizer=l1(0.001), seed=3)
    twos = replace(seed_split, w_train=np.full(len(seed_split.y_train), 2, np.float32),
                   w_val=np.full(len(seed_split.y_val), 2, np.float32))
    plain, doubled = train_one(config, seed_split), train_one(config, twos)
    for a, b in zip(plain.params, doubled.params):  # sum(2x) / sum(2) is sum(x) / n, exactly
        np.testing.assert_array_equal(a["kernel"], b["kernel"])
    for key, values in plain.history.items():  # (an epoch's figures divided by 80 or by a sum of 160: one ulp)
        np.testing.assert_allclose(doubled.history[key], values, rtol=2e-7, err_msg=key)
    # validation figures weighted by hand: w = 1 on the first half, 3 on the second
    w_val = np.where(np.arange(len(seed_split.y_val)) < len(seed_split.y_val) // 2, 1.0, 3.0).astype(np.float32)
    weighted = train_one(config, replace(seed_split, w_val=w_val))
    p = weighted.params
    z = np.maximum(np.maximum(seed_split.X_val @ p[0]["kernel"] + p[0]["bias"], 0) @ p[1]["kernel"] + p[1]["bias"],
                   0) @ p[2]["kernel"] + p[2]["bias"]
    z, y = z[:, 0].astype(np.float64), seed_split.y_val
    loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    assert weighted.history["val_data_loss"][-1] == pytest.approx(np.sum(w_val * loss) / w_val.sum(), rel=1e-5)
    assert weighted.history["val_accuracy"][-1] == pytest.approx(np.sum(w_val * ((z > 0) == y)) / w_val.sum())


def test_integer_sample_weights_in_one_full_batch_train_as_the_rows_repeated(seed_split):
    """In one batch of all rows, weights 0..3 are the rows dropped or repeated: the same weighted mean, summed in
    another order (float32)."""
    from dataclasses import replace

    counts = np.random.default_rng(0).integers(0, 4, len(seed_split.y_train))
    weighted = replace(seed_split, w_train=counts.astype(np.float32))
    repeated = replace(seed_split, X_train=np.repeat(seed_split.X_train, counts, axis=0),
                       y_train=np.repeat(seed_split.y_train, counts))
    for optimizer in ("sgd", "adam"):
        config = ModelConfig(hidden=(16,), optimizer=optimizer, learning_rate=0.05, batch_size=1000, epochs=30,
                             kernel_regularizer=l2(0.01), seed=1)
        a, b = train_one(config, weighted), train_one(config, repeated)
        for x, y in zip(a.params, b.params):
            np.testing.assert_allclose(x["kernel"], y["kernel"], rtol=1e-4, atol=1e-6)
        for key in ("data_loss", "penalty", "accuracy", "val_data_loss"):
            np.testing.assert_allclose(a.history[key], b.history[key], rtol=1e-4, atol=1e-6, err_msg=key)
