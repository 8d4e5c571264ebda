"""The MLP as a plain pytree: a list of ``{"kernel": [fan_in, fan_out], "bias": [fan_out]}``, one per Dense layer.

Functions take one model; ``jax.vmap`` batches models. Outputs are logits: a sigmoid (one unit) or softmax (K units)
is applied by the loss, so a confident wrong prediction costs its true cross-entropy (TensorFlow's
``sigmoid_cross_entropy_with_logits``), not a value clipped at 1e-7.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax

# Keras's gelu default is the exact (erf) form
ACTIVATIONS = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid,
               "gelu": lambda x: jax.nn.gelu(x, approximate=False), "linear": lambda x: x}


def init(key, sizes):
    """Glorot-uniform kernels U(+-sqrt(6 / (fan_in + fan_out))) and zero biases, as Keras's Dense.

    ``sizes`` = (n_in, hidden..., n_out). The kernels' uniform numbers are one draw, cut in order (one random draw
    in a program: each costs its compile about 0.1 s).
    """
    shapes = list(zip(sizes[:-1], sizes[1:]))
    u = jax.random.uniform(key, (sum(a * b for a, b in shapes),), jnp.float32)
    params, at = [], 0
    for fan_in, fan_out in shapes:
        limit = np.float32(np.sqrt(6.0 / (fan_in + fan_out)))
        kernel = (u[at:at + fan_in * fan_out] * (2 * limit) - limit).reshape(fan_in, fan_out)
        params.append({"kernel": kernel, "bias": jnp.zeros((fan_out,), jnp.float32)})
        at += fan_in * fan_out
    return params


def forward(params, X, activation, masks=None, hidden=False):
    """Logits [n, n_out] for inputs X [n, n_in]; with ``hidden``, also each hidden layer's outputs [n, width]
    (after its activation, before dropout).

    ``masks`` (training with dropout): one multiplier array [n, width] per hidden layer, from ``dropout_masks``,
    applied after that layer's activation. Without it (inference) dropout is off.
    """
    act = ACTIVATIONS[activation]
    h, outputs = X, []
    for i, layer in enumerate(params[:-1]):
        h = act(h @ layer["kernel"] + layer["bias"])
        outputs.append(h)
        if masks:
            h = h * masks[i]
    logits = h @ params[-1]["kernel"] + params[-1]["bias"]
    return (logits, outputs) if hidden else logits


def dropout_masks(key, rates, n, widths):
    """Inverted-dropout multipliers, one float32 [n, width] per hidden layer: 1 / (1 - rate) where a unit is kept
    (probability 1 - rate), 0 where it is dropped.

    Drawn as raw 32-bit integers, one draw [n, sum(widths)] cut into the layers' columns, compared with (1 - rate)
    * 2**32: cheaper than ``jax.random.bernoulli`` per layer, to run and to compile.
    """
    bits, masks, at = jax.random.bits(key, (n, sum(widths)), jnp.uint32), [], 0
    for rate, width in zip(rates, widths):
        threshold = jnp.minimum((1.0 - rate) * 4294967296.0, 4294967040.0).astype(jnp.uint32)
        keep = (bits[:, at:at + width] < threshold) | (rate == 0)
        masks.append(jnp.where(keep, 1.0 / (1.0 - rate), 0.0).astype(jnp.float32))
        at += width
    return masks


def per_sample_loss(logits, y, loss="crossentropy"):
    """Cross-entropy [n] from logits [n, n_out] and integer labels y [n]: binary when n_out == 1. ``loss="mse"``
    (a regression head, outputs taken as they are): Keras's mean squared error, the mean over the outputs of
    (y - output)^2 for float targets y [n] or [n, n_out] (no 1/2, unlike scikit-learn's squared error)."""
    if loss == "mse":
        return jnp.mean((logits - y.reshape(logits.shape)) ** 2, axis=-1)
    if logits.shape[-1] == 1:
        return optax.sigmoid_binary_cross_entropy(logits[:, 0], y.astype(logits.dtype))
    return optax.softmax_cross_entropy_with_integer_labels(logits, y)


def correct(logits, y, loss="crossentropy"):
    """1.0 where the prediction is right [n]: p > 0.5 (logit > 0) for one unit, else the arg-max class; NaN for a
    regression head (``loss="mse"``), where right and wrong have no meaning."""
    if loss == "mse":
        return jnp.full(logits.shape[:1], jnp.nan, jnp.float32)
    if logits.shape[-1] == 1:
        guess = (logits[:, 0] > 0).astype(y.dtype)
    else:
        guess = jnp.argmax(logits, axis=-1).astype(y.dtype)
    return (guess == y).astype(jnp.float32)
