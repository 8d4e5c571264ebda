"""The runner: jobs with data of their own, folds of unequal size in one compiled program, executors, cancel."""

import threading

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from reglab import data, l2
from reglab.engine.program import epoch_order
from reglab.engine.runner import Job, run, train_one
from reglab.vocabulary.config import ModelConfig


@pytest.fixture(scope="module")
def cancer_folds():
    """breast_cancer standardized, in 5 stratified folds: 455 or 456 training rows, 114 or 113 validating."""
    d = data.load("breast_cancer")
    X = (d.X - d.X.mean(axis=0)) / d.X.std(axis=0)
    return data.folds(data.Dataset(d.name, X, d.y, d.classes, d.feature_names), k=5)


def _by_tag(results):
    return {job.tag: trained for job, trained in results}


@pytest.mark.parametrize("n_real, n_rows", [(1, 4096), (97, 114), (113, 4096), (114, 114), (1700, 4096),
                                            (1700, 16384)])
def test_a_padded_epoch_visits_the_real_rows_as_they_are_visited_alone_each_once(n_real, n_rows):
    """Row capacities change nothing: the real rows come first, in the order a shuffle of them alone gives (one key
    word up to 1,625 rows, two from there on), padding after in its order."""
    key = jax.random.key(3)
    orders = []
    for epoch in range(3):
        order = np.asarray(epoch_order(key, epoch, n_rows, n_real))
        alone = np.asarray(epoch_order(key, epoch, n_real))
        np.testing.assert_array_equal(order[:n_real], alone)
        np.testing.assert_array_equal(np.sort(alone), np.arange(n_real))
        np.testing.assert_array_equal(order[n_real:], np.arange(n_real, n_rows))  # padding rows last
        orders.append(alone)
    assert n_real == 1 or not np.array_equal(orders[0], orders[1])


def test_a_shuffle_puts_each_row_at_each_place_about_equally_often():
    """Over 4,000 epochs of 8 rows, each row lands at each of the 8 places 500 times, give or take chance (a
    chi-square of 56 cells, under 100: p < 1e-4 for a fair shuffle to exceed it)."""
    key = jax.random.key(0)
    places = np.zeros((8, 8))
    orders = jax.jit(jax.vmap(lambda e: epoch_order(key, e, 64, jnp.int32(8))[:8]))(jnp.arange(4000))
    for order in np.asarray(orders):
        places[order, np.arange(8)] += 1
    assert ((places - 500) ** 2 / 500).sum() < 100


def test_folds_times_lambdas_share_one_program_and_each_equals_its_fold_trained_alone(cancer_folds, fresh_programs):
    assert sorted({len(s.y_train) for s in cancer_folds}) == [455, 456]
    assert sorted({len(s.y_val) for s in cancer_folds}) == [113, 114]
    configs = [ModelConfig(hidden=(128, 128), epochs=3, learning_rate=0.001, kernel_regularizer=l2(lam), seed=1)
               for lam in (1e-4, 1e-3, 1e-2, 1e-1)]
    jobs = [Job(c, s, (i, j)) for i, c in enumerate(configs) for j, s in enumerate(cancer_folds)]
    together = _by_tag(run(jobs, executor="threads"))
    assert len(together) == 20
    assert sum(t.compile_seconds > 0 for t in together.values()) == 1  # one program for 20 jobs
    for (i, j), trained in together.items():
        alone = train_one(configs[i], cancer_folds[j])  # its own rows: its own shuffle, batches 32 ... 7 or 8
        for key, values in alone.history.items():
            np.testing.assert_allclose(trained.history[key], values, rtol=2e-5, atol=1e-7, err_msg=key)
        for got, want in zip(trained.params, alone.params):
            for name in want:
                np.testing.assert_allclose(got[name], want[name], rtol=1e-4, atol=1e-6)


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_vectorized_executor_maps_over_hyperparameters_and_data(cancer_folds):
    configs = [ModelConfig(hidden=(16,), epochs=4, learning_rate=0.01, dropout=rate, seed=2) for rate in (0.2, 0.3)]
    jobs = [Job(c, s, (i, j)) for i, c in enumerate(configs) for j, s in enumerate(cancer_folds[:3])]
    threads, vectorized = _by_tag(run(jobs, executor="threads")), _by_tag(run(jobs, executor="vectorized"))
    for tag, trained in vectorized.items():
        for key, values in threads[tag].history.items():
            np.testing.assert_allclose(trained.history[key], values, rtol=1e-4, atol=1e-6, err_msg=f"{tag} {key}")
    assert sum(t.compile_seconds > 0 for t in vectorized.values()) == 1  # the rate is a mapped hyperparameter


