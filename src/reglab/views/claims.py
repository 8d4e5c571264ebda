"""The lecture's claims, each checked on the runs of a study and shown with its figure: L1 zeros weights, L2
shrinks them smoothly, a large lambda underfits, biases are left alone. A claim appears when the study holds the
models it needs (a plain model, L1, proximal L1, L2; a lambda path for underfitting)."""

import numpy as np

from ..vocabulary import kinds
from .lambda_paths import plot_boundary_path, plot_path, plot_sparsity_path
from .sparsity import plot_kernel_and_bias_norms, plot_magnitude_histogram, plot_weight_matrices
from .style import png_bytes

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD"}  # as Keras spells them
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def _penalized_layer(run) -> int:
    """The Dense layer whose kernel ``run``'s penalty acts on with the most weights (the last such, on a tie)."""
    regs = run.config.kernel_regularizers()
    sizes = [np.size(layer["kernel"]) if r is not None else -1 for r, layer in zip(regs, run.params)]
    return max(range(len(sizes)), key=lambda i: (sizes[i], i))


def _layer_words(run, i) -> str:
    """``layer 2's kernel (128×128, the second hidden layer)``; the last layer is the output layer."""
    shape = "×".join(map(str, np.shape(run.params[i]["kernel"])))
    where = "the output layer" if i == len(run.params) - 1 else f"the {ORDINALS[i]} hidden layer"
    return f"layer {i + 1}'s kernel ({shape}, {where})"


def _hidden(run, key="kernel"):
    return np.concatenate([np.asarray(layer[key]).ravel() for layer in run.params[:-1]])


def run_claims(runs) -> tuple[list[dict], list[dict]]:
    """The claims shown from the study's own runs, as report sections ``{"title", "text", "figures": [(file name,
    caption, PNG bytes)]}``: (those before the lambda path's in the lecture's order, those after it). The order is
    L1 zeros, L2 shrinks, a large lambda underfits (``path_claim``), biases are left alone."""
    by_kind = {}
    for run in runs:
        by_kind.setdefault(kinds.kind_of(run.config), run)
    plain, lasso, prox, ridge = (by_kind.get(k) for k in ("none", "l1", "l1_proximal", "l2"))
    compared = [r for r in (plain, lasso, prox, ridge) if r is not None]
    out = []
    zero_share = lambda run: float(np.mean(_hidden(run) == 0))  # noqa: E731
    if plain and (lasso or prox):
        shares = ", ".join(f"{r.name} {zero_share(r):.1%}" for r in compared)
        found = []
        if lasso:
            found.append(f"with the L1 term in the gradient (Keras's way) {OPTIMIZERS[lasso.config.optimizer]} makes "
                         "weights small, not zero"
                         if zero_share(lasso) < 0.01 else f"{lasso.name} makes {zero_share(lasso):.0%} of them zero")
        if prox:
            found.append("the proximal (orthant-wise) step makes most of them exactly zero" if zero_share(prox) > 0.5
                         else f"even the proximal step leaves {1 - zero_share(prox):.0%} of them non-zero here")
        text = f"Share of hidden-kernel weights exactly zero: {shares}. Measured: " + "; ".join(found) + "."
        fig = plot_weight_matrices(runs)
        out.append({"title": "“L1 drives weights to zero”", "text": text,
                    "figures": [("matrices.png", "Every kernel as an image, a row per model: blue negative, red "
                                 "positive, grey near zero, exact zeros white.", png_bytes(fig))]})
    if plain and ridge:
        norm = lambda run: float(np.linalg.norm(_hidden(run)))  # noqa: E731
        small = float(np.mean(np.abs(_hidden(ridge)) < 1e-3))
        text = (f"L2 norm of the hidden kernels: {plain.name} {norm(plain):.3g}, {ridge.name} {norm(ridge):.3g} "
                f"({norm(plain) / max(norm(ridge), 1e-30):.0f}× smaller); {small:.1%} of the L2 model's hidden "
                f"weights are below 1e-3 in size, yet only {zero_share(ridge):.2%} are exactly zero"
                + (": the L2 gradient, 2λw, fades as a weight shrinks, so weights shrink towards zero without "
                   "reaching it." if norm(ridge) < norm(plain) and zero_share(ridge) < 0.01 else
                   ". These numbers do not show smooth shrinking (smaller weights without exact zeros)."))
        layer = _penalized_layer(ridge)
        fig = plot_magnitude_histogram(compared, layer=layer)
        out.append({"title": "“L2 shrinks weights smoothly”", "text": text,
                    "figures": [("claim-l2.png", f"How big the weights of {_layer_words(ridge, layer)} are: a "
                                 "histogram of |w| on a log scale, exact zeros in the bin at the left.",
                                 png_bytes(fig))]})
    regularized = [r for r in (ridge, lasso, prox) if r is not None]
    if not (plain and regularized):
        return out, []
    r = regularized[0]
    regs = r.config.kernel_regularizers()
    by_hand = sum((g.l1 * np.abs(layer["kernel"]).sum() + g.l2 * np.square(layer["kernel"].astype(np.float64)).sum())
                  for g, layer in zip(regs, r.params) if g is not None)
    norm = lambda run, key: float(np.linalg.norm(_hidden(run, key)))  # noqa: E731
    text = (f"{r.name}: the final penalty, {r.final.get('val_penalty', by_hand):.4g}, equals the factor times the "
            f"norm of the kernels it penalizes ({by_hand:.4g}) with no bias term; hidden bias norm "
            f"{norm(r, 'bias'):.3g} (plain model {norm(plain, 'bias'):.3g}) against hidden kernel norm "
            f"{norm(r, 'kernel'):.3g} (plain {norm(plain, 'kernel'):.3g}). Biases are penalized only with a "
            "bias_regularizer.")
    return out, [{"title": "“You don't do this for biases”", "text": text,
                  "figures": [("claim-bias.png", "L2 norms of the hidden kernels and the hidden biases of every model.",
                               png_bytes(plot_kernel_and_bias_norms(runs)))]}]


