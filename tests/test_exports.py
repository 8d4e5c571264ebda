"""What the page hands away runs: the TOML spec of every data set x regularizer the page offers goes through
``reglab run``'s own function (training, report, folder) and the Keras script runs on Keras 3 without TensorFlow."""

import os
import subprocess
import sys
import tomllib

import numpy as np
import pytest

from reglab import api, spec
from reglab.explore import controls, server

# A small network and few epochs: the report's figures and claims are what this walk checks, not the training.
SMALL = {"epochs": 3, "layers": 1, "width": 8}
STRENGTH = {"dropout": 0.2, "early_stopping": 2, "max_norm": 1.0}  # a value each kind allows; the rest its default


def exported_spec(data, regularizer, csv=None) -> str:
    """The TOML spec the page exports for the chosen strength of a request (the path's middle model)."""
    body = {"controls": {**SMALL, "data": data, "regularizer": regularizer,
                         **({"strength": STRENGTH[regularizer]} if regularizer in STRENGTH else {})}}
    the_plan, _, _, scene = server.prepare({**body, **({"csv": csv} if csv else {})})
    return scene["exports"][the_plan.strengths.index(the_plan.models[0][1])]["toml"]


def long_named_csv(folder):
    """A CSV of 6 features whose column names run to 40 characters, and its upload as the page sends it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    names = [f"measurement_of_the_{i}th_feature_in_millimetres" for i in range(6)]
    rows = [",".join(names + ["label"])] + [",".join(f"{v:.4f}" for v in x) + f",{int(x[0] > 0)}" for x in X]
    text = "\n".join(rows) + "\n"
    (folder / "measurements.csv").write_text(text)
    return {"name": "measurements.csv", "text": text, "label": "label"}


@pytest.mark.parametrize("data", controls.CONTROLS["data"][2])
def test_every_exported_spec_of_every_data_set_and_regularizer_runs(data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # reglab run's default folder, reglab-out/<name>, lands here
    csv = long_named_csv(tmp_path) if data == "csv" else None
    names = set()
    for regularizer in controls.REGULARIZERS:
        (tmp_path / "exp.toml").write_text(exported_spec(data, regularizer, csv))
        study = spec.read(tmp_path / "exp.toml")  # a CSV's path is read beside the spec, as reglab run does
        result = api.run_study(study, progress=False)
        assert (result.out / "report.html").is_file() and result.out.parent.name == "reglab-out"
        assert len(result.runs) == 1 and np.isfinite(result.runs[0].final["data_loss"])
        names.add(study.name)
    assert len(names) == len(controls.REGULARIZERS)  # each export writes a folder of its own


def test_each_exported_study_is_named_after_its_data_and_model():
    text = exported_spec("wine", "l2")
    assert tomllib.loads(text)["name"] == "wine_l2_0.001_seed_0"


def test_the_keras_script_names_a_backend_and_runs_without_tensorflow(tmp_path):
    text = server.prepare({"controls": {**SMALL, "data": "wine", "regularizer": "l1"}})[3]["exports"][0]["keras"]
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
