"""A study's outputs, assembled from its runs: the figures with their captions, the lecture's claims, the inputs
section, ``metrics.json`` and ``report.html``, as file name -> bytes."""

import json

from .report import html_table, render, versions
from .style import png_bytes


def prepare():
    """Import what drawing needs (matplotlib, pandas), for a caller to do while its models still train."""
    import pandas  # noqa: F401  (the lambda path's table)

    from . import claims, regions, sparsity  # noqa: F401  (matplotlib)


def figures(study, split, runs):
    """The figures that need only the study's own runs: (figures, claim sections before the lambda path's, claim
    sections after it); a figure is (file name, caption, PNG bytes)."""
    from . import plot_decision_regions, plot_loss_curves, plot_weight_histograms
    from .claims import run_claims
    from .sparsity import plot_weight_matrices

    out = []
    if split.X_train.shape[1] == 2:
        xlim, ylim = study.window or (None, None)
        out.append(("regions.png", "Decision regions: P(class 1) shaded, the 0.5 boundary in black; circles train, "
                    "triangles validate.", png_bytes(plot_decision_regions(runs, split, xlim, ylim))))
    out.append(("curves.png", "Loss curves (log scale): data loss solid, totals with the penalty dotted, penalty "
                "dashed.", png_bytes(plot_loss_curves(runs))))
    out.append(("weights.png", "Kernel weight histograms per layer (log counts), with the share of exact zeros and "
                "of |w| < 1e-3.", png_bytes(plot_weight_histograms(runs))))
    before, after = run_claims(runs)
    if not any(name == "matrices.png" for s in before + after for name, _, _ in s["figures"]):
        out.append(("matrices.png", "Every kernel as an image: blue negative, red positive, grey near zero, exact "
                    "zeros white.", png_bytes(plot_weight_matrices(runs))))
    return out, before, after


def assemble(study, split, runs, rerun, path_frame=None, drawn=None) -> dict[str, bytes]:
    """Every file of the study's folder but ``runs/``; ``drawn``: what ``figures`` returned (drawn here if None)."""
    from .claims import boundary_claim, path_claim
    from .sparsity import selection_scores

    pictures, before, after = drawn or figures(study, split, runs)
    paths = [c for c in (path_claim(path_frame, len(split.y_val)), boundary_claim(path_frame)) if c]
    sections = before + paths + after
    d = split.dataset
    informative = d.params.get("informative")
    if d.X.shape[1] > 2 or informative:
        sections.append(_inputs_section(runs, d, informative))
    data_summary = (f"{d.name} {d.params}: {len(d.y)} samples, {d.X.shape[1]} features, {d.n_classes} classes "
                    f"({', '.join(map(str, d.classes))}); "
                    f"{len(split.y_train)} train / {len(split.y_val)} validation ({split.method} split, "
                    f"validation_split={split.validation_split:g})")
    libraries = versions()
    metrics = {"study": study.name, "data": {**study.data, "validation_split": study.validation_split,
                                             "split": study.split},
               "versions": libraries, "rerun": rerun, "models": [r.summary() for r in runs]}
    if informative:
        for entry, run in zip(metrics["models"], runs):
            entry["selection"] = selection_scores(run, informative)
    if path_frame is not None:
        metrics["path"] = path_frame.to_dict(orient="records")
    intro = study.description + "".join(f" Set on the command line for every model: {k} = {v}."
                                         for k, v in study.overrides)
    html = render(study.title, intro, data_summary, runs, pictures, libraries, rerun, sections)
    files = {name: png for name, _, png in pictures + [f for section in sections for f in section["figures"]]}
    return {**files, "metrics.json": json.dumps(metrics, indent=1).encode(), "report.html": html.encode()}


def _inputs_section(runs, dataset, informative):
    """Which inputs each model still uses, as a bar chart; with the truth known, precision and recall."""
    from .sparsity import plot_input_norms

    fig = plot_input_norms(runs, dataset.feature_names, informative)
    section = {"title": "Which inputs each model uses", "figures": [("inputs.png", "Each input's outgoing weight "
               "norm ‖W₁[i,:]‖₂ (log scale); orange: truly informative; ✕: not used (no non-zero path to the "
               "output).", png_bytes(fig))]}
    if not informative:
        section["text"] = "An input is used while some path of non-zero weights leads from it to the output."
        return section
    section["text"] = (f"The informative inputs are {', '.join(dataset.feature_names[i] for i in informative)}; the "
                       "rest are pure noise. Selected: the inputs with a non-zero path to the output.")
    section["html"] = [html_table(selection_rows(runs, informative), SELECTION_COLUMNS)]
    return section


SELECTION_COLUMNS = [("model", "model", "{}"), ("selected", "inputs used", "{:d}"),
                     ("precision", "precision", "{:.2f}"), ("recall", "recall", "{:.2f}"),
                     ("val_accuracy", "val acc", "{:.3f}")]


def selection_rows(runs, informative) -> list[dict]:
    """Per model: the inputs it uses, precision and recall against the ``informative`` ones, validation accuracy."""
    from .sparsity import selection_scores

    return [{"model": r.name, **selection_scores(r, informative),
             **{k: v for k, v in r.final.items() if k == "val_accuracy"}}
            for r in runs]
