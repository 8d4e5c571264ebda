"""What a training run records per epoch, by name, and the Keras totals derived from it. No JAX here: results read
these names too.

Train figures are means over the epoch's batches, weighted by batch size, each taken with the weights before that
batch's update (dropout active); validation figures are taken after the epoch's last update.
"""

KEYS = ("data_loss", "penalty", "accuracy", "val_data_loss", "val_penalty", "val_accuracy")


def with_totals(history: dict) -> dict:
    """``history`` plus Keras's totals ``loss = data_loss + penalty`` and ``val_loss = val_data_loss +
    val_penalty`` (a run without validation data has no ``val_*`` figures); for floats, NumPy or JAX arrays and
    pandas columns alike."""
    h, out = history, {**history, "loss": history["data_loss"] + history["penalty"]}
    if "val_data_loss" in h:
        out["val_loss"] = h["val_data_loss"] + h["val_penalty"]
    return out


def snapshot_epochs(epochs: int, snapshots: int) -> list[int]:
    """The epochs (1-based) after which a run asked for ``snapshots`` keeps its params: every ``ceil(epochs /
    snapshots)`` epochs, and the last epoch."""
    every = -(-epochs // snapshots)
    return [min((j + 1) * every, epochs) for j in range(-(-epochs // every))]
