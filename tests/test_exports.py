"""What the page hands away runs: the TOML specs of every data set and every regularizer the page offers go through
``reglab run``'s own function (training, report, folder) and the Keras script runs on Keras 3 without TensorFlow."""

import os
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from reglab import api
from reglab.explore import controls, server
from reglab.studies import spec
from reglab.vocabulary import kinds

# A small network and few epochs: the report's figures and claims are what this walk checks, not the training.
SMALL = {"epochs": 3, "layers": 1, "width": 8}


def exported_spec(data, regularizer, csv=None) -> str:
    """The TOML spec the page exports for the chosen strength of a request (the path's middle model)."""
    body = {"controls": {**SMALL, "data": data, "regularizer": regularizer,
                         "strength": kinds.get(regularizer).default or 0.001}}
    the_plan, _, _, scene = server.prepare({**body, **({"csv": csv} if csv else {})})
    return scene["exports"]["0"][the_plan.strengths.index(the_plan.models[0][1])]["toml"]


def long_named_csv(folder):
    """A CSV of 6 features whose column names run to 40 characters, and its upload as the page sends it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    names = [f"measurement_of_the_{i}th_feature_in_millimetres" for i in range(6)]
    rows = [",".join(names + ["label"])] + [",".join(f"{v:.4f}" for v in x) + f",{int(x[0] > 0)}" for x in X]
    text = "\n".join(rows) + "\n"
    (folder / "measurements.csv").write_text(text)
    return {"name": "measurements.csv", "text": text, "label": "label"}


DATA = controls.CONTROLS["data"][2]
KINDS = kinds.names()
# every data set with three kinds, so that together they walk every kind (tests/test_kinds.py reads every kind's
# exports back on moons): the report's figures and claims differ by data set and kind, not by their pairing
PAIRS = {data: [KINDS[(i * 3 + k) % len(KINDS)] for k in range(3)] for i, data in enumerate(DATA)}
assert {kind for chosen in PAIRS.values() for kind in chosen} == set(KINDS)


@pytest.mark.slow  # a long run: the fast tier leaves it out
@pytest.mark.parametrize("data", DATA)
def test_exported_specs_of_every_data_set_and_every_regularizer_run(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # reglab run's default folder, reglab-out/<name>, lands here
    csv = long_named_csv(tmp_path) if data == "csv" else None
    names = set()
    for regularizer in PAIRS[data]:
        (tmp_path / "exp.toml").write_text(exported_spec(data, regularizer, csv))
        study = spec.read(tmp_path / "exp.toml")  # a CSV's path is read beside the spec, as reglab run does
        result = api.run_study(study, progress=False)
        assert (result.out / "report.html").is_file() and result.out.parent.name == "reglab-out"
        assert len(result.runs) == 1 and np.isfinite(result.runs[0].final["data_loss"])
        names.add(study.name)
    assert len(names) == len(PAIRS[data])  # each export writes a folder of its own


def test_each_exported_study_is_named_after_its_data_and_model():
    text = exported_spec("wine", "l2")
    assert tomllib.loads(text)["name"] == "wine_l2_0.001_seed_0"


def test_the_keras_script_names_a_backend_and_runs_without_tensorflow(tmp_path):
    text = server.prepare({"controls": {**SMALL, "data": "wine", "regularizer": "l1"}})[3]["exports"]["0"][0]["keras"]
    assert 'os.environ.setdefault("KERAS_BACKEND", "jax")' in text
    assert text.index("KERAS_BACKEND") < text.index("import keras")  # Keras reads it once, on import
    (tmp_path / "model.py").write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    done = subprocess.run([sys.executable, str(tmp_path / "model.py")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    final = eval(done.stdout.strip().splitlines()[-1], {"nan": float("nan")})  # Keras's last-epoch figures
    assert set(final) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    with pytest.raises(ImportError):  # the script ran where TensorFlow is not
        __import__("tensorflow")


def test_the_page_standardizes_tabular_data_on_its_training_rows_and_the_exports_do_the_same(tmp_path):
    the_plan, split, plane, scene = server.prepare({"controls": {**SMALL, "data": "wine"}})
    assert split.scaler is not None and "standardized on the training rows" in scene["data"]
    np.testing.assert_allclose(split.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(split.X_train.std(axis=0), 1, atol=1e-5)
    raw = np.asarray(split.dataset.X, np.float64)
    by_hand = (raw - raw[:142].mean(axis=0)) / raw[:142].std(axis=0)  # the first 142 of 178 rows train
    np.testing.assert_allclose(split.X_val, by_hand[142:], rtol=1e-5, atol=1e-5)
    xy = np.asarray(scene["train"]["xy"])
    assert np.abs(xy).max() < 10  # principal components of standardized inputs, not -609 to 1073
    exported = scene["exports"]["0"][the_plan.strengths.index(the_plan.models[0][1])]
    (tmp_path / "exp.toml").write_text(exported["toml"])
    again = spec.read(tmp_path / "exp.toml").load_split()
    np.testing.assert_array_equal(again.X_train, split.X_train)
    np.testing.assert_array_equal(again.X_val, split.X_val)
    assert "standardize=True" in exported["python"] and "X[:split_at].std(axis=0)" in exported["keras"]
    moons = server.prepare({"controls": {**SMALL, "data": "moons"}})[1]  # the lecture's plane, as it is
    assert moons.scaler is None and server.prepare({"controls": {**SMALL, "standardize": "on"}})[1].scaler
    assert server.prepare({"controls": {**SMALL, "data": "wine", "standardize": "off"}})[1].scaler is None
