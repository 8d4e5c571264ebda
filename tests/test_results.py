"""Results are data: per-layer figures by hand, save/load round trips, loading without JAX, views from results."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from matplotlib.figure import Figure

import reglab
from reglab import ReglabError, data
from reglab.results import Run, layer_stats
from reglab.vocabulary.config import ModelConfig


def _run(params=None, epochs=3):
    params = params or [{"kernel": np.array([[0.0, 0.0005], [-0.005, 2.0]], np.float32),
                         "bias": np.array([1.0, -1.0], np.float32)},
                        {"kernel": np.array([[3.0], [0.0]], np.float32), "bias": np.zeros(1, np.float32)}]
    history = {k: np.linspace(1, 0.5, epochs).astype(np.float32) for k in
               ("data_loss", "penalty", "accuracy", "val_data_loss", "val_penalty", "val_accuracy")}
    return Run("a/b model", ModelConfig(hidden=(2,), kernel_regularizer="l1(0.1)"), history, params, (0, 1), 1.5, 0.25)


def test_layer_stats_by_hand():
    first, second = layer_stats(_run().params)
    assert first == {"layer": 1, "shape": [2, 2], "size": 4, "zeros": 1, "below_1e-3": 2, "below_1e-2": 3,
                     "l1": pytest.approx(2.0055), "l2": pytest.approx(np.sqrt(0.0005**2 + 0.005**2 + 4)),
                     "bias_l1": 2.0,
                     "dead_units": 1}  # unit 2's only outgoing weight is 0
    assert (second["zeros"], second["l1"], second["l2"], second["dead_units"]) == (1, 3.0, 3.0, 0)
    # input 1 reaches the output only through unit 2, which is dead; input 2 reaches it through unit 1
    assert _run().effective_architecture() == [1, 1, 1]
    assert _run().kernel_fractions() == {"zeros": 2 / 6, "below_1e-3": 3 / 6}


def test_history_adds_keras_totals():
    h = _run().history
    np.testing.assert_allclose(h["loss"], h["data_loss"] + h["penalty"])
    np.testing.assert_allclose(h["val_loss"], h["val_data_loss"] + h["val_penalty"])


def test_save_and_load_round_trip(tmp_path):
    run = _run()
    loaded = Run.load(run.save(tmp_path / "r"))
    assert loaded.name == run.name and loaded.config == run.config and loaded.classes == run.classes
    for key in run.recorded:
        np.testing.assert_allclose(loaded.recorded[key], run.recorded[key], rtol=1e-7)
    for a, b in zip(loaded.params, run.params):
        np.testing.assert_array_equal(a["kernel"], b["kernel"])
    assert (tmp_path / "r" / "history.csv").read_text().startswith("epoch,data_loss,penalty,accuracy")


def test_a_saved_run_loads_and_predicts_without_jax(tmp_path):
    trained = reglab.fit("moons", hidden=(8,), epochs=2)
    trained.save(tmp_path / "r")
    expected = float(trained.predict_proba(np.array([[0.0, 0.5]]))[0, 1])
    code = textwrap.dedent(f"""
        import sys
        from reglab.results import Run
        run = Run.load({str(tmp_path / 'r')!r})
        p = run.predict_proba([[0.0, 0.5]])[0, 1]
        assert abs(p - {expected!r}) < 1e-6, p
        assert "jax" not in sys.modules, "loading imported jax"
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_views_draw_figures_from_results():
    split = data.split(data.moons())
    runs = [_run(), _run()]
    regions = reglab.plot.decision_regions(runs, split)
    assert isinstance(regions, Figure) and len([a for a in regions.axes if a.get_visible()]) == 3  # + colour bar
    assert regions.axes[-1].get_ylabel() == "P(1)" and regions.axes[0].get_legend().texts[0].get_text() == "train"
    assert regions.axes[0].get_xlim() == (-2.0, 3.0) and regions.axes[0].get_ylim() == (-1.5, 2.0)
    assert len(reglab.plot.loss_curves(runs).axes) == 2
    assert len(reglab.plot.weights(runs).axes) == 2  # a panel per layer, the runs overlaid
    with pytest.raises(ReglabError, match="^decision regions"):
        reglab.plot.decision_regions(runs, data.split(data.load("iris")))


