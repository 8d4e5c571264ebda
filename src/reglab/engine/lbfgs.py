"""Full-batch L-BFGS (scikit-learn's ``solver="lbfgs"``) by ``optax.lbfgs`` with its zoom line search: the mean
data loss over every training row plus the smooth penalties (l1 by its subgradient, l2, activity), from new
Glorot-uniform weights or given ones, in one compiled ``lax.while_loop`` whose limits are runtime values. It stops
after ``max_iter`` iterations, once ``max_fun`` loss evaluations are spent, or where no gradient entry exceeds
``tol`` in size (scipy's ``gtol``, which scikit-learn passes its ``tol`` as)."""

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..vocabulary.errors import ReglabError
from ..vocabulary.history import KEYS
from . import mlp, penalties
from .program import _mean, plan, run_keys

CAPACITY = 1 << 16  # the curve's buffers hold this many iterations: max_iter's ceiling


def minimize(config, split, max_iter, max_fun, tol, start=None):
    """Train ``config`` on all of ``split``'s training rows by L-BFGS. Returns ``(params, recorded, iterations)``:
    NumPy params, the figures of history.KEYS per iteration (``data_loss`` and ``penalty`` at each iteration's
    start; the rest NaN) and the iterations run. ``start``: ``{"params": [...]}`` to begin from."""
    if max_iter > CAPACITY:
        raise ReglabError("max_iter", max_iter, f"at most {CAPACITY:,} iterations with solver='lbfgs'")
    program, hparams = plan(config, split)
    if program.orthant or program.groups or program.dropout or program.max_norm or program.weight_decay:
        raise ReglabError("solver", "lbfgs", "adam or sgd for a proximal step, group lasso, dropout, max-norm or "
                          "weight decay (L-BFGS minimizes a smooth loss over all rows at once)")
    data = {"X": split.X_train, "y": split.y_train,
            "w": np.ones(len(split.y_train), np.float32) if split.w_train is None else split.w_train}
    params = start["params"] if start else mlp.init(run_keys(hparams["seed"])[0], program.sizes)
    limits = (np.int32(max_iter), np.int32(max_fun), np.float32(tol))
    params, data_loss, penalty, iterations = jax.tree.map(
        np.asarray, _compiled(program, hparams, data, params, limits))
    n = int(iterations)
    recorded = {key: np.full(n, np.nan, np.float32) for key in KEYS if not key.startswith("val_")}
    recorded.update(data_loss=data_loss[:n], penalty=penalty[:n])
    return params, recorded, n


def _run(program, hparams, data, params, limits):
    """The loop of ``minimize``, jitted below (one compiled program per static Program)."""
    max_iter, max_fun, tol = limits

    def parts(p):
        logits, hidden = mlp.forward(p, data["X"], program.activation, hidden=True)
        data_loss = _mean(mlp.per_sample_loss(logits, data["y"], program.loss), data["w"])
        pen = penalties.weights(p, hparams["l1"], hparams["l2"])
        if program.activity:
            pen = pen + penalties.activity(hidden, hparams["activity_l1"], hparams["activity_l2"], data["w"])
        return data_loss, pen

    def loss(p):
        data_loss, pen = parts(p)
        return data_loss + pen

    opt = optax.lbfgs()
    value_and_grad = optax.value_and_grad_from_state(loss)
    steps = lambda state: optax.tree_utils.tree_get(state, "num_linesearch_steps")  # noqa: E731

    def going(carry):
        _, _, i, evals, largest, _, _ = carry
        return (i < max_iter) & (evals < max_fun) & (largest > tol)

    def body(carry):
        p, state, i, evals, _, data_losses, pens = carry
        data_loss, pen = parts(p)
        value, grad = value_and_grad(p, state=state)
        updates, state = opt.update(grad, state, p, value=value, grad=grad, value_fn=loss)
        p = optax.apply_updates(p, updates)
        largest = optax.tree_utils.tree_max(jax.tree.map(jnp.abs, optax.tree_utils.tree_get(state, "grad")))
        return (p, state, i + 1, evals + 1 + steps(state), largest, data_losses.at[i].set(data_loss),
                pens.at[i].set(pen))

    empty = jnp.full(CAPACITY, jnp.nan, jnp.float32)
    carry = (params, opt.init(params), jnp.int32(0), jnp.int32(0), jnp.float32(jnp.inf), empty, empty)
    params, _, iterations, _, _, data_losses, pens = jax.lax.while_loop(going, body, carry)
    return params, data_losses, pens, iterations


_compiled = jax.jit(_run, static_argnums=0)
