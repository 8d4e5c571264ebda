"""Data sets and splits against scikit-learn and Keras's documented behaviour."""

import numpy as np
import pytest
from sklearn.datasets import make_moons

from reglab import ReglabError, data


def test_moons_is_sklearns_make_moons():
    d = data.moons()
    X, y = make_moons(100, noise=0.25, random_state=2)
    np.testing.assert_allclose(d.X, X, rtol=1e-6)
    np.testing.assert_array_equal(d.y, y)
    assert d.n_classes == 2


def test_generated_sets_come_from_the_cache_as_scikit_learn_made_them(tmp_path, monkeypatch):
    from sklearn.datasets import make_circles

    monkeypatch.setenv("REGLAB_CACHE_DIR", str(tmp_path))
    first = data.circles(n=60, noise=0.1, seed=5)
    (saved,) = (tmp_path / "data").glob("make_circles-*.npz")
    X, y = make_circles(60, noise=0.1, random_state=5, factor=0.5)
    with np.load(saved) as arrays:  # what the cache holds is scikit-learn's output, untouched
        np.testing.assert_array_equal(arrays["X"], X)
        np.testing.assert_array_equal(arrays["y"], y)
    np.testing.assert_array_equal(data.circles(n=60, noise=0.1, seed=5).X, first.X)  # read back
    assert not np.array_equal(data.circles(n=60, noise=0.2, seed=5).X, first.X)  # another key, another set
    saved.write_bytes(b"not an npz")  # a damaged entry is made again
    np.testing.assert_array_equal(data.circles(n=60, noise=0.1, seed=5).X, first.X)


def test_keras_split_takes_the_last_fraction_before_shuffling():
    d = data.moons()
    s = data.split(d, 0.2)
    np.testing.assert_array_equal(s.X_val, d.X[80:])
    np.testing.assert_array_equal(s.y_train, d.y[:80])
    # Keras: split_at = int(n * (1 - validation_split)); 10 samples at 0.25 -> 7 train, 3 validation
    small = data.moons(n=10)
    assert len(data.split(small, 0.25).y_train) == 7


def test_stratified_split_keeps_class_shares_and_follows_its_seed():
    d = data.bundled("iris")
    s = data.split(d, 0.2, method="stratified", seed=1)
    assert np.bincount(s.y_val).tolist() == [10, 10, 10]
    again = data.split(d, 0.2, method="stratified", seed=1)
    other = data.split(d, 0.2, method="stratified", seed=2)
    np.testing.assert_array_equal(s.X_val, again.X_val)
    assert not np.array_equal(s.X_val, other.X_val)


@pytest.mark.parametrize("name", ["xor", "gauss", "spiral", "circles", "blobs"])
def test_generated_sets_are_two_dimensional_binary_and_seeded(name):
    d = data.load(name, n=200, seed=5)
    assert d.X.shape == (200, 2) and set(np.unique(d.y)) == {0, 1}
    np.testing.assert_array_equal(d.X, data.load(name, n=200, seed=5).X)
    if name in ("gauss", "spiral"):
        assert np.bincount(d.y).tolist() == [100, 100]
        assert 0.3 < d.y[-40:].mean() < 0.7  # shuffled: the last fraction holds both classes


def test_playground_xor_labels_follow_the_quadrant_without_noise():
    d = data.xor(n=300, noise=0.0, seed=0)
    np.testing.assert_array_equal(d.y, (d.X[:, 0] * d.X[:, 1] >= 0).astype(int))
    assert np.abs(d.X).min() >= 0.3  # Playground pads points 0.3 away from the axes


def test_playground_gauss_variance_grows_with_noise():
    quiet, noisy = data.gauss(n=2000, noise=0.0), data.gauss(n=2000, noise=0.5)
    positive = lambda d: d.X[d.y == 1]  # noqa: E731
    assert positive(quiet).var(axis=0).mean() == pytest.approx(0.5, rel=0.15)
    assert positive(noisy).var(axis=0).mean() == pytest.approx(4.0, rel=0.15)


@pytest.mark.parametrize("name, shape, k", [("iris", (150, 4), 3), ("wine", (178, 13), 3),
                                            ("breast_cancer", (569, 30), 2), ("digits", (1797, 64), 10)])