def test_dropout_is_compiled_in_only_for_a_model_that_has_it_and_a_model_beside_it_trains_as_alone(seed_split):
    from reglab.engine.runner import _tasks

    plain = ModelConfig(hidden=(8,), epochs=6, learning_rate=0.01, seed=1)
    jobs = [Job(plain, seed_split, "plain"), Job(plain.replace(dropout=0.4), seed_split, "dropout"),
            Job(plain.replace(dropout=[0.0]), seed_split, "rate 0")]
    assert [t.program.dropout for t in _tasks(jobs)] == [False, True, False]  # rate 0: no draw, no masks
    shared, alone = _by_tag(run(jobs)), _by_tag(run(jobs[:1]))
    for key, values in alone["plain"].history.items():
        np.testing.assert_array_equal(shared["plain"].history[key], values, err_msg=key)
    for got, want in zip(shared["plain"].params, alone["plain"].params):
        np.testing.assert_array_equal(got["kernel"], want["kernel"])
    assert not np.array_equal(shared["dropout"].history["data_loss"], alone["plain"].history["data_loss"])


def test_cancel_or_leaving_the_loop_starts_no_further_model(seed_split):
    jobs = [Job(ModelConfig(hidden=(32,), epochs=300, seed=s), seed_split, s) for s in range(8)]
    cancel, seen = threading.Event(), []
    for job, _ in run(jobs, executor="threads", cancel=cancel, workers=2):
        seen.append(job.tag)
        cancel.set()  # from any thread; here, the consumer's own
    assert len(seen) == 1
    started = threading.active_count()
    for job, _ in run(jobs, executor="threads", workers=2):
        break
    assert threading.active_count() <= started  # the pool and compiler threads are gone once the loop is left


def test_a_long_model_reports_its_epochs_as_it_goes_and_a_cancel_stops_it_within_a_chunk(seed_split):
    """A 20,000-epoch lecture model (about 5 s) reports its epochs done every chunk (about 0.1 s); half a second
    after its first report another thread cancels the run: the model stops at its chunk's end, is reported once as
    cancelled, and never comes out of the loop. The bounds are generous (a loaded machine); the note of issue 21
    gives the measured figures."""
    import time

    cancel, reports, cancelled_at = threading.Event(), [], []

    def progress(job, epochs, cancelled=False):
        reports.append((time.perf_counter(), epochs, cancelled))
        if len(reports) == 1:
            threading.Timer(0.5, lambda: (cancelled_at.append(time.perf_counter()), cancel.set())).start()

    out = list(run([Job(ModelConfig(learning_rate=0.01, epochs=20_000), seed_split)], cancel=cancel,
                   progress=progress))
    assert out == [] and reports[-1][2] and not any(cancelled for _, _, cancelled in reports[:-1])
    epochs = [e for _, e, _ in reports]
    assert epochs == sorted(epochs) and 0 < epochs[-1] < 20_000 and len(reports) >= 3
    assert max(b - a for (a, _, _), (b, _, _) in zip(reports, reports[1:])) < 1.5
    assert reports[-1][0] - cancelled_at[0] < 1.5


@pytest.mark.parametrize("executor", ["threads", "vectorized"])
def test_a_run_in_chunks_is_the_run_in_one_call_bit_for_bit(seed_split, executor, monkeypatch):
    """Chunks of 1 epoch (then up to 8 times the last) give the history, params, snapshots and early stop of the
    same run in one call."""
    from reglab.engine import runner

    config = ModelConfig(hidden=(8, 8), epochs=40, dropout=0.1, kernel_regularizer=l2(0.01),
                         early_stopping={"monitor": "val_accuracy", "patience": 2, "restore_best_weights": True})
    jobs = [Job(config.replace(seed=s), seed_split, s, snapshots=5) for s in range(3)]
    whole = _by_tag(run(jobs, executor=executor))
    monkeypatch.setattr(runner, "FIRST_CHUNK", 1)
    monkeypatch.setattr(runner, "CHUNK_SECONDS", 1e-6)
    chunked = _by_tag(run(jobs, executor=executor))
    for tag, trained in whole.items():
        assert trained.info == chunked[tag].info and 0 < trained.info["stopped_epoch"] < 40
        for key in trained.history:
            np.testing.assert_array_equal(trained.history[key], chunked[tag].history[key])
        for a, b in zip(jax.tree.leaves((trained.params, trained.snapshots)),
                        jax.tree.leaves((chunked[tag].params, chunked[tag].snapshots))):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("early_stopping", [None, {"monitor": "val_loss", "patience": 100}])
