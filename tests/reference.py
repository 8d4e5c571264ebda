"""An independent, plain-NumPy (float64) rendering of Keras's training loop, written from Keras's source
(``trainers/trainer.py``, ``optimizers/adam.py``, ``optimizers/sgd.py``), used as the expectation in tests.

It shares nothing with the engine but the random numbers (initial weights and each epoch's sample order), which it
takes as inputs.
"""

import numpy as np

ACTIVATIONS = {  # f(a), and f'(a) from a and h = f(a); relu's derivative at 0 is 0, as TensorFlow's and JAX's
    "tanh": (np.tanh, lambda a, h: 1 - h * h),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(a.dtype)),
}


def hiddens(params, X, act="tanh"):
    """Every hidden layer's pre-activation and output, and the output z [n]."""
    f, _ = ACTIVATIONS[act]
    pre, out, h = [], [], X
    for layer in params[:-1]:
        pre.append(h @ layer["kernel"] + layer["bias"])
        h = f(pre[-1])
        out.append(h)
    return pre, out, (h @ params[-1]["kernel"] + params[-1]["bias"])[:, 0]


def bce_from_logits(z, y):
    return np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))


def activity(h, a1, a2, w=None):
    """Keras's activity regularization of a layer's outputs h: (a1 * sum|h| + a2 * sum h^2) / batch size; with
    sample weights w, the rows' sums weighted and divided by sum(w)."""
    w = np.ones(len(h)) if w is None else w
    return (a1 * (w @ np.abs(h)).sum() + a2 * (w @ (h * h)).sum()) / w.sum()


def data_loss(z, y, loss):
    """Per-sample loss of one output z [n]: binary cross-entropy from logits, or ("mse") Keras's squared error."""
    return bce_from_logits(z, y) if loss == "bce" else (z - y) ** 2


def penalty(params, l1, l2):
    """Keras's kernel penalty: the sum over kernels of l1 * sum|W| + l2 * sum W^2 (factors: one, or one a layer)."""
    l1s, l2s = (np.broadcast_to(np.asarray(f, np.float64), (len(params),)) for f in (l1, l2))
    return sum(a * np.abs(p["kernel"]).sum() + b * (p["kernel"] ** 2).sum() for p, a, b in zip(params, l1s, l2s))


def loss_and_grads(params, X, y, l1, l2, a1=0.0, a2=0.0, loss="bce", w=None, act="tanh"):
    """Mean BCE (or squared error) + sum over kernels of l1*|W| + l2*W^2 + every hidden layer's activity penalty
    (a1, a2), and its gradients by backpropagation (any number of hidden layers of ``act``, one output). ``l1``,
    ``l2``: one factor for every kernel, or one per layer. Sample weights w [n]: weighted means, sum(w * x) /
    sum(w)."""
    _, deriv = ACTIVATIONS[act]
    l1s, l2s = (np.broadcast_to(np.asarray(f, np.float64), (len(params),)) for f in (l1, l2))
    pre, out, z = hiddens(params, X, act)
    w = np.ones(len(y)) if w is None else w
    n = w.sum()
    data = (w * data_loss(z, y, loss)).sum() / n
    pen = penalty(params, l1, l2) + sum(activity(h, a1, a2, w) for h in out)
    delta = ((1 / (1 + np.exp(-z)) - y) if loss == "bce" else 2 * (z - y))[:, None] * w[:, None] / n
    grads = [None] * len(params)
    inputs = [X, *out]
    for i in reversed(range(len(params))):
        W = params[i]["kernel"]
        grads[i] = {"kernel": inputs[i].T @ delta + l1s[i] * np.sign(W) + 2 * l2s[i] * W, "bias": delta.sum(0)}
        if i:
            h = out[i - 1]
            delta = (delta @ W.T + (a1 * np.sign(h) + 2 * a2 * h) * w[:, None] / n) * deriv(pre[i - 1], h)
    hits = (w * ((z > 0) == (y == 1))).sum() if loss == "bce" else np.nan
    return data, pen, hits, grads


class KerasAdam:
    def __init__(self, lr, b1=0.9, b2=0.999, eps=1e-7):
        self.lr, self.b1, self.b2, self.eps, self.t, self.m, self.v = lr, b1, b2, eps, 0, None, None

    def step(self, w, g):
        if self.m is None:
            self.m, self.v = np.zeros_like(w), np.zeros_like(w)
        self.t += 1
        self.m += (g - self.m) * (1 - self.b1)
        self.v += (g * g - self.v) * (1 - self.b2)
        alpha = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
        return w - alpha * self.m / (np.sqrt(self.v) + self.eps)


class KerasSGD:
    def __init__(self, lr, momentum=0.0):
        self.lr, self.momentum, self.velocity = lr, momentum, None

    def step(self, w, g):
        if self.velocity is None:
            self.velocity = np.zeros_like(w)
        self.velocity = self.momentum * self.velocity - self.lr * g
        return w + self.velocity


def train(params, orders, X, y, Xv, yv, make_opt, batch_size=32, l1=0.0, l2=0.0, a1=0.0, a2=0.0, loss="bce",
          w=None, wv=None, act="tanh"):
    """Keras's fit loop: per epoch walk ``orders[e]`` in batches (last partial batch kept), per-batch figures before
    the update, batch-size-weighted epoch means, validation after the epoch. Sample weights ``w`` and ``wv``:
    every mean weighted (a batch's, and an epoch's by the batches' weight sums). Returns (params, history)."""
    w = np.ones(len(y)) if w is None else np.asarray(w, np.float64)
    wv = np.ones(len(yv)) if wv is None else np.asarray(wv, np.float64)
    params = [{k: np.asarray(v, np.float64) for k, v in layer.items()} for layer in params]
    opts = [{k: make_opt() for k in layer} for layer in params]
    history = {k: [] for k in ("data_loss", "penalty", "accuracy", "val_data_loss", "val_penalty", "val_accuracy")}
    for order in orders:
        sums = np.zeros(3)
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            data, pen, hits, grads = loss_and_grads(params, X[idx], y[idx], l1, l2, a1, a2, loss, w[idx], act)
            sums += (data * w[idx].sum(), pen * w[idx].sum(), hits)
            for layer, grad, opt in zip(params, grads, opts):
                for k in layer:
                    layer[k] = opt[k].step(layer[k], grad[k])
        n = w[order].sum()
        history["data_loss"].append(sums[0] / n)
        history["penalty"].append(sums[1] / n)
        history["accuracy"].append(sums[2] / n)
        if not len(yv):  # Keras reports no validation figures without validation data
            continue
        _, out, z = hiddens(params, Xv, act)
        history["val_data_loss"].append((wv * data_loss(z, yv, loss)).sum() / wv.sum())
        history["val_penalty"].append(penalty(params, l1, l2) + sum(activity(h, a1, a2, wv) for h in out))
        history["val_accuracy"].append((wv * ((z > 0) == (yv == 1))).sum() / wv.sum() if loss == "bce" else np.nan)
    if not len(yv):
        history = {k: v for k, v in history.items() if not k.startswith("val_")}
    return params, {k: np.array(v) for k, v in history.items()}
