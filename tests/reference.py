"""An independent, plain-NumPy (float64) rendering of Keras's training loop, written from Keras's source
(``trainers/trainer.py``, ``optimizers/adam.py``, ``optimizers/sgd.py``), used as the expectation in tests.

It shares nothing with the engine but the random numbers (initial weights and each epoch's sample order), which it
takes as inputs.
"""

import numpy as np


def forward(params, X, act=np.tanh):
    h = X
    for layer in params[:-1]:
        h = act(h @ layer["kernel"] + layer["bias"])
    return h, h @ params[-1]["kernel"] + params[-1]["bias"]


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


def loss_and_grads(params, X, y, l1, l2, a1=0.0, a2=0.0, loss="bce", w=None):
    """Mean BCE (or squared error) + sum over kernels of l1*|W| + l2*W^2 + the hidden layer's activity penalty (a1,
    a2), and its gradients (one hidden tanh layer, one output). Sample weights w [n]: weighted means,
    sum(w * x) / sum(w)."""
    (W1, b1), (W2, b2) = ((p["kernel"], p["bias"]) for p in params)
    a = X @ W1 + b1
    h = np.tanh(a)
    z = (h @ W2 + b2)[:, 0]
    w = np.ones(len(y)) if w is None else w
    n = w.sum()
    data = (w * data_loss(z, y, loss)).sum() / n
    pen = sum(l1 * np.abs(W).sum() + l2 * (W * W).sum() for W in (W1, W2)) + activity(h, a1, a2, w)
    dz = ((1 / (1 + np.exp(-z)) - y) if loss == "bce" else 2 * (z - y))[:, None] * w[:, None] / n
    dW2 = h.T @ dz + l1 * np.sign(W2) + 2 * l2 * W2
    db2 = dz.sum(0)
    da = (dz @ W2.T + (a1 * np.sign(h) + 2 * a2 * h) * w[:, None] / n) * (1 - h * h)
    dW1 = X.T @ da + l1 * np.sign(W1) + 2 * l2 * W1
    db1 = da.sum(0)
    hits = (w * ((z > 0) == (y == 1))).sum() if loss == "bce" else np.nan
    return data, pen, hits, [{"kernel": dW1, "bias": db1}, {"kernel": dW2, "bias": db2}]


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
          w=None, wv=None):
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
            data, pen, hits, grads = loss_and_grads(params, X[idx], y[idx], l1, l2, a1, a2, loss, w[idx])
            sums += (data * w[idx].sum(), pen * w[idx].sum(), hits)
            for layer, grad, opt in zip(params, grads, opts):
                for k in layer:
                    layer[k] = opt[k].step(layer[k], grad[k])
        n = w[order].sum()
        history["data_loss"].append(sums[0] / n)
        history["penalty"].append(sums[1] / n)
        history["accuracy"].append(sums[2] / n)
        h, z = forward(params, Xv)
        history["val_data_loss"].append((wv * data_loss(z[:, 0], yv, loss)).sum() / wv.sum())
        history["val_penalty"].append(sum(l1 * np.abs(p["kernel"]).sum() + l2 * (p["kernel"] ** 2).sum()
                                          for p in params) + activity(h, a1, a2, wv))
        history["val_accuracy"].append((wv * ((z[:, 0] > 0) == (yv == 1))).sum() / wv.sum() if loss == "bce"
                                       else np.nan)
    return params, {k: np.array(v) for k, v in history.items()}
