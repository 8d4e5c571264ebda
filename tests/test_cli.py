"""The command line end to end, in real processes: outputs, the one-line errors and exit code 2."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest


def reglab(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "reglab", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


DEMO_MODELS = ["none", "l1(0.001)", "l2(0.01)", "dropout 0.2", "l1(0.001) proximal"]


def test_ctrl_c_during_a_demo_is_one_line_exit_130_and_no_output(tmp_path):
    out, cache = tmp_path / "demo", tmp_path / "cache"  # an empty cache: compiling keeps the demo busy for seconds
    process = subprocess.Popen([sys.executable, "-m", "reglab", "demo", "--out", str(out)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env={**os.environ, "REGLAB_CACHE_DIR": str(cache)})
    deadline = time.time() + 120
    while not list(cache.glob("data/*.npz")):  # the data are loaded: the study is under way
        assert process.poll() is None and time.time() < deadline, "the demo ended before its data were loaded"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1].startswith("reglab: interrupted;") and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob(".demo*"))


def test_demo_writes_report_figures_and_metrics(tmp_path):
    out = tmp_path / "demo"
    done = reglab("demo", "--epochs", "3", "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    for name in DEMO_MODELS:
        assert name in done.stdout
    # the network as Keras's model.summary() lists it, above the table; dropout layers only where they act
    assert done.stdout.index("dense_2 (Dense)") < done.stdout.index("Regularization on the lecture's moons")
    assert "Total params: 17,025" in done.stdout and "dropout_1 (Dropout)" in done.stdout
    assert {p.name for p in out.iterdir()} >= {"report.html", "metrics.json", "regions.png", "curves.png",
                                               "weights.png", "matrices.png", "path.png", "sparsity.png",
                                               "claim-l2.png", "claim-bias.png", "boundary.png", "runs"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert [m["name"] for m in metrics["models"]] == DEMO_MODELS
    lasso = metrics["models"][1]
    assert lasso["config"]["kernel_regularizer"] == {"l1": 0.001, "l2": 0.0} and lasso["config"]["seed"] == 1
    assert set(lasso["final"]) >= {"data_loss", "val_data_loss", "loss", "val_loss", "accuracy", "val_accuracy",
                                   "penalty"}
    assert lasso["final"]["loss"] == pytest.approx(lasso["final"]["data_loss"] + lasso["final"]["penalty"])
    assert lasso["train_seconds"] > 0 and lasso["effective_architecture"][0] == 2
    layer = lasso["layers"][1]
    assert layer["size"] == 128 * 128 and set(layer) >= {"zeros", "below_1e-3", "below_1e-2", "l1", "l2", "dead_units"}
    # the lambda path: l1_proximal and l2 at 4 strengths, 1 seed; the two equal to demo models were not retrained
    path = [(p["regularizer"], p["strength"]) for p in metrics["path"]]
    assert path[:2] == [("l1_proximal", 1e-4), ("l1_proximal", 1e-3)]
    assert len(metrics["path"]) == 10 and metrics["path"][1]["name"] == "l1(0.001) proximal"
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 9  # every PNG of the folder, embedded
    for claim in ("L1 drives weights to zero", "L2 shrinks weights smoothly", "A large λ underfits", "for biases",
                  "too complex decision boundaries"):
        assert claim in report
    assert "jax" in report and "reglab demo --seed 1 --epochs 3" in report and "kernel_regularizer" in report
    assert "for every model: seed = 1." in report and "for every model: epochs = 3." in report  # in the header
    assert "dense_1 (Dense)" in report and "17,025 parameters" in report
    assert [r["params"] for r in lasso["keras_layers"]] == [384, 16512, 129]


def test_demo_features_recovers_the_informative_inputs(tmp_path):
    done = reglab("demo", "features", "--out", str(tmp_path / "f"))
    assert done.returncode == 0, done.stderr
    assert "precision" in done.stdout and "recall" in done.stdout
    metrics = json.loads((tmp_path / "f" / "metrics.json").read_text())
    scores = {m["name"]: m["selection"] for m in metrics["models"]}
    best = max(scores.values(), key=lambda s: (s["recall"], s["precision"]))
    assert best["recall"] == 1.0 and best["precision"] >= 0.8
    # no exact zeros without a proximal step
    assert scores["none"]["selected"] == 20 and scores["l1(0.05)"]["selected"] == 20
    assert "inputs.png" in {p.name for p in (tmp_path / "f").iterdir()}


def test_run_takes_a_spec_and_overrides(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text('name = "tiny"\n[data]\nname = "circles"\nn = 60\n[defaults]\nhidden = [8]\nepochs = 50\n'
                    '[[models]]\nname = "plain"\n[[models]]\nname = "ridge"\nkernel_regularizer = "l2(0.1)"\n')
    done = reglab("run", str(spec), "--epochs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    metrics = json.loads((tmp_path / "reglab-out" / "tiny" / "metrics.json").read_text())
    assert [len(json.loads((tmp_path / "reglab-out" / "tiny" / "runs" / m["name"] / "run.json").read_text())["layers"])
            for m in metrics["models"]] == [2, 2]
    assert {m["config"]["epochs"] for m in metrics["models"]} == {2}


@pytest.mark.parametrize("spec_text, field", [
    ('[[models]]\nname = "a"\nkernel_regularizer = "l3"\n', "models[0].kernel_regularizer"),
    ('[[models]]\nname = "a"\nlearning_rate = -1.0\n', "models[0].learning_rate"),
    ('colour = 1\n[[models]]\nname = "a"\n', "spec.colour"),
    ('[data]\nname = "csv"\npath = "missing.csv"\n[[models]]\nname = "a"\n', "data.path"),
    ('[data]\nname = "csv"\npath = "one.csv"\n[[models]]\nname = "a"\n', "one.csv column 'label'"),
    ('[data]\nvalidation_split = 1.0\n[[models]]\nname = "a"\n', "data.validation_split"),
])
def test_bad_input_prints_one_line_exits_2_and_writes_nothing(tmp_path, spec_text, field):
    (tmp_path / "one.csv").write_text("x,label\n1,0\n2,0\n")
    spec = tmp_path / "bad.toml"
    spec.write_text(spec_text)
    done = reglab("run", str(spec), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"reglab: error: {field}") and "allowed:" in lines[0]
    assert not (tmp_path / "out").exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())


@pytest.mark.parametrize("args, says", [
    (("demo", "--epochs", "0"), "'--epochs': 0 is not in the range x>=1"),
    (("demo", "--seed", "-1"), "'--seed': -1 is not in the range"), (("demo", "--colour"), "--colour"),
    (("sweep", "--executor", "gpu"), "'--executor': 'gpu' is not one of"), (("tune",), "'tune'"),
    (("run", "missing.toml"), "spec: got 'missing.toml'")])
def test_bad_flags_are_one_line_and_exit_2(tmp_path, args, says):
    done = reglab(*args, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("reglab: error: ") and says in lines[0]
    assert not (tmp_path / "reglab-out").exists()


def test_built_in_specs_print_by_name_and_a_missing_spec_names_them(tmp_path):
    from reglab.studies import spec

    done = reglab("spec", "seed")
    assert done.returncode == 0 and done.stdout == spec.builtin("seed").read_text()
    (tmp_path / "my.toml").write_text(done.stdout)
    assert spec.read(tmp_path / "my.toml").models == spec.read("seed").models  # a copy is the same study
    missing = reglab("run", "nope.toml", "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and missing.stderr.strip().endswith("a built-in spec: seed, features, sweep")


def test_every_command_has_help():
    for args in ((), ("demo",), ("run",), ("sweep",), ("spec",)):
        done = reglab(*args, "--help")
        assert done.returncode == 0 and "Usage:" in done.stdout


def test_the_demo_table_fits_an_80_column_terminal_with_nothing_cut():
    import io

    from rich.console import Console

    from reglab import cli

    rows = [{"model": "l1(0.001) proximal", "data_loss": 3.17e-06, "val_data_loss": 0.998, "accuracy": 0.975,
             "val_accuracy": 0.95, "penalty": 0.0444, "zeros": 0.987, "below_1e-3": 0.504, "boundary_length": 8.5}] * 5
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(cli._table("Regularization on the lecture's moons", rows, cli.COLUMNS, "caption"))
    text = console.export_text()
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "model" in line)
    assert all(title in header for _, title, _ in cli.COLUMNS) and "…" not in text
    assert "l1(0.001) proximal" in text and "3.17e-06" in text and "98.7%" in text and "8.50" in text