def _texts_outside_or_overlapping(fig):
    """The texts a PNG of ``fig`` shows that leave the canvas or read smaller than 8 pt where the report shows the
    figure, tick and axis labels that run into another panel or its labels, and legends that cover data."""
    import re
    from unittest import mock

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from reglab.views.report import CSS

    drawn, draw = [], Text.draw

    def spy(text, renderer):
        drawn.append(text)
        return draw(text, renderer)

    canvas = FigureCanvasAgg(fig)  # the figures are pyplot-free: give them the canvas a PNG is drawn on
    with mock.patch.object(Text, "draw", spy):
        canvas.draw()
    renderer, edge = canvas.get_renderer(), fig.bbox
    # The report's column (CSS px of 1/96 inch) shows the PNG (100 dpi) at its own size, or shrunk to the column.
    column = int(re.search(r"body\{[^}]*max-width:(\d+)px", CSS).group(1))
    shown = min(1.0, column / (fig.get_figwidth() * 100)) * 100 / 96
    axes = [a for a in fig.axes if a.get_visible()]
    tick_owner = {id(t): a for a in axes
                  for t in a.get_xticklabels() + a.get_yticklabels() + [a.xaxis.label, a.yaxis.label, a.title]}
    bad, ticks = [], []
    for text in drawn:
        if not (text.get_visible() and text.get_text().strip()):
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1 or box.y0 < edge.y0 - 1 or box.y1 > edge.y1 + 1:
            bad.append(("outside", text.get_text()))
        if text.get_fontsize() * shown < 8:
            bad.append(("reads as", round(text.get_fontsize() * shown, 1), "pt", text.get_text()))
        a = tick_owner.get(id(text))
        if a is not None:
            bad += [("overlaps a panel", text.get_text()) for other in axes
                    if other is not a and box.overlaps(other.get_window_extent(renderer))]
            bad += [("overlaps a label", text.get_text(), t.get_text()) for t, b, other in ticks
                    if other is not a and box.overlaps(b)]
            ticks.append((text, box, a))
    return bad + _legends_over_data(axes, renderer)


def _legends_over_data(axes, renderer):
    """Legends drawn inside a panel that cover its data: a point of a line, of a histogram's outline or of a
    scatter, or any part of a bar."""
    from matplotlib.patches import Rectangle

    bad = []
    for ax in axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer)):
            continue
        box = legend.get_window_extent(renderer)
        points = [line.get_transform().transform(line.get_xydata()) for line in ax.get_lines()]
        points += [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections
                   if len(c.get_offsets())]
        points += [p.get_transform().transform(p.get_path().vertices) for p in ax.patches
                   if not isinstance(p, Rectangle)]
        covered = any(np.any(np.isfinite(xy).all(axis=1) & (xy[:, 0] > box.x0) & (xy[:, 0] < box.x1)
                             & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1)) for xy in points if len(xy))
        covered |= any(box.overlaps(p.get_window_extent(renderer)) for p in ax.patches if isinstance(p, Rectangle)
                       and p.get_height() and p is not ax.patch)
        if covered:
            bad.append(("legend over data", ax.get_title() or ax.get_ylabel()))
    return bad