def test_bundled_sets_load_by_name(name, shape, k):
    d = data.load(name)
    assert d.X.shape == shape and d.n_classes == k
    assert len(np.unique(d.y[-len(d.y) // 5:])) == k  # rows shuffled: the validation part holds every class


def test_csv_keeps_row_order_and_maps_labels(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("a,b,label\n0.5,1,7\n-1,2.5,3\n\n2,0,7\n")
    d = data.read_csv(path)
    np.testing.assert_allclose(d.X, [[0.5, 1], [-1, 2.5], [2, 0]])
    assert d.y.tolist() == [1, 0, 1] and d.classes == (3, 7) and d.feature_names == ("a", "b")


@pytest.mark.parametrize("text, field", [
    ("a,label\n1,0\n,1\n", "line 3 column 'a'"),
    ("a,label\n1,0\nx,1\n", "line 3 column 'a'"),
    ("a,b\n1,0\n2,1\n", "data.label"),
    ("a,label\n1,0\n2,0\n", "column 'label'"),
    ("a,label\n1,0\n2,0.5\n", "column 'label'"),
    ("a,label\n1,0\n2\n", "line 3"),
    ("a,label\n1,0\n2,nan\n", "line 3 column 'label'"),
])
def test_bad_csv_files_give_one_line_naming_the_place(tmp_path, text, field):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ReglabError) as err:
        data.read_csv(path)
    assert field in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("call, field", [
    (lambda: data.load("mnist"), "data.name"),
    (lambda: data.moons(n=0), "n"),
    (lambda: data.moons(noise=-1), "noise"),
    (lambda: data.load("moons", colour=3), "data (moons)"),
    (lambda: data.split(data.moons(), -0.1), "validation_split"),
    (lambda: data.split(data.moons(), 1.0), "validation_split"),
    (lambda: data.split(data.moons(), 1.5), "validation_split"),
    (lambda: data.split(data.moons(), 0.2, method="random"), "split"),
    (lambda: data.read_csv("/nonexistent.csv"), "data.path"),
])
def test_bad_data_arguments_give_one_line(call, field):
    with pytest.raises(ReglabError) as err:
        call()
    assert str(err.value).startswith(field) and "\n" not in str(err.value)


def test_csv_labels_may_be_words_behind_a_spreadsheets_byte_order_mark(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes("\ufeffage,income,answer\n30,1.5,yes\n40,2.5,no\n50,3.5,yes\n".encode("utf-8"))
    d = data.read_csv(path, label="answer")
    assert d.feature_names == ("age", "income") and d.classes == ("no", "yes")
    np.testing.assert_array_equal(d.y, [1, 0, 1])
    np.testing.assert_array_equal(d.X, [[30, 1.5], [40, 2.5], [50, 3.5]])
    assert data.read_csv(tmp_path / "survey.csv", label="answer").classes == ("no", "yes")


@pytest.mark.parametrize("encoding, sep", [("utf-16", "\t"), ("utf-8", ";"), ("utf-8-sig", ";"), ("utf-16", ",")])
def test_csv_files_as_spreadsheets_export_them(tmp_path, encoding, sep):
    """Excel's "Unicode text" is UTF-16 with tabs; where the comma is the decimal mark, ";" separates values."""
    path = tmp_path / "export.csv"
    path.write_bytes("age{0}größe{0}label\n30{0}1.5{0}ja\n40{0}2.5{0}nein\n".format(sep).encode(encoding))
    d = data.read_csv(path)
    assert d.feature_names == ("age", "größe") and d.classes == ("ja", "nein")
    np.testing.assert_array_equal(d.X, [[30, 1.5], [40, 2.5]])


def test_a_csv_file_in_another_encoding_is_one_line_naming_the_byte(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,label\n1,café\n2,thé\n".encode("latin-1"))
    with pytest.raises(ReglabError, match=r"^data.path: got .*allowed: a text file in UTF-8 or UTF-16 \(byte 13"):
        data.read_csv(path)


def test_datasets_and_splits_print_in_one_line():
    d = data.moons()
    assert repr(d) == "Dataset('moons': 100 samples, 2 features, classes (0, 1))"
    assert repr(data.split(d)) == "Split('moons': 80 train / 20 validation, keras, validation_split=0.2)"


def test_a_standardized_split_scales_both_parts_by_the_training_rows_as_scikit_learn_does():
    from sklearn.preprocessing import StandardScaler

    d = data.load("breast_cancer")
    s = data.split(d, 0.25, standardize=True)
    cut = int(len(d.y) * 0.75)
    scaler = StandardScaler().fit(d.X[:cut].astype(np.float32))
    np.testing.assert_allclose(s.X_train, scaler.transform(d.X[:cut]), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.X_val, scaler.transform(d.X[cut:]), rtol=1e-4, atol=1e-5)
    assert repr(s).endswith("validation_split=0.25, standardized)")
    with pytest.raises(ReglabError, match="^standardize: got 'yes'; allowed: true or false$"):
        data.split(d, standardize="yes")
