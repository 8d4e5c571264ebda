"""``reglab demo tabular``: reglab's cross-validated path beside scikit-learn's GridSearchCV, end to end."""

import json
import subprocess
import sys

import numpy as np


def test_the_tabular_demo_compares_both_on_every_data_set(tmp_path):
    done = subprocess.run([sys.executable, "-m", "reglab", "demo", "tabular", "--epochs", "3", "--alphas", "2",
                           "--folds", "2", "--data", "wine,diabetes", "--out", str(tmp_path / "t")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    table = [line for line in done.stdout.splitlines() if not line.startswith("report: ")]
    assert len(table) >= 5 and all(len(line) <= 80 for line in table)  # the table fits a terminal
    metrics = json.loads((tmp_path / "t" / "metrics.json").read_text())
    rows = metrics["rows"]
    assert [(r["data"], r["method"]) for r in rows] == [("wine", "scikit-learn grid"), ("wine", "reglab path (l2)"),
                                                        ("diabetes", "scikit-learn grid"),
                                                        ("diabetes", "reglab path (l2)")]
    for row in rows:
        assert row["alpha_sklearn"] in metrics["alphas_sklearn"] and len(row["curve"]) == 2
        assert row["score"] == max(row["curve"])  # the chosen alpha has the best mean score
        assert (0 <= row["score"] <= 1) or row["data"] == "diabetes"  # R² may be negative after 3 epochs
    assert np.isfinite([r["seconds"] for r in rows]).all()
    report = (tmp_path / "t" / "report.html").read_text()
    assert "scikit-learn grid" in report and "data:image/png;base64," in report
    bad = subprocess.run([sys.executable, "-m", "reglab", "demo", "tabular", "--data", "mnist"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.strip() == ("reglab: error: data: got 'mnist'; allowed: one of "
                                                          "breast_cancer, wine, digits, diabetes")