def test_figures_keep_every_label_on_the_canvas_and_off_other_panels():
    split = data.split(data.moons())
    rng = np.random.default_rng(0)
    params = [{"kernel": rng.normal(size=(2, 8)).astype(np.float32), "bias": np.zeros(8, np.float32)},
              {"kernel": rng.normal(size=(8, 1)).astype(np.float32), "bias": np.zeros(1, np.float32)}]
    runs = [_run(params, epochs=2000), _run([{**l} for l in params], epochs=2000)]
    runs[1].name = "l1(0.001) proximal, a long name"
    runs[1].recorded["data_loss"] = np.geomspace(1, 1e-6, 2000).astype(np.float32)
    wide = reglab.Run("wide", ModelConfig(hidden=(4,)), runs[0].recorded, [
        {"kernel": rng.normal(size=(12, 4)).astype(np.float32), "bias": np.zeros(4, np.float32)},
        {"kernel": rng.normal(size=(4, 1)).astype(np.float32), "bias": np.zeros(1, np.float32)}])
    from reglab.views.sparsity import (
        plot_input_norms,
        plot_kernel_and_bias_norms,
        plot_magnitude_histogram,
        plot_weight_matrices,
    )
    from reglab.views.sweep_report import plot_thumbnails

    figures = {"regions": reglab.plot.decision_regions(runs * 3 + [runs[0]], split),
               "thumbnails": plot_thumbnails(runs * 6 + runs * 6, split, ncols=6),
               "curves": reglab.plot.loss_curves(runs),
               "weights": reglab.plot.weights(runs), "matrices": plot_weight_matrices(runs),
               "profiles": plot_magnitude_histogram(runs, layer=0), "norms": plot_kernel_and_bias_norms(runs),
               "inputs": plot_input_norms([wide, wide], [f"mean concave points {i}" for i in range(12)])}
    import pandas as pd

    from reglab.views.lambda_paths import plot_boundary_path, plot_path, plot_sparsity_path

    frame = pd.DataFrame([{"family": kind, "regularizer": kind, "strength": lam, "seed": seed, "diverged": False,
                           "data_loss": lam + 1e-3, "val_data_loss": 0.3, "accuracy": 0.9613 + seed / 100,
                           "val_accuracy": 0.9512, "zeros": 0.0, "below_1e-3": 0.5, "boundary_length": 8.5 - lam}
                          for kind in ("l1", "l2", "dropout", "l1_l2") for lam in (1e-4, 1e-2) for seed in (0, 1)])
    figures["path"], figures["sparsity path"] = plot_path(frame, "a title"), plot_sparsity_path(frame)
    figures["boundary path"] = plot_boundary_path(frame)
    from reglab.views.axes import plot_axes_path, plot_best_by_axis

    grid = pd.DataFrame([{"family": kind, "regularizer": kind, "strength": lam, "seed": seed, "diverged": False,
                          "hidden": hidden, "data.n": n, "val_data_loss": 0.3 + abs(np.log10(lam) + 2 + n / 400),
                          "data_loss": 0.1, "accuracy": 0.9, "val_accuracy": 0.85, "zeros": 0.0, "below_1e-3": 0.1}
                         for kind in ("l1", "l2") for hidden in ((16, 16), (128, 128)) for n in (50, 100, 400)
                         for lam in (1e-4, 1e-3, 1e-2) for seed in (0, 1)])
    figures["axes path"] = plot_axes_path(grid, ["hidden", "data.n"])
    figures["best by axis"] = plot_best_by_axis(grid, ["hidden", "data.n"])
    from reglab.views.versus_gridsearch import plot_curves

    rows = [{"data": d, "method": m, "curve": [0.48345, 0.48365, 0.4815]} for d in ("breast_cancer", "wine", "digits",
                                                                            "diabetes")
            for m in ("scikit-learn grid", "reglab path (group_lasso_inputs)")]
    figures["tabular"] = plot_curves(rows, np.geomspace(1e-5, 10, 3))
    problems = {name: bad for name, fig in figures.items() if (bad := _texts_outside_or_overlapping(fig))}
    assert not problems


def test_fit_accepts_arrays_and_names():
    X, y = data.moons().X, np.where(data.moons().y == 1, "b", "a")
    run = reglab.fit((X, y), hidden=(4,), epochs=1)
    assert run.classes == ("a", "b")
    with pytest.raises(ReglabError, match="^data.y"):
        reglab.fit((X, np.zeros(len(X))), epochs=1)


def test_model_summary_counts_the_lectures_17025_parameters_as_keras_does():
    config = ModelConfig(hidden=(128, 128), dropout=[0.2, 0.0])
    params = [{"kernel": np.zeros((a, b), np.float32), "bias": np.zeros(b, np.float32)}
              for a, b in ((2, 128), (128, 128), (128, 1))]
    run = Run("m", config, {}, params)
    assert [(r["layer"], r["shape"], r["params"]) for r in run.layers()] == [
        ("dense (Dense)", "(None, 128)", 384), ("dropout (Dropout)", "(None, 128)", 0),
        ("dense_1 (Dense)", "(None, 128)", 16512), ("dense_2 (Dense)", "(None, 1)", 129)]
    text = run.model_summary()
    assert "Total params: 17,025 (66.50 KB)" in text and "Non-trainable params: 0" in text
    assert text.index("dense_1 (Dense)") < text.index("dense_2 (Dense)")


def test_predict_returns_the_labels_as_the_data_named_them():
    X = np.array([[-2.0, 0.0], [-1.5, 0.2], [1.5, 0.1], [2.0, -0.3]] * 10, np.float32)
    run = reglab.fit((X, ["no", "no", "yes", "yes"] * 10), hidden=(4,), learning_rate=0.05, epochs=60,
                     validation_split=0.25)
    assert run.classes == ("no", "yes")
    assert list(run.predict(np.array([[-2.0, 0.0], [2.0, 0.0]]))) == ["no", "yes"]