def test_snapshots_are_the_params_of_shorter_runs(seed_split, early_stopping):
    """Snapshot j of a 7-epoch run (every 3 epochs: after 3, 6 and 7) equals the final params of a run of that
    many epochs from the same seed."""
    from reglab.vocabulary.history import snapshot_epochs

    config = ModelConfig(hidden=(8, 8), epochs=7, kernel_regularizer=l2(0.01), early_stopping=early_stopping)
    (_, trained), = run([Job(config, seed_split, snapshots=3)])
    assert snapshot_epochs(7, 3) == [3, 6, 7]
    for j, epochs in enumerate(snapshot_epochs(7, 3)):
        shorter = train_one(ModelConfig(**{**config.to_dict(), "epochs": epochs}), seed_split)
        for kept, layer in zip(trained.snapshots, shorter.params):
            np.testing.assert_allclose(kept["kernel"][j], layer["kernel"], rtol=1e-6, atol=1e-7)
            np.testing.assert_allclose(kept["bias"][j], layer["bias"], rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(trained.snapshots[0]["kernel"][-1], trained.params[0]["kernel"])


def test_the_process_keeps_a_bounded_number_of_programs_and_recompiles_an_evicted_one_to_the_same_result(
        seed_split, monkeypatch, fresh_programs):
    from reglab.engine import runner

    monkeypatch.setattr(runner._COMPILED, "CAPACITY", 1)
    narrow, wide = (ModelConfig(hidden=(h,), epochs=5, seed=0) for h in (3, 4))
    before = runner._COMPILED.compiles
    first = train_one(narrow, seed_split)
    train_one(wide, seed_split)  # evicts the narrow network's program
    again = train_one(narrow, seed_split)
    assert runner._COMPILED.compiles - before == 3 and len(runner._COMPILED._programs) == 1
    for a, b in zip(first.params, again.params):
        np.testing.assert_array_equal(a["kernel"], b["kernel"])


def test_a_model_without_figures_ends_with_the_same_weights_and_records_its_data_loss_alone(cancer_folds):
    config = ModelConfig(hidden=(16, 16), epochs=4, learning_rate=0.01, kernel_regularizer=l2(0.01), seed=4)
    full, lean = (_by_tag(run([Job(config, cancer_folds[0], 0, figures=f)]))[0] for f in (True, False))
    for a, b in zip(full.params, lean.params):
        np.testing.assert_array_equal(a["kernel"], b["kernel"])
        np.testing.assert_array_equal(a["bias"], b["bias"])
    np.testing.assert_array_equal(lean.history["data_loss"], full.history["data_loss"])
    for key in ("penalty", "accuracy", "val_data_loss", "val_penalty", "val_accuracy"):
        assert np.isfinite(full.history[key]).all() and np.isnan(lean.history[key]).all(), key


def test_jobs_ahead_compile_while_others_train_and_a_later_run_finds_them(cancer_folds, fresh_programs):
    from reglab.engine import runner

    now = ModelConfig(hidden=(8,), epochs=6, seed=0)
    later = ModelConfig(hidden=(9,), epochs=6, seed=0)  # another shape: another program
    before = runner._COMPILED.compiles
    trained = _by_tag(run([Job(now, cancer_folds[0], "now")], executor="threads", ahead=[Job(later, cancer_folds[1])]))
    assert list(trained) == ["now"] and runner._COMPILED.compiles - before == 2  # the one ahead compiled, untrained
    (_, done), = run([Job(later, cancer_folds[1])], executor="threads")
    assert done.compile_seconds == 0.0 and runner._COMPILED.compiles - before == 2


def _first_kernel_norm(params):
    return {"norm": float(np.linalg.norm(params[0]["kernel"]))}


@pytest.mark.parametrize("executor", ["threads", "vectorized"])
def test_a_jobs_after_function_sees_its_trained_params_where_it_trained(cancer_folds, executor):
    jobs = [Job(ModelConfig(hidden=(8,), epochs=3, seed=s), cancer_folds[0], s, after=_first_kernel_norm)
            for s in range(2)]
    for job, trained in run(jobs, executor=executor):
        assert trained.extra == _first_kernel_norm(trained.params)
    (_, plain), = run([Job(ModelConfig(hidden=(8,), epochs=3), cancer_folds[0])])
    assert plain.extra == {}


def test_runs_of_other_epoch_counts_share_one_program_and_each_is_the_start_of_the_longest(seed_split,
                                                                                           fresh_programs):
    """The epoch count is a runtime value: 5, 9 and 300 epochs (and, with snapshots and early stopping, 40) train
    through one compiled program each kind, and a run of E epochs is the first E epochs of the 300-epoch run."""
    from reglab.engine.runner import _COMPILED

    config = ModelConfig(hidden=(11,), learning_rate=0.01, kernel_regularizer=l2(0.001), seed=4)
    before = _COMPILED.compiles
    runs = {e: train_one(config.replace(epochs=e), seed_split) for e in (300, 5, 9)}
    assert _COMPILED.compiles - before == 1
    for e in (5, 9):
        assert all(len(v) == e for v in runs[e].history.values())
        for key, rows in runs[e].history.items():
            np.testing.assert_array_equal(rows, runs[300].history[key][:e], err_msg=key)
    stopping = config.replace(early_stopping={"patience": 3})
    before = _COMPILED.compiles
    kept = [next(run([Job(stopping.replace(epochs=e), seed_split, snapshots=4)]))[1] for e in (40, 12)]
    assert _COMPILED.compiles - before == 1
    assert [len(t.history["data_loss"]) for t in kept] == [40, 12]
    assert [len(t.snapshots[0]["kernel"]) for t in kept] == [4, 4]  # ceil(40 / 10) and ceil(12 / 3) slots
