"""Sweeps: the grid, equality with single fits, resuming after a kill, divergence, loading without JAX."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import reglab
from reglab import ReglabError, data
from reglab.results import SweepStore
from reglab.studies import spec
from reglab.studies.sweep_grid import Grid

SMALL = {"hidden": (16,), "activation": "tanh", "learning_rate": 0.01, "epochs": 20}


@pytest.fixture(scope="module")
def split():
    return data.split(data.moons())


def test_grid_expands_every_point_in_a_fixed_order():
    grid = Grid.build(["l1", "l1_l2", "dropout"], lambdas=[0.1, 0.2], rates=[0.3], seeds=2, l1_ratio=0.25)
    points = grid.points(reglab.ModelConfig(hidden=(4,)))
    assert [(p.regularizer, p.strength, p.seed) for p, _ in points] == [
        ("l1", 0.1, 0), ("l1", 0.1, 1), ("l1", 0.2, 0), ("l1", 0.2, 1),
        ("elastic_net", 0.1, 0), ("elastic_net", 0.1, 1), ("elastic_net", 0.2, 0), ("elastic_net", 0.2, 1),
        ("dropout", 0.3, 0), ("dropout", 0.3, 1)]
    assert points[2][1].kernel_regularizer == reglab.l1(0.2) and points[2][1].seed == 0
    elastic = points[4][1].kernel_regularizer
    assert (elastic.l1, elastic.l2) == (pytest.approx(0.025), pytest.approx(0.075))
    assert points[8][1].dropout == 0.3 and points[8][1].kernel_regularizer is None
    assert [p.index for p, _ in points] == list(range(10))


def test_activity_kinds_put_keras_activity_regularizers_on_the_hidden_outputs():
    base = reglab.ModelConfig(hidden=(4, 4))
    (_, a1), (_, a2) = Grid.build(regularizers="activity_l1,activity_l2", lambdas=[0.01], seeds=1).points(base)
    assert a1.activity_regularizers() == (reglab.l1(0.01),) * 2 and a1.kernel_regularizer is None
    assert a2.activity_regularizers() == (reglab.l2(0.01),) * 2


def test_log_range_keeps_both_ends():
    lambdas = Grid.build(lambdas={"start": 1e-5, "stop": 1e-1, "num": 16}).lambdas
    assert len(lambdas) == 16 and lambdas[0] == pytest.approx(1e-5) and lambdas[-1] == pytest.approx(1e-1)
    np.testing.assert_allclose(np.diff(np.log10(lambdas)), 4 / 15)


@pytest.mark.parametrize("kwargs, field", [
    ({"regularizers": []}, "sweep.regularizers"),
    ({"regularizers": ["l3"]}, "sweep.regularizers[0]"),
    ({"lambdas": []}, "sweep.lambdas"),
    ({"lambdas": {"start": 0.0, "stop": 1e-1, "num": 4}}, "sweep.lambdas.start"),
    ({"lambdas": {"start": -1e-3, "stop": 1e-1, "num": 4}}, "sweep.lambdas.start"),
    ({"lambdas": {"start": 1e-3, "stop": 1e-1, "num": 0}}, "sweep.lambdas.num"),
    ({"lambdas": [1e-3, -1.0]}, "sweep.lambdas[1]"),
    ({"rates": [1.0]}, "sweep.rates[0]"),
    ({"seeds": 0}, "sweep.seeds"),
    ({"learning_rates": [0.0]}, "sweep.learning_rates[0]"),
    ({"axes": {"seed": [1, 2]}}, "sweep.axes.seed"),
    ({"regularizers": ["dropout"], "axes": {"dropout": [0.1, 0.2]}}, "sweep.axes.dropout"),
    ({"regularizers": ["l2"], "axes": {"kernel_regularizer": ["l1(0.1)"]}}, "sweep.axes.kernel_regularizer"),
    ({"axes": {"widths": [[8]]}}, "sweep.axes.widths"),
    ({"axes": {"hidden": []}}, "sweep.axes.hidden"),
    ({"axes": {"hidden": [[8], [8]]}}, "sweep.axes.hidden"),
    ({"axes": [("hidden", [[8]])]}, "sweep.axes"),
])
def test_bad_grids_give_one_line(kwargs, field):
    with pytest.raises(ReglabError) as err:
        Grid.build(**kwargs)
    assert str(err.value).startswith(field + ":") and "\n" not in str(err.value)


def test_bad_sweep_spec_keys_give_one_line():
    with pytest.raises(ReglabError, match=r"^sweep\.lambda:"):
        spec.parse({"sweep": {"lambda": [0.1]}})
    assert spec.read(spec.builtin("sweep")).grid.lambdas[0] == pytest.approx(1e-5)


def test_cli_rejects_a_bad_lambda_range_with_exit_2(tmp_path):
    done = subprocess.run([sys.executable, "-m", "reglab", "sweep", "--lambdas", "0:0.1:4",
                           "--out", str(tmp_path / "s")], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("reglab: error: sweep.lambdas.start:")
    assert not (tmp_path / "s").exists()


def test_sweep_models_equal_single_fits_exactly(split, tmp_path):
    result = reglab.sweep(split, regularizers=["l1", "dropout"], lambdas=[0.001, 0.01], rates=[0.3], seeds=[0, 5],
                          out=tmp_path / "s", chunk_size=3, progress=False, report=False, executor="threads", **SMALL)
    store = SweepStore(tmp_path / "s")
    assert len(result.frame) == 6 and store.finished() == {0, 1}
    for _, row in result.frame.iterrows():
        settings = {**SMALL, "seed": int(row["seed"])}
        if row["regularizer"] == "l1":
            settings["kernel_regularizer"] = reglab.l1(row["strength"])
        else:
            settings["dropout"] = row["strength"]
        alone = reglab.fit(split, **settings)
        swept = store.run(int(row["index"]))
        for a, b in zip(alone.params, swept.params):
            np.testing.assert_array_equal(a["kernel"], b["kernel"])
        np.testing.assert_array_equal(alone.history["val_data_loss"], swept.history["val_data_loss"])
        assert row["val_data_loss"] == alone.final["val_data_loss"]


def test_vectorized_sweep_matches_single_fits_within_tolerance(split, tmp_path):
    # Stated tolerance: batched programs may sum in another order; after 20 epochs figures agree to 1e-4 relative.
    result = reglab.sweep(split, regularizers=["l2"], lambdas=[0.001, 0.1], seeds=2, out=tmp_path / "v",
                          progress=False, report=False, executor="vectorized", **SMALL)
    assert len(result.frame) == 4
    for _, row in result.frame.iterrows():
        alone = reglab.fit(split, kernel_regularizer=reglab.l2(row["strength"]), seed=int(row["seed"]), **SMALL)
        for key in ("data_loss", "val_data_loss", "penalty", "val_accuracy"):
            assert row[key] == pytest.approx(alone.final[key], rel=1e-4, abs=1e-7), key


@pytest.mark.filterwarnings("error::UserWarning")  # one lambda: its path figure still needs a proper axis
def test_a_diverging_model_is_flagged_and_its_neighbours_finish(split, tmp_path):
    result = reglab.sweep(split, regularizers=["l2"], lambdas=[0.001], seeds=2, learning_rates=[0.05, 1e3],
                          optimizer="sgd", out=tmp_path / "d", progress=True,
                          **{**SMALL, "learning_rate": 0.05, "activation": "relu"})
    frame = result.frame
    assert frame["diverged"].tolist() == [False, False, True, True]
    assert frame["family"].tolist() == ["l2, lr 0.05"] * 2 + ["l2, lr 1000"] * 2  # paths are drawn per learning rate
    assert np.isfinite(frame.loc[~frame["diverged"], "val_data_loss"]).all()
    assert frame.loc[frame["diverged"], "val_data_loss"].isna().all()
    assert frame.loc[~frame["diverged"], "val_accuracy"].min() > 0.7
    report = (tmp_path / "d" / "report.html").read_text()
    assert "Diverged models" in report and "l2(0.001), lr 1000 seed 0" in report


def test_rerun_into_another_sweeps_folder_is_refused(split, tmp_path):
    reglab.sweep(split, regularizers=["l2"], lambdas=[0.01], seeds=1, out=tmp_path / "x", progress=False,
                 report=False, **SMALL)
    with pytest.raises(ReglabError, match="^out:"):
        reglab.sweep(split, regularizers=["l1"], lambdas=[0.01], seeds=1, out=tmp_path / "x", progress=False, **SMALL)


def _sweep_args(out):
    return [sys.executable, "-m", "reglab", "sweep", "--out", str(out), "--epochs", "600", "--seeds", "2",
            "--regularizers", "l1,l2", "--lambdas", "1e-4:1e-1:5", "--chunk-size", "2"]


def _start_sweep(out):
    return subprocess.Popen(_sweep_args(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_first_chunk(out, process):
    deadline = time.time() + 120
    while not (out / "chunks" / "00000").exists():
        assert process.poll() is None and time.time() < deadline, "the sweep ended before its first chunk was seen"
        time.sleep(0.02)


def test_killed_sweep_resumes_losing_and_repeating_nothing(tmp_path):
    out = tmp_path / "killed"
    process = _start_sweep(out)
    _wait_for_first_chunk(out, process)
    process.kill()
    process.wait()
    store = SweepStore(out)
    before = {c: (out / "chunks" / f"{c:05d}" / "models.json").stat().st_mtime_ns for c in store.finished()}
    assert 0 < len(before) < 10
    resumed = subprocess.run(_sweep_args(out), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"(20 models, {20 - 2 * len(before)} trained now)" in resumed.stdout
    for c, mtime in before.items():  # finished chunks were not redone
        assert (out / "chunks" / f"{c:05d}" / "models.json").stat().st_mtime_ns == mtime
    assert not list((out / "chunks").glob(".*"))

    fresh = tmp_path / "fresh"
    assert subprocess.run(_sweep_args(fresh), capture_output=True).returncode == 0
    a, b = reglab.load_sweep(out), reglab.load_sweep(fresh)
    columns = ["index", "regularizer", "strength", "seed", "data_loss", "val_data_loss", "accuracy", "val_accuracy",
               "zeros"]
    assert a[columns].equals(b[columns])


def test_ctrl_c_stops_with_a_message_and_saved_chunks(tmp_path):
    out = tmp_path / "interrupted"
    process = _start_sweep(out)
    _wait_for_first_chunk(out, process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in err
    assert 0 < len(SweepStore(out).finished()) < 10 and not list((out / "chunks").glob(".*"))


def test_load_reads_a_sweep_without_jax(split, tmp_path):
    reglab.sweep(split, regularizers=["l1"], lambdas=[0.01, 0.1], seeds=1, out=tmp_path / "j", progress=False,
                 report=False, **SMALL)
    code = textwrap.dedent(f"""
        import sys
        import reglab
        models = reglab.load_sweep({str(tmp_path / 'j')!r})
        epochs = reglab.load_sweep({str(tmp_path / 'j')!r}, per="epoch")
        assert list(models["strength"]) == [0.01, 0.1], models
        assert len(epochs) == 2 * 20 and (epochs["loss"] == epochs["data_loss"] + epochs["penalty"]).all()
        assert "jax" not in sys.modules, "loading imported jax"
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    manifest = json.loads((tmp_path / "j" / "sweep.json").read_text())
    assert manifest["grid"]["lambdas"] == [0.01, 0.1] and len(manifest["models"]) == 2
    assert os.path.exists(tmp_path / "j" / "chunks" / "00000" / "params.npz")