@pytest.mark.parametrize("call, field", [
    (lambda run: run.predict_proba(np.zeros((3, 5))), "X"),
    (lambda run: reglab.load_run("no/such/run"), "run folder"),
    (lambda run: reglab.compare("moons", "l2"), "models"),
    (lambda run: reglab.compare("moons", []), "models"),
    (lambda run: run.predict([["a", "b"]]), "X"),
])
def test_api_misuse_is_one_line_naming_the_argument(call, field):
    run = Run("r", ModelConfig(hidden=(2,)), {}, [{"kernel": np.ones((2, 2)), "bias": np.zeros(2)},
                                                   {"kernel": np.ones((2, 1)), "bias": np.zeros(1)}])
    with pytest.raises(ReglabError) as err:
        call(run)
    assert str(err.value).startswith(f"{field}: got ") and "\n" not in str(err.value)


def test_compare_takes_a_list_of_settings_named_after_them():
    runs = reglab.compare("moons", [{"kernel_regularizer": "l2(0.01)"}, ModelConfig(dropout=0.2), {}], epochs=2)
    assert [r.name for r in runs] == ["kernel_regularizer=l2(0.01)", "dropout=0.2", "defaults"]


def test_claims_are_written_from_the_numbers_and_say_when_they_do_not_hold():
    from reglab.views.claims import run_claims

    rng = np.random.default_rng(0)

    def run(name, scale, **settings):
        params = [{"kernel": (scale * rng.normal(size=(a, b))).astype(np.float32), "bias": np.zeros(b, np.float32)}
                  for a, b in ((2, 8), (8, 8), (8, 1))]
        history = {k: np.ones(3, np.float32) for k in ("data_loss", "penalty", "accuracy", "val_data_loss",
                                                        "val_penalty", "val_accuracy")}
        return Run(name, ModelConfig(hidden=(8, 8), **settings), history, params)

    # made-up weights that show neither claim: no exact zeros anywhere, and the L2 model's weights the larger
    runs = [run("plain", 1.0), run("prox", 1.0, kernel_regularizer="l1(0.001, method=proximal)"),
            run("ridge", 5.0, kernel_regularizer="l2(0.01)")]
    before, _ = run_claims(runs)
    texts = {section["title"]: section["text"] for section in before}
    assert "even the proximal step leaves 100% of them non-zero" in texts["“L1 drives weights to zero”"]
    assert "These numbers do not show smooth shrinking" in texts["“L2 shrinks weights smoothly”"]


def test_a_run_is_one_line_in_text_and_a_card_in_a_notebook():
    import re as regex

    run = _run(epochs=400)
    assert repr(run) == ("Run('a/b model', 400 epochs, data loss 0.5, val data loss 0.5, accuracy 0.500, "
                         "zeros 33.3%)")  # the last epoch's figures; 2 of the 6 kernel weights are 0
    html = run._repr_html_()
    assert "a/b model" in html and "kernel l1(0.1)" in html and "Total params: 9 (0.04 KB)" in html
    assert "<td>kernel weights at 0</td><td style='text-align:right'>33.3%</td>" in html
    lines = regex.findall(r'points="([^"]*)"', html)
    assert len(lines) == 2  # training and validation data loss
    xs = [float(p.split(",")[0]) for p in lines[0].split()]
    assert len(xs) <= 220 and xs == sorted(xs) and xs[0] == 2.0 and xs[-1] == 218.0  # a point per pixel at most
    named = Run("<b>x</b>", run.config, run.recorded, run.params)
    assert "<b>x</b>" not in named._repr_html_() and "&lt;b&gt;x&lt;/b&gt;" in named._repr_html_()


def test_runs_from_compare_are_a_table_in_a_notebook_and_a_line_each_in_text():
    from reglab.results import Runs

    runs = Runs([_run(), _run(epochs=5)])
    assert repr(runs).splitlines() == [f"[{runs[0]!r},", f" {runs[1]!r}]"]
    html = runs._repr_html_()
    assert html.count("<tr><td><b>a/b model</b></td>") == 2 and html.count("<svg") == 2


def test_a_studys_result_is_one_line_in_text_and_its_models_table_in_a_notebook(tmp_path):
    from reglab.studies import spec
    from reglab.studies.study import StudyResult

    (tmp_path / "s.toml").write_text('name = "s"\ntitle = "Two <models>"\n[[models]]\nname = "a"\n[[models]]\n'
                                     'name = "b"\n')
    study = spec.read(tmp_path / "s.toml")
    result = StudyResult(study, None, [_run(), _run(epochs=5)], tmp_path / "out", 1.25)
    assert repr(result) == f"StudyResult('s', 2 models, out={str(tmp_path / 'out')!r})"
    html = result._repr_html_()
    assert "<b>Two &lt;models&gt;</b>: 2 models in 1.2 s" in html and html.count("<svg") == 2