def _ends(path_frame, column):
    """Per path, the mean of ``column`` over seeds at the smallest and the largest strength: (family, λ low,
    value low, λ high, value high) each."""
    out = []
    for family, part in path_frame[~path_frame["diverged"]].groupby("family", sort=False):
        means = part.groupby("strength")[column].mean()
        out.append((family, means.index[0], means.iloc[0], means.index[-1], means.iloc[-1]))
    return out


def path_claim(path_frame, n_val=None) -> dict | None:
    """“A large lambda underfits”, from a lambda path's table (None without one): the training data loss and the
    validation accuracy (as k of n samples) at both ends of each path, means over seeds, and whether they show it."""
    if path_frame is None or not len(path_frame):
        return None
    parts, shown = [], []
    accuracy = dict((f, (a, b)) for f, _, a, _, b in _ends(path_frame, "val_accuracy"))
    for family, low, a, high, b in _ends(path_frame, "data_loss"):
        acc = [f"{v * n_val:.0f} of {n_val}" if n_val else f"{v:.2f}" for v in accuracy[family]]
        parts.append(f"{family}: train data loss {a:.3g} at λ={low:g} → {b:.3g} at λ={high:g}, validation "
                     f"accuracy {acc[0]} → {acc[1]}")
        shown.append(b > 2 * a and accuracy[family][1] < accuracy[family][0])
    seeds = path_frame["seed"].nunique()
    verdict = ("As λ grows the model fits less and, at the largest λ, worse on validation data: it underfits"
               if all(shown) else "These numbers do not show every path underfitting (the training loss must at "
               "least double and the validation accuracy fall); a larger λ would")
    text = f"{verdict}. Means over {seeds} seed{'s' if seeds > 1 else ''}: " + "; ".join(parts) + "."
    return {"title": "“A large λ underfits”", "text": text,
            "figures": [("path.png", "Train and validation data loss and accuracy against λ; the dashed line marks "
                         "the lowest validation data loss.", png_bytes(plot_path(path_frame))),
                        ("sparsity.png", "Share of kernel weights exactly zero and below 1e-3 against λ.",
                         png_bytes(plot_sparsity_path(path_frame)))]}


def boundary_claim(path_frame) -> dict | None:
    """“Regularization avoids too complex decision boundaries”, from the boundary lengths on a λ path (None
    without them)."""
    if path_frame is None or "boundary_length" not in path_frame:
        return None
    ends = _ends(path_frame, "boundary_length")
    parts = [f"{family}: {a:.2f} at λ={low:g} → {b:.2f} at λ={high:g}" for family, low, a, high, b in ends]
    shorter = [b < a for _, _, a, _, b in ends]
    verdict = ("The boundary gets shorter as λ grows on every path" if all(shorter) else
               "The boundary does not get shorter on every path here" if any(shorter) else
               "These numbers do not show the boundary getting simpler")
    return {"title": "“Regularization avoids too complex decision boundaries”",
            "text": f"{verdict}: length of the P = 0.5 line inside the plotting window (data units), mean over "
                    "seeds, " + "; ".join(parts) + ".",
            "figures": [("boundary.png", "Length of the decision boundary against λ: mean over seeds, band from "
                         "the lowest to the highest seed.", png_bytes(plot_boundary_path(path_frame)))]}