def test_further_axes_expand_outermost_and_set_model_and_data_settings():
    grid = Grid.build(["l2"], lambdas=[0.1, 0.2], seeds=1, axes={"hidden": [[4], [8, 8]], "data": {"n": [40, 80]}})
    assert grid.names == ("hidden", "data.n")  # TOML's data.n = [...] is a table {"data": {"n": [...]}}
    points = grid.points(reglab.ModelConfig(hidden=(2,), epochs=3))
    assert [(p.axes["hidden"], p.axes["data.n"], p.strength) for p, _ in points] == [
        ([4], 40, 0.1), ([4], 40, 0.2), ([4], 80, 0.1), ([4], 80, 0.2),
        ([8, 8], 40, 0.1), ([8, 8], 40, 0.2), ([8, 8], 80, 0.1), ([8, 8], 80, 0.2)]
    assert points[4][1].hidden == (8, 8) and points[4][1].epochs == 3 and points[4][0].data == {"n": 40}
    assert grid.data_variants() == [{"n": 40}, {"n": 80}]
    (_, a), (_, b) = Grid.build(["l2"], lambdas=[0.1], seeds=1, axes={"dropout": [0.1, 0.3]}).points(
        reglab.ModelConfig())  # an l2 path at two dropout rates
    assert (a.dropout, b.dropout) == (0.1, 0.3) and a.kernel_regularizer == b.kernel_regularizer == reglab.l2(0.1)
    with pytest.raises(ReglabError, match=r"^sweep\.axes\.hidden\[0\]:"):
        Grid.build(axes={"hidden": [[0]]}).points(reglab.ModelConfig())


