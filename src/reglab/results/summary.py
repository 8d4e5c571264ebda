"""The network as Keras's ``model.summary()`` lists it: each layer's name, output shape and parameter count."""


def layer_rows(config, n_in: int, n_out: int) -> list[dict]:
    """Keras's layer names (``dense``, ``dense_1``, …; a ``dropout`` layer after each hidden layer that has a
    rate) for ``config`` with ``n_in`` inputs and ``n_out`` outputs; a Dense layer has (inputs + 1) x units
    parameters. The lecture's network: 384 + 16,512 + 129 = 17,025."""
    rows, width, dropouts = [], n_in, 0
    for i, (units, rate) in enumerate(zip((*config.hidden, n_out), (*config.dropout_rates(), 0.0))):
        rows.append({"layer": f"dense{f'_{i}' if i else ''} (Dense)", "shape": f"(None, {units})",
                     "params": (width + 1) * units})
        if rate > 0:
            rows.append({"layer": f"dropout{f'_{dropouts}' if dropouts else ''} (Dropout)",
                         "shape": f"(None, {units})", "params": 0})
            dropouts += 1
        width = units
    return rows


def summary_text(rows: list[dict]) -> str:
    """Keras's summary layout in plain text: the table, then total, trainable and non-trainable parameters
    (float32: 4 bytes each)."""
    total = sum(r["params"] for r in rows)
    cells = [("Layer (type)", "Output Shape", "Param #")] + [(r["layer"], r["shape"], f"{r['params']:,}") for r in rows]
    w = [max(len(c[k]) for c in cells) + 2 for k in range(3)]
    line = lambda c: f"{c[0]:<{w[0]}}{c[1]:<{w[1]}}{c[2]:>{w[2]}}"  # noqa: E731
    rule = "─" * sum(w)
    return "\n".join(['Model: "sequential"', rule, line(cells[0]), rule, *map(line, cells[1:]), rule,
                      f"Total params: {total:,} ({total * 4 / 1024:.2f} KB)",
                      f"Trainable params: {total:,} ({total * 4 / 1024:.2f} KB)", "Non-trainable params: 0 (0.00 B)"])
