"""Every sentence of a report is made from the study it describes: its optimizer, its layers, its columns. The
features study (SGD, a 20-32-1 network, no boundary), the seed study (Adam, 2-128-128-1, dropout, a boundary) and
sweeps with and without a plane to draw."""

import html
import re

import pytest
from click.testing import CliRunner

import reglab
from reglab import data
from reglab.cli import main


def words(path) -> str:
    """A report's text as a reader sees it: tags and the embedded figures dropped, entities decoded."""
    text = re.sub(r"<pre>.*?</pre>", " ", path.read_text(), flags=re.S)  # the configs, as JSON
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def run_cli(*args):
    """What ``reglab ARGS`` prints above its last line (the report's path), the table's folded lines joined."""
    done = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return " ".join(done.output.strip().rsplit("\n", 1)[0].split())


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_the_features_studys_report_speaks_of_sgd_its_first_layer_and_no_boundary(tmp_path):
    printed = run_cli("run", "features", "--epochs", "3", "--out", str(tmp_path / "f"))
    text = words(tmp_path / "f" / "report.html")
    assert "(Keras's way) SGD makes weights small, not zero" in text and "Adam" not in text
    assert "How big the weights of layer 1's kernel (20×32, the first hidden layer) are" in text
    assert "second hidden" not in text and "dropout active" not in text
    assert "boundary" not in printed.lower() and "zeros: share of kernel weights at exactly 0" in printed


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_the_seed_studys_report_speaks_of_adam_its_second_hidden_layer_and_its_boundary(tmp_path):
    printed = run_cli("run", "seed", "--epochs", "3", "--out", str(tmp_path / "s"))
    text = words(tmp_path / "s" / "report.html")
    assert "(Keras's way) Adam makes weights small, not zero" in text and "SGD" not in text
    assert "How big the weights of layer 2's kernel (128×128, the second hidden layer) are" in text
    assert "(Keras's aggregation, dropout active)" in text
    assert "boundary: length of the P = 0.5 line in the plotting window" in printed


@pytest.mark.parametrize("name, plane", [("moons", True), ("iris", False)])
def test_a_sweeps_report_draws_and_names_only_what_its_data_have(tmp_path, name, plane):
    result = reglab.sweep(data.load(name), regularizers=["l2", "dropout"], lambdas=[1e-3, 1e-1], rates=[0.1, 0.5],
                          seeds=1, epochs=3, hidden=(8,), out=tmp_path / "g", progress=False)
    text = words(result.out / "report.html")
    assert (f"{len(result.frame)} models in" in text) and "Best strength per regularizer" in text
    for said in ("Length of the decision boundary", "Decision regions of the first seed"):
        assert (said in text) == plane
    assert ("boundary_length" in result.frame) == plane