def test_a_sweep_over_width_and_samples_trains_each_model_as_alone_and_one_program_per_shape(tmp_path,
                                                                                             fresh_programs):
    from reglab.engine import runner

    settings = {**SMALL, "epochs": 7}
    before = runner._COMPILED.compiles
    result = reglab.sweep("moons", regularizers=["l2"], lambdas=[1e-3, 1e-1], seeds=2, executor="threads",
                          axes={"hidden": [[12], [14, 14]], "data.n": [60, 120]}, out=tmp_path / "a",
                          progress=False, **settings)
    assert runner._COMPILED.compiles - before == 2  # one program for each width, any rows
    frame = reglab.load(tmp_path / "a")
    assert len(frame) == 16 and set(frame["hidden"]) == {(12,), (14, 14)} and set(frame["data.n"]) == {60, 120}
    assert frame.equals(result.frame)
    for _, row in frame.iloc[::5].iterrows():
        alone = reglab.fit(data.moons(n=int(row["data.n"])), **{**settings, "hidden": row["hidden"]},
                           kernel_regularizer=reglab.l2(row["strength"]), seed=int(row["seed"]))
        assert row["val_data_loss"] == alone.final["val_data_loss"] and row["accuracy"] == alone.final["accuracy"]
    report = (tmp_path / "a" / "report.html").read_text()
    assert "best_by_axis.png" in report and "axes_path.png" in report and "<th>data.n</th>" in report
    manifest = json.loads((tmp_path / "a" / "sweep.json").read_text())
    assert [v["n_train"] for v in manifest["data_variants"]] == [48, 96]
    with pytest.raises(ReglabError, match=r"^sweep\.axes\.data\.n: .*not over arrays"):
        reglab.sweep(data.split(data.moons()), axes={"data.n": [60, 120]}, out=tmp_path / "b", progress=False)
    with pytest.raises(ReglabError, match=r"^sweep\.axes\.data\.noise: got -1"):
        reglab.sweep("moons", axes={"data.noise": [0.1, -1]}, out=tmp_path / "c", progress=False)


def test_the_cli_takes_axes_and_a_bad_one_is_one_line(tmp_path):
    args = [sys.executable, "-m", "reglab", "sweep", "--regularizers", "l2", "--lambdas", "0.001,0.1", "--seeds", "1",
            "--epochs", "5", "--axis", "hidden=[[4],[8]]", "--axis", "data.n=60,120", "--out", str(tmp_path / "s")]
    done = subprocess.run(args, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "hidden" in done.stdout and "data.n" in done.stdout and (tmp_path / "s" / "best_by_axis.png").is_file()
    assert list(reglab.load(tmp_path / "s")["data.n"]) == [60, 60, 120, 120, 60, 60, 120, 120]
    bad = subprocess.run(args[:-6] + ["--axis", "hidden", "--out", str(tmp_path / "t")], capture_output=True,
                         text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("reglab: error: --axis: got 'hidden'; allowed: SETTING=")
    assert not (tmp_path / "t").exists()
