"""Decision-boundary length: against geometry by hand, and on the lecture's problem as λ grows."""

import numpy as np
import pytest

import reglab
from reglab.results import Run, boundary
from reglab.vocabulary.config import ModelConfig


def _linear(kernel, bias):
    """A model without hidden layers: logit = X @ kernel + bias."""
    return Run("line", ModelConfig(hidden=(), activation="linear"), {},
               [{"kernel": np.asarray(kernel, np.float32).reshape(2, 1), "bias": np.asarray([bias], np.float32)}])


@pytest.mark.parametrize("kernel, bias, length", [
    ([1.0, 0.0], -0.5, 3.5),  # x = 0.5 crosses the window's full height, 3.5
    ([0.0, 1.0], 0.0, 5.0),  # y = 0 crosses its full width, 5
    ([1.0, 1.0], -1.0, np.hypot(3.5, 3.5)),  # x + y = 1 enters at (-1, 2) and leaves at (2.5, -1.5)
    ([1.0, 0.0], -9.0, 0.0),  # x = 9: outside the window, no boundary at all
])
def test_boundary_length_of_a_straight_line_is_its_chord_in_the_window(kernel, bias, length):
    measured = boundary.measure(_linear(kernel, bias), boundary.SEED_WINDOW)
    if length == 0:
        assert measured == {"boundary_length": 0.0, "boundary_pieces": 0}
    else:
        assert measured["boundary_length"] == pytest.approx(length, rel=1e-4) and measured["boundary_pieces"] == 1


@pytest.mark.slow  # a long run: the fast tier leaves it out
def test_the_boundary_gets_shorter_as_l1_l2_and_dropout_grow_over_three_seeds(tmp_path):
    result = reglab.sweep("moons", regularizers=["l1", "l2", "dropout"], lambdas=[1e-4, 1e-2, 0.3],
                          rates=[0.2, 0.5, 0.8], seeds=3, learning_rate=0.01, epochs=2000, out=tmp_path / "s",
                          progress=False, report=False)
    means = result.frame.groupby(["regularizer", "strength"])["boundary_length"].mean()
    for kind in ("l1", "l2", "dropout"):
        lengths = means[kind].to_numpy()
        assert np.all(np.diff(lengths) < 0), (kind, lengths)  # strictly shorter at each larger λ (rate)
